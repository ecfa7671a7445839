/**
 * @module The selector default spreading constraints count pods with (upstream's helper.DefaultSelector): the
 * selectors of the Services selecting the pod, merged with its controlling ReplicationController, ReplicaSet or
 * StatefulSet's selector.
 */
import {
  type LabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  LabelSelectorError,
} from '../../../api/labels.js';
import type {
  ReplicaSet,
  ReplicationController,
  Service,
  StatefulSet,
} from '../../../api/openapi/generated/types.js';
import type { Pod } from '../../framework/types.js';

/**
 * Read access to the workload objects default constraints derive their selector from. The scheduler wires
 * these to its informers' caches; lookups must be cheap (they run in PreFilter/PreScore for pods without
 * their own spreading constraints).
 */
export interface WorkloadListers {
  /** Services in a namespace. */
  services(namespace: string): readonly Service[];
  replicationController(namespace: string, name: string): ReplicationController | undefined;
  replicaSet(namespace: string, name: string): ReplicaSet | undefined;
  statefulSet(namespace: string, name: string): StatefulSet | undefined;
}

/** Labels a StatefulSet controller sets per pod or per revision: never part of its selector. */
const PER_POD_LABELS = new Set([
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-revision-hash',
]);

function controllerOf(pod: Pod): { apiVersion: string; kind: string; name: string } | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.controller === true);
}

function requirementsOf(sel: Parameters<typeof selectorFromLabelSelector>[0]): LabelSelector | undefined {
  try {
    const s = selectorFromLabelSelector(sel);
    return s.isNothing() ? undefined : s;
  } catch (e) {
    if (e instanceof LabelSelectorError) return undefined;
    throw e;
  }
}

/**
 * The default spreading selector for `pod` (upstream's DefaultSelector). Without listers, a pod controlled by a
 * ReplicaSet, StatefulSet or ReplicationController is matched by its own labels (minus the per-pod ones a
 * StatefulSet adds), and any other pod gets the empty selector (no default spreading).
 */
export function defaultSelector(pod: Pod, listers: WorkloadListers | undefined): LabelSelector {
  const podLabels = pod.metadata.labels ?? {};
  const ns = pod.metadata.namespace ?? '';
  const owner = controllerOf(pod);
  if (listers === undefined) {
    if (!owner || !['ReplicaSet', 'StatefulSet', 'ReplicationController'].includes(owner.kind)) {
      return selectorFromSet({});
    }
    const own: Record<string, string> = {};
    for (const k in podLabels) if (!PER_POD_LABELS.has(k)) own[k] = podLabels[k]!;
    return selectorFromSet(own);
  }

  let labelSet: Record<string, string> = {};
  for (const svc of listers.services(ns)) {
    const sel = svc.spec?.selector;
    // A Service without a selector selects nothing (not everything).
    if (sel === undefined || sel === null) continue;
    if (selectorFromSet(sel).matches(podLabels)) labelSet = { ...labelSet, ...sel };
  }
  let selector = selectorFromSet(labelSet);
  if (!owner) return selector;

  const gv = owner.apiVersion;
  if (gv === 'v1' && owner.kind === 'ReplicationController') {
    const rc = listers.replicationController(ns, owner.name);
    if (rc) selector = selectorFromSet({ ...labelSet, ...(rc.spec?.selector ?? {}) });
  } else if (gv === 'apps/v1' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const obj =
      owner.kind === 'ReplicaSet' ? listers.replicaSet(ns, owner.name) : listers.statefulSet(ns, owner.name);
    const other = obj ? requirementsOf(obj.spec?.selector) : undefined;
    if (other) selector = selector.add(...other.requirements);
  }
  return selector;
}
