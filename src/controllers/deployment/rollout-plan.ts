/**
 * @module What a Deployment sync changes, as pure plans the controller then applies in order: growing the new
 * ReplicaSet within maxSurge, shrinking old ones within maxUnavailable (unhealthy replicas first), and the
 * proportional scaling of every active ReplicaSet on a scaling event (upstream's rolling.go and sync.go).
 */
import type { Deployment, ReplicaSet } from '../../client/resources.js';
import {
  availableReplicaCount,
  byCreationTimestamp,
  bySizeNewer,
  bySizeOlder,
  filterActive,
  findActiveOrLatest,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  replicaCount,
  specReplicas,
} from './deployment-util.js';

/** Set `rs` to `replicas`. `always` also rewrites the replicas annotations when the size is unchanged. */
export interface ScaleStep {
  rs: ReplicaSet;
  replicas: number;
  always?: boolean;
}

/** The new ReplicaSet's next size in a rolling update (upstream's reconcileNewReplicaSet), or undefined. */
export function planNewReplicaSet(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
): number | undefined {
  const replicas = specReplicas(d);
  const current = specReplicas(newRS);
  if (current === replicas) return undefined;
  if (current > replicas) return replicas;
  const next = newRSNewReplicas(d, allRSs, newRS);
  return next === current ? undefined : next;
}

/**
 * upstream's reconcileOldReplicaSets: how far old ReplicaSets may shrink without going below minAvailable,
 * counting the new ReplicaSet's unavailable pods against it. Unavailable old replicas go first (oldest
 * ReplicaSet first), then available ones. Steps are in application order; one ReplicaSet may appear twice.
 */
export function planOldReplicaSets(
  d: Deployment,
  allRSs: readonly ReplicaSet[],
  oldRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
): ScaleStep[] {
  const oldPods = replicaCount(oldRSs);
  if (oldPods === 0) return [];
  const allPods = replicaCount(allRSs);
  const unavailable = maxUnavailable(d);
  const minAvailable = specReplicas(d) - unavailable;
  const newRSUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return [];

  const steps: ScaleStep[] = [];
  // Current sizes as the steps apply.
  const size = new Map<ReplicaSet, number>(oldRSs.map((rs) => [rs, specReplicas(rs)]));
  const sorted = [...oldRSs].sort(byCreationTimestamp);

  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const replicas = size.get(rs)!;
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const down = Math.min(maxScaledDown - cleaned, replicas - available);
    size.set(rs, replicas - down);
    steps.push({ rs, replicas: replicas - down });
    cleaned += down;
  }

  const availableNow = availableReplicaCount([...oldRSs, newRS]);
  if (availableNow <= minAvailable) return steps;
  const total = availableNow - minAvailable;
  let done = 0;
  for (const rs of sorted) {
    if (done >= total) break;
    const replicas = size.get(rs)!;
    if (replicas === 0) continue;
    const down = Math.min(replicas, total - done);
    size.set(rs, replicas - down);
    steps.push({ rs, replicas: replicas - down });
    done += down;
  }
  return steps;
}

/**
 * upstream's scale: with one active (or only the latest) ReplicaSet, it takes the deployment's replicas; a
 * saturated new ReplicaSet zeroes the old ones; otherwise, for RollingUpdate, the difference to
 * replicas + maxSurge is shared out in proportion to each ReplicaSet's size (leftovers to the largest).
 */
export function planScale(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ScaleStep[] {
  const replicas = specReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    return specReplicas(activeOrLatest) === replicas ? [] : [{ rs: activeOrLatest, replicas }];
  }
  if (isSaturated(d, newRS)) {
    return filterActive(oldRSs)
      .filter((rs) => specReplicas(rs) !== 0)
      .map((rs) => ({ rs, replicas: 0 }));
  }
  if (!isRollingUpdate(d)) return [];
  const all = filterActive([...oldRSs, newRS]);
  const allowedSize = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - replicaCount(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, sizes[0]! + toAdd - added);
  return all.map((rs, i) => ({ rs, replicas: sizes[i]!, always: true }));
}
