/** @module IntOrString values (counts or percents of a total), as the workload controllers scale them. */

export type IntOrString = number | string;

/**
 * apimachinery's intstr.GetScaledValueFromIntOrPercent: an int as is, or an integer percent of `total`
 * rounded up or down. Throws for anything else (as upstream returns an error).
 */
export function intOrPercentValue(
  v: IntOrString | undefined | null,
  total: number,
  roundUp: boolean,
): number {
  if (v === undefined || v === null) throw new Error('nil value for IntOrString');
  if (typeof v === 'number') return Math.trunc(v);
  if (!v.endsWith('%')) {
    throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  }
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) {
    throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`);
  }
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
