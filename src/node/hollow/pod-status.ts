/**
 * @module The status a hollow node reports for one of its pods at a given time, computed from the pod alone
 * (spec, annotations and the status it already has), with the kubelet's shapes and rules: containers run and
 * are ready at once; the `skiff.dev/complete-after` / `skiff.dev/fail-after` annotations (KWOK-style stages)
 * end them after a while; restartPolicy decides what follows (restart with CrashLoopBackOff, or Succeeded /
 * Failed); a changed container image restarts only that container.
 */
import { createHash } from 'node:crypto';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import { rfc3339 } from '../../util/clock.js';
import { formatDuration, parseDuration } from './duration.js';

/** App containers exit 0 (reason Completed) this long after they started. */
export const COMPLETE_AFTER_ANNOTATION = 'skiff.dev/complete-after';
/** App containers exit 1 (reason Error) this long after they started; the earlier of the two wins. */
export const FAIL_AFTER_ANNOTATION = 'skiff.dev/fail-after';

/** Prefix of the containerIDs hollow nodes report (as `containerd://` on a real node). */
export const CONTAINER_ID_SCHEME = 'hollow://';

/** Upstream's container restart back-off: 10 s doubling to 5 min, forgotten after a 10 min run. */
const BACKOFF_INITIAL_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const BACKOFF_RESET_MS = 2 * BACKOFF_MAX_MS;

/** Bounds the catch-up loop when a pod's history spans many restarts (an agent that was down long). */
const MAX_TRANSITIONS = 10_000;

/** When and how a pod's app containers end. */
export interface PodStage {
  afterMs: number;
  exitCode: number;
  reason: 'Completed' | 'Error';
}

/** The pod's stage from its annotations; undefined when it runs until deleted. Unparsable values are ignored. */
export function podStage(pod: Pod): PodStage | undefined {
  const ann = pod.metadata.annotations;
  if (!ann) return undefined;
  const complete = parseDuration(ann[COMPLETE_AFTER_ANNOTATION]);
  const fail = parseDuration(ann[FAIL_AFTER_ANNOTATION]);
  if (fail !== undefined && (complete === undefined || fail < complete)) {
    return { afterMs: fail, exitCode: 1, reason: 'Error' };
  }
  if (complete !== undefined) return { afterMs: complete, exitCode: 0, reason: 'Completed' };
  return undefined;
}

/** Where and when: the node's IP, the IP the pool gave the pod (the node's for hostNetwork pods), and now. */
export interface HollowPodContext {
  now: Date;
  hostIP: string;
  podIP: string;
}

/** The outcome of {@link hollowPodStatus}. */
export interface HollowPodStatus {
  /** The kubelet-owned part of the status (phase, the five kubelet conditions, IPs, start time, containers). */
  status: api.PodStatus;
  /** Identifies the status up to timestamps; equal signatures need no write. */
  signature: string;
  /** The pod's current status differs from `status` (up to timestamps). */
  changed: boolean;
  /** When the status changes next without any event (a container ends or leaves back-off), epoch ms. */
  nextAt?: number;
}

const KUBELET_CONDITIONS = [
  'PodReadyToStartContainers',
  'Initialized',
  'Ready',
  'ContainersReady',
  'PodScheduled',
] as const;

/**
 * The status a hollow node reports for `pod` at `ctx.now`. Terminal pods (Succeeded, Failed) are left as
 * they are. Timestamps already in the pod's status are kept, so computing twice gives the same signature.
 */
