/**
 * Frozen pre-optimization copy, the oracle of the differential tests; never used in production.
 *
 * @module structured-merge-diff's operations on typed values: the set of fields a value sets, the
 * comparison of two values (added / modified / removed fields), the apply merge, and removal of a
 * set of fields. Values are decoded JSON; `undefined` means absent.
 */
import { FieldSet } from './field-set.js';
import {
  fieldElement,
  keyElement,
  pathString,
  serializeElement,
  valueElement,
  type PathElement,
} from './path.js';
import type { Atom, ListDef, MapDef, TypeRef } from './smd-schema.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function get(m: Obj | undefined, k: string): unknown {
  return m !== undefined && Object.hasOwn(m, k) ? m[k] : undefined;
}

/** Narrows a type to the kind of the value, as upstream's deduceAtom. */
function deduce(atom: Atom, v: unknown): Atom {
  if (v === undefined || v === null) return atom;
  if (Array.isArray(v)) return atom.list ? { list: atom.list } : atom;
  if (typeof v === 'object') return atom.map ? { map: atom.map } : atom;
  return atom.scalar ? { scalar: true } : atom;
}

function sameAtom(a: Atom, b: Atom): boolean {
  return a.map === b.map && a.list === b.list && a.scalar === b.scalar;
}

/** Upstream's value equality (deep, order-sensitive for lists). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => valuesEqual(v, b[i]));
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && valuesEqual(a[k], b[k]))
    );
  }
  return false;
}

class ElementError extends Error {}

/** The path element naming a list item: its key fields for a list-map, its value for a set. */
function elementOf(list: ListDef, item: unknown): PathElement {
  if (list.atomic) throw new ElementError('invalid indexing of non-associative list');
  if (list.keys.length > 0) {
    if (item === null) throw new ElementError('associative list with keys may not have a null element');
    if (!isObj(item)) throw new ElementError('associative list with keys may not have non-map elements');
    const fields: { name: string; value: unknown }[] = [];
    for (const name of list.keys) {
      if (Object.hasOwn(item, name)) {
        fields.push({ name, value: item[name] });
        continue;
      }
      const def = list.elem.atom.map?.fields.get(name)?.default;
      if (def !== undefined && def !== null) fields.push({ name, value: def });
    }
    if (fields.length === 0) {
      throw new ElementError(
        `associative list with keys has an element that omits all key fields [${list.keys.map((k) => JSON.stringify(k)).join(' ')}] (and doesn't have default values for any key fields)`,
      );
    }
    return keyElement(fields);
  }
  if (isObj(item)) throw new ElementError("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new ElementError('not supported: associative list with lists as elements');
  if (item === null)
    throw new ElementError("associative list without keys has an element that's an explicit null");
  return valueElement(item);
}

function tryElementOf(list: ListDef, item: unknown): PathElement | undefined {
  try {
    return elementOf(list, item);
  } catch (e) {
    if (e instanceof ElementError) return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The fields a value sets.

/** Every field `v` sets: leaves, list elements, empty or null maps, map entries and atomic values. */
export function toFieldSet(v: unknown, type: TypeRef): FieldSet {
  const set = new FieldSet();
  fieldSetWalk(v, type, [], set);
  return set;
}

function fieldSetWalk(v: unknown, type: TypeRef, path: PathElement[], set: FieldSet): void {
  const atom = deduce(type.atom, v);
  if (atom.map) fieldSetMap(atom.map, v, path, set);
  else if (atom.scalar) set.insert(path);
  else if (atom.list) fieldSetList(atom.list, v, path, set);
}

function fieldSetList(list: ListDef, v: unknown, path: PathElement[], set: FieldSet): void {
  if (list.atomic) {
    set.insert(path);
    return;
  }
  if (!Array.isArray(v)) return;
  const pes = v.map((item) => tryElementOf(list, item));
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const pe of pes) {
    if (!pe) continue;
    const id = serializeElement(pe);
    if (seen.has(id) && !dups.has(id)) {
      set.insert([...path, pe]);
      dups.add(id);
    }
    seen.add(id);
  }
  v.forEach((item, i) => {
    const pe = pes[i];
    if (!pe || dups.has(serializeElement(pe))) return;
    path.push(pe);
    fieldSetWalk(item, list.elem, path, set);
    set.insert(path);
    path.pop();
  });
}

function fieldSetMap(map: MapDef, v: unknown, path: PathElement[], set: FieldSet): void {
  if (map.atomic) {
    set.insert(path);
    return;
  }
  if (!isObj(v)) return;
  for (const [k, val] of Object.entries(v)) {
    const field = map.fields.get(k);
    path.push(fieldElement(k));
    fieldSetWalk(val, field?.type ?? map.elem, path, set);
    if (val === null || (isObj(val) && Object.keys(val).length === 0) || !field) set.insert(path);
    path.pop();
  }
}

// ---------------------------------------------------------------------------------------------
// Validation of an applied configuration.

/** Upstream's checks of an apply configuration's lists: element keys and duplicate entries. */
export function validateApplied(v: unknown, type: TypeRef): string[] {
  const errs: string[] = [];
  validateWalk(v, type, [], errs);
  return errs;
}

function validateWalk(v: unknown, type: TypeRef, path: PathElement[], errs: string[]): void {
  const atom = deduce(type.atom, v);
  if (atom.map) {
    if (!isObj(v)) return;
    for (const [k, val] of Object.entries(v)) {
      path.push(fieldElement(k));
      validateWalk(val, atom.map.fields.get(k)?.type ?? atom.map.elem, path, errs);
      path.pop();
    }
  } else if (!atom.scalar && atom.list && Array.isArray(v)) {
    const list = atom.list;
    if (list.atomic) return;
    const seen = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      let pe: PathElement;
      try {
        pe = elementOf(list, v[i]);
      } catch (e) {
        if (!(e instanceof ElementError)) throw e;
        errs.push(`${pathString(path)}: element ${i}: ${e.message}`);
        return;
      }
      const id = serializeElement(pe);
      if (seen.has(id)) errs.push(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
      seen.add(id);
      path.push(pe);
      validateWalk(v[i], list.elem, path, errs);
      path.pop();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/** Fields added, modified and removed between two values. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Compares `lhs` (before) with `rhs` (after). */
export function compare(lhs: unknown, rhs: unknown, type: TypeRef): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  if (lhs !== undefined || rhs !== undefined) compareWalk(lhs, rhs, type, [], c);
  return c;
}

interface LeafState {
  inLeaf: boolean;
}

function compareWalk(l: unknown, r: unknown, type: TypeRef, path: PathElement[], c: Comparison): void {
  const atom = type.atom;
  const al = deduce(atom, l);
  const ar = deduce(atom, r);
  const state: LeafState = { inLeaf: false };
  if (r === undefined) compareAtom(al, l, r, path, c, state);
  else if (l === undefined || sameAtom(al, ar)) compareAtom(ar, l, r, path, c, state);
  else {
    compareAtom(al, l, r, path, c, { inLeaf: false });
    compareAtom(ar, l, r, path, c, state);
  }
  if (!state.inLeaf) {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  }
}

function compareLeaf(l: unknown, r: unknown, path: PathElement[], c: Comparison, state: LeafState): void {
  if (state.inLeaf) return;
  state.inLeaf = true;
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
  else if (!valuesEqual(l, r)) c.modified.insert(path);
}

function compareAtom(
  atom: Atom,
  l: unknown,
  r: unknown,
  path: PathElement[],
  c: Comparison,
  state: LeafState,
): void {
  if (atom.map) {
    const lm = isObj(l) ? l : undefined;
    const rm = isObj(r) ? r : undefined;
    const empty = (!lm || Object.keys(lm).length === 0) && (!rm || Object.keys(rm).length === 0);
    if (atom.map.atomic || empty) {
      compareLeaf(l, r, path, c, state);
      return;
    }
    const keys = new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})]);
    for (const k of keys) {
      path.push(fieldElement(k));
      compareWalk(get(lm, k), get(rm, k), atom.map.fields.get(k)?.type ?? atom.map.elem, path, c);
      path.pop();
    }
  } else if (atom.scalar) {
    compareLeaf(l, r, path, c, state);
  } else if (atom.list) {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    const empty = (!ll || ll.length === 0) && (!rl || rl.length === 0);
    if (atom.list.atomic || empty) {
      compareLeaf(l, r, path, c, state);
      return;
    }
    compareListItems(atom.list, ll ?? [], rl ?? [], path, c);
  }
}

