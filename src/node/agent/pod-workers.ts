/**
 * @module Pod workers (upstream's pod_workers + syncPod/syncTerminatingPod): one serialized, level-triggered
 * worker per pod bound to the node. Admit, create the sandbox, set up volumes, run init containers in order,
 * then the app containers; restart per restartPolicy with CrashLoopBackOff; restart a container whose spec
 * hash changed or whose liveness/startup probe failed; terminate gracefully (preStop, SIGTERM, SIGKILL after
 * the grace period) on deletion; clean up when the pod is gone; adopt containers found running.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import type { TimerClock } from '../../util/clock.js';
import { deepEqual } from '../../util/deep-equal.js';
import type { ContainerConfig, ContainerStatus, Runtime, SandboxInfo } from '../runtime/interface.js';
import { admitPod } from './admission.js';
import { Backoff } from './backoff.js';
import { containerHash } from './container-hash.js';
import {
  ContainerConfigError,
  expandArgv,
  gpuEnv,
  makeEnvironment,
  type NodeAllocatable,
  type ObjectSource,
} from './env.js';
import { Reasons, type AgentEvents } from './events.js';
import { ProbeManager, type ProbeKind } from './probe-manager.js';
import type { ProbeRunner, ProbeTarget } from './prober.js';
import {
  CrashLoopBackOff,
  CreateContainerConfigError,
  formatPod,
  generatePodStatus,
  isRestartableInit,
  KUBELET_CONDITIONS,
  PostStartHookError,
  quantityNumber,
  RunContainerError,
  runtimeStatusesByName,
  shouldContainerBeRestarted,
  type StartFailure,
} from './pod-status.js';
import type { StatusManager } from './status-manager.js';
import { containerMounts, setUpVolumes, tearDownVolumes, type VolumePath } from './volumes.js';
import { errorText } from '../../util/errors.js';

/** Upstream's minimumGracePeriodInSeconds: a container always gets this long after SIGTERM. */
export const MIN_GRACE_SECONDS = 2;

/** Labels the agent puts on sandboxes and containers (upstream's names), used to adopt them after a restart. */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';

export interface PodWorkersOptions {
  nodeName: string;
  runtime: Runtime;
  clock: TimerClock;
  logger: Logger;
  /** Each pod lives in `<podsDir>/<uid>`. */
  podsDir: string;
  statusManager: StatusManager;
  events: AgentEvents;
  probeRunner: ProbeRunner;
  source: ObjectSource;
  /** The node's IP (status.hostIP). */
  hostIP(): string;
  /** The node's status.allocatable (admission, downward API defaults). */
  allocatable(): Record<string, string>;
  /** Periodic re-sync of each pod (volume refresh, back-off expiry); default 60 s. */
  resyncMs?: number;
  /** Restart back-off; default 10 s doubling to 5 min. */
  backoff?: Backoff;
  /** Retry of a pod whose sandbox, volumes or container config failed; default 2 s doubling to 2 min. */
  retryMs?: number;
}

type PodState = 'syncing' | 'rejected' | 'terminated';

interface PodRecord {
  uid: string;
  pod: Pod;
  state: PodState;
  gone: boolean;
  cleanedUp: boolean;
  sandbox: SandboxInfo | undefined;
  isolationReported: boolean;
  volumes: Map<string, VolumePath> | undefined;
  volumesAt: number;
  mountFailures: number;
  startFailures: Map<string, StartFailure>;
  /** Containers to start again after the agent killed them, whatever the restart policy says. */
  forceRestart: Set<string>;
  startTime: Date;
  containers: ContainerStatus[];
  busy: boolean;
  again: boolean;
  wakeAt: number;
  cancelWake: (() => void) | undefined;
  deadlineExceeded: boolean;
  /** Finished pod whose object was deleted: keep asking the status manager to delete it. */
  deleteRequested: boolean;
  /** Termination messages read from logs (FallbackToLogsOnError), by container id. */
  termMessages: Map<string, string>;
}

function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

function terminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

