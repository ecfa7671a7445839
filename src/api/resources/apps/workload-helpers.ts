/**
 * @module Shared building blocks for the apps, batch, policy and OpenKruise declarations: untyped JSON
 * accessors, upstream's field-error constructors, label-selector and int-or-percent validation, and the
 * pod-template rules every replica controller shares.
 */
import type { FieldError } from '../../errors.js';
import { isObject } from '../../object.js';
import { LabelSelectorError, selectorFromLabelSelector } from '../../labels.js';
import { isValidPercent } from '../../validation/names.js';
import {
  validateLabelSelector as metaValidateLabelSelector,
  validateLabels as metaValidateLabels,
} from '../../validation/meta.js';
import { defaultPersistentVolumeClaimSpec, validatePodTemplateSpec } from '../core/pod-spec.js';

export type Obj = Record<string, unknown>;

/** The value as a JSON object, or undefined. */
export function asObj(v: unknown): Obj | undefined {
  return isObject(v) ? v : undefined;
}

/** `parent[key]` as an object, created (or replaced when not an object) if needed. */
export function ensureObj(parent: Obj, key: string): Obj {
  const cur = parent[key];
  if (isObject(cur)) return cur;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function asStringMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = typeof val === 'string' ? val : String(val);
  return out;
}

/** Whether `v` is one of the strings in `list`. */
export function oneOf(v: unknown, list: readonly string[]): boolean {
  return typeof v === 'string' && list.includes(v);
}

/** Sets `obj[key] = value` when the field is absent (null counts as absent, as a nil pointer). */
export function setDefault(obj: Obj, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

/** Structural equality of JSON values; absent and undefined members are the same. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!deepEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

/** A deep copy of a JSON value. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

// Field errors, worded as upstream's field.Required / Invalid / NotSupported / Forbidden / ...

export function required(field: string, detail = ''): FieldError {
  return detail ? { type: 'FieldValueRequired', field, detail } : { type: 'FieldValueRequired', field };
}

export function invalid(field: string, badValue: unknown, detail: string): FieldError {
  const e: FieldError = { type: 'FieldValueInvalid', field, badValue: badValue ?? null };
  if (detail) e.detail = detail;
  return e;
}

/** An Invalid error whose message carries no value (upstream's field.OmitValueType). */
export function invalidNoValue(field: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail };
}

export function notSupported(field: string, badValue: unknown, valid: readonly string[]): FieldError {
  const e: FieldError = { type: 'FieldValueNotSupported', field, badValue: badValue ?? '' };
  if (valid.length > 0) e.detail = `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`;
  return e;
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

export function duplicate(field: string, badValue: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, badValue };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, badValue: actual, detail: `must have at most ${max} items` };
}

export function tooLong(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `may not be more than ${max} bytes` };
}

const NEGATIVE = 'must be greater than or equal to 0';

/** Upstream's ValidateNonnegativeField; absent values pass. */
export function nonNegative(v: unknown, field: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'number' || !Number.isInteger(v)) return [invalid(field, v, 'must be an integer')];
  return v < 0 ? [invalid(field, v, NEGATIVE)] : [];
}

/** Upstream's ValidateImmutableField. */
export function immutable(next: unknown, prev: unknown, field: string): FieldError[] {
  return deepEqual(next, prev) ? [] : [invalid(field, next, 'field is immutable')];
}

// IntOrString (maxSurge, maxUnavailable, minAvailable, partition): a JSON number or a string.

/** The value an IntOrString prints as (upstream's IntOrString.String). */
export function intOrStringText(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return '';
}

function percentValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return undefined;
  return Number.parseInt(v.slice(0, -1), 10);
}

/** Upstream's getIntOrPercentValue: the number before '%', the int, or Atoi of other strings (0 on error). */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v)) return Number.parseInt(v, 10);
  return 0;
}

/** Upstream's ValidatePositiveIntOrPercent. */
export function validatePositiveIntOrPercent(v: unknown, field: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((msg) => invalid(field, v, msg));
  if (typeof v === 'number' && Number.isInteger(v)) return nonNegative(v, field);
  return [invalid(field, v, "must be an integer or percentage (e.g '5%')")];
}

/** Upstream's IsNotMoreThan100Percent. */
export function notMoreThan100Percent(v: unknown, field: string): FieldError[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [invalid(field, v, 'must not be greater than 100%')] : [];
}

// Labels and label selectors (metav1 validation), tolerant of malformed JSON.

