/**
 * @module A set of field paths with structured-merge-diff's set algebra, kept in its FieldsV1 form
 * (`{"f:spec":{"f:replicas":{}}}`, `"."` marking a node that is itself a member): decoding a
 * well-formed FieldsV1 object adopts it as is, encoding hands the same object back, and the
 * operations copy only the nodes they change.
 */
import {
  compareKeys,
  deserializeElement,
  elementOfKey,
  isCanonicalKey,
  serializeElement,
  type Path,
  type PathElement,
} from './path.js';

/**
 * A node of a canonical FieldsV1 tree: keys are serialized elements in upstream's order, `"."`
 * (an empty object) comes first when the node is a member and has children, `{}` is a member
 * without children. Nodes are shared between sets and never mutated once built.
 */
export interface FieldsNode {
  [key: string]: FieldsNode;
}

const DOT = '.';

/** Whether the node's path is itself in the set: a leaf, or a node whose first key is ".". */
export function isMemberNode(n: FieldsNode): boolean {
  for (const k in n) return k === DOT;
  return true;
}

function hasChildren(n: FieldsNode): boolean {
  for (const k in n) if (k !== DOT) return true;
  return false;
}

function isEmptyObject(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

type Changes = Map<string, FieldsNode | null>;

/** Sorts keys in upstream's element order (insertion sort: nodes have few keys). */
export function sortKeys(keys: string[]): string[] {
  if (keys.length > 32) return keys.sort(compareKeys);
  for (let i = 1; i < keys.length; i++) {
    const x = keys[i]!;
    let j = i - 1;
    while (j >= 0 && compareKeys(keys[j]!, x) > 0) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = x;
  }
  return keys;
}

/**
 * The node with the children of `a` (some replaced per `changes`, null dropping one) and the given
 * membership; `member` undefined is a set's root, whose membership means nothing. Answers `a`
 * itself, or null for an empty non-member, when nothing changes.
 */
function rebuild(
  a: FieldsNode,
  member: boolean | undefined,
  changes: Changes | undefined,
): FieldsNode | null {
  if (changes === undefined && (member === undefined || isMemberNode(a) === member)) {
    return member === false && !hasChildren(a) ? null : a;
  }
  const out: FieldsNode = {};
  if (member) out[DOT] = {};
  let any = false;
  for (const k in a) {
    if (k === DOT) continue;
    const c = changes?.has(k) ? changes.get(k)! : a[k]!;
    if (c === null) continue;
    out[k] = c;
    any = true;
  }
  if (any) return out;
  return member === false ? null : {};
}

/** Paths of `a` that are not paths of `b`, with result membership `member`. */
export function differenceNodes(
  a: FieldsNode,
  b: FieldsNode,
  member: boolean | undefined,
): FieldsNode | null {
  if (a === b) return member === false ? null : {};
  let changes: Changes | undefined;
  for (const k in b) {
    if (k === DOT) continue;
    const ac = a[k];
    if (ac === undefined) continue;
    const bc = b[k]!;
    const r = differenceNodes(ac, bc, isMemberNode(ac) && !isMemberNode(bc));
    if (r !== ac) (changes ??= new Map()).set(k, r);
  }
  return rebuild(a, member, changes);
}

/** Like {@link differenceNodes}, but a member of `b` removes everything below it too. */
export function recursiveDifferenceNodes(
  a: FieldsNode,
  b: FieldsNode,
  member: boolean | undefined,
): FieldsNode | null {
  let changes: Changes | undefined;
  for (const k in b) {
    if (k === DOT) continue;
    const ac = a[k];
    if (ac === undefined) continue;
    const bc = b[k]!;
    const r = isMemberNode(bc) ? null : recursiveDifferenceNodes(ac, bc, isMemberNode(ac));
    if (r !== ac) (changes ??= new Map()).set(k, r);
  }
  return rebuild(a, member, changes);
}

export function unionNodes(a: FieldsNode, b: FieldsNode, member: boolean | undefined): FieldsNode | null {
  if (!hasChildren(a)) return hasChildren(b) ? rebuild(b, member, undefined) : rebuild(a, member, undefined);
  let changes: Changes | undefined;
  let added: string[] | undefined;
  if (a !== b) {
    for (const k in b) {
      if (k === DOT) continue;
      const ac = a[k];
      const bc = b[k]!;
      if (ac === undefined) {
        (added ??= []).push(k);
        continue;
      }
      const r = unionNodes(ac, bc, isMemberNode(ac) || isMemberNode(bc));
      if (r !== ac) (changes ??= new Map()).set(k, r);
    }
  }
  if (added === undefined) return rebuild(a, member, changes);
  const keys: string[] = [];
  for (const k in a) if (k !== DOT) keys.push(k);
  keys.push(...added);
  sortKeys(keys);
  const out: FieldsNode = {};
  if (member) out[DOT] = {};
  for (const k of keys) out[k] = changes?.get(k) ?? a[k] ?? b[k]!;
  return out;
}

export function intersectionNodes(
  a: FieldsNode,
  b: FieldsNode,
  member: boolean | undefined,
): FieldsNode | null {
  const out: FieldsNode = {};
  if (member) out[DOT] = {};
  let any = false;
  for (const k in b) {
    if (k === DOT) continue;
    const ac = a[k];
    if (ac === undefined) continue;
    const bc = b[k]!;
    const r = ac === bc ? ac : intersectionNodes(ac, bc, isMemberNode(ac) && isMemberNode(bc));
    if (r === null) continue;
    out[k] = r;
    any = true;
  }
  if (any) return out;
  return member === false ? null : {};
}

function equalNodes(a: FieldsNode, b: FieldsNode): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (k === DOT) continue;
    const bc = b[k];
    if (bc === undefined) return false;
    const ac = a[k]!;
    if (isMemberNode(ac) !== isMemberNode(bc) || !equalNodes(ac, bc)) return false;
    n++;
  }
  for (const k in b) if (k !== DOT) n--;
  return n === 0;
}

