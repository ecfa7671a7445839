/**
 * @module The Store contract: a revisioned key-value store with etcd v3 semantics.
 *
 * Every backend (memory, sqlite, etcd) implements {@link Store} and passes the shared
 * conformance suite in `conformance.case.ts`. Nothing above the apiserver's registry
 * layer touches a Store.
 */

/** A store revision. A single counter shared by all keys; it increases by one with every write. */
export type Revision = number;

/** One key at one revision. */
export interface KeyValue {
  readonly key: string;
  /** The serialized object (JSON text). */
  readonly value: string;
  /** Revision of the write that created this key (since it last did not exist). */
  readonly createRevision: Revision;
  /** Revision of the last write to this key. */
  readonly modRevision: Revision;
}

/** One change, delivered to watchers in revision order. */
export type WatchEvent =
  | {
      readonly type: 'put';
      /** The new state; a creation when `kv.createRevision === kv.modRevision`. */
      readonly kv: KeyValue;
      /** The state before this write, absent for a creation. */
      readonly prevKv?: KeyValue;
    }
  | {
      readonly type: 'delete';
      readonly key: string;
      /** The revision of the delete itself. */
      readonly revision: Revision;
      /** The last state before the delete. */
      readonly prevKv: KeyValue;
    };

export interface ListOptions {
  /** Read at this revision (must not be compacted); default: the current revision. */
  readonly revision?: Revision;
  /** Return at most this many keys; 0 or absent means no limit. */
  readonly limit?: number;
  /** Start strictly after this key (the continue point of a previous page). */
  readonly startAfter?: string;
}

export interface ListResult {
  /** Keys in ascending byte order of key. */
  readonly kvs: KeyValue[];
  /** The revision the list was read at (the current revision if none was asked for). */
  readonly revision: Revision;
  /** True when keys beyond the last returned one exist under the prefix at that revision. */
  readonly more: boolean;
}

export interface GetResult {
  /** Absent when the key does not exist at that revision. */
  readonly kv: KeyValue | undefined;
  /** The revision the read was made at. */
  readonly revision: Revision;
}

export interface DeleteResult {
  readonly prevKv: KeyValue;
  /** The revision of the delete. */
  readonly revision: Revision;
}

/** Receives a watch's changes. Calls never overlap and arrive in revision order. */
export interface WatchListener {
  /** A batch of changes, each with a revision greater than every earlier one delivered. */
  onEvents(events: readonly WatchEvent[]): void;
  /**
   * Every change under the prefix up to and including `revision` has been delivered.
   * Backends call it at least after each committed write batch that had no event for this
   * watch, or periodically; the watch cache uses it for bookmarks.
   */
  onProgress?(revision: Revision): void;
  /** The watch ended with an error (Compacted when started from a compacted revision); no further calls. */
  onError(err: StorageError): void;
}

/** Handle returned by {@link Store.watch}. */
export interface WatchHandle {
  /** Stops delivery; no listener call happens after cancel() returns. Idempotent. */
  cancel(): void;
}

/**
 * A revisioned key-value store. Keys are '/'-separated strings; values are serialized objects.
 * Writes are durable when their promise resolves. All failures the caller is expected to handle
 * are {@link StorageError}s with one of the fixed codes.
 */
export interface Store {
  /** The highest committed revision. */
  currentRevision(): Promise<Revision>;
  /** Reads a key at the current revision or at `revision` (Compacted if older than the compaction point). */
  get(key: string, revision?: Revision): Promise<GetResult>;
  /** Lists keys that start with `prefix` (a prefix ends with '/'), in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Number of keys under `prefix` at the current revision. */
  count(prefix: string): Promise<number>;
  /** Creates a key that must not exist (KeyExists otherwise). */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces the value of an existing key whose modRevision equals `expectedModRevision`.
   * Throws KeyNotFound if absent and Conflict (with `current`) if the modRevision differs.
   */
  update(key: string, value: string, expectedModRevision: Revision): Promise<KeyValue>;
  /**
   * Deletes a key; when `expectedModRevision` is given the key's modRevision must equal it
   * (Conflict with `current` otherwise). Throws KeyNotFound if absent.
   */
  delete(key: string, expectedModRevision?: Revision): Promise<DeleteResult>;
  /**
   * Delivers every change under `prefix` with a revision greater than `afterRevision`, in order,
   * starting with history when `afterRevision` is in the past. If `afterRevision` is older than the
   * compaction point the listener gets onError(Compacted).
   */
  watch(prefix: string, afterRevision: Revision, listener: WatchListener): WatchHandle;
  /** Drops history up to `revision`: older revisions then answer Compacted. */
  compact(revision: Revision): Promise<void>;
  /** The revision up to which history has been compacted (0 if never). */
  compactedRevision(): Promise<Revision>;
  /**
   * Finishes pending writes, ends watches (their listeners get onError(Unavailable)) and releases
   * resources; later calls fail with Unavailable. Idempotent.
   */
  close(): Promise<void>;
}

export type StorageErrorCode = 'KeyNotFound' | 'KeyExists' | 'Conflict' | 'Compacted' | 'Unavailable';

/** The only error a Store throws for expected outcomes. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message?: string,
    /** For Conflict: the key's current state. */
    readonly current?: KeyValue,
    /** For Compacted: the compaction point. */
    readonly compactedRevision?: Revision,
  ) {
    super(message ?? `${code}: ${key}`);
    this.name = 'StorageError';
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}
