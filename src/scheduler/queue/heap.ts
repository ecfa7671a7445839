/** @module A binary heap keyed by a string, with O(log n) update and delete by key (upstream's queue heap). */

/**
 * Items are ordered by `less` (the smallest pops first) and addressed by `keyOf`. Adding an item whose key
 * is present replaces it in place. `less` must not change its answer for items already in the heap unless
 * they are re-added.
 */
export class KeyedHeap<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  /** Adds the item, or replaces the one with the same key and restores the order. */
  addOrUpdate(item: T): void {
    const key = this.keyOf(item);
    const i = this.index.get(key);
    if (i !== undefined) {
      this.items[i] = item;
      if (!this.up(i)) this.down(i);
      return;
    }
    this.items.push(item);
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** The smallest item, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.removeAt(0);
  }

  delete(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.removeAt(i);
  }

  /** The items in heap (not sorted) order. */
  list(): readonly T[] {
    return this.items;
  }

  private removeAt(i: number): T {
    const items = this.items;
    const out = items[i]!;
    this.index.delete(this.keyOf(out));
    const last = items.pop()!;
    if (i < items.length) {
      items[i] = last;
      this.index.set(this.keyOf(last), i);
      if (!this.up(i)) this.down(i);
    }
    return out;
  }

  /** Moves item i toward the root; returns whether it moved. */
  private up(i: number): boolean {
    const items = this.items;
    const item = items[i]!;
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.less(item, p)) break;
      items[i] = p;
      this.index.set(this.keyOf(p), i);
      i = parent;
    }
    if (i !== start) {
      items[i] = item;
      this.index.set(this.keyOf(item), i);
    }
    return i !== start;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    const start = i;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(items[r]!, items[l]!)) c = r;
      const child = items[c]!;
      if (!this.less(child, item)) break;
      items[i] = child;
      this.index.set(this.keyOf(child), i);
      i = c;
    }
    if (i !== start) {
      items[i] = item;
      this.index.set(this.keyOf(item), i);
    }
  }
}
