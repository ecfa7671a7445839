/**
 * @module Controller: a rate-limited work queue of object keys drained by N workers that call a level-triggered
 * `reconcile(key)`; failures retry with per-item back-off, successes reset it.
 */
import { pino, type Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { objectKey } from '../../client/informer/indexer.js';
import { DeletedFinalStateUnknown } from '../../client/informer/shared-informer.js';
import { RateLimitingQueue } from '../../client/workqueue/rate-limiting-queue.js';
import type { RateLimiter } from '../../client/workqueue/rate-limiter.js';
import { systemClock, type TimerClock } from '../../util/clock.js';
import { errorText } from '../../util/errors.js';

/** What a reconcile may ask for besides success: to be looked at again after a while. */
export interface ReconcileResult {
  /** Queue the key again after this many milliseconds (the back-off still resets). */
  requeueAfterMs?: number;
}

/**
 * Moves one object toward its spec. Called by one worker at a time per key (never two for the same key);
 * reads the world from informer caches; must be safe to run again. A thrown error means "retry later with
 * back-off"; returning means success.
 */
export type ReconcileFunc = (key: string) => Promise<ReconcileResult | void>;

/** Anything whose cache must be filled before workers start (a SharedInformer). */
export interface Syncable {
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
}

export interface ControllerOptions {
  /** Used in logs, e.g. 'replicaset'. */
  name: string;
  reconcile: ReconcileFunc;
  /** Caches that must have synced before the first reconcile. */
  informers?: readonly Syncable[];
  /** Concurrent workers (default 1). */
  workers?: number;
  /**
   * Failures of one key before it is dropped from the queue (it comes back with the next event about it);
   * default 15 as upstream's deployment controller. `Infinity` retries forever.
   */
  maxRetries?: number;
  rateLimiter?: RateLimiter<string>;
  clock?: TimerClock;
  logger?: Logger;
}

/**
 * A controller's queue and workers. Event handlers call `enqueue`; `run(signal)` waits for the caches, then
 * works until the signal aborts, then lets in-flight reconciles finish and resolves.
 */
export class Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  private readonly reconcileFn: ReconcileFunc;
  private readonly informers: readonly Syncable[];
  private readonly workers: number;
  private readonly maxRetries: number;
  private readonly log: Logger;
  private started = false;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.reconcileFn = opts.reconcile;
    this.informers = opts.informers ?? [];
    this.workers = Math.max(1, opts.workers ?? 1);
    this.maxRetries = opts.maxRetries ?? 15;
    const clock = opts.clock ?? systemClock;
    this.queue = new RateLimitingQueue<string>({ clock, rateLimiter: opts.rateLimiter });
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ controller: opts.name });
  }

  /** Queues a key (`namespace/name`). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Queues the key of an object, or of a delete tombstone. */
  enqueueObject(obj: KubeObject | DeletedFinalStateUnknown<KubeObject>): void {
    this.queue.add(obj instanceof DeletedFinalStateUnknown ? obj.key : objectKey(obj));
  }

  /** Queues a key after a delay. */
  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /** Queues a key after its rate limiter's delay. */
  enqueueRateLimited(key: string): void {
    this.queue.addRateLimited(key);
  }

  /** True once every informer the controller needs has synced. */
  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`controller ${this.name} already started`);
    this.started = true;
    const onAbort = (): void => this.queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.log.info({ workers: this.workers }, 'starting controller');
      const synced = await Promise.all(this.informers.map((i) => i.waitForSync(signal)));
      if (signal.aborted || !synced.every(Boolean)) {
        this.queue.shutDown();
        return;
      }
      const workers: Promise<void>[] = [];
      for (let i = 0; i < this.workers; i++) workers.push(this.worker(signal));
      await Promise.all(workers);
      await this.queue.shutDownWithDrain();
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.log.info('stopped controller');
    }
  }

  /**
   * Takes one key and reconciles it; resolves false once the queue is shut down and empty, or `signal`
   * aborted (a key taken then is handed back unprocessed).
   */
  async processNextWorkItem(signal?: AbortSignal): Promise<boolean> {
    const key = await this.queue.get();
    if (key === undefined) return false;
    if (signal?.aborted) {
      this.queue.done(key);
      return false;
    }
    try {
      const result = await this.reconcileFn(key);
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      this.handleError(key, err);
    } finally {
      this.queue.done(key);
    }
    return true;
  }

  private handleError(key: string, err: unknown): void {
    const requeues = this.queue.numRequeues(key);
    if (requeues < this.maxRetries) {
      this.log.debug({ key, err: errorText(err), requeues }, 'reconcile failed; retrying');
      this.queue.addRateLimited(key);
      return;
    }
    this.log.warn({ key, err: errorText(err), requeues }, 'reconcile failed too often; dropping key');
    this.queue.forget(key);
  }

  private async worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (!(await this.processNextWorkItem(signal))) return;
    }
  }
}

/** Re-exported for the controllers, which take it from the runtime. */
export { errorText };
