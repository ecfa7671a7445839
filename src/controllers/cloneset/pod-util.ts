/** @module Pod predicates the CloneSet controller decides with: readiness, availability, revision, lifecycle. */
import type { CloneSet, Pod } from '../../client/resources.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  INPLACE_UPDATE_READY,
  LIFECYCLE_STATE_KEY,
  type LifecycleState,
  POD_TEMPLATE_HASH_LABEL,
  SPECIFIED_DELETE_KEY,
} from './constants.js';

export type PodCondition = NonNullable<NonNullable<Pod['status']>['conditions']>[number];

export function getPodCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** The Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return getPodCondition(pod, 'Ready')?.status === 'True';
}

/** podutil.IsPodAvailable: ready, and (with minReadySeconds) ready for longer than that. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const c = getPodCondition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  if (!c.lastTransitionTime) return false;
  return Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 < now.getTime();
}

export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

/** Not terminal and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function lifecycleState(pod: Pod): LifecycleState | '' {
  return (pod.metadata.labels?.[LIFECYCLE_STATE_KEY] ?? '') as LifecycleState | '';
}

/** The hash after the last '-' of a revision name. */
export function shortHash(revision: string): string {
  const i = revision.lastIndexOf('-');
  return i < 0 ? revision : revision.slice(i + 1);
}

/** The pod's controller-revision-hash names `revision` (in full or by its short hash). */
export function equalToRevisionHash(pod: Pod, revision: string): boolean {
  const hash = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  return hash === revision || shortHash(hash) === shortHash(revision);
}

/** Sets controller-revision-hash (full name) and pod-template-hash (short hash) on a labels map. */
export function writeRevisionHash(labels: Record<string, string>, revision: string): void {
  labels[CONTROLLER_REVISION_HASH_LABEL] = revision;
  labels[POD_TEMPLATE_HASH_LABEL] = shortHash(revision);
}

/** Running, available, and its InPlaceUpdateReady condition (if any) is True. */
export function isPodUpdateReady(pod: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isRunningAndAvailable(pod, minReadySeconds, now)) return false;
  const c = getPodCondition(pod, INPLACE_UPDATE_READY);
  return !c || c.status === 'True';
}

/** Available to the CloneSet: in no lifecycle state other than Normal, and update-ready. */
export function isCloneSetPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const state = lifecycleState(pod);
  if (state !== '' && state !== 'Normal') return false;
  return isPodUpdateReady(pod, minReadySeconds, now);
}

/** {@link isCloneSetPodAvailable} without minReadySeconds. */
export function isCloneSetPodReady(pod: Pod, now: Date): boolean {
  return isCloneSetPodAvailable(pod, 0, now);
}

/** Marked with the specified-delete label or listed in scaleStrategy.podsToDelete. */
export function isSpecifiedDelete(cs: CloneSet, pod: Pod): boolean {
  if (pod.metadata.labels && SPECIFIED_DELETE_KEY in pod.metadata.labels) return true;
  return cs.spec?.scaleStrategy?.podsToDelete?.includes(pod.metadata.name ?? '') ?? false;
}

export function hasFinalizer(pod: Pod, f: string): boolean {
  return pod.metadata.finalizers?.includes(f) ?? false;
}

export function hasReadinessGate(pod: Pod, type: string): boolean {
  return pod.spec?.readinessGates?.some((g) => g.conditionType === type) ?? false;
}

/** The largest restartCount of the pod's containers. */
export function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}
