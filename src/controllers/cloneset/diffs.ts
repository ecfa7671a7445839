/**
 * @module The CloneSet's scale and update arithmetic (OpenKruise's calculateDiffsWithExpectation): from the
 * spec and the pods, how many pods to create, delete and move between revisions in this round.
 */
import type { CloneSet, Pod } from '../../client/resources.js';
import { DEFAULT_MAX_UNAVAILABLE, SCALING_EXCLUDE_PREPARING_DELETE_KEY } from './constants.js';
import { intOrPercentOr, partitionReplicas } from './int-or-percent.js';
import {
  equalToRevisionHash,
  isCloneSetPodAvailable,
  isSpecifiedDelete,
  lifecycleState,
} from './pod-util.js';

/** OpenKruise feature gates that change the CloneSet's behaviour; all off by default, as upstream. */
export interface CloneSetFeatures {
  /** CloneSetPartitionRollback: raising the partition moves pods back to the current revision. */
  partitionRollback: boolean;
  /** PreparingUpdateAsUpdate: PreparingUpdate pods count as updated when scaling. */
  preparingUpdateAsUpdate: boolean;
  /** The controller-wide cloneset-scaling-exclude-preparing-delete flag. */
  scalingExcludePreparingDelete: boolean;
}

export const DEFAULT_FEATURES: CloneSetFeatures = Object.freeze({
  partitionRollback: false,
  preparingUpdateAsUpdate: false,
  scalingExcludePreparingDelete: false,
});

/** Whether a pod counts as at the update revision. */
export type IsPodUpdate = (pod: Pod, updateRevision: string) => boolean;

/** What one round should do; all zero means nothing. */
export interface ExpectationDiffs {
  /** Pods to create (before the scale maxUnavailable limit). */
  scaleUpNum: number;
  /** Of those, how many should be at the current (old) revision; may exceed scaleUpNum. */
  scaleUpNumOldRevision: number;
  /** Pods to delete, not counting those already marked for deletion. */
  scaleDownNum: number;
  /** Of those, how many should be old-revision pods; may exceed scaleDownNum. */
  scaleDownNumOldRevision: number;
  /** Creations allowed by scaleStrategy.maxUnavailable. */
  scaleUpLimit: number;
  /** Ready pods that may be deleted now (updateStrategy.maxUnavailable). */
  deleteReadyLimit: number;
  /** Pods above replicas used for surge now, and how many of them are old-revision pods. */
  useSurge: number;
  useSurgeOldRevision: number;
  /** Pods to move to the update revision (> 0) or back to the current one (< 0). */
  updateNum: number;
  /** Pods that may be unavailable while updating. */
  updateMaxUnavailable: number;
}

export function emptyDiffs(): ExpectationDiffs {
  return {
    scaleUpNum: 0,
    scaleUpNumOldRevision: 0,
    scaleDownNum: 0,
    scaleDownNumOldRevision: 0,
    scaleUpLimit: 0,
    deleteReadyLimit: 0,
    useSurge: 0,
    useSurgeOldRevision: 0,
    updateNum: 0,
    updateMaxUnavailable: 0,
  };
}

const MAX_INT32 = 2147483647;

/** revision.IsPodUpdate: at the update revision, or PreparingUpdate when the gate is on. */
export function isPodUpdateFor(features: CloneSetFeatures): IsPodUpdate {
  return (pod, updateRevision) =>
    (features.preparingUpdateAsUpdate && lifecycleState(pod) === 'PreparingUpdate') ||
    equalToRevisionHash(pod, updateRevision);
}

function scalingExcludesPreparingDelete(cs: CloneSet, features: CloneSetFeatures): boolean {
  return (
    features.scalingExcludePreparingDelete ||
    cs.metadata.labels?.[SCALING_EXCLUDE_PREPARING_DELETE_KEY] === 'true'
  );
}

export interface DiffOptions {
  now: Date;
  features?: CloneSetFeatures;
  /** Defaults to plain revision-hash equality (as the update path uses). */
  isPodUpdate?: IsPodUpdate;
}

/** Partition, maxSurge, maxUnavailable and scale maxUnavailable resolved against replicas. */
export function resolveLimits(cs: CloneSet): {
  replicas: number;
  partition: number;
  maxSurge: number;
  maxUnavailable: number;
  scaleMaxUnavailable: number;
} {
  const spec = cs.spec;
  const replicas = spec?.replicas ?? 1;
  const us = spec?.updateStrategy ?? {};
  let partition = 0;
  try {
    partition = partitionReplicas(us.partition, replicas);
  } catch {
    partition = 0;
  }
  let maxSurge = 0;
  if (us.maxSurge !== undefined && us.maxSurge !== null) {
    maxSurge = us.paused ? 0 : intOrPercentOr(us.maxSurge, replicas, true);
  }
  const maxUnavailable = intOrPercentOr(
    us.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
    replicas,
    maxSurge === 0,
  );
  const scaleMaxUnavailable = intOrPercentOr(
    spec?.scaleStrategy?.maxUnavailable ?? MAX_INT32,
    replicas,
    true,
  );
  return { replicas, partition, maxSurge, maxUnavailable, scaleMaxUnavailable };
}

