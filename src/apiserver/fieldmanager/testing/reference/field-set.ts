/**
 * Frozen pre-optimization copy, the oracle of the differential tests; never used in production.
 *
 * @module A set of field paths stored as a trie, with structured-merge-diff's set algebra and the
 * FieldsV1 encoding of managedFields (`{"f:spec":{"f:replicas":{}}}`, `"."` marking a node that is
 * itself a member).
 */
import {
  compareElements,
  deserializeElement,
  serializeElement,
  type Path,
  type PathElement,
} from './path.js';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

function sortedByElement<T>(items: Iterable<T>, pe: (t: T) => PathElement): T[] {
  return [...items].sort((a, b) => compareElements(pe(a), pe(b)));
}

export class FieldSet {
  /** Paths that end at this level, by serialized element. */
  private readonly members = new Map<string, PathElement>();
  /** Deeper paths, by serialized first element. */
  private readonly children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path (a no-op for the empty path). Only used while building a set. */
  insert(path: Path): void {
    if (path.length === 0) return;
    const last = path[path.length - 1]!;
    path
      .slice(0, -1)
      .reduce((s: FieldSet, pe) => s.descend(pe), this)
      .members.set(serializeElement(last), last);
  }

  private descend(pe: PathElement): FieldSet {
    const id = serializeElement(pe);
    let c = this.children.get(id);
    if (!c) {
      c = { pe, set: new FieldSet() };
      this.children.set(id, c);
    }
    return c.set;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    const s = path
      .slice(0, -1)
      .reduce((acc: FieldSet | undefined, pe) => acc?.children.get(serializeElement(pe))?.set, this);
    return s !== undefined && s.members.has(serializeElement(path[path.length - 1]!));
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(serializeElement(pe));
  }

  /** The subset below `pe` (paths with `pe` as their first element, without it). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializeElement(pe))?.set ?? EMPTY;
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.isEmpty()) return false;
    return true;
  }

  union(o: FieldSet): FieldSet {
    if (o.isEmpty()) return this;
    if (this.isEmpty()) return o;
    const out = new FieldSet();
    for (const [id, pe] of this.members) out.members.set(id, pe);
    for (const [id, pe] of o.members) out.members.set(id, pe);
    for (const [id, c] of this.children) {
      const oc = o.children.get(id);
      out.children.set(id, oc ? { pe: c.pe, set: c.set.union(oc.set) } : c);
    }
    for (const [id, c] of o.children) if (!this.children.has(id)) out.children.set(id, c);
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [id, pe] of this.members) if (o.members.has(id)) out.members.set(id, pe);
    for (const [id, c] of this.children) {
      const oc = o.children.get(id);
      if (!oc) continue;
      const i = c.set.intersection(oc.set);
      if (!i.isEmpty()) out.children.set(id, { pe: c.pe, set: i });
    }
    return out;
  }

  /** Paths of this set that are not paths of `o` (a member of `o` does not remove deeper paths). */
  difference(o: FieldSet): FieldSet {
    if (o.isEmpty()) return this;
    const out = new FieldSet();
    for (const [id, pe] of this.members) if (!o.members.has(id)) out.members.set(id, pe);
    for (const [id, c] of this.children) {
      const oc = o.children.get(id);
      if (!oc) {
        out.children.set(id, c);
        continue;
      }
      const d = c.set.difference(oc.set);
      if (!d.isEmpty()) out.children.set(id, { pe: c.pe, set: d });
    }
    return out;
  }

  /** Like {@link difference}, but a member of `o` also removes every path below it. */
  recursiveDifference(o: FieldSet): FieldSet {
    if (o.isEmpty()) return this;
    const out = new FieldSet();
    for (const [id, pe] of this.members) if (!o.members.has(id)) out.members.set(id, pe);
    for (const [id, c] of this.children) {
      if (o.members.has(id)) continue;
      const oc = o.children.get(id);
      if (!oc) {
        out.children.set(id, c);
        continue;
      }
      const d = c.set.recursiveDifference(oc.set);
      if (!d.isEmpty()) out.children.set(id, { pe: c.pe, set: d });
    }
    return out;
  }

  equals(o: FieldSet): boolean {
    const a = this.paths().map((p) => p.map(serializeElement).join('\u0000'));
    const b = o.paths().map((p) => p.map(serializeElement).join('\u0000'));
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  /** Every path, in upstream's iteration order: at each level the members, then each child's paths. */
  paths(): Path[] {
    const out: PathElement[][] = [];
    const walk = (s: FieldSet, prefix: PathElement[]): void => {
      for (const pe of sortedByElement(s.members.values(), (x) => x)) out.push([...prefix, pe]);
      for (const c of sortedByElement(s.children.values(), (x) => x.pe)) walk(c.set, [...prefix, c.pe]);
    };
    walk(this, []);
    return out;
  }

  /** The FieldsV1 object of this set, keys in upstream's order. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.emit(out);
    return out;
  }

  private emit(out: Record<string, unknown>): void {
    const ids = new Set<string>([...this.members.keys()]);
    for (const [id, c] of this.children) if (!c.set.isEmpty()) ids.add(id);
    const entries = [...ids].map((id) => ({ id, pe: this.members.get(id) ?? this.children.get(id)!.pe }));
    for (const { id } of sortedByElement(entries, (e) => e.pe)) {
      const child = this.children.get(id);
      if (!child || child.set.isEmpty()) {
        out[id] = {};
        continue;
      }
      const node: Record<string, unknown> = {};
      if (this.members.has(id)) node['.'] = {};
      child.set.emit(node);
      out[id] = node;
    }
  }

  /** Parses a FieldsV1 object; throws on a malformed key. */
  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error('FieldsV1 must be an object');
    s.read(v as Record<string, unknown>);
    return s;
  }

  /** Reads one node's entries; returns false when no entry was understood (the node is then a leaf). */
  private read(node: Record<string, unknown>): boolean {
    let any = false;
    for (const [key, value] of Object.entries(node)) {
      if (key === '.') continue;
      const pe = deserializeElement(key);
      if (!pe) continue;
      any = true;
      const inner = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
      const child = new FieldSet();
      const hasChildren = child.read(inner as Record<string, unknown>);
      const isMember = !hasChildren || Object.hasOwn(inner, '.');
      const id = serializeElement(pe);
      if (isMember) this.members.set(id, pe);
      if (hasChildren) this.children.set(id, { pe, set: child });
    }
    return any;
  }

  /** Child nodes, for walkers that need the schema at each level. */
  childEntries(): Iterable<Child> {
    return this.children.values();
  }

  memberEntries(): Iterable<PathElement> {
    return this.members.values();
  }

  /** Builds a set from explicit members and children (used by schema-aware transforms). */
  static build(members: Iterable<PathElement>, children: Iterable<Child>): FieldSet {
    const s = new FieldSet();
    for (const pe of members) s.members.set(serializeElement(pe), pe);
    for (const c of children) if (!c.set.isEmpty()) s.children.set(serializeElement(c.pe), c);
    return s;
  }
}

const EMPTY = new FieldSet();