function indexItems(
  list: ListDef,
  items: readonly unknown[],
): Map<string, { pe: PathElement; values: unknown[] }> {
  const out = new Map<string, { pe: PathElement; values: unknown[] }>();
  for (const item of items) {
    const pe = tryElementOf(list, item);
    if (!pe) continue;
    const id = serializeElement(pe);
    const e = out.get(id);
    if (e) e.values.push(item);
    else out.set(id, { pe, values: [item] });
  }
  return out;
}

function compareListItems(
  list: ListDef,
  ll: unknown[],
  rl: unknown[],
  path: PathElement[],
  c: Comparison,
): void {
  const lv = indexItems(list, ll);
  const rv = indexItems(list, rl);
  const all = new Map<string, PathElement>();
  for (const [id, e] of lv) all.set(id, e.pe);
  for (const [id, e] of rv) if (!all.has(id)) all.set(id, e.pe);
  for (const [id, pe] of all) {
    const lList = lv.get(id)?.values ?? [];
    const rList = rv.get(id)?.values ?? [];
    path.push(pe);
    if (lList.length <= 1 && rList.length <= 1) {
      compareWalk(lList[0], rList[0], list.elem, path, c);
    } else if (lList.length >= 2 && rList.length >= 2) {
      if (!valuesEqual(lList, rList)) c.modified.insert(path);
    } else if (lList.length >= 2) {
      if (rList.length !== 0) compareWalk(undefined, rList[0], list.elem, path, c);
      c.removed.insert(path);
    } else {
      if (lList.length !== 0) compareWalk(lList[0], undefined, list.elem, path, c);
      c.added.insert(path);
    }
    path.pop();
  }
}

