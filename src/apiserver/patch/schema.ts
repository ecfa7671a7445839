/**
 * @module Read access to OpenAPI v3 definitions for the patch engines and the field manager: `$ref`
 * resolution and the strategic-merge metadata of a field (patch strategy and merge key).
 */

/**
 * Returns the OpenAPI v3 schema of a definition by its upstream name (e.g. `io.k8s.api.apps.v1.Deployment`),
 * shaped like upstream's `components.schemas` entries, or undefined for an unknown name.
 */
export type SchemaLookup = (name: string) => object | undefined;

/** One OpenAPI schema object, read loosely: only the keywords and extensions the engines need. */
export type SchemaNode = Readonly<Record<string, unknown>>;

const REF_PREFIX = '#/components/schemas/';

/** Special definitions that are scalars (or opaque values) on the wire. */
export const QUANTITY_DEFINITION = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const RAW_EXTENSION_DEFINITION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

function isNode(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The definition name a node points at through `$ref` or a single-element `allOf: [{$ref}]`. */
export function refTarget(node: SchemaNode): string | undefined {
  let ref = node.$ref;
  if (typeof ref !== 'string') {
    const allOf = node.allOf;
    if (Array.isArray(allOf) && allOf.length === 1 && isNode(allOf[0])) ref = allOf[0].$ref;
  }
  if (typeof ref !== 'string') return undefined;
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref.slice(ref.lastIndexOf('/') + 1);
}

/** The root definition, or undefined when there is no schema (then everything merges as plain JSON). */
export function definitionNode(name: string | undefined, lookup: SchemaLookup): SchemaNode | undefined {
  if (name === undefined) return undefined;
  const def = lookup(name);
  return isNode(def) ? def : undefined;
}

/** Follows `allOf[0]` and `$ref` as upstream's PatchMetaFromOpenAPIV3 does; undefined when unresolvable. */
export function resolveNode(node: SchemaNode | undefined, lookup: SchemaLookup): SchemaNode | undefined {
  if (!node) return undefined;
  let n = node;
  const allOf = n.allOf;
  if (Array.isArray(allOf) && allOf.length > 0 && isNode(allOf[0])) n = allOf[0];
  const target = typeof n.$ref === 'string' ? refTarget(n) : undefined;
  if (target !== undefined) return definitionNode(target, lookup);
  return n;
}

/** The schema of field `key` of an object schema: a declared property, else the additionalProperties schema. */
export function fieldNode(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (!node) return undefined;
  const props = node.properties;
  if (isNode(props) && Object.hasOwn(props, key)) {
    const p = props[key];
    return isNode(p) ? p : undefined;
  }
  const ap = node.additionalProperties;
  return isNode(ap) ? ap : undefined;
}

/** Strategic-merge metadata of one field. */
export interface PatchMeta {
  /** `x-kubernetes-patch-strategy` split on commas, e.g. ['merge', 'retainKeys']. */
  strategies: string[];
  /** `x-kubernetes-patch-merge-key`, or '' when none. */
  mergeKey: string;
}

function patchMetaOf(node: SchemaNode | undefined): PatchMeta {
  const strategy = node?.['x-kubernetes-patch-strategy'];
  const key = node?.['x-kubernetes-patch-merge-key'];
  return {
    strategies: typeof strategy === 'string' && strategy !== '' ? strategy.split(',') : [],
    mergeKey: typeof key === 'string' ? key : '',
  };
}

/** Upstream's LookupPatchMetadataForStruct: the schema of a map-valued field and its patch metadata. */
export function lookupStructField(
  node: SchemaNode | undefined,
  key: string,
  lookup: SchemaLookup,
): [SchemaNode | undefined, PatchMeta] {
  const field = fieldNode(node, key);
  return [resolveNode(field, lookup), patchMetaOf(field)];
}

/** Upstream's LookupPatchMetadataForSlice: the schema of a list field's items and the list's patch metadata. */
export function lookupSliceField(
  node: SchemaNode | undefined,
  key: string,
  lookup: SchemaLookup,
): [SchemaNode | undefined, PatchMeta] {
  const field = fieldNode(node, key);
  let items: SchemaNode | undefined = field;
  const resolvedField = resolveNode(field, lookup);
  if (resolvedField && isNode(resolvedField.items)) items = resolvedField.items;
  else if (field && isNode(field.items)) items = field.items;
  return [resolveNode(items, lookup), patchMetaOf(field)];
}

export { isNode as isSchemaNode };
