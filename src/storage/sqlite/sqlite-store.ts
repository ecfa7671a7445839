/** @module The embedded Store: one SQLite file holding an append-only revision log (kine-style), with group commit. */
import Database from 'better-sqlite3';
import {
  StorageError,
  type DeleteResult,
  type GetResult,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Revision,
  type Store,
  type WatchEvent,
  type WatchHandle,
  type WatchListener,
} from '../interface.js';
import { closedError, prefixEnd, readRevision } from '../internal.js';
import { WatchHub } from '../watch-hub.js';

export interface SqliteStoreOptions {
  /** Milliseconds between automatic compactions; 0 turns them off. Default 5 minutes. */
  readonly compactInterval?: number;
  /** Revisions of history an automatic compaction keeps behind the current one. Default 10,000. */
  readonly retainRevisions?: number;
  /** Milliseconds to wait for another process to release the file when opening. Default 5000. */
  readonly lockTimeout?: number;
}

const DEFAULT_COMPACT_INTERVAL = 5 * 60 * 1000;
const DEFAULT_RETAIN_REVISIONS = 10_000;
/** Revisions compacted per transaction, so that writes can interleave with a long compaction. */
const COMPACT_STEP = 1000;
/** Pages written to the WAL between automatic checkpoints. */
const WAL_AUTOCHECKPOINT_PAGES = 2_000;
/** Greater than any key: the upper bound of the empty prefix. */
const NO_END = '\u{10FFFF}';

// `log` is the history: one row per revision, never updated; a delete is a row with deleted = 1 and
// no value; prev_revision links to the key's previous row (0 for a creation). `current` maps each
// live key to its latest row, so reads of the present never scan history.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  value TEXT,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  deleted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS current (
  key TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  create_revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 1), ('compacted', 0);
