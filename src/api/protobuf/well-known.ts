/**
 * @module Kubernetes types whose JSON form is not their message shape: Time, MicroTime, Duration, Quantity,
 * IntOrString, RawExtension and FieldsV1. Each codec maps a message body to its JSON value and back, writing
 * fields the way gogo-protobuf does (non-pointer scalars always).
 */
import protobuf from 'protobufjs/minimal.js';
import { ProtobufDecodeError, ProtobufEncodeError } from './errors.js';

const { Reader, Writer } = protobuf;

/** A codec for one special message; `decode` of an empty body yields the Go zero value's JSON. */
export interface SpecialCodec {
  decode(body: Uint8Array, path: string): unknown;
  /** The message body for a JSON value; `undefined`/`null` encode the zero value. */
  encode(value: unknown, path: string): Uint8Array;
}

type FlatType = 'int64' | 'int32' | 'string' | 'bytes';

/** The exact value of what Reader.int64()/uint64() return (a number, or a Long when the long package is loaded). */
export function longValue(v: unknown, unsigned = false): bigint {
  if (typeof v === 'number') return BigInt(v);
  const { low, high } = v as { low: number; high: number };
  const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return unsigned ? bits : BigInt.asIntN(64, bits);
}

/** Reads a message of scalar fields with strict wire types; unknown fields are skipped. */
function readFlat(
  body: Uint8Array,
  path: string,
  spec: Readonly<Record<number, FlatType>>,
): Map<number, unknown> {
  const r = Reader.create(body);
  const out = new Map<number, unknown>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) throw new ProtobufDecodeError(`${path}: illegal field number 0`);
    const type = spec[no];
    if (type === undefined) {
      if (wt === 4) throw new ProtobufDecodeError(`${path}: unexpected end-group`);
      r.skipType(wt, 0, no);
      continue;
    }
    const want = type === 'string' || type === 'bytes' ? 2 : 0;
    if (wt !== want) throw new ProtobufDecodeError(`${path}: wrong wire type ${wt} for field ${no}`);
    if (type === 'int64') out.set(no, longValue(r.int64()));
    else if (type === 'int32') out.set(no, r.int32());
    else if (type === 'string') out.set(no, r.string());
    else out.set(no, Uint8Array.from(r.bytes()));
  }
  return out;
}

/** Go's zero time.Time, 0001-01-01T00:00:00Z, in Unix seconds. */
const ZERO_TIME_UNIX = -62135596800n;
/** 9999-12-31T23:59:59Z: the last second formatted with a four-digit year. */
const MAX_TIME_UNIX = 253402300799n;

function formatUtc(seconds: bigint, micros: number | undefined, path: string): string {
  if (seconds < ZERO_TIME_UNIX || seconds > MAX_TIME_UNIX) {
    throw new ProtobufDecodeError(`${path}: time ${seconds}s is outside years 1-9999`);
  }
  const iso = new Date(Number(seconds) * 1000).toISOString();
  const base = iso.slice(0, 19);
  return micros === undefined ? `${base}Z` : `${base}.${String(micros).padStart(6, '0')}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 time into Unix seconds and nanoseconds. */
function parseTime(value: string, path: string): { seconds: bigint; nanos: number } {
  const m = RFC3339.exec(value);
  if (!m) throw new ProtobufEncodeError(`${path}: "${value}" is not an RFC 3339 time`);
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s));
  if (date.toISOString().slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`) {
    throw new ProtobufEncodeError(`${path}: "${value}" is not a valid time`);
  }
  let seconds = BigInt(date.getTime() / 1000);
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60;
    seconds -= BigInt(sign * offset);
  }
  const nanos = frac ? Number(frac.slice(1, 10).padEnd(9, '0')) : 0;
  return { seconds, nanos };
}

function timestamp(seconds: bigint, nanos: number): Uint8Array {
  return Writer.create().uint32(8).int64(seconds.toString()).uint32(16).int32(nanos).finish();
}

function normalize(seconds: bigint, nanos: number): { seconds: bigint; nanos: number } {
  const carry = Math.floor(nanos / 1e9);
  return { seconds: seconds + BigInt(carry), nanos: nanos - carry * 1e9 };
}

/** metav1.Time: whole seconds only (upstream drops nanos both ways); zero → null. */
const time: SpecialCodec = {
  decode(body, path) {
    if (body.length === 0) return null;
    const seconds = (readFlat(body, path, { 1: 'int64', 2: 'int32' }).get(1) as bigint | undefined) ?? 0n;
    if (seconds === ZERO_TIME_UNIX) return null;
    return formatUtc(seconds, undefined, path);
  },
  encode(value, path) {
    if (value === undefined || value === null) return new Uint8Array(0);
    if (typeof value !== 'string') throw new ProtobufEncodeError(`${path}: expected a time string`);
    const { seconds } = parseTime(value, path);
    return seconds === ZERO_TIME_UNIX ? new Uint8Array(0) : timestamp(seconds, 0);
  },
};

/** metav1.MicroTime: microsecond precision; zero → null. */
const microTime: SpecialCodec = {
  decode(body, path) {
    if (body.length === 0) return null;
    const f = readFlat(body, path, { 1: 'int64', 2: 'int32' });
    const rawNanos = (f.get(2) as number | undefined) ?? 0;
    const truncated = rawNanos - (rawNanos % 1000);
    const { seconds, nanos } = normalize((f.get(1) as bigint | undefined) ?? 0n, truncated);
    if (seconds === ZERO_TIME_UNIX && nanos === 0) return null;
    return formatUtc(seconds, Math.floor(nanos / 1000), path);
  },
  encode(value, path) {
    if (value === undefined || value === null) return new Uint8Array(0);
    if (typeof value !== 'string') throw new ProtobufEncodeError(`${path}: expected a time string`);
    const { seconds, nanos } = parseTime(value, path);
    const micro = nanos - (nanos % 1000);
    return seconds === ZERO_TIME_UNIX && micro === 0 ? new Uint8Array(0) : timestamp(seconds, micro);
  },
};

