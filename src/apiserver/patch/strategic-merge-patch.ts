/**
 * @module Strategic merge patch (`application/strategic-merge-patch+json`), upstream's
 * k8s.io/apimachinery strategicpatch semantics on the server side: lists whose patch strategy is
 * `merge` merge by their merge key (primitive lists as sets), other lists are replaced, maps merge,
 * `null` deletes, and the directives `$patch`, `$setElementOrder/<list>`, `$retainKeys` and
 * `$deleteFromPrimitiveList/<list>` apply, with upstream's element-order rules.
 */
import { badRequest, patchRejected } from './patch-errors.js';
import { goTypeName, goValue } from './go-format.js';
import {
  definitionNode,
  lookupSliceField,
  lookupStructField,
  type SchemaLookup,
  type SchemaNode,
} from './schema.js';
import type { PatchOptions } from './options.js';

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const DELETE = 'delete';
const REPLACE = 'replace';
const MERGE = 'merge';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Upstream answers some strategic-merge failures with 400, some with its generic 422, and the rest as
 * unclassified errors; `kind` says which.
 */
class SmpError extends Error {
  constructor(
    message: string,
    readonly kind: 'badRequest' | 'unprocessable' | 'other' = 'other',
  ) {
    super(message);
  }
}

const errBadPatchFormatForPrimitiveList = (): SmpError =>
  new SmpError('invalid patch format of primitive list', 'badRequest');
const errBadPatchFormatForRetainKeys = (): SmpError =>
  new SmpError('invalid patch format of retainKeys', 'badRequest');
const errBadPatchFormatForSetElementOrderList = (): SmpError =>
  new SmpError('invalid patch format of setElementOrder list', 'badRequest');
const errNoListOfLists = (): SmpError => new SmpError('lists of lists are not supported', 'unprocessable');
const errNoMergeKey = (m: Obj, key: string): SmpError =>
  new SmpError(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
const errBadArgType = (expected: string, actual: unknown): SmpError =>
  new SmpError(`expected a ${expected}, but received a ${goTypeName(actual)}`);
const errBadPatchType = (t: unknown, m: Obj): SmpError =>
  new SmpError(`unknown patch type: ${typeof t === 'string' ? t : goValue(t)} in map: ${goValue(m)}`);

const MAP_TYPE = 'map[string]interface {}';
const SLICE_TYPE = '[]interface {}';

/** State shared by one whole merge (the definition lookup); the current schema node travels separately. */
interface Ctx {
  lookup: SchemaLookup;
}

/** A deep copy of patch content placed into the result: nulls dropped from maps, directives removed. */
function cleanValue(v: unknown): { keep: boolean; value: unknown } {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const e of v) {
      const c = cleanValue(e);
      if (c.keep) out.push(c.value);
    }
    return { keep: true, value: out };
  }
  if (!isObj(v)) return { keep: true, value: v };
  if (Object.hasOwn(v, DIRECTIVE)) return { keep: false, value: undefined };
  const out: Obj = {};
  for (const [k, e] of Object.entries(v)) {
    if (e === null || k === '__proto__' || isDirectiveKey(k)) continue;
    const c = cleanValue(e);
    if (c.keep) out[k] = c.value;
  }
  return { keep: true, value: out };
}

function isDirectiveKey(k: string): boolean {
  return (
    k === RETAIN_KEYS ||
    k.startsWith(`${SET_ELEMENT_ORDER}/`) ||
    k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)
  );
}

/** A copy of a replacing map or list: everything but nulls and directives. */
function cleanCopy(v: unknown): unknown {
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, e] of Object.entries(v)) {
      if (k === DIRECTIVE || e === null || k === '__proto__' || isDirectiveKey(k)) continue;
      const c = cleanValue(e);
      if (c.keep) out[k] = c.value;
    }
    return out;
  }
  return cleanValue(v).value;
}

type GoKind = 'map' | 'slice' | 'string' | 'int64' | 'float64' | 'bool' | 'nil';