function allocatableOf(list: Record<string, string>): NodeAllocatable {
  const q = (v: string | undefined): number => {
    const n = v === undefined ? 0 : quantityNumber(v);
    return Number.isFinite(n) ? n : 0;
  };
  return {
    milliCPU: Math.round(q(list['cpu']) * 1000),
    memory: q(list['memory']),
    ephemeralStorage: q(list['ephemeral-storage']),
  };
}

function foreignConditions(pod: Pod): api.PodCondition[] {
  return (pod.status?.conditions ?? []).filter(
    (c) => !KUBELET_CONDITIONS.has(c.type) && c.type !== 'PodScheduled',
  );
}

/**
 * Whether an update of a pod calls for a sync: its spec, labels, annotations or deletion changed, or a
 * condition someone else owns (readiness gates). The agent's own status writes come back as updates that
 * change nothing of this (upstream's config source ignores them likewise).
 */
export function podChangeMatters(prev: Pod, next: Pod): boolean {
  const a = prev.metadata;
  const b = next.metadata;
  if (a.deletionTimestamp !== b.deletionTimestamp) return true;
  if (a.deletionGracePeriodSeconds !== b.deletionGracePeriodSeconds) return true;
  if (!deepEqual(a.labels, b.labels) || !deepEqual(a.annotations, b.annotations)) return true;
  if (prev.status?.phase !== next.status?.phase && terminalPhase(next.status?.phase)) return true;
  if (!deepEqual(prev.spec, next.spec)) return true;
  return !deepEqual(foreignConditions(prev), foreignConditions(next));
}

/** The pod workers of one node. */
export class PodWorkers {
  readonly probes: ProbeManager;
  readonly backoff: Backoff;
  private readonly pods = new Map<string, PodRecord>();
  private readonly resyncMs: number;
  private readonly retryMs: number;
  private stopped = false;
  private readonly log: Logger;
  private idleWaiters: Array<() => void> = [];
  /** Syncs done (for tests and benchmarks). */
  syncs = 0;

  constructor(private readonly opts: PodWorkersOptions) {
    this.log = opts.logger;
    this.resyncMs = opts.resyncMs ?? 60_000;
    this.retryMs = opts.retryMs ?? 2_000;
    this.backoff = opts.backoff ?? new Backoff(opts.clock);
    this.probes = new ProbeManager({
      clock: opts.clock,
      runner: opts.probeRunner,
      container: (uid, name) => {
        const rec = this.pods.get(uid);
        if (!rec) return undefined;
        const cs = runtimeStatusesByName(rec.containers).get(name)?.[0];
        if (!cs) return undefined;
        return {
          id: cs.id,
          running: cs.state === 'running',
          exited: cs.state === 'exited',
          startedAt: cs.startedAt,
          podIP: rec.sandbox?.ip ?? opts.hostIP(),
        };
      },
      onChange: (uid) => {
        const rec = this.pods.get(uid);
        if (rec) this.schedule(rec, 0);
      },
      onFailure: (pod, container, kind, output) => {
        const label = kind[0]!.toUpperCase() + kind.slice(1);
        this.event(pod, 'Warning', Reasons.Unhealthy, `${label} probe failed: ${output}`, container.name);
      },
    });
    opts.runtime.onContainerExit((s) => {
      const rec = this.pods.get(s.podUid);
      if (rec) this.schedule(rec, 0);
    });
  }

  private event(
    pod: Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    _container?: string,
  ): void {
    this.opts.events.eventf(pod, type, reason, reason, message);
  }

  private podDir(uid: string): string {
    return join(this.opts.podsDir, uid);
  }

  /** Pods the node runs or admitted (not rejected, not finished). */
  activePods(): Pod[] {
    const out: Pod[] = [];
    for (const r of this.pods.values()) if (r.state === 'syncing' && !r.gone) out.push(r.pod);
    return out;
  }

  /** Every pod the workers know, with its worker state (for tests and the node's pod count). */
  podStates(): Map<string, PodState> {
    return new Map([...this.pods].map(([k, r]) => [k, r.state]));
  }

  /** A pod bound to the node was added or changed. */
  updatePod(pod: Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata.uid ?? '';
    let rec = this.pods.get(uid);
    if (!rec) {
      rec = this.newRecord(pod);
      this.pods.set(uid, rec);
      if (rec.state === 'rejected') return;
    }
    const prev = rec.pod;
    rec.pod = pod;
    if (prev !== pod && !podChangeMatters(prev, pod)) return;
    this.schedule(rec, 0);
  }

