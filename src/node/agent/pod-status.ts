/**
 * @module Pod status as the kubelet computes it (pure functions): container statuses from the runtime's view,
 * the phase, the kubelet-owned conditions and the QoS class.
 */
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import { rfc3339 } from '../../util/clock.js';
import type { ContainerStatus as RuntimeContainerStatus } from '../runtime/interface.js';

/** Reasons and constants the kubelet writes into statuses. */
export const ContainerCreating = 'ContainerCreating';
export const PodInitializing = 'PodInitializing';
export const CrashLoopBackOff = 'CrashLoopBackOff';
export const CreateContainerConfigError = 'CreateContainerConfigError';
export const RunContainerError = 'RunContainerError';
export const PostStartHookError = 'PostStartHookError';
export const ContainerStatusUnknown = 'ContainerStatusUnknown';

/**
 * The condition types the kubelet owns (others, e.g. readiness gates or DisruptionTarget, belong to someone
 * else). PodScheduled is not owned but written True, as upstream does for pods it runs.
 */
export const KUBELET_CONDITIONS: ReadonlySet<string> = new Set([
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
]);

/** The runtime id as the API shows it. */
export function containerIdString(id: string): string {
  return `skiff://${id}`;
}

/** Upstream's format.Pod: `name_namespace(uid)`. */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/** An init container that keeps running beside the app containers (a "sidecar"). */
export function isRestartableInit(c: api.Container): boolean {
  return c.restartPolicy === 'Always';
}

/** A container's runtime statuses, newest first (the kubelet keeps the newest and the one before it). */
export function runtimeStatusesByName(
  statuses: readonly RuntimeContainerStatus[],
): Map<string, RuntimeContainerStatus[]> {
  const out = new Map<string, RuntimeContainerStatus[]>();
  for (const s of statuses) {
    let list = out.get(s.name);
    if (!list) out.set(s.name, (list = []));
    list.push(s);
  }
  for (const list of out.values()) list.sort(newestFirst);
  return out;
}

function newestFirst(a: RuntimeContainerStatus, b: RuntimeContainerStatus): number {
  return b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime();
}

/** Upstream's ShouldContainerBeRestarted, over the newest runtime status of the container. */
export function shouldContainerBeRestarted(
  pod: Pod,
  container: api.Container,
  latest: RuntimeContainerStatus | undefined,
  isInit = false,
): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  if (!latest) return true;
  if (latest.state === 'running') return false;
  if (latest.state === 'unknown' || latest.state === 'created') return true;
  if (isInit && isRestartableInit(container)) return true;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && latest.exitCode === 0) return false;
  return true;
}

/** Why a container could not be (re)started on the last sync: shown as its waiting state. */
export interface StartFailure {
  reason: string;
  message: string;
}

/** What a probe last concluded about a container (undefined: no result yet). */
export type ProbeResult = 'Success' | 'Failure' | 'Unknown';

/** Everything {@link generatePodStatus} reads. */
export interface PodStatusInput {
  pod: Pod;
  /** Every container the runtime knows for this pod (any attempt). */
  containers: readonly RuntimeContainerStatus[];
  /** The last start failure per container name (upstream's reason cache). */
  startFailures: ReadonlyMap<string, StartFailure>;
  /** Probe results per runtime container id. */
  probeResult(containerId: string, kind: 'readiness' | 'startup'): ProbeResult | undefined;
  /** The pod's sandbox IP once the sandbox exists. */
  sandboxIP: string | undefined;
  hostIP: string;
  /** The status the kubelet last produced (or the API's, after a restart). */
  oldStatus: api.PodStatus | undefined;
  /** The pod worker has finished with the pod: its containers will not run again. */
  podIsTerminal: boolean;
  startTime: Date | undefined;
}

type ApiContainerStatus = api.ContainerStatus;