function goKind(v: unknown): GoKind {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int64' : 'float64';
}

function extractRetainKeysPatchStrategy(strategies: string[]): string {
  switch (strategies.length) {
    case 0:
      return '';
    case 1:
      return strategies[0] === 'retainKeys' ? '' : strategies[0]!;
    case 2:
      if (strategies[0] === 'retainKeys') return strategies[1]!;
      if (strategies[1] === 'retainKeys') return strategies[0]!;
      break;
  }
  throw new SmpError(`unexpected patch strategy: ${goValue(strategies)}`);
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) throw errBadPatchFormatForPrimitiveList();
    throw errBadPatchFormatForSetElementOrderList();
  }
  return s.slice(slash + 1);
}

function handleDirectiveInMergeMap(directive: unknown, patch: Obj): Obj {
  if (directive === REPLACE) return cleanCopy(patch) as Obj;
  if (directive === DELETE) return {};
  throw errBadPatchType(directive, patch);
}

function applyRetainKeysDirective(original: Obj, patch: Obj): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw errBadPatchFormatForRetainKeys();
  const keep = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (k === RETAIN_KEYS || v === null) continue;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw errBadPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** The merge-key value of a list element, as upstream's lookups see it (absent reads as null). */
function keyOf(item: unknown, mergeKey: string): unknown {
  if (!isObj(item)) return null;
  return item[mergeKey] ?? null;
}

function indexIn(list: readonly unknown[], item: unknown, mergeKey: string, isMapKind: boolean): number {
  if (isMapKind) {
    const want = keyOf(item, mergeKey);
    return list.findIndex((e) => keyOf(e, mergeKey) === want);
  }
  return list.indexOf(item);
}

function validateMergeKeyInLists(mergeKey: string, ...lists: (readonly unknown[])[]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObj(item)) throw errBadArgType(MAP_TYPE, item);
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

function extractToDeleteItems(list: readonly unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const del: unknown[] = [];
  for (const v of list) {
    if (!isObj(v)) throw errBadArgType(MAP_TYPE, v);
    if (v[DIRECTIVE] === DELETE) del.push(v);
    else keep.push(v);
  }
  return [keep, del];
}

/** Sorts `toSort` by the position of its items in `order` (stable); deletion directives go last. */
function normalizeSliceOrder(
  toSort: unknown[],
  order: readonly unknown[],
  mergeKey: string,
  isMapKind: boolean,
): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (isMapKind) {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  const pos = items.map((item) => indexIn(order, item, mergeKey, isMapKind));
  const idx = items.map((_, i) => i);
  idx.sort((a, b) => {
    const pa = pos[a]!;
    const pb = pos[b]!;
    if (pa >= 0 && pb >= 0 && pa !== pb) return pa - pb;
    return a - b;
  });
  return [...idx.map((i) => items[i]), ...toDelete];
}

/**
 * Interleaves server-only items into the patch-ordered items: each server-only item goes before the
 * first patch item that follows it in the live list, keeping both lists' relative order.
 */
function mergeSortedSlice(
  left: readonly unknown[],
  right: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
  isMapKind: boolean,
): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      out.push(right[j++]);
    } else if (j >= right.length) {
      out.push(left[i++]);
    } else {
      const li = indexIn(serverOrder, left[i], mergeKey, isMapKind);
      const ri = indexIn(serverOrder, right[j], mergeKey, isMapKind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
  isMapKind: boolean,
): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, isMapKind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, isMapKind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, isMapKind);
}

function partitionPrimitives(list: readonly unknown[], by: readonly unknown[]): [unknown[], unknown[]] {
  const inBy = new Set(by);
  const yes: unknown[] = [];
  const no: unknown[] = [];
  for (const v of list) (inBy.has(v) ? yes : no).push(v);
  return [yes, no];
}

function findByKey(list: readonly unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isObj(v)) throw new SmpError(`value for key ${i} is not a map`);
    if (Object.hasOwn(v, mergeKey) && v[mergeKey] === value) return i;
  }
  return -1;
}

