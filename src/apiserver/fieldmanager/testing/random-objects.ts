/**
 * @module Seeded random objects, edits and managedFields for the field manager's differential tests:
 * mostly schema-shaped values with a share of the odd ones (nulls, undefined, wrong kinds, duplicate
 * or keyless list elements, non-canonical FieldsV1).
 */
import type { KubeObject, ManagedFieldsEntry } from '../../../api/object.js';
import type { TypeRef } from './reference/smd-schema.js';

type Obj = Record<string, unknown>;

/** mulberry32: a small, fast, seeded generator. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const STRINGS = ['a', 'b', 'c', '', 'web', 'x<y&z>', 'é', '\u2028', 'TCP', 'UDP', '10', '9'];
const NUMBERS = [0, 1, 2, 80, 443, -5, 2.5, 1e21, 1e-7];
const MAP_KEYS = [
  'a',
  'b',
  'app',
  'tier',
  'x.io/y',
  '<&>',
  '10',
  '9',
  '',
  'f:z',
  '.',
  '__proto__',
  'constructor',
  'toString',
];

function scalar(rng: Rng): unknown {
  const r = rng.next();
  if (r < 0.55) return rng.pick(STRINGS);
  if (r < 0.85) return rng.pick(NUMBERS);
  return rng.chance(0.5);
}

function junk(rng: Rng, depth: number): unknown {
  switch (rng.int(8)) {
    case 0:
    case 1:
      return null;
    case 2:
      return scalar(rng);
    case 3:
      return {};
    case 4:
      return [];
    case 5:
      return { [rng.pick(MAP_KEYS)]: depth > 4 ? 'v' : junk(rng, depth + 1) };
    case 6:
      return [scalar(rng), depth > 4 ? 'v' : junk(rng, depth + 1)];
    default:
      return rng.chance(0.3) ? undefined : null;
  }
}

function setKey(o: Obj, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A value of `type` (mostly). `odd` scales how often something unusual is produced. */
export function randomValue(rng: Rng, type: TypeRef, depth = 0, odd = 0.04): unknown {
  if (rng.chance(odd)) return junk(rng, depth);
  const atom = type.atom;
  const kinds: ('map' | 'list' | 'scalar')[] = [];
  if (atom.map) kinds.push('map');
  if (atom.list) kinds.push('list');
  if (atom.scalar) kinds.push('scalar');
  if (kinds.length === 0 || depth > 7) return scalar(rng);
  const kind = atom.map && atom.map.fields.size > 0 ? 'map' : rng.pick(kinds);
  if (kind === 'scalar') return scalar(rng);
  if (kind === 'map') {
    const map = atom.map!;
    const out: Obj = {};
    if (map.fields.size > 0) {
      const names = rng.shuffle([...map.fields.keys()]);
      const budget = depth < 2 ? 7 : 4;
      const p = depth < 2 ? 0.45 : 0.3;
      for (const name of names) {
        if (Object.keys(out).length >= budget) break;
        if (!rng.chance(p)) continue;
        setKey(out, name, randomValue(rng, map.fields.get(name)!.type, depth + 1, odd));
      }
      if (rng.chance(odd * 2)) setKey(out, `unknown${rng.int(3)}`, junk(rng, depth + 1));
    } else {
      const n = rng.int(depth > 4 ? 2 : 4);
      for (let i = 0; i < n; i++) setKey(out, rng.pick(MAP_KEYS), randomValue(rng, map.elem, depth + 1, odd));
    }
    return out;
  }
  const list = atom.list!;
  const n = rng.int(depth > 4 ? 2 : 4);
  const items: unknown[] = [];
  for (let i = 0; i < n; i++) {
    if (list.keys.length > 0) {
      const item = randomValue(rng, list.elem, depth + 1, odd);
      if (isObj(item)) {
        for (const key of list.keys) {
          if (rng.chance(odd)) continue;
          setKey(item, key, rng.chance(0.7) ? rng.pick(['a', 'b', 'c']) : rng.pick([80, 443, 1]));
        }
      }
      items.push(item);
    } else if (!list.atomic) {
      items.push(rng.chance(odd) ? junk(rng, depth + 1) : rng.pick(['a', 'b', 'c', 1, 2, true]));
    } else {
      items.push(randomValue(rng, list.elem, depth + 1, odd));
    }
  }
  return items;
}

interface Site {
  parent: Obj | unknown[];
  key: string | number;
  type: TypeRef;
}

function fieldType(type: TypeRef, k: string): TypeRef {
  const map = type.atom.map;
  return map?.fields.get(k)?.type ?? map?.elem ?? type;
}

function collect(v: unknown, type: TypeRef, out: Site[]): void {
  if (Array.isArray(v)) {
    const elem = type.atom.list?.elem ?? type;
    v.forEach((item, i) => {
      out.push({ parent: v, key: i, type: elem });
      collect(item, elem, out);
    });
  } else if (isObj(v)) {
    for (const k of Object.keys(v)) {
      const t = fieldType(type, k);
      out.push({ parent: v, key: k, type: t });
      collect(v[k], t, out);
    }
  }
}

/**
 * A copy of `obj` with one to four random edits below `metadata`-safe places: replaced, deleted,
 * added, duplicated or reordered values. Identity fields of metadata are left alone.
 */