  /** The pod is gone from the API: stop what still runs and clean up. */
  removePod(pod: Pod): void {
    const rec = this.pods.get(pod.metadata.uid ?? '');
    if (!rec) return;
    rec.gone = true;
    this.schedule(rec, 0);
  }

  private newRecord(pod: Pod): PodRecord {
    const uid = pod.metadata.uid ?? '';
    const rec: PodRecord = {
      uid,
      pod,
      state: 'syncing',
      gone: false,
      cleanedUp: false,
      sandbox: undefined,
      isolationReported: false,
      volumes: undefined,
      volumesAt: 0,
      mountFailures: 0,
      startFailures: new Map(),
      forceRestart: new Set(),
      startTime: this.opts.clock.now(),
      containers: this.opts.runtime.listContainers(uid),
      busy: false,
      again: false,
      wakeAt: 0,
      cancelWake: undefined,
      deadlineExceeded: false,
      deleteRequested: false,
      termMessages: new Map(),
    };
    const known =
      rec.containers.length > 0 || this.opts.runtime.listSandboxes().some((s) => s.podUid === uid);
    if (terminalPhase(pod.status?.phase) && !rec.containers.some((c) => c.state === 'running')) {
      rec.state = 'terminated';
      return rec;
    }
    if (!known && !pod.metadata.deletionTimestamp) {
      const r = admitPod(pod, this.activePods(), this.opts.allocatable());
      if (!r.admit) {
        rec.state = 'rejected';
        this.event(pod, 'Warning', r.reason, r.message);
        this.opts.statusManager.setPodStatus(pod, {
          phase: 'Failed',
          reason: r.reason,
          message: `Pod was rejected: ${r.message}`,
        });
      }
    }
    return rec;
  }

  /** Runs the pod's worker after `delayMs` (0: as soon as it is free); an earlier request wins. */
  private schedule(rec: PodRecord, delayMs: number): void {
    if (this.stopped) return;
    const at = this.opts.clock.now().getTime() + Math.max(0, delayMs);
    if (rec.cancelWake && rec.wakeAt <= at) return;
    rec.cancelWake?.();
    rec.wakeAt = at;
    rec.cancelWake = this.opts.clock.setTimer(Math.max(0, delayMs), () => {
      rec.cancelWake = undefined;
      void this.run(rec);
    });
  }