const F_CODE = 0x66;
const COLON_CODE = 0x3a;

/** Whether `v` is already a canonical FieldsV1 node (so it can be adopted without rebuilding). */
function isCanonical(v: Record<string, unknown>, root: boolean): boolean {
  let prev: string | undefined;
  let prevField = false;
  let first = true;
  let dot = false;
  for (const k in v) {
    const c = v[k];
    if (typeof c !== 'object' || c === null || Array.isArray(c)) return false;
    if (k === DOT) {
      if (!first || root || !isEmptyObject(c)) return false;
      dot = true;
      first = false;
      continue;
    }
    first = false;
    if (k.charCodeAt(1) !== COLON_CODE) return false;
    if (k.charCodeAt(0) === F_CODE) {
      // Field keys sort first, by name.
      if (prev !== undefined && (!prevField || prev >= k)) return false;
      prevField = true;
    } else {
      if (!isCanonicalKey(k) || (prev !== undefined && compareKeys(prev, k) >= 0)) return false;
      prevField = false;
    }
    prev = k;
    if (!isEmptyObject(c) && !isCanonical(c as Record<string, unknown>, false)) return false;
  }
  return !(dot && prev === undefined);
}

interface ReadEntry {
  member: boolean;
  children: Map<string, ReadEntry> | undefined;
}

/** Upstream's decoding of one node: unknown element types are skipped, a bad key throws. */
function readEntries(node: Record<string, unknown>): Map<string, ReadEntry> | undefined {
  let out: Map<string, ReadEntry> | undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === DOT) continue;
    const pe = deserializeElement(key);
    if (!pe) continue;
    const inner = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
    const children = readEntries(inner as Record<string, unknown>);
    const isMember = children === undefined || Object.hasOwn(inner, DOT);
    const id = serializeElement(pe);
    out ??= new Map();
    const e = out.get(id) ?? { member: false, children: undefined };
    if (isMember) e.member = true;
    if (children !== undefined) e.children = children;
    out.set(id, e);
  }
  return out;
}

function buildEntries(entries: Map<string, ReadEntry>, member: boolean): FieldsNode {
  const out: FieldsNode = {};
  if (member) out[DOT] = {};
  for (const k of sortKeys([...entries.keys()])) {
    const e = entries.get(k)!;
    out[k] = e.children ? buildEntries(e.children, e.member) : {};
  }
  return out;
}

/** A mutable node of a set under construction; {@link finishBuilt} turns it into a canonical node. */
export class BuildNode {
  /** Membership bits; which bits count is chosen when the node is finished. */
  flags = 0;
  kids: Map<string, BuildNode> | undefined;

  child(key: string): BuildNode {
    const kids = (this.kids ??= new Map());
    let c = kids.get(key);
    if (c === undefined) {
      c = new BuildNode();
      kids.set(key, c);
    }
    return c;
  }
}

/** The canonical node of the paths of `b` whose flags intersect `mask` (null when there are none). */
export function finishBuilt(b: BuildNode, mask: number, member: boolean | undefined): FieldsNode | null {
  let out: FieldsNode | undefined;
  if (b.kids !== undefined && b.kids.size > 0) {
    const keys = sortKeys([...b.kids.keys()]);
    for (const k of keys) {
      const kid = b.kids.get(k)!;
      const c = finishBuilt(kid, mask, (kid.flags & mask) !== 0);
      if (c === null) continue;
      if (out === undefined) {
        out = {};
        if (member) out[DOT] = {};
      }
      out[k] = c;
    }
  }
  if (out !== undefined) return out;
  return member === false ? null : {};
}

export class FieldSet {
  /** An empty set, or the set whose canonical tree is `root`. */
  constructor(private root: FieldsNode = {}) {}

  /** The set whose FieldsV1 tree is `node` (canonical; its own "." is ignored). */
  static fromNode(node: FieldsNode | null): FieldSet {
    return new FieldSet(node ?? {});
  }

  /** The set's canonical tree; callers must not mutate it. */
  get node(): FieldsNode {
    return this.root;
  }

