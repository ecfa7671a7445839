/**
 * @module Probe workers (upstream's prober manager and worker): one per container and probe kind, probing on
 * the probe's period, applying initialDelaySeconds, failure/success thresholds, the startup gate, and holding
 * a failed liveness/startup result until the container is replaced.
 */
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import type { TimerClock } from '../../util/clock.js';
import type { ProbeResult } from './pod-status.js';
import type { ProbeOutcome, ProbeRunner } from './prober.js';
import { errorText } from '../../util/errors.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** What a worker needs to know about the container it probes, read at every tick. */
export interface ProbedContainer {
  id: string;
  running: boolean;
  exited: boolean;
  startedAt?: Date;
  podIP: string;
}

export interface ProbeManagerOptions {
  clock: TimerClock;
  runner: ProbeRunner;
  /** The current container of a pod by name, as the pod worker last saw it. */
  container(podUid: string, name: string): ProbedContainer | undefined;
  /** A stored result changed (the pod worker re-syncs). */
  onChange(podUid: string): void;
  /** A probe failed (for the Unhealthy event). */
  onFailure?(pod: Pod, container: api.Container, kind: ProbeKind, output: string): void;
}

const INITIAL: Record<ProbeKind, ProbeResult> = {
  liveness: 'Success',
  readiness: 'Failure',
  startup: 'Unknown',
};

/** Upstream's defaults for fields the API server left unset. */
export function probeDefaults(
  p: api.Probe,
): Required<
  Pick<
    api.Probe,
    'initialDelaySeconds' | 'periodSeconds' | 'timeoutSeconds' | 'failureThreshold' | 'successThreshold'
  >
> {
  return {
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds || 10,
    timeoutSeconds: p.timeoutSeconds || 1,
    failureThreshold: p.failureThreshold || 3,
    successThreshold: p.successThreshold || 1,
  };
}

class Worker {
  containerId = '';
  lastResult: 'Success' | 'Failure' | undefined;
  resultRun = 0;
  onHold = false;
  stopped = false;
  running = false;
  cancel: (() => void) | undefined;

  constructor(
    readonly m: ProbeManager,
    public pod: Pod,
    public container: api.Container,
    public probe: api.Probe,
    readonly kind: ProbeKind,
  ) {}

  get uid(): string {
    return this.pod.metadata.uid ?? '';
  }

  schedule(ms: number): void {
    this.cancel?.();
    if (this.stopped) return;
    this.cancel = this.m.clock.setTimer(ms, () => {
      this.cancel = undefined;
      void this.tick();
    });
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    if (this.containerId) this.m.clearResult(this.containerId, this.kind);
  }

  private periodMs(): number {
    return probeDefaults(this.probe).periodSeconds * 1000;
  }

  /** One round of upstream's doProbe; schedules the next. */
  async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    const c = this.m.opts.container(this.uid, this.container.name);
    if (!c) {
      this.schedule(this.periodMs());
      return;
    }
    if (c.id !== this.containerId) {
      if (this.containerId) this.m.clearResult(this.containerId, this.kind);
      this.containerId = c.id;
      this.m.setResult(this.uid, c.id, this.kind, INITIAL[this.kind]);
      this.onHold = false;
      this.resultRun = 0;
      this.lastResult = undefined;
    }
    if (this.onHold) {
      this.schedule(this.periodMs());
      return;
    }
    if (!c.running) {
      this.m.setResult(this.uid, c.id, this.kind, 'Failure');
      if (c.exited && this.pod.spec?.restartPolicy === 'Never') return;
      this.schedule(this.periodMs());
      return;
    }
    if (this.pod.metadata.deletionTimestamp && this.kind !== 'readiness') {
      this.m.setResult(this.uid, c.id, this.kind, 'Success');
      return;
    }
    const d = probeDefaults(this.probe);
    const now = this.m.clock.now().getTime();
    const startedAt = c.startedAt?.getTime() ?? now;
    const delayLeft = startedAt + d.initialDelaySeconds * 1000 - now;
    if (delayLeft > 0) {
      this.schedule(delayLeft);
      return;
    }
    const started = this.container.startupProbe ? this.m.result(c.id, 'startup') === 'Success' : true;
    if (this.kind === 'startup' ? started : !started) {
      this.schedule(this.periodMs());
      return;
    }
    this.running = true;
    const begun = now;
    let outcome: ProbeOutcome;
    try {
      outcome = await this.m.opts.runner.probe(this.probe, {
        pod: this.pod,
        container: this.container,
        containerId: c.id,
        podIP: c.podIP,
      });
    } catch (err) {
      outcome = { result: 'Error', output: errorText(err) };
    } finally {
      this.running = false;
    }
    if (this.stopped || this.containerId !== c.id) return;
    const next = Math.max(0, begun + this.periodMs() - this.m.clock.now().getTime());
    if (outcome.result === 'Error') {
      this.schedule(next);
      return;
    }
    if (outcome.result === 'Failure')
      this.m.opts.onFailure?.(this.pod, this.container, this.kind, outcome.output);
    if (this.lastResult === outcome.result) this.resultRun++;
    else {
      this.lastResult = outcome.result;
      this.resultRun = 1;
    }
    if (
      (outcome.result === 'Failure' && this.resultRun < d.failureThreshold) ||
      (outcome.result === 'Success' && this.resultRun < d.successThreshold)
    ) {
      this.schedule(next);
      return;
    }
    this.m.setResult(this.uid, c.id, this.kind, outcome.result);
    if (this.kind !== 'readiness' && outcome.result === 'Failure') {
      this.onHold = true;
      this.resultRun = 0;
    }
    this.schedule(next);
  }
}

