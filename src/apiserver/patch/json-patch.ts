/**
 * @module RFC 6902 JSON patch (`application/json-patch+json`) with the semantics and error messages of
 * the JSON patch library kube-apiserver uses: negative array indices, `replace` of an absent object
 * key behaving like `add`, and a failed operation answered with upstream's generic 422.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, notAnObject, patchRejected, tooManyOperations } from './patch-errors.js';
import type { PatchOptions } from './options.js';
import { errorText } from '../../util/errors.js';

const { applyOperation, escapePathComponent } = jsonpatch;

/** kube-apiserver's limit on the number of operations in one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A failure of one operation, carrying the library's message. */
class OpError extends Error {}

/** A container found by walking all but the last path segment, and the JSON pointer that reaches it. */
interface Located {
  container: Obj | unknown[];
  pointer: string;
  key: string;
}

function decodeKey(k: string): string {
  return k.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Go's strconv.Atoi over a path segment; undefined when it is not a base-10 integer. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function atoiError(s: string): OpError {
  return new OpError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
}

function invalidIndex(i: number): OpError {
  return new OpError(`Unable to access invalid index: ${i}: invalid index referenced`);
}

/** An existing element index, negative counting from the end, as the library's array get/set/remove accept. */
function existingIndex(arr: unknown[], key: string): number {
  const i = atoi(key);
  if (i === undefined) throw atoiError(key);
  if (i < 0) {
    if (i < -arr.length) throw invalidIndex(i);
    return i + arr.length;
  }
  if (i >= arr.length) throw invalidIndex(i);
  return i;
}

/** Walks every segment but the last; undefined when some intermediate value is missing or not a container. */
function locate(doc: unknown, path: string): Located | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let cur: unknown = doc;
  let pointer = '';
  for (const raw of split.slice(1, -1)) {
    const part = decodeKey(raw);
    let next: unknown;
    if (Array.isArray(cur)) {
      let i: number;
      try {
        i = existingIndex(cur, part);
      } catch {
        return undefined;
      }
      next = cur[i];
      pointer += `/${i}`;
    } else if (isObj(cur)) {
      next = Object.hasOwn(cur, part) ? cur[part] : undefined;
      pointer += `/${escapePathComponent(part)}`;
    } else {
      return undefined;
    }
    if (next === undefined || next === null || typeof next !== 'object') return undefined;
    cur = next;
  }
  return { container: cur as Obj | unknown[], pointer, key: decodeKey(split[split.length - 1]!) };
}

/** The library's get: undefined for an absent (or null) object key; array indices are checked. */
function getAt(loc: Located): unknown {
  const c = loc.container;
  if (Array.isArray(c)) return c[existingIndex(c, loc.key)];
  const v = Object.hasOwn(c, loc.key) ? c[loc.key] : undefined;
  return v === null ? undefined : v;
}

function childPointer(loc: Located, key: string | number): string {
  return `${loc.pointer}/${typeof key === 'number' ? key : escapePathComponent(key)}`;
}

function mutate(doc: unknown, op: Operation): void {
  try {
    applyOperation(doc, op, false, true, true);
  } catch (e) {
    throw new OpError(errorText(e));
  }
}

/** The library's add: arrays take an index in [-len-1, len] or '-', objects any key. */
function addAt(doc: unknown, loc: Located, value: unknown): void {
  const c = loc.container;
  if (Array.isArray(c)) {
    let i: number;
    if (loc.key === '-') {
      i = c.length;
    } else {
      const n = atoi(loc.key);
      if (n === undefined)
        throw new OpError(`value was not a proper array index: '${loc.key}': ${atoiError(loc.key).message}`);
      if (n >= c.length + 1) throw invalidIndex(n);
      if (n < 0) {
        if (n < -(c.length + 1)) throw invalidIndex(n);
        i = n + c.length + 1;
      } else {
        i = n;
      }
    }
    mutate(doc, { op: 'add', path: childPointer(loc, i), value });
    return;
  }
  mutate(doc, { op: 'add', path: childPointer(loc, loc.key), value });
}

function removeAt(doc: unknown, loc: Located): void {
  const c = loc.container;
  if (Array.isArray(c)) {
    mutate(doc, { op: 'remove', path: childPointer(loc, existingIndex(c, loc.key)) });
    return;
  }
  if (!Object.hasOwn(c, loc.key))
    throw new OpError(`Unable to remove nonexistent key: ${loc.key}: missing value`);
  mutate(doc, { op: 'remove', path: childPointer(loc, loc.key) });
}

function setAt(doc: unknown, loc: Located, value: unknown): void {
  const c = loc.container;
  const key = Array.isArray(c) ? existingIndex(c, loc.key) : loc.key;
  mutate(doc, { op: 'replace', path: childPointer(loc, key), value });
}

