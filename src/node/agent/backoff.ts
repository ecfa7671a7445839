/**
 * @module Per-key exponential back-off with the semantics of client-go's flowcontrol.Backoff, as the kubelet
 * uses it for container restarts (CrashLoopBackOff): 10 s doubling to 5 min, forgotten after 2×max quiet.
 */
import type { Clock } from '../../util/clock.js';

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

/** Restart back-off. Keys identify a container incarnation (pod uid, name, spec hash). */
export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
  ) {}

  /** The current back-off of a key (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /**
   * Records another failure at `eventTime`: starts at the initial period, or doubles up to the maximum. An entry
   * not updated for 2×max before `eventTime` starts over (the container ran long enough).
   */
  next(key: string, eventTime: Date): void {
    const e = this.entries.get(key);
    const now = this.clock.now().getTime();
    if (!e || this.expired(eventTime.getTime(), e.lastUpdate)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: now });
    } else {
      e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
      e.lastUpdate = now;
    }
  }

  /** Whether a container that failed at `eventTime` must still wait. */
  isInBackOffSince(key: string, eventTime: Date): boolean {
    return this.remainingMs(key, eventTime) > 0;
  }

  /** How long a container that failed at `eventTime` must still wait (0 when it may start). */
  remainingMs(key: string, eventTime: Date): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    if (this.expired(eventTime.getTime(), e.lastUpdate)) return 0;
    const waited = this.clock.now().getTime() - eventTime.getTime();
    return Math.max(0, e.backoffMs - waited);
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops entries quiet for more than 2×max. */
  gc(): void {
    const now = this.clock.now().getTime();
    for (const [k, e] of this.entries) if (this.expired(now, e.lastUpdate)) this.entries.delete(k);
  }

  /** Drops every key starting with `prefix` (a pod's keys when it is gone). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }

  private expired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > 2 * this.maxMs;
  }
}
