/**
 * @module Small shared pieces for the core/v1 declarations: loose readers over decoded JSON,
 * upstream-style FieldError constructors and path builders, and the validators for labels,
 * selectors, resource names and quantities that several kinds share.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FieldError } from '../../errors.js';
import { isObject } from '../../object.js';
import { Quantity, canonicalQuantity } from '../../quantity.js';
import type { LabelSelectorSpec } from '../../labels.js';
import {
  validateAnnotations as metaValidateAnnotations,
  validateLabelName as metaValidateLabelName,
  validateLabelSelector as metaValidateLabelSelector,
  validateLabels as metaValidateLabels,
} from '../../validation/meta.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  inclusiveRangeError,
} from '../../validation/names.js';
import { errorText } from '../../../util/errors.js';

export type Obj = Record<string, unknown>;

// ---- readers ----

/** The value as an object, or undefined. */
export function obj(v: unknown): Obj | undefined {
  return isObject(v) ? v : undefined;
}

/** The value as an array, or an empty one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The array's object elements paired with their indexes (non-objects read as `{}`). */
export function objs(v: unknown): Array<[Obj, number]> {
  return arr(v).map((x, i) => [isObject(x) ? x : {}, i]);
}

/** The value as a string; '' when absent or not a string. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The value as a finite number, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Sorted own keys of an object value (upstream iterates maps; sorting keeps errors deterministic). */
export function keys(v: unknown): string[] {
  return isObject(v) ? Object.keys(v).sort() : [];
}

/** Ensures `o[k]` is an object and returns it. */
export function ensureObj(o: Obj, k: string): Obj {
  const v = o[k];
  if (isObject(v)) return v;
  const n: Obj = {};
  o[k] = n;
  return n;
}

/** Sets `o[k] = v` when the key is absent (or null). */
export function setDefault(o: Obj, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** Sets `o[k] = v` when the key is absent, null or the empty string (Go's zero-value checks on strings). */
export function setDefaultString(o: Obj, k: string, v: string): void {
  if (o[k] === undefined || o[k] === null || o[k] === '') o[k] = v;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a ?? null, b ?? null);
}

// ---- paths ----

export function child(path: string, ...names: string[]): string {
  let p = path;
  for (const n of names) p = p ? `${p}.${n}` : n;
  return p;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

// ---- field errors, as upstream's field package ----

export function required(field: string, detail = ''): FieldError {
  const e: FieldError = { type: 'FieldValueRequired', field };
  if (detail) e.detail = detail;
  return e;
}

export function invalid(field: string, badValue: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, badValue, detail };
}

export function notSupported(field: string, badValue: unknown, valid: readonly string[]): FieldError {
  const e: FieldError = { type: 'FieldValueNotSupported', field, badValue };
  if (valid.length > 0) e.detail = `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`;
  return e;
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

export function duplicate(field: string, badValue: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, badValue };
}

export function notFound(field: string, badValue: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, badValue };
}

export function tooLong(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `may not be more than ${max} bytes` };
}

export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';
export const IS_NOT_POSITIVE_ERROR_MSG = 'must be greater than zero';

// ---- common validators ----

export function validateNonnegativeField(value: unknown, field: string): FieldError[] {
  const n = num(value);
  return n !== undefined && n < 0 ? [invalid(field, n, IS_NEGATIVE_ERROR_MSG)] : [];
}

export function validateImmutableField(newVal: unknown, oldVal: unknown, field: string): FieldError[] {
  return deepEqual(newVal, oldVal) ? [] : [invalid(field, newVal, FIELD_IMMUTABLE_ERROR_MSG)];
}

export function validateDNS1123Label(value: string, field: string): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(field, value, m));
}

export function validateDNS1123Subdomain(value: string, field: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => invalid(field, value, m));
}

export function validateQualifiedName(value: string, field: string): FieldError[] {
  return isQualifiedName(value).map((m) => invalid(field, value, m));
}

/** Upstream's ValidateLabelName: a qualified name. */
export function validateLabelName(name: string, field: string): FieldError[] {
  return metaValidateLabelName(name, field);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const k of Object.keys(v).sort()) out[k] = str(v[k]);
  return out;
}

/** Upstream's ValidateLabels over a decoded value (errors on `field`, keys in sorted order). */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  return metaValidateLabels(stringMap(labels), field);
}

