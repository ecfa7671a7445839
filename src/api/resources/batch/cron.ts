/**
 * @module A standard cron schedule parser (five fields, names, ranges, steps, `@hourly`-style descriptors,
 * `@every <duration>`, optional `TZ=`/`CRON_TZ=` prefix) with the error wording CronJob validation
 * reports, and next-run computation in an IANA time zone.
 */

/** A parse failure; `message` is what CronJob validation shows for spec.schedule. */
export class CronParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronParseError';
  }
}

/** A parsed schedule. */
export interface CronSchedule {
  /** The first activation strictly after `after`, or undefined if there is none within five years. */
  next(after: Date): Date | undefined;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
  },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** The set of allowed values of one field; `star` when it was written as `*` or `?` (step 1). */
interface FieldSet {
  values: Set<number>;
  star: boolean;
}

/** Go's %s of a []string: `[a b c]`. */
function goList(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

/** strconv.Atoi with Go's error text. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s))
    throw new CronParseError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number.parseInt(s, 10);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) {
    throw new CronParseError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  }
  return n;
}

function mustParseInt(expr: string): number {
  let num: number;
  try {
    num = atoi(expr);
  } catch (err) {
    throw new CronParseError(`failed to parse int from ${expr}: ${(err as Error).message}`);
  }
  if (num < 0) throw new CronParseError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

function parseRange(expr: string, b: Bounds, into: FieldSet): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  const low = lowAndHigh[0] ?? '';
  if (low === '*' || low === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(low, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', b);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    if (single) end = b.max;
    if (step > 1) star = false;
  } else throw new CronParseError(`too many slashes: ${expr}`);

  if (start < b.min)
    throw new CronParseError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronParseError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end)
    throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  for (let i = start; i <= end; i += step) into.values.add(i);
  if (star) into.star = true;
}

function parseField(field: string, b: Bounds): FieldSet {
  const set: FieldSet = { values: new Set(), star: false };
  for (const expr of field.split(',').filter((s) => s !== '')) parseRange(expr, b, set);
  return set;
}

function all(b: Bounds): FieldSet {
  const values = new Set<number>();
  for (let i = b.min; i <= b.max; i++) values.add(i);
  return { values, star: true };
}

function only(v: number): FieldSet {
  return { values: new Set([v]), star: false };
}

interface Spec {
  minute: FieldSet;
  hour: FieldSet;
  dom: FieldSet;
  month: FieldSet;
  dow: FieldSet;
}

const DESCRIPTORS: Record<string, () => Spec> = {
  '@yearly': () => ({ minute: only(0), hour: only(0), dom: only(1), month: only(1), dow: all(DOW) }),
  '@annually': () => ({ minute: only(0), hour: only(0), dom: only(1), month: only(1), dow: all(DOW) }),
  '@monthly': () => ({ minute: only(0), hour: only(0), dom: only(1), month: all(MONTHS), dow: all(DOW) }),
  '@weekly': () => ({ minute: only(0), hour: only(0), dom: all(DOM), month: all(MONTHS), dow: only(0) }),
  '@daily': () => ({ minute: only(0), hour: only(0), dom: all(DOM), month: all(MONTHS), dow: all(DOW) }),
  '@midnight': () => ({ minute: only(0), hour: only(0), dom: all(DOM), month: all(MONTHS), dow: all(DOW) }),
  '@hourly': () => ({ minute: only(0), hour: all(HOURS), dom: all(DOM), month: all(MONTHS), dow: all(DOW) }),
};

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in milliseconds, with Go's error wording. */
export function parseGoDuration(s: string): number {
  const orig = s;
  const bad = (): CronParseError => new CronParseError(`time: invalid duration ${JSON.stringify(orig)}`);
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let totalNs = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const whole = m?.[1] ?? '';
    const frac = m?.[2];
    if (whole === '' && (frac === undefined || frac === '')) throw bad();
    s = s.slice(m?.[0].length ?? 0);
    const u = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (u === '') throw new CronParseError(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const unit = UNIT_NS[u];
    if (unit === undefined) {
      throw new CronParseError(`time: unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(orig)}`);
    }
    s = s.slice(u.length);
    totalNs += Number(whole || '0') * unit + (frac ? Number(`0.${frac}`) * unit : 0);
  }
  return ((neg ? -1 : 1) * totalNs) / 1e6;
}

/**
 * Whether `tz` names a time zone the server knows (an IANA name such as `Europe/Berlin` or `UTC`).
 * Names are case-sensitive, as on a server reading the zoneinfo database.
 */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'Local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return false;
  }
  if (tz === 'UTC' || /[A-Z]/.test(tz)) return true;
  return Intl.supportedValuesOf('timeZone').includes(tz);
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(t: Date, tz: string): Wall {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(tz, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(t)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
  };
}