function convertRuntimeStatus(
  cs: RuntimeContainerStatus,
  old: ApiContainerStatus | undefined,
): ApiContainerStatus {
  const cid = containerIdString(cs.id);
  const st: ApiContainerStatus = {
    name: cs.name,
    image: cs.image,
    imageID: cs.imageRef,
    containerID: cid,
    restartCount: cs.attempt,
    ready: false,
    state: {},
  };
  switch (cs.state) {
    case 'running':
      st.state = { running: { startedAt: rfc3339(cs.startedAt ?? cs.createdAt) } };
      break;
    case 'created':
      st.state = { waiting: {} };
      break;
    case 'exited':
      st.state = {
        terminated: {
          exitCode: cs.exitCode ?? 0,
          ...(cs.reason ? { reason: cs.reason } : {}),
          ...(cs.message ? { message: cs.message } : {}),
          startedAt: rfc3339(cs.startedAt ?? cs.createdAt),
          finishedAt: rfc3339(cs.finishedAt ?? cs.startedAt ?? cs.createdAt),
          containerID: cid,
        },
      };
      break;
    case 'unknown':
      if (old?.state?.running) {
        st.state = {
          terminated: {
            reason: ContainerStatusUnknown,
            message: 'The container could not be located when the pod was terminated',
            exitCode: 137,
          },
        };
        st.restartCount = old.restartCount + 1;
      } else {
        st.state = { waiting: {} };
      }
      break;
  }
  return st;
}

/**
 * Upstream's convertToAPIContainerStatuses for one list (init or app containers): defaults, the old status
 * for containers the runtime no longer knows, the newest runtime status and the one before it as lastState,
 * then waiting reasons for containers that failed to start.
 */
export function convertContainerStatuses(
  input: PodStatusInput,
  containers: readonly api.Container[],
  previous: readonly ApiContainerStatus[] | undefined,
  hasInitContainers: boolean,
  isInit: boolean,
  byName: Map<string, RuntimeContainerStatus[]>,
): ApiContainerStatus[] {
  const { pod } = input;
  const old = new Map<string, ApiContainerStatus>();
  for (const s of previous ?? []) old.set(s.name, s);
  const defaultReason = hasInitContainers ? PodInitializing : ContainerCreating;
  const statuses = new Map<string, ApiContainerStatus>();
  for (const c of containers) {
    let st: ApiContainerStatus = {
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: defaultReason } },
    };
    const o = old.get(c.name);
    if (o) {
      if (o.state?.terminated) st = structuredClone(o);
      else {
        st.restartCount = o.restartCount;
        if (o.lastState && Object.keys(o.lastState).length > 0) st.lastState = structuredClone(o.lastState);
      }
    }
    statuses.set(c.name, st);
  }
  // A container that was running and vanished from the runtime is shown as stopped, not waiting.
  for (const c of containers) {
    if (byName.has(c.name)) continue;
    const o = old.get(c.name);
    if (!o || o.state?.terminated || !o.state?.running) continue;
    const st = statuses.get(c.name)!;
    if (st.state?.waiting?.reason !== defaultReason || st.lastState?.terminated) continue;
    st.lastState = {
      terminated: {
        reason: ContainerStatusUnknown,
        message:
          'The container could not be located when the pod was deleted.  The container used to be Running',
        exitCode: 137,
      },
    };
    if (!pod.metadata.deletionTimestamp) st.restartCount += 1;
  }
  for (const c of containers) {
    const list = byName.get(c.name);
    if (!list || list.length === 0) continue;
    const current = convertRuntimeStatus(list[0]!, old.get(c.name));
    if (list[1]) current.lastState = convertRuntimeStatus(list[1], undefined).state;
    statuses.set(c.name, current);
  }
  for (const c of containers) {
    const latest = byName.get(c.name)?.[0];
    if (isInit && latest?.state === 'exited' && latest.exitCode === 0) continue;
    if (!shouldContainerBeRestarted(pod, c, latest, isInit)) continue;
    const failure = input.startFailures.get(c.name);
    if (!failure) continue;
    const st = statuses.get(c.name)!;
    if (st.state?.terminated) st.lastState = st.state;
    st.state = {
      waiting: { reason: failure.reason, ...(failure.message ? { message: failure.message } : {}) },
    };
  }
  const out = containers.map((c) => statuses.get(c.name)!);
  applyProbeResults(input, containers, out, isInit);
  // App container statuses are sorted by name as upstream; init containers keep spec order.
  if (!isInit) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** Upstream's prober UpdatePodStatus: `started` from the startup probe, `ready` from readiness. */
function applyProbeResults(
  input: PodStatusInput,
  containers: readonly api.Container[],
  statuses: ApiContainerStatus[],
  isInit: boolean,
): void {
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i]!;
    const st = statuses[i]!;
    const id = st.containerID?.startsWith('skiff://') ? st.containerID.slice(8) : st.containerID;
    let started = false;
    if (st.state?.running && id) {
      started = c.startupProbe ? input.probeResult(id, 'startup') === 'Success' : true;
    }
    st.started = started;
    if (isInit && !isRestartableInit(c)) {
      st.ready = !!st.state?.terminated && st.state.terminated.exitCode === 0;
      continue;
    }
    if (!started || !st.state?.running || !id) {
      st.ready = false;
      continue;
    }
    st.ready = c.readinessProbe ? input.probeResult(id, 'readiness') === 'Success' : true;
  }
}

