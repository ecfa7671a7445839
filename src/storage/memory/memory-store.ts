/** @module A Store kept entirely in process memory, history included: for tests and throwaway clusters. */
import {
  StorageError,
  type DeleteResult,
  type GetResult,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Revision,
  type Store,
  type WatchEvent,
  type WatchHandle,
  type WatchListener,
} from '../interface.js';
import { closedError, eventRevision, readRevision } from '../internal.js';
import { WatchHub } from '../watch-hub.js';

/** One state of a key; `kv` is undefined for a delete. */
interface Version {
  readonly revision: Revision;
  readonly kv: KeyValue | undefined;
}

/**
 * An in-memory {@link Store}. Writes apply synchronously in call order; watchers receive the
 * writes of one microtask as one batch. Nothing survives the process; history is kept until
 * {@link MemoryStore.compact} drops it.
 */
export class MemoryStore implements Store {
  /** An empty store is at revision 1, as in etcd, so the first write is revision 2. */
  private rev: Revision = 1;
  private compacted: Revision = 0;
  /** Per key, its states in ascending revision; trimmed by compaction. */
  private readonly versions = new Map<string, Version[]>();
  private sorted: string[] = [];
  private unsorted: string[] = [];
  /** Every event after the compaction point, ascending and contiguous in revision. */
  private log: WatchEvent[] = [];
  private pending: WatchEvent[] = [];
  private closed = false;
  private readonly hub = new WatchHub({
    currentRevision: () => this.rev,
    compactedRevision: () => this.compacted,
    readHistory: (prefix, after, upTo, limit) => this.readHistory(prefix, after, upTo, limit),
  });

  async currentRevision(): Promise<Revision> {
    this.checkOpen('');
    return this.rev;
  }

  async compactedRevision(): Promise<Revision> {
    this.checkOpen('');
    return this.compacted;
  }

  async get(key: string, revision?: Revision): Promise<GetResult> {
    this.checkOpen(key);
    const rev = readRevision(key, revision, this.rev, this.compacted);
    return { kv: this.at(key, rev), revision: rev };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.checkOpen(prefix);
    const rev = readRevision(prefix, options.revision, this.rev, this.compacted);
    const keys = this.sortedKeys();
    const { startAfter } = options;
    let i =
      startAfter !== undefined && startAfter >= prefix
        ? upperBound(keys, startAfter)
        : lowerBound(keys, prefix);
    const limit = options.limit || Infinity;
    const kvs: KeyValue[] = [];
    let more = false;
    for (; i < keys.length && keys[i]!.startsWith(prefix); i++) {
      const kv = this.at(keys[i]!, rev);
      if (!kv) continue;
      if (kvs.length === limit) {
        more = true;
        break;
      }
      kvs.push(kv);
    }
    return { kvs, revision: rev, more };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen(prefix);
    const keys = this.sortedKeys();
    let n = 0;
    for (let i = lowerBound(keys, prefix); i < keys.length && keys[i]!.startsWith(prefix); i++) {
      if (this.current(keys[i]!)) n++;
    }
    return n;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen(key);
    if (this.current(key)) throw new StorageError('KeyExists', key);
    const rev = this.rev + 1;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.record(key, kv, { type: 'put', kv });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: Revision): Promise<KeyValue> {
    const prevKv = this.expect(key, expectedModRevision);
    const kv: KeyValue = { key, value, createRevision: prevKv.createRevision, modRevision: this.rev + 1 };
    this.record(key, kv, { type: 'put', kv, prevKv });
    return kv;
  }

  async delete(key: string, expectedModRevision?: Revision): Promise<DeleteResult> {
    const prevKv = this.expect(key, expectedModRevision);
    const revision = this.rev + 1;
    this.record(key, undefined, { type: 'delete', key, revision, prevKv });
    return { prevKv, revision };
  }

  watch(prefix: string, afterRevision: Revision, listener: WatchListener): WatchHandle {
    return this.hub.add(prefix, afterRevision, listener);
  }

  async compact(revision: Revision): Promise<void> {
    this.checkOpen('');
    if (revision <= this.compacted) return;
    if (revision > this.rev) throw new RangeError(`cannot compact revision ${revision} beyond ${this.rev}`);
    for (const [key, versions] of this.versions) {
      const i = findAt(versions, revision);
      if (i < 0) continue;
      const keepFrom = versions[i]!.kv ? i : i + 1;
      if (keepFrom === versions.length) this.versions.delete(key);
      else if (keepFrom > 0) versions.splice(0, keepFrom);
    }
    this.sorted = [...this.versions.keys()].sort();
    this.unsorted = [];
    const first = this.log.findIndex((e) => eventRevision(e) > revision);
    this.log = first < 0 ? [] : this.log.slice(first);
    this.compacted = revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    this.hub.closeAll(closedError(''));
  }

  private checkOpen(key: string): void {
    if (this.closed) throw closedError(key);
  }

  /** The key's current state, which must exist and (if given) have modRevision `expected`. */
  private expect(key: string, expected: Revision | undefined): KeyValue {
    this.checkOpen(key);
    const current = this.current(key);
    if (!current) throw new StorageError('KeyNotFound', key);
    if (expected !== undefined && current.modRevision !== expected) {
      throw new StorageError(
        'Conflict',
        key,
        `modRevision is ${current.modRevision}, expected ${expected}`,
        current,
      );
    }
    return current;
  }

  private record(key: string, kv: KeyValue | undefined, event: WatchEvent): void {
    const revision = ++this.rev;
    const versions = this.versions.get(key);
    if (versions) versions.push({ revision, kv });
    else {
      this.versions.set(key, [{ revision, kv }]);
      this.unsorted.push(key);
    }
    this.log.push(event);
    if (this.pending.push(event) === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const events = this.pending;
    if (events.length === 0) return;
    this.pending = [];
    this.hub.publish(events, eventRevision(events[events.length - 1]!));
  }

  private current(key: string): KeyValue | undefined {
    return this.versions.get(key)?.at(-1)?.kv;
  }

  private at(key: string, revision: Revision): KeyValue | undefined {
    const versions = this.versions.get(key);
    if (!versions) return undefined;
    return versions[findAt(versions, revision)]?.kv;
  }

  private sortedKeys(): string[] {
    if (this.unsorted.length > 0) {
      this.sorted = merge(this.sorted, this.unsorted.sort());
      this.unsorted = [];
    }
    return this.sorted;
  }

  private readHistory(prefix: string, after: Revision, upTo: Revision, limit: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    const base = this.log[0] ? eventRevision(this.log[0]) : this.rev + 1;
    for (let i = Math.max(0, after + 1 - base); i < this.log.length && out.length < limit; i++) {
      const event = this.log[i]!;
      if (eventRevision(event) > upTo) break;
      const key = event.type === 'put' ? event.kv.key : event.key;
      if (key.startsWith(prefix)) out.push(event);
    }
    return out;
  }
}

/** Index of the last version at or before `revision`, or -1. */
function findAt(versions: readonly Version[], revision: Revision): number {
  let i = versions.length - 1;
  while (i >= 0 && versions[i]!.revision > revision) i--;
  return i;
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(keys: readonly string[], key: string): number {
  const i = lowerBound(keys, key);
  return keys[i] === key ? i + 1 : i;
}

function merge(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]! < b[j]! ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
