/** @module Every served definition (generated from client-node plus our hand-written ones) and $ref resolution. */
import generated from './generated/definitions.json' with { type: 'json' };
import { KRUISE_DEFINITIONS } from './kruise.js';
import { refName, type GroupVersionKind, type Schema } from './schema.js';

/** Upstream definition name → schema. Frozen in spirit: callers must not mutate what they read. */
export const definitions: Readonly<Record<string, Schema>> = {
  ...(generated as unknown as Record<string, Schema>),
  ...KRUISE_DEFINITIONS,
};

export function getDefinition(name: string): Schema | undefined {
  return Object.hasOwn(definitions, name) ? definitions[name] : undefined;
}

/**
 * The schema with `$ref` and single-entry `allOf` wrappers followed to the definition they name.
 * Keywords set beside the wrapper (description, default, x-kubernetes-map-type, ...) win over the
 * target's. Throws on a `$ref` to an unknown definition.
 */
export function resolve(schema: Schema): Schema {
  let r = resolved.get(schema);
  if (r === undefined) {
    r = resolveUncached(schema);
    resolved.set(schema, r);
  }
  return r;
}

/** Schemas are never mutated, so each resolves once. */
const resolved = new WeakMap<Schema, Schema>();

function resolveUncached(schema: Schema): Schema {
  const { $ref, allOf, ...rest } = schema;
  let target: Schema | undefined;
  if ($ref !== undefined) {
    const name = refName($ref);
    target = name === undefined ? undefined : getDefinition(name);
    if (!target) throw new Error(`unresolvable $ref ${$ref}`);
  } else if (allOf?.length === 1 && allOf[0]) {
    target = allOf[0];
  } else {
    return schema;
  }
  const inner = resolve(target);
  return Object.keys(rest).length ? { ...inner, ...rest } : inner;
}

let byGvk: Map<string, string> | undefined;

/** The definition name whose x-kubernetes-group-version-kind lists this kind (List kinds included). */
export function definitionNameForKind(gvk: GroupVersionKind): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, s] of Object.entries(definitions)) {
      const list = s['x-kubernetes-group-version-kind'];
      // DeleteOptions and WatchEvent list every group; they are not the kind of any resource.
      if (!list || list.length !== 1 || !list[0]) continue;
      const g = list[0];
      byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
    }
  }
  return byGvk.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
}
