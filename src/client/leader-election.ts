/**
 * @module Leader election on a coordination.k8s.io/v1 Lease, with upstream's protocol: the holder renews the
 * lease every retry period; others take it over only once they have seen it unchanged for its duration.
 * Every write is conditional on the Lease's resourceVersion, so two candidates never both win.
 */
import { pino, type Logger } from 'pino';
import { isStatusError } from '../api/errors.js';
import { rfc3339Micro, sleepUnlessAborted, systemClock, type TimerClock } from '../util/clock.js';
import type { KubeClient } from './client.js';
import { LEASES, type Lease } from './resources.js';
import { errorText } from '../util/errors.js';

/** Calls into the candidate. Exceptions are logged, never propagated. */
export interface LeaderCallbacks {
  /** This candidate now leads; `signal` aborts when it stops leading. Do the leader's work until then. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** This candidate led and no longer does (lost the lease, or stopped). Not called if it never led. */
  onStoppedLeading?(): void;
  /** The lease's holder changed (including to this candidate). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  client: KubeClient;
  /** The Lease to hold, e.g. `{ namespace: 'kube-system', name: 'kube-scheduler' }`. */
  lease: { namespace: string; name: string };
  /** Unique per candidate (host name plus a random suffix, say). */
  identity: string;
  /** How long others wait after the last observed change before taking over (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failing renewal before it gives up leading (default 10 s). */
  renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  /** Give the lease up when stopped, so another candidate can take it at once (default true). */
  releaseOnCancel?: boolean;
  callbacks: LeaderCallbacks;
  clock?: TimerClock;
  logger?: Logger;
}

/** As upstream: waits between acquire attempts are stretched by up to this factor. */
const JITTER_FACTOR = 1.2;

interface LeaderRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/**
 * One candidate. `run(signal)` campaigns until it leads, leads until it loses the lease or the signal aborts,
 * releases the lease (unless configured not to) and resolves. Like upstream, it does not campaign again
 * after losing: call `run` again (or exit the process) to rejoin.
 */