export function mutate(rng: Rng, obj: KubeObject, type: TypeRef, odd = 0.04): KubeObject {
  const out = structuredClone(obj);
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const sites: Site[] = [];
    collect(out, type, sites);
    const candidates = sites.filter(
      (s) =>
        !(s.parent === out && (s.key === 'metadata' || s.key === 'apiVersion' || s.key === 'kind')) &&
        !(
          s.parent === out.metadata &&
          ['name', 'namespace', 'uid', 'managedFields', 'creationTimestamp'].includes(String(s.key))
        ),
    );
    const addTo = (target: Obj, t: TypeRef): void => {
      const map = t.atom.map;
      const names = map && map.fields.size > 0 ? [...map.fields.keys()] : MAP_KEYS;
      const k = rng.pick(names);
      if (target === out && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) return;
      setKey(target, k, randomValue(rng, fieldType(t, k), 2, odd));
    };
    if (candidates.length === 0 || rng.chance(0.15)) {
      const target = rng.chance(0.3) && isObj(out.metadata) ? out.metadata : out;
      addTo(target, target === out ? type : fieldType(type, 'metadata'));
      continue;
    }
    const s = rng.pick(candidates);
    const cur: unknown = (s.parent as Obj)[s.key as string];
    const set = (v: unknown): void => {
      if (Array.isArray(s.parent)) s.parent[s.key as number] = v;
      else setKey(s.parent, s.key as string, v);
    };
    switch (rng.int(7)) {
      case 0:
        if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
        else delete s.parent[s.key as string];
        break;
      case 1:
        if (Array.isArray(cur) && cur.length > 0) {
          if (rng.chance(0.5)) cur.reverse();
          else cur.push(structuredClone(cur[rng.int(cur.length)]));
          break;
        }
        set(randomValue(rng, s.type, 3, odd));
        break;
      case 2:
        if (isObj(cur)) {
          addTo(cur, s.type);
          break;
        }
        set(scalar(rng));
        break;
      case 3:
        set(rng.chance(0.8) ? scalar(rng) : junk(rng, 3));
        break;
      default:
        set(randomValue(rng, s.type, 2, odd));
    }
  }
  return out;
}

/** Perturbs a FieldsV1 object the ways clients may send one: key order, '.' placement, spellings, junk. */
export function perturbFieldsV1(rng: Rng, v: unknown, root = true): unknown {
  if (!isObj(v)) return v;
  let entries = Object.entries(v).map(([k, c]): [string, unknown] => [k, perturbFieldsV1(rng, c, false)]);
  if (rng.chance(0.15)) entries = rng.shuffle(entries);
  if (rng.chance(0.05)) entries.push([rng.pick(['x:y', 'z:{}', '.']), rng.pick([{}, { 'f:q': {} }, 1])]);
  if (rng.chance(0.03) && !root) entries.unshift(['.', rng.pick([{}, { a: 1 }, null])]);
  if (rng.chance(0.02)) entries.push([rng.pick(['f', 'i:x', 'k:[1]', 'v:{', 'i:01', 'k:{"b":1,"a":2}']), {}]);
  entries = entries.map(([k, c]) => {
    if (!rng.chance(0.1)) return [k, c];
    if (k.startsWith('k:')) return [k.replace('":', '": '), c];
    if (k.startsWith('v:')) return [k.replace(/^v:(\d+)$/, 'v:$1.0'), c];
    if (k.startsWith('i:')) return [k.replace(/^i:/, 'i:+'), c];
    if (k.startsWith('f:') && rng.chance(0.3)) return [k, rng.pick([null, 1, [], { '.': {} }])];
    return [k, c];
  });
  const out: Obj = {};
  for (const [k, c] of entries) setKey(out, k, c);
  return out;
}

const MANAGERS = ['kubectl', 'kubectl-client-side-apply', 'm1', 'm2', 'kubelet', 'controller', ''];
export const TIMES = [
  '2025-01-01T00:00:00Z',
  '2025-01-01T00:00:00.500Z',
  '2025-01-01T00:01:00Z',
  '2025-01-01T00:02:00Z',
  '2025-01-02T00:00:00Z',
];

export function randomManager(rng: Rng): string {
  return rng.pick(MANAGERS);
}

/** Entries a client might send: mostly valid, sometimes perturbed or invalid. */
export function perturbEntries(rng: Rng, entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  const out = structuredClone(entries).map((e) => {
    if (!isObj(e)) return e;
    if (rng.chance(0.3)) e.fieldsV1 = perturbFieldsV1(rng, e.fieldsV1);
    if (rng.chance(0.2)) e.time = rng.pick([...TIMES, 'not a time', undefined]);
    if (rng.chance(0.05)) e.operation = rng.pick(['Patch', undefined]);
    if (rng.chance(0.05)) e.fieldsType = rng.pick(['', 'FieldsV2', undefined]);
    if (rng.chance(0.03)) delete e.apiVersion;
    return e;
  });
  if (rng.chance(0.2)) {
    out.push({
      manager: randomManager(rng),
      operation: rng.pick(['Update', 'Apply'] as const),
      apiVersion: 'v1',
      time: rng.pick(TIMES),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {} } } },
      ...(rng.chance(0.3) ? { subresource: 'status' } : {}),
    });
  }
  return rng.chance(0.1) ? rng.shuffle(out) : out;
}
