/** @module Structural equality of JSON values (key order ignored), with an early exit at the first difference. */

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let count = 0;
  for (const k in ra) {
    if (ra[k] === undefined) continue;
    count++;
    if (!deepEqual(ra[k], rb[k])) return false;
  }
  for (const k in rb) if (rb[k] !== undefined) count--;
  return count === 0;
}

/** deepEqual of two objects, ignoring the named top-level keys. */
export function deepEqualExcept(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  ignore: ReadonlySet<string>,
): boolean {
  let count = 0;
  for (const k in a) {
    if (ignore.has(k) || a[k] === undefined) continue;
    count++;
    if (!deepEqual(a[k], b[k])) return false;
  }
  for (const k in b) if (!ignore.has(k) && b[k] !== undefined) count--;
  return count === 0;
}
