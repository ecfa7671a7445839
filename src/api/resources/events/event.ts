/**
 * @module events.k8s.io/v1 Event: kept in the storage of core/v1 Events and converted field by field;
 * validation (the strict rules upstream applies to writes through this group; field paths name the core
 * fields, as upstream's do), the field selectors of this group and the same table as core/v1 events.
 */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { isQualifiedName } from '../../validation/names.js';
import { column, translateTimestamp } from '../table-helpers.js';
import { asObj, asString, deepEqual, immutable, invalid, required } from '../apps/workload-helpers.js';

/** events.k8s.io/v1 field → core/v1 field, for the fields whose names differ; the rest keep their names. */
const TO_CORE: Readonly<Record<string, string>> = {
  regarding: 'involvedObject',
  note: 'message',
  deprecatedSource: 'source',
  deprecatedFirstTimestamp: 'firstTimestamp',
  deprecatedLastTimestamp: 'lastTimestamp',
  deprecatedCount: 'count',
  reportingController: 'reportingComponent',
};

const FROM_CORE: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(TO_CORE).map(([events, core]) => [core, events]),
);

/** A shallow copy of `obj` with top-level fields renamed, in their original order. */
function renamed(obj: KubeObject, names: Readonly<Record<string, string>>): KubeObject {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[names[k] ?? k] = v;
  return out as KubeObject;
}

/** Upstream's conversion of an events.k8s.io/v1 Event into a core/v1 Event (the stored form). Lossless. */
export function eventToCore(obj: KubeObject): KubeObject {
  return renamed(obj, TO_CORE);
}

/** Upstream's conversion of a core/v1 Event into an events.k8s.io/v1 Event. Lossless. */
export function eventFromCore(obj: KubeObject): KubeObject {
  return renamed(obj, FROM_CORE);
}