/** The instant whose wall clock in `tz` reads `w` (the later one after a gap). */
function instantOf(w: Wall, tz: string): Date {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  let guess = naive;
  for (let i = 0; i < 3; i++) {
    const seen = wallClock(new Date(guess), tz);
    const seenNaive = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    const diff = naive - seenNaive;
    if (diff === 0) break;
    guess += diff;
  }
  return new Date(guess);
}

function dayMatches(spec: Spec, d: Date): boolean {
  const domMatch = spec.dom.values.has(d.getUTCDate());
  const dowMatch = spec.dow.values.has(d.getUTCDay());
  if (spec.dom.star || spec.dow.star) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

class SpecSchedule implements CronSchedule {
  constructor(
    private readonly spec: Spec,
    private readonly tz: string,
  ) {}

  next(after: Date): Date | undefined {
    const w = wallClock(after, this.tz);
    // Work on the wall clock, held in a UTC Date, one minute past `after`.
    const t = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute + 1));
    const limit = w.year + 5;
    const { minute, hour, month } = this.spec;
    while (t.getUTCFullYear() <= limit) {
      if (!month.values.has(t.getUTCMonth() + 1)) {
        t.setUTCMonth(t.getUTCMonth() + 1, 1);
        t.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!dayMatches(this.spec, t)) {
        t.setUTCDate(t.getUTCDate() + 1);
        t.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!hour.values.has(t.getUTCHours())) {
        t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        continue;
      }
      if (!minute.values.has(t.getUTCMinutes())) {
        t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        continue;
      }
      const at = instantOf(
        {
          year: t.getUTCFullYear(),
          month: t.getUTCMonth() + 1,
          day: t.getUTCDate(),
          hour: t.getUTCHours(),
          minute: t.getUTCMinutes(),
        },
        this.tz,
      );
      if (at.getTime() > after.getTime()) return at;
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    }
    return undefined;
  }
}

class EverySchedule implements CronSchedule {
  constructor(private readonly delayMs: number) {}

  next(after: Date): Date {
    const base = after.getTime() - (after.getTime() % 1000);
    return new Date(base + this.delayMs);
  }
}

/**
 * Parses a standard cron spec. `defaultTimeZone` applies when the spec has no `TZ=` prefix
 * (CronJob's spec.timeZone, else the controller's zone). Throws {@link CronParseError}.
 */
export function parseCronSchedule(spec: string, defaultTimeZone = 'UTC'): CronSchedule {
  if (spec.length === 0) throw new CronParseError('empty spec string');
  let tz = defaultTimeZone;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const zone = space < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, space);
    if (!isKnownTimeZone(zone)) {
      throw new CronParseError(`provided bad location ${zone}: unknown time zone ${zone}`);
    }
    tz = zone;
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    const d = DESCRIPTORS[spec];
    if (d) return new SpecSchedule(d(), tz);
    const every = '@every ';
    if (spec.startsWith(every)) {
      let ms: number;
      try {
        ms = parseGoDuration(spec.slice(every.length));
      } catch (err) {
        throw new CronParseError(`failed to parse duration ${spec}: ${(err as Error).message}`);
      }
      return new EverySchedule(Math.max(1000, ms - (ms % 1000)));
    }
    throw new CronParseError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) {
    throw new CronParseError(`expected exactly 5 fields, found ${fields.length}: ${goList(fields)}`);
  }
  const [mi, h, dom, mo, dow] = fields as [string, string, string, string, string];
  return new SpecSchedule(
    {
      minute: parseField(mi, MINUTES),
      hour: parseField(h, HOURS),
      dom: parseField(dom, DOM),
      month: parseField(mo, MONTHS),
      dow: parseField(dow, DOW),
    },
    tz,
  );
}