function partitionMaps(
  list: readonly unknown[],
  by: readonly unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const yes: unknown[] = [];
  const no: unknown[] = [];
  for (const v of list) {
    if (!isObj(v)) throw errBadArgType(MAP_TYPE, v);
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? yes : no).push(v);
  }
  return [yes, no];
}

/** The common element kind of the given lists, as upstream's sliceElementType. */
function sliceElementKind(...lists: (readonly unknown[])[]): GoKind {
  let prev: GoKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = goKind(v);
      if (prev === undefined) {
        prev = k;
        if (k === 'slice') throw errNoListOfLists();
      } else if (prev !== k) {
        throw new SmpError(`list element types are not identical: ${goValue(lists)}`);
      }
    }
  }
  if (prev === undefined) throw new SmpError('no elements in any of the given slices');
  return prev;
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isObj(left)) throw errBadArgType(MAP_TYPE, left);
  if (!isObj(right)) throw errBadArgType(MAP_TYPE, right);
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/** Checks that the patch list's items appear in the `$setElementOrder` list in the same relative order. */
function validatePatchWithSetOrderList(
  patchList: readonly unknown[],
  order: readonly unknown[],
  mergeKey: string,
): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey !== '' ? extractToDeleteItems(patchList)[0] : patchList;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < order.length) {
    const item = nonDelete[pi];
    if (isObj(item) && Object.hasOwn(item, DIRECTIVE)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[si], mergeKey)) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= order.length) {
    throw new SmpError(
      `The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValue(order)}\n`,
    );
  }
}

function deleteFromSlice(current: readonly unknown[], toDelete: readonly unknown[]): unknown[] {
  const del = new Set(toDelete);
  return current.filter((v) => !del.has(v));
}

/*
 * Upstream merges lists in place on Go slices, so the live list it later uses to order a
 * `$setElementOrder` list sees the deletions (shifted left) and the appends that fitted in the
 * slice's capacity. The helpers below reproduce that, with the capacity a decoded list gets from
 * Go's append growth (the next power of two).
 */
function goCap(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return n === 0 ? 0 : c;
}

/** Upstream's in-place scalar deduplication (it swaps the last element into each duplicate's slot). */
function dedupeInPlace(s: unknown[], length: number): number {
  let last = length - 1;
  for (let i = 0; i < last; i++) {
    for (let j = i + 1; j <= last; j++) {
      if (s[i] === s[j]) {
        s[j] = s[last];
        last--;
        j--;
      }
    }
  }
  return last + 1;
}

/** A merged list, and how the live list it came from reads afterwards (see above). */
interface SliceMerge {
  merged: unknown[];
  liveView: readonly unknown[];
}

