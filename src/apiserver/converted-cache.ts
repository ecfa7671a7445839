/**
 * @module A resource's view of another resource's watch cache whose storage it shares (events.k8s.io/v1
 * Events over core/v1's): every entry and event leaves converted, and filters see converted entries.
 */
import type { Revision } from '../storage/interface.js';
import type {
  CacheEntry,
  CacheEvent,
  CacheFilter,
  CacheWatcher,
  ResourceCache,
  WatchCache,
} from './watch-cache.js';

export class ConvertedCache implements ResourceCache {
  private readonly source: WatchCache;
  private readonly convertEntry: (stored: CacheEntry) => CacheEntry;
  /** Converted entries by the source's entry; cached entries are immutable and replaced on every change. */
  private readonly converted = new WeakMap<CacheEntry, CacheEntry>();
  private readonly watchers = new Map<CacheWatcher, CacheWatcher>();

  /** `convert` builds this resource's entry (object and selectable fields) from the source's entry. */
  constructor(source: WatchCache, convert: (stored: CacheEntry) => CacheEntry) {
    this.source = source;
    this.convertEntry = convert;
  }

  get prefix(): string {
    return this.source.prefix;
  }

  get ready(): boolean {
    return this.source.ready;
  }

  get currentRevision(): Revision {
    return this.source.currentRevision;
  }

  get size(): number {
    return this.source.size;
  }

  /** Watches through this view (the source counts them too). */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Starts the source; starting it twice is harmless. */
  start(): Promise<void> {
    return this.source.start();
  }

  /** The source belongs to the resource that owns the storage; it stops it. */
  stop(): void {}

  waitForRevision(rev: Revision, timeoutMs: number): Promise<void> {
    return this.source.waitForRevision(rev, timeoutMs);
  }

  get(key: string): CacheEntry | undefined {
    const e = this.source.get(key);
    return e && this.convert(e);
  }

  list(filter: CacheFilter): CacheEntry[] {
    return this.source.list(this.filter(filter)).map((e) => this.convert(e));
  }

  page(
    filter: CacheFilter,
    startAfter: string,
    limit: number,
    countRemaining: boolean,
  ): { entries: CacheEntry[]; more: boolean; remaining: number } {
    const page = this.source.page(this.filter(filter), startAfter, limit, countRemaining);
    return { ...page, entries: page.entries.map((e) => this.convert(e)) };
  }

  eventsSince(rev: Revision, filter: CacheFilter): CacheEvent[] {
    return this.source.eventsSince(rev, this.filter(filter)).map((e) => this.convertEvent(e));
  }

  addWatcher(w: CacheWatcher): void {
    const inner: CacheWatcher = {
      filter: this.filter(w.filter),
      onEvents: (events) => w.onEvents(events.map((e) => this.convertEvent(e))),
      onProgress: (rev) => w.onProgress(rev),
      onClose: (reason) => w.onClose(reason),
    };
    this.watchers.set(w, inner);
    this.source.addWatcher(inner);
  }

  removeWatcher(w: CacheWatcher): void {
    const inner = this.watchers.get(w);
    if (!inner) return;
    this.watchers.delete(w);
    this.source.removeWatcher(inner);
  }

  private convert(e: CacheEntry): CacheEntry {
    let c = this.converted.get(e);
    if (c === undefined) {
      c = this.convertEntry(e);
      this.converted.set(e, c);
    }
    return c;
  }

  private convertEvent(e: CacheEvent): CacheEvent {
    return { ...e, entry: this.convert(e.entry), prev: e.prev && this.convert(e.prev) };
  }

  /**
   * The filter as the source applies it: selectors match the converted entry. Field equalities name this
   * resource's fields, not the source's indexes, so only namespace and label indexes narrow the scan.
   */
  private filter(f: CacheFilter): CacheFilter {
    return {
      namespace: f.namespace,
      equalities: f.equalities.filter(([kind]) => kind === 'label'),
      matches: (e) => f.matches(this.convert(e)),
    };
  }
}
