/**
 * @module resource.Quantity with upstream's parsing, rounding and canonical printing
 * (k8s.io/apimachinery/pkg/api/resource), in exact bigint arithmetic.
 */

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

const SPLIT_RE_STRING = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE_STRING}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";

/** A string that is not a quantity; `message` is one of upstream's three parse errors. */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

/** Largest |exponent| accepted in an `e` suffix; upstream allows any int32, which makes arithmetic unbounded. */
const MAX_EXPONENT = 10000;
const NANO = -9;
const MAX_INT64 = 9223372036854775807n;

const pow10Cache: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) return (pow10Cache[n] ??= 10n ** BigInt(n));
  return 10n ** BigInt(n);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function digitCount(v: bigint): number {
  return v === 0n ? 0 : abs(v).toString().length;
}

/** unscaled / 10^k rounded away from zero, and whether it was exact. */
function divRoundAway(unscaled: bigint, k: number): [bigint, boolean] {
  if (k <= 0) return [unscaled * pow10(-k), true];
  if (unscaled === 0n) return [0n, true];
  if (k > digitCount(unscaled)) return [unscaled > 0n ? 1n : -1n, false];
  const d = pow10(k);
  const q = unscaled / d;
  if (unscaled % d === 0n) return [q, true];
  return [unscaled > 0n ? q + 1n : q - 1n, false];
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s]));

