/**
 * @module SharedInformer: keeps a local, indexed copy of one resource (list, then watch from the list's
 * resourceVersion, re-list on 410) and tells registered handlers about every change, in order.
 */
import { pino, type Logger } from 'pino';
import { isStatusError, StatusError } from '../../api/errors.js';
import type { KubeObject, Status } from '../../api/object.js';
import { sleepUnlessAborted, systemClock, type TimerClock } from '../../util/clock.js';
import type { KubeClient } from '../client.js';
import type { ResourceDescriptor } from '../resources.js';
import { Indexer, type IndexFunc, objectKey, type Store } from './indexer.js';
import { errorText } from '../../util/errors.js';

/** What a delete handler gets for an object that vanished while the watch was down: its last known state. */
export class DeletedFinalStateUnknown<T extends KubeObject> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

/**
 * An informer transform that drops metadata.managedFields, which control loops never read (upstream's
 * scheduler and controller manager trim them the same way): a pod's cached copy shrinks by a third or more.
 * An update sent from such a copy omits managedFields, which the server reads as "keep the recorded ones".
 */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}

/** The object of a delete notification, whether it came as the object or as a tombstone. */
export function deletedObject<T extends KubeObject>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/**
 * Callbacks for one consumer. They run synchronously, in event order, after the cache has been updated;
 * a handler that throws is logged and does not affect the informer or other handlers. Objects are shared:
 * never mutate them.
 */
export interface EventHandler<T extends KubeObject> {
  /** A new object; `isInInitialList` for those of the first list (or present when the handler was added). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** A changed object, or the same object again on a re-list or a resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** A deleted object, or a tombstone when the deletion happened while the watch was down. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

/** A handler's registration. */
export interface HandlerRegistration {
  /** Stops calls to the handler. */
  remove(): void;
  /** True once the handler has seen the informer's initial list. */
  hasSynced(): boolean;
}

export interface SharedInformerOptions<T extends KubeObject = KubeObject> {
  /** Limits the informer to one namespace ('' or absent: all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** List page size (default 500). */
  pageSize?: number;
  /** Each watch asks the server to end after this long; default 5-10 minutes, randomized per watch. */
  watchTimeoutSeconds?: number;
  /** Default resync period for handlers that name none; 0 (default) for no resync. */
  resyncPeriodMs?: number;
  /** Back-off after a failed list or watch: starts here (default 800 ms), doubles up to maxBackoffMs (30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  /**
   * Applied to every object the informer receives (list items and watch events) before it is cached and
   * delivered, as client-go's SetTransform; e.g. {@link stripManagedFields}. It may change the object in
   * place (it is fresh from decoding) and must keep its identity (namespace, name, resourceVersion).
   */
  transform?: (obj: T) => T;
  clock?: TimerClock;
  logger?: Logger;
}

const MIN_WATCH_TIMEOUT_SECONDS = 300;

/** How a watch ended: by the server with or without events, or with 410 Expired. */
type WatchOutcome = 'ended' | 'empty' | 'expired';

const SHORT_WATCH_MS = 1000;

interface Listener<T extends KubeObject> {
  handler: EventHandler<T>;
  active: boolean;
  synced: boolean;
  resyncMs: number;
  cancelResync?: () => void;
}

/**
 * One resource's informer. `run(signal)` lists and watches until the signal aborts; `hasSynced()` turns true
 * once the first list is in the cache and delivered. Handlers and indexes may be added before or after
 * the informer starts (a late handler first gets an add for every cached object).
 */
export class SharedInformer<T extends KubeObject> {
  readonly indexer: Indexer<T>;
  private readonly listeners: Listener<T>[] = [];
  private readonly clock: TimerClock;
  private readonly log: Logger;
  private synced = false;
  private started = false;
  private lastRV = '';
  /** The last resourceVersion is too old for the server (410): re-list from the latest state. */
  private rvExpired = false;
  private syncWaiters: Array<(ok: boolean) => void> = [];
  private stopSignal: AbortSignal | undefined;
  private readonly selfStop = new AbortController();

