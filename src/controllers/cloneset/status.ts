/** @module CloneSet status as OpenKruise computes it from the pods, and whether it needs writing. */
import type { CloneSet, Pod } from '../../client/resources.js';
import { rfc3339 } from '../../util/clock.js';
import { partitionReplicas } from './int-or-percent.js';
import { equalToRevisionHash, isCloneSetPodAvailable, isPodUpdateReady } from './pod-util.js';

export type CloneSetStatus = NonNullable<CloneSet['status']>;
export type CloneSetCondition = NonNullable<CloneSetStatus['conditions']>[number];

/** Fills the pod counts, currentRevision (once every pod is updated) and expectedUpdatedReplicas. */
export function calculateStatus(
  cs: CloneSet,
  status: CloneSetStatus,
  pods: readonly Pod[],
  now: Date,
): CloneSetStatus {
  const minReadySeconds = cs.spec?.minReadySeconds ?? 0;
  const replicas = cs.spec?.replicas ?? 1;
  const update = status.updateRevision ?? '';
  status.replicas = 0;
  status.readyReplicas = 0;
  status.availableReplicas = 0;
  status.updatedReplicas = 0;
  status.updatedReadyReplicas = 0;
  status.updatedAvailableReplicas = 0;
  for (const pod of pods) {
    status.replicas++;
    const ready = isPodUpdateReady(pod, 0, now);
    const available = isCloneSetPodAvailable(pod, minReadySeconds, now);
    if (ready) status.readyReplicas++;
    if (available) status.availableReplicas++;
    if (equalToRevisionHash(pod, update)) {
      status.updatedReplicas++;
      if (ready) status.updatedReadyReplicas++;
      if (available) status.updatedAvailableReplicas++;
    }
  }
  // Every pod at the update revision and as many as wanted: it is the current one (readiness not needed).
  if (status.updatedReplicas === status.replicas && status.replicas === replicas) {
    status.currentRevision = status.updateRevision;
  }
  try {
    status.expectedUpdatedReplicas =
      replicas - partitionReplicas(cs.spec?.updateStrategy?.partition, replicas);
  } catch {
    // An unusable partition leaves the field as it was, as upstream.
  }
  return status;
}

/** upstream inconsistentStatus, plus the conditions (which upstream only writes along with other changes). */
export function statusChanged(old: CloneSetStatus | undefined, next: CloneSetStatus): boolean {
  const o = old ?? ({} as Partial<CloneSetStatus>);
  return (
    (next.observedGeneration ?? 0) > (o.observedGeneration ?? 0) ||
    next.replicas !== (o.replicas ?? 0) ||
    next.readyReplicas !== (o.readyReplicas ?? 0) ||
    next.availableReplicas !== (o.availableReplicas ?? 0) ||
    next.updatedReadyReplicas !== (o.updatedReadyReplicas ?? 0) ||
    next.updatedReplicas !== (o.updatedReplicas ?? 0) ||
    (next.updatedAvailableReplicas ?? 0) !== (o.updatedAvailableReplicas ?? 0) ||
    (next.expectedUpdatedReplicas ?? 0) !== (o.expectedUpdatedReplicas ?? 0) ||
    (next.updateRevision ?? '') !== (o.updateRevision ?? '') ||
    (next.currentRevision ?? '') !== (o.currentRevision ?? '') ||
    (next.labelSelector ?? '') !== (o.labelSelector ?? '') ||
    (next.collisionCount ?? 0) !== (o.collisionCount ?? 0) ||
    JSON.stringify(next.conditions ?? []) !== JSON.stringify(o.conditions ?? [])
  );
}

/**
 * Sets a condition by type: a new status replaces it (new transition time); the same status keeps the
 * transition time and takes the new message.
 */
export function setCondition(status: CloneSetStatus, type: string, message: string, now: Date): void {
  const conditions = [...(status.conditions ?? [])];
  const i = conditions.findIndex((c) => c.type === type);
  const old = i >= 0 ? conditions[i] : undefined;
  const next: CloneSetCondition = {
    type,
    status: 'True',
    lastTransitionTime:
      old?.status === 'True' && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now),
    message,
  };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  status.conditions = conditions;
}