export function hollowPodStatus(pod: Pod, ctx: HollowPodContext): HollowPodStatus {
  const current = pod.status ?? {};
  const currentSig = statusSignature(pod, current);
  if (current.phase === 'Succeeded' || current.phase === 'Failed') {
    return { status: current, signature: currentSig, changed: false };
  }
  const now = ctx.now.getTime();
  const nowText = rfc3339(ctx.now);
  const spec = pod.spec ?? { containers: [] };
  const uid = pod.metadata.uid ?? '';
  const startTime = current.startTime ?? nowText;
  const restartPolicy = spec.restartPolicy ?? 'Always';
  const stage = podStage(pod);
  const podRef = `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${uid})`;
  let nextAt: number | undefined;
  const soonest = (t: number | undefined): void => {
    if (t !== undefined && (nextAt === undefined || t < nextAt)) nextAt = t;
  };

  const containerStatuses: api.ContainerStatus[] = [];
  for (const c of spec.containers) {
    const r = advanceContainer(c, findStatus(current.containerStatuses, c.name), {
      uid,
      podRef,
      now,
      stage,
      restartPolicy,
    });
    containerStatuses.push(r.cs);
    soonest(r.nextAt);
  }
  const phase = podPhase(containerStatuses, restartPolicy);
  const terminal = phase === 'Succeeded' || phase === 'Failed';

  const initContainerStatuses: api.ContainerStatus[] = [];
  for (const c of spec.initContainers ?? []) {
    const prev = findStatus(current.initContainerStatuses, c.name);
    if (c.restartPolicy === 'Always') {
      const r = advanceContainer(c, prev, { uid, podRef, now, stage: undefined, restartPolicy: 'Always' });
      initContainerStatuses.push(terminal ? stopSidecar(r.cs, lastFinish(containerStatuses) ?? now) : r.cs);
      if (!terminal) soonest(r.nextAt);
    } else {
      initContainerStatuses.push(completedInitContainer(c, prev, uid, startTime));
    }
  }

  const byType = new Map<string, api.PodCondition>();
  for (const cond of current.conditions ?? []) byType.set(cond.type, cond);
  const all = [...initContainerStatuses, ...containerStatuses];
  const containersReady = containersReadyCondition(spec, all, phase);
  const owned: api.PodCondition[] = [
    { type: 'PodReadyToStartContainers', status: terminal ? 'False' : 'True' },
    terminal && phase === 'Succeeded'
      ? { type: 'Initialized', status: 'True', reason: 'PodCompleted' }
      : { type: 'Initialized', status: 'True' },
    readyCondition(spec, byType, containersReady),
    containersReady,
    { type: 'PodScheduled', status: 'True' },
  ];
  const conditions = owned.map((c) => withTransitionTime(c, byType.get(c.type), nowText));

  const status: api.PodStatus = {
    phase,
    conditions,
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    podIP: ctx.podIP,
    podIPs: [{ ip: ctx.podIP }],
    startTime,
  };
  if (spec.initContainers && spec.initContainers.length > 0)
    status.initContainerStatuses = initContainerStatuses;
  status.containerStatuses = containerStatuses;
  const signature = statusSignature(pod, status);
  return { status, signature, changed: signature !== currentSig, nextAt: terminal ? undefined : nextAt };
}

interface AdvanceContext {
  uid: string;
  podRef: string;
  now: number;
  stage: PodStage | undefined;
  restartPolicy: string;
}

/** Moves one container's status forward to `now`: start, stage end, restart decision, back-off. */
function advanceContainer(
  c: api.Container,
  prev: api.ContainerStatus | undefined,
  ctx: AdvanceContext,
): { cs: api.ContainerStatus; nextAt?: number } {
  const image = c.image ?? '';
  let cs: api.ContainerStatus;
  if (!prev?.state || (!prev.state.running && !prev.state.terminated && !prev.state.waiting)) {
    cs = running(c, ctx.uid, prev?.restartCount ?? 0, ctx.now, prev?.lastState ?? {});
  } else if (prev.image !== image && !prev.state.terminated) {
    // A changed image restarts only this container (the kubelet sees a new spec hash).
    const startedAt = prev.state.running?.startedAt ?? prev.lastState?.terminated?.finishedAt;
    const last: api.ContainerState = {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        ...(startedAt ? { startedAt } : {}),
        finishedAt: rfc3339(new Date(ctx.now)),
        ...(prev.containerID ? { containerID: prev.containerID } : {}),
      },
    };
    cs = running(
      c,
      ctx.uid,
      prev.restartCount + 1,
      ctx.now,
      prev.state.running ? last : (prev.lastState ?? {}),
    );
  } else {
    cs = prev;
  }

  for (let i = 0; i < MAX_TRANSITIONS; i++) {
    const state = cs.state ?? {};
    if (state.running) {
      if (!cs.ready || !cs.started) cs = { ...cs, ready: true, started: true };
      if (!ctx.stage) return { cs };
      const startedAt = state.running.startedAt ?? rfc3339(new Date(ctx.now));
      const end = Date.parse(startedAt) + ctx.stage.afterMs;
      if (ctx.now < end) return { cs, nextAt: end };
      const term: api.ContainerStateTerminated = {
        exitCode: ctx.stage.exitCode,
        reason: ctx.stage.reason,
        startedAt,
        finishedAt: rfc3339(new Date(end)),
        ...(cs.containerID ? { containerID: cs.containerID } : {}),
      };
      cs = { ...cs, state: { terminated: term }, ready: false, started: false };
      continue;
    }
    const term = state.terminated ?? cs.lastState?.terminated;
    if (state.terminated && !restarts(ctx.restartPolicy, state.terminated.exitCode)) {
      return { cs: { ...cs, ready: false, started: false } };
    }
    if (!term) {
      // Waiting for a reason of its own (say ContainerCreating from an older writer): start now.
      cs = running(c, ctx.uid, cs.restartCount, ctx.now, cs.lastState ?? {});
      continue;
    }
    const finished = term.finishedAt ? Date.parse(term.finishedAt) : ctx.now;
    const ran = term.startedAt ? finished - Date.parse(term.startedAt) : 0;
    const delay = restartDelay(cs.restartCount, ran);
    const at = finished + delay;
    if (ctx.now >= at) {
      cs = running(c, ctx.uid, cs.restartCount + 1, at, { terminated: term });
      continue;
    }
    const message = `back-off ${formatDuration(delay)} restarting failed container=${c.name} pod=${ctx.podRef}`;
    cs = {
      ...cs,
      state: { waiting: { reason: 'CrashLoopBackOff', message } },
      lastState: { terminated: term },
      ready: false,
      started: false,
    };
    return { cs, nextAt: at };
  }
  return { cs };
}

