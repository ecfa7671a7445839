/**
 * @module Generic message codec over the declarations in schema.ts. Decoding mirrors what upstream does:
 * gogo-protobuf unmarshals into a Go struct, then encoding/json prints it (pointer, omitempty and inline rules,
 * sorted map keys, base64 bytes). Encoding writes what gogo-protobuf would write for the same struct.
 */
import protobuf from 'protobufjs/minimal.js';
import { isObject } from '../object.js';
import { ProtobufDecodeError, ProtobufEncodeError } from './errors.js';
import { type CompiledField, type CompiledMessage, messageType, type ScalarType } from './schema.js';
import { longValue, specialCodec } from './well-known.js';

const { Reader, Writer } = protobuf;
type Reader = protobuf.Reader;
type Writer = protobuf.Writer;

/** The decoded fields of one message, as a Go struct holds them: only fields seen on the wire. */
type GoStruct = Map<CompiledField, unknown>;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

function scalarWireType(t: ScalarType): number {
  switch (t) {
    case 'string':
    case 'bytes':
      return WIRE_LEN;
    case 'double':
      return WIRE_FIXED64;
    case 'float':
      return WIRE_FIXED32;
    case 'bool':
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
      return WIRE_VARINT;
  }
}

function readScalar(r: Reader, t: ScalarType): unknown {
  switch (t) {
    case 'string':
      return r.string();
    case 'bytes':
      return Uint8Array.from(r.bytes());
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return Number(longValue(r.int64()));
    case 'uint64':
      return Number(longValue(r.uint64(), true));
    case 'double':
      return r.double();
    case 'float':
      return r.float();
  }
}

function readLength(r: Reader, path: string): Uint8Array {
  const len = r.uint32();
  if (len > r.len - r.pos)
    throw new ProtobufDecodeError(`${path}: length ${len} runs past the end of the data`);
  const body = r.buf.subarray(r.pos, r.pos + len);
  r.pos += len;
  return body;
}

/** Decodes one field value (not a map entry) whose wire type was checked. */
function readValue(r: Reader, f: CompiledField, path: string, existing: unknown): unknown {
  switch (f.type.kind) {
    case 'scalar':
      return readScalar(r, f.type.scalar);
    case 'special':
      return specialCodec(f.type.special).decode(readLength(r, path), path);
    case 'message': {
      const into = existing instanceof Map ? (existing as GoStruct) : new Map();
      decodeInto(readLength(r, path), messageType(f.type.message), into, path);
      return into;
    }
  }
}

function zeroOf(f: CompiledField, path: string): unknown {
  switch (f.type.kind) {
    case 'scalar':
      return scalarZero(f.type.scalar);
    case 'special':
      return specialCodec(f.type.special).decode(new Uint8Array(0), path);
    case 'message':
      return new Map();
  }
}

function scalarZero(t: ScalarType): unknown {
  if (t === 'string') return '';
  if (t === 'bool') return false;
  if (t === 'bytes') return new Uint8Array(0);
  return 0;
}

function readMapEntry(body: Uint8Array, f: CompiledField, path: string): [string, unknown] {
  const r = Reader.create(body);
  let key = '';
  let value: unknown;
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) throw new ProtobufDecodeError(`${path}: illegal field number 0`);
    if (no === 1) {
      if (wt !== WIRE_LEN) throw new ProtobufDecodeError(`${path}: wrong wire type ${wt} for a map key`);
      key = r.string();
    } else if (no === 2) {
      const want = f.type.kind === 'scalar' ? scalarWireType(f.type.scalar) : WIRE_LEN;
      if (wt !== want) throw new ProtobufDecodeError(`${path}: wrong wire type ${wt} for a map value`);
      value = readValue(r, f, `${path}[value]`, undefined);
    } else {
      skip(r, wt, no, path);
    }
  }
  return [key, value === undefined ? zeroOf(f, path) : value];
}

function skip(r: Reader, wt: number, no: number, path: string): void {
  if (wt === WIRE_END_GROUP) throw new ProtobufDecodeError(`${path}: unexpected end-group tag`);
  r.skipType(wt, 0, no);
}