  static of(...paths: Path[]): FieldSet {
    const b = new BuildNode();
    for (const p of paths) {
      if (p.length === 0) continue;
      let n = b;
      for (const pe of p) n = n.child(serializeElement(pe));
      n.flags = 1;
    }
    return FieldSet.fromNode(finishBuilt(b, 1, undefined));
  }

  /** Adds a path (a no-op for the empty path). Only used while building a set. */
  insert(path: Path): void {
    if (path.length === 0) return;
    this.root = this.union(FieldSet.of(path)).root;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let n: FieldsNode | undefined = this.root;
    for (const pe of path) {
      n = n[serializeElement(pe)];
      if (n === undefined) return false;
    }
    return isMemberNode(n);
  }

  hasMember(pe: PathElement): boolean {
    const c = this.root[serializeElement(pe)];
    return c !== undefined && isMemberNode(c);
  }

  /** The subset below `pe` (paths with `pe` as their first element, without it). */
  withPrefix(pe: PathElement): FieldSet {
    const c = this.root[serializeElement(pe)];
    return new FieldSet(c ?? {});
  }

  isEmpty(): boolean {
    return !hasChildren(this.root);
  }

  union(o: FieldSet): FieldSet {
    if (o.isEmpty()) return this;
    if (this.isEmpty()) return o;
    return FieldSet.fromNode(unionNodes(this.root, o.root, undefined));
  }

  intersection(o: FieldSet): FieldSet {
    return FieldSet.fromNode(intersectionNodes(this.root, o.root, undefined));
  }

  /** Paths of this set that are not paths of `o` (a member of `o` does not remove deeper paths). */
  difference(o: FieldSet): FieldSet {
    const r = differenceNodes(this.root, o.root, undefined);
    return r === this.root ? this : FieldSet.fromNode(r);
  }

  /** Like {@link difference}, but a member of `o` also removes every path below it. */
  recursiveDifference(o: FieldSet): FieldSet {
    const r = recursiveDifferenceNodes(this.root, o.root, undefined);
    return r === this.root ? this : FieldSet.fromNode(r);
  }

  equals(o: FieldSet): boolean {
    return equalNodes(this.root, o.root);
  }

  /** Every path, in upstream's iteration order: at each level the members, then each child's paths. */
  paths(): Path[] {
    const out: PathElement[][] = [];
    const walk = (n: FieldsNode, prefix: PathElement[]): void => {
      for (const k in n) if (k !== DOT && isMemberNode(n[k]!)) out.push([...prefix, elementOfKey(k)!]);
      for (const k in n) if (k !== DOT && hasChildren(n[k]!)) walk(n[k]!, [...prefix, elementOfKey(k)!]);
    };
    walk(this.root, []);
    return out;
  }

  /** The FieldsV1 object of this set, keys in upstream's order. Shared: do not mutate it. */
  toFieldsV1(): Record<string, unknown> {
    if (!Object.hasOwn(this.root, DOT)) return this.root;
    return rebuild(this.root, false, new Map()) ?? {};
  }

  /** Parses a FieldsV1 object; throws on a malformed key. */
  static fromFieldsV1(v: unknown): FieldSet {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error('FieldsV1 must be an object');
    const o = v as Record<string, unknown>;
    if (isCanonical(o, true)) return new FieldSet(o as FieldsNode);
    const entries = readEntries(o);
    return new FieldSet(entries ? buildEntries(entries, false) : {});
  }

  /** Child nodes, for walkers that need the schema at each level. */
  childEntries(): Iterable<{ readonly pe: PathElement; readonly set: FieldSet }> {
    const out: { pe: PathElement; set: FieldSet }[] = [];
    for (const k in this.root) {
      if (k === DOT) continue;
      const c = this.root[k]!;
      if (hasChildren(c)) out.push({ pe: elementOfKey(k)!, set: new FieldSet(c) });
    }
    return out;
  }

  memberEntries(): Iterable<PathElement> {
    const out: PathElement[] = [];
    for (const k in this.root) if (k !== DOT && isMemberNode(this.root[k]!)) out.push(elementOfKey(k)!);
    return out;
  }

  /** Builds a set from explicit members and children. */
  static build(
    members: Iterable<PathElement>,
    children: Iterable<{ readonly pe: PathElement; readonly set: FieldSet }>,
  ): FieldSet {
    const entries = new Map<string, { member: boolean; content: FieldsNode | undefined }>();
    const entry = (pe: PathElement) => {
      const key = serializeElement(pe);
      let e = entries.get(key);
      if (!e) {
        e = { member: false, content: undefined };
        entries.set(key, e);
      }
      return e;
    };
    for (const pe of members) entry(pe).member = true;
    for (const c of children) if (!c.set.isEmpty()) entry(c.pe).content = c.set.root;
    const out: FieldsNode = {};
    for (const k of sortKeys([...entries.keys()])) {
      const e = entries.get(k)!;
      out[k] = e.content ? rebuild(e.content, e.member, undefined)! : {};
    }
    return new FieldSet(out);
  }
}