/** Upstream's getPhase. */
export function getPhase(pod: Pod, statuses: readonly ApiContainerStatus[], podIsTerminal: boolean): string {
  const spec = pod.spec;
  const find = (name: string): ApiContainerStatus | undefined => statuses.find((s) => s.name === name);
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of spec?.initContainers ?? []) {
    if (isRestartableInit(c)) continue;
    const s = find(c.name);
    if (!s) {
      pendingInitialization++;
      continue;
    }
    if (s.state?.running) pendingInitialization++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec?.initContainers ?? []) {
    if (!isRestartableInit(c)) continue;
    const s = find(c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) {
      if (!s.started) pendingInitialization++;
      running++;
    } else if (s.state?.terminated) {
      // Stopped sidecars do not count.
    } else if (s.state?.waiting) {
      if (!s.lastState?.terminated) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }
  for (const c of spec?.containers ?? []) {
    const s = find(c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  const policy = spec?.restartPolicy ?? 'Always';
  if (failedInitialization > 0 && policy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !hasAnyRegularContainerStarted(pod, statuses)) || waiting > 0) {
    return 'Pending';
  }
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Upstream's HasAnyRegularContainerStarted. */
export function hasAnyRegularContainerStarted(pod: Pod, statuses: readonly ApiContainerStatus[]): boolean {
  const names = new Set((pod.spec?.containers ?? []).map((c) => c.name));
  return statuses.some((s) => names.has(s.name) && (!!s.state?.running || !!s.state?.terminated));
}

function goList(names: string[]): string {
  return `[${names.join(' ')}]`;
}

/** A condition without times (the status manager stamps lastTransitionTime). */
export type BareCondition = Omit<api.PodCondition, 'lastTransitionTime' | 'lastProbeTime'>;

/** Upstream's GeneratePodInitializedCondition. */
export function podInitializedCondition(
  pod: Pod,
  statuses: readonly ApiContainerStatus[],
  phase: string,
): BareCondition {
  const spec = pod.spec;
  const inits = spec?.initContainers ?? [];
  const unknownContainers: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) {
      unknownContainers.push(c.name);
      continue;
    }
    if (isRestartableInit(c)) {
      if (!s.started) incomplete.push(c.name);
      continue;
    }
    if (!s.state?.terminated || s.state.terminated.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknownContainers.length === 0) {
    return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  }
  if (hasAnyRegularContainerStarted(pod, statuses)) return { type: 'Initialized', status: 'True' };
  const msgs: string[] = [];
  if (unknownContainers.length) msgs.push(`containers with unknown status: ${goList(unknownContainers)}`);
  if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (msgs.length) {
    return {
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: msgs.join(', '),
    };
  }
  return { type: 'Initialized', status: 'True' };
}

/** Upstream's GenerateContainersReadyCondition. */
export function containersReadyCondition(
  pod: Pod,
  statuses: readonly ApiContainerStatus[],
  phase: string,
): BareCondition {
  const spec = pod.spec;
  const unknownContainers: string[] = [];
  const unready: string[] = [];
  const check = (c: api.Container): void => {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknownContainers.push(c.name);
    else if (!s.ready) unready.push(c.name);
  };
  for (const c of spec?.initContainers ?? []) if (isRestartableInit(c)) check(c);
  for (const c of spec?.containers ?? []) check(c);
  if (phase === 'Succeeded' && unknownContainers.length === 0) {
    return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  }
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const msgs: string[] = [];
  if (unknownContainers.length) msgs.push(`containers with unknown status: ${goList(unknownContainers)}`);
  if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
  if (msgs.length) {
    return {
      type: 'ContainersReady',
      status: 'False',
      reason: 'ContainersNotReady',
      message: msgs.join(', '),
    };
  }
  return { type: 'ContainersReady', status: 'True' };
}

/** Upstream's GeneratePodReadyCondition: ContainersReady, then every readiness gate's condition. */
export function podReadyCondition(
  pod: Pod,
  conditions: readonly Pick<api.PodCondition, 'type' | 'status'>[],
  statuses: readonly ApiContainerStatus[],
  phase: string,
): BareCondition {
  const cr = containersReadyCondition(pod, statuses, phase);
  if (cr.status !== 'True') return { ...cr, type: 'Ready' };
  const msgs: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c)
      msgs.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') {
      msgs.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
    }
  }
  if (msgs.length) {
    return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: msgs.join(', ') };
  }
  return { type: 'Ready', status: 'True' };
}

