/** @module The OpenAPI v3 schema object shape used by every served definition, upstream's extensions included. */

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Upstream's `x-kubernetes-unions` entry: which field discriminates, and the member fields it names. */
export interface UnionDef {
  discriminator?: string;
  'fields-to-discriminateBy'?: Record<string, string>;
}

export type ListType = 'atomic' | 'set' | 'map';
export type MapType = 'atomic' | 'granular';

/**
 * One OpenAPI v3 schema object, exactly as upstream's /openapi/v3 documents spell it. Definitions are
 * referenced as `{"$ref": "#/components/schemas/<name>"}`; extensions carry the strategic-merge and
 * server-side-apply metadata of the field (or of the whole definition for `x-kubernetes-map-type`).
 */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  default?: unknown;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: ListType;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: MapType;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-unions'?: UnionDef[];
}

export const REF_PREFIX = '#/components/schemas/';

/** `{"$ref": "#/components/schemas/<name>"}` */
export function ref(name: string): Schema {
  return { $ref: REF_PREFIX + name };
}

/** The definition name a `$ref` points at, or undefined for refs outside components.schemas. */
export function refName(r: string): string | undefined {
  return r.startsWith(REF_PREFIX) ? r.slice(REF_PREFIX.length) : undefined;
}

/** Upstream definition names of the special scalar-like types. */
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
export const MICRO_TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime';
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
export const FIELDS_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1';
export const PATCH = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
export const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
export const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
export const WATCH_EVENT = 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent';
export const SCALE = 'io.k8s.api.autoscaling.v1.Scale';
export const APIRESOURCE_LIST = 'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList';
