/**
 * @module Pod predicates and orderings controllers share (upstream's podutil and controller_utils): ready,
 * available after minReadySeconds, active, and the order in which replicas are preferred for deletion.
 */
import type { OwnerReference } from '../../api/object.js';
import type { Pod, PodTemplateSpec } from '../../api/openapi/generated/types.js';
import { clone } from '../../api/resources/apps/workload-helpers.js';
import type { Pod as TypedPod } from '../../client/resources.js';

/** Annotation whose int32 value makes a pod cheaper (lower) or dearer (higher) to delete. */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** The Ready condition's lastTransitionTime if the pod is Ready, else undefined. */
export function podReadyTime(pod: Pod): string | undefined {
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'Ready') return c.status === 'True' ? (c.lastTransitionTime ?? '') : undefined;
  }
  return undefined;
}

export function isPodReady(pod: Pod): boolean {
  return podReadyTime(pod) !== undefined;
}

/** Ready, and (with minReadySeconds) ready for longer than that at `now`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const since = podReadyTime(pod);
  if (since === undefined) return false;
  if (!minReadySeconds) return true;
  if (!since) return false;
  return Date.parse(since) + minReadySeconds * 1000 < now.getTime();
}

/** Not finished (Succeeded/Failed) and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !!pod.metadata?.deletionTimestamp;
}

export function filterActivePods<P extends Pod>(pods: readonly P[]): P[] {
  return pods.filter(isPodActive);
}

/** The pod-deletion-cost annotation as an int32 (0 when absent or malformed). */
export function podDeletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v.trim())) return 0;
  const n = Number(v.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

export function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(pod: Pod): number {
  return PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;
}

function timeOf(t: string | null | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

/** True if t1 is later, or t1 is the zero time and t2 is not (upstream's afterOrZero). */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

/** Difference of floor(log2(now - t)) in nanoseconds, as upstream's logarithmic scale-down. */
function logRankDiff(t1: number, t2: number, now: number): number {
  const r = (t: number): number => {
    const d = (now - t) * 1e6;
    return d > 0 ? Math.floor(Math.log2(d)) : -1;
  };
  return r(t1) - r(t2);
}

/**
 * upstream's ActivePodsWithRanks.Less: true if `a` should be deleted before `b`. `rankA`/`rankB` count the
 * related active pods on each pod's node; `now` (ms) enables the logarithmic comparison of times.
 */
export function preferForDeletion(a: Pod, rankA: number, b: Pod, rankB: number, now: number): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  // 1. Unassigned before assigned.
  if (na !== nb && (na === '' || nb === '')) return na === '';
  // 2. Pending, then Unknown, then Running.
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa < pb;
  // 3. Not ready before ready.
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return !readyA;
  // 4. Lower deletion cost first.
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca < cb;
  // 5. More colocated siblings first.
  if (rankA !== rankB) return rankA > rankB;
  // 6. Ready for a shorter time first.
  if (readyA && readyB) {
    const ta = timeOf(podReadyTime(a));
    const tb = timeOf(podReadyTime(b));
    if (ta !== tb) {
      if (!now || ta === 0 || tb === 0) return afterOrZero(ta, tb);
      const d = logRankDiff(ta, tb, now);
      if (d === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
      return d < 0;
    }
  }
  // 7. More restarts first.
  const ra = maxContainerRestarts(a);
  const rb = maxContainerRestarts(b);
  if (ra !== rb) return ra > rb;
  // 8. Newer first.
  const ka = timeOf(a.metadata?.creationTimestamp);
  const kb = timeOf(b.metadata?.creationTimestamp);
  if (ka !== kb) {
    if (!now || ka === 0 || kb === 0) return afterOrZero(ka, kb);
    const d = logRankDiff(ka, kb, now);
    if (d === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
    return d < 0;
  }
  return false;
}

/**
 * The `count` pods to delete first out of `pods`, ranked by upstream's rules; `related` (a superset, e.g.
 * the pods of every ReplicaSet of the same Deployment) gives the per-node sibling counts.
 */
export function podsToDelete<P extends Pod>(
  pods: readonly P[],
  related: readonly Pod[],
  count: number,
  now: Date,
): P[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  const t = now.getTime();
  ranked.sort((x, y) =>
    preferForDeletion(x.pod, x.rank, y.pod, y.rank, t)
      ? -1
      : preferForDeletion(y.pod, y.rank, x.pod, x.rank, t)
        ? 1
        : 0,
  );
  return ranked.slice(0, count).map((r) => r.pod);
}

/**
 * A pod for a controller from its template (upstream's GetPodFromTemplate): template labels, annotations,
 * finalizers and spec; `generateName` `<controller>-`; the controller reference.
 */
export function podFromTemplate(
  template: PodTemplateSpec,
  namespace: string,
  generateName: string,
  controllerRef: OwnerReference,
): TypedPod {
  const meta = template.metadata ?? {};
  const pod: TypedPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace,
      generateName,
      ownerReferences: [controllerRef],
    },
    spec: clone(template.spec) ?? { containers: [] },
  };
  if (meta.labels) pod.metadata.labels = { ...meta.labels };
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}