/** Upstream's metav1 ValidateLabels on an untyped map: the path names the map, not the key. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  return metaValidateLabels(asStringMap(labels), field);
}

/** Upstream's metav1 ValidateLabelSelector (strict: label values in expressions are checked). */
export function validateLabelSelector(sel: unknown, field: string): FieldError[] {
  const s = asObj(sel);
  if (!s) return [];
  const exprs = asArray(s.matchExpressions).map((raw) => {
    const e = asObj(raw) ?? {};
    return {
      key: asString(e.key) ?? '',
      operator: asString(e.operator) ?? '',
      values: asArray(e.values).map(String),
    };
  });
  return metaValidateLabelSelector(
    { matchLabels: asStringMap(s.matchLabels), matchExpressions: exprs },
    field,
  );
}

/** Whether a metav1.LabelSelector has no requirements at all. */
export function selectorIsEmpty(sel: unknown): boolean {
  const s = asObj(sel);
  if (!s) return true;
  const ml = asObj(s.matchLabels);
  return (ml ? Object.keys(ml).length : 0) + asArray(s.matchExpressions).length === 0;
}

/**
 * Whether `sel` (a metav1.LabelSelector) selects `labels`: undefined when the selector cannot be
 * converted (upstream's LabelSelectorAsSelector error).
 */
export function selectorMatches(sel: unknown, labels: unknown): boolean | undefined {
  try {
    const selector = selectorFromLabelSelector(asObj(sel) ?? null);
    if (selector.isEverything()) return true;
    return selector.matches(asStringMap(labels) ?? {});
  } catch (err) {
    if (err instanceof LabelSelectorError) return undefined;
    throw err;
  }
}

/** The message upstream gives when a controller's selector misses its own template. */
export const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

/**
 * The spec.selector rules of Deployment, ReplicaSet, StatefulSet and CloneSet: required, valid, and not
 * empty (`empty selector is invalid for <kind>`).
 */
export function validateRequiredSelector(sel: unknown, field: string, emptyDetail: string): FieldError[] {
  if (sel === undefined || sel === null) return [required(field)];
  const errs = validateLabelSelector(sel, field);
  if (selectorIsEmpty(sel)) errs.push(invalid(field, sel, emptyDetail));
  return errs;
}

/**
 * Upstream's ValidatePodTemplateSpecForReplicaSet (used by Deployment, ReplicaSet and DaemonSet): the
 * selector must match the template's labels, the template must be a valid pod template, restartPolicy
 * must be Always and activeDeadlineSeconds unset. `specPath` is the path of the spec holding both.
 */
export function validateReplicaTemplate(spec: Obj, specPath: string, ownerWord = 'ReplicaSet'): FieldError[] {
  const field = `${specPath}.template`;
  if (spec.template === undefined || spec.template === null) return [required(field)];
  const errs: FieldError[] = [];
  const t = asObj(spec.template) ?? {};
  const labels = asObj(t.metadata)?.labels;
  const matches = selectorMatches(spec.selector, labels);
  if (matches === undefined) {
    errs.push(invalid(`${specPath}.selector`, spec.selector, 'invalid label selector'));
    return errs;
  }
  if (!matches) errs.push(invalid(`${field}.metadata.labels`, labels ?? {}, SELECTOR_MISMATCH));
  errs.push(...validatePodTemplateSpec(spec.template, field));
  errs.push(...restartAlwaysRules(t, field, ownerWord));
  return errs;
}

/** restartPolicy Always and no activeDeadlineSeconds, as every long-running controller requires. */
export function restartAlwaysRules(template: Obj, field: string, ownerWord: string): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObj(template.spec) ?? {};
  if (spec.restartPolicy !== 'Always') {
    errs.push(notSupported(`${field}.spec.restartPolicy`, spec.restartPolicy ?? '', ['Always']));
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(
      forbidden(
        `${field}.spec.activeDeadlineSeconds`,
        `activeDeadlineSeconds in ${ownerWord} is not Supported`,
      ),
    );
  }
  return errs;
}

/**
 * Upstream's defaults for a PersistentVolumeClaim inside a workload's volumeClaimTemplates
 * (SetDefaults_PersistentVolumeClaim and its spec): volumeMode Filesystem, status.phase Pending.
 */
export function defaultClaimTemplate(claim: Obj): void {
  defaultPersistentVolumeClaimSpec(ensureObj(claim, 'spec'));
  setDefault(ensureObj(claim, 'status'), 'phase', 'Pending');
}

/** A spec field read through a typed path, e.g. `specOf(obj)`; always an object. */
export function specOf(o: Obj): Obj {
  return asObj(o.spec) ?? {};
}

/** The status object of `o`, or an empty one. */
export function statusOf(o: Obj): Obj {
  return asObj(o.status) ?? {};
}

/** An integer status counter, 0 when absent (Go's zero value in printers). */
export function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