/**
 * Owns every probe worker of an agent. `syncPod` after each pod sync keeps workers in step with the spec and
 * nudges them when a container was (re)started; results are read per container id.
 */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  private readonly byPod = new Map<string, Set<string>>();
  private readonly results = new Map<string, ProbeResult>();

  constructor(readonly opts: ProbeManagerOptions) {}

  get clock(): TimerClock {
    return this.opts.clock;
  }

  /** The stored result of a container's probe; undefined when none was ever stored. */
  result(containerId: string, kind: ProbeKind): ProbeResult | undefined {
    return this.results.get(`${containerId}/${kind}`);
  }

  /** @internal */
  setResult(podUid: string, containerId: string, kind: ProbeKind, r: ProbeResult): void {
    const key = `${containerId}/${kind}`;
    if (this.results.get(key) === r) return;
    this.results.set(key, r);
    this.opts.onChange(podUid);
  }

  /** @internal */
  clearResult(containerId: string, kind: ProbeKind): void {
    this.results.delete(`${containerId}/${kind}`);
  }

  /**
   * Adds workers for the pod's probes (and drops those whose probe left the spec), updates their view of the
   * pod, and makes a worker whose container changed probe at once.
   */
  syncPod(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const want = new Set<string>();
    const containers = [
      ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
      ...(pod.spec?.containers ?? []),
    ];
    for (const c of containers) {
      for (const kind of ['startup', 'liveness', 'readiness'] as const) {
        const probe =
          kind === 'startup' ? c.startupProbe : kind === 'liveness' ? c.livenessProbe : c.readinessProbe;
        if (!probe) continue;
        const key = `${uid}/${c.name}/${kind}`;
        want.add(key);
        let w = this.workers.get(key);
        if (!w) {
          w = new Worker(this, pod, c, probe, kind);
          this.workers.set(key, w);
          w.schedule(0);
        } else {
          w.pod = pod;
          w.container = c;
          w.probe = probe;
          const cur = this.opts.container(uid, c.name);
          if (cur && cur.id !== w.containerId && !w.running) w.schedule(0);
        }
      }
    }
    const keys = this.byPod.get(uid) ?? new Set<string>();
    for (const key of keys) {
      if (want.has(key)) continue;
      this.workers.get(key)?.stop();
      this.workers.delete(key);
    }
    if (want.size) this.byPod.set(uid, want);
    else this.byPod.delete(uid);
  }

  /** Stops the pod's workers and forgets their results. */
  removePod(uid: string): void {
    for (const key of this.byPod.get(uid) ?? []) {
      this.workers.get(key)?.stop();
      this.workers.delete(key);
    }
    this.byPod.delete(uid);
  }

  /** Stops every worker. */
  stop(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
    this.byPod.clear();
  }

  get workerCount(): number {
    return this.workers.size;
  }
}