// ---------------------------------------------------------------------------------------------
// Apply merge.

/** Thrown when a list of the configuration or the live object cannot be merged. */
export class MergeError extends Error {}

/**
 * Merges the applied configuration `rhs` into the live value `lhs`: scalars and atomic values from
 * `rhs` win, maps merge per key, list-maps and sets merge per element (keeping live-only elements
 * in place). Returns undefined only when both are absent. Shares structure with both inputs.
 */
export function merge(lhs: unknown, rhs: unknown, type: TypeRef): unknown {
  if (lhs === undefined && rhs === undefined) return undefined;
  const errs: string[] = [];
  const out = mergeWalk(lhs, rhs, type, [], errs);
  if (errs.length > 0) throw new MergeError(errs.length === 1 ? errs[0] : ['errors:', ...errs].join('\n  '));
  return out;
}

interface MergeState {
  inLeaf: boolean;
  out: unknown;
}

function mergeWalk(l: unknown, r: unknown, type: TypeRef, path: PathElement[], errs: string[]): unknown {
  const atom = type.atom;
  const al = deduce(atom, l);
  const ar = deduce(atom, r);
  const state: MergeState = { inLeaf: false, out: undefined };
  if (r === undefined) mergeAtom(al, l, r, path, errs, state);
  else if (l === undefined || sameAtom(al, ar)) mergeAtom(ar, l, r, path, errs, state);
  else {
    mergeAtom(al, l, r, path, errs, { inLeaf: false, out: undefined });
    mergeAtom(ar, l, r, path, errs, state);
  }
  return state.out;
}