/** Whether a container that exited with `exitCode` is started again under the pod's restartPolicy. */
function restarts(policy: string, exitCode: number): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true;
}

/**
 * How long the kubelet waits before restart number `restartCount + 1`: the first restart is immediate,
 * then 10 s doubling up to 5 min; a container that ran 10 minutes or more starts over.
 */
export function restartDelay(restartCount: number, ranMs: number): number {
  if (restartCount === 0 || ranMs >= BACKOFF_RESET_MS) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** (restartCount - 1));
}

function running(
  c: api.Container,
  uid: string,
  restartCount: number,
  startedAt: number,
  lastState: api.ContainerState,
): api.ContainerStatus {
  const image = c.image ?? '';
  return {
    name: c.name,
    state: { running: { startedAt: rfc3339(new Date(startedAt)) } },
    lastState,
    ready: true,
    restartCount,
    image,
    imageID: hollowImageID(image),
    containerID: hollowContainerID(uid, c.name, restartCount),
    started: true,
  };
}

function completedInitContainer(
  c: api.Container,
  prev: api.ContainerStatus | undefined,
  uid: string,
  at: string,
): api.ContainerStatus {
  if (prev?.state?.terminated && prev.state.terminated.exitCode === 0) {
    return prev.ready && prev.started === false ? prev : { ...prev, ready: true, started: false };
  }
  const image = c.image ?? '';
  const containerID = hollowContainerID(uid, c.name, 0);
  return {
    name: c.name,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at, containerID } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image,
    imageID: hollowImageID(image),
    containerID,
    started: false,
  };
}

/** A sidecar of a finished pod: stopped when the app containers were done. */
function stopSidecar(cs: api.ContainerStatus, at: number): api.ContainerStatus {
  const run = cs.state?.running;
  if (!run) return cs.state?.terminated ? cs : { ...cs, ready: false, started: false };
  return {
    ...cs,
    state: {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        ...(run.startedAt ? { startedAt: run.startedAt } : {}),
        finishedAt: rfc3339(new Date(Math.max(at, run.startedAt ? Date.parse(run.startedAt) : at))),
        ...(cs.containerID ? { containerID: cs.containerID } : {}),
      },
    },
    ready: false,
    started: false,
  };
}

function lastFinish(statuses: api.ContainerStatus[]): number | undefined {
  let last: number | undefined;
  for (const cs of statuses) {
    const f = cs.state?.terminated?.finishedAt;
    if (f) last = Math.max(last ?? 0, Date.parse(f));
  }
  return last;
}