/** OpenKruise's calculateDiffsWithExpectation. */
export function calculateDiffs(
  cs: CloneSet,
  pods: readonly Pod[],
  currentRevision: string,
  updateRevision: string,
  opts: DiffOptions,
): ExpectationDiffs {
  const features = opts.features ?? DEFAULT_FEATURES;
  const isPodUpdate = opts.isPodUpdate ?? ((p: Pod, rev: string) => equalToRevisionHash(p, rev));
  const minReadySeconds = cs.spec?.minReadySeconds ?? 0;
  const { replicas, partition, maxSurge, maxUnavailable, scaleMaxUnavailable } = resolveLimits(cs);
  const res = emptyDiffs();

  let newActive = 0;
  let oldCount = 0;
  let oldActive = 0;
  let newUnavailable = 0;
  let oldUnavailable = 0;
  let newToDelete = 0;
  let oldToDelete = 0;
  let newPreDeleting = 0;
  let oldPreDeleting = 0;
  for (const p of pods) {
    const isNew = isPodUpdate(p, updateRevision);
    if (!isNew) oldCount++;
    if (lifecycleState(p) === 'PreparingDelete') {
      if (isNew) newPreDeleting++;
      else oldPreDeleting++;
      continue;
    }
    if (isNew) newActive++;
    else oldActive++;
    if (isSpecifiedDelete(cs, p)) {
      if (isNew) newToDelete++;
      else oldToDelete++;
    } else if (!isCloneSetPodAvailable(p, minReadySeconds, opts.now)) {
      if (isNew) newUnavailable++;
      else oldUnavailable++;
    }
  }

  let updateOldDiff = oldActive - partition;
  let updateNewDiff = newActive - (replicas - partition);
  const totalUnavailable = newPreDeleting + oldPreDeleting + newUnavailable + oldUnavailable;
  if (updateRevision === currentRevision || !features.partitionRollback) {
    updateOldDiff = Math.max(updateOldDiff, 0);
    updateNewDiff = Math.min(updateNewDiff, 0);
  }

  if (maxSurge > 0) {
    let scaleSurge = 0;
    let scaleOldRevisionSurge = 0;
    const toDeleteCount = newToDelete + oldToDelete;
    if (toDeleteCount > 0) {
      scaleSurge = Math.min(Math.max(totalUnavailable + toDeleteCount - maxUnavailable, 0), toDeleteCount);
      if (scaleSurge > newToDelete) scaleOldRevisionSurge = scaleSurge - newToDelete;
    }
    let updateSurge = 0;
    let updateOldRevisionSurge = 0;
    if ((updateOldDiff > 0 && updateNewDiff < 0) || (updateOldDiff < 0 && updateNewDiff > 0)) {
      if (Math.abs(updateOldDiff) <= Math.abs(updateNewDiff)) {
        updateSurge = Math.abs(updateOldDiff);
        if (updateOldDiff < 0) updateOldRevisionSurge = updateSurge;
      } else {
        updateSurge = Math.abs(updateNewDiff);
        if (updateNewDiff > 0) updateOldRevisionSurge = updateSurge;
      }
    }
    // Scaling and updating never happen in one round, so only the larger need takes surge.
    if (scaleSurge >= updateSurge) {
      res.useSurge = Math.min(maxSurge, scaleSurge);
      res.useSurgeOldRevision = Math.min(res.useSurge, scaleOldRevisionSurge);
    } else {
      res.useSurge = Math.min(maxSurge, updateSurge);
      res.useSurgeOldRevision = Math.min(res.useSurge, updateOldRevisionSurge);
    }
  }

  let currentTotal = pods.length;
  let currentTotalOld = oldCount;
  if (scalingExcludesPreparingDelete(cs, features)) {
    currentTotal -= oldPreDeleting + newPreDeleting;
    currentTotalOld -= oldPreDeleting;
  }
  const expectedTotal = replicas + res.useSurge;
  const expectedTotalOld = partition + res.useSurgeOldRevision;

  if (expectedTotal - currentTotal > 0) {
    res.scaleUpNum = expectedTotal - currentTotal;
    res.scaleUpNumOldRevision = Math.max(expectedTotalOld - currentTotalOld, 0);
    res.scaleUpLimit = Math.min(res.scaleUpNum, Math.max(scaleMaxUnavailable - totalUnavailable, 0));
  }
  const down = currentTotal - oldToDelete - newToDelete - expectedTotal;
  if (down > 0) {
    res.scaleDownNum = down;
    res.scaleDownNumOldRevision = Math.max(currentTotalOld - oldToDelete - expectedTotalOld, 0);
  }
  if (newToDelete > 0 || oldToDelete > 0 || res.scaleDownNum > 0) {
    res.deleteReadyLimit = Math.max(maxUnavailable + (pods.length - replicas) - totalUnavailable, 0);
  }

  res.updateNum = Math.abs(updateOldDiff) <= Math.abs(updateNewDiff) ? updateOldDiff : -updateNewDiff;
  // Avoid -0 when updateNewDiff is 0.
  if (res.updateNum === 0) res.updateNum = 0;
  if (res.updateNum !== 0) res.updateMaxUnavailable = maxUnavailable + pods.length - replicas;
  return res;
}
