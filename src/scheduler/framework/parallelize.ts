/**
 * @module Upstream's Parallelizer, for a single-threaded runtime: per-node work runs in one loop (no
 * goroutines to fan out to), in chunks that stop early once a caller says it has enough.
 */

/** Upstream's default parallelism; Skiff keeps the setting for configuration compatibility only. */
export const DEFAULT_PARALLELISM = 16;

/**
 * Calls `piece(i)` for i in [0, n) until one returns false (the caller found enough); returns how many
 * pieces ran.
 */
export function until(n: number, piece: (i: number) => boolean | void): number {
  for (let i = 0; i < n; i++) {
    if (piece(i) === false) return i + 1;
  }
  return n;
}
