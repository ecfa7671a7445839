/** @module Status validation shared by the apps/v1 replica controllers. */
import type { FieldError } from '../../errors.js';
import { count, invalid, nonNegative } from './workload-helpers.js';
import type { Obj } from './workload-helpers.js';

type StatusKind = 'deployment' | 'replicaset' | 'statefulset' | 'daemonset';

const COUNTERS: Record<StatusKind, string[]> = {
  deployment: [
    'observedGeneration',
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
    'unavailableReplicas',
  ],
  replicaset: [
    'replicas',
    'fullyLabeledReplicas',
    'readyReplicas',
    'availableReplicas',
    'observedGeneration',
  ],
  statefulset: [
    'replicas',
    'readyReplicas',
    'currentReplicas',
    'updatedReplicas',
    'availableReplicas',
    'observedGeneration',
  ],
  daemonset: [
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
  ],
};

/** Counters that may not exceed status.replicas, per kind, in upstream's order. */
const BOUNDED: Record<StatusKind, string[]> = {
  deployment: ['updatedReplicas', 'readyReplicas', 'availableReplicas'],
  replicaset: ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
  statefulset: ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'],
  daemonset: [],
};

/**
 * Upstream's Validate<Kind>StatusUpdate: counters non-negative, bounded by status.replicas,
 * availableReplicas bounded by readyReplicas, and collisionCount never decremented.
 */
export function validateReplicaStatus(status: Obj, oldStatus: Obj, kind: StatusKind): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of COUNTERS[kind]) errs.push(...nonNegative(status[f], `status.${f}`));
  errs.push(...nonNegative(status.collisionCount, 'status.collisionCount'));
  const replicas = count(status.replicas);
  for (const f of BOUNDED[kind]) {
    if (count(status[f]) > replicas)
      errs.push(invalid(`status.${f}`, count(status[f]), 'cannot be greater than status.replicas'));
  }
  if (kind !== 'daemonset' && count(status.availableReplicas) > count(status.readyReplicas)) {
    const detail =
      kind === 'statefulset'
        ? 'cannot be greater than status.readyReplicas'
        : 'cannot be greater than readyReplicas';
    errs.push(invalid('status.availableReplicas', count(status.availableReplicas), detail));
  }
  if (kind !== 'replicaset') {
    const prev = oldStatus.collisionCount;
    const next = status.collisionCount;
    if (typeof prev === 'number' && (typeof next !== 'number' || next < prev)) {
      errs.push(invalid('status.collisionCount', count(next), 'cannot be decremented'));
    }
  }
  return errs;
}
