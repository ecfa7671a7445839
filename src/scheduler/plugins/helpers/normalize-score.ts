/** @module Score normalization shared by score plugins (upstream's helper.DefaultNormalizeScore). */
import type { NodeScore } from '../../framework/types.js';

/**
 * Rescales non-negative scores in place from [0, max(scores)] to [0, maxPriority] with integer division;
 * with `reverse`, each becomes maxPriority minus that. When every score is 0 they stay 0, or all become
 * maxPriority when reversed.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let maxCount = 0;
  for (const s of scores) if (s.score > maxCount) maxCount = s.score;
  if (maxCount === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    const score = Math.floor((maxPriority * s.score) / maxCount);
    s.score = reverse ? maxPriority - score : score;
  }
}
