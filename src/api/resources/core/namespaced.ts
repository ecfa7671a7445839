/**
 * @module Namespaced core kinds besides pods, services and config: Events, PersistentVolumeClaims
 * (+status), ResourceQuotas (+status), LimitRanges and ReplicationControllers (+status, +scale).
 */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { isQualifiedName, nameIsDNSSubdomain } from '../../validation/names.js';
import {
  ageColumn,
  column,
  containerCells,
  formatLabels,
  nameColumn,
  translateTimestamp,
} from '../table-helpers.js';
import {
  defaultPersistentVolumeClaimSpec,
  defaultPodTemplateSpec,
  validatePersistentVolumeClaimSpec,
  validatePodTemplateSpec,
} from './pod-spec.js';
import {
  type Obj,
  arr,
  canonicalizeResourceList,
  child,
  deepEqual,
  duplicate,
  ensureObj,
  forbidden,
  index,
  invalid,
  isOvercommitAllowed,
  isStandardQuotaResourceName,
  key,
  keys,
  notSupported,
  num,
  obj,
  objs,
  parseQuantity,
  required,
  str,
  validateContainerResourceName,
  validateImmutableField,
  validateNonnegativeField,
  validateQualifiedName,
  validateResourceName,
  validateResourceQuantityValue,
  FIELD_IMMUTABLE_ERROR_MSG,
} from './util.js';

// ---- Events ----

const LIMITS = { reportingInstance: 128, action: 128, reason: 128, message: 1024 } as const;

/** Upstream's legacyValidateEvent for requests in core/v1 (ValidateEventCreate/Update stop there for v1). */
export function validateEvent(ev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata.namespace ?? '';
  const involved = obj(ev.involvedObject) ?? {};
  const involvedNs = str(involved.namespace);
  const eventTime = ev.eventTime;
  if (eventTime === undefined || eventTime === null || eventTime === '') {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default')
        errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs)
      errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') {
      errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
    const rc = str(ev.reportingComponent);
    if (!rc) errs.push(required('reportingComponent'));
    errs.push(...validateQualifiedName(rc, 'reportingComponent'));
    for (const k of ['reportingInstance', 'action', 'reason'] as const) {
      const v = str(ev[k]);
      if (!v) errs.push(required(k));
      if (v.length > LIMITS[k]) errs.push(invalid(k, '', `can have at most ${LIMITS[k]} characters`));
    }
    if (str(ev.message).length > LIMITS.message)
      errs.push(invalid('message', '', `can have at most ${LIMITS.message} characters`));
  }
  for (const m of nameIsDNSSubdomain(ns, false)) errs.push(invalid('namespace', ns, m));
  return errs;
}

interface EventTimes {
  first: string;
  last: string;
  count: number;
}

function eventTimes(ev: KubeObject, now: Date): EventTimes {
  let first = translateTimestamp(ev.firstTimestamp, now);
  if (!ev.firstTimestamp) first = translateTimestamp(ev.eventTime, now);
  let last = translateTimestamp(ev.lastTimestamp, now);
  if (!ev.lastTimestamp) last = first;
  let count = num(ev.count) ?? 0;
  const series = obj(ev.series);
  if (series) {
    last = translateTimestamp(series.lastObservedTime, now);
    count = num(series.count) ?? 0;
  } else if (count === 0) count = 1;
  return { first, last, count };
}

function eventObject(ev: KubeObject): string {
  const io = obj(ev.involvedObject) ?? {};
  const kind = str(io.kind).toLowerCase();
  return str(io.name) ? `${kind}/${str(io.name)}` : kind;
}

