/**
 * @module The watch cache: an in-memory, indexed copy of one resource, fed by a single store watch,
 * serving lists and watches without touching the store (upstream's cacher).
 */
import type { KubeObject } from '../api/object.js';
import type { KeyValue, Revision, Store, WatchEvent, WatchHandle } from '../storage/interface.js';
import type { StorageError } from '../storage/interface.js';

/** One object as cached: immutable; `obj.metadata.resourceVersion` is set. */
export interface CacheEntry {
  readonly key: string;
  readonly obj: KubeObject;
  readonly rev: Revision;
  readonly namespace: string;
  /** Selectable fields (metadata.name, metadata.namespace and the resource's own). */
  readonly fields: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** The JSON of `obj`, computed once when first needed. */
  json?: string;
}

/** The JSON of a cached entry, computed once and shared by every reader. */
export function entryJson(e: CacheEntry): string {
  return (e.json ??= JSON.stringify(e.obj));
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A change as the cache records it; `prev` is the entry it replaced. */
export interface CacheEvent {
  readonly type: CacheEventType;
  /** For DELETED: the last state with resourceVersion set to the deletion's revision. */
  readonly entry: CacheEntry;
  readonly prev: CacheEntry | undefined;
  readonly rev: Revision;
}

/** What a list or watch asks for. */
export interface CacheFilter {
  /** '' for all namespaces. */
  namespace: string;
  /** Returns true when the entry passes the label and field selectors. */
  matches: (entry: CacheEntry) => boolean;
  /** Equality requirements usable for index lookups: [['label', key, value] | ['field', path, value]]. */
  equalities: ReadonlyArray<readonly ['label' | 'field', string, string]>;
}

/** Receives the events that pass its filter, already translated (ADDED/MODIFIED/DELETED as seen by the filter). */
export interface CacheWatcher {
  readonly filter: CacheFilter;
  onEvents(events: CacheEvent[]): void;
  /** The cache has seen everything up to `rev`. */
  onProgress(rev: Revision): void;
  /** The cache stopped (e.g. shutdown or its store watch failed); the watcher should end. */
  onClose(reason: string): void;
}

export interface WatchCacheOptions {
  store: Store;
  /** Key prefix of the resource, ending with '/'. */
  prefix: string;
  /** Builds a cache entry's object and fields from a stored value. */
  decode: (kv: KeyValue) => { obj: KubeObject; fields: Record<string, string>; json?: string };
  /** Field paths to index (besides namespace and labels). */
  indexedFields?: readonly string[];
  /** Number of past events kept for watches that start from an older resourceVersion. */
  historySize?: number;
  onError?: (err: unknown) => void;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** Thrown by `eventsSince` when the requested revision is older than the kept history. */
export class TooOldResourceVersionError extends Error {
  constructor(
    readonly requested: Revision,
    readonly oldest: Revision,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

/**
 * What readers of a resource's cache use: a {@link WatchCache}, or a view of another resource's cache whose
 * storage it shares (converted-cache.ts). Entries and events are immutable.
 */
export interface ResourceCache {
  readonly prefix: string;
  readonly ready: boolean;
  readonly currentRevision: Revision;
  readonly size: number;
  readonly watcherCount: number;
  start(): Promise<void>;
  stop(): void;
  waitForRevision(rev: Revision, timeoutMs: number): Promise<void>;
  get(key: string): CacheEntry | undefined;
  list(filter: CacheFilter): CacheEntry[];
  page(
    filter: CacheFilter,
    startAfter: string,
    limit: number,
    countRemaining: boolean,
  ): { entries: CacheEntry[]; more: boolean; remaining: number };
  eventsSince(rev: Revision, filter: CacheFilter): CacheEvent[];
  addWatcher(w: CacheWatcher): void;
  removeWatcher(w: CacheWatcher): void;
}

export class WatchCache implements ResourceCache {
  readonly prefix: string;
  private readonly store: Store;
  private readonly decodeValue: WatchCacheOptions['decode'];
  private readonly historySize: number;
  private readonly onError: (err: unknown) => void;

  private readonly items = new Map<string, CacheEntry>();
  private readonly byNamespace = new Map<string, Set<string>>();
  private readonly byLabel = new Map<string, Map<string, Set<string>>>();
  private readonly byField = new Map<string, Map<string, Set<string>>>();
  /**
   * Every key in order, kept lazily: new keys wait in `unsortedKeys` and deleted ones stay until the next
   * merge, so writes cost O(1) and a read after writes merges in O(n + k log k) instead of sorting.
   */
  private sortedKeys: string[] = [];
  private unsortedKeys: string[] = [];
  private deadKeys = 0;

  /** Ring buffer of recent events. */
  private readonly history: CacheEvent[] = [];
  private historyStart = 0;
  /** Every event with rev > oldestRev is in history. */
  private oldestRev: Revision = 0;

  private revision: Revision = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: Array<{ rev: Revision; resolve: () => void }> = [];
  private handle: WatchHandle | undefined;
  private readyPromise: Promise<void> | undefined;
  private closed = false;

  constructor(opts: WatchCacheOptions) {
    this.store = opts.store;
    this.prefix = opts.prefix;
    this.decodeValue = opts.decode;
    this.historySize = opts.historySize ?? 10_000;
    this.onError = opts.onError ?? (() => {});
    for (const f of opts.indexedFields ?? []) this.byField.set(f, new Map());
  }

  /** Lists the store and starts watching; resolves when the cache holds a complete state. */
  start(): Promise<void> {
    this.readyPromise ??= this.load();
    return this.readyPromise;
  }

  private async load(): Promise<void> {
    let startAfter: string | undefined;
    let revision: Revision | undefined;
    for (;;) {
      const page = await this.store.list(this.prefix, { revision, limit: 5000, startAfter });
      revision = page.revision;
      for (const kv of page.kvs) this.put(this.makeEntry(kv));
      if (!page.more || page.kvs.length === 0) break;
      startAfter = page.kvs[page.kvs.length - 1]!.key;
    }
    this.revision = revision;
    this.oldestRev = revision;
    this.handle = this.store.watch(this.prefix, revision, {
      onEvents: (events) => this.apply(events),
      onProgress: (rev) => this.progress(rev),
      onError: (err: StorageError) => {
        this.onError(err);
        this.stop(`watch cache for ${this.prefix} failed: ${err.message}`);
      },
    });
  }

  get ready(): boolean {
    return this.handle !== undefined;
  }

  /** The revision up to which the cache is complete. */
  get currentRevision(): Revision {
    return this.revision;
  }

  get size(): number {
    return this.items.size;
  }

  /** Resolves when the cache has seen `rev`; rejects after `timeoutMs`. */
  waitForRevision(rev: Revision, timeoutMs: number): Promise<void> {
    if (this.revision >= rev) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        rev,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`Too large resource version: ${rev}, current: ${this.revision}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get(key: string): CacheEntry | undefined {
    return this.items.get(key);
  }

  /** Entries matching the filter, sorted by key. */
  list(filter: CacheFilter): CacheEntry[] {
    return this.page(filter, '', 0, false).entries;
  }

  /**
   * One page of the entries matching `filter`, in key order, starting after the key `startAfter`
   * ('' for the first page), at most `limit` entries (0: all). `remaining` counts the entries after
   * the page when `countRemaining` is set, which callers do only for filters without selectors
   * (every entry of the namespace matches), so it can be counted by position.
   */
  page(
    filter: CacheFilter,
    startAfter: string,
    limit: number,
    countRemaining: boolean,
  ): { entries: CacheEntry[]; more: boolean; remaining: number } {
    const candidates = this.candidates(filter);
    const nsSet = filter.namespace ? this.byNamespace.get(filter.namespace) : undefined;
    let keys: readonly string[];
    let from: number;
    let to: number;
    if (candidates !== undefined && (candidates !== nsSet || candidates.size === 0)) {
      // A label or field index narrowed it: sort just those keys.
      keys = [...candidates].sort();
      from = 0;
      to = keys.length;
    } else {
      // Counting what remains by position needs the order free of deleted keys.
      keys = this.sortedView(countRemaining);
      const low = filter.namespace ? `${this.prefix}${filter.namespace}/` : this.prefix;
      const high = filter.namespace ? `${this.prefix}${filter.namespace}0` : undefined;
      from = lowerBound(keys, low);
      to = high === undefined ? keys.length : lowerBound(keys, high);
    }
    if (startAfter) from = Math.max(from, upperBound(keys, startAfter));
    const entries: CacheEntry[] = [];
    let i = from;
    for (; i < to; i++) {
      const e = this.items.get(keys[i]!);
      if (!e || !filter.matches(e)) continue;
      if (limit > 0 && entries.length === limit) break;
      entries.push(e);
    }
    let remaining = 0;
    let more = false;
    if (countRemaining && keys === this.sortedKeys && this.deadKeys === 0) {
      // Every key in range is live and matches (a list without selectors): count by position.
      return { entries, more: i < to, remaining: to - i };
    }
    for (; i < to; i++) {
      const e = this.items.get(keys[i]!);
      if (!e || !filter.matches(e)) continue;
      more = true;
      if (!countRemaining) break;
      remaining++;
    }
    return { entries, more, remaining };
  }

  private sortedView(withoutDeadKeys = false): readonly string[] {
    const clean = withoutDeadKeys ? this.deadKeys === 0 : this.deadKeys <= this.sortedKeys.length / 4;
    if (this.unsortedKeys.length === 0 && clean) return this.sortedKeys;
    const added = this.unsortedKeys.sort();
    const old = this.sortedKeys;
    const merged: string[] = [];
    let a = 0;
    let b = 0;
    while (a < old.length || b < added.length) {
      const k = b >= added.length || (a < old.length && old[a]! <= added[b]!) ? old[a++]! : added[b++]!;
      if (merged.length > 0 && merged[merged.length - 1] === k) continue;
      if (this.items.has(k)) merged.push(k);
    }
    this.sortedKeys = merged;
    this.unsortedKeys = [];
    this.deadKeys = 0;
    return merged;
  }

  /** The smallest index set that contains every match, or undefined to scan everything. */
  private candidates(filter: CacheFilter): Set<string> | undefined {
    let best: Set<string> | undefined;
    const consider = (s: Set<string> | undefined): void => {
      const set = s ?? new Set<string>();
      if (best === undefined || set.size < best.size) best = set;
    };
    if (filter.namespace) consider(this.byNamespace.get(filter.namespace));
    for (const [kind, k, v] of filter.equalities) {
      if (kind === 'label') consider(this.byLabel.get(k)?.get(v));
      else {
        const idx = this.byField.get(k);
        if (idx) consider(idx.get(v));
      }
    }
    return best;
  }

  /**
   * Events after `rev` that pass the filter, translated for it. Throws TooOldResourceVersionError
   * when history no longer reaches back to `rev`.
   */
  eventsSince(rev: Revision, filter: CacheFilter): CacheEvent[] {
    if (rev < this.oldestRev) throw new TooOldResourceVersionError(rev, this.oldestRev + 1);
    const out: CacheEvent[] = [];
    const n = this.history.length;
    // Binary search for the first event with rev > rev.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.historyAt(mid).rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < n; i++) {
      const t = translate(this.historyAt(i), filter);
      if (t) out.push(t);
    }
    return out;
  }

  private historyAt(i: number): CacheEvent {
    return this.history[(this.historyStart + i) % this.history.length]!;
  }

  addWatcher(w: CacheWatcher): void {
    this.watchers.add(w);
  }

  removeWatcher(w: CacheWatcher): void {
    this.watchers.delete(w);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Ends the store watch and every watcher. */
  stop(reason = 'shutting down'): void {
    if (this.closed) return;
    this.closed = true;
    this.handle?.cancel();
    for (const w of [...this.watchers]) w.onClose(reason);
    this.watchers.clear();
  }

  private makeEntry(kv: KeyValue): CacheEntry {
    const { obj, fields, json } = this.decodeValue(kv);
    return {
      key: kv.key,
      obj,
      rev: kv.modRevision,
      namespace: obj.metadata.namespace ?? '',
      fields,
      labels: obj.metadata.labels ?? EMPTY,
      json,
    };
  }

  private apply(events: readonly WatchEvent[]): void {
    const out: CacheEvent[] = [];
    for (const ev of events) {
      try {
        out.push(this.applyOne(ev));
      } catch (err) {
        this.onError(err);
      }
    }
    if (out.length === 0) return;
    this.revision = out[out.length - 1]!.rev;
    for (const e of out) this.record(e);
    this.dispatch(out);
    this.wake();
  }

  private applyOne(ev: WatchEvent): CacheEvent {
    if (ev.type === 'put') {
      const entry = this.makeEntry(ev.kv);
      const prev = this.items.get(ev.kv.key);
      this.put(entry);
      return { type: prev ? 'MODIFIED' : 'ADDED', entry, prev, rev: ev.kv.modRevision };
    }
    const prev = this.items.get(ev.key) ?? this.makeEntry(ev.prevKv);
    this.remove(prev);
    const obj: KubeObject = {
      ...prev.obj,
      metadata: { ...prev.obj.metadata, resourceVersion: String(ev.revision) },
    };
    const entry: CacheEntry = { ...prev, obj, rev: ev.revision, json: undefined };
    return { type: 'DELETED', entry, prev, rev: ev.revision };
  }

  private progress(rev: Revision): void {
    if (rev <= this.revision) return;
    this.revision = rev;
    for (const w of this.watchers) w.onProgress(rev);
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.revision >= w.rev) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private record(e: CacheEvent): void {
    if (this.history.length < this.historySize) {
      this.history.push(e);
      return;
    }
    const evicted = this.history[this.historyStart]!;
    this.history[this.historyStart] = e;
    this.historyStart = (this.historyStart + 1) % this.history.length;
    this.oldestRev = evicted.rev;
  }

  private dispatch(events: CacheEvent[]): void {
    for (const w of this.watchers) {
      let batch: CacheEvent[] | undefined;
      for (const e of events) {
        const t = translate(e, w.filter);
        if (t) (batch ??= []).push(t);
      }
      if (batch) w.onEvents(batch);
      else w.onProgress(this.revision);
    }
  }

  private put(entry: CacheEntry): void {
    const prev = this.items.get(entry.key);
    if (prev) this.unindex(prev);
    else this.unsortedKeys.push(entry.key);
    this.items.set(entry.key, entry);
    this.index(entry);
  }

  private remove(entry: CacheEntry): void {
    this.items.delete(entry.key);
    this.deadKeys++;
    this.unindex(entry);
  }

  private index(e: CacheEntry): void {
    addTo(this.byNamespace, e.namespace, e.key);
    for (const k in e.labels) addTo(nested(this.byLabel, k), e.labels[k]!, e.key);
    for (const [f, idx] of this.byField) {
      const v = e.fields[f];
      if (v !== undefined) addTo(idx, v, e.key);
    }
  }

  private unindex(e: CacheEntry): void {
    removeFrom(this.byNamespace, e.namespace, e.key);
    for (const k in e.labels) {
      const m = this.byLabel.get(k);
      if (m) {
        removeFrom(m, e.labels[k]!, e.key);
        if (m.size === 0) this.byLabel.delete(k);
      }
    }
    for (const [f, idx] of this.byField) {
      const v = e.fields[f];
      if (v !== undefined) removeFrom(idx, v, e.key);
    }
  }
}

/** How an event looks to a filter: objects moving out of the filter are DELETED, moving in are ADDED. */
export function translate(e: CacheEvent, filter: CacheFilter): CacheEvent | undefined {
  const inNs = (x: CacheEntry): boolean => !filter.namespace || x.namespace === filter.namespace;
  const cur = e.type !== 'DELETED' && inNs(e.entry) && filter.matches(e.entry);
  const before = e.prev !== undefined && inNs(e.prev) && filter.matches(e.prev);
  if (e.type === 'DELETED') return before ? e : undefined;
  if (cur && before) return e;
  if (cur) return e.type === 'ADDED' ? e : { ...e, type: 'ADDED' };
  if (before) return { ...e, type: 'DELETED' };
  return undefined;
}

/** First index whose key is >= k. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > k. */
function upperBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nested(m: Map<string, Map<string, Set<string>>>, k: string): Map<string, Set<string>> {
  let inner = m.get(k);
  if (!inner) m.set(k, (inner = new Map()));
  return inner;
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
