/**
 * @module The work queue of controllers (upstream's workqueue semantics): an item queued many times waits as
 * one entry, and an item being processed is never handed to a second worker; re-adds during processing are
 * queued again when the worker calls `done`.
 */

/**
 * A de-duplicating FIFO of items (compared as Map keys: use strings such as `namespace/name`).
 * Workers loop `get` → process → `done(item)`; `get` resolves `undefined` once the queue is shut down
 * and has nothing left to hand out.
 */
export class Queue<T> {
  private items: T[] = [];
  private head = 0;
  /** Items waiting to be processed (queued, or re-added while processing). */
  private readonly dirty = new Set<T>();
  /** Items handed out and not yet done. */
  private readonly processing = new Set<T>();
  private waiters: Array<(item: T | undefined) => void> = [];
  private drainWaiters: Array<() => void> = [];
  private shutting = false;

  /** Queues the item unless it is already waiting; an item being processed is queued again at `done`. */
  add(item: T): void {
    if (this.shutting || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.items.push(item);
    this.dispatch();
  }

  /** Items queued and not handed out. */
  len(): number {
    return this.items.length - this.head;
  }

  /** The next item, once there is one; `undefined` when shut down with nothing queued. */
  get(): Promise<T | undefined> {
    if (this.len() > 0) return Promise.resolve(this.take());
    if (this.shutting) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the item processed; if it was added meanwhile, it is queued again. */
  done(item: T): void {
    if (!this.processing.delete(item)) return;
    if (this.dirty.has(item)) {
      this.items.push(item);
      this.dispatch();
    }
    if (this.processing.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Refuses new items; workers still get what is queued, then `undefined`. */
  shutDown(): void {
    if (this.shutting) return;
    this.shutting = true;
    this.dispatch();
    this.onShutDown();
  }

  /** Shuts down and resolves once every handed-out item is done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.shutting;
  }

  /** Hook for subclasses: release timers. */
  protected onShutDown(): void {}

  private take(): T {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.processing.add(item);
    this.dirty.delete(item);
    return item;
  }

  private dispatch(): void {
    while (this.waiters.length > 0 && this.len() > 0) this.waiters.shift()!(this.take());
    if (this.shutting && this.len() === 0) for (const w of this.waiters.splice(0)) w(undefined);
  }
}