function eventSource(ev: KubeObject): string {
  const src = obj(ev.source) ?? {};
  const component = str(src.component) || str(ev.reportingComponent);
  const instance = str(src.host) || str(ev.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

export const eventsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.Event',
  allowCreateOnUpdate: true,
  validateCreate: validateEvent,
  validateUpdate: validateEvent,
  table: [
    column('Last Seen', (o, now) => eventTimes(o, now).last, {
      description: 'The time at which the most recent occurrence of this event was recorded.',
    }),
    column('Type', (o) => str(o.type), { description: 'Type of this event (Normal, Warning).' }),
    column('Reason', (o) => str(o.reason), {
      description: 'Short, machine understandable reason for the event.',
    }),
    column('Object', eventObject, { description: 'The object that this event is about.' }),
    column('Subobject', (o) => str(obj(o.involvedObject)?.fieldPath), {
      priority: 1,
      description: 'The part of the object the event is about.',
    }),
    column('Source', eventSource, { priority: 1, description: 'The component reporting this event.' }),
    column('Message', (o) => str(o.message).trim(), {
      description: 'A human-readable description of the status of this operation.',
    }),
    column('First Seen', (o, now) => eventTimes(o, now).first, {
      priority: 1,
      description: 'The time at which the event was first recorded.',
    }),
    column('Count', (o, now) => eventTimes(o, now).count, {
      priority: 1,
      description: 'The number of times this event has occurred.',
    }),
    { ...nameColumn(), priority: 1 },
  ],
  selectableFields: (o) => {
    const io = obj(o.involvedObject) ?? {};
    const src = obj(o.source) ?? {};
    return {
      'involvedObject.kind': str(io.kind),
      'involvedObject.namespace': str(io.namespace),
      'involvedObject.name': str(io.name),
      'involvedObject.uid': str(io.uid),
      'involvedObject.apiVersion': str(io.apiVersion),
      'involvedObject.resourceVersion': str(io.resourceVersion),
      'involvedObject.fieldPath': str(io.fieldPath),
      reason: str(o.reason),
      reportingComponent: str(o.reportingComponent),
      source: str(src.component) || str(o.reportingComponent),
      type: str(o.type),
    };
  },
};

// ---- PersistentVolumeClaims ----

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function defaultPVC(pvc: KubeObject): void {
  defaultPersistentVolumeClaimSpec(ensureObj(pvc, 'spec'));
  const status = ensureObj(pvc, 'status');
  if (!status.phase) status.phase = 'Pending';
  canonicalizeResourceList(status.capacity);
}

function validatePVCUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePersistentVolumeClaimSpec(obj(pvc.spec) ?? {}, 'spec');
  const spec: Obj = structuredClone(obj(pvc.spec) ?? {});
  const oldSpec: Obj = structuredClone(obj(old.spec) ?? {});
  if (!str(oldSpec.volumeName)) {
    if ('volumeName' in spec) oldSpec.volumeName = spec.volumeName;
    else delete oldSpec.volumeName;
  }
  const oldAnn = old.metadata.annotations ?? {};
  const newAnn = pvc.metadata.annotations ?? {};
  const oldSc = oldSpec.storageClassName;
  const newSc = spec.storageClassName;
  if (
    BETA_STORAGE_CLASS_ANNOTATION in oldAnn &&
    (oldSc === undefined || oldSc === null) &&
    typeof newSc === 'string' &&
    newSc === oldAnn[BETA_STORAGE_CLASS_ANNOTATION] &&
    (!(BETA_STORAGE_CLASS_ANNOTATION in newAnn) || newAnn[BETA_STORAGE_CLASS_ANNOTATION] === newSc)
  ) {
    delete spec.storageClassName;
  } else {
    if ((newAnn[BETA_STORAGE_CLASS_ANNOTATION] ?? '') !== (oldAnn[BETA_STORAGE_CLASS_ANNOTATION] ?? '')) {
      errs.push(
        invalid(
          `metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`,
          newAnn[BETA_STORAGE_CLASS_ANNOTATION] ?? '',
          FIELD_IMMUTABLE_ERROR_MSG,
        ),
      );
    }
    if (
      typeof newSc === 'string' &&
      (oldSc === undefined || oldSc === null) &&
      (!(BETA_STORAGE_CLASS_ANNOTATION in oldAnn) || newSc === oldAnn[BETA_STORAGE_CLASS_ANNOTATION])
    ) {
      delete spec.storageClassName;
    }
  }
  const bound = obj(pvc.status)?.phase === 'Bound';
  const requests = obj(obj(spec.resources)?.requests);
  if (bound && requests) {
    const oldStorage = obj(obj(oldSpec.resources)?.requests)?.storage;
    if (oldStorage === undefined) delete requests.storage;
    else requests.storage = oldStorage;
  }
  if (bound && 'volumeAttributesClassName' in spec) {
    if ('volumeAttributesClassName' in oldSpec)
      spec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
    else delete spec.volumeAttributesClassName;
  }
  if (!deepEqual(spec, oldSpec)) {
    errs.push(
      forbidden(
        'spec',
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      ),
    );
  }
  const newSize = parseQuantity(obj(obj(obj(pvc.spec)?.resources)?.requests)?.storage);
  const oldSize = parseQuantity(obj(obj(obj(old.spec)?.resources)?.requests)?.storage);
  const statusSize = parseQuantity(obj(obj(old.status)?.capacity)?.storage);
  if (newSize && oldSize && newSize.cmp(oldSize) < 0 && statusSize && newSize.cmp(statusSize) <= 0) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  errs.push(...validateImmutableField(obj(pvc.spec)?.volumeMode, obj(old.spec)?.volumeMode, 'volumeMode'));
  return errs;
}

