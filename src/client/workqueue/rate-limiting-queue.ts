/** @module The queue controllers use: de-duplicating, delaying, and rate-limited retries. */
import type { TimerClock } from '../../util/clock.js';
import { DelayingQueue } from './delaying-queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

export interface RateLimitingQueueOptions<T> {
  clock?: TimerClock;
  /** Defaults to {@link defaultControllerRateLimiter}. */
  rateLimiter?: RateLimiter<T>;
}

/**
 * {@link DelayingQueue} plus retries: a worker whose processing failed calls `addRateLimited(item)`; one
 * that succeeded calls `forget(item)` so the item's back-off starts over. Either way it then calls `done`.
 */
export class RateLimitingQueue<T> extends DelayingQueue<T> {
  readonly rateLimiter: RateLimiter<T>;

  constructor(opts: RateLimitingQueueOptions<T> = {}) {
    super({ clock: opts.clock });
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>(this.clock);
  }

  /** Adds the item after the rate limiter's delay (which counts one more requeue). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}
