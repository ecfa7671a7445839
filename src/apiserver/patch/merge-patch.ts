/**
 * @module RFC 7386 JSON merge patch (`application/merge-patch+json`) as kube-apiserver applies it:
 * objects merge key by key, `null` deletes, anything else (arrays included) replaces.
 */
import { badRequest, notAnObject } from './patch-errors.js';
import type { PatchOptions } from './options.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of a patch value with null object members dropped at every depth (array elements stay). */
export function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => (e === null ? null : pruneNulls(e)));
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, e] of Object.entries(v)) {
    if (e === null || k === '__proto__') continue;
    out[k] = pruneNulls(e);
  }
  return out;
}

function mergeValue(cur: unknown, patch: unknown): unknown {
  if (!isObj(cur)) return pruneNulls(patch);
  if (!isObj(patch)) return structuredClone(patch);
  mergeInto(cur, patch);
  return cur;
}

function mergeInto(doc: Obj, patch: Obj): void {
  for (const [k, v] of Object.entries(patch)) {
    if (k === '__proto__') continue;
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = doc[k];
    doc[k] = cur === undefined || cur === null ? pruneNulls(v) : mergeValue(cur, v);
  }
}

/**
 * Applies a decoded merge patch to a deep copy of `original` (to `original` itself with
 * `inPlace`) and returns it. A `null` or
 * scalar patch is a 400 ("Invalid JSON Patch"); an array patch replaces the document, which then
 * cannot be an object: a 422.
 */
export function mergePatch(
  original: Record<string, unknown>,
  patch: unknown,
  opts: PatchOptions = {},
): Record<string, unknown> {
  if (Array.isArray(patch)) throw notAnObject(pruneNulls(patch));
  if (!isObj(patch)) throw badRequest('Invalid JSON Patch');
  const doc = opts.inPlace ? original : structuredClone(original);
  mergeInto(doc, patch);
  return doc;
}