/** Structural equality as the library compares a `test` value with the document. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

function stringField(op: Obj, name: 'path' | 'from'): string | undefined {
  const v = op[name];
  return typeof v === 'string' ? v : undefined;
}

function missing(what: string): OpError {
  return new OpError(`${what}: missing value`);
}

/** Runs one operation against `state.doc`, replacing the whole document when the root is replaced. */
function applyOne(state: { doc: unknown }, op: Obj): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  const path = stringField(op, 'path');
  const hasValue = Object.hasOwn(op, 'value');
  const value = op.value ?? null;
  switch (kind) {
    case 'add': {
      if (path === undefined) throw missing('add operation failed to decode path');
      const loc = locate(state.doc, path);
      if (!loc) throw missing(`add operation does not apply: doc is missing path: "${path}"`);
      try {
        addAt(state.doc, loc, clone(value));
      } catch (e) {
        throw new OpError(`error in add for path: '${path}': ${(e as Error).message}`);
      }
      return;
    }
    case 'remove': {
      if (path === undefined) throw missing('remove operation failed to decode path');
      const loc = locate(state.doc, path);
      if (!loc) throw missing(`remove operation does not apply: doc is missing path: "${path}"`);
      try {
        removeAt(state.doc, loc);
      } catch (e) {
        throw new OpError(`error in remove for path: '${path}': ${(e as Error).message}`);
      }
      return;
    }
    case 'replace': {
      if (path === undefined)
        throw missing('replace operation failed to decode path: operation missing path field');
      if (path === '') {
        // Only an object or array can replace the document; anything else is silently ignored upstream.
        if (typeof value === 'object' && value !== null) state.doc = clone(value);
        return;
      }
      const loc = locate(state.doc, path);
      if (!loc) throw missing(`replace operation does not apply: doc is missing path: ${path}`);
      try {
        getAt(loc);
      } catch {
        throw missing(`replace operation does not apply: doc is missing key: ${path}`);
      }
      try {
        setAt(state.doc, loc, clone(value));
      } catch (e) {
        throw new OpError(`error in remove for path: '${path}': ${(e as Error).message}`);
      }
      return;
    }
    case 'move': {
      const from = stringField(op, 'from');
      if (from === undefined)
        throw missing('move operation failed to decode from: operation, missing from field');
      const src = locate(state.doc, from);
      if (!src) throw missing(`move operation does not apply: doc is missing from path: ${from}`);
      let moved: unknown;
      try {
        moved = getAt(src);
        removeAt(state.doc, src);
      } catch (e) {
        throw new OpError(`error in move for path: '${src.key}': ${(e as Error).message}`);
      }
      if (path === undefined)
        throw missing('move operation failed to decode path: operation missing path field');
      const dst = locate(state.doc, path);
      if (!dst) throw missing(`move operation does not apply: doc is missing destination path: ${path}`);
      try {
        addAt(state.doc, dst, moved ?? null);
      } catch (e) {
        throw new OpError(`error in move for path: '${path}': ${(e as Error).message}`);
      }
      return;
    }
    case 'copy': {
      const from = stringField(op, 'from');
      if (from === undefined)
        throw missing('copy operation failed to decode from: operation, missing from field');
      const src = locate(state.doc, from);
      if (!src) throw missing(`copy operation does not apply: doc is missing from path: ${from}`);
      let copied: unknown;
      try {
        copied = getAt(src);
      } catch (e) {
        throw new OpError(`error in copy for from: '${from}': ${(e as Error).message}`);
      }
      if (path === undefined) throw missing('copy operation failed to decode path');
      const dst = locate(state.doc, path);
      if (!dst) throw missing(`copy operation does not apply: doc is missing destination path: ${path}`);
      try {
        addAt(state.doc, dst, clone(copied ?? null));
      } catch (e) {
        throw new OpError(`error while adding value during copy: ${(e as Error).message}`);
      }
      return;
    }
    case 'test': {
      if (path === undefined)
        throw missing('test operation failed to decode path: operation missing path field');
      const failed = new OpError(`testing value ${path} failed: test failed`);
      if (path === '') {
        if (!jsonEqual(state.doc, value)) throw failed;
        return;
      }
      const loc = locate(state.doc, path);
      if (!loc) throw missing(`test operation does not apply: is missing path: ${path}`);
      let actual: unknown;
      try {
        actual = getAt(loc);
      } catch (e) {
        throw new OpError(`error in test for path: '${path}': ${(e as Error).message}`);
      }
      if (actual === undefined) {
        if (hasValue && op.value === null) return;
        throw failed;
      }
      if (!hasValue || !jsonEqual(actual, value)) throw failed;
      return;
    }
    default:
      throw new OpError(`Unexpected kind: ${kind}`);
  }
}

function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/**
 * Applies a decoded JSON patch document to a deep copy of `original` (to `original` itself with
 * `inPlace`) and returns it.
 * A body that is not a list of operations is a 400; more than {@link MAX_JSON_PATCH_OPERATIONS}
 * operations a 413; an operation that does not apply a 422 (upstream's generic message; the
 * library's own message is the error's `cause`). A result that is not an object is a 422 as well.
 */
export function jsonPatch(
  original: Record<string, unknown>,
  patch: unknown,
  opts: PatchOptions = {},
): Record<string, unknown> {
  const copy = (): Record<string, unknown> => (opts.inPlace ? original : structuredClone(original));
  if (patch === null) return copy();
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${goKind(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (op !== null && !isObj(op)) {
      throw badRequest(`json: cannot unmarshal ${goKind(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS)
    throw tooManyOperations(MAX_JSON_PATCH_OPERATIONS, patch.length);
  const state: { doc: unknown } = { doc: copy() };
  for (const op of patch as (Obj | null)[]) {
    try {
      applyOne(state, op ?? {});
    } catch (e) {
      if (e instanceof OpError) throw patchRejected(e.message);
      throw e;
    }
  }
  if (!isObj(state.doc)) throw notAnObject(state.doc);
  return state.doc;
}