/** Field selectors of events.k8s.io/v1 (upstream's field label conversions onto the core event's fields). */
export function eventSelectableFields(o: KubeObject): Record<string, string> {
  const r = asObj(o.regarding) ?? {};
  const src = asObj(o.deprecatedSource) ?? {};
  return {
    'regarding.kind': text(r.kind),
    'regarding.namespace': text(r.namespace),
    'regarding.name': text(r.name),
    'regarding.uid': text(r.uid),
    'regarding.apiVersion': text(r.apiVersion),
    'regarding.resourceVersion': text(r.resourceVersion),
    'regarding.fieldPath': text(r.fieldPath),
    reason: text(o.reason),
    reportingController: text(o.reportingController),
    source: text(src.component) || text(o.reportingController),
    type: text(o.type),
  };
}

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function set(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** The rules of upstream's legacyValidateEvent for an event with eventTime (every events.k8s.io/v1 event). */
function legacyRules(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const ns = obj.metadata.namespace ?? '';
  const regardingNs = text(asObj(obj.regarding)?.namespace);
  if (!set(obj.eventTime)) {
    if (regardingNs === '' ? ns !== '' && ns !== 'default' : ns !== regardingNs) {
      errs.push(invalid('involvedObject.namespace', regardingNs, 'does not match event.namespace'));
    }
    return errs;
  }
  if (regardingNs === '' && ns !== 'default' && ns !== 'kube-system') {
    errs.push(invalid('involvedObject.namespace', regardingNs, 'does not match event.namespace'));
  }
  const controller = text(obj.reportingController);
  if (controller === '') errs.push(required('reportingController'));
  for (const msg of isQualifiedName(controller)) errs.push(invalid('reportingController', controller, msg));
  const instance = text(obj.reportingInstance);
  if (instance === '') errs.push(required('reportingInstance'));
  if (instance.length > REPORTING_INSTANCE_LIMIT) {
    errs.push(invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
  }
  const action = text(obj.action);
  if (action === '') errs.push(required('action'));
  if (action.length > ACTION_LIMIT)
    errs.push(invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
  const reason = text(obj.reason);
  if (reason === '') errs.push(required('reason'));
  if (reason.length > REASON_LIMIT)
    errs.push(invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
  if (text(obj.note).length > NOTE_LIMIT)
    errs.push(invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  return errs;
}

function seriesRules(obj: KubeObject): FieldError[] {
  const series = asObj(obj.series);
  if (!series) return [];
  const errs: FieldError[] = [];
  if (typeof series.count !== 'number' || series.count < 2)
    errs.push(invalid('series.count', '', 'should be at least 2'));
  if (!set(series.lastObservedTime)) errs.push(required('series.lastObservedTime'));
  return errs;
}

/** Upstream's ValidateEventCreate for events.k8s.io/v1. */
export function validateEventCreate(obj: KubeObject): FieldError[] {
  const errs = [...legacyRules(obj), ...seriesRules(obj)];
  if (!set(obj.eventTime)) errs.push(required('eventTime'));
  if (obj.type !== 'Normal' && obj.type !== 'Warning') {
    errs.push(invalid('type', '', `has invalid value: ${text(obj.type)}`));
  }
  if (set(obj.deprecatedFirstTimestamp))
    errs.push(invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (set(obj.deprecatedLastTimestamp))
    errs.push(invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (typeof obj.deprecatedCount === 'number' && obj.deprecatedCount !== 0) {
    errs.push(invalid('deprecatedCount', '', 'needs to be unset'));
  }
  const source = asObj(obj.deprecatedSource);
  if (source && (set(source.component) || set(source.host)))
    errs.push(invalid('deprecatedSource', '', 'needs to be unset'));
  return errs;
}

/** Upstream's ValidateEventUpdate for events.k8s.io/v1: what happened may not change, only its series. */
export function validateEventUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = legacyRules(obj);
  if (!deepEqual(obj.series, old.series)) errs.push(...seriesRules(obj));
  const pairs: Array<[string, string]> = [
    ['regarding', 'involvedObject'],
    ['reason', 'reason'],
    ['note', 'message'],
    ['deprecatedSource', 'source'],
    ['deprecatedFirstTimestamp', 'firstTimestamp'],
    ['deprecatedLastTimestamp', 'lastTimestamp'],
    ['deprecatedCount', 'count'],
    ['type', 'type'],
    ['action', 'action'],
    ['related', 'related'],
    ['reportingController', 'reportingController'],
    ['reportingInstance', 'reportingInstance'],
  ];
  for (const [f, path] of pairs) errs.push(...immutable(obj[f], old[f], path));
  const t1 = typeof obj.eventTime === 'string' ? Date.parse(obj.eventTime) : NaN;
  const t0 = typeof old.eventTime === 'string' ? Date.parse(old.eventTime) : NaN;
  if (!(Number.isNaN(t1) && Number.isNaN(t0)) && t1 !== t0) {
    errs.push(invalid('eventTime', obj.eventTime, 'field is immutable'));
  }
  return errs;
}

function firstSeen(o: KubeObject, now: Date): string {
  return set(o.deprecatedFirstTimestamp)
    ? translateTimestamp(o.deprecatedFirstTimestamp, now)
    : translateTimestamp(o.eventTime, now);
}

function lastSeen(o: KubeObject, now: Date): string {
  const series = asObj(o.series);
  if (series) return translateTimestamp(series.lastObservedTime, now);
  return set(o.deprecatedLastTimestamp)
    ? translateTimestamp(o.deprecatedLastTimestamp, now)
    : firstSeen(o, now);
}

function countCell(o: KubeObject): number {
  const series = asObj(o.series);
  if (series) return typeof series.count === 'number' ? series.count : 0;
  const c = typeof o.deprecatedCount === 'number' ? o.deprecatedCount : 0;
  return c === 0 ? 1 : c;
}

function objectCell(o: KubeObject): string {
  const r = asObj(o.regarding) ?? {};
  const kind = text(r.kind).toLowerCase();
  const name = text(r.name);
  return name ? `${kind}/${name}` : kind;
}

function sourceCell(o: KubeObject): string {
  const src = asObj(o.deprecatedSource) ?? {};
  const component = text(src.component) || text(o.reportingController);
  const host = text(src.host) || text(o.reportingInstance);
  return host ? `${component}, ${host}` : component;
}

export const events: ResourceDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  schema: 'io.k8s.api.events.v1.Event',
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
  sharedStorage: {
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    toStorage: eventToCore,
    fromStorage: eventFromCore,
  },

  validateCreate: validateEventCreate,
  validateUpdate: validateEventUpdate,

  table: [
    column('Last Seen', lastSeen, { description: 'When the event was last seen.' }),
    column('Type', (o) => text(o.type), { description: 'Normal or Warning.' }),
    column('Reason', (o) => text(o.reason), { description: 'Why the event happened.' }),
    column('Object', objectCell, { description: 'The object the event is about.' }),
    column('Subobject', (o) => text(asObj(o.regarding)?.fieldPath), {
      priority: 1,
      description: 'The part of the object.',
    }),
    column('Source', sourceCell, { priority: 1, description: 'Who reported the event.' }),
    column('Message', (o) => text(o.note).trim(), { description: 'What happened.' }),
    column('First Seen', firstSeen, { priority: 1, description: 'When the event was first seen.' }),
    column('Count', countCell, { priority: 1, description: 'How many times it happened.' }),
    column('Name', (o) => asString(o.metadata.name) ?? '', {
      priority: 1,
      format: 'name',
      description: 'The event name.',
    }),
  ],
  selectableFields: eventSelectableFields,
};