`;

const KV_COLUMNS = 'key, value, create_revision AS createRevision, revision AS modRevision';
const CURRENT_KV =
  'SELECT c.key AS key, l.value AS value, c.create_revision AS createRevision, c.revision AS modRevision ' +
  'FROM current c JOIN log l ON l.revision = c.revision';
/** The latest row of each key under a range at a past revision, skipping keys deleted by then. */
const KV_AT_REVISION =
  `SELECT ${KV_COLUMNS} FROM log l WHERE key %LOW% ? AND key < ? AND deleted = 0 AND revision = ` +
  '(SELECT max(x.revision) FROM log x WHERE x.key = l.key AND x.revision <= ?) ORDER BY key LIMIT ?';

interface HistoryRow {
  revision: Revision;
  key: string;
  value: string | null;
  createRevision: Revision;
  deleted: number;
  prevValue: string | null;
  prevRevision: Revision | null;
  prevCreateRevision: Revision | null;
}

type WriteResult = KeyValue | DeleteResult;

interface PendingWrite {
  readonly kind: 'create' | 'update' | 'delete';
  readonly key: string;
  readonly value: string | null;
  readonly expected: Revision | undefined;
  resolve(result: WriteResult): void;
  reject(err: unknown): void;
}

function statements(db: Database.Database) {
  return {
    insertLog: db.prepare(
      'INSERT INTO log (revision, key, value, create_revision, prev_revision, deleted) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertCurrent: db.prepare(
      'INSERT INTO current (key, revision, create_revision) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    bumpCurrent: db
      .prepare('UPDATE current SET revision = ? WHERE key = ? AND revision = ? RETURNING create_revision')
      .pluck(),
    deleteCurrent: db.prepare(
      'DELETE FROM current WHERE key = ? RETURNING revision AS modRevision, create_revision AS createRevision',
    ),
    deleteCurrentIf: db.prepare(
      'DELETE FROM current WHERE key = ? AND revision = ? ' +
        'RETURNING revision AS modRevision, create_revision AS createRevision',
    ),
    value: db.prepare('SELECT value FROM log WHERE revision = ?').pluck(),
    currentKv: db.prepare(`${CURRENT_KV} WHERE c.key = ?`),
    kvAt: db.prepare(
      `SELECT ${KV_COLUMNS} FROM log WHERE revision = ` +
        '(SELECT max(revision) FROM log WHERE key = ? AND revision <= ?) AND deleted = 0',
    ),
    listFrom: db.prepare(`${CURRENT_KV} WHERE c.key >= ? AND c.key < ? ORDER BY c.key LIMIT ?`),
    listAfter: db.prepare(`${CURRENT_KV} WHERE c.key > ? AND c.key < ? ORDER BY c.key LIMIT ?`),
    listFromAt: db.prepare(KV_AT_REVISION.replace('%LOW%', '>=')),
    listAfterAt: db.prepare(KV_AT_REVISION.replace('%LOW%', '>')),
    count: db.prepare('SELECT count(*) FROM current WHERE key >= ? AND key < ?').pluck(),
    history: db.prepare(
      'SELECT l.revision AS revision, l.key AS key, l.value AS value, l.create_revision AS createRevision, ' +
        'l.deleted AS deleted, p.value AS prevValue, p.revision AS prevRevision, ' +
        'p.create_revision AS prevCreateRevision ' +
        'FROM log l LEFT JOIN log p ON p.revision = l.prev_revision AND l.prev_revision > 0 ' +
        'WHERE l.revision > ? AND l.revision <= ? AND l.key >= ? AND l.key < ? ORDER BY l.revision LIMIT ?',
    ),
    compactSuperseded: db.prepare(
      'DELETE FROM log WHERE revision IN ' +
        '(SELECT prev_revision FROM log WHERE revision > ? AND revision <= ? AND prev_revision > 0)',
    ),
    compactDeleted: db.prepare('DELETE FROM log WHERE revision > ? AND revision <= ? AND deleted = 1'),
    setMeta: db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
    meta: db.prepare('SELECT value FROM meta WHERE name = ?').pluck(),
    maxRevision: db.prepare('SELECT max(revision) FROM log').pluck(),
  };
}

/**
 * A {@link Store} in one SQLite file (WAL journal, synchronous=NORMAL, exclusive lock).
 *
 * Durability: a write's promise resolves after its transaction committed to the WAL, so it survives
 * the process being killed (the data is in the OS page cache); a power loss or kernel crash may lose
 * the last transactions (never corrupts the file). Only one process may open a file at a time.
 *
 * Writes issued in the same event-loop turn are committed in one transaction (group commit); each
 * still gets its own revision and its own outcome. After a commit the batch's events go to matching
 * watchers synchronously, one onEvents call per watcher, before the writes' promises settle.
 *
 * History is kept as a log; automatic compaction keeps the last `retainRevisions` revisions.
 */
export class SqliteStore implements Store {
  private readonly s: ReturnType<typeof statements>;
  private readonly hub: WatchHub;
  private readonly commitBatch: (
    batch: readonly PendingWrite[],
    events: WatchEvent[],
  ) => Array<WriteResult | StorageError>;
  private readonly timer: NodeJS.Timeout | undefined;
  private rev: Revision;
  private compacted: Revision;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private compaction: Promise<void> = Promise.resolve();
  private closed = false;

  /** Opens (creating if needed) the store in the file at `path`; continues from its last revision. */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const db = new Database(path, { timeout: options.lockTimeout ?? 5000 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`SQLite refused WAL mode (journal_mode is ${String(mode)})`);
      db.pragma('synchronous = NORMAL');
      // A checkpoint runs on the event loop and ends with an fsync, stalling every request in flight. SQLite's
      // default (1,000 pages, ~250 pod writes) stalls often; 10,000 pages stalls long enough to show in the
      // create p99 (~55 ms against ~35 ms here, the same throughput): 2,000 pages (~8 MB of WAL) balances both.
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      db.exec(SCHEMA);
      return new SqliteStore(db, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private constructor(
    private readonly db: Database.Database,
    options: SqliteStoreOptions,
  ) {
    this.s = statements(db);
    this.rev = Math.max(Number(this.s.meta.get('revision')), Number(this.s.maxRevision.get() ?? 0));
    this.compacted = Number(this.s.meta.get('compacted'));
    this.commitBatch = db.transaction((batch: readonly PendingWrite[], events: WatchEvent[]) =>
      batch.map((w) => this.apply(w, events)),
    );
    this.hub = new WatchHub({
      currentRevision: () => this.rev,
      compactedRevision: () => this.compacted,
      readHistory: (prefix, after, upTo, limit) => this.readHistory(prefix, after, upTo, limit),
    });
    const interval = options.compactInterval ?? DEFAULT_COMPACT_INTERVAL;
    const retain = options.retainRevisions ?? DEFAULT_RETAIN_REVISIONS;
    if (interval > 0) {
      this.timer = setInterval(() => this.autoCompact(retain), interval);
      this.timer.unref();
    }
  }

  async currentRevision(): Promise<Revision> {
    this.checkOpen('');
    return this.rev;
  }

  async compactedRevision(): Promise<Revision> {
    this.checkOpen('');
    return this.compacted;
  }

  async get(key: string, revision?: Revision): Promise<GetResult> {
    this.checkOpen(key);
    const rev = readRevision(key, revision, this.rev, this.compacted);
    const kv = rev === this.rev ? this.s.currentKv.get(key) : this.s.kvAt.get(key, rev);
    return { kv: kv as KeyValue | undefined, revision: rev };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.checkOpen(prefix);
    const rev = readRevision(prefix, options.revision, this.rev, this.compacted);
    const { startAfter } = options;
    const after = startAfter !== undefined && startAfter >= prefix;
    const end = prefixEnd(prefix) ?? NO_END;
    const limit = options.limit ? options.limit + 1 : -1;
    const kvs = (
      rev === this.rev
        ? (after ? this.s.listAfter : this.s.listFrom).all(after ? startAfter : prefix, end, limit)
        : (after ? this.s.listAfterAt : this.s.listFromAt).all(after ? startAfter : prefix, end, rev, limit)
    ) as KeyValue[];
    const more = options.limit ? kvs.length > options.limit : false;
    if (more) kvs.pop();
    return { kvs, revision: rev, more };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen(prefix);
    return Number(this.s.count.get(prefix, prefixEnd(prefix) ?? NO_END));
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue('create', key, value, undefined) as Promise<KeyValue>;
  }

  update(key: string, value: string, expectedModRevision: Revision): Promise<KeyValue> {
    return this.enqueue('update', key, value, expectedModRevision) as Promise<KeyValue>;
  }

  delete(key: string, expectedModRevision?: Revision): Promise<DeleteResult> {
    return this.enqueue('delete', key, null, expectedModRevision) as Promise<DeleteResult>;
  }

  watch(prefix: string, afterRevision: Revision, listener: WatchListener): WatchHandle {
    return this.hub.add(prefix, afterRevision, listener);
  }

  async compact(revision: Revision): Promise<void> {
    this.checkOpen('');
    if (revision > this.rev) throw new RangeError(`cannot compact revision ${revision} beyond ${this.rev}`);
    const run = this.compaction.then(() => this.compactTo(revision));
    this.compaction = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    this.hub.closeAll(closedError(''));
    this.db.close();
  }

  private checkOpen(key: string): void {
    if (this.closed) throw closedError(key);
  }

  private enqueue(
    kind: PendingWrite['kind'],
    key: string,
    value: string | null,
    expected: Revision | undefined,
  ) {
    return new Promise<WriteResult>((resolve, reject) => {
      if (this.closed) {
        reject(closedError(key));
        return;
      }
      this.queue.push({ kind, key, value, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.commit(batch);
  }

  /** Commits a batch in one transaction; if SQLite itself fails, retries each write alone to isolate it. */
  private commit(batch: readonly PendingWrite[]): void {
    const before = this.rev;
    const events: WatchEvent[] = [];
    let results: Array<WriteResult | StorageError>;
    try {
      results = this.commitBatch(batch, events);
    } catch (err) {
      this.rev = before;
      if (batch.length === 1) batch[0]!.reject(err);
      else for (const w of batch) this.commit([w]);
      return;
    }
    if (events.length > 0) this.hub.publish(events, this.rev);
    for (const [i, w] of batch.entries()) {
      const result = results[i]!;
      if (result instanceof StorageError) w.reject(result);
      else w.resolve(result);
    }
  }

  /** Applies one write inside the batch transaction; an expected failure is returned, not thrown. */
  private apply(w: PendingWrite, events: WatchEvent[]): WriteResult | StorageError {
    const rev = this.rev + 1;
    const { key } = w;
    switch (w.kind) {
      case 'create': {
        if (this.s.insertCurrent.run(key, rev, rev).changes === 0) return new StorageError('KeyExists', key);
        this.s.insertLog.run(rev, key, w.value, rev, 0, 0);
        this.rev = rev;
        const kv: KeyValue = { key, value: w.value!, createRevision: rev, modRevision: rev };
        events.push({ type: 'put', kv });
        return kv;
      }
      case 'update': {
        const createRevision = this.s.bumpCurrent.get(rev, key, w.expected) as Revision | undefined;
        if (createRevision === undefined) return this.mismatch(key, w.expected);
        this.s.insertLog.run(rev, key, w.value, createRevision, w.expected, 0);
        this.rev = rev;
        const kv: KeyValue = { key, value: w.value!, createRevision, modRevision: rev };
        const prevKv = this.lazyKv(key, createRevision, w.expected!);
        events.push({ type: 'put', kv, prevKv });
        return kv;
      }
      case 'delete': {
        const row = (
          w.expected === undefined
            ? this.s.deleteCurrent.get(key)
            : this.s.deleteCurrentIf.get(key, w.expected)
        ) as { modRevision: Revision; createRevision: Revision } | undefined;
        if (!row) return this.mismatch(key, w.expected);
        this.s.insertLog.run(rev, key, null, row.createRevision, row.modRevision, 1);
        this.rev = rev;
        const prevKv = this.lazyKv(key, row.createRevision, row.modRevision);
        events.push({ type: 'delete', key, revision: rev, prevKv });
        return { prevKv, revision: rev };
      }
    }
  }

  /**
   * The KeyValue an update or delete replaced, its value read from the log on first use: most watchers never
   * look at the previous value (the watch cache keeps its own), and reading it costs a fifth of the update. The
   * event's consumers run synchronously in `publish`, long before compaction could remove that revision.
   */
  private lazyKv(key: string, createRevision: Revision, modRevision: Revision): KeyValue {
    const read = this.s.value;
    let value: string | undefined;
    return {
      key,
      createRevision,
      modRevision,
      get value(): string {
        return (value ??= (read.get(modRevision) as string | undefined) ?? '');
      },
    };
  }

  private mismatch(key: string, expected: Revision | undefined): StorageError {
    const current = this.s.currentKv.get(key) as KeyValue | undefined;
    if (!current) return new StorageError('KeyNotFound', key);
    return new StorageError(
      'Conflict',
      key,
      `modRevision is ${current.modRevision}, expected ${expected}`,
      current,
    );
  }

  private readHistory(prefix: string, after: Revision, upTo: Revision, limit: number): WatchEvent[] {
    const rows = this.s.history.all(after, upTo, prefix, prefixEnd(prefix) ?? NO_END, limit) as HistoryRow[];
    return rows.map((r): WatchEvent => {
      const prevKv: KeyValue | undefined =
        r.prevRevision === null
          ? undefined
          : {
              key: r.key,
              value: r.prevValue!,
              createRevision: r.prevCreateRevision!,
              modRevision: r.prevRevision,
            };
      if (r.deleted) return { type: 'delete', key: r.key, revision: r.revision, prevKv: prevKv! };
      const kv: KeyValue = {
        key: r.key,
        value: r.value!,
        createRevision: r.createRevision,
        modRevision: r.revision,
      };
      return prevKv ? { type: 'put', kv, prevKv } : { type: 'put', kv };
    });
  }

  private async compactTo(target: Revision): Promise<void> {
    while (this.compacted < target) {
      if (this.closed) throw closedError('');
      const from = this.compacted;
      const to = Math.min(target, from + COMPACT_STEP);
      this.db.transaction(() => {
        this.s.compactSuperseded.run(from, to);
        this.s.compactDeleted.run(from, to);
        this.s.setMeta.run(to, 'compacted');
        this.s.setMeta.run(this.rev, 'revision');
      })();
      this.compacted = to;
      if (to < target) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private autoCompact(retain: number): void {
    const target = this.rev - retain;
    if (target <= this.compacted || this.closed) return;
    this.compact(target).catch((err: unknown) => {
      if (!this.closed) process.emitWarning(err instanceof Error ? err : String(err), 'SkiffStorageWarning');
    });
  }
}
