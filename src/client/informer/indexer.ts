/** @module The informer's local cache: objects by `namespace/name` key, with named secondary indexes. */
import type { KubeObject } from '../../api/object.js';

/** Values an object is indexed under (none, one or many), e.g. its node name. */
export type IndexFunc<T> = (obj: T) => readonly string[] | string | undefined;

/** The built-in index of every indexer: objects by namespace. */
export const NAMESPACE_INDEX = 'namespace';

/** upstream's MetaNamespaceKeyFunc: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** Splits a key made by {@link objectKey}. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * Read access to an informer's cache. Objects are shared with the informer and every handler: never mutate
 * them (copy with structuredClone first).
 */
export interface Store<T extends KubeObject> {
  get(key: string): T | undefined;
  /** Convenience for `get(objectKey(...))`. */
  getByName(namespace: string, name: string): T | undefined;
  list(): T[];
  keys(): string[];
  readonly size: number;
  /** Objects whose index `indexName` has `value`; throws for an unknown index. */
  byIndex(indexName: string, value: string): T[];
  /** Keys of the objects whose index `indexName` has `value`. */
  indexKeys(indexName: string, value: string): string[];
}

/** A Store that also takes writes (from its informer) and new indexes. */
export class Indexer<T extends KubeObject> implements Store<T> {
  private readonly items = new Map<string, T>();
  private readonly funcs = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: (o) => o.metadata.namespace ?? '', ...indexers });
  }

  /** Adds indexes; existing objects are indexed right away. Re-defining an index name throws. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.funcs.has(name)) throw new Error(`indexer "${name}" already exists`);
      this.funcs.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) addToIndex(index, valuesOf(fn, obj), key);
    }
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }
  getByName(namespace: string, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }
  list(): T[] {
    return [...this.items.values()];
  }
  keys(): string[] {
    return [...this.items.keys()];
  }
  get size(): number {
    return this.items.size;
  }

  byIndex(indexName: string, value: string): T[] {
    const out: T[] = [];
    for (const key of this.indexSet(indexName, value)) out.push(this.items.get(key)!);
    return out;
  }
  indexKeys(indexName: string, value: string): string[] {
    return [...this.indexSet(indexName, value)];
  }

  private indexSet(indexName: string, value: string): Iterable<string> {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return index.get(value) ?? [];
  }

  /** Inserts or replaces; returns the object it replaced. */
  set(key: string, obj: T): T | undefined {
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const [name, fn] of this.funcs) {
      const index = this.indices.get(name)!;
      const next = valuesOf(fn, obj);
      if (old) {
        const prev = valuesOf(fn, old);
        if (sameValues(prev, next)) continue;
        removeFromIndex(index, prev, key);
      }
      addToIndex(index, next, key);
    }
    return old;
  }

  /** Removes; returns what was there. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.items.delete(key);
    for (const [name, fn] of this.funcs) removeFromIndex(this.indices.get(name)!, valuesOf(fn, old), key);
    return old;
  }
}

function valuesOf<T>(fn: IndexFunc<T>, obj: T): readonly string[] {
  const v = fn(obj);
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : v;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addToIndex(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const v of values) {
    let set = index.get(v);
    if (!set) index.set(v, (set = new Set()));
    set.add(key);
  }
}

function removeFromIndex(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const v of values) {
    const set = index.get(v);
    if (!set) continue;
    set.delete(key);
    if (set.size === 0) index.delete(v);
  }
}