/** Upstream's getPhase over the app containers' statuses (hollow init containers always succeed). */
export function podPhase(statuses: api.ContainerStatus[], restartPolicy: string): string {
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  let unknown = 0;
  for (const cs of statuses) {
    const s = cs.state;
    if (s?.running) running++;
    else if (s?.terminated) {
      stopped++;
      if (s.terminated.exitCode === 0) succeeded++;
    } else if (s?.waiting) {
      if (cs.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function containersReadyCondition(
  spec: api.PodSpec,
  statuses: api.ContainerStatus[],
  phase: string,
): api.PodCondition {
  if (phase === 'Succeeded') return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const unready: string[] = [];
  const names = [
    ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
    ...spec.containers.map((c) => c.name),
  ];
  for (const name of names) {
    if (!statuses.find((s) => s.name === name)?.ready) unready.push(name);
  }
  if (unready.length > 0) {
    return {
      type: 'ContainersReady',
      status: 'False',
      reason: 'ContainersNotReady',
      message: `containers with unready status: [${unready.join(' ')}]`,
    };
  }
  return { type: 'ContainersReady', status: 'True' };
}

/** Upstream's GeneratePodReadyCondition: containers ready and every readiness gate's condition True. */
function readyCondition(
  spec: api.PodSpec,
  conditions: Map<string, api.PodCondition>,
  containersReady: api.PodCondition,
): api.PodCondition {
  if (containersReady.status !== 'True') {
    return {
      type: 'Ready',
      status: containersReady.status,
      ...(containersReady.reason ? { reason: containersReady.reason } : {}),
      ...(containersReady.message ? { message: containersReady.message } : {}),
    };
  }
  const unready: string[] = [];
  for (const gate of spec.readinessGates ?? []) {
    const c = conditions.get(gate.conditionType);
    if (!c)
      unready.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') {
      unready.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
    }
  }
  if (unready.length > 0) {
    return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: unready.join(', ') };
  }
  return { type: 'Ready', status: 'True' };
}

function withTransitionTime(
  c: api.PodCondition,
  prev: api.PodCondition | undefined,
  now: string,
): api.PodCondition {
  const at = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  return { ...c, lastTransitionTime: at };
}

function findStatus(list: api.ContainerStatus[] | undefined, name: string): api.ContainerStatus | undefined {
  if (!list) return undefined;
  for (const cs of list) if (cs.name === name) return cs;
  return undefined;
}

/**
 * A compact identity of the kubelet-owned part of a status, leaving out timestamps: two statuses with the
 * same signature differ at most in when things happened.
 */
export function statusSignature(pod: Pod, status: api.PodStatus): string {
  const parts: string[] = [
    status.phase ?? '',
    status.hostIP ?? '',
    status.podIP ?? '',
    status.startTime ? 'T' : '',
  ];
  const conds = status.conditions ?? [];
  for (const type of KUBELET_CONDITIONS) {
    const c = conds.find((x) => x.type === type);
    parts.push(c ? `${c.status}/${c.reason ?? ''}/${c.message ?? ''}` : '-');
  }
  const spec = pod.spec;
  for (const c of spec?.initContainers ?? [])
    parts.push(containerSignature(findStatus(status.initContainerStatuses, c.name)));
  for (const c of spec?.containers ?? [])
    parts.push(containerSignature(findStatus(status.containerStatuses, c.name)));
  return parts.join('|');
}

function containerSignature(cs: api.ContainerStatus | undefined): string {
  if (!cs) return '-';
  const s = cs.state ?? {};
  const state = s.running
    ? 'R'
    : s.terminated
      ? `T${s.terminated.exitCode}/${s.terminated.reason ?? ''}`
      : s.waiting
        ? `W${s.waiting.reason ?? ''}/${s.waiting.message ?? ''}`
        : '?';
  const last = cs.lastState?.terminated ? `T${cs.lastState.terminated.exitCode}` : '';
  return `${state},${last},${cs.restartCount},${cs.ready ? 1 : 0},${cs.started ? 1 : 0},${cs.image},${cs.imageID},${cs.containerID ?? ''}`;
}

const imageIDs = new Map<string, string>();

/** A stable fake digest reference for an image, shaped like a registry's: `repo@sha256:<hex>`. */
export function hollowImageID(image: string): string {
  let id = imageIDs.get(image);
  if (id === undefined) {
    if (image.includes('@')) id = image;
    else {
      const slash = image.lastIndexOf('/');
      const colon = image.lastIndexOf(':');
      const repo = colon > slash ? image.slice(0, colon) : image;
      id = `${repo}@sha256:${createHash('sha256').update(image).digest('hex')}`;
    }
    if (imageIDs.size >= 10_000) imageIDs.clear();
    imageIDs.set(image, id);
  }
  return id;
}

/** The containerID of one run of a container: stable for the pod uid, container name and restart count. */
export function hollowContainerID(uid: string, name: string, restartCount: number): string {
  return CONTAINER_ID_SCHEME + createHash('sha256').update(`${uid}/${name}/${restartCount}`).digest('hex');
}
