/**
 * @module Pods (+status, binding, eviction, log, exec, attach, portforward, proxy,
 * ephemeralcontainers), the create-only `bindings` resource, and PodTemplates.
 */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef, StrategyContext, TableColumn } from '../../resource.js';
import { nameIsDNSSubdomain } from '../../validation/names.js';
import {
  ageColumn,
  column,
  containerCells,
  formatLabels,
  nameColumn,
  translateTimestamp,
} from '../table-helpers.js';
import {
  defaultPod,
  defaultPodTemplateSpec,
  podQOSClass,
  validateContainerOnlyForPod,
  validatePodSpecWith,
  validatePodSpecificAnnotations,
  validatePodTemplateSpec,
  validateTolerations,
} from './pod-spec.js';
import {
  type Obj,
  arr,
  child,
  deepEqual,
  duplicate,
  ensureObj,
  forbidden,
  index,
  invalid,
  keys,
  notSupported,
  num,
  obj,
  objs,
  required,
  str,
  validateImmutableField,
  validateQualifiedName,
} from './util.js';
import { validateIP } from '../../validation/names.js';

// ---- strategy ----

const SCHEDULING_GATED_MESSAGE = 'Scheduling is blocked due to non-empty scheduling gates';
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorAnnotationFor(profile: Obj): string {
  switch (profile.type) {
    case 'RuntimeDefault':
      return 'runtime/default';
    case 'Unconfined':
      return 'unconfined';
    case 'Localhost':
      return `localhost/${str(profile.localhostProfile)}`;
    default:
      return '';
  }
}

function appArmorFieldFor(annotation: string): Obj | undefined {
  if (annotation === 'runtime/default') return { type: 'RuntimeDefault' };
  if (annotation === 'unconfined') return { type: 'Unconfined' };
  if (annotation.startsWith('localhost/')) {
    const p = annotation.slice('localhost/'.length);
    return p.trim() === p && p !== '' ? { type: 'Localhost', localhostProfile: p } : undefined;
  }
  return undefined;
}

/** Upstream's applyAppArmorVersionSkew: keeps the deprecated annotations and the fields in step. */
function applyAppArmorVersionSkew(pod: KubeObject, spec: Obj): void {
  if (obj(spec.os)?.name === 'windows') return;
  const podProfile = obj(obj(spec.securityContext)?.appArmorProfile);
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const [c] of objs(spec[list])) {
      const k = APPARMOR_ANNOTATION_PREFIX + str(c.name);
      const annotations = pod.metadata.annotations;
      const containerProfile = obj(obj(c.securityContext)?.appArmorProfile);
      if (!annotations || !(k in annotations)) {
        const value = containerProfile
          ? appArmorAnnotationFor(containerProfile)
          : podProfile
            ? appArmorAnnotationFor(podProfile)
            : '';
        if (value) pod.metadata.annotations = { ...(annotations ?? {}), [k]: value };
      } else if (!containerProfile) {
        const field = appArmorFieldFor(annotations[k] ?? '');
        if (field && !deepEqual(field, podProfile)) ensureObj(c, 'securityContext').appArmorProfile = field;
      }
    }
  }
}

/** Upstream's mutatePodAffinity: matchLabelKeys/mismatchLabelKeys become selector requirements. */
function mutatePodAffinity(pod: KubeObject, spec: Obj): void {
  const labels = pod.metadata.labels ?? {};
  const affinity = obj(spec.affinity);
  if (!affinity) return;
  for (const k of ['podAffinity', 'podAntiAffinity']) {
    const pa = obj(affinity[k]);
    if (!pa) continue;
    const terms = [
      ...objs(pa.requiredDuringSchedulingIgnoredDuringExecution).map(([t]) => t),
      ...objs(pa.preferredDuringSchedulingIgnoredDuringExecution).map(([t]) => obj(t.podAffinityTerm) ?? {}),
    ];
    for (const term of terms) {
      const sel = obj(term.labelSelector);
      if (!sel) continue;
      for (const [lk, op] of [
        ...arr(term.matchLabelKeys).map((x) => [str(x), 'In'] as const),
        ...arr(term.mismatchLabelKeys).map((x) => [str(x), 'NotIn'] as const),
      ]) {
        if (!(lk in labels)) continue;
        const exprs = Array.isArray(sel.matchExpressions)
          ? sel.matchExpressions
          : (sel.matchExpressions = []);
        exprs.push({ key: lk, operator: op, values: [labels[lk]] });
      }
    }
  }
}

