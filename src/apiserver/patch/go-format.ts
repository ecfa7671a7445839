/**
 * @module Renders decoded JSON values the way upstream's Go code prints them in error messages and
 * serialized keys (`%v`, reflect type names, encoding/json with sorted keys and HTML escaping).
 */

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's shortest `%v` rendering of a float64 (exponent form below 1e-4 and from 1e21). */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const abs = Math.abs(n);
  if (abs >= 1e-4 && abs < 1e21) return String(n);
  const [mant, exp] = n.toExponential().split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[+-]/, '');
  return `${mant}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
}

/** Go's `%v` of a value decoded from JSON (maps print as `map[k:v]` with sorted keys). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
  }
  return typeof v === 'bigint' ? v.toString() : '<nil>';
}

/** The reflect type name of a value decoded with upstream's int-preserving JSON decoder. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;

/** A string as encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. */
export function goJSONString(s: string): string {
  const json = JSON.stringify(s);
  if (!HTML_UNSAFE.test(json)) return json;
  return json.replace(HTML_UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** encoding/json's output for a decoded value: map keys sorted, HTML characters escaped. */
export function goJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJSONString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goJSON).join(',')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${goJSONString(k)}:${goJSON(v[k])}`).join(',')}}`;
  }
  return 'null';
}
