/** @module Work queues for controllers. */
export * from './delaying-queue.js';
export * from './queue.js';
export * from './rate-limiter.js';
export * from './rate-limiting-queue.js';