function prepareForCreate(pod: KubeObject): void {
  defaultPod(pod);
  const spec = ensureObj(pod, 'spec');
  const status: Obj = { phase: 'Pending', qosClass: podQOSClass(pod) };
  if (arr(spec.schedulingGates).length > 0) {
    status.conditions = [
      { type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: SCHEDULING_GATED_MESSAGE },
    ];
  }
  pod.status = status;
  mutatePodAffinity(pod, spec);
  applyAppArmorVersionSkew(pod, spec);
}

function prepareForUpdate(pod: KubeObject, old: KubeObject, ctx: StrategyContext): void {
  if (ctx.subresource === 'status') {
    pod.spec = old.spec;
    delete pod.metadata.deletionTimestamp;
    if (old.metadata.deletionTimestamp !== undefined)
      pod.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    if (old.metadata.ownerReferences) pod.metadata.ownerReferences = old.metadata.ownerReferences;
    else delete pod.metadata.ownerReferences;
    const status = ensureObj(pod, 'status');
    const oldQOS = obj(old.status)?.qosClass;
    if (!status.qosClass && oldQOS) status.qosClass = oldQOS;
  }
}

// ---- validation ----

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function seccompMatches(annotation: string, profile: Obj, field: string): FieldError | undefined {
  switch (profile.type) {
    case 'Unconfined':
      if (annotation !== 'unconfined')
        return forbidden(child(field, 'type'), 'seccomp type in annotation and field must match');
      break;
    case 'RuntimeDefault':
      if (annotation !== 'runtime/default' && annotation !== 'docker/default') {
        return forbidden(child(field, 'type'), 'seccomp type in annotation and field must match');
      }
      break;
    case 'Localhost':
      if (!annotation.startsWith('localhost/'))
        return forbidden(child(field, 'type'), 'seccomp type in annotation and field must match');
      if (annotation.slice('localhost/'.length) !== str(profile.localhostProfile)) {
        return forbidden(
          child(field, 'localhostProfile'),
          'seccomp profile in annotation and field must match',
        );
      }
  }
  return undefined;
}

function validateSeccompAnnotationsAndFields(
  annotations: Record<string, string>,
  spec: Obj,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const podProfile = obj(obj(spec.securityContext)?.seccompProfile);
  if (podProfile && SECCOMP_POD_ANNOTATION in annotations) {
    const e = seccompMatches(
      annotations[SECCOMP_POD_ANNOTATION] ?? '',
      podProfile,
      child(path, 'securityContext', 'seccompProfile'),
    );
    if (e) errs.push(e);
  }
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const [c, i] of objs(spec[list])) {
      const profile = obj(obj(c.securityContext)?.seccompProfile);
      const k = SECCOMP_CONTAINER_ANNOTATION_PREFIX + str(c.name);
      if (!profile || !(k in annotations)) continue;
      const e = seccompMatches(
        annotations[k] ?? '',
        profile,
        child(index(child(path, list), i), 'securityContext', 'seccompProfile'),
      );
      if (e) errs.push(e);
    }
  }
  return errs;
}