function mergeLeaf(l: unknown, r: unknown, state: MergeState): void {
  if (state.inLeaf) return;
  state.inLeaf = true;
  state.out = r !== undefined ? r : l;
}

function mergeAtom(
  atom: Atom,
  l: unknown,
  r: unknown,
  path: PathElement[],
  errs: string[],
  state: MergeState,
): void {
  if (atom.map) {
    const lm = isObj(l) ? l : undefined;
    const rm = isObj(r) ? r : undefined;
    const empty = (!lm || Object.keys(lm).length === 0) && (!rm || Object.keys(rm).length === 0);
    if (atom.map.atomic || empty) {
      mergeLeaf(l, r, state);
      return;
    }
    const out: Obj = {};
    const keys = new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})]);
    keys.delete('__proto__');
    for (const k of keys) {
      path.push(fieldElement(k));
      const v = mergeWalk(get(lm, k), get(rm, k), atom.map.fields.get(k)?.type ?? atom.map.elem, path, errs);
      path.pop();
      if (v !== undefined) out[k] = v;
    }
    if (Object.keys(out).length > 0) state.out = out;
  } else if (atom.scalar) {
    mergeLeaf(l, r, state);
  } else if (atom.list) {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    const empty = (!ll || ll.length === 0) && (!rl || rl.length === 0);
    if (atom.list.atomic || empty) {
      mergeLeaf(l, r, state);
      return;
    }
    const out = mergeListItems(atom.list, ll ?? [], rl ?? [], path, errs);
    if (out.length > 0) state.out = out;
  }
}

interface Indexed {
  pes: PathElement[];
  ids: string[];
  /** Item by element id; a duplicated live element reads as null. */
  observed: Map<string, unknown>;
}