/** Upstream's ValidateAnnotations over a decoded value. */
export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  return metaValidateAnnotations(stringMap(annotations), field);
}

/** Upstream's ValidateLabelSelector for a decoded metav1.LabelSelector (nil is valid). */
export function validateLabelSelector(
  sel: unknown,
  field: string,
  allowInvalidLabelValue = false,
): FieldError[] {
  if (!isObject(sel)) return [];
  const spec: LabelSelectorSpec = {};
  const ml = stringMap(sel.matchLabels);
  if (ml) spec.matchLabels = ml;
  if (Array.isArray(sel.matchExpressions)) {
    spec.matchExpressions = objs(sel.matchExpressions).map(([e]) => ({
      key: str(e.key),
      operator: str(e.operator),
      values: arr(e.values).map(str),
    }));
  }
  return metaValidateLabelSelector(spec, field, { allowInvalidLabelValueInSelector: allowInvalidLabelValue });
}

export function isValidUserID(v: number): string[] {
  return v >= 0 && v <= 2147483647 ? [] : [inclusiveRangeError(0, 2147483647)];
}

export const isValidGroupID = isValidUserID;

// ---- resource names (pkg/apis/core/helper) ----

export const RESOURCE_DEFAULT_NAMESPACE_PREFIX = 'kubernetes.io/';
const HUGE_PAGES_PREFIX = 'hugepages-';
const REQUESTS_HUGE_PAGES_PREFIX = 'requests.hugepages-';

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith(HUGE_PAGES_PREFIX);
}

/** Unprefixed names and names in the kubernetes.io/ namespace. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes(RESOURCE_DEFAULT_NAMESPACE_PREFIX);
}

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

const INTEGER_RESOURCES = new Set([
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

export function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

export function isStandardContainerResourceName(name: string): boolean {
  return STANDARD_CONTAINER_RESOURCES.has(name) || isHugePageResourceName(name);
}

function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith(HUGE_PAGES_PREFIX) || name.startsWith(REQUESTS_HUGE_PAGES_PREFIX);
}

const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'storage',
  'requests.storage',
  ...INTEGER_RESOURCES,
]);

export function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

const STANDARD_QUOTA_RESOURCES = new Set([...STANDARD_RESOURCES].filter((r) => r !== 'storage'));

export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

/** Upstream's validateResourceName: a qualified name; unprefixed names must be standard. */
export function validateResourceName(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) {
    errs.push(invalid(field, name, 'must be a standard resource type or fully qualified'));
  }
  return errs;
}

/** Upstream's validateContainerResourceName. */
export function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/')) {
    if (!isStandardContainerResourceName(name)) {
      errs.push(invalid(field, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

// ---- quantities ----

/** Parses a quantity (string or number as decoded from JSON); undefined when it is not one. */
export function parseQuantity(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return Quantity.parse(v);
  } catch {
    return undefined;
  }
}

/** The quantity's canonical string, or the input unchanged when it does not parse. */
export function canonical(v: unknown): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  try {
    return canonicalQuantity(v);
  } catch {
    return v;
  }
}

/** Rewrites every value of a resource list to its canonical string (as upstream serializes Quantities). */
export function canonicalizeResourceList(list: unknown): void {
  if (!isObject(list)) return;
  for (const k of Object.keys(list)) list[k] = canonical(list[k]);
}

/** The message upstream's JSON decoding gives for a bad quantity, for use as a field error detail. */
export function quantityError(v: unknown): string {
  try {
    Quantity.parse(v as string);
    return '';
  } catch (e) {
    return errorText(e);
  }
}

/**
 * Upstream's ValidateResourceQuantityValue: non-negative, and whole for integer resources. An
 * unparsable value is reported as invalid (upstream rejects it while decoding).
 */
export function validateResourceQuantityValue(name: string, value: unknown, field: string): FieldError[] {
  const q = parseQuantity(value);
  if (!q) return [invalid(field, value, quantityError(value) || 'must be a valid resource quantity')];
  const errs: FieldError[] = [];
  if (q.sign() < 0) errs.push(invalid(field, q.toString(), IS_NEGATIVE_ERROR_MSG));
  if (isIntegerResourceName(name) && q.milliValue() % 1000n !== 0n) {
    errs.push(invalid(field, q.toString(), 'must be an integer'));
  }
  return errs;
}