export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: TimerClock;
  private readonly log: Logger;
  /** The Lease as last read or written, for conditional updates. */
  private lease: Lease | undefined;
  private observed: LeaderRecord | undefined;
  /** When `observed` last changed, on this candidate's clock. */
  private observedTime = 0;
  private reportedLeader = '';
  private running = false;

  constructor(private readonly config: LeaderElectionConfig) {
    this.leaseDurationMs = config.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = config.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs <= this.renewDeadlineMs) {
      throw new Error('leaseDuration must be greater than renewDeadline');
    }
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs) {
      throw new Error(`renewDeadline must be greater than retryPeriod*JitterFactor`);
    }
    if (this.leaseDurationMs < 1000) throw new Error('leaseDuration must be at least one second');
    if (this.retryPeriodMs <= 0) throw new Error('retryPeriod must be greater than zero');
    if (!config.identity) throw new Error('leader election identity must not be empty');
    this.clock = config.clock ?? systemClock;
    this.log = (config.logger ?? pino({ level: 'silent' })).child({
      lease: `${config.lease.namespace}/${config.lease.name}`,
      identity: config.identity,
    });
  }

  /** True while this candidate holds the lease (as last observed). */
  isLeader(): boolean {
    return this.observed?.holderIdentity === this.config.identity;
  }

  /** The holder last observed ('' if none). */
  getLeader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  async run(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new Error('leader elector already running');
    this.running = true;
    const stop = signal ?? new AbortController().signal;
    try {
      if (!(await this.acquire(stop))) return;
      const leading = new AbortController();
      this.startLeading(leading.signal);
      try {
        await this.renew(stop);
      } finally {
        leading.abort();
        this.call('onStoppedLeading', () => this.config.callbacks.onStoppedLeading?.());
        if (this.config.releaseOnCancel !== false) await this.release();
      }
    } finally {
      this.running = false;
    }
  }

  /** Tries every retry period (jittered) until it holds the lease; false if stopped first. */
  private async acquire(stop: AbortSignal): Promise<boolean> {
    while (!stop.aborted) {
      if (await this.tryAcquireOrRenew(stop)) {
        this.log.info('acquired lease');
        return true;
      }
      await this.sleep(this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR), stop);
    }
    return false;
  }

  /** Renews every retry period; returns when stopped or when renewals failed for the renew deadline. */
  private async renew(stop: AbortSignal): Promise<void> {
    for (;;) {
      await this.sleep(this.retryPeriodMs, stop);
      if (stop.aborted) return;
      const deadline = this.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!stop.aborted) {
        const attempt = this.deadlineSignal(deadline - this.now(), stop);
        renewed = await this.tryAcquireOrRenew(attempt.signal);
        attempt.cancel();
        if (renewed || this.now() >= deadline) break;
        await this.sleep(Math.min(this.retryPeriodMs, deadline - this.now()), stop);
      }
      if (stop.aborted) return;
      if (!renewed) {
        this.log.warn('failed to renew lease; stopped leading');
        return;
      }
    }
  }

  /** One round of upstream's tryAcquireOrRenew: read, check, and write the lease conditionally. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { client, identity } = this.config;
    const { namespace, name } = this.config.lease;
    const now = this.now();
    const nowText = rfc3339Micro(new Date(now));
    const record: LeaderRecord = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      acquireTime: nowText,
      renewTime: nowText,
      leaseTransitions: 0,
    };
    let current: Lease;
    try {
      current = await client.get(LEASES, name, { namespace, signal });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) {
        this.log.warn({ err: errorText(err) }, 'error retrieving lease');
        return false;
      }
      try {
        this.lease = await client.create(LEASES, { metadata: { name, namespace }, spec: record }, { signal });
      } catch (createErr) {
        this.log.warn({ err: errorText(createErr) }, 'error creating lease');
        return false;
      }
      this.observe(record, now);
      return true;
    }

    this.lease = current;
    const old = recordOf(current);
    if (!this.observed || !sameRecord(this.observed, old)) this.observe(old, now);
    if (
      old.holderIdentity &&
      old.holderIdentity !== identity &&
      this.observedTime + old.leaseDurationSeconds * 1000 > now
    ) {
      this.log.debug(
        { holder: old.holderIdentity },
        'lease is held by another candidate and has not yet expired',
      );
      return false;
    }
    if (old.holderIdentity === identity) {
      record.acquireTime = old.acquireTime || nowText;
      record.leaseTransitions = old.leaseTransitions;
    } else {
      record.leaseTransitions = old.leaseTransitions + 1;
    }
    return this.write(record, now, signal);
  }

  /** Gives the lease up: holder cleared, duration one second, so others may take it at once. */
  private async release(): Promise<void> {
    if (!this.isLeader() || !this.lease) return;
    const now = this.now();
    const nowText = rfc3339Micro(new Date(now));
    const record: LeaderRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: nowText,
      renewTime: nowText,
      leaseTransitions: this.observed?.leaseTransitions ?? 0,
    };
    const attempt = this.deadlineSignal(this.renewDeadlineMs);
    try {
      if (await this.write(record, now, attempt.signal)) this.log.info('released lease');
    } finally {
      attempt.cancel();
    }
  }

  private async write(record: LeaderRecord, now: number, signal: AbortSignal): Promise<boolean> {
    const base = this.lease!;
    try {
      this.lease = await this.config.client.update(
        LEASES,
        { ...base, spec: writeSpec(base, record) },
        { signal },
      );
    } catch (err) {
      if (isStatusError(err, 'Conflict')) this.log.debug('lease changed underneath; will retry');
      else this.log.warn({ err: errorText(err) }, 'error updating lease');
      return false;
    }
    this.observe(record, now);
    return true;
  }

  private observe(record: LeaderRecord, now: number): void {
    this.observed = record;
    this.observedTime = now;
    if (record.holderIdentity !== this.reportedLeader) {
      this.reportedLeader = record.holderIdentity;
      if (record.holderIdentity) {
        this.call('onNewLeader', () => this.config.callbacks.onNewLeader?.(record.holderIdentity));
      }
    }
  }

  private startLeading(signal: AbortSignal): void {
    try {
      const r = this.config.callbacks.onStartedLeading(signal);
      if (r instanceof Promise) {
        r.catch((err: unknown) => this.log.error({ err: errorText(err) }, 'onStartedLeading failed'));
      }
    } catch (err) {
      this.log.error({ err: errorText(err) }, 'onStartedLeading failed');
    }
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: errorText(err) }, `${what} failed`);
    }
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** A signal that aborts after `ms` on the clock, or with `parent`. */
  private deadlineSignal(ms: number, parent?: AbortSignal): { signal: AbortSignal; cancel: () => void } {
    const c = new AbortController();
    const onAbort = (): void => c.abort();
    parent?.addEventListener('abort', onAbort, { once: true });
    if (parent?.aborted) c.abort();
    const cancelTimer = this.clock.setTimer(Math.max(0, ms), onAbort);
    return {
      signal: c.signal,
      cancel: () => {
        cancelTimer();
        parent?.removeEventListener('abort', onAbort);
      },
    };
  }

  private sleep(ms: number, stop: AbortSignal): Promise<void> {
    return sleepUnlessAborted(this.clock, ms, stop);
  }
}

function recordOf(lease: Lease): LeaderRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? '',
    renewTime: s.renewTime ?? '',
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

function sameRecord(a: LeaderRecord, b: LeaderRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

/** The Lease spec for a record; other spec fields (strategy, preferredHolder) are kept. */
function writeSpec(base: Lease, r: LeaderRecord): NonNullable<Lease['spec']> {
  const spec: NonNullable<Lease['spec']> = {
    ...base.spec,
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime,
    renewTime: r.renewTime,
    leaseTransitions: r.leaseTransitions,
  };
  return spec;
}
