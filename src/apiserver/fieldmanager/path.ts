/**
 * @module Field paths as structured-merge-diff names them: a field (`f:name`), a list-map element by
 * its key fields (`k:{"name":"web"}`), a set element by value (`v:"x"`) or a list index (`i:0`).
 */
import { goFloat, goJSON, goJSONString } from '../patch/go-format.js';

/** One key field of a list-map element. */
export interface KeyField {
  readonly name: string;
  readonly value: unknown;
}

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly KeyField[] }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'index'; readonly index: number };

export type Path = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { kind: 'field', name };
}

/** A key element; fields are sorted by name as upstream keeps them. */
export function keyElement(fields: readonly KeyField[]): PathElement {
  const sorted = [...fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { kind: 'key', fields: sorted };
}

export function valueElement(value: unknown): PathElement {
  return { kind: 'value', value };
}

function valueRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (typeof v === 'object' && v !== null) return 4;
  return 5;
}

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders decoded JSON values as upstream: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
    case 1:
      return cmp(a as string | number, b as string | number);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length - lb.length;
    }
    case 4: {
      const ma = a as Record<string, unknown>;
      const mb = b as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort();
      const la = Object.keys(ma).length;
      const lb = Object.keys(mb).length;
      let i = 0;
      for (const k of keys) {
        let c: number;
        if (i === la) c = -1;
        else if (i === lb) c = 1;
        else if (!Object.hasOwn(ma, k)) c = 1;
        else if (!Object.hasOwn(mb, k)) c = -1;
        else c = compareValues(ma[k], mb[k]);
        i++;
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

const KIND_RANK = { field: 0, key: 1, value: 2, index: 3 } as const;

/** Total order of path elements: fields, then keys, then values, then indices. */
export function compareElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  switch (a.kind) {
    case 'field':
      return cmp(a.name, (b as typeof a).name);
    case 'key': {
      const fb = (b as typeof a).fields;
      for (let i = 0; ; i++) {
        if (i >= a.fields.length && i >= fb.length) return 0;
        if (i >= a.fields.length) return -1;
        if (i >= fb.length) return 1;
        const c = cmp(a.fields[i]!.name, fb[i]!.name) || compareValues(a.fields[i]!.value, fb[i]!.value);
        if (c !== 0) return c;
      }
    }
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return a.index - (b as typeof a).index;
  }
}

/** The element as a FieldsV1 key; equal elements give equal strings, so it doubles as an identity. */
export function serializeElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return `k:{${pe.fields.map((f) => `${goJSONString(f.name)}:${goJSON(f.value)}`).join(',')}}`;
    case 'value':
      return `v:${goJSON(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
  }
}

/** Parses a FieldsV1 key; undefined for an unknown element type (skipped, as upstream does). */
export function deserializeElement(s: string): PathElement | undefined {
  if (s.length < 2) throw new Error('key must be 2 characters long:');
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s[0]) {
    case 'f':
      return fieldElement(rest);
    case 'v':
      return valueElement(JSON.parse(rest));
    case 'k': {
      const obj: unknown = JSON.parse(rest);
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`invalid key: ${s}`);
      return keyElement(Object.entries(obj).map(([name, value]) => ({ name, value })));
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(rest))
        throw new Error(`strconv.Atoi: parsing ${JSON.stringify(rest)}: invalid syntax`);
      return { kind: 'index', index: Number(rest) };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Serialized elements as keys: FieldsV1 nodes are keyed by serializeElement's output, and the set
// code works on those strings, parsing one (cached) only to order or print it.

const KEY_CACHE_LIMIT = 20_000;
const F_CODE = 0x66;
const COLON_CODE = 0x3a;
/** Parsed keys; null marks a key that is not the canonical spelling of an element (or no element). */
const parsedKeys = new Map<string, PathElement | null>();

function parseCanonical(key: string): PathElement | null {
  let pe: PathElement | undefined;
  try {
    pe = deserializeElement(key);
  } catch {
    return null;
  }
  return pe !== undefined && serializeElement(pe) === key ? pe : null;
}

/** The element a canonical key names, or undefined when `key` is not one (cached). */
export function elementOfKey(key: string): PathElement | undefined {
  if (key.charCodeAt(0) === F_CODE && key.charCodeAt(1) === COLON_CODE) return fieldElement(key.slice(2));
  let pe = parsedKeys.get(key);
  if (pe === undefined) {
    if (parsedKeys.size >= KEY_CACHE_LIMIT) parsedKeys.clear();
    pe = parseCanonical(key);
    parsedKeys.set(key, pe);
  }
  return pe ?? undefined;
}

/** True when `key` is exactly how serializeElement writes some element (`f:x`, `k:{"a":1}`, ...). */
export function isCanonicalKey(key: string): boolean {
  if (key.charCodeAt(1) !== COLON_CODE) return false;
  if (key.charCodeAt(0) === F_CODE) return true;
  return elementOfKey(key) !== undefined;
}

function keyRank(code: number): number {
  switch (code) {
    case F_CODE:
      return 0;
    case 0x6b: // k
      return 1;
    case 0x76: // v
      return 2;
    default:
      return 3;
  }
}

/** {@link compareElements} on canonical keys (field keys compare as strings, others parsed). */
export function compareKeys(a: string, b: string): number {
  const ca = a.charCodeAt(0);
  const cb = b.charCodeAt(0);
  if (ca === F_CODE && cb === F_CODE) return a < b ? -1 : a > b ? 1 : 0;
  if (ca !== cb) return keyRank(ca) - keyRank(cb);
  return compareElements(elementOfKey(a)!, elementOfKey(b)!);
}

/** Upstream's value.ToString, used inside printed paths. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  return Object.entries(v as Record<string, unknown>)
    .map(([k, e]) => `${k}=${valueString(e)}`)
    .join('');
}

/** A path as upstream prints it in conflicts: `.spec.containers[name="web"].image`, `[="x"]`, `[0]`. */
export function pathString(path: Path): string {
  return path
    .map((pe) => {
      switch (pe.kind) {
        case 'field':
          return `.${pe.name}`;
        case 'key':
          return `[${pe.fields.map((f) => `${f.name}=${valueString(f.value)}`).join(',')}]`;
        case 'value':
          return `[=${valueString(pe.value)}]`;
        case 'index':
          return `[${pe.index}]`;
      }
    })
    .join('');
}
