/**
 * @module The seam between the handlers and the patch/field-manager engines: one place that binds the
 * engines to the served schemas.
 */
import type { KubeObject } from '../../api/object.js';
import { getDefinition } from '../../api/openapi/index.js';
import { serverSideApply as applyConfiguration, updateManagedFields } from '../fieldmanager/index.js';
import type { BodyKind } from '../negotiation.js';
import type { FieldTracker } from '../object-store.js';
import { jsonPatch, mergePatch, type SchemaLookup, strategicMergePatch } from '../patch/index.js';

const lookup: SchemaLookup = getDefinition;

/**
 * Applies a JSON, merge or strategic merge patch to `current`, which must be the caller's private copy: it is
 * patched in place (a copy of a pod costs more than the patch itself) and may be the returned object.
 */
export function applyPatch(
  kind: Extract<BodyKind, 'json-patch' | 'merge-patch' | 'strategic-merge-patch'>,
  current: KubeObject,
  patch: unknown,
  rootDefinition: string,
): KubeObject {
  switch (kind) {
    case 'json-patch':
      return jsonPatch(current, patch, { inPlace: true }) as KubeObject;
    case 'merge-patch':
      return mergePatch(current, patch, { inPlace: true }) as KubeObject;
    case 'strategic-merge-patch':
      return strategicMergePatch(current, patch, rootDefinition, lookup, { inPlace: true }) as KubeObject;
  }
}

export interface ApplyRequest {
  manager: string;
  force: boolean;
  rootDefinition: string;
  apiVersion: string;
  kind: string;
  name: string;
  time: string;
  subresource: string;
  resetFields: ReadonlyArray<readonly string[]>;
}

/** Server-side apply of `applied` onto `current` (undefined to create). */
export function serverSideApply(
  current: KubeObject | undefined,
  applied: KubeObject,
  req: ApplyRequest,
): KubeObject {
  return applyConfiguration(current, applied, { ...req, lookup });
}

/** Records managedFields for ordinary writes. */
export const fieldTracker: FieldTracker = {
  trackUpdate(old, obj, opts) {
    updateManagedFields(old, obj, { ...opts, lookup });
  },
};