/** validatePodMetadataAndSpec minus the generic ObjectMeta checks. */
function validatePodMetadataAndSpec(pod: KubeObject): FieldError[] {
  const spec = obj(pod.spec) ?? {};
  const errs: FieldError[] = [];
  errs.push(...validatePodSpecificAnnotations(pod.metadata.annotations, spec, 'metadata.annotations'));
  errs.push(...validatePodSpecWith(spec, 'spec', { resourceIsPod: true, podMeta: pod.metadata as Obj }));
  if (!str(spec.serviceAccountName)) {
    for (const [v, vi] of objs(spec.volumes)) {
      for (const [src, si] of objs(obj(v.projected)?.sources)) {
        if (obj(src.serviceAccountToken)) {
          errs.push(
            forbidden(
              child(
                index(child(index('spec.volumes', vi), 'projected', 'sources'), si),
                'serviceAccountToken',
              ),
              'must not be specified when serviceAccountName is not set',
            ),
          );
        }
      }
    }
  }
  for (const list of ['containers', 'initContainers']) {
    for (const [c, i] of objs(spec[list]))
      errs.push(...validateContainerOnlyForPod(c, index(child('spec', list), i)));
  }
  return errs;
}

/** Upstream's ValidatePodCreate (ObjectMeta is validated generically). */
export function validatePodCreate(pod: KubeObject): FieldError[] {
  const spec = obj(pod.spec) ?? {};
  const errs = validatePodMetadataAndSpec(pod);
  if (arr(spec.ephemeralContainers).length > 0)
    errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec.nodeName) && arr(spec.schedulingGates).length > 0) {
    errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  errs.push(...validateSeccompAnnotationsAndFields(pod.metadata.annotations ?? {}, spec, 'spec'));
  return errs;
}

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validatePodSpecificAnnotationUpdates(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const na = pod.metadata.annotations ?? {};
  const oa = old.metadata.annotations ?? {};
  const field = 'metadata.annotations';
  for (const k of keys(oa)) {
    if (k in na && na[k] === oa[k]) continue;
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX))
      errs.push(forbidden(`${field}[${k}]`, 'may not remove or update AppArmor annotations'));
    if (k === 'kubernetes.io/config.mirror')
      errs.push(forbidden(`${field}[${k}]`, 'may not remove or update mirror pod annotation'));
  }
  for (const k of keys(na)) {
    if (k in oa) continue;
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX))
      errs.push(forbidden(`${field}[${k}]`, 'may not add AppArmor annotations'));
    if (k === 'kubernetes.io/config.mirror')
      errs.push(forbidden(`${field}[${k}]`, 'may not add mirror pod annotation'));
  }
  return errs;
}

