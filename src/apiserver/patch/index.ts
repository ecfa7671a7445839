/** @module The PATCH body engines: JSON patch, JSON merge patch and strategic merge patch. */
export { MAX_JSON_PATCH_OPERATIONS, jsonPatch } from './json-patch.js';
export { mergePatch } from './merge-patch.js';
export { strategicMergePatch } from './strategic-merge-patch.js';
export type { SchemaLookup } from './schema.js';
