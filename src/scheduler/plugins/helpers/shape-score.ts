/** @module Piecewise-linear scoring functions (upstream's helper.BuildBrokenLinearFunction). */

/** One point of a scoring function: at `utilization` the function is `score`. */
export interface FunctionShapePoint {
  utilization: number;
  score: number;
}

/**
 * A function through the given points (utilization strictly increasing): the first point's score below
 * it, the last point's score above it, and linear in between with integer arithmetic as upstream.
 */
export function buildBrokenLinearFunction(shape: readonly FunctionShapePoint[]): (p: number) => number {
  const n = shape.length;
  return (p: number): number => {
    for (let i = 0; i < n; i++) {
      const cur = shape[i]!;
      if (p <= cur.utilization) {
        if (i === 0) return cur.score;
        const prev = shape[i - 1]!;
        return (
          prev.score +
          Math.trunc(
            ((cur.score - prev.score) * (p - prev.utilization)) / (cur.utilization - prev.utilization),
          )
        );
      }
    }
    return n > 0 ? shape[n - 1]!.score : 0;
  };
}