function indexForMerge(
  list: ListDef,
  items: readonly unknown[],
  allowDuplicates: boolean,
  path: PathElement[],
  errs: string[],
): Indexed {
  const r: Indexed = { pes: [], ids: [], observed: new Map() };
  items.forEach((item, i) => {
    let pe: PathElement;
    try {
      pe = elementOf(list, item);
    } catch (e) {
      if (!(e instanceof ElementError)) throw e;
      errs.push(`${pathString(path)}: element ${i}: ${e.message}`);
      return;
    }
    const id = serializeElement(pe);
    if (r.observed.has(id)) {
      if (!allowDuplicates) {
        errs.push(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
        return;
      }
      r.observed.set(id, null);
    } else {
      r.observed.set(id, item);
    }
    r.pes.push(pe);
    r.ids.push(id);
  });
  return r;
}

/** Upstream's element ordering: live order, with the configuration's shared elements in its order. */
function mergeListItems(
  list: ListDef,
  ll: unknown[],
  rl: unknown[],
  path: PathElement[],
  errs: string[],
): unknown[] {
  const before = errs.length;
  const rhs = indexForMerge(list, rl, false, path, errs);
  const lhs = indexForMerge(list, ll, true, path, errs);
  if (errs.length > before) return [];
  const out: unknown[] = [];
  const shared = rhs.ids.filter((id) => lhs.observed.has(id));
  let nextShared = shared.shift();
  const mergedRHS = new Set<string>();
  const item = (lChild: unknown, rChild: unknown, pe: PathElement): void => {
    path.push(pe);
    const v = mergeWalk(lChild, rChild, list.elem, path, errs);
    path.pop();
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < lhs.ids.length || ri < rhs.ids.length) {
    if (li < lhs.ids.length && ri < rhs.ids.length) {
      const id = lhs.ids[li]!;
      if (id === rhs.ids[ri]) {
        mergedRHS.add(id);
        item(lhs.observed.get(id), rhs.observed.get(id), lhs.pes[li]!);
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (rhs.observed.has(id) && nextShared !== undefined && nextShared !== id) {
        li++;
        continue;
      }
    }
    if (li < lhs.ids.length) {
      const id = lhs.ids[li]!;
      if (!rhs.observed.has(id)) {
        item(ll[li], undefined, lhs.pes[li]!);
        li++;
        continue;
      } else if (mergedRHS.has(id)) {
        li++;
      }
    }
    if (ri < rhs.ids.length) {
      const id = rhs.ids[ri]!;
      mergedRHS.add(id);
      item(lhs.observed.get(id), rhs.observed.get(id), rhs.pes[ri]!);
      ri++;
      if (nextShared !== undefined && nextShared === id) nextShared = shared.shift();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Removal.

function isEmptyContainer(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);
}

/**
 * A copy of `v` without the fields in `toRemove`: a member removes the whole field or element, a
 * child set removes inside it. A map or list emptied by the removal is dropped from its parent.
 */
export function removeItems(v: unknown, toRemove: FieldSet, type: TypeRef): unknown {
  if (toRemove.isEmpty()) return v;
  const atom = deduce(type.atom, v);
  if (atom.map) {
    if (!isObj(v) || atom.map.atomic) return v;
    const out: Obj = {};
    for (const [k, val] of Object.entries(v)) {
      const pe = fieldElement(k);
      if (toRemove.hasMember(pe) || k === '__proto__') continue;
      const sub = toRemove.withPrefix(pe);
      if (sub.isEmpty()) {
        out[k] = val;
        continue;
      }
      const nv = removeItems(val, sub, atom.map.fields.get(k)?.type ?? atom.map.elem);
      if (!isEmptyContainer(nv) || isEmptyContainer(val)) out[k] = nv;
    }
    return out;
  }
  if (atom.scalar || !atom.list || !Array.isArray(v) || atom.list.atomic) return v;
  const list = atom.list;
  const out: unknown[] = [];
  for (const item of v) {
    const pe = tryElementOf(list, item);
    if (!pe) {
      out.push(item);
      continue;
    }
    if (toRemove.hasMember(pe)) continue;
    const sub = toRemove.withPrefix(pe);
    out.push(sub.isEmpty() ? item : removeItems(item, sub, list.elem));
  }
  return out;
}

/**
 * The set with every child that is a declared struct field also made a member, so that removing the
 * set removes those fields entirely (upstream's EnsureNamedFieldsAreMembers).
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, type: TypeRef | undefined): FieldSet {
  const atom = type?.atom;
  const members = [...set.memberEntries()];
  const children: { pe: PathElement; set: FieldSet }[] = [];
  for (const c of set.childEntries()) {
    let childType: TypeRef | undefined;
    if (c.pe.kind === 'field' && atom?.map) {
      const field = atom.map.fields.get(c.pe.name);
      if (field) members.push(c.pe);
      childType = field?.type ?? atom.map.elem;
    } else if (c.pe.kind === 'key' && atom?.list) {
      childType = atom.list.elem;
    }
    children.push({ pe: c.pe, set: ensureNamedFieldsAreMembers(c.set, childType) });
  }
  return FieldSet.build(members, children);
}

/**
 * What a newly created object is compared against when its first owner is recorded: the zero
 * value upstream's typed objects start from, approximated from the schema as the struct-valued
 * fields `v` sets (present and empty) and its required lists and maps (null). Fields created
 * inside those then have no owner of the struct itself, as upstream's managedFields show.
 */
export function createBaseline(v: unknown, type: TypeRef): unknown {
  const map = type.atom.map;
  if (!map || map.atomic || map.fields.size === 0 || !isObj(v)) return {};
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    const field = map.fields.get(k);
    if (!field || val === null || typeof val !== 'object') continue;
    const fieldMap = field.type.atom.map;
    if (isObj(val) && fieldMap && !fieldMap.atomic && fieldMap.fields.size > 0)
      out[k] = createBaseline(val, field.type);
    else if (map.required.has(k)) out[k] = null;
  }
  return out;
}
