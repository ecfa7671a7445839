/**
 * @module structured-merge-diff's operations on typed values: the set of fields a value sets, the
 * comparison of two values (added / modified / removed fields), the apply merge, and removal of a
 * set of fields. Values are decoded JSON; `undefined` means absent.
 */
import { goJSONString } from '../patch/go-format.js';
import { BuildNode, FieldSet, finishBuilt, isMemberNode, type FieldsNode } from './field-set.js';
import {
  compareElements,
  elementOfKey,
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

function isEmptyObj(o: Obj): boolean {
  for (const _ in o) return false;
  return true;
}

/** `m[k]` if `m` has it as an own property, else undefined (without a hasOwn call for plain keys). */
function own(m: Obj, k: string): unknown {
  const v = m[k];
  if (v === undefined) return undefined;
  if (k === '__proto__' || typeof v === 'function') return Object.hasOwn(m, k) ? v : undefined;
  return v;
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

/**
 * True only when `a` and `b` are equal JSON values with no `undefined` anywhere inside: the typed
 * walks then find nothing to record below them (an explicit undefined would still count as a
 * field), so they may skip the pair.
 */
function sameJSON(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null) return a === b && a !== undefined;
  if (typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJSON(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Obj;
  const bo = b as Obj;
  let n = 0;
  for (const k in ao) {
    const av = ao[k];
    if (av === undefined || typeof av === 'function') return false;
    const bv = own(bo, k);
    if (bv === undefined || !sameJSON(av, bv)) return false;
    n++;
  }
  for (const _ in bo) n--;
  return n === 0;
}

function isEmptyContainer(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isObj(v) && isEmptyObj(v));
}

function fieldKey(map: MapDef, k: string): string {
  return map.fields.get(k)?.key ?? mapKey(k);
}

function fieldType(map: MapDef, k: string): TypeRef {
  return map.fields.get(k)?.type ?? map.elem;
}

// ---------------------------------------------------------------------------------------------
// List elements.

class ElementError extends Error {}

interface KeyInfo {
  /** Key field names sorted as upstream sorts a key's fields. */
  names: string[];
  /** The names JSON-encoded. */
  quoted: string[];
  /** Each key field's schema default (used when an element omits it). */
  defaults: unknown[];
  /**
   * Elements by their key fields' scalar values, one map level per key field (ABSENT for a field
   * the item omits and that has no default); NONE marks items without an element.
   */
  cache: Map<unknown, unknown>;
  cached: number;
}

/** One list element: its FieldsV1 key and the element (which orders it). Shared: do not mutate. */
interface Element {
  readonly id: string;
  readonly element: PathElement;
}

const ABSENT = Symbol('absent');
const NONE = Symbol('none');
const CACHE_LIMIT = 4096;

const fieldKeys = new Map<string, string>();

/** `f:<name>`, cached for map keys that are not declared fields (labels, annotations, ...). */
function mapKey(name: string): string {
  let key = fieldKeys.get(name);
  if (key === undefined) {
    key = `f:${name}`;
    if (fieldKeys.size >= CACHE_LIMIT) fieldKeys.clear();
    fieldKeys.set(name, key);
  }
  return key;
}

const keyInfos = new WeakMap<ListDef, KeyInfo>();

function keyInfo(list: ListDef): KeyInfo {
  let info = keyInfos.get(list);
  if (!info) {
    const names = [...list.keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const fields = list.elem.atom.map?.fields;
    info = {
      names,
      quoted: names.map(goJSONString),
      defaults: names.map((n) => fields?.get(n)?.default),
      cache: new Map(),
      cached: 0,
    };
    keyInfos.set(list, info);
  }
  return info;
}

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

/** elementOf without the errors, uncached: undefined when the item has no valid element. */
function computeElement(list: ListDef, info: KeyInfo, item: unknown): Element | undefined {
  let element: PathElement;
  if (list.keys.length === 0) {
    if (item === null || typeof item === 'object') return undefined;
    element = { kind: 'value', value: item };
  } else {
    if (!isObj(item)) return undefined;
    const fields: { name: string; value: unknown }[] = [];
    for (let i = 0; i < info.names.length; i++) {
      const name = info.names[i]!;
      if (Object.hasOwn(item, name)) fields.push({ name, value: item[name] });
      else {
        const v = info.defaults[i];
        if (v !== undefined && v !== null) fields.push({ name, value: v });
      }
    }
    if (fields.length === 0) return undefined;
    element = { kind: 'key', fields };
  }
  return { id: serializeElement(element), element };
}

/** The element of a list item (cached when its key values are scalars), or undefined if it has none. */
function itemElement(list: ListDef, item: unknown): Element | undefined {
  if (list.atomic) return undefined;
  const info = keyInfo(list);
  let level = info.cache;
  let key: unknown;
  if (list.keys.length === 0) {
    if (item === null || typeof item === 'object') return undefined;
    key = item;
  } else {
    if (!isObj(item)) return undefined;
    const last = info.names.length - 1;
    for (let i = 0; ; i++) {
      const name = info.names[i]!;
      let v: unknown;
      if (Object.hasOwn(item, name)) v = item[name];
      else {
        v = info.defaults[i];
        if (v === undefined || v === null) v = ABSENT;
      }
      if (v !== null && typeof v === 'object') return computeElement(list, info, item);
      if (i === last) {
        key = v;
        break;
      }
      let next = level.get(v) as Map<unknown, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(v, next);
        info.cached++;
      }
      level = next;
    }
  }
  const hit = level.get(key);
  if (hit !== undefined) return hit === NONE ? undefined : (hit as Element);
  const e = computeElement(list, info, item);
  if (info.cached >= CACHE_LIMIT) {
    info.cache.clear();
    info.cached = 0;
  }
  info.cached++;
  level.set(key, e ?? NONE);
  return e;
}

/** serializeElement(elementOf(list, item)), or undefined when the item has no valid element. */
function itemKey(list: ListDef, item: unknown): string | undefined {
  return itemElement(list, item)?.id;
}

/** One distinct element of a list: its key, what orders it, and its item (unless duplicated). */
interface ItemEntry {
  id: string;
  element: PathElement;
  item: unknown;
  /** More than one item has this element. */
  dup: boolean;
}

/** The list's valid elements once each, in upstream's element order. */
function sortedItems(list: ListDef, items: readonly unknown[]): ItemEntry[] {
  if (items.length > 32) return sortedManyItems(list, items);
  const out: ItemEntry[] = [];
  for (const item of items) {
    const e = itemElement(list, item);
    if (e === undefined) continue;
    const { id, element } = e;
    // Insertion sort: lists are short, and equal elements meet here.
    let j = out.length - 1;
    let c = 1;
    while (j >= 0 && (c = compareElements(out[j]!.element, element)) > 0) j--;
    if (c === 0) {
      let k = j;
      while (k >= 0 && out[k]!.id !== id && compareElements(out[k]!.element, element) === 0) k--;
      if (k >= 0 && out[k]!.id === id) {
        out[k]!.dup = true;
        continue;
      }
    }
    out.splice(j + 1, 0, { id, element, item, dup: false });
  }
  return out;
}

function sortedManyItems(list: ListDef, items: readonly unknown[]): ItemEntry[] {
  const byId = new Map<string, ItemEntry>();
  for (const item of items) {
    const e = itemElement(list, item);
    if (e === undefined) continue;
    const seen = byId.get(e.id);
    if (seen) seen.dup = true;
    else byId.set(e.id, { id: e.id, element: e.element, item, dup: false });
  }
  return [...byId.values()].sort((a, b) => compareElements(a.element, b.element));
}

/** Sorts strings in place by UTF-16 code units (Array.prototype.sort's default order). */
function sortStrings(a: string[]): string[] {
  if (a.length > 32) return a.sort();
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// The fields a value sets.

/** Every field `v` sets: leaves, list elements, empty or null maps, map entries and atomic values. */
export function toFieldSet(v: unknown, type: TypeRef): FieldSet {
  return FieldSet.fromNode(fieldSetWalk(v, type, ROOT, false));
}

/** ensureNamedFieldsAreMembers(toFieldSet(v, type), type), in one walk. */
export function toNamedFieldSet(v: unknown, type: TypeRef): FieldSet {
  return FieldSet.fromNode(fieldSetWalk(v, type, ROOT, true));
}

/** Whether a walk's path is itself in the set (decided by the parent). */
const NOT_MEMBER = 0;
const MEMBER = 1;
/** A member when it has children (a declared field, with `named`). */
const MEMBER_IF_CHILDREN = 2;
/** The set's root: its membership means nothing. */
const ROOT = 3;

type Membership = typeof NOT_MEMBER | typeof MEMBER | typeof MEMBER_IF_CHILDREN | typeof ROOT;

/** The node of the current path, or null when the path contributes nothing. */
function fieldSetWalk(v: unknown, type: TypeRef, member: Membership, named: boolean): FieldsNode | null {
  const atom = type.deduce(v);
  if (atom.map) {
    if (atom.map.atomic) return {};
    if (!isObj(v)) return member === MEMBER || member === ROOT ? {} : null;
    const map = atom.map;
    const out: FieldsNode = {};
    let any = false;
    for (const k of sortStrings(Object.keys(v))) {
      const val = v[k];
      const field = map.fields.get(k);
      const c = fieldSetWalk(
        val,
        field?.type ?? map.elem,
        val === null || (isObj(val) && isEmptyObj(val)) || field === undefined
          ? MEMBER
          : named
            ? MEMBER_IF_CHILDREN
            : NOT_MEMBER,
        named,
      );
      if (c === null) continue;
      if (!any && (member === MEMBER || member === MEMBER_IF_CHILDREN)) out['.'] = {};
      any = true;
      out[field?.key ?? mapKey(k)] = c;
    }
    return any || member === MEMBER || member === ROOT ? out : null;
  }
  if (atom.scalar) return {};
  if (atom.list) {
    const list = atom.list;
    if (list.atomic) return {};
    const entries = Array.isArray(v) ? sortedItems(list, v) : [];
    if (entries.length === 0) return member === MEMBER || member === ROOT ? {} : null;
    const out: FieldsNode = {};
    if (member === MEMBER || member === MEMBER_IF_CHILDREN) out['.'] = {};
    for (const e of entries) out[e.id] = e.dup ? {} : fieldSetWalk(e.item, list.elem, MEMBER, named)!;
    return out;
  }
  return member === MEMBER || member === ROOT ? {} : null;
}

// ---------------------------------------------------------------------------------------------
// Validation of an applied configuration.

/** A step of a path kept only for error messages: a field key, or a list item to name. */
type Step = string | { readonly list: ListDef; readonly item: unknown };

function stepsPath(path: readonly Step[]): string {
  return pathString(path.map((s) => (typeof s === 'string' ? elementOfKey(s)! : elementOf(s.list, s.item))));
}

/** Upstream's checks of an apply configuration's lists: element keys and duplicate entries. */
export function validateApplied(v: unknown, type: TypeRef): string[] {
  const errs: string[] = [];
  validateWalk(v, type, [], errs);
  return errs;
}

function validateWalk(v: unknown, type: TypeRef, path: Step[], errs: string[]): void {
  const atom = type.deduce(v);
  if (atom.map) {
    if (!isObj(v)) return;
    const map = atom.map;
    for (const k in v) {
      path.push(fieldKey(map, k));
      validateWalk(v[k], fieldType(map, k), path, errs);
      path.pop();
    }
  } else if (!atom.scalar && atom.list && Array.isArray(v)) {
    const list = atom.list;
    if (list.atomic) return;
    const seen = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      let id = itemKey(list, item);
      if (id === undefined) {
        try {
          id = serializeElement(elementOf(list, item));
        } catch (e) {
          if (!(e instanceof ElementError)) throw e;
          errs.push(`${stepsPath(path)}: element ${i}: ${e.message}`);
          return;
        }
      }
      if (seen.has(id))
        errs.push(`${stepsPath(path)}: duplicate entries for key ${stepsPath([{ list, item }])}`);
      seen.add(id);
      path.push({ list, item });
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

/** Membership bits of a comparison's {@link BuildNode}s. */
export const ADDED = 1;
export const MODIFIED = 2;
export const REMOVED = 4;

/** Compares `lhs` (before) with `rhs` (after). */
export function compare(lhs: unknown, rhs: unknown, type: TypeRef): Comparison {
  const root = compareInto(lhs, rhs, type, undefined).tree;
  return {
    added: FieldSet.fromNode(finishBuilt(root, ADDED, undefined)),
    modified: FieldSet.fromNode(finishBuilt(root, MODIFIED, undefined)),
    removed: FieldSet.fromNode(finishBuilt(root, REMOVED, undefined)),
  };
}

/**
 * The comparison of `lhs` and `rhs` as one tree flagged {@link ADDED} / {@link MODIFIED} /
 * {@link REMOVED}, leaving out everything at or below the members of `skip` (as a recursive
 * difference with it would). Equal subtrees are not walked.
 */
export function compareInto(
  lhs: unknown,
  rhs: unknown,
  type: TypeRef,
  skip: FieldsNode | undefined,
): { tree: BuildNode; removed: boolean } {
  const tree = new BuildNode();
  sawRemoved = false;
  if (lhs !== undefined || rhs !== undefined) compareWalk(lhs, rhs, type, tree, skip);
  return { tree, removed: sawRemoved };
}

/** Set by the comparison walk when it flags anything {@link REMOVED}. */
let sawRemoved = false;

function compareWalk(
  l: unknown,
  r: unknown,
  type: TypeRef,
  node: BuildNode,
  skip: FieldsNode | undefined,
): void {
  const al = type.deduce(l);
  const ar = type.deduce(r);
  let inLeaf: boolean;
  if (r === undefined) inLeaf = compareAtom(al, l, r, node, skip);
  else if (l === undefined || sameAtom(al, ar)) inLeaf = compareAtom(ar, l, r, node, skip);
  else {
    compareAtom(al, l, r, node, skip);
    inLeaf = compareAtom(ar, l, r, node, skip);
  }
  if (!inLeaf) {
    if (l === undefined) node.flags |= ADDED;
    else if (r === undefined) {
      node.flags |= REMOVED;
      sawRemoved = true;
    }
  }
}

function compareLeaf(l: unknown, r: unknown, node: BuildNode): true {
  if (l === undefined) node.flags |= ADDED;
  else if (r === undefined) {
    node.flags |= REMOVED;
    sawRemoved = true;
  } else if (!valuesEqual(l, r)) node.flags |= MODIFIED;
  return true;
}

function compareChild(
  map: MapDef,
  k: string,
  l: unknown,
  r: unknown,
  node: BuildNode,
  skip: FieldsNode | undefined,
): void {
  if (l !== undefined && r !== undefined && sameJSON(l, r)) return;
  const field = map.fields.get(k);
  const key = field?.key ?? mapKey(k);
  let childSkip: FieldsNode | undefined;
  if (skip !== undefined) {
    childSkip = skip[key];
    if (childSkip !== undefined && isMemberNode(childSkip)) return;
  }
  compareWalk(l, r, field?.type ?? map.elem, node.child(key), childSkip);
}

/** Returns whether the value was compared as a leaf. */
function compareAtom(
  atom: Atom,
  l: unknown,
  r: unknown,
  node: BuildNode,
  skip: FieldsNode | undefined,
): boolean {
  if (atom.map) {
    const map = atom.map;
    const lm = isObj(l) ? l : undefined;
    const rm = isObj(r) ? r : undefined;
    if (map.atomic || ((!lm || isEmptyObj(lm)) && (!rm || isEmptyObj(rm)))) return compareLeaf(l, r, node);
    if (lm) for (const k in lm) compareChild(map, k, lm[k], rm ? own(rm, k) : undefined, node, skip);
    if (rm)
      for (const k in rm)
        if (lm === undefined || own(lm, k) === undefined) compareChild(map, k, undefined, rm[k], node, skip);
    return false;
  }
  if (atom.scalar) return compareLeaf(l, r, node);
  if (atom.list) {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    if (atom.list.atomic || ((!ll || ll.length === 0) && (!rl || rl.length === 0)))
      return compareLeaf(l, r, node);
    compareListItems(atom.list, ll ?? [], rl ?? [], node);
  }
  return false;
}

function indexItems(list: ListDef, items: readonly unknown[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const item of items) {
    const id = itemKey(list, item);
    if (id === undefined) continue;
    const e = out.get(id);
    if (e) e.push(item);
    else out.set(id, [item]);
  }
  return out;
}

function compareListItems(list: ListDef, ll: unknown[], rl: unknown[], node: BuildNode): void {
  const lv = indexItems(list, ll);
  const rv = indexItems(list, rl);
  for (const [id, lList] of lv) compareItem(list, id, lList, rv.get(id) ?? [], node);
  for (const [id, rList] of rv) if (!lv.has(id)) compareItem(list, id, [], rList, node);
}

function compareItem(list: ListDef, id: string, lList: unknown[], rList: unknown[], node: BuildNode): void {
  if (lList.length <= 1 && rList.length <= 1) {
    const l = lList[0];
    const r = rList[0];
    if (l !== undefined && r !== undefined && sameJSON(l, r)) return;
    compareWalk(l, r, list.elem, node.child(id), undefined);
  } else if (lList.length >= 2 && rList.length >= 2) {
    if (!valuesEqual(lList, rList)) node.child(id).flags |= MODIFIED;
  } else if (lList.length >= 2) {
    const child = node.child(id);
    if (rList.length !== 0) compareWalk(undefined, rList[0], list.elem, child, undefined);
    child.flags |= REMOVED;
    sawRemoved = true;
  } else {
    const child = node.child(id);
    if (lList.length !== 0) compareWalk(lList[0], undefined, list.elem, child, undefined);
    child.flags |= ADDED;
  }
}

// ---------------------------------------------------------------------------------------------
// The fields a create sets.

/**
 * The fields a newly created object `v` sets, as {@link compare} of {@link createBaseline} and `v`
 * reports them added or modified, without the members of `skip` and what lies below them. Walks
 * `v` once, building the sorted FieldsV1 tree directly; unusual shapes take the general comparison.
 */
export function createdFields(v: unknown, type: TypeRef, skip: FieldsNode | undefined): FieldsNode | null {
  if (!isObj(v) || !type.atom.map) return generalCreated(createBaseline(v, type), v, type, skip);
  return createdStruct(v, type, type.atom.map, skip);
}

function generalCreated(
  l: unknown,
  r: unknown,
  type: TypeRef,
  skip: FieldsNode | undefined,
): FieldsNode | null {
  // Unlike compare's root, an absent value inside an object is still walked (it counts as added).
  const root = new BuildNode();
  compareWalk(l, r, type, root, skip);
  return finishBuilt(root, ADDED | MODIFIED, (root.flags & (ADDED | MODIFIED)) !== 0);
}

/** A struct-valued object `v` whose baseline is the object createBaseline makes of it. */
function createdStruct(v: Obj, type: TypeRef, map: MapDef, skip: FieldsNode | undefined): FieldsNode | null {
  const keys = Object.keys(v);
  if (keys.length === 0) return null;
  // An atomic map's baseline is {}: the whole value is a modified leaf.
  if (map.atomic) return {};
  const structured = map.fields.size > 0;
  sortStrings(keys);
  let out: FieldsNode | undefined;
  for (const k of keys) {
    const field = structured ? map.fields.get(k) : undefined;
    const key = field?.key ?? mapKey(k);
    let childSkip: FieldsNode | undefined;
    if (skip !== undefined) {
      childSkip = skip[key];
      if (childSkip !== undefined && isMemberNode(childSkip)) continue;
    }
    const val = v[k];
    const ftype = field?.type ?? map.elem;
    let c: FieldsNode | null;
    if (field !== undefined && val !== null && typeof val === 'object') {
      const fieldMap = ftype.atom.map;
      if (isObj(val) && fieldMap && !fieldMap.atomic && fieldMap.fields.size > 0) {
        c = createdStruct(val, ftype, fieldMap, childSkip);
      } else if (map.required.has(k)) {
        c =
          childSkip === undefined ? createdFromNull(val, ftype) : generalCreated(null, val, ftype, childSkip);
      } else {
        c =
          childSkip === undefined ? addedNode(val, ftype) : generalCreated(undefined, val, ftype, childSkip);
      }
    } else {
      c = childSkip === undefined ? addedNode(val, ftype) : generalCreated(undefined, val, ftype, childSkip);
    }
    if (c === null) continue;
    out ??= {};
    out[key] = c;
  }
  return out ?? null;
}

/** compare(null, v) for a required list or map field, as the added/modified node. */
function createdFromNull(v: unknown, type: TypeRef): FieldsNode | null {
  const atom = type.atom;
  if (Array.isArray(v) && atom.list && !atom.map && !atom.scalar) {
    if (atom.list.atomic || v.length === 0) return {};
    return addedItems(atom.list, v, false) ?? null;
  }
  if (isObj(v) && atom.map && !atom.list && !atom.scalar) {
    const map = atom.map;
    if (map.atomic || isEmptyObj(v)) return {};
    return addedEntries(map, v, false);
  }
  return generalCreated(null, v, type, undefined);
}

/** The node of a value compared against nothing: itself and everything inside it are added. */
function addedNode(v: unknown, type: TypeRef): FieldsNode {
  if (v === null || typeof v !== 'object') return {};
  if (Array.isArray(v)) {
    const list = type.atom.list;
    if (!list || list.atomic || v.length === 0) return {};
    return addedItems(list, v, true) ?? {};
  }
  const map = type.atom.map;
  if (!map || map.atomic) return {};
  return addedEntries(map, v as Obj, true) ?? {};
}

function addedEntries(map: MapDef, v: Obj, member: boolean): FieldsNode | null {
  const keys = Object.keys(v);
  if (keys.length === 0) return null;
  sortStrings(keys);
  const out: FieldsNode = {};
  if (member) out['.'] = {};
  const structured = map.fields.size > 0;
  for (const k of keys) {
    const field = structured ? map.fields.get(k) : undefined;
    out[field?.key ?? mapKey(k)] = addedNode(v[k], field?.type ?? map.elem);
  }
  return out;
}

function addedItems(list: ListDef, items: unknown[], member: boolean): FieldsNode | undefined {
  const entries = sortedItems(list, items);
  if (entries.length === 0) return undefined;
  const out: FieldsNode = {};
  if (member) out['.'] = {};
  for (const e of entries) out[e.id] = e.dup ? {} : addedNode(e.item, list.elem);
  return out;
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

function mergeWalk(l: unknown, r: unknown, type: TypeRef, path: Step[], errs: string[]): unknown {
  const al = type.deduce(l);
  const ar = type.deduce(r);
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
  path: Step[],
  errs: string[],
  state: MergeState,
): void {
  if (atom.map) {
    const map = atom.map;
    const lm = isObj(l) ? l : undefined;
    const rm = isObj(r) ? r : undefined;
    if (map.atomic || ((!lm || isEmptyObj(lm)) && (!rm || isEmptyObj(rm)))) {
      mergeLeaf(l, r, state);
      return;
    }
    const out: Obj = {};
    let any = false;
    const one = (k: string, lv: unknown, rv: unknown): void => {
      if (k === '__proto__') return;
      path.push(fieldKey(map, k));
      const v = mergeWalk(lv, rv, fieldType(map, k), path, errs);
      path.pop();
      if (v !== undefined) {
        out[k] = v;
        any = true;
      }
    };
    if (lm) for (const k in lm) one(k, lm[k], rm ? own(rm, k) : undefined);
    if (rm) for (const k in rm) if (lm === undefined || !Object.hasOwn(lm, k)) one(k, undefined, rm[k]);
    if (any) state.out = out;
  } else if (atom.scalar) {
    mergeLeaf(l, r, state);
  } else if (atom.list) {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    if (atom.list.atomic || ((!ll || ll.length === 0) && (!rl || rl.length === 0))) {
      mergeLeaf(l, r, state);
      return;
    }
    const out = mergeListItems(atom.list, ll ?? [], rl ?? [], path, errs);
    if (out.length > 0) state.out = out;
  }
}

interface Indexed {
  ids: string[];
  items: unknown[];
  /** Item by element id; a duplicated live element reads as null. */
  observed: Map<string, unknown>;
}

function indexForMerge(
  list: ListDef,
  items: readonly unknown[],
  allowDuplicates: boolean,
  path: Step[],
  errs: string[],
): Indexed {
  const r: Indexed = { ids: [], items: [], observed: new Map() };
  items.forEach((item, i) => {
    let id = itemKey(list, item);
    if (id === undefined) {
      try {
        id = serializeElement(elementOf(list, item));
      } catch (e) {
        if (!(e instanceof ElementError)) throw e;
        errs.push(`${stepsPath(path)}: element ${i}: ${e.message}`);
        return;
      }
    }
    if (r.observed.has(id)) {
      if (!allowDuplicates) {
        errs.push(`${stepsPath(path)}: duplicate entries for key ${stepsPath([{ list, item }])}`);
        return;
      }
      r.observed.set(id, null);
    } else {
      r.observed.set(id, item);
    }
    r.ids.push(id);
    r.items.push(item);
  });
  return r;
}

/** Upstream's element ordering: live order, with the configuration's shared elements in its order. */
function mergeListItems(
  list: ListDef,
  ll: unknown[],
  rl: unknown[],
  path: Step[],
  errs: string[],
): unknown[] {
  const before = errs.length;
  const rhs = indexForMerge(list, rl, false, path, errs);
  const lhs = indexForMerge(list, ll, true, path, errs);
  if (errs.length > before) return [];
  const out: unknown[] = [];
  const shared = rhs.ids.filter((id) => lhs.observed.has(id));
  let sharedAt = 0;
  let nextShared = shared[sharedAt++];
  const mergedRHS = new Set<string>();
  const item = (lChild: unknown, rChild: unknown, named: unknown): void => {
    path.push({ list, item: named });
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
        item(lhs.observed.get(id), rhs.observed.get(id), lhs.items[li]);
        li++;
        ri++;
        nextShared = shared[sharedAt++];
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
        item(ll[li], undefined, lhs.items[li]);
        li++;
        continue;
      } else if (mergedRHS.has(id)) {
        li++;
      }
    }
    if (ri < rhs.ids.length) {
      const id = rhs.ids[ri]!;
      mergedRHS.add(id);
      item(lhs.observed.get(id), rhs.observed.get(id), rhs.items[ri]);
      ri++;
      if (nextShared !== undefined && nextShared === id) nextShared = shared[sharedAt++];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Removal.

/**
 * A copy of `v` without the fields in `toRemove`: a member removes the whole field or element, a
 * child set removes inside it. A map or list emptied by the removal is dropped from its parent.
 */
export function removeItems(v: unknown, toRemove: FieldSet, type: TypeRef): unknown {
  return removeNode(v, toRemove.node, type);
}

function hasKids(n: FieldsNode): boolean {
  for (const k in n) if (k !== '.') return true;
  return false;
}

function removeNode(v: unknown, rm: FieldsNode, type: TypeRef): unknown {
  if (!hasKids(rm)) return v;
  const atom = type.deduce(v);
  if (atom.map) {
    const map = atom.map;
    if (!isObj(v) || map.atomic) return v;
    const out: Obj = {};
    for (const [k, val] of Object.entries(v)) {
      if (k === '__proto__') continue;
      const sub = rm[fieldKey(map, k)];
      if (sub === undefined || !hasKids(sub)) {
        if (sub === undefined || !isMemberNode(sub)) out[k] = val;
        continue;
      }
      if (isMemberNode(sub)) continue;
      const nv = removeNode(val, sub, fieldType(map, k));
      if (!isEmptyContainer(nv) || isEmptyContainer(val)) out[k] = nv;
    }
    return out;
  }
  if (atom.scalar || !atom.list || !Array.isArray(v) || atom.list.atomic) return v;
  const list = atom.list;
  const out: unknown[] = [];
  for (const item of v) {
    const id = itemKey(list, item);
    const sub = id === undefined ? undefined : rm[id];
    if (sub === undefined) {
      out.push(item);
      continue;
    }
    if (isMemberNode(sub)) continue;
    out.push(hasKids(sub) ? removeNode(item, sub, list.elem) : item);
  }
  return out;
}

/**
 * The set with every child that is a declared struct field also made a member, so that removing the
 * set removes those fields entirely (upstream's EnsureNamedFieldsAreMembers).
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, type: TypeRef | undefined): FieldSet {
  return FieldSet.fromNode(namedMembers(set.node, type, undefined));
}

function namedMembers(n: FieldsNode, type: TypeRef | undefined, member: boolean | undefined): FieldsNode {
  const atom = type?.atom;
  let changes: Map<string, FieldsNode> | undefined;
  for (const k in n) {
    if (k === '.') continue;
    const c = n[k]!;
    if (!hasKids(c)) continue;
    let childType: TypeRef | undefined;
    let named = false;
    if (k.startsWith('f:') && atom?.map) {
      const field = atom.map.fields.get(k.slice(2));
      named = field !== undefined;
      childType = field?.type ?? atom.map.elem;
    } else if (k.startsWith('k:') && atom?.list) {
      childType = atom.list.elem;
    }
    const nc = namedMembers(c, childType, named || isMemberNode(c));
    if (nc !== c) (changes ??= new Map()).set(k, nc);
  }
  if (changes === undefined && (member === undefined || member === isMemberNode(n))) return n;
  const out: FieldsNode = {};
  if (member) out['.'] = {};
  for (const k in n) if (k !== '.') out[k] = changes?.get(k) ?? n[k]!;
  return out;
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