function validatePVCStatusUpdate(pvc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (arr(obj(pvc.spec)?.accessModes).length === 0) errs.push(required('Spec.accessModes'));
  const capacity = obj(obj(pvc.status)?.capacity) ?? {};
  for (const r of keys(capacity)) {
    const q = parseQuantity(capacity[r]);
    if (q && q.value() < 0n)
      errs.push(invalid(key('status.capacity', r), Number(q.value()), 'must be a valid resource quantity'));
  }
  return errs;
}

/** Upstream's GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
export function accessModesString(modes: unknown): string {
  const list = arr(modes).map(str);
  const out: string[] = [];
  for (const [mode, abbr] of [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ] as const) {
    if (list.includes(mode)) out.push(abbr);
  }
  return out.join(',');
}

function pvcCells(pvc: KubeObject): { status: string; capacity: string; accessModes: string } {
  const spec = obj(pvc.spec) ?? {};
  const status = obj(pvc.status) ?? {};
  const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : str(status.phase);
  if (!str(spec.volumeName)) return { status: phase, capacity: '', accessModes: '' };
  const cap = obj(status.capacity)?.storage;
  const q = parseQuantity(cap);
  return {
    status: phase,
    capacity: q ? q.toString() : '0',
    accessModes: accessModesString(status.accessModes),
  };
}

export const persistentVolumeClaimsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  shortNames: ['pvc'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.PersistentVolumeClaim',
  subresources: { status: true },
  returnDeletedObject: true,
  defaults: defaultPVC,
  prepareForCreate: (o) => {
    o.status = { phase: 'Pending' };
  },
  validateCreate: (o) => validatePersistentVolumeClaimSpec(obj(o.spec) ?? {}, 'spec'),
  validateUpdate: validatePVCUpdate,
  validateStatusUpdate: validatePVCStatusUpdate,
  table: [
    nameColumn(),
    column('Status', (o) => pvcCells(o).status, { description: 'The phase of the claim.' }),
    column('Volume', (o) => str(obj(o.spec)?.volumeName), { description: 'The volume bound to the claim.' }),
    column('Capacity', (o) => pvcCells(o).capacity, {
      description: 'The actual resources of the underlying volume.',
    }),
    column('Access Modes', (o) => pvcCells(o).accessModes, {
      description: 'The access modes of the underlying volume.',
    }),
    column(
      'StorageClass',
      (o) => o.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? str(obj(o.spec)?.storageClassName),
      { description: 'StorageClass of the pvc' },
    ),
    column('VolumeAttributesClass', (o) => str(obj(o.spec)?.volumeAttributesClassName) || '<unset>', {
      description: 'VolumeAttributesClass of the pvc',
    }),
    ageColumn(),
    column('VolumeMode', (o) => str(obj(o.spec)?.volumeMode) || '<unset>', {
      priority: 1,
      description: 'The volume mode of the claim.',
    }),
  ],
};

// ---- ResourceQuotas ----

const QUOTA_SCOPES = [
  'BestEffort',
  'CrossNamespacePodAffinity',
  'NotBestEffort',
  'NotTerminating',
  'PriorityClass',
  'Terminating',
];
const POD_COMPUTE_QUOTA_RESOURCES = new Set([
  'cpu',
  'memory',
  'limits.cpu',
  'limits.memory',
  'requests.cpu',
  'requests.memory',
]);

function scopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
    case 'CrossNamespacePodAffinity':
      return resource === 'pods' || POD_COMPUTE_QUOTA_RESOURCES.has(resource);
    case 'BestEffort':
      return resource === 'pods';
    default:
      return true;
  }
}

function validateQuotaResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/') && !isStandardQuotaResourceName(name))
    errs.push(invalid(field, name, 'must be a standard resource for quota'));
  return errs;
}

function validateQuotaList(list: unknown, field: string): FieldError[] {
  const l = obj(list) ?? {};
  return keys(l).flatMap((k) => [
    ...validateQuotaResourceName(k, key(field, k)),
    ...validateResourceQuantityValue(k, l[k], key(field, k)),
  ]);
}

const CONFLICTING_SCOPES: Array<[string, string]> = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

function validateQuotaSpec(spec: Obj): FieldError[] {
  const errs = validateQuotaList(spec.hard, 'spec.hard');
  const hard = keys(spec.hard);
  const scopes = arr(spec.scopes).map(str);
  if (scopes.length > 0) {
    for (const s of scopes) {
      if (!QUOTA_SCOPES.includes(s)) errs.push(invalid('spec.scopes', scopes, 'unsupported scope'));
      for (const k of hard) {
        if (isStandardQuotaResourceName(k) && !scopeValidForResource(s, k))
          errs.push(invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
      }
    }
    for (const [a, b] of CONFLICTING_SCOPES) {
      if (scopes.includes(a) && scopes.includes(b))
        errs.push(invalid('spec.scopes', scopes, 'conflicting scopes'));
    }
  }
  const selector = obj(spec.scopeSelector);
  if (selector) {
    const p = 'spec.scopeSelector.matchExpressions';
    const seen = new Set<string>();
    for (const [req] of objs(selector.matchExpressions)) {
      const scope = str(req.scopeName);
      if (!QUOTA_SCOPES.includes(scope))
        errs.push(invalid(child(p, 'scopeName'), scope, 'unsupported scope'));
      for (const k of hard) {
        if (isStandardQuotaResourceName(k) && !scopeValidForResource(scope, k))
          errs.push(invalid(p, selector, 'unsupported scope applied to resource'));
      }
      const op = str(req.operator);
      if (
        [
          'BestEffort',
          'NotBestEffort',
          'Terminating',
          'NotTerminating',
          'CrossNamespacePodAffinity',
        ].includes(scope) &&
        op !== 'Exists'
      ) {
        errs.push(
          invalid(
            child(p, 'operator'),
            op,
            "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
          ),
        );
      }
      const values = arr(req.values);
      switch (op) {
        case 'In':
        case 'NotIn':
          if (values.length === 0) {
            errs.push(
              required(
                child(p, 'values'),
                "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
              ),
            );
          }
          break;
        case 'Exists':
        case 'DoesNotExist':
          if (values.length !== 0) {
            errs.push(
              invalid(
                child(p, 'values'),
                values,
                "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
              ),
            );
          }
          break;
        default:
          errs.push(invalid(child(p, 'operator'), op, 'not a valid selector operator'));
      }
      seen.add(scope);
    }
    for (const [a, b] of CONFLICTING_SCOPES) {
      if (seen.has(a) && seen.has(b)) errs.push(invalid(p, scopes, 'conflicting scopes'));
    }
  }
  return errs;
}

function quotaCells(q: KubeObject): { request: string; limit: string } {
  const status = obj(q.status) ?? {};
  const hard = obj(status.hard) ?? {};
  const used = obj(status.used) ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const u = parseQuantity(used[r]);
    const h = parseQuantity(hard[r]);
    const cell = `${r}: ${u ? u.toString() : '0'}/${h ? h.toString() : '0'}`;
    (r.split('.').length > 1 && r.split('.')[0] === 'limits' ? limit : request).push(cell);
  }
  return { request: request.join(', '), limit: limit.join(', ') };
}

export const resourceQuotasResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  shortNames: ['quota'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.ResourceQuota',
  subresources: { status: true },
  defaults: (o) => {
    canonicalizeResourceList(obj(o.spec)?.hard);
    const status = obj(o.status);
    canonicalizeResourceList(status?.hard);
    canonicalizeResourceList(status?.used);
  },
  prepareForCreate: (o) => {
    o.status = {};
  },
  validateCreate: (o) => validateQuotaSpec(obj(o.spec) ?? {}),
  validateUpdate: (o, old) => {
    const errs = validateQuotaSpec(obj(o.spec) ?? {});
    const scopes = arr(obj(o.spec)?.scopes).map(str);
    const oldScopes = arr(obj(old.spec)?.scopes).map(str);
    const a = new Set(scopes);
    const b = new Set(oldScopes);
    if (a.size !== b.size || [...a].some((s) => !b.has(s)))
      errs.push(invalid('spec.scopes', scopes, FIELD_IMMUTABLE_ERROR_MSG));
    return errs;
  },
  validateStatusUpdate: (o) => {
    const status = obj(o.status) ?? {};
    return [
      ...validateQuotaList(status.hard, 'status.hard'),
      ...validateQuotaList(status.used, 'status.used'),
    ];
  },
  table: [
    nameColumn(),
    column('Request', (o) => quotaCells(o).request, {
      description: 'Request represents a minimum amount of cpu/memory that a container may consume.',
    }),
    column('Limit', (o) => quotaCells(o).limit, {
      description:
        'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    }),
    ageColumn(),
  ],
};

// ---- LimitRanges ----

const LIMIT_LIST_FIELDS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

/** Upstream's SetDefaults_LimitRangeItem for Container items, plus canonical quantities. */
function defaultLimitRange(lr: KubeObject): void {
  for (const [item] of objs(obj(lr.spec)?.limits)) {
    for (const f of LIMIT_LIST_FIELDS) canonicalizeResourceList(item[f]);
    if (item.type !== 'Container') continue;
    const def = ensureObj(item, 'default');
    const defReq = ensureObj(item, 'defaultRequest');
    for (const [k, v] of Object.entries(obj(item.max) ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(obj(item.min) ?? {})) if (!(k in defReq)) defReq[k] = v;
  }
}

function validateLimitRangeResourceName(type: string, name: string, field: string): FieldError[] {
  return type === 'Pod' || type === 'Container'
    ? validateContainerResourceName(name, field)
    : validateResourceName(name, field);
}

function validateLimitRange(lr: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  for (const [item, i] of objs(obj(lr.spec)?.limits)) {
    const p = index('spec.limits', i);
    const type = str(item.type);
    const typeErrs = isQualifiedName(type).map((m) => invalid(child(p, 'type'), type, m));
    if (
      typeErrs.length === 0 &&
      !type.includes('/') &&
      !['Pod', 'Container', 'PersistentVolumeClaim'].includes(type)
    ) {
      typeErrs.push(invalid(child(p, 'type'), type, 'must be a standard limit type or fully qualified'));
    }
    errs.push(...typeErrs);
    if (types.has(type)) errs.push(duplicate(child(p, 'type'), type));
    types.add(type);
    const lists: Record<string, Obj> = {};
    const all = new Set<string>();
    for (const f of LIMIT_LIST_FIELDS) {
      const l = obj(item[f]) ?? {};
      lists[f] = l;
      if (type === 'Pod' && (f === 'default' || f === 'defaultRequest')) {
        if (Object.keys(l).length > 0)
          errs.push(forbidden(child(p, f), "may not be specified when `type` is 'Pod'"));
        lists[f] = {};
        continue;
      }
      for (const k of keys(l)) {
        errs.push(...validateLimitRangeResourceName(type, k, key(child(p, f), k)));
        all.add(k);
      }
    }
    if (type === 'PersistentVolumeClaim' && !('storage' in lists.min!) && !('storage' in lists.max!)) {
      errs.push(
        required(
          child(p, 'limits'),
          'either minimum or maximum storage value is required, but neither was provided',
        ),
      );
    }
    for (const k of [...all].sort()) {
      const q = (f: string) => parseQuantity(lists[f]![k]);
      const min = q('min');
      const max = q('max');
      const def = q('default');
      const defReq = q('defaultRequest');
      const ratio = q('maxLimitRequestRatio');
      const s = (x: { toString(): string }) => x.toString();
      if (min && max && min.cmp(max) > 0)
        errs.push(
          invalid(key(child(p, 'min'), k), s(min), `min value ${s(min)} is greater than max value ${s(max)}`),
        );
      if (defReq && min && min.cmp(defReq) > 0) {
        errs.push(
          invalid(
            key(child(p, 'defaultRequest'), k),
            s(defReq),
            `min value ${s(min)} is greater than default request value ${s(defReq)}`,
          ),
        );
      }
      if (defReq && max && defReq.cmp(max) > 0) {
        errs.push(
          invalid(
            key(child(p, 'defaultRequest'), k),
            s(defReq),
            `default request value ${s(defReq)} is greater than max value ${s(max)}`,
          ),
        );
      }
      if (defReq && def && defReq.cmp(def) > 0) {
        errs.push(
          invalid(
            key(child(p, 'defaultRequest'), k),
            s(defReq),
            `default request value ${s(defReq)} is greater than default limit value ${s(def)}`,
          ),
        );
      }
      if (def && min && min.cmp(def) > 0)
        errs.push(
          invalid(
            key(child(p, 'default'), k),
            s(min),
            `min value ${s(min)} is greater than default value ${s(def)}`,
          ),
        );
      if (def && max && def.cmp(max) > 0)
        errs.push(
          invalid(
            key(child(p, 'default'), k),
            s(max),
            `default value ${s(def)} is greater than max value ${s(max)}`,
          ),
        );
      if (ratio && ratio.milliValue() < 1000n) {
        errs.push(
          invalid(key(child(p, 'maxLimitRequestRatio'), k), s(ratio), `ratio ${s(ratio)} is less than 1`),
        );
      }
      if (ratio && min && max && min.milliValue() > 0n) {
        const limit = Number(max.milliValue()) / Number(min.milliValue());
        if (Number(ratio.milliValue()) / 1000 > limit) {
          errs.push(
            invalid(
              key(child(p, 'maxLimitRequestRatio'), k),
              s(ratio),
              `ratio ${s(ratio)} is greater than max/min = ${limit.toFixed(6)}`,
            ),
          );
        }
      }
      if (!isOvercommitAllowed(k) && def && defReq && def.cmp(defReq) !== 0) {
        errs.push(
          invalid(
            key(child(p, 'defaultRequest'), k),
            s(defReq),
            `default value ${s(def)} must equal to defaultRequest value ${s(defReq)} in ${k}`,
          ),
        );
      }
    }
  }
  return errs;
}

export const limitRangesResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  shortNames: ['limits'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.LimitRange',
  allowCreateOnUpdate: true,
  defaults: defaultLimitRange,
  validateCreate: validateLimitRange,
  validateUpdate: validateLimitRange,
  table: [
    nameColumn(),
    {
      name: 'Created At',
      type: 'date',
      description: 'The time the object was created.',
      priority: 0,
      cell: (o) => (typeof o.metadata.creationTimestamp === 'string' ? o.metadata.creationTimestamp : null),
    },
  ],
};

// ---- ReplicationControllers ----

/** Upstream's SetDefaults_ReplicationController plus template defaults. */
function defaultReplicationController(rc: KubeObject): void {
  const spec = ensureObj(rc, 'spec');
  const template = obj(spec.template);
  const labels = obj(template?.metadata)?.labels;
  if (obj(labels)) {
    if (Object.keys(obj(spec.selector) ?? {}).length === 0) spec.selector = { ...obj(labels) };
    if (Object.keys(rc.metadata.labels ?? {}).length === 0)
      rc.metadata.labels = { ...(labels as Record<string, string>) };
  }
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (template) defaultPodTemplateSpec(template);
}

function selectorMatches(selector: Obj, labels: unknown): boolean {
  const l = obj(labels) ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}

/** Upstream's ValidateReplicationControllerSpec. */
export function validateReplicationControllerSpec(rc: KubeObject): FieldError[] {
  const spec = obj(rc.spec) ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateNonnegativeField(spec.minReadySeconds, 'spec.minReadySeconds'));
  const selector = obj(spec.selector) ?? {};
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  errs.push(...validateNonnegativeField(spec.replicas, 'spec.replicas'));
  const template = obj(spec.template);
  if (!template) errs.push(required('spec.template'));
  else {
    const labels = obj(template.metadata)?.labels;
    if (Object.keys(selector).length > 0 && !selectorMatches(selector, labels)) {
      errs.push(
        invalid(
          'spec.template.metadata.labels',
          labels ?? null,
          '`selector` does not match template `labels`',
        ),
      );
    }
    errs.push(...validatePodTemplateSpec(template, 'spec.template'));
    const tspec = obj(template.spec) ?? {};
    if (str(tspec.restartPolicy) !== 'Always')
      errs.push(notSupported('spec.template.spec.restartPolicy', str(tspec.restartPolicy), ['Always']));
    if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
      errs.push(
        forbidden(
          'spec.template.spec.activeDeadlineSeconds',
          'activeDeadlineSeconds in ReplicationController is not Supported',
        ),
      );
    }
  }
  return errs;
}