  constructor(
    readonly client: KubeClient,
    readonly resource: ResourceDescriptor<T>,
    private readonly opts: SharedInformerOptions<T> = {},
  ) {
    this.indexer = new Indexer<T>(opts.indexers);
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({
      informer: resource.group ? `${resource.resource}.${resource.group}` : resource.resource,
    });
  }

  /** The cache (read-only view). */
  get store(): Store<T> {
    return this.indexer;
  }

  /** Adds secondary indexes (e.g. `{ byNode: (p) => p.spec?.nodeName }`). */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.indexer.addIndexers(indexers);
  }

  /** Registers a handler; `resyncPeriodMs` (default: the informer's) re-delivers every object as an update. */
  addEventHandler(handler: EventHandler<T>, resyncPeriodMs?: number): HandlerRegistration {
    const l: Listener<T> = {
      handler,
      active: true,
      synced: false,
      resyncMs: resyncPeriodMs ?? this.opts.resyncPeriodMs ?? 0,
    };
    this.listeners.push(l);
    if (this.synced) {
      for (const obj of this.indexer.list()) this.call(l, 'onAdd', () => handler.onAdd?.(obj, true));
      l.synced = true;
      this.armResync(l);
    }
    return {
      remove: () => {
        l.active = false;
        l.cancelResync?.();
        const i = this.listeners.indexOf(l);
        if (i >= 0) this.listeners.splice(i, 1);
      },
      hasSynced: () => l.synced,
    };
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if the informer (or `signal`) stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted || this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => finish(false);
      const finish = (ok: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        const i = this.syncWaiters.indexOf(finish);
        if (i >= 0) this.syncWaiters.splice(i, 1);
        resolve(ok);
      };
      this.syncWaiters.push(finish);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The resourceVersion the cache reflects (the last list, event or bookmark). */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  private get stopped(): boolean {
    return this.selfStop.signal.aborted || (this.stopSignal?.aborted ?? false);
  }

  /** Stops the informer (as aborting run's signal does). */
  stop(): void {
    this.selfStop.abort();
    for (const w of [...this.syncWaiters]) w(false);
  }

  /** Lists and watches until `signal` aborts or `stop()`; resolves then. Runs once per informer. */
  async run(signal?: AbortSignal): Promise<void> {
    if (this.started) throw new Error('informer already started');
    this.started = true;
    const stop = signal ? AbortSignal.any([signal, this.selfStop.signal]) : this.selfStop.signal;
    this.stopSignal = stop;
    let backoff = 0;
    let needList = true;
    try {
      while (!stop.aborted) {
        try {
          if (needList) {
            await this.listOnce(stop);
            needList = false;
          }
          if (stop.aborted) break;
          const started = performance.now();
          const outcome = await this.watchOnce(stop);
          if (outcome === 'expired') {
            this.rvExpired = true;
            needList = true;
          } else if (outcome === 'empty' && performance.now() - started < SHORT_WATCH_MS && !stop.aborted) {
            // A server that ends watches at once (shutting down, say) must not be hammered.
            throw new Error('very short watch: the watch ended at once without events');
          }
          backoff = 0;
        } catch (err) {
          if (stop.aborted) break;
          if (isStatusError(err) && err.code === 410) {
            this.rvExpired = true;
            needList = true;
            continue;
          }
          const failed = needList ? 'list failed' : 'watch failed';
          // The server refused or broke off the watch with a Status: start over from a list, as upstream.
          // A dropped connection only needs a new watch from where this one stopped.
          if (isStatusError(err)) needList = true;
          backoff = this.nextBackoff(backoff);
          this.log.warn({ err: errorText(err), retryInMs: backoff }, failed);
          await sleepUnlessAborted(this.clock, backoff * (1 + Math.random()), stop);
        }
      }
    } finally {
      for (const l of this.listeners) l.cancelResync?.();
      for (const w of [...this.syncWaiters]) w(false);
    }
  }

  private nextBackoff(prev: number): number {
    const initial = this.opts.initialBackoffMs ?? 800;
    const max = this.opts.maxBackoffMs ?? 30_000;
    return prev === 0 ? initial : Math.min(max, prev * 2);
  }

  /** List in pages and replace the cache with the result. */
  private async listOnce(signal: AbortSignal): Promise<void> {
    // As upstream's reflector: "0" (any cached state) at first, the last seen version after a failure,
    // and the latest state ("") when that version is gone.
    const rv = this.rvExpired ? '' : this.lastRV || '0';
    const { items, resourceVersion } = await this.client.listAll(this.resource, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      limit: this.opts.pageSize ?? 500,
      resourceVersion: rv,
      signal,
    });
    if (signal.aborted) return;
    const transform = this.opts.transform;
    this.replace(transform ? items.map(transform) : items);
    this.lastRV = resourceVersion;
    this.rvExpired = false;
    if (!this.synced) {
      this.synced = true;
      for (const l of this.listeners) {
        l.synced = true;
        this.armResync(l);
      }
      for (const w of [...this.syncWaiters]) w(true);
    }
  }