/** Decodes a message body into `into`, merging repeated occurrences of a message field as Go does. */
function decodeInto(body: Uint8Array, msg: CompiledMessage, into: GoStruct, path: string): void {
  const r = Reader.create(body);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) throw new ProtobufDecodeError(`${path}: illegal field number 0`);
    const f = msg.byNumber.get(no);
    if (!f) {
      skip(r, wt, no, path);
      continue;
    }
    const fpath = `${path}.${f.key}`;
    if (f.map) {
      if (wt !== WIRE_LEN) throw new ProtobufDecodeError(`${fpath}: wrong wire type ${wt}`);
      const [key, value] = readMapEntry(readLength(r, fpath), f, fpath);
      let m = into.get(f) as Map<string, unknown> | undefined;
      if (!m) into.set(f, (m = new Map()));
      m.set(key, value);
      continue;
    }
    const want = f.type.kind === 'scalar' ? scalarWireType(f.type.scalar) : WIRE_LEN;
    if (f.repeated) {
      let list = into.get(f) as unknown[] | undefined;
      if (!list) into.set(f, (list = []));
      if (wt === WIRE_LEN && want !== WIRE_LEN) {
        const packed = Reader.create(readLength(r, fpath));
        while (packed.pos < packed.len) list.push(readValue(packed, f, fpath, undefined));
      } else if (wt === want) {
        list.push(readValue(r, f, `${fpath}[${list.length}]`, undefined));
      } else {
        throw new ProtobufDecodeError(`${fpath}: wrong wire type ${wt}`);
      }
      continue;
    }
    if (wt !== want) throw new ProtobufDecodeError(`${fpath}: wrong wire type ${wt}`);
    into.set(f, readValue(r, f, fpath, into.get(f)));
  }
}

function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The JSON form of one element value (not considering presence). */
function elementToJson(f: CompiledField, v: unknown): unknown {
  switch (f.type.kind) {
    case 'scalar':
      return v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
    case 'special':
      return v;
    case 'message': {
      const out: Record<string, unknown> = {};
      structToJson(messageType(f.type.message), v as GoStruct, out);
      return out;
    }
  }
}

function isZeroScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0);
}

/** Writes the JSON fields of a decoded struct into `out` (inline structs write into the same object). */
function structToJson(msg: CompiledMessage, s: GoStruct | undefined, out: Record<string, unknown>): void {
  for (const f of msg.fields) {
    const present = s?.has(f) === true;
    const v = s?.get(f);
    if (f.inline) {
      if (f.type.kind !== 'message') throw new Error(`${msg.name}.${f.key}: inline field is not a message`);
      structToJson(messageType(f.type.message), v as GoStruct | undefined, out);
      continue;
    }
    const isBytes = f.type.kind === 'scalar' && f.type.scalar === 'bytes';
    if (f.repeated || f.map || isBytes || f.pointer) {
      if (!present) {
        if (!f.omitempty) setKey(out, f.key, null);
        continue;
      }
      if (f.repeated) {
        setKey(
          out,
          f.key,
          (v as unknown[]).map((e) => elementToJson(f, e)),
        );
      } else if (f.map) {
        const m = v as Map<string, unknown>;
        const obj: Record<string, unknown> = {};
        for (const k of [...m.keys()].sort(byteOrder)) setKey(obj, k, elementToJson(f, m.get(k)));
        setKey(out, f.key, obj);
      } else if (isBytes && !f.pointer && f.omitempty && (v as Uint8Array).length === 0) {
        continue;
      } else {
        setKey(out, f.key, elementToJson(f, v));
      }
      continue;
    }
    if (f.type.kind !== 'scalar') {
      setKey(out, f.key, elementToJson(f, present ? v : zeroOf(f, `${msg.name}.${f.key}`)));
      continue;
    }
    const value = present ? v : scalarZero(f.type.scalar);
    if (f.omitempty && isZeroScalar(value)) continue;
    setKey(out, f.key, value);
  }
}

/** Decodes a message body into its upstream JSON form. Throws ProtobufDecodeError for invalid data. */
export function decodeMessage(body: Uint8Array, messageName: string): Record<string, unknown> {
  const msg = messageType(messageName);
  const s: GoStruct = new Map();
  decodeInto(body, msg, s, messageName);
  const out: Record<string, unknown> = {};
  structToJson(msg, s, out);
  return out;
}

