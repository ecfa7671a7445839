/**
 * @module Generic ObjectMeta validation on create and update, as upstream's
 * k8s.io/apimachinery/pkg/api/validation (ValidateObjectMeta, ValidateObjectMetaUpdate) and the
 * metav1 label / label-selector checks.
 */
import type { FieldError } from '../errors.js';
import type { ManagedFieldsEntry, ObjectMeta, OwnerReference } from '../object.js';
import type { LabelSelectorSpec } from '../labels.js';
import {
  isQualifiedName,
  isValidLabelValue,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  validateNamespaceName,
  validatePathSegmentName,
  type NameValidator,
} from './names.js';

export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
/** Upper bound on the summed byte length of all annotation keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;
export const FIELD_MANAGER_MAX_LENGTH = 128;
export const MAX_SUBRESOURCE_NAME_LENGTH = 256;
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

export type NameValidation = 'dns1123Subdomain' | 'dns1123Label' | 'dns1035Label' | 'pathSegment';

/** How a kind's metadata is checked on create. */
export interface ObjectMetaValidationOptions {
  /** Namespaced kinds require metadata.namespace; cluster-scoped kinds forbid it. */
  namespaced: boolean;
  /** Rule for metadata.name (and generateName as a prefix); a custom upstream-style ValidateNameFunc is accepted. */
  nameValidation: NameValidation | NameValidator;
  /** Path of the metadata in error messages; default `metadata`. */
  path?: string;
}

const NAME_VALIDATORS: Record<NameValidation, NameValidator> = {
  dns1123Subdomain: nameIsDNSSubdomain,
  dns1123Label: nameIsDNSLabel,
  dns1035Label: nameIsDNS1035Label,
  pathSegment: validatePathSegmentName,
};

function invalid(field: string, badValue: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, badValue, detail };
}

function required(field: string, detail?: string): FieldError {
  return detail ? { type: 'FieldValueRequired', field, detail } : { type: 'FieldValueRequired', field };
}

function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

function tooLong(field: string, maxLength: number): FieldError {
  return {
    type: 'FieldValueTooLong',
    field,
    detail: `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}`,
  };
}

function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function validateNonnegativeField(value: number, field: string): FieldError[] {
  return value < 0 ? [invalid(field, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/** Label keys must be qualified names and values valid label values; errors name the map, not the key. */
export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, field));
    for (const msg of isValidLabelValue(v)) errs.push(invalid(field, v, msg));
  }
  return errs;
}

export function validateLabelName(name: string, field: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalid(field, name, msg));
}

/** Annotation keys are qualified names (checked lower-cased); all keys and values total at most 256 KiB. */
export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(field, k, msg));
    total += byteLen(k) + byteLen(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

/** Upstream's schema.ParseGroupVersion, lenient: an unparsable apiVersion yields empty group and version. */
function splitAPIVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return { group: '', version: '' };
}

