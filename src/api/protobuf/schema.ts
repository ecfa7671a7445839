/** @module Declaration format of Kubernetes protobuf messages and its compiled, lookup-friendly form. */
import { KINDS, MESSAGES } from './messages.js';
import { isSpecialType } from './well-known.js';

/**
 * One field: `[number, type, flags]`. `type` is a proto scalar (`string`, `int32`, `int64`, `bool`, `bytes`, ...)
 * or a message name such as `core.v1.PodSpec`. Flags (any order): `r` repeated, `m` map with string keys and
 * values of `type`, `p` the Go field is a pointer (emitted only when set, zero values kept), `o` the JSON tag
 * has omitempty, `i` the Go struct is embedded with `json:",inline"` (its fields appear in the parent).
 */
export type FieldDecl = readonly [number: number, type: string, flags?: string];

/** Messages by name (`<group>.<version>.<Message>`, or `meta.v1.*`); fields keyed by JSON name, in Go order. */
export type MessageTable = Readonly<Record<string, Readonly<Record<string, FieldDecl>>>>;

/** apiVersion → kind → message name. */
export type KindTable = Readonly<Record<string, Readonly<Record<string, string>>>>;

export type ScalarType =
  'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double' | 'float';

const SCALARS: ReadonlySet<string> = new Set<ScalarType>([
  'string',
  'bytes',
  'bool',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'double',
  'float',
]);

export type FieldKind =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'message'; readonly message: string }
  | { readonly kind: 'special'; readonly special: string };

export interface CompiledField {
  readonly key: string;
  readonly number: number;
  readonly type: FieldKind;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly pointer: boolean;
  readonly omitempty: boolean;
  readonly inline: boolean;
}

export interface CompiledMessage {
  readonly name: string;
  /** In declaration (Go struct, hence JSON) order. */
  readonly fields: readonly CompiledField[];
  /** Sorted by field number, the order gogo-protobuf writes them. */
  readonly byNumberOrder: readonly CompiledField[];
  readonly byNumber: ReadonlyMap<number, CompiledField>;
}

const compiled = new Map<string, CompiledMessage>();

function fieldKind(type: string, where: string): FieldKind {
  if (SCALARS.has(type)) return { kind: 'scalar', scalar: type as ScalarType };
  if (isSpecialType(type)) return { kind: 'special', special: type };
  if (!Object.hasOwn(MESSAGES, type)) throw new Error(`${where}: unknown message type ${type}`);
  return { kind: 'message', message: type };
}

/** The compiled form of a declared message; throws for an undeclared name (a programming error). */
export function messageType(name: string): CompiledMessage {
  const hit = compiled.get(name);
  if (hit) return hit;
  const decl = Object.hasOwn(MESSAGES, name) ? MESSAGES[name] : undefined;
  if (!decl) throw new Error(`unknown protobuf message ${name}`);
  const fields: CompiledField[] = Object.entries(decl).map(([key, [number, type, flags = '']]) => ({
    key,
    number,
    type: fieldKind(type, `${name}.${key}`),
    repeated: flags.includes('r'),
    map: flags.includes('m'),
    pointer: flags.includes('p'),
    omitempty: flags.includes('o'),
    inline: flags.includes('i'),
  }));
  const msg: CompiledMessage = {
    name,
    fields,
    byNumberOrder: [...fields].sort((a, b) => a.number - b.number),
    byNumber: new Map(fields.map((f) => [f.number, f])),
  };
  compiled.set(name, msg);
  return msg;
}

/** Accepted under every apiVersion (upstream registers it in each group version) and under meta.k8s.io/v1. */
const OPTIONS_KINDS: Readonly<Record<string, string>> = { DeleteOptions: 'meta.v1.DeleteOptions' };

/** The message for an apiVersion/kind pair, or undefined when it is not supported. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  const table = Object.hasOwn(KINDS, apiVersion) ? KINDS[apiVersion] : undefined;
  if (!table) return undefined;
  if (Object.hasOwn(table, kind)) return table[kind];
  if (Object.hasOwn(OPTIONS_KINDS, kind)) return OPTIONS_KINDS[kind];
  if (apiVersion === 'v1' && kind === 'Status') return 'meta.v1.Status';
  return undefined;
}

/** Every supported apiVersion/kind pair (without the per-version option kinds). */
export function supportedKinds(): { apiVersion: string; kind: string }[] {
  return Object.entries(KINDS).flatMap(([apiVersion, table]) =>
    Object.keys(table).map((kind) => ({ apiVersion, kind })),
  );
}
