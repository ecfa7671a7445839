/**
 * @module The structured-merge-diff view of OpenAPI v3 definitions, converted as upstream's
 * schemaconv does: a type is a scalar, a list (atomic, a set, or a map keyed by
 * `x-kubernetes-list-map-keys` / the patch merge key) and/or a map (a struct with declared fields
 * or a map of elements; atomic or granular). Anything undescribed is "deduced": maps granular,
 * lists atomic.
 */
import {
  QUANTITY_DEFINITION,
  RAW_EXTENSION_DEFINITION,
  isSchemaNode,
  refTarget,
  type SchemaLookup,
  type SchemaNode,
} from '../patch/schema.js';

export interface ListDef {
  /** Atomic lists are owned and replaced as a whole. */
  readonly atomic: boolean;
  /** Key fields of a list-map; empty for a set of scalars. */
  readonly keys: readonly string[];
  readonly elem: TypeRef;
}

export interface FieldDef {
  /** The field's FieldsV1 key, `f:<name>`. */
  readonly key: string;
  readonly type: TypeRef;
  /** The field's OpenAPI default (used for list-map keys an element omits). */
  readonly default: unknown;
}

export interface MapDef {
  /** Atomic maps (`x-kubernetes-map-type: atomic`) are owned and replaced as a whole. */
  readonly atomic: boolean;
  /** Declared fields of a struct; empty for a plain map. */
  readonly fields: ReadonlyMap<string, FieldDef>;
  /** Fields of a struct the schema requires. */
  readonly required: ReadonlySet<string>;
  /** Type of the entries that are not declared fields. */
  readonly elem: TypeRef;
}

/** The kinds of value a type accepts; the value decides which one applies. */
export interface Atom {
  readonly scalar?: true;
  readonly list?: ListDef;
  readonly map?: MapDef;
}

/** A lazily resolved type (definitions refer to each other, recursively). */
export class TypeRef {
  private resolved: Atom | undefined;
  private narrowed: { map: Atom; list: Atom; scalar: Atom } | undefined;
  constructor(private readonly build: () => Atom) {}
  get atom(): Atom {
    this.resolved ??= this.build();
    return this.resolved;
  }

  /**
   * The atom narrowed to the kind of `v`, as upstream's deduceAtom: a map value sees only the map
   * side of the type (if it has one), and so on; null and absent values see the whole type.
   * Answers the same object each time.
   */
  deduce(v: unknown): Atom {
    if (v === undefined || v === null) return this.atom;
    const n = (this.narrowed ??= narrow(this.atom));
    if (typeof v !== 'object') return n.scalar;
    return Array.isArray(v) ? n.list : n.map;
  }
}

function narrow(atom: Atom): { map: Atom; list: Atom; scalar: Atom } {
  return {
    map: atom.map ? { map: atom.map } : atom,
    list: atom.list ? { list: atom.list } : atom,
    scalar: atom.scalar ? SCALAR : atom,
  };
}

const SCALAR: Atom = { scalar: true };

const NO_FIELDS: ReadonlyMap<string, FieldDef> = new Map();
const NO_NAMES: ReadonlySet<string> = new Set();

/** Upstream's "untyped": any scalar, or an atomic list or map. */
export const UNTYPED: TypeRef = new TypeRef(() => ({
  scalar: true,
  list: { atomic: true, keys: [], elem: UNTYPED },
  map: { atomic: true, fields: NO_FIELDS, required: NO_NAMES, elem: UNTYPED },
}));

/** Upstream's "deduced": scalars, atomic lists, and granular maps of deduced values. */
export const DEDUCED: TypeRef = new TypeRef(() => ({
  scalar: true,
  list: { atomic: true, keys: [], elem: UNTYPED },
  map: { atomic: false, fields: NO_FIELDS, required: NO_NAMES, elem: DEDUCED },
}));

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((e) => typeof e === 'string') ? v : undefined;
}

/** Resolves definition names and inline schemas into types, caching both. */
export class SchemaResolver {
  private readonly named = new Map<string, TypeRef>();
  private readonly inline = new WeakMap<object, TypeRef>();

  constructor(private readonly lookup: SchemaLookup) {}

  /** The type of a definition; unknown names are deduced. */
  definition(name: string | undefined): TypeRef {
    if (name === undefined) return DEDUCED;
    let t = this.named.get(name);
    if (t) return t;
    if (name === QUANTITY_DEFINITION) t = new TypeRef(() => ({ scalar: true }));
    else if (name === RAW_EXTENSION_DEFINITION) t = UNTYPED;
    else {
      const def = this.lookup(name);
      t = isSchemaNode(def) ? this.node(def) : DEDUCED;
    }
    this.named.set(name, t);
    return t;
  }

  /** The type of a property or items schema: a reference (with a map-type override) or an inline type. */
  node(node: SchemaNode): TypeRef {
    let t = this.inline.get(node);
    if (t) return t;
    const target = refTarget(node);
    if (target !== undefined) {
      const base = this.definition(target);
      const mapType = node['x-kubernetes-map-type'];
      t =
        mapType === 'atomic' || mapType === 'granular'
          ? new TypeRef(() => {
              const a = base.atom;
              return a.map ? { ...a, map: { ...a.map, atomic: mapType === 'atomic' } } : a;
            })
          : base;
    } else {
      t = new TypeRef(() => this.parse(node));
    }
    this.inline.set(node, t);
    return t;
  }

  private parse(node: SchemaNode): Atom {
    const type = typeof node.type === 'string' ? node.type : '';
    switch (type) {
      case '':
        return { scalar: true, list: this.parseList(node), map: this.parseObject(node) };
      case 'object':
        return { map: this.parseObject(node) };
      case 'array':
        return { list: this.parseList(node) };
      default:
        return { scalar: true };
    }
  }

  private parseObject(node: SchemaNode): MapDef {
    const fields = new Map<string, FieldDef>();
    const props = node.properties;
    if (isSchemaNode(props)) {
      for (const [name, prop] of Object.entries(props)) {
        if (isSchemaNode(prop))
          fields.set(name, { key: `f:${name}`, type: this.node(prop), default: prop.default });
      }
    }
    const ap = node.additionalProperties;
    const required = stringList(node.required);
    return {
      atomic: node['x-kubernetes-map-type'] === 'atomic',
      fields,
      required: required ? new Set(required) : NO_NAMES,
      elem: isSchemaNode(ap) ? this.node(ap) : DEDUCED,
    };
  }

  private parseList(node: SchemaNode): ListDef {
    const elem = isSchemaNode(node.items) ? this.node(node.items) : UNTYPED;
    const listType = node['x-kubernetes-list-type'];
    if (listType !== undefined) {
      if (listType === 'set') return { atomic: false, keys: [], elem };
      if (listType === 'map') {
        const keys = stringList(node['x-kubernetes-list-map-keys']);
        return keys && keys.length > 0 ? { atomic: false, keys, elem } : { atomic: true, keys: [], elem };
      }
      return { atomic: true, keys: [], elem };
    }
    const strategy = node['x-kubernetes-patch-strategy'];
    if (strategy === 'merge' || strategy === 'merge,retainKeys') {
      const key = node['x-kubernetes-patch-merge-key'];
      return { atomic: false, keys: typeof key === 'string' ? [key] : [], elem };
    }
    return { atomic: true, keys: [], elem };
  }
}
