/** @module A work queue that can also add an item after a delay, on an injectable clock. */
import { systemClock, type TimerClock } from '../../util/clock.js';
import { Queue } from './queue.js';

interface Waiting<T> {
  at: number;
  item: T;
}

/** {@link Queue} plus `addAfter`. An item waiting twice keeps the earlier time. */
export class DelayingQueue<T> extends Queue<T> {
  protected readonly clock: TimerClock;
  /** Ready time of each waiting item. */
  private readonly waiting = new Map<T, number>();
  /** Min-heap by time; entries whose time no longer matches `waiting` are stale and skipped. */
  private heap: Array<Waiting<T>> = [];
  private timerAt = Infinity;
  private cancelTimer: (() => void) | undefined;

  constructor(opts: { clock?: TimerClock } = {}) {
    super();
    this.clock = opts.clock ?? systemClock;
  }

  /** Adds the item after `ms` (at once when `ms` <= 0). */
  addAfter(item: T, ms: number): void {
    if (this.shuttingDown()) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now().getTime() + ms;
    const current = this.waiting.get(item);
    if (current !== undefined && current <= at) return;
    this.waiting.set(item, at);
    this.push({ at, item });
    if (at < this.timerAt) this.arm();
  }

  /** Items waiting for their time. */
  waitingLen(): number {
    return this.waiting.size;
  }

  protected override onShutDown(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = Infinity;
    this.waiting.clear();
    this.heap = [];
  }

  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const top = this.heap[0];
    if (!top) {
      this.timerAt = Infinity;
      return;
    }
    this.timerAt = top.at;
    this.cancelTimer = this.clock.setTimer(top.at - this.clock.now().getTime(), () => this.fire());
  }

  private fire(): void {
    this.cancelTimer = undefined;
    const now = this.clock.now().getTime();
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const { at, item } = this.pop()!;
      if (this.waiting.get(item) !== at) continue;
      this.waiting.delete(item);
      this.add(item);
    }
    this.arm();
  }

  private push(e: Waiting<T>): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= e.at) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Waiting<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.at < h[l]!.at ? r : l;
      if (h[c]!.at >= last.at) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
