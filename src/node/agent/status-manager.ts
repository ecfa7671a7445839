/**
 * @module The status manager: keeps the latest kubelet-computed status of each pod and writes it to the API
 * server as a strategic merge patch of pods/status (only what changed, conditions merged by type), at most
 * once per pod per batch period and with bounded concurrency; deletes finished pods (grace 0, uid
 * precondition) once their final status is written, as upstream's status manager does.
 */
import type { Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import type * as api from '../../api/openapi/generated/types.js';
import type { KubeClient } from '../../client/client.js';
import { PODS, type Pod } from '../../client/resources.js';
import { rfc3339, type TimerClock } from '../../util/clock.js';
import { deepEqual } from '../../util/deep-equal.js';
import { KUBELET_CONDITIONS } from './pod-status.js';

/** Where status writes go (the client in production, a recorder in tests). */
export interface StatusWriter {
  patchStatus(pod: Pod, patch: Record<string, unknown>): Promise<Pod>;
  deletePod(pod: Pod): Promise<void>;
}

/** The KubeClient-backed writer. */
export function clientStatusWriter(client: KubeClient): StatusWriter {
  return {
    patchStatus: (pod, patch) =>
      client.patch(PODS, pod.metadata.name!, patch, {
        type: 'strategic',
        subresource: 'status',
        namespace: pod.metadata.namespace,
      }),
    deletePod: async (pod) => {
      await client.delete(PODS, pod.metadata.name!, {
        namespace: pod.metadata.namespace,
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    },
  };
}

export interface StatusManagerOptions {
  writer: StatusWriter;
  clock: TimerClock;
  logger?: Logger;
  /** Least time between two writes of one pod's status (default 100 ms). */
  batchMs?: number;
  /** Writes in flight at once across all pods (default 16). */
  concurrency?: number;
  /** Retry delay after a failed write (default 1 s, doubling to 30 s). */
  retryMs?: number;
}

interface Entry {
  pod: Pod;
  /** The status last written (or found in the API), including times. */
  sent: api.PodStatus | undefined;
  /** The status to write. */
  want: api.PodStatus | undefined;
  lastWrite: number;
  inFlight: boolean;
  queued: boolean;
  cancelTimer: (() => void) | undefined;
  deleteRequested: boolean;
  deleted: boolean;
  failures: number;
}

const STATUS_FIELDS = [
  'phase',
  'reason',
  'message',
  'hostIP',
  'hostIPs',
  'podIP',
  'podIPs',
  'startTime',
  'initContainerStatuses',
  'containerStatuses',
  'qosClass',
] as const;

/** Keeps lastTransitionTime of conditions whose status did not change; stamps the others with `now`. */
export function stampConditions(
  conditions: readonly api.PodCondition[],
  old: readonly api.PodCondition[] | undefined,
  now: Date,
): api.PodCondition[] {
  return conditions.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    const out: api.PodCondition = { type: c.type, status: c.status };
    if (c.reason) out.reason = c.reason;
    if (c.message) out.message = c.message;
    out.lastTransitionTime =
      prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
    return out;
  });
}

/**
 * The strategic merge patch from `base` to `next` for the kubelet's fields: changed top-level fields (null
 * when removed) and, for conditions, only the changed kubelet-owned ones. Empty when nothing changed.
 */
export function statusPatch(base: api.PodStatus | undefined, next: api.PodStatus): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const b = (base ?? {}) as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  for (const f of STATUS_FIELDS) {
    if (deepEqual(b[f], n[f])) continue;
    patch[f] = n[f] === undefined ? null : n[f];
  }
  const conds: api.PodCondition[] = [];
  for (const c of next.conditions ?? []) {
    if (!KUBELET_CONDITIONS.has(c.type) && c.type !== 'PodScheduled') continue;
    const prev = base?.conditions?.find((o) => o.type === c.type);
    if (!prev || !sameCondition(prev, c)) conds.push(c);
  }
  if (conds.length) patch['conditions'] = conds;
  return patch;
}

function sameCondition(a: api.PodCondition, b: api.PodCondition): boolean {
  return (
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    (a.message ?? '') === (b.message ?? '') &&
    (a.lastTransitionTime ?? '') === (b.lastTransitionTime ?? '')
  );
}

