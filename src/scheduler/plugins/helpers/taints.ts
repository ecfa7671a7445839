/** @module Taint and toleration matching (upstream's Toleration.ToleratesTaint and v1helper taint helpers). */
import type { Taint, Toleration } from '../../../api/openapi/generated/types.js';

export const TAINT_EFFECT_NO_SCHEDULE = 'NoSchedule';
export const TAINT_EFFECT_PREFER_NO_SCHEDULE = 'PreferNoSchedule';
export const TAINT_EFFECT_NO_EXECUTE = 'NoExecute';
/** The taint a cordoned node implies (spec.unschedulable). */
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/**
 * Whether one toleration tolerates a taint: an empty effect matches every effect, an empty key
 * (with operator Exists) every key; operator Equal (or empty) compares values, Exists ignores them.
 */
export function tolerationToleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator) {
    case undefined:
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Whether any of the tolerations tolerates the taint. */
export function tolerationsTolerateTaint(
  tolerations: readonly Toleration[] | undefined,
  taint: Taint,
): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (tolerationToleratesTaint(t, taint)) return true;
  return false;
}

/** Taints that keep pods off a node: NoSchedule and NoExecute (upstream's DoNotScheduleTaintsFilterFunc). */
export function doNotScheduleTaintsFilter(t: Taint): boolean {
  return t.effect === TAINT_EFFECT_NO_SCHEDULE || t.effect === TAINT_EFFECT_NO_EXECUTE;
}

/**
 * The first taint (among those `filter` accepts; all when absent) that no toleration tolerates, or
 * undefined when every such taint is tolerated.
 */
export function findMatchingUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  filter?: (t: Taint) => boolean,
): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if (filter && !filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
