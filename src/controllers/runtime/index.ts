/** @module The controller runtime: controllers, expectations, owner references, events and the manager. */
export * from './controller.js';
export * from './controller-manager.js';
export * from './controller-ref.js';
export * from './event-recorder.js';
export * from './expectations.js';
