/**
 * @module Structural checks of a decoded request body against a definition: unknown fields (for
 * fieldValidation=Strict/Warn) and type mismatches (which upstream reports as a 400 decode error).
 */
import { getDefinition, resolve } from './definitions.js';
import { INT_OR_STRING, QUANTITY, refName, type Schema } from './schema.js';

/** A value whose JSON type does not fit the schema; `message` is worded like upstream's decode error. */
export interface FieldTypeError {
  /** Path of the offending value, e.g. `spec.template.spec.containers[0].ports[0].containerPort`. */
  path: string;
  /** The JSON type found: string, number, bool, array, object. */
  actual: string;
  /** The Go type upstream decodes into, e.g. `int32`, `[]v1.Container`, `resource.Quantity`. */
  expected: string;
  /** e.g. `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32` */
  message: string;
}

export interface SchemaValidationResult {
  /**
   * Paths of fields the schema does not declare, without a leading dot, list indices in brackets:
   * `spec.template.spec.containers[0].foo`. Upstream's message is `unknown field "<path>"`.
   */
  unknownFields: string[];
  typeErrors: FieldTypeError[];
}

export interface ValidateOptions {
  /** Path of `obj` inside a larger document; prefixed to every reported path. */
  rootPath?: string;
  /**
   * Also change `obj` as upstream's typed decoding would: unknown fields are dropped, null fields are
   * dropped (zero values), and a null list item or map value becomes its type's zero value.
   */
  prune?: boolean;
}

const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

interface Ctx {
  unknownFields: string[];
  typeErrors: FieldTypeError[];
  prune: boolean;
}

/** Where a value sits: its full path, and upstream's Go error context (struct name + field path without indices). */
interface Place {
  /** The enclosing place; absent at the root, whose `seg` is the root path. */
  readonly parent: Place | undefined;
  /** A field name, a list index or a map key. */
  readonly seg: string;
  readonly kind: 'root' | 'field' | 'index' | 'key';
  /** Go struct that holds the field, or '' at the root (then Go says "Go value"). */
  readonly struct: string;
}

/** The full path, e.g. `spec.containers[0].ports[1].containerPort`; built only when an error needs it. */
function pathOf(at: Place): string {
  if (!at.parent) return at.seg;
  const base = pathOf(at.parent);
  if (at.kind === 'index') return `${base}[${at.seg}]`;
  return base ? `${base}.${at.seg}` : at.seg;
}

/** Upstream's Go error path: field names only, without indices or map keys. */
function goPathOf(at: Place): string {
  if (!at.parent) return at.seg;
  const base = goPathOf(at.parent);
  if (at.kind !== 'field') return base;
  return base ? `${base}.${at.seg}` : at.seg;
}

/**
 * Walks `obj` against the named definition. Nulls are accepted anywhere (Go decodes them to zero
 * values). Objects without declared properties or additionalProperties, and those marked
 * x-kubernetes-preserve-unknown-fields, accept any content. apiVersion and kind are always allowed
 * at the root. Throws if the definition is unknown.
 */
export function validateAgainstSchema(
  obj: unknown,
  definition: string,
  opts: ValidateOptions = {},
): SchemaValidationResult {
  const schema = getDefinition(definition);
  if (!schema) throw new Error(`unknown definition ${definition}`);
  const ctx: Ctx = { unknownFields: [], typeErrors: [], prune: opts.prune === true };
  const root = opts.rootPath ?? '';
  walk(
    ctx,
    obj,
    { $ref: `#/components/schemas/${definition}` },
    { parent: undefined, seg: root, kind: 'root', struct: '' },
    true,
  );
  return { unknownFields: ctx.unknownFields, typeErrors: ctx.typeErrors };
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  return typeof v === 'string' ? 'string' : 'object';
}

/** Upstream's Go type name for a schema, used in decode error messages. */
export function goTypeOf(schema: Schema): string {
  if (schema.$ref !== undefined) return goTypeOfDefinition(refName(schema.$ref) ?? schema.$ref);
  if (schema.allOf?.length === 1 && schema.allOf[0]) return goTypeOf(schema.allOf[0]);
  switch (schema.type) {
    case 'array':
      return `[]${schema.items ? goTypeOf(schema.items) : 'interface {}'}`;
    case 'object':
      return typeof schema.additionalProperties === 'object'
        ? `map[string]${goTypeOf(schema.additionalProperties)}`
        : 'map[string]interface {}';
    case 'integer':
      return schema.format === 'int32' || schema.format === 'int64' ? schema.format : 'int';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return schema.format === 'byte' ? '[]uint8' : 'string';
    default:
      return 'interface {}';
  }
}