function isTerminal(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Batches and writes pod statuses. */
export class StatusManager {
  private readonly entries = new Map<string, Entry>();
  private readonly ready: string[] = [];
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private readonly batchMs: number;
  private readonly concurrency: number;
  private readonly retryMs: number;
  private stopped = false;
  /** Writes done (for tests and benchmarks). */
  writes = 0;

  constructor(private readonly opts: StatusManagerOptions) {
    this.batchMs = opts.batchMs ?? 100;
    this.concurrency = opts.concurrency ?? 16;
    this.retryMs = opts.retryMs ?? 1000;
  }

  private entry(pod: Pod): Entry {
    const uid = pod.metadata.uid ?? '';
    let e = this.entries.get(uid);
    if (!e) {
      e = {
        pod,
        sent: pod.status ? structuredClone(pod.status) : undefined,
        want: undefined,
        lastWrite: 0,
        inFlight: false,
        queued: false,
        cancelTimer: undefined,
        deleteRequested: false,
        deleted: false,
        failures: 0,
      };
      this.entries.set(uid, e);
    } else e.pod = pod;
    return e;
  }

  /** The status last handed in for the pod (what the next generation builds on), else the last written. */
  getPodStatus(uid: string): api.PodStatus | undefined {
    const e = this.entries.get(uid);
    return e?.want ?? e?.sent;
  }

  /**
   * Records the kubelet's status of a pod (conditions without times are stamped here). A terminal phase
   * already written is never replaced by a non-terminal one.
   */
  setPodStatus(pod: Pod, status: api.PodStatus): void {
    if (this.stopped) return;
    const e = this.entry(pod);
    const base = e.want ?? e.sent;
    const next: api.PodStatus = { ...status };
    if (isTerminal(base?.phase) && !isTerminal(next.phase)) next.phase = base!.phase;
    next.conditions = stampConditions(
      status.conditions ?? [],
      base?.conditions ?? pod.status?.conditions,
      this.opts.clock.now(),
    );
    if (Object.keys(statusPatch(e.sent, next)).length === 0) {
      e.want = undefined;
      this.maybeDelete(e);
      return;
    }
    e.want = next;
    this.schedule(e);
  }

  /** Asks for the pod object to be deleted once its status is written (upstream's canBeDeleted path). */
  requestDelete(pod: Pod): void {
    const e = this.entry(pod);
    e.deleteRequested = true;
    if (!e.want) this.maybeDelete(e);
  }

  /** Forgets a pod (it is gone from the API). */
  forget(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    e.cancelTimer?.();
    this.entries.delete(uid);
  }

  /** Resolves when nothing is queued or in flight. */
  flush(): Promise<void> {
    if (
      this.inFlight === 0 &&
      this.ready.length === 0 &&
      ![...this.entries.values()].some((e) => e.cancelTimer)
    ) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops writing; pending statuses are dropped. */
  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) e.cancelTimer?.();
    this.ready.length = 0;
    this.wake();
  }

  get pending(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.want) n++;
    return n;
  }

  private schedule(e: Entry): void {
    if (e.inFlight || e.queued || e.cancelTimer) return;
    const wait = e.lastWrite + this.batchMs - this.opts.clock.now().getTime();
    if (wait > 0) {
      e.cancelTimer = this.opts.clock.setTimer(wait, () => {
        e.cancelTimer = undefined;
        this.enqueue(e);
      });
    } else this.enqueue(e);
  }

  private enqueue(e: Entry): void {
    if (this.stopped || e.queued || !this.entries.has(e.pod.metadata.uid ?? '')) {
      this.wake();
      return;
    }
    e.queued = true;
    this.ready.push(e.pod.metadata.uid ?? '');
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.ready.length > 0) {
      const uid = this.ready.shift()!;
      const e = this.entries.get(uid);
      if (!e) continue;
      e.queued = false;
      if (!e.want && !(e.deleteRequested && !e.deleted)) continue;
      this.inFlight++;
      e.inFlight = true;
      void this.write(e).finally(() => {
        e.inFlight = false;
        this.inFlight--;
        if ((e.want || (e.deleteRequested && !e.deleted)) && this.entries.get(uid) === e) this.schedule(e);
        this.pump();
        this.wake();
      });
    }
    this.wake();
  }

  private wake(): void {
    if (this.inFlight > 0 || this.ready.length > 0) return;
    if (!this.stopped && [...this.entries.values()].some((x) => x.cancelTimer)) return;
    const w = this.idle;
    this.idle = [];
    for (const r of w) r();
  }

  private async write(e: Entry): Promise<void> {
    const want = e.want;
    if (want) {
      const patch = statusPatch(e.sent, want);
      if (Object.keys(patch).length > 0) {
        e.lastWrite = this.opts.clock.now().getTime();
        try {
          const body = { metadata: { uid: e.pod.metadata.uid }, status: patch };
          const updated = await this.opts.writer.patchStatus(e.pod, body);
          this.writes++;
          e.failures = 0;
          e.sent = updated.status ? structuredClone(updated.status) : want;
          if (e.want === want) e.want = undefined;
        } catch (err) {
          if (isStatusError(err) && (err.code === 404 || err.code === 409)) {
            // The pod is gone or was replaced by another with the same name.
            this.opts.logger?.debug({ pod: e.pod.metadata.name, err: err.message }, 'pod status not written');
            this.entries.delete(e.pod.metadata.uid ?? '');
            return;
          }
          e.failures++;
          this.opts.logger?.warn(
            { pod: e.pod.metadata.name, err: (err as Error).message },
            'pod status write failed',
          );
          e.lastWrite =
            this.opts.clock.now().getTime() + Math.min(30_000, this.retryMs * 2 ** (e.failures - 1));
          return;
        }
      } else if (e.want === want) e.want = undefined;
    }
    await this.deleteIfRequested(e);
  }

  private maybeDelete(e: Entry): void {
    if (!e.deleteRequested || e.deleted || e.want) return;
    this.schedule(e);
  }

  private async deleteIfRequested(e: Entry): Promise<void> {
    if (!e.deleteRequested || e.deleted || e.want) return;
    e.deleted = true;
    try {
      await this.opts.writer.deletePod(e.pod);
    } catch (err) {
      if (isStatusError(err) && (err.code === 404 || err.code === 409)) return;
      e.deleted = false;
      this.opts.logger?.warn({ pod: e.pod.metadata.name, err: (err as Error).message }, 'pod delete failed');
      e.lastWrite = this.opts.clock.now().getTime() + this.retryMs;
      e.want = undefined;
      this.schedule(e);
    }
  }
}