function writeScalar(w: Writer, t: ScalarType, v: unknown, path: string): void {
  const fail = (what: string): never => {
    throw new ProtobufEncodeError(`${path}: expected ${what}, got ${JSON.stringify(v) ?? typeof v}`);
  };
  switch (t) {
    case 'string':
      if (typeof v !== 'string') fail('a string');
      w.string(v as string);
      return;
    case 'bytes': {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0)
        fail('base64 data');
      w.bytes(Buffer.from(v as string, 'base64'));
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') fail('a boolean');
      w.bool(v as boolean);
      return;
    case 'int32':
      if (!Number.isInteger(v) || (v as number) < -(2 ** 31) || (v as number) >= 2 ** 31) fail('an int32');
      w.int32(v as number);
      return;
    case 'uint32':
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= 2 ** 32) fail('a uint32');
      w.uint32(v as number);
      return;
    case 'int64':
      if (!Number.isSafeInteger(v)) fail('an integer');
      w.int64(v as number);
      return;
    case 'uint64':
      if (!Number.isSafeInteger(v) || (v as number) < 0) fail('a non-negative integer');
      w.uint64(v as number);
      return;
    case 'double':
      if (typeof v !== 'number') fail('a number');
      w.double(v as number);
      return;
    case 'float':
      if (typeof v !== 'number') fail('a number');
      w.float(v as number);
      return;
  }
}

function tagOf(f: CompiledField): number {
  const wt = f.type.kind === 'scalar' ? scalarWireType(f.type.scalar) : WIRE_LEN;
  return ((f.number << 3) | wt) >>> 0;
}

/** Writes one value of a field (tag, then payload). */
function writeValue(w: Writer, f: CompiledField, v: unknown, path: string): void {
  w.uint32(tagOf(f));
  switch (f.type.kind) {
    case 'scalar':
      writeScalar(w, f.type.scalar, v, path);
      return;
    case 'special':
      w.bytes(specialCodec(f.type.special).encode(v, path));
      return;
    case 'message':
      if (v !== undefined && v !== null && !isObject(v))
        throw new ProtobufEncodeError(`${path}: expected an object`);
      w.fork();
      encodeInto(w, messageType(f.type.message), v ?? undefined, path);
      w.ldelim();
      return;
  }
}

function encodeInto(
  w: Writer,
  msg: CompiledMessage,
  obj: Record<string, unknown> | undefined,
  path: string,
): void {
  for (const f of msg.byNumberOrder) {
    const fpath = `${path}.${f.key}`;
    if (f.inline) {
      w.uint32(tagOf(f)).fork();
      if (f.type.kind !== 'message') throw new Error(`${fpath}: inline field is not a message`);
      encodeInto(w, messageType(f.type.message), obj, path);
      w.ldelim();
      continue;
    }
    const v = obj && Object.hasOwn(obj, f.key) ? obj[f.key] : undefined;
    if (f.map) {
      if (v === undefined || v === null) continue;
      if (!isObject(v)) throw new ProtobufEncodeError(`${fpath}: expected an object`);
      for (const key of Object.keys(v).sort(byteOrder)) {
        const value = v[key];
        w.uint32(tagOf(f)).fork();
        w.uint32(10).string(key);
        const skipValue =
          (value === null || value === undefined) && f.type.kind === 'scalar' && f.type.scalar === 'bytes';
        if (!skipValue) writeMapValue(w, f, value, `${fpath}[${key}]`);
        w.ldelim();
      }
      continue;
    }
    if (f.repeated) {
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) throw new ProtobufEncodeError(`${fpath}: expected an array`);
      v.forEach((e, i) => writeValue(w, f, e, `${fpath}[${i}]`));
      continue;
    }
    const isBytes = f.type.kind === 'scalar' && f.type.scalar === 'bytes';
    if (f.pointer || isBytes) {
      if (v === undefined || v === null) continue;
      writeValue(w, f, v, fpath);
      continue;
    }
    if (f.type.kind === 'scalar') {
      writeValue(w, f, v === undefined || v === null ? scalarZero(f.type.scalar) : v, fpath);
      continue;
    }
    writeValue(w, f, v, fpath);
  }
}

function writeMapValue(w: Writer, f: CompiledField, value: unknown, path: string): void {
  const entryValue: CompiledField = { ...f, number: 2, repeated: false, map: false };
  let v = value;
  if ((v === undefined || v === null) && f.type.kind === 'scalar') v = scalarZero(f.type.scalar);
  writeValue(w, entryValue, v, path);
}

/** Encodes a JSON object as the body of the named message. Throws ProtobufEncodeError for mistyped fields. */
export function encodeMessage(obj: Record<string, unknown>, messageName: string): Uint8Array {
  const w = Writer.create();
  encodeInto(w, messageType(messageName), obj, messageName);
  return w.finish();
}
