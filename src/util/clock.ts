/** @module Time source, injectable so tests can use a fake clock. */

export interface Clock {
  now(): Date;
}

/**
 * A clock that can also run a callback later. Long-running client components (work queues, informers,
 * leader election) take one, so tests drive them with {@link FakeClock} instead of sleeping.
 */
export interface TimerClock extends Clock {
  /** Runs `fn` once after `ms` milliseconds; the returned function cancels it (a no-op once it ran). */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: TimerClock = {
  now: () => new Date(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/** Waits `ms` on `clock`; resolves early (never rejects) once `signal` aborts. */
export function sleepUnlessAborted(clock: TimerClock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      signal.removeEventListener('abort', done);
      cancel();
      resolve();
    };
    const cancel = clock.setTimer(ms, done);
    signal.addEventListener('abort', done, { once: true });
  });
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to; its timers fire, in due order, as it moves past them. */
export class FakeClock implements TimerClock {
  private timers: FakeTimer[] = [];
  private seq = 0;

  constructor(private t: number = Date.parse('2024-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.moveTo(this.t + ms);
  }
  set(date: Date): void {
    this.moveTo(date.getTime());
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer: FakeTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }
  /** Timers scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  // Fires due timers one at a time, each with the clock at its due time; a timer set by a callback
  // fires in the same move when it falls due before the target.
  private moveTo(target: number): void {
    for (;;) {
      let next: FakeTimer | undefined;
      for (const x of this.timers) {
        if (x.at <= target && (!next || x.at < next.at || (x.at === next.at && x.seq < next.seq))) next = x;
      }
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      if (next.at > this.t) this.t = next.at;
      next.fn();
    }
    this.t = target;
  }
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microsecond precision, as metav1.MicroTime serializes. */
export function rfc3339Micro(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
