/**
 * @module OpenKruise lifecycle hooks: whether a pod is held by a hook (its labelsHandler labels or
 * finalizersHandler finalizers), the patches that move the lifecycle.apps.kruise.io/state label, and the
 * KruisePodReady "not ready" keys of markPodNotReady.
 */
import type { CloneSet, Pod } from '../../client/resources.js';
import { rfc3339 } from '../../util/clock.js';
import { LIFECYCLE_STATE_KEY, LIFECYCLE_TIMESTAMP_KEY, type LifecycleState } from './constants.js';
import { hasFinalizer } from './pod-util.js';

export type LifecycleHook = NonNullable<NonNullable<NonNullable<CloneSet['spec']>['lifecycle']>['preDelete']>;

/** Some label or finalizer of the hook is on the pod. */
export function isPodHooked(hook: LifecycleHook | undefined, pod: Pod): boolean {
  if (!hook) return false;
  if ((hook.finalizersHandler ?? []).some((f) => hasFinalizer(pod, f))) return true;
  return Object.entries(hook.labelsHandler ?? {}).some(([k, v]) => pod.metadata.labels?.[k] === v);
}

/** Every label and finalizer of the hook is on the pod (false without a hook). */
export function isPodAllHooked(hook: LifecycleHook | undefined, pod: Pod): boolean {
  if (!hook) return false;
  if (!(hook.finalizersHandler ?? []).every((f) => hasFinalizer(pod, f))) return false;
  return Object.entries(hook.labelsHandler ?? {}).every(([k, v]) => pod.metadata.labels?.[k] === v);
}

export function isLifecycleMarkPodNotReady(cs: CloneSet): boolean {
  const l = cs.spec?.lifecycle;
  return !!(l?.preDelete?.markPodNotReady || l?.inPlaceUpdate?.markPodNotReady);
}

/** Sets the state label and timestamp annotation on a pod (upstream's SetPodLifecycle). Mutates `pod`. */
export function setPodLifecycle(pod: Pod, state: LifecycleState, now: Date): void {
  pod.metadata.labels = { ...pod.metadata.labels, [LIFECYCLE_STATE_KEY]: state };
  pod.metadata.annotations = { ...pod.metadata.annotations, [LIFECYCLE_TIMESTAMP_KEY]: rfc3339(now) };
}

/** Strategic merge patch moving a pod to `state` (and, with a hook, re-adding its labels and finalizers). */
export function lifecyclePatch(state: LifecycleState, now: Date, hook?: LifecycleHook): object {
  const metadata: Record<string, unknown> = {
    labels: { [LIFECYCLE_STATE_KEY]: state, ...(hook ? hook.labelsHandler : {}) },
    annotations: { [LIFECYCLE_TIMESTAMP_KEY]: rfc3339(now) },
  };
  if (hook) metadata['finalizers'] = [...(hook.finalizersHandler ?? [])];
  return { metadata };
}

/** One entry of KruisePodReady's message: who holds the pod not ready. */
export interface NotReadyMessage {
  userAgent: string;
  key: string;
}

export const PREPARING_DELETE_HOOK_KEY = 'preDeleteHook';
export const PREPARING_UPDATE_HOOK_KEY = 'preUpdateHook';
export const LIFECYCLE_USER_AGENT = 'Lifecycle';

export function parseNotReadyMessages(message: string | undefined): NotReadyMessage[] {
  if (!message) return [];
  try {
    const v = JSON.parse(message) as unknown;
    return Array.isArray(v) ? (v as NotReadyMessage[]) : [];
  } catch {
    return [];
  }
}

/** The hook key markPodNotReady adds (true) or removes (false) for a state; undefined for no change. */
export function notReadyPolicy(state: LifecycleState): { key: string; add: boolean } | undefined {
  switch (state) {
    case 'PreparingDelete':
      return { key: PREPARING_DELETE_HOOK_KEY, add: true };
    case 'PreparingUpdate':
      return { key: PREPARING_UPDATE_HOOK_KEY, add: true };
    case 'Updated':
      return { key: PREPARING_UPDATE_HOOK_KEY, add: false };
    case 'PreparingNormal':
    case 'Normal':
    case 'Updating':
      return undefined;
  }
}