const QOS_RESOURCES = ['cpu', 'memory'] as const;

/** Upstream's GetPodQOS over cpu and memory (requests default to limits as the API server does). */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = { cpu: 0, memory: 0 };
  const limits = { cpu: 0, memory: 0 };
  let guaranteed = true;
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    let limited = 0;
    for (const r of QOS_RESOURCES) {
      const lq = c.resources?.limits?.[r];
      const rq = c.resources?.requests?.[r] ?? lq;
      const rv = rq === undefined ? 0 : milliUnits(rq);
      const lv = lq === undefined ? 0 : milliUnits(lq);
      if (rv > 0) requests[r] += rv;
      if (lv > 0) {
        limits[r] += lv;
        limited++;
      }
    }
    if (limited !== QOS_RESOURCES.length) guaranteed = false;
  }
  const any = requests.cpu + requests.memory + limits.cpu + limits.memory > 0;
  if (!any) return 'BestEffort';
  if (guaranteed && requests.cpu === limits.cpu && requests.memory === limits.memory) return 'Guaranteed';
  return 'Burstable';
}

function milliUnits(q: string | number): number {
  const n = quantityNumber(q);
  return Number.isFinite(n) ? Math.round(n * 1000) : 0;
}

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity as a float (only for comparisons). */
export function quantityNumber(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[\d.]+)([eE][+-]?\d+)?([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return NaN;
  const base = Number(m[1]! + (m[2] ?? ''));
  const mult = SUFFIX[m[3] ?? ''];
  return mult === undefined ? NaN : base * mult;
}

/**
 * Upstream's generateAPIPodStatus (kubelet-owned parts): container statuses, phase with the terminal-phase
 * guards, kubelet conditions (without times), IPs, start time and QoS class. Conditions owned by others are
 * not included: the status manager merges by condition type.
 */
export function generatePodStatus(input: PodStatusInput): api.PodStatus {
  const { pod } = input;
  const spec = pod.spec;
  const old = input.oldStatus ?? pod.status ?? {};
  const byName = runtimeStatusesByName(input.containers);
  const hasInit = (spec?.initContainers?.length ?? 0) > 0;
  const containerStatuses = convertContainerStatuses(
    input,
    spec?.containers ?? [],
    old.containerStatuses,
    hasInit,
    false,
    byName,
  );
  const initContainerStatuses = convertContainerStatuses(
    input,
    spec?.initContainers ?? [],
    old.initContainerStatuses,
    hasInit,
    true,
    byName,
  );
  const all = [...containerStatuses, ...initContainerStatuses];
  let phase = getPhase(pod, all, input.podIsTerminal);
  const isTerminal = (p: string | undefined): boolean => p === 'Failed' || p === 'Succeeded';
  if (!isTerminal(phase)) {
    if (isTerminal(old.phase)) phase = old.phase!;
    else if (isTerminal(pod.status?.phase)) phase = pod.status!.phase!;
  }
  if (isTerminal(pod.status?.phase) && phase !== pod.status?.phase) phase = pod.status!.phase!;
  const status: api.PodStatus = { phase };
  if (phase === old.phase) {
    const reason = old.reason || pod.status?.reason;
    const message = old.message || pod.status?.message;
    if (reason) status.reason = reason;
    if (message) status.message = message;
  }
  const foreign = (pod.status?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const allStatuses = [...initContainerStatuses, ...containerStatuses];
  const conditions: BareCondition[] = [
    { type: 'PodReadyToStartContainers', status: input.sandboxIP !== undefined ? 'True' : 'False' },
    podInitializedCondition(pod, allStatuses, phase),
  ];
  conditions.push(podReadyCondition(pod, [...foreign, ...conditions], allStatuses, phase));
  conditions.push(containersReadyCondition(pod, allStatuses, phase));
  conditions.push({ type: 'PodScheduled', status: 'True' });
  status.conditions = conditions;
  if (input.hostIP) {
    status.hostIP = input.hostIP;
    status.hostIPs = [{ ip: input.hostIP }];
  }
  const podIP = input.sandboxIP || old.podIP;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  const start = old.startTime ?? (input.startTime ? rfc3339(input.startTime) : undefined);
  if (start) status.startTime = start;
  if (initContainerStatuses.length) status.initContainerStatuses = initContainerStatuses;
  status.containerStatuses = containerStatuses;
  status.qosClass = qosClass(pod);
  return status;
}