function validateReplicationControllerStatus(rc: KubeObject): FieldError[] {
  const status = obj(rc.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of [
    'replicas',
    'fullyLabeledReplicas',
    'readyReplicas',
    'availableReplicas',
    'observedGeneration',
  ]) {
    errs.push(...validateNonnegativeField(status[k], `status.${k}`));
  }
  const n = (k: string) => num(status[k]) ?? 0;
  const msg = 'cannot be greater than status.replicas';
  for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
    if (n(k) > n('replicas')) errs.push(invalid(`status.${k}`, n(k), msg));
  }
  if (n('availableReplicas') > n('readyReplicas'))
    errs.push(
      invalid('status.availableReplicas', n('availableReplicas'), 'cannot be greater than readyReplicas'),
    );
  return errs;
}

export const replicationControllersResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  shortNames: ['rc'],
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.ReplicationController',
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' },
  },
  generation: true,
  defaults: defaultReplicationController,
  prepareForCreate: (o) => {
    o.status = { replicas: 0 };
  },
  validateCreate: validateReplicationControllerSpec,
  validateUpdate: validateReplicationControllerSpec,
  validateStatusUpdate: validateReplicationControllerStatus,
  table: [
    nameColumn(),
    column('Desired', (o) => num(obj(o.spec)?.replicas) ?? 0, {
      type: 'integer',
      description: 'Number of desired pods.',
    }),
    column('Current', (o) => num(obj(o.status)?.replicas) ?? 0, {
      type: 'integer',
      description: 'The most recently observed number of replicas.',
    }),
    column('Ready', (o) => num(obj(o.status)?.readyReplicas) ?? 0, {
      type: 'integer',
      description: 'The number of ready replicas.',
    }),
    ageColumn(),
    column('Containers', (o) => containerCells(obj(obj(obj(o.spec)?.template)?.spec)).names, {
      priority: 1,
      description: 'Names of each container in the template.',
    }),
    column('Images', (o) => containerCells(obj(obj(obj(o.spec)?.template)?.spec)).images, {
      priority: 1,
      description: 'Images referenced by each container in the template.',
    }),
    column('Selector', (o) => formatLabels(obj(o.spec)?.selector), {
      priority: 1,
      description: 'Label keys and values that pods must match.',
    }),
  ],
  selectableFields: (o) => ({ 'status.replicas': String(num(obj(o.status)?.replicas) ?? 0) }),
};