function goTypeOfDefinition(name: string): string {
  const parts = name.split('.');
  const short = parts[parts.length - 1] ?? name;
  const pkg = parts[parts.length - 2] ?? '';
  return pkg ? `${pkg}.${short}` : short;
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function typeError(ctx: Ctx, v: unknown, schema: Schema, at: Place, detail?: string): void {
  const actual = jsonType(v);
  const expected = goTypeOf(schema);
  // Go quotes the literal only when a number does not fit a numeric target (fraction, overflow).
  const numericTarget = /^(u?int(8|16|32|64)?|float(32|64))$/.test(expected);
  const shown = actual === 'number' && numericTarget ? `number ${String(v)}` : actual;
  const target = at.struct ? `Go struct field ${at.struct}.${goPathOf(at)}` : 'Go value';
  const message = detail ?? `json: cannot unmarshal ${shown} into ${target} of type ${expected}`;
  ctx.typeErrors.push({ path: pathOf(at), actual, expected, message });
}

function child(at: Place, field: string, struct: string): Place {
  return { parent: at, seg: field, kind: 'field', struct };
}

function walk(ctx: Ctx, v: unknown, schema: Schema, at: Place, isRoot = false): void {
  if (v === null || v === undefined) return;
  const name = schema.$ref !== undefined ? refName(schema.$ref) : undefined;
  if (name === QUANTITY) return checkQuantity(ctx, v, schema, at);
  const s = resolve(schema);
  if (name === INT_OR_STRING || s['x-kubernetes-int-or-string']) {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return;
    return typeError(ctx, v, schema, at);
  }
  if (s.oneOf) {
    if (!s.oneOf.some((alt) => fitsScalar(v, resolve(alt)))) typeError(ctx, v, schema, at);
    return;
  }
  switch (s.type) {
    case 'object':
      return walkObject(ctx, v, schema, s, name, at, isRoot);
    case 'array':
      if (!Array.isArray(v)) return typeError(ctx, v, schema, at);
      if (s.items) {
        const items = s.items;
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          if (item === null && ctx.prune) v[i] = zeroValue(items);
          else walk(ctx, item, items, { parent: at, seg: String(i), kind: 'index', struct: at.struct });
        }
      }
      return;
    case 'string':
      if (typeof v !== 'string') return typeError(ctx, v, schema, at);
      if (s.format === 'byte') checkBase64(ctx, v, schema, at);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') typeError(ctx, v, schema, at);
      return;
    case 'integer':
      if (typeof v !== 'number') return typeError(ctx, v, schema, at);
      if (!Number.isInteger(v) || (s.format === 'int32' && (v > INT32_MAX || v < INT32_MIN)))
        typeError(ctx, v, schema, at);
      return;
    case 'number':
      if (typeof v !== 'number') typeError(ctx, v, schema, at);
      return;
    default:
      return;
  }
}

function fitsScalar(v: unknown, s: Schema): boolean {
  switch (s.type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default:
      return true;
  }
}

function walkObject(
  ctx: Ctx,
  v: unknown,
  schema: Schema,
  s: Schema,
  name: string | undefined,
  at: Place,
  isRoot: boolean,
): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return typeError(ctx, v, schema, at);
  const obj = v as Record<string, unknown>;
  if (s.properties) {
    const struct = name ? shortName(name) : at.struct;
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      const value = obj[key];
      const prop = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
      if (prop && value === null && ctx.prune) delete obj[key];
      else if (prop) walk(ctx, value, prop, child(at, key, struct));
      else if (isRoot && (key === 'apiVersion' || key === 'kind')) continue;
      else if (!s['x-kubernetes-preserve-unknown-fields']) {
        ctx.unknownFields.push(pathOf(child(at, key, struct)));
        if (ctx.prune) delete obj[key];
      }
    }
    return;
  }
  const addl = s.additionalProperties;
  if (addl && typeof addl === 'object') {
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      const value = obj[key];
      if (value === null && ctx.prune) {
        obj[key] = zeroValue(addl);
        continue;
      }
      // Go's error context names the map field, not the key; our path names the key.
      walk(ctx, value, addl, { parent: at, seg: key, kind: 'key', struct: at.struct });
    }
  }
}

/** What Go's decoder leaves for a JSON null inside a list or map whose items have this schema. */
function zeroValue(schema: Schema): unknown {
  const name = schema.$ref !== undefined ? refName(schema.$ref) : undefined;
  if (name === QUANTITY) return '0';
  const s = resolve(schema);
  if (name === INT_OR_STRING || s['x-kubernetes-int-or-string']) return 0;
  switch (s.type) {
    case 'object':
      return {};
    case 'array':
      return [];
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function checkQuantity(ctx: Ctx, v: unknown, schema: Schema, at: Place): void {
  if (typeof v === 'number') return;
  if (typeof v !== 'string') return typeError(ctx, v, schema, at);
  if (!QUANTITY_RE.test(v.trim()))
    typeError(
      ctx,
      v,
      schema,
      at,
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
}

function checkBase64(ctx: Ctx, v: string, schema: Schema, at: Place): void {
  const text = v.replace(/[\r\n]/g, '');
  const bad = text.search(/[^A-Za-z0-9+/=]/);
  const pad = text.indexOf('=');
  let offset = -1;
  if (bad >= 0) offset = bad;
  else if (pad >= 0 && (!/^=*$/.test(text.slice(pad)) || text.length - pad > 2)) offset = pad;
  else if (text.length % 4 !== 0) offset = text.length - (text.length % 4);
  if (offset >= 0) typeError(ctx, v, schema, at, `illegal base64 data at input byte ${offset}`);
}
