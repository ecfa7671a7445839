/** @module IntOrString arithmetic as the CloneSet controller does it: counts, integer and fractional percents. */
import { intOrPercentValue, type IntOrString } from '../runtime/int-or-percent.js';

export type { IntOrString };

/** {@link intOrPercentValue}, or `fallback` when the value is unusable (as the controller ignores the error). */
export function intOrPercentOr(
  v: IntOrString | undefined | null,
  total: number,
  roundUp: boolean,
  fallback = 0,
): number {
  try {
    return intOrPercentValue(v, total, roundUp);
  } catch {
    return fallback;
  }
}

/** OpenKruise's util.GetScaledValueFromIntOrPercent: like the above but a percent may be fractional ("12.5%"). */
export function scaledValueFromIntOrPercent(
  v: IntOrString | undefined | null,
  total: number,
  roundUp: boolean,
): number {
  if (v === undefined || v === null) throw new Error('nil value for IntOrString');
  if (typeof v === 'number') return Math.trunc(v);
  if (!v.endsWith('%')) throw new Error('invalid type: string is not a percentage');
  const s = v.slice(0, -1);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  const scaled = (Number(s) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * OpenKruise's CalculatePartitionReplicas: the number of pods kept at the old revision. A percent rounds up
 * (so any non-zero percent keeps at least one pod), but below "100%" at least one pod is updated; the result
 * is clamped to [0, replicas]. Absent partition is 0.
 */
export function partitionReplicas(
  partition: IntOrString | undefined | null,
  replicas: number | undefined,
): number {
  if (partition === undefined || partition === null) return 0;
  const total = replicas ?? 1;
  let p = scaledValueFromIntOrPercent(partition, total, true);
  if (total > 1 && p === total && typeof partition === 'string' && partition !== '100%') p = total - 1;
  return Math.max(Math.min(p, total), 0);
}