function validateOwnerReference(ref: OwnerReference, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const { group, version } = splitAPIVersion(ref.apiVersion ?? '');
  const kind = ref.kind ?? '';
  if (version.length === 0) {
    errs.push(invalid(`${field}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
  }
  if (kind.length === 0) errs.push(invalid(`${field}.kind`, kind, 'must not be empty'));
  if (!ref.name) errs.push(invalid(`${field}.name`, ref.name ?? '', 'must not be empty'));
  if (!ref.uid) errs.push(invalid(`${field}.uid`, ref.uid ?? '', 'must not be empty'));
  if (group === '' && version === 'v1' && kind === 'Event') {
    errs.push(invalid(field, ref, `${group}/${version}, Kind=${kind} is disallowed from being an owner`));
  }
  return errs;
}

/** Each reference needs apiVersion, kind, name and uid; at most one may be the controller. */
export function validateOwnerReferences(refs: OwnerReference[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    errs.push(...validateOwnerReference(ref, field));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        errs.push(
          invalid(
            field,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

export function validateFinalizerName(name: string, field: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalid(field, name, msg));
}

/** Finalizers are qualified names; `orphan` and `foregroundDeletion` exclude each other. */
export function validateFinalizers(finalizers: string[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) errs.push(...validateFinalizerName(f, field));
  if (list.includes(FINALIZER_ORPHAN_DEPENDENTS) && list.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(
      invalid(
        field,
        list,
        `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`,
      ),
    );
  }
  return errs;
}

/** Go's %#v of a []string. */
function goStringSlice(values: string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** While an object is being deleted its finalizers may only shrink. */
export function validateNoNewFinalizers(
  newFinalizers: string[] | undefined,
  oldFinalizers: string[] | undefined,
  field: string,
): FieldError[] {
  const old = new Set(oldFinalizers ?? []);
  const extra = [...new Set((newFinalizers ?? []).filter((f) => !old.has(f)))].sort();
  if (extra.length === 0) return [];
  return [
    forbidden(
      field,
      `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`,
    ),
  ];
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export function validateFieldManager(manager: string | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const m = manager ?? '';
  if (byteLen(m) > FIELD_MANAGER_MAX_LENGTH) errs.push(tooLong(field, FIELD_MANAGER_MAX_LENGTH));
  let pos = 0;
  for (const ch of m) {
    if (!PRINTABLE.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      errs.push(invalid(field, m, `invalid character U+${code} (at position ${pos})`));
    }
    pos += byteLen(ch);
  }
  return errs;
}

export function validateManagedFields(
  entries: ManagedFieldsEntry[] | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((e, i) => {
    const p = `${field}[${i}]`;
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      errs.push(invalid(`${p}.operation`, e.operation ?? '', 'must be `Apply` or `Update`'));
    }
    if (e.fieldsType && e.fieldsType !== 'FieldsV1') {
      errs.push(invalid(`${p}.fieldsType`, e.fieldsType, 'must be `FieldsV1`'));
    }
    errs.push(...validateFieldManager(e.manager, `${p}.manager`));
    if (byteLen(e.subresource ?? '') > MAX_SUBRESOURCE_NAME_LENGTH) {
      errs.push(tooLong(`${p}.subresource`, MAX_SUBRESOURCE_NAME_LENGTH));
    }
  });
  return errs;
}

/** Upstream's ValidateObjectMeta for create. */
export function validateObjectMeta(meta: ObjectMeta, opts: ObjectMetaValidationOptions): FieldError[] {
  const path = opts.path ?? 'metadata';
  const nameFn =
    typeof opts.nameValidation === 'function' ? opts.nameValidation : NAME_VALIDATORS[opts.nameValidation];
  const errs: FieldError[] = [];
  if (meta.generateName) {
    for (const msg of nameFn(meta.generateName, true)) {
      errs.push(invalid(`${path}.generateName`, meta.generateName, msg));
    }
  }
  if (!meta.name) {
    errs.push(required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const msg of nameFn(meta.name, false)) errs.push(invalid(`${path}.name`, meta.name, msg));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(required(`${path}.namespace`));
    else {
      for (const msg of validateNamespaceName(meta.namespace, false)) {
        errs.push(invalid(`${path}.namespace`, meta.namespace, msg));
      }
    }
  } else if (meta.namespace) {
    errs.push(forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(meta.generation ?? 0, `${path}.generation`));
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  errs.push(...validateManagedFields(meta.managedFields, `${path}.managedFields`));
  return errs;
}

function sameTime(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isNaN(ta) || Number.isNaN(tb) ? a === b : ta === tb;
}

/** An Invalid "field is immutable" error when `newVal` differs from `oldVal` (undefined and null are equal). */
export function validateImmutableField(newVal: unknown, oldVal: unknown, field: string): FieldError[] {
  const a = newVal ?? null;
  const b = oldVal ?? null;
  if (a === b || JSON.stringify(a) === JSON.stringify(b)) return [];
  return [invalid(field, a, FIELD_IMMUTABLE_ERROR_MSG)];
}

/**
 * Upstream's ValidateObjectMetaUpdate: name, namespace, uid, creationTimestamp, deletionTimestamp and
 * deletionGracePeriodSeconds are immutable; resourceVersion is required (callers doing an
 * unconditional update fill it in first); generation may not decrease; no finalizers may be added
 * while deleting; labels, annotations, ownerReferences and managedFields are re-checked.
 */
export function validateObjectMetaUpdate(
  meta: ObjectMeta,
  oldMeta: ObjectMeta,
  opts: { path?: string } = {},
): FieldError[] {
  const path = opts.path ?? 'metadata';
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    errs.push(...validateNoNewFinalizers(meta.finalizers, oldMeta.finalizers, `${path}.finalizers`));
  }
  if (!meta.resourceVersion) {
    errs.push(
      invalid(`${path}.resourceVersion`, meta.resourceVersion ?? '', 'must be specified for an update'),
    );
  }
  if ((meta.generation ?? 0) < (oldMeta.generation ?? 0)) {
    errs.push(invalid(`${path}.generation`, meta.generation ?? 0, 'must not be decremented'));
  }
  errs.push(...validateImmutableField(meta.name ?? '', oldMeta.name ?? '', `${path}.name`));
  errs.push(...validateImmutableField(meta.namespace ?? '', oldMeta.namespace ?? '', `${path}.namespace`));
  errs.push(...validateImmutableField(meta.uid ?? '', oldMeta.uid ?? '', `${path}.uid`));
  if (!sameTime(meta.creationTimestamp, oldMeta.creationTimestamp)) {
    errs.push(
      invalid(`${path}.creationTimestamp`, meta.creationTimestamp ?? null, FIELD_IMMUTABLE_ERROR_MSG),
    );
  }
  if (!sameTime(meta.deletionTimestamp, oldMeta.deletionTimestamp)) {
    errs.push(
      invalid(`${path}.deletionTimestamp`, meta.deletionTimestamp ?? null, FIELD_IMMUTABLE_ERROR_MSG),
    );
  }
  errs.push(
    ...validateImmutableField(
      meta.deletionGracePeriodSeconds,
      oldMeta.deletionGracePeriodSeconds,
      `${path}.deletionGracePeriodSeconds`,
    ),
  );
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateManagedFields(meta.managedFields, `${path}.managedFields`));
  return errs;
}

/** Switches of upstream's LabelSelectorValidationOptions. */
export interface LabelSelectorValidationOptions {
  allowInvalidLabelValueInSelector?: boolean;
  allowUnknownOperatorInRequirement?: boolean;
}

/** Upstream's metav1validation.ValidateLabelSelector, for spec.selector fields. */
export function validateLabelSelector(
  ps: LabelSelectorSpec | null | undefined,
  field: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  if (!ps) return [];
  const errs = validateLabels(ps.matchLabels, `${field}.matchLabels`);
  (ps.matchExpressions ?? []).forEach((expr, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
          );
        }
        break;
      default:
        if (!opts.allowUnknownOperatorInRequirement) {
          errs.push(invalid(`${p}.operator`, expr.operator, 'not a valid selector operator'));
        }
    }
    errs.push(...validateLabelName(expr.key, `${p}.key`));
    if (!opts.allowInvalidLabelValueInSelector) {
      values.forEach((v, j) => {
        for (const msg of isValidLabelValue(v)) errs.push(invalid(`${p}.values[${j}]`, v, msg));
      });
    }
  });
  return errs;
}
