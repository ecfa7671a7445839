/** @module A binary heap keyed by a string, with O(log n) update and delete by key (upstream's queue heap). */

/** An item with its key and its current place in the heap array (kept in step as it moves). */
interface Slot<T> {
  item: T;
  readonly key: string;
  pos: number;
}

/**
 * Items are ordered by `less` (the smallest pops first) and addressed by `keyOf`. Adding an item whose key
 * is present replaces it in place. `less` must not change its answer for items already in the heap unless
 * they are re-added.
 */
export class KeyedHeap<T> {
  private readonly slots: Slot<T>[] = [];
  private readonly index = new Map<string, Slot<T>>();

  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  get size(): number {
    return this.slots.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    return this.index.get(key)?.item;
  }

  /** Adds the item, or replaces the one with the same key and restores the order. */
  addOrUpdate(item: T): void {
    const key = this.keyOf(item);
    const slot = this.index.get(key);
    if (slot !== undefined) {
      slot.item = item;
      if (!this.up(slot.pos)) this.down(slot.pos);
      return;
    }
    const added: Slot<T> = { item, key, pos: this.slots.length };
    this.slots.push(added);
    this.index.set(key, added);
    this.up(added.pos);
  }

  /** The smallest item, without removing it. */
  peek(): T | undefined {
    return this.slots[0]?.item;
  }

  pop(): T | undefined {
    if (this.slots.length === 0) return undefined;
    return this.removeAt(0);
  }

  delete(key: string): T | undefined {
    const slot = this.index.get(key);
    return slot === undefined ? undefined : this.removeAt(slot.pos);
  }

  /** The items in heap (not sorted) order. */
  list(): T[] {
    return this.slots.map((s) => s.item);
  }

  private removeAt(i: number): T {
    const slots = this.slots;
    const out = slots[i]!;
    this.index.delete(out.key);
    const last = slots.pop()!;
    if (i < slots.length) {
      slots[i] = last;
      last.pos = i;
      if (!this.up(i)) this.down(i);
    }
    return out.item;
  }

  /** Moves the slot at i toward the root; returns whether it moved. */
  private up(i: number): boolean {
    const slots = this.slots;
    const slot = slots[i]!;
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = slots[parent]!;
      if (!this.less(slot.item, p.item)) break;
      slots[i] = p;
      p.pos = i;
      i = parent;
    }
    if (i !== start) {
      slots[i] = slot;
      slot.pos = i;
    }
    return i !== start;
  }

  private down(i: number): void {
    const slots = this.slots;
    const n = slots.length;
    const slot = slots[i]!;
    const start = i;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(slots[r]!.item, slots[l]!.item)) c = r;
      const child = slots[c]!;
      if (!this.less(child.item, slot.item)) break;
      slots[i] = child;
      child.pos = i;
      i = c;
    }
    if (i !== start) {
      slots[i] = slot;
      slot.pos = i;
    }
  }
}