const NS_PER: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

function fraction(v: bigint, digits: number): [bigint, string] {
  const scale = 10n ** BigInt(digits);
  const frac = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return [v / scale, frac ? `.${frac}` : ''];
}

/** Go's time.Duration.String(). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) {
    const [whole, frac] = fraction(u, 3);
    return `${sign}${whole}${frac}µs`;
  }
  if (u < 1_000_000_000n) {
    const [whole, frac] = fraction(u, 6);
    return `${sign}${whole}${frac}ms`;
  }
  const [secs, frac] = fraction(u, 9);
  const h = secs / 3600n;
  const m = (secs / 60n) % 60n;
  const s = secs % 60n;
  return `${sign}${h > 0n ? `${h}h` : ''}${h > 0n || m > 0n ? `${m}m` : ''}${s}${frac}s`;
}

/** Go's time.ParseDuration, to nanoseconds. */
export function parseGoDuration(text: string): bigint | undefined {
  const m = /^([+-]?)(.*)$/s.exec(text);
  const sign = m?.[1] === '-' ? -1n : 1n;
  let rest = m?.[2] ?? '';
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  while (rest !== '') {
    const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!part || (part[1] === '' && (part[2] ?? '') === '')) return undefined;
    const unit = NS_PER[part[3] ?? ''] ?? 0n;
    const frac = part[2] ?? '';
    total += BigInt(part[1] || '0') * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
    rest = rest.slice(part[0].length);
  }
  return sign * total;
}

/** metav1.Duration: Go duration string, zero → "0s". */
const duration: SpecialCodec = {
  decode(body, path) {
    return formatGoDuration((readFlat(body, path, { 1: 'int64' }).get(1) as bigint | undefined) ?? 0n);
  },
  encode(value, path) {
    let ns = 0n;
    if (value !== undefined && value !== null) {
      const parsed = typeof value === 'string' ? parseGoDuration(value) : undefined;
      if (parsed === undefined) throw new ProtobufEncodeError(`${path}: expected a Go duration string`);
      ns = parsed;
    }
    return Writer.create().uint32(8).int64(ns.toString()).finish();
  },
};

/** The forms resource.ParseQuantity accepts: signed decimal, then a binary SI, decimal SI or exponent suffix. */
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** resource.Quantity: its string as sent (not canonicalized); zero → "0". */
const quantity: SpecialCodec = {
  decode(body, path) {
    const s = readFlat(body, path, { 1: 'string' }).get(1) as string | undefined;
    if (s === undefined) return '0';
    if (!QUANTITY.test(s))
      throw new ProtobufDecodeError(`${path}: quantities must match the regular expression`);
    return s;
  },
  encode(value, path) {
    let s = '0';
    if (value !== undefined && value !== null) {
      if (typeof value === 'number' && Number.isFinite(value)) s = String(value);
      else if (typeof value === 'string' && QUANTITY.test(value)) s = value;
      else throw new ProtobufEncodeError(`${path}: expected a quantity`);
    }
    return Writer.create().uint32(10).string(s).finish();
  },
};

/** intstr.IntOrString: a number (type 0) or a string (type 1). */
const intOrString: SpecialCodec = {
  decode(body, path) {
    const f = readFlat(body, path, { 1: 'int64', 2: 'int32', 3: 'string' });
    const type = (f.get(1) as bigint | undefined) ?? 0n;
    if (type === 0n) return f.get(2) ?? 0;
    if (type === 1n) return f.get(3) ?? '';
    throw new ProtobufDecodeError(`${path}: impossible IntOrString.Type ${type}`);
  },
  encode(value, path) {
    const w = Writer.create();
    if (value === undefined || value === null)
      return w.uint32(8).int64(0).uint32(16).int32(0).uint32(26).string('').finish();
    if (typeof value === 'string')
      return w.uint32(8).int64(1).uint32(16).int32(0).uint32(26).string(value).finish();
    if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) {
      return w.uint32(8).int64(0).uint32(16).int32(value).uint32(26).string('').finish();
    }
    throw new ProtobufEncodeError(`${path}: expected an int32 or a string`);
  },
};

function parseRawJson(raw: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new ProtobufDecodeError(`${path}: embedded raw data is not JSON`);
  }
}

function rawJson(emptyIsNull: boolean): SpecialCodec {
  return {
    decode(body, path) {
      const raw = readFlat(body, path, { 1: 'bytes' }).get(1) as Uint8Array | undefined;
      if (raw === undefined || (emptyIsNull && raw.length === 0)) return null;
      return parseRawJson(raw, path);
    },
    encode(value) {
      if (value === undefined || value === null) return new Uint8Array(0);
      return Writer.create()
        .uint32(10)
        .bytes(Buffer.from(JSON.stringify(value), 'utf8'))
        .finish();
    },
  };
}

const SPECIALS: ReadonlyMap<string, SpecialCodec> = new Map([
  ['meta.v1.Time', time],
  ['meta.v1.MicroTime', microTime],
  ['meta.v1.Duration', duration],
  ['meta.v1.FieldsV1', rawJson(true)],
  ['resource.Quantity', quantity],
  ['intstr.IntOrString', intOrString],
  ['runtime.RawExtension', rawJson(false)],
]);

export function isSpecialType(name: string): boolean {
  return SPECIALS.has(name);
}

export function specialCodec(name: string): SpecialCodec {
  const codec = SPECIALS.get(name);
  if (!codec) throw new Error(`no codec for ${name}`);
  return codec;
}
