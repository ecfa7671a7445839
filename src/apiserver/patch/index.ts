/** @module The PATCH body engines: JSON patch, JSON merge patch and strategic merge patch. */
export { MAX_JSON_PATCH_OPERATIONS, jsonPatch } from './json-patch.js';
export { mergePatch } from './merge-patch.js';
export { strategicMergePatch } from './strategic-merge-patch.js';
export type { SchemaLookup } from './schema.js';
export type { PatchOptions } from './options.js';

/** The four PATCH body formats, by request Content-Type. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The patch format a Content-Type names (parameters ignored), or undefined for any other type. */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return Object.hasOwn(PATCH_TYPES, base) ? PATCH_TYPES[base] : undefined;
}