function has(o: Record<string, number>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function interpretSuffix(s: string): Suffix | undefined {
  if (has(DECIMAL_SUFFIXES, s)) return { base: 10, exponent: DECIMAL_SUFFIXES[s]!, format: 'DecimalSI' };
  if (has(BINARY_SUFFIXES, s)) return { base: 2, exponent: BINARY_SUFFIXES[s]!, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const n = BigInt(rest);
    if (n > MAX_INT64 || n < -MAX_INT64 - 1n) return undefined;
    // Go truncates the int64 to int32.
    const e = Number(BigInt.asIntN(32, n));
    if (Math.abs(e) > MAX_EXPONENT) return undefined;
    return { base: 10, exponent: e, format: 'DecimalExponent' };
  }
  return undefined;
}

interface QuantityParts {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** Upstream's parseQuantityString: sign, integer digits (leading zeros dropped), fraction, suffix. */
function splitQuantity(str: string): QuantityParts {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end && (str[0] === '-' || str[0] === '+')) {
    positive = str[0] !== '-';
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos]!)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(ERR_FORMAT_WRONG);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

const RECENTLY_PARSED_LIMIT = 4096;
/** Quantities parsed from strings, by string (see {@link Quantity.parse}). */
const recentlyParsed = new Map<string, Quantity>();

/**
 * An exact decimal amount (`unscaled × 10^scale`) with the format it prints in. Immutable;
 * arithmetic returns new instances. A quantity parsed from an already-canonical-looking string
 * prints back verbatim, as upstream caches it.
 */
export class Quantity {
  /** The canonical form, once printed. */
  private printed: string | undefined;

  private constructor(
    private readonly unscaled: bigint,
    private readonly scale: number,
    readonly format: QuantityFormat,
    private readonly cached?: string,
  ) {}

  /** Parses a quantity string, or a JSON number as upstream reads an unquoted value. */
  static parse(input: string | number): Quantity {
    // Quantities are immutable, and one write parses the same few strings several times (defaulting,
    // validation, QoS class, canonical form): remember recent ones.
    if (typeof input !== 'string') return Quantity.parseUncached(input);
    let q = recentlyParsed.get(input);
    if (q === undefined) {
      q = Quantity.parseUncached(input);
      if (recentlyParsed.size >= RECENTLY_PARSED_LIMIT) recentlyParsed.clear();
      recentlyParsed.set(input, q);
    }
    return q;
  }

  private static parseUncached(input: string | number): Quantity {
    let str: string;
    if (typeof input === 'number') {
      if (!Number.isFinite(input)) throw new QuantityError(ERR_FORMAT_WRONG);
      str = String(input);
    } else {
      str = input;
    }
    if (str.length === 0) throw new QuantityError(ERR_FORMAT_WRONG);
    if (str === '0') return new Quantity(0n, 0, 'DecimalSI', str);

    const { positive, num, denom, suffix } = splitQuantity(str);
    const sfx = interpretSuffix(suffix);
    if (!sfx) throw new QuantityError(ERR_SUFFIX);
    const { base, exponent } = sfx;
    let format = sfx.format;

    const digits = BigInt(num + denom);
    const signed = positive ? digits : -digits;

    // Upstream's int64 fast path decides whether the input string is kept as the printed form.
    let precision: number;
    if (base === 10) precision = 18 - (num.length + denom.length);
    else if (denom.length === 0) precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    else precision = -1;
    if (precision >= 0) {
      const scale = (base === 10 ? exponent : 0) - denom.length;
      if (scale >= NANO) {
        const shifted = num + denom;
        const mantissa = base === 2 ? 1n << BigInt(exponent) : 1n;
        const result = digits * mantissa;
        if (result <= MAX_INT64) {
          const value = positive ? result : -result;
          const keep =
            base === 2
              ? exponent % 10 === 0 && (digits & 7n) !== 0n
              : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
          return new Quantity(value, scale, format, keep ? str : undefined);
        }
      }
    }

    let unscaled: bigint;
    let scale: number;
    if (base === 10) {
      unscaled = signed;
      scale = exponent - denom.length;
    } else {
      unscaled = signed << BigInt(exponent);
      scale = -denom.length;
    }
    if (scale < NANO && unscaled !== 0n) {
      [unscaled] = divRoundAway(unscaled, NANO - scale);
      scale = NANO;
    }
    if (format === 'BinarySI') {
      const q = new Quantity(abs(unscaled), scale, format);
      if (q.cmp(MAX_INT64_QUANTITY) > 0) {
        unscaled = positive ? MAX_INT64 : -MAX_INT64;
        scale = 0;
      } else if (q.sign() > 0 && q.cmp(ONE) < 0) {
        format = 'DecimalSI';
      }
    }
    return new Quantity(unscaled, scale, format);
  }

  /** Upstream's NewQuantity / NewScaledQuantity: `value × 10^scale`. */
  static fromValue(value: bigint | number, format: QuantityFormat = 'DecimalSI', scale = 0): Quantity {
    return new Quantity(BigInt(value), scale, format);
  }

  /** Upstream's NewMilliQuantity. */
  static fromMilli(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli), -3, format);
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled > 0n ? 1 : -1;
  }

  cmp(o: Quantity): -1 | 0 | 1 {
    const sa = this.sign();
    const sb = o.sign();
    if (sa !== sb) return sa < sb ? -1 : 1;
    if (sa === 0) return 0;
    // Same sign: compare magnitudes by order of magnitude first so huge scale gaps stay cheap.
    const ma = digitCount(this.unscaled) + this.scale;
    const mb = digitCount(o.unscaled) + o.scale;
    let c: number;
    if (ma !== mb) {
      c = ma < mb ? -1 : 1;
    } else {
      const s = Math.min(this.scale, o.scale);
      const a = abs(this.unscaled) * pow10(this.scale - s);
      const b = abs(o.unscaled) * pow10(o.scale - s);
      c = a === b ? 0 : a < b ? -1 : 1;
    }
    if (c === 0) return 0;
    return (sa > 0 ? c : -c) as -1 | 1;
  }

  equals(o: Quantity): boolean {
    return this.cmp(o) === 0;
  }

  /** Sum; a zero receiver takes the other's format, as upstream. */
  add(o: Quantity): Quantity {
    const s = Math.min(this.scale, o.scale);
    const sum = this.unscaled * pow10(this.scale - s) + o.unscaled * pow10(o.scale - s);
    return new Quantity(sum, s, this.isZero() ? o.format : this.format);
  }

  sub(o: Quantity): Quantity {
    return this.add(o.neg());
  }

  neg(): Quantity {
    return new Quantity(-this.unscaled, this.scale, this.format);
  }

  /** Product with an integer. */
  mul(n: bigint | number): Quantity {
    return new Quantity(this.unscaled * BigInt(n), this.scale, this.format);
  }

  /** Same amount, printed in another format. */
  withFormat(format: QuantityFormat): Quantity {
    return format === this.format && this.cached === undefined
      ? this
      : new Quantity(this.unscaled, this.scale, format);
  }

  /** The amount in units of 10^scale, rounded away from zero (upstream's ScaledValue, without int64 overflow). */
  scaledValue(scale: number): bigint {
    return divRoundAway(this.unscaled, scale - this.scale)[0];
  }

  /** Whole units, rounded away from zero (upstream's Value()). */
  value(): bigint {
    return this.scaledValue(0);
  }

  /** Thousandths, rounded away from zero (upstream's MilliValue()). */
  milliValue(): bigint {
    return this.scaledValue(-3);
  }

  /** Nearest float64. */
  toNumber(): number {
    return Number(`${this.unscaled}e${this.scale}`);
  }

  toString(): string {
    return this.cached ?? (this.printed ??= this.canonical());
  }

  toJSON(): string {
    return this.toString();
  }

  private canonical(): string {
    if (this.unscaled === 0n) return '0';
    let format = this.format;
    let rounded = this.unscaled;
    if (format === 'BinarySI') {
      if (this.cmp(NEG_1024) > 0 && this.cmp(POS_1024) < 0) {
        format = 'DecimalSI';
      } else {
        const [v, exact] = divRoundAway(this.unscaled, -this.scale);
        if (exact) rounded = v;
        else format = 'DecimalSI';
      }
    }
    if (format === 'BinarySI') {
      let amount = rounded;
      let times = 0;
      while (abs(amount) >= 1024n && amount % 1024n === 0n) {
        amount /= 1024n;
        times++;
      }
      // Beyond Ei there is no suffix; upstream would drop it, which changes the value.
      while (times > 6) {
        amount *= 1024n;
        times--;
      }
      return `${amount}${BINARY_BY_EXPONENT.get(times * 10) ?? ''}`;
    }
    let amount = this.unscaled;
    let exponent = this.scale;
    while (abs(amount) >= 10n && amount % 10n === 0n) {
      amount /= 10n;
      exponent++;
    }
    while (exponent % 3 !== 0) {
      amount *= 10n;
      exponent--;
    }
    if (format === 'DecimalSI') {
      const sfx = DECIMAL_BY_EXPONENT.get(exponent);
      // Outside n..E upstream prints no suffix at all (a value change); fall back to an exponent.
      if (sfx !== undefined) return `${amount}${sfx}`;
    }
    return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  }
}

const MAX_INT64_QUANTITY = Quantity.fromValue(MAX_INT64);
const ONE = Quantity.fromValue(1);
const POS_1024 = Quantity.fromValue(1024);
const NEG_1024 = Quantity.fromValue(-1024);

/** Whether `s` parses as a quantity. */
export function isQuantity(s: unknown): boolean {
  if (typeof s !== 'string' && typeof s !== 'number') return false;
  try {
    Quantity.parse(s);
    return true;
  } catch (e) {
    if (e instanceof QuantityError) return false;
    throw e;
  }
}

/** The form upstream would store and print for `s` (throws QuantityError if invalid). */
export function canonicalQuantity(s: string | number): string {
  return Quantity.parse(s).toString();
}