  /** One watch from the last resourceVersion, applied event by event until it ends. */
  private async watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    const timeoutSeconds =
      this.opts.watchTimeoutSeconds ?? Math.floor(MIN_WATCH_TIMEOUT_SECONDS * (1 + Math.random()));
    const watch = await this.client.watch(this.resource, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      resourceVersion: this.lastRV,
      allowWatchBookmarks: true,
      timeoutSeconds,
      signal,
    });
    let events = 0;
    const transform = this.opts.transform ?? ((o: T): T => o);
    for await (const ev of watch) {
      events++;
      switch (ev.type) {
        case 'ADDED':
        case 'MODIFIED':
          this.upsert(transform(ev.object));
          this.lastRV = ev.object.metadata.resourceVersion ?? this.lastRV;
          break;
        case 'DELETED':
          this.remove(transform(ev.object));
          this.lastRV = ev.object.metadata.resourceVersion ?? this.lastRV;
          break;
        case 'BOOKMARK':
          this.lastRV = ev.object.metadata.resourceVersion || this.lastRV;
          break;
        case 'ERROR':
          return this.watchError(ev.object);
      }
    }
    return events > 0 ? 'ended' : 'empty';
  }

  /** 410 means re-list from the latest state; any other Status fails this watch. */
  private watchError(status: Status): WatchOutcome {
    if (status.code === 410) {
      this.log.info({ message: status.message }, 'watch expired; re-listing');
      return 'expired';
    }
    throw new StatusError(status);
  }

  private upsert(obj: T): void {
    const key = objectKey(obj);
    const old = this.indexer.set(key, obj);
    if (old) this.each('onUpdate', (h) => h.onUpdate?.(old, obj));
    else this.each('onAdd', (h) => h.onAdd?.(obj, false));
  }

  private remove(obj: T): void {
    const key = objectKey(obj);
    if (this.indexer.delete(key) === undefined) return;
    this.each('onDelete', (h) => h.onDelete?.(obj));
  }

  /** Makes the cache equal a full list: adds, updates (every listed object present before), tombstones. */
  private replace(items: T[]): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.indexer.set(key, obj);
      if (old) this.each('onUpdate', (h) => h.onUpdate?.(old, obj));
      else this.each('onAdd', (h) => h.onAdd?.(obj, initial));
    }
    if (seen.size === this.indexer.size) return;
    for (const key of this.indexer.keys()) {
      if (seen.has(key)) continue;
      const old = this.indexer.delete(key)!;
      const tombstone = new DeletedFinalStateUnknown(key, old);
      this.each('onDelete', (h) => h.onDelete?.(tombstone));
    }
  }

  private each(what: string, fn: (h: EventHandler<T>) => void): void {
    for (const l of this.listeners) {
      if (l.active) this.call(l, what, () => fn(l.handler));
    }
  }

  private call(l: Listener<T>, what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: errorText(err), handler: what }, 'event handler failed');
    }
  }

  private armResync(l: Listener<T>): void {
    if (l.resyncMs <= 0 || !l.active) return;
    l.cancelResync = this.clock.setTimer(l.resyncMs, () => {
      if (!l.active || this.stopped) return;
      for (const obj of this.indexer.list()) this.call(l, 'onUpdate', () => l.handler.onUpdate?.(obj, obj));
      this.armResync(l);
    });
  }
}
