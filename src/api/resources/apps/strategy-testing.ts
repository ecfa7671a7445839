/** @module Test helpers that drive a ResourceDef through the apiserver's create/update steps without storage. */
import { fieldErrorString } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';

export const TEST_NOW = new Date('2025-01-01T12:00:00Z');
export const TEST_UID = '7f3b0c52-2e1a-4b7c-9d6e-1a2b3c4d5e6f';

/** A deep copy with uid, namespace and creationTimestamp filled in as the apiserver would. */
export function prepared(def: ResourceDef, input: KubeObject): KubeObject {
  const obj = structuredClone(input);
  obj.metadata.uid ??= TEST_UID;
  if (def.namespaced) obj.metadata.namespace ??= 'default';
  obj.metadata.creationTimestamp ??= '2025-01-01T11:00:00Z';
  return obj;
}

/** prepareForCreate, defaults; returns the object as it would be stored. */
export function created(def: ResourceDef, input: KubeObject): KubeObject {
  const obj = prepared(def, input);
  def.prepareForCreate?.(obj, { now: TEST_NOW, subresource: '' });
  def.defaults?.(obj);
  return obj;
}

/** The create-time validation errors, formatted as in a Status message. */
export function createErrors(def: ResourceDef, input: KubeObject): string[] {
  return (def.validateCreate?.(created(def, input)) ?? []).map(fieldErrorString);
}

/** An update of `old` (already stored) to `next`: prepareForUpdate, defaults, validation. */
export function updated(
  def: ResourceDef,
  next: KubeObject,
  old: KubeObject,
  subresource = '',
): { obj: KubeObject; errors: string[] } {
  const obj = structuredClone(next);
  obj.metadata = { ...old.metadata, ...obj.metadata };
  def.prepareForUpdate?.(obj, old, { now: TEST_NOW, subresource });
  def.defaults?.(obj);
  const errs =
    subresource === 'status' && def.validateStatusUpdate
      ? def.validateStatusUpdate(obj, old)
      : (def.validateUpdate?.(obj, old) ?? []);
  return { obj, errors: errs.map(fieldErrorString) };
}

/** The table row of `obj`: header → cell, with or without the wide columns. */
export function row(
  def: ResourceDef,
  obj: KubeObject,
  wide = false,
  now = TEST_NOW,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const col of def.table ?? []) {
    if (col.priority > 0 && !wide) continue;
    out[col.name] = col.cell(obj, now);
  }
  return out;
}