function validateContainerUpdates(
  next: unknown,
  prev: unknown,
  field: string,
): { errs: FieldError[]; stop: boolean } {
  const n = objs(next);
  if (n.length !== arr(prev).length)
    return { errs: [forbidden(field, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  for (const [c, i] of n) {
    const image = str(c.image);
    if (!image) errs.push(required(child(index(field, i), 'image')));
    if (image.trim() !== image)
      errs.push(
        invalid(child(index(field, i), 'image'), image, 'must not have leading or trailing whitespace'),
      );
  }
  return { errs, stop: false };
}

function tolerationsOnlyAdded(next: unknown, prev: unknown, field: string): FieldError[] {
  // Compared as Go structs are: tolerationSeconds aside, and an absent field equal to its zero value.
  const comparable = (t: Obj): Obj =>
    Object.fromEntries(
      Object.entries(t).filter(
        ([k, v]) => k !== 'tolerationSeconds' && v !== undefined && v !== null && v !== '',
      ),
    );
  const n = objs(next).map(([t]) => comparable(t));
  for (const [o] of objs(prev)) {
    const old = comparable(o);
    const found = n.some((t) => deepEqual(old, t));
    if (!found)
      return [forbidden(field, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(next, field);
}

/** A short listing of where two values differ, standing in for upstream's cmp.Diff output. */
export function describeDiff(oldVal: unknown, newVal: unknown, path = 'spec', out: string[] = []): string[] {
  if (deepEqual(oldVal, newVal)) return out;
  const o = obj(oldVal);
  const n = obj(newVal);
  if (o && n) {
    for (const k of [...new Set([...Object.keys(o), ...Object.keys(n)])].sort())
      describeDiff(o[k], n[k], `${path}.${k}`, out);
    return out;
  }
  if (Array.isArray(oldVal) && Array.isArray(newVal) && oldVal.length === newVal.length) {
    oldVal.forEach((v, i) => describeDiff(v, newVal[i], `${path}[${i}]`, out));
    return out;
  }
  out.push(`- ${path}: ${JSON.stringify(oldVal ?? null)}`, `+ ${path}: ${JSON.stringify(newVal ?? null)}`);
  return out;
}

/** Upstream's ValidatePodUpdate (ObjectMeta update rules are generic). */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validatePodMetadataAndSpec(pod));
  errs.push(...validatePodSpecificAnnotationUpdates(pod, old));
  const spec = obj(pod.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  for (const list of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(spec[list], oldSpec[list], child('spec', list));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    const v = num(ads) ?? -1;
    if (v < 0 || v > 2147483647) {
      errs.push(invalid('spec.activeDeadlineSeconds', v, 'must be between 0 and 2147483647, inclusive'));
      return errs;
    }
    if (oldAds !== undefined && oldAds !== null && (num(oldAds) ?? 0) < v) {
      errs.push(invalid('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldAds !== undefined && oldAds !== null) {
    errs.push(
      invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'),
    );
  }
  errs.push(...tolerationsOnlyAdded(spec.tolerations, oldSpec.tolerations, 'spec.tolerations'));
  const newGates = objs(spec.schedulingGates);
  const oldGateNames = new Set(objs(oldSpec.schedulingGates).map(([g]) => str(g.name)));
  for (const [g, i] of newGates) {
    if (!oldGateNames.has(str(g.name))) {
      errs.push(
        forbidden(
          child(index('spec.schedulingGates', i), 'name'),
          `only deletion is allowed, but found new scheduling gate '${str(g.name)}'`,
        ),
      );
    }
  }
  if (deepEqual(spec, oldSpec)) return errs;

  const munged: Obj = structuredClone(spec);
  for (const list of ['containers', 'initContainers']) {
    const olds = arr(oldSpec[list]);
    for (const [c, i] of objs(munged[list])) {
      const oc = obj(olds[i]);
      if (oc && 'image' in oc) c.image = oc.image;
      else delete c.image;
    }
  }
  const copyFromOld = (k: string): void => {
    if (k in oldSpec) munged[k] = oldSpec[k];
    else delete munged[k];
  };
  copyFromOld('activeDeadlineSeconds');
  copyFromOld('schedulingGates');
  copyFromOld('tolerations');
  const oldTgps = num(oldSpec.terminationGracePeriodSeconds);
  if (oldTgps !== undefined && oldTgps < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldTgps;
  }
  if (arr(oldSpec.schedulingGates).length > 0) {
    const ns = obj(munged.nodeSelector) ?? {};
    const os = obj(oldSpec.nodeSelector) ?? {};
    if (!deepEqual(ns, os)) {
      if (Object.keys(os).some((k) => ns[k] !== os[k])) {
        errs.push(
          invalid(
            'spec.nodeSelector',
            ns,
            'only additions to spec.nodeSelector are allowed (no mutations or deletions)',
          ),
        );
      }
      copyFromOld('nodeSelector');
    }
    const na = obj(obj(munged.affinity)?.nodeAffinity);
    const oa = obj(obj(oldSpec.affinity)?.nodeAffinity);
    if (!deepEqual(na, oa)) {
      errs.push(...validateNodeAffinityMutation(na, oa));
      if (
        !obj(oldSpec.affinity) &&
        obj(munged.affinity) &&
        Object.keys(obj(munged.affinity) ?? {}).every((k) => k === 'nodeAffinity')
      ) {
        delete munged.affinity;
      } else if (obj(munged.affinity)) {
        const a = obj(munged.affinity) ?? {};
        if (oa) a.nodeAffinity = oa;
        else delete a.nodeAffinity;
      } else if (oa) munged.affinity = { nodeAffinity: oa };
    }
  }
  if (!deepEqual(munged, oldSpec)) {
    const diff = describeDiff(oldSpec, munged).join('\n');
    errs.push(
      forbidden(
        'spec',
        `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff}`,
      ),
    );
  }
  return errs;
}

function validateNodeAffinityMutation(next: Obj | undefined, prev: Obj | undefined): FieldError[] {
  const oldTerms = objs(obj(prev?.requiredDuringSchedulingIgnoredDuringExecution)?.nodeSelectorTerms).map(
    ([t]) => t,
  );
  if (oldTerms.length === 0) return [];
  const newTerms = objs(obj(next?.requiredDuringSchedulingIgnoredDuringExecution)?.nodeSelectorTerms).map(
    ([t]) => t,
  );
  const p = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms';
  if (oldTerms.length !== newTerms.length) {
    return [invalid(p, newTerms, 'no additions/deletions to non-empty NodeSelectorTerms list are allowed')];
  }
  const errs: FieldError[] = [];
  oldTerms.forEach((ot, i) => {
    const nt = newTerms[i] ?? {};
    let ok = true;
    for (const k of ['matchExpressions', 'matchFields']) {
      const o = arr(ot[k]);
      const n = arr(nt[k]);
      if (o.length > 0 && (n.length < o.length || !deepEqual(n.slice(0, o.length), o))) ok = false;
    }
    if (arr(ot.matchExpressions).length === 0 && arr(ot.matchFields).length === 0) {
      if (arr(nt.matchExpressions).length > 0 || arr(nt.matchFields).length > 0) ok = false;
    }
    if (!ok) errs.push(invalid(index(p, i), nt, 'only additions are allowed (no mutations or deletions)'));
  });
  return errs;
}

function validateContainerStateTransition(
  next: unknown,
  prev: unknown,
  field: string,
  restartPolicy: string,
  restartable: (name: string) => boolean = () => false,
): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  for (const [o, i] of objs(prev)) {
    const term = obj(obj(o.state)?.terminated);
    if (!term) continue;
    if ((num(term.exitCode) ?? 0) !== 0 && restartPolicy === 'OnFailure') continue;
    if (restartable(str(o.name))) continue;
    for (const [n] of objs(next)) {
      if (str(n.name) === str(o.name) && !obj(obj(n.state)?.terminated)) {
        errs.push(
          forbidden(child(index(field, i), 'state'), 'may not be transitioned to non-terminated state'),
        );
      }
    }
  }
  return errs;
}

function validateIPList(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const ips = objs(list).map(([x]) => str(x.ip));
  ips.forEach((ip, i) => errs.push(...validateIP(index(field, i), ip)));
  if (ips.length > 1 && errs.length === 0) {
    const v6 = ips.filter((ip) => ip.includes(':')).length;
    if (ips.length > 2 || v6 !== 1)
      errs.push(invalid(field, arr(list), 'may specify no more than one IP for each IP family'));
    const seen = new Set<string>();
    objs(list).forEach(([x, i]) => {
      if (seen.has(str(x.ip))) errs.push(duplicate(index(field, i), x));
      seen.add(str(x.ip));
    });
  }
  return errs;
}

const SYSTEM_POD_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** Upstream's ValidatePodStatusUpdate (ObjectMeta update rules are generic). */
export function validatePodStatusUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePodSpecificAnnotationUpdates(pod, old);
  const status = obj(pod.status) ?? {};
  const oldStatus = obj(old.status) ?? {};
  const spec = obj(pod.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  for (const [c, i] of objs(status.conditions)) {
    const t = str(c.type);
    if (!SYSTEM_POD_CONDITIONS.has(t))
      errs.push(...validateQualifiedName(t, child(index('metadata.conditions', i), 'Type')));
  }
  if (str(spec.nodeName) !== str(oldSpec.nodeName))
    errs.push(forbidden('status.nodeName', 'may not be changed directly'));
  const nnn = str(status.nominatedNodeName);
  if (nnn && nnn !== str(oldStatus.nominatedNodeName)) {
    for (const m of nameIsDNSSubdomain(nnn, false)) errs.push(invalid('status.nominatedNodeName', nnn, m));
  }
  errs.push(...validateImmutableField(status.qosClass ?? '', oldStatus.qosClass ?? '', 'status.qosClass'));
  const restartPolicy = str(oldSpec.restartPolicy);
  errs.push(
    ...validateContainerStateTransition(
      status.containerStatuses,
      oldStatus.containerStatuses,
      'status.containerStatuses',
      restartPolicy,
    ),
  );
  const restartableInit = new Set(
    objs(oldSpec.initContainers)
      .filter(([c]) => c.restartPolicy === 'Always')
      .map(([c]) => str(c.name)),
  );
  errs.push(
    ...validateContainerStateTransition(
      status.initContainerStatuses,
      oldStatus.initContainerStatuses,
      'status.initContainerStatuses',
      restartPolicy,
      (n) => restartableInit.has(n),
    ),
  );
  errs.push(
    ...validateContainerStateTransition(
      status.ephemeralContainerStatuses,
      oldStatus.ephemeralContainerStatuses,
      'status.ephemeralContainerStatuses',
      'Never',
    ),
  );
  errs.push(...validateIPList(status.podIPs, 'status.podIPs'));
  const hostIPs = objs(status.hostIPs);
  if (hostIPs.length > 0) {
    const first = str(hostIPs[0]![0].ip);
    if (str(status.hostIP) !== first)
      errs.push(invalid('status.hostIPs[0].ip', first, 'must be equal to `hostIP`'));
    errs.push(...validateIPList(status.hostIPs, 'status.hostIPs'));
  }
  return errs;
}

/** Upstream's ValidatePodEphemeralContainersUpdate, for the ephemeralcontainers subresource handler. */
export function validatePodEphemeralContainersUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePodMetadataAndSpec(pod);
  errs.push(...validatePodSpecificAnnotationUpdates(pod, old));
  if (old.metadata.annotations && 'kubernetes.io/config.mirror' in old.metadata.annotations) {
    return [forbidden('', 'static pods do not support ephemeral containers')];
  }
  const byName = new Map(objs(obj(pod.spec)?.ephemeralContainers).map(([c]) => [str(c.name), c]));
  for (const [o] of objs(obj(old.spec)?.ephemeralContainers)) {
    const n = byName.get(str(o.name));
    if (!n)
      errs.push(
        forbidden(
          'spec.ephemeralContainers',
          `existing ephemeral containers "${str(o.name)}" may not be removed\n`,
        ),
      );
    else if (!deepEqual(o, n)) {
      errs.push(
        forbidden(
          'spec.ephemeralContainers',
          `existing ephemeral containers "${str(o.name)}" may not be changed\n${describeDiff(o, n, 'container').join('\n')}`,
        ),
      );
    }
  }
  return errs;
}

/** Upstream's CheckGracefulDeleteStrategy for pods. */
export function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  const spec = obj(pod.spec) ?? {};
  const status = obj(pod.status) ?? {};
  let period = requested ?? num(spec.terminationGracePeriodSeconds) ?? 0;
  if (!str(spec.nodeName)) period = 0;
  if (status.phase === 'Failed' || status.phase === 'Succeeded') period = 0;
  if (period < 0) period = 1;
  return period;
}

// ---- table ----

interface PodRow {
  ready: string;
  status: string;
  restarts: string;
}

function terminatedAt(cs: Obj): number | undefined {
  const t = obj(obj(cs.lastState)?.terminated);
  if (!t) return undefined;
  const ts = Date.parse(str(t.finishedAt));
  return Number.isNaN(ts) ? 0 : ts;
}

function conditionTrue(status: Obj, type: string): boolean | undefined {
  for (const [c] of objs(status.conditions)) {
    if (c.type === type) return c.status === 'True';
  }
  return undefined;
}

/** Upstream's printPod: READY, STATUS and RESTARTS as kubectl shows them. */
export function podRow(pod: KubeObject, now: Date): PodRow {
  const spec = obj(pod.spec) ?? {};
  const status = obj(pod.status) ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = arr(spec.containers).length;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const [c] of objs(status.conditions)) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const restartable = new Set<string>();
  for (const [c] of objs(spec.initContainers)) {
    if (c.restartPolicy === 'Always') {
      restartable.add(str(c.name));
      totalContainers++;
    }
  }
  let initializing = false;
  const initStatuses = objs(status.initContainerStatuses);
  const initCount = arr(spec.initContainers).length;
  for (const [cs, i] of initStatuses) {
    const rc = num(cs.restartCount) ?? 0;
    restarts += rc;
    const t = terminatedAt(cs);
    if (t !== undefined && t > lastRestart) lastRestart = t;
    const isSidecar = restartable.has(str(cs.name));
    if (isSidecar) {
      sidecarRestarts += rc;
      if (t !== undefined && t > lastSidecarRestart) lastSidecarRestart = t;
    }
    const state = obj(cs.state) ?? {};
    const term = obj(state.terminated);
    const waiting = obj(state.waiting);
    if (term && (num(term.exitCode) ?? 0) === 0) continue;
    if (isSidecar && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (term) {
      if (!str(term.reason)) {
        reason = num(term.signal)
          ? `Init:Signal:${num(term.signal)}`
          : `Init:ExitCode:${num(term.exitCode) ?? 0}`;
      } else reason = `Init:${str(term.reason)}`;
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }
  if (!initializing || conditionTrue(status, 'Initialized') === true) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]![0];
      restarts += num(cs.restartCount) ?? 0;
      const t = terminatedAt(cs);
      if (t !== undefined && t > lastRestart) lastRestart = t;
      const state = obj(cs.state) ?? {};
      const waiting = obj(state.waiting);
      const term = obj(state.terminated);
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (term && str(term.reason)) reason = str(term.reason);
      else if (term)
        reason = num(term.signal) ? `Signal:${num(term.signal)}` : `ExitCode:${num(term.exitCode) ?? 0}`;
      else if (cs.ready === true && obj(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning)
      reason = conditionTrue(status, 'Ready') === true ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded')
    reason = 'Terminating';
  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart > 0) {
    restartsStr = `${restarts} (${translateTimestamp(new Date(lastRestart).toISOString(), now)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsStr };
}

function readinessGatesCell(pod: KubeObject): string {
  const spec = obj(pod.spec) ?? {};
  const status = obj(pod.status) ?? {};
  const gates = objs(spec.readinessGates);
  if (gates.length === 0) return '<none>';
  let trueCount = 0;
  for (const [g] of gates) {
    for (const [c] of objs(status.conditions)) {
      if (c.type === g.conditionType) {
        if (c.status === 'True') trueCount++;
        break;
      }
    }
  }
  return `${trueCount}/${gates.length}`;
}

const podTable: TableColumn[] = [
  nameColumn(),
  column('Ready', (o, now) => podRow(o, now).ready, {
    description: 'The aggregate readiness state of this pod for accepting traffic.',
  }),
  column('Status', (o, now) => podRow(o, now).status, {
    description: 'The aggregate status of the containers in this pod.',
  }),
  column('Restarts', (o, now) => podRow(o, now).restarts, {
    description:
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  }),
  ageColumn(),
  column('IP', (o) => str(obj(objs(obj(o.status)?.podIPs)[0]?.[0])?.ip) || '<none>', {
    priority: 1,
    description: 'IP address allocated to the pod.',
  }),
  column('Node', (o) => str(obj(o.spec)?.nodeName) || '<none>', {
    priority: 1,
    description: 'The node the pod is scheduled to.',
  }),
  column('Nominated Node', (o) => str(obj(o.status)?.nominatedNodeName) || '<none>', {
    priority: 1,
    description: 'The node the scheduler nominated for this pod during preemption.',
  }),
  column('Readiness Gates', readinessGatesCell, {
    priority: 1,
    description: 'Readiness gates of the pod that are true, of all.',
  }),
];

function podSelectableFields(pod: KubeObject): Record<string, string> {
  const spec = obj(pod.spec) ?? {};
  const status = obj(pod.status) ?? {};
  return {
    'spec.nodeName': str(spec.nodeName),
    'spec.restartPolicy': str(spec.restartPolicy),
    'spec.schedulerName': str(spec.schedulerName),
    'spec.serviceAccountName': str(spec.serviceAccountName),
    'spec.hostNetwork': String(spec.hostNetwork === true),
    'status.phase': str(status.phase),
    'status.podIP': str(obj(arr(status.podIPs)[0])?.ip),
    // Accepted as a field label upstream but never filled into the selectable set.
    'status.podIPs': '',
    'status.nominatedNodeName': str(status.nominatedNodeName),
  };
}

/**
 * Keeps status.podIP/podIPs and hostIP/hostIPs in step as upstream's v1 conversion does: the singular
 * field wins when both are set and differ, and each fills the other when only one is set.
 */
export function syncStatusIPs(pod: Record<string, unknown>): void {
  const status = obj(pod.status);
  if (!status) return;
  for (const [one, many] of [
    ['podIP', 'podIPs'],
    ['hostIP', 'hostIPs'],
  ] as const) {
    const single = str(status[one]);
    const first = str(obj(arr(status[many])[0])?.ip);
    if (single && single !== first) status[many] = [{ ip: single }];
    else if (!single && first) status[one] = first;
  }
}

export const podsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.Pod',
  subresources: {
    status: true,
    others: ['binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers'],
  },
  generation: false,
  returnDeletedObject: true,
  indexedFields: ['spec.nodeName'],
  defaults: (o) => {
    defaultPod(o);
    syncStatusIPs(o);
  },
  prepareForCreate,
  prepareForUpdate,
  validateCreate: validatePodCreate,
  validateUpdate: validatePodUpdate,
  validateStatusUpdate: validatePodStatusUpdate,
  allowCreateOnUpdate: false,
  gracePeriod: podGracePeriod,
  table: podTable,
  selectableFields: podSelectableFields,
};

/** Upstream's ValidatePodBinding. */
export function validateBinding(binding: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const target = obj(binding.target) ?? {};
  const kind = str(target.kind);
  if (kind && kind !== 'Node') errs.push(notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!str(target.name)) errs.push(required('target.name'));
  return errs;
}

export const bindingsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Binding',
  plural: 'bindings',
  singular: 'binding',
  namespaced: true,
  verbs: ['create'],
  schema: 'io.k8s.api.core.v1.Binding',
  validateCreate: validateBinding,
};

export const podTemplatesResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  schema: 'io.k8s.api.core.v1.PodTemplate',
  generation: true,
  defaults: (o) => defaultPodTemplateSpec(ensureObj(o, 'template')),
  validateCreate: (o) => validatePodTemplateSpec(o.template, 'template'),
  validateUpdate: (o) => validatePodTemplateSpec(o.template, 'template'),
  table: [
    nameColumn(),
    column('Containers', (o) => containerCells(obj(obj(o.template)?.spec)).names, {
      description: 'Names of each container in the template.',
    }),
    column('Images', (o) => containerCells(obj(obj(o.template)?.spec)).images, {
      description: 'Images referenced by each container in the template.',
    }),
    column('Pod Labels', (o) => formatLabels(obj(obj(o.template)?.metadata)?.labels), {
      description: 'The labels for the pod template.',
    }),
  ],
};