  private async run(rec: PodRecord): Promise<void> {
    if (rec.busy) {
      rec.again = true;
      return;
    }
    rec.busy = true;
    try {
      do {
        rec.again = false;
        if (this.stopped) break;
        this.syncs++;
        try {
          await this.syncOnce(rec);
        } catch (err) {
          this.log.error({ err, pod: formatPod(rec.pod) }, 'pod sync failed');
          this.schedule(rec, this.retryMs);
        }
      } while (rec.again && !this.stopped);
    } finally {
      rec.busy = false;
      if (this.idleWaiters.length && this.allIdle()) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const r of w) r();
      }
    }
  }

  private allIdle(): boolean {
    for (const r of this.pods.values()) if (r.busy) return false;
    return true;
  }

  /** Resolves when no pod worker is running (timers may still be pending). */
  whenIdle(): Promise<void> {
    if (this.allIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async syncOnce(rec: PodRecord): Promise<void> {
    const pod = rec.pod;
    if (rec.gone) {
      await this.cleanup(rec);
      return;
    }
    if (rec.state === 'rejected') return;
    if (rec.state === 'terminated') {
      if (pod.metadata.deletionTimestamp && !rec.deleteRequested) {
        rec.deleteRequested = true;
        this.opts.statusManager.requestDelete(pod);
      }
      return;
    }
    if (pod.metadata.deletionTimestamp || terminalPhase(pod.status?.phase)) {
      await this.terminate(rec, this.gracePeriod(pod));
      if (pod.metadata.deletionTimestamp) {
        rec.deleteRequested = true;
        this.opts.statusManager.requestDelete(pod);
      }
      return;
    }
    const deadline = pod.spec?.activeDeadlineSeconds;
    if (deadline !== undefined) {
      const start = Date.parse(pod.status?.startTime ?? '') || rec.startTime.getTime();
      const left = start + deadline * 1000 - this.opts.clock.now().getTime();
      if (left <= 0) {
        rec.deadlineExceeded = true;
        this.event(
          pod,
          'Normal',
          Reasons.DeadlineExceeded,
          'Pod was active on the node longer than the specified deadline',
        );
        await this.terminate(rec, this.gracePeriod(pod));
        return;
      }
      this.schedule(rec, left);
    }
    await this.syncPod(rec);
  }

  private gracePeriod(pod: Pod): number {
    const g = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }

  private sandboxConfig(pod: Pod): Parameters<Runtime['runPodSandbox']>[0] {
    const uid = pod.metadata.uid ?? '';
    return {
      podUid: uid,
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      hostname: (pod.spec?.hostname || pod.metadata.name || '').slice(0, 63),
      hostNetwork: pod.spec?.hostNetwork === true,
      labels: {
        ...pod.metadata.labels,
        [LABEL_POD_NAME]: pod.metadata.name ?? '',
        [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
        [LABEL_POD_UID]: uid,
      },
      annotations: { ...pod.metadata.annotations },
      podDir: this.podDir(uid),
    };
  }

  private ips(rec: PodRecord): { hostIPs: string[]; podIPs: string[] } {
    const host = this.opts.hostIP();
    const podIP = rec.sandbox?.ip ?? '';
    return { hostIPs: host ? [host] : [], podIPs: podIP ? [podIP] : [] };
  }

  private async syncPod(rec: PodRecord): Promise<void> {
    const pod = rec.pod;
    const uid = rec.uid;
    if (!rec.sandbox) {
      try {
        rec.sandbox = await this.opts.runtime.runPodSandbox(this.sandboxConfig(pod));
      } catch (err) {
        const msg = errorText(err);
        this.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${msg}`);
        this.publishStatus(rec);
        this.schedule(rec, this.retryDelay(rec));
        return;
      }
      if (!rec.sandbox.isolated && rec.sandbox.isolationNote && !rec.isolationReported) {
        rec.isolationReported = true;
        this.event(pod, 'Warning', 'NoIsolation', rec.sandbox.isolationNote);
      }
    }
    const now = this.opts.clock.now().getTime();
    if (!rec.volumes || now - rec.volumesAt >= this.resyncMs) {
      const r = await setUpVolumes({
        pod,
        podDir: this.podDir(uid),
        source: this.opts.source,
        ...this.ips(rec),
        allocatable: allocatableOf(this.opts.allocatable()),
      });
      if (r.failures.length > 0) {
        for (const f of r.failures) this.event(pod, 'Warning', Reasons.FailedMount, f.message);
        if (!rec.volumes) {
          rec.mountFailures++;
          rec.containers = this.opts.runtime.listContainers(uid);
          this.publishStatus(rec);
          this.schedule(rec, this.retryDelay(rec));
          return;
        }
      } else {
        rec.mountFailures = 0;
        rec.volumes = r.volumes;
        rec.volumesAt = now;
      }
    }
    rec.containers = this.opts.runtime.listContainers(uid);
    await this.computeAndRun(rec);
    rec.containers = this.opts.runtime.listContainers(uid);
    await this.readTerminationMessages(rec);
    this.probes.syncPod(pod);
    const status = this.publishStatus(rec);
    if (terminalPhase(status.phase)) {
      await this.terminate(rec, this.gracePeriod(pod));
      return;
    }
    this.schedule(rec, this.resyncMs);
  }

  private retryDelay(rec: PodRecord): number {
    return Math.min(120_000, this.retryMs * 2 ** Math.min(6, rec.mountFailures));
  }

  /**
   * terminationMessagePolicy FallbackToLogsOnError: a container that failed without a message gets the tail of
   * its log (80 lines, at most 2 KiB), read once per container.
   */
  private async readTerminationMessages(rec: PodRecord): Promise<void> {
    const specs = [...(rec.pod.spec?.containers ?? []), ...(rec.pod.spec?.initContainers ?? [])];
    for (const cs of rec.containers) {
      if (cs.state !== 'exited' || !cs.exitCode || cs.message || rec.termMessages.has(cs.id)) continue;
      const spec = specs.find((c) => c.name === cs.name);
      if (spec?.terminationMessagePolicy !== 'FallbackToLogsOnError') continue;
      const chunks: Buffer[] = [];
      const out = new Writable({
        write(chunk: Buffer | string, _enc, cb) {
          chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
          cb();
        },
      });
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 2000);
      try {
        await this.opts.runtime.logs(
          cs.id,
          { follow: false, tailLines: 80, limitBytes: 2048, timestamps: false },
          out,
          ac.signal,
        );
      } catch (err) {
        this.log.debug({ err, container: cs.id }, 'could not read a termination message from the log');
      } finally {
        clearTimeout(timer);
      }
      const text = Buffer.concat(chunks);
      rec.termMessages.set(cs.id, text.subarray(Math.max(0, text.length - 2048)).toString('utf8'));
    }
    for (const id of rec.termMessages.keys()) {
      if (!rec.containers.some((c) => c.id === id)) rec.termMessages.delete(id);
    }
  }

  private publishStatus(rec: PodRecord, podIsTerminal = false): api.PodStatus {
    const containers = rec.termMessages.size
      ? rec.containers.map((c) => {
          const message = rec.termMessages.get(c.id);
          return message ? { ...c, message } : c;
        })
      : rec.containers;
    const status = generatePodStatus({
      pod: rec.pod,
      containers,
      startFailures: rec.startFailures,
      probeResult: (id, kind) => this.probes.result(id, kind),
      sandboxIP: rec.sandbox?.ip,
      hostIP: this.opts.hostIP(),
      oldStatus: this.opts.statusManager.getPodStatus(rec.uid),
      podIsTerminal,
      startTime: rec.startTime,
    });
    if (rec.deadlineExceeded) {
      status.phase = 'Failed';
      status.reason = 'DeadlineExceeded';
      status.message = 'Pod was active on the node longer than the specified deadline';
    }
    this.opts.statusManager.setPodStatus(rec.pod, status);
    return status;
  }

  /** computePodActions + SyncPod: init containers one at a time, then every app container. */
  private async computeAndRun(rec: PodRecord): Promise<void> {
    const pod = rec.pod;
    const spec = pod.spec;
    const byName = runtimeStatusesByName(rec.containers);
    const inits = spec?.initContainers ?? [];
    const apps = spec?.containers ?? [];
    const initialized = apps.some((c) => (byName.get(c.name)?.length ?? 0) > 0);
    let initDone = true;
    if (!initialized) {
      for (const c of inits) {
        const latest = byName.get(c.name)?.[0];
        if (isRestartableInit(c)) {
          if (latest?.state === 'running') {
            if (await this.checkRunning(rec, c, latest)) {
              initDone = false;
              break;
            }
            if (c.startupProbe && this.probes.result(latest.id, 'startup') !== 'Success') {
              initDone = false;
              break;
            }
            continue;
          }
          await this.startContainer(rec, c, latest);
          initDone = false;
          break;
        }
        if (latest?.state === 'exited' && latest.exitCode === 0) continue;
        initDone = false;
        if (latest?.state === 'running') break;
        if (latest?.state === 'exited' && (spec?.restartPolicy ?? 'Always') === 'Never') break;
        await this.startContainer(rec, c, latest);
        break;
      }
    } else {
      for (const c of inits) {
        if (!isRestartableInit(c)) continue;
        const latest = byName.get(c.name)?.[0];
        if (latest?.state === 'running') await this.checkRunning(rec, c, latest);
        else await this.startContainer(rec, c, latest);
      }
    }
    if (!initDone) return;
    for (const c of apps) {
      const latest = byName.get(c.name)?.[0];
      if (latest?.state === 'running') {
        await this.checkRunning(rec, c, latest);
        continue;
      }
      if (rec.forceRestart.has(c.name) || shouldContainerBeRestarted(pod, c, latest)) {
        await this.startContainer(rec, c, latest);
      }
    }
  }

  /**
   * A running container whose spec changed, or whose liveness/startup probe failed, is killed (and marked
   * for restart as upstream decides). Returns whether it was killed.
   */
  private async checkRunning(rec: PodRecord, c: api.Container, cs: ContainerStatus): Promise<boolean> {
    const pod = rec.pod;
    const policy = pod.spec?.restartPolicy ?? 'Always';
    let restart = policy !== 'Never' || isRestartableInit(c);
    let message: string;
    let grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
    let probeKind: ProbeKind | undefined;
    if (cs.specHash !== containerHash(c)) {
      message = `Container ${c.name} definition changed`;
      restart = true;
    } else if (c.livenessProbe && this.probes.result(cs.id, 'liveness') === 'Failure') {
      message = `Container ${c.name} failed liveness probe`;
      probeKind = 'liveness';
    } else if (c.startupProbe && this.probes.result(cs.id, 'startup') === 'Failure') {
      message = `Container ${c.name} failed startup probe`;
      probeKind = 'startup';
    } else return false;
    if (probeKind) {
      const probe = probeKind === 'liveness' ? c.livenessProbe : c.startupProbe;
      grace = probe?.terminationGracePeriodSeconds ?? grace;
    }
    if (restart) {
      message += ', will be restarted';
      rec.forceRestart.add(c.name);
    }
    await this.killContainer(rec, c, cs, grace, message);
    rec.again = true;
    return true;
  }

  private backoffKey(pod: Pod, c: api.Container): string {
    return `${pod.metadata.uid ?? ''}/${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}_${c.name}_${containerHash(c)}`;
  }

  private async startContainer(
    rec: PodRecord,
    c: api.Container,
    latest: ContainerStatus | undefined,
  ): Promise<void> {
    const pod = rec.pod;
    const uid = rec.uid;
    if (latest?.state === 'exited') {
      const key = this.backoffKey(pod, c);
      const finished = latest.finishedAt ?? latest.createdAt;
      if (this.backoff.isInBackOffSince(key, finished)) {
        const message = `back-off ${goDuration(this.backoff.get(key))} restarting failed container=${c.name} pod=${formatPod(pod)}`;
        rec.startFailures.set(c.name, { reason: CrashLoopBackOff, message });
        this.event(
          pod,
          'Warning',
          Reasons.BackOff,
          `Back-off restarting failed container ${c.name} in pod ${formatPod(pod)}`,
          c.name,
        );
        this.schedule(rec, this.backoff.remainingMs(key, finished));
        return;
      }
      this.backoff.next(key, finished);
    }
    let env: Record<string, string>;
    let mounts: ReturnType<typeof containerMounts>;
    try {
      env = {
        ...gpuEnv(pod, c),
        ...(await makeEnvironment({
          pod,
          container: c,
          ...this.ips(rec),
          allocatable: allocatableOf(this.opts.allocatable()),
          source: this.opts.source,
          warn: (reason, message) => this.event(pod, 'Warning', reason, message, c.name),
        })),
      };
      mounts = containerMounts(c, rec.volumes ?? new Map(), env);
    } catch (err) {
      const message = errorText(err);
      if (!(err instanceof ContainerConfigError))
        this.log.debug({ err, pod: formatPod(pod) }, 'container config');
      rec.startFailures.set(c.name, { reason: CreateContainerConfigError, message });
      this.event(pod, 'Warning', Reasons.Failed, `Error: ${message}`, c.name);
      this.schedule(rec, this.retryMs * 5);
      return;
    }
    const image = c.image ?? '';
    this.event(
      pod,
      'Normal',
      Reasons.Pulled,
      `Container image "${image}" already present on machine`,
      c.name,
    );
    const limits: ContainerConfig['limits'] = {};
    const lim = c.resources?.limits;
    if (lim?.['cpu'] !== undefined) limits.milliCPU = allocatableOf({ cpu: String(lim['cpu']) }).milliCPU;
    if (lim?.['memory'] !== undefined)
      limits.memoryBytes = allocatableOf({ memory: String(lim['memory']) }).memory;
    const config: ContainerConfig = {
      name: c.name,
      image,
      argv: expandArgv(c, env),
      env,
      ...(c.workingDir ? { workingDir: c.workingDir } : {}),
      mounts,
      ...(limits.milliCPU !== undefined || limits.memoryBytes !== undefined ? { limits } : {}),
      attempt: latest ? latest.attempt + 1 : 0,
      stdin: c.stdin === true,
      tty: c.tty === true,
      specHash: containerHash(c),
      labels: {
        [LABEL_POD_NAME]: pod.metadata.name ?? '',
        [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
        [LABEL_POD_UID]: uid,
        [LABEL_CONTAINER_NAME]: c.name,
      },
    };
    let id: string;
    try {
      id = await this.opts.runtime.startContainer(uid, config);
    } catch (err) {
      const message = errorText(err);
      rec.startFailures.set(c.name, { reason: RunContainerError, message });
      this.event(pod, 'Warning', Reasons.Failed, `Error: ${message}`, c.name);
      this.schedule(rec, this.retryMs * 5);
      return;
    }
    rec.forceRestart.delete(c.name);
    rec.startFailures.delete(c.name);
    this.event(pod, 'Normal', Reasons.Created, `Created container: ${c.name}`, c.name);
    this.event(pod, 'Normal', Reasons.Started, `Started container ${c.name}`, c.name);
    await this.removeOldContainers(uid, c.name, config.attempt);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const target = this.target(rec, c, id);
      const r = await this.opts.probeRunner.hook(
        postStart,
        target,
        (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000,
      );
      if (!r.ok) {
        this.event(pod, 'Warning', Reasons.FailedPostStartHook, r.message, c.name);
        const cs = this.opts.runtime.containerStatus(id);
        if (cs) await this.killContainer(rec, c, cs, pod.spec?.terminationGracePeriodSeconds ?? 30, '', true);
        rec.startFailures.set(c.name, { reason: PostStartHookError, message: r.message });
      }
    }
  }

  private target(rec: PodRecord, c: api.Container, id: string): ProbeTarget {
    return { pod: rec.pod, container: c, containerId: id, podIP: rec.sandbox?.ip ?? this.opts.hostIP() };
  }

  /** Keeps the newest exited container of a name (lastState, logs --previous); removes older ones. */
  private async removeOldContainers(uid: string, name: string, attempt: number): Promise<void> {
    for (const cs of this.opts.runtime.listContainers(uid)) {
      if (cs.name !== name || cs.state === 'running' || cs.attempt >= attempt - 1) continue;
      try {
        await this.opts.runtime.removeContainer(cs.id);
      } catch (err) {
        this.log.debug({ err, container: cs.id }, 'could not remove an old container');
      }
    }
  }

  /** Upstream's killContainer: Killing event, preStop within the grace period, then SIGTERM and SIGKILL. */
  private async killContainer(
    rec: PodRecord,
    c: api.Container | undefined,
    cs: ContainerStatus,
    graceSeconds: number,
    message: string,
    skipPreStop = false,
  ): Promise<void> {
    const pod = rec.pod;
    if (message) this.event(pod, 'Normal', Reasons.Killing, message, cs.name);
    let grace = graceSeconds;
    const preStop = c?.lifecycle?.preStop;
    if (preStop && grace > 0 && !skipPreStop && cs.state === 'running') {
      const started = this.opts.clock.now().getTime();
      const r = await this.opts.probeRunner.hook(preStop, this.target(rec, c, cs.id), grace * 1000);
      if (!r.ok) this.event(pod, 'Warning', Reasons.FailedPreStopHook, r.message, cs.name);
      grace -= Math.ceil((this.opts.clock.now().getTime() - started) / 1000);
    }
    grace = Math.max(grace, MIN_GRACE_SECONDS);
    try {
      await this.opts.runtime.stopContainer(cs.id, grace);
    } catch (err) {
      this.log.warn({ err, container: cs.id, pod: formatPod(pod) }, 'could not stop a container');
    }
  }

  /** syncTerminatingPod: stop every running container (app first, sidecars last), then the sandbox. */
  private async terminate(rec: PodRecord, graceSeconds: number): Promise<void> {
    const pod = rec.pod;
    this.probes.removePod(rec.uid);
    const specOf = (name: string): api.Container | undefined =>
      [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
    const running = this.opts.runtime.listContainers(rec.uid).filter((c) => c.state === 'running');
    const sidecars = new Set((pod.spec?.initContainers ?? []).filter(isRestartableInit).map((c) => c.name));
    const kill = (list: ContainerStatus[]): Promise<void[]> =>
      Promise.all(
        list.map((cs) =>
          this.killContainer(rec, specOf(cs.name), cs, graceSeconds, `Stopping container ${cs.name}`),
        ),
      );
    await kill(running.filter((c) => !sidecars.has(c.name)));
    await kill(running.filter((c) => sidecars.has(c.name)));
    try {
      await this.opts.runtime.stopPodSandbox(rec.uid);
    } catch (err) {
      this.log.warn({ err, pod: formatPod(pod) }, 'could not stop the pod sandbox');
    }
    rec.state = 'terminated';
    rec.containers = this.opts.runtime.listContainers(rec.uid);
    if (!rec.gone) this.publishStatus(rec, true);
  }

  /** The pod is gone: stop what runs, remove containers, sandbox, volumes and the pod's directory. */
  private async cleanup(rec: PodRecord): Promise<void> {
    if (rec.cleanedUp) return;
    if (rec.state === 'syncing') await this.terminate(rec, this.gracePeriod(rec.pod));
    rec.cancelWake?.();
    rec.cancelWake = undefined;
    await this.removePodFromRuntime(rec.uid);
    rec.cleanedUp = true;
    this.probes.removePod(rec.uid);
    this.opts.statusManager.forget(rec.uid);
    this.backoff.forgetPrefix(`${rec.uid}/`);
    this.pods.delete(rec.uid);
  }

  private async removePodFromRuntime(uid: string): Promise<void> {
    const rt = this.opts.runtime;
    for (const cs of rt.listContainers(uid)) {
      try {
        if (cs.state === 'running') await rt.stopContainer(cs.id, MIN_GRACE_SECONDS);
        await rt.removeContainer(cs.id);
      } catch (err) {
        this.log.debug({ err, container: cs.id }, 'could not remove a container');
      }
    }
    try {
      await rt.stopPodSandbox(uid);
      await rt.removePodSandbox(uid);
    } catch (err) {
      this.log.debug({ err, pod: uid }, 'could not remove a sandbox');
    }
    await tearDownVolumes(this.podDir(uid)).catch(() => undefined);
    await rm(this.podDir(uid), { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * Housekeeping after the pod source's initial list: sandboxes and containers of pods this node no longer
   * has are stopped and removed (upstream's HandlePodCleanups).
   */
  async cleanupOrphans(): Promise<number> {
    const rt = this.opts.runtime;
    const orphans = new Set<string>();
    for (const s of rt.listSandboxes()) if (!this.pods.has(s.podUid)) orphans.add(s.podUid);
    for (const c of rt.listContainers()) if (!this.pods.has(c.podUid)) orphans.add(c.podUid);
    for (const uid of orphans) {
      this.log.info({ pod: uid }, 'removing an orphaned pod');
      await this.removePodFromRuntime(uid);
    }
    return orphans.size;
  }

  /** Periodic housekeeping: back-off entries of long-quiet containers are dropped. */
  housekeeping(): void {
    this.backoff.gc();
  }

  /**
   * Stops every container and sandbox the runtime has (known pods and orphans), without touching the API:
   * for an agent that should not leave processes behind when it stops (tests, throw-away clusters).
   */
  async stopAllPods(graceSeconds = MIN_GRACE_SECONDS): Promise<void> {
    const rt = this.opts.runtime;
    const running = rt.listContainers().filter((c) => c.state === 'running');
    await Promise.all(
      running.map((c) =>
        rt.stopContainer(c.id, graceSeconds).catch((err: unknown) => {
          this.log.warn({ err, container: c.id }, 'could not stop a container');
        }),
      ),
    );
    for (const s of rt.listSandboxes()) {
      await rt.stopPodSandbox(s.podUid).catch((err: unknown) => {
        this.log.warn({ err, pod: s.podUid }, 'could not stop a sandbox');
      });
    }
  }

  /** Stops every worker and probe; containers keep running (they are adopted on the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.pods.values()) {
      r.cancelWake?.();
      r.cancelWake = undefined;
    }
    this.probes.stop();
    await this.whenIdle();
  }
}