function mergeSlice(
  original: unknown[],
  patch: readonly unknown[],
  schema: SchemaNode | undefined,
  mergeKey: string,
  isDeleteList: boolean,
  ctx: Ctx,
): SliceMerge {
  if (original.length === 0 && patch.length === 0) return { merged: original, liveView: original };
  const kind = sliceElementKind(original, patch);
  const n = original.length;
  const cap = goCap(n);
  if (kind !== 'map') {
    if (isDeleteList) return { merged: deleteFromSlice(original, patch), liveView: original };
    const both = [...original, ...patch];
    const len = dedupeInPlace(both, both.length);
    const inPlace = both.length <= cap;
    const serverOrder = inPlace ? both.slice(0, n) : original;
    const merged = both.slice(0, len);
    const [patchItems, serverOnly] = partitionPrimitives(merged, patch);
    return {
      merged: normalizeElementOrder(patchItems, serverOnly, patch, serverOrder, mergeKey, false),
      liveView: serverOrder,
    };
  }
  if (mergeKey === '') throw new SmpError('cannot merge lists without merge key for struct');

  // `$patch` elements: deletions compact the live list in place; `replace` swaps in the patch list.
  const backing = [...original];
  let len = n;
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as Obj;
    if (!Object.hasOwn(m, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = m[DIRECTIVE];
    if (directive === DELETE) {
      if (!Object.hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
      const value = m[mergeKey];
      for (let i = findByKey(backing.slice(0, len), mergeKey, value); i >= 0;) {
        backing.copyWithin(i, i + 1, len);
        len--;
        i = findByKey(backing.slice(0, len), mergeKey, value);
      }
    } else if (directive === REPLACE) {
      replace = true;
    } else if (directive === MERGE) {
      throw new SmpError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, m);
    }
  }
  const serverOrder = replace ? plain.map((e) => cleanCopy(e)) : backing.slice(0, len);
  const patchOrder: readonly unknown[] = replace ? [] : plain;
  const merged = [...serverOrder];
  let sharesBacking = !replace;
  for (const v of patchOrder) {
    const pm = v as Obj;
    if (!Object.hasOwn(pm, mergeKey)) throw errNoMergeKey(pm, mergeKey);
    const i = findByKey(merged, mergeKey, pm[mergeKey]);
    if (i >= 0) {
      merged[i] = mergeMap(merged[i] as Obj, pm, schema, ctx);
      continue;
    }
    const added = cleanCopy(pm);
    if (sharesBacking && merged.length < cap) backing[merged.length] = added;
    else sharesBacking = false;
    merged.push(added);
  }
  const [patchItems, serverOnly] = partitionMaps(merged, patchOrder, mergeKey);
  return {
    merged: normalizeElementOrder(patchItems, serverOnly, patchOrder, serverOrder, mergeKey, true),
    liveView: backing.slice(0, n),
  };
}

function mergeSliceHandler(
  original: unknown,
  patch: unknown,
  schema: SchemaNode | undefined,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
  ctx: Ctx,
): SliceMerge {
  if (!Array.isArray(original)) throw errBadArgType(SLICE_TYPE, original);
  if (!Array.isArray(patch)) throw errBadArgType(SLICE_TYPE, patch);
  if (strategy === MERGE || isDeleteList)
    return mergeSlice(original, patch, schema, mergeKey, isDeleteList, ctx);
  return { merged: cleanCopy(patch) as unknown[], liveView: original };
}

/**
 * Processes every `$setElementOrder/<list>` directive together with its list: merges the list and
 * orders the result ($setElementOrder first, then the patch list, then the live list). Returns the
 * patch keys it consumed.
 */
function mergePatchIntoOriginal(
  original: Obj,
  patch: Obj,
  schema: SchemaNode | undefined,
  ctx: Ctx,
): Set<string> {
  const done = new Set<string>();
  for (const [key, orderValue] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    done.add(key);
    if (!Array.isArray(orderValue)) throw errBadArgType(SLICE_TYPE, orderValue);
    const order: unknown[] = orderValue;
    const listKey = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = Object.hasOwn(original, listKey);
    const foundPatch = Object.hasOwn(patch, listKey);
    let originalList: unknown[] = [];
    let patchList: unknown[] = [];
    if (foundOriginal) {
      const v = original[listKey];
      if (!Array.isArray(v)) throw errBadArgType(SLICE_TYPE, v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[listKey];
      if (!Array.isArray(v)) throw errBadArgType(SLICE_TYPE, v);
      patchList = v;
    }
    const [subschema, meta] = lookupSliceField(schema, listKey, ctx.lookup);
    const strategy = extractRetainKeysPatchStrategy(meta.strategies);
    validatePatchWithSetOrderList(patchList, order, meta.mergeKey);

    let merged: unknown[];
    let liveView: readonly unknown[] = originalList;
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = cleanValue(patchList).value as unknown[];
    else if (foundOriginal && foundPatch)
      ({ merged, liveView } = mergeSliceHandler(
        originalList,
        patchList,
        subschema,
        strategy,
        meta.mergeKey,
        false,
        ctx,
      ));
    else continue;

    const [patchItems, serverOnly] =
      meta.mergeKey === '' ? partitionPrimitives(merged, order) : partitionMaps(merged, order, meta.mergeKey);
    const isMapKind = sliceElementKind(originalList, patchList) === 'map';
    original[listKey] = normalizeElementOrder(
      patchItems,
      serverOnly,
      order,
      liveView,
      meta.mergeKey,
      isMapKind,
    );
    done.add(listKey);
  }
  return done;
}

/** Merges `patch` into `original` (mutated and returned); `patch` is only read. */
function mergeMap(original: Obj | undefined, patch: Obj, schema: SchemaNode | undefined, ctx: Ctx): Obj {
  if (Object.hasOwn(patch, DIRECTIVE)) return handleDirectiveInMergeMap(patch[DIRECTIVE], patch);
  const orig = original ?? {};
  applyRetainKeysDirective(orig, patch);
  const done = mergePatchIntoOriginal(orig, patch, schema, ctx);

  for (const [rawKey, patchV] of Object.entries(patch)) {
    if (done.has(rawKey) || rawKey === RETAIN_KEYS || rawKey === '__proto__') continue;
    let key = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete orig[key];
      continue;
    }
    if (!Object.hasOwn(orig, key)) {
      if (!isDeleteList) {
        const c = cleanValue(patchV);
        if (c.keep) orig[key] = c.value;
      }
      continue;
    }
    const origV = orig[key];
    const kind = goKind(origV);
    if (kind !== goKind(patchV)) {
      if (!isDeleteList) {
        const c = cleanValue(patchV);
        if (c.keep) orig[key] = c.value;
        else delete orig[key];
      }
      continue;
    }
    if (kind === 'map') {
      const [subschema, meta] = lookupStructField(schema, key, ctx.lookup);
      const strategy = extractRetainKeysPatchStrategy(meta.strategies);
      orig[key] =
        strategy !== REPLACE ? mergeMap(origV as Obj, patchV as Obj, subschema, ctx) : cleanCopy(patchV);
    } else if (kind === 'slice') {
      const [subschema, meta] = lookupSliceField(schema, key, ctx.lookup);
      const strategy = extractRetainKeysPatchStrategy(meta.strategies);
      orig[key] = mergeSliceHandler(
        origV,
        patchV,
        subschema,
        strategy,
        meta.mergeKey,
        isDeleteList,
        ctx,
      ).merged;
    } else {
      orig[key] = patchV;
    }
  }
  return orig;
}

/**
 * Applies a decoded strategic merge patch to a deep copy of `original` (to `original` itself with
 * `inPlace`) and returns it.
 * `rootDefinition` names the OpenAPI definition of the object's kind (e.g. `io.k8s.api.apps.v1.Deployment`);
 * fields the schema does not describe merge as plain JSON (maps merge, lists are replaced).
 * Errors are StatusErrors with upstream's messages: malformed directives are 400, lists of lists
 * 422 (upstream's generic message), and the failures upstream leaves unclassified (a list element
 * without its merge key, an unknown `$patch` value, a `$setElementOrder` list that contradicts the
 * patch list) are reported as 400.
 */
export function strategicMergePatch(
  original: Record<string, unknown>,
  patch: unknown,
  rootDefinition: string | undefined,
  lookup: SchemaLookup,
  opts: PatchOptions = {},
): Record<string, unknown> {
  const copy = (): Record<string, unknown> => (opts.inPlace ? original : structuredClone(original));
  if (patch === null) return copy();
  if (!isObj(patch)) {
    const what = Array.isArray(patch) ? 'array' : typeof patch;
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type map[string]interface {}`);
  }
  const ctx: Ctx = { lookup };
  try {
    return mergeMap(copy(), patch, definitionNode(rootDefinition, lookup), ctx);
  } catch (e) {
    if (!(e instanceof SmpError)) throw e;
    if (e.kind === 'unprocessable') throw patchRejected(e.message);
    throw badRequest(e.message);
  }
}
