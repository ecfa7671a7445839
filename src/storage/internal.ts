/** @module Helpers shared by the in-process Store backends (memory, sqlite): key ranges and revision checks. */
import { StorageError, type Revision, type WatchEvent } from './interface.js';

/**
 * The smallest string greater than every key starting with `prefix` in code point order
 * (the same as UTF-8 byte order); undefined for the empty prefix, which has no upper bound.
 */
export function prefixEnd(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const chars = [...prefix];
  const last = chars.pop()!.codePointAt(0)!;
  return chars.join('') + String.fromCodePoint(last + 1);
}

/** The revision of the write that produced an event. */
export function eventRevision(event: WatchEvent): Revision {
  return event.type === 'put' ? event.kv.modRevision : event.revision;
}

/**
 * Resolves the revision a read is made at: `undefined` or 0 mean `current`; an older revision than
 * `compacted` is Compacted; a revision beyond `current` is a caller bug (RangeError).
 */
export function readRevision(
  key: string,
  requested: Revision | undefined,
  current: Revision,
  compacted: Revision,
): Revision {
  if (requested === undefined || requested === 0) return current;
  if (requested < compacted) throw compactedError(key, requested, compacted);
  if (requested > current || !Number.isSafeInteger(requested) || requested < 0) {
    throw new RangeError(`revision ${requested} is not in [1, ${current}]`);
  }
  return requested;
}

export function compactedError(key: string, requested: Revision, compacted: Revision): StorageError {
  return new StorageError(
    'Compacted',
    key,
    `revision ${requested} has been compacted (compacted up to ${compacted})`,
    undefined,
    compacted,
  );
}

export function closedError(key: string): StorageError {
  return new StorageError('Unavailable', key, 'store is closed');
}
