import Database from 'better-sqlite3';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Recorder, runStoreConformance } from '../conformance.case.js';
import { isStorageError, type KeyValue } from '../interface.js';
import { SqliteStore } from './sqlite-store.js';

async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-sqlite-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `body` with a fresh database path; removes the directory afterwards. */
async function withPath(body: (path: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    await body(join(dir, 'state.db'));
  } finally {
    await cleanup();
  }
}

/** The log and current tables as the file holds them (the store must be closed). */
function rawTables(path: string): { log: string[]; current: string[] } {
  const db = new Database(path, { readonly: true });
  try {
    const log = db.prepare('SELECT revision, key, deleted FROM log ORDER BY revision').all() as Array<{
      revision: number;
      key: string;
      deleted: number;
    }>;
    const current = db.prepare('SELECT key, revision FROM current ORDER BY key').all() as Array<{
      key: string;
      revision: number;
    }>;
    return {
      log: log.map((r) => `${r.revision} ${r.key}${r.deleted ? ' deleted' : ''}`),
      current: current.map((r) => `${r.key} ${r.revision}`),
    };
  } finally {
    db.close();
  }
}

runStoreConformance('sqlite', async () => {
  const { dir, cleanup } = await tempDir();
  return { store: await SqliteStore.open(join(dir, 'state.db')), cleanup };
});

void describe('SqliteStore', () => {
  void it('reopening continues revisions and keeps data, history and the compaction point', () =>
    withPath(async (path) => {
      let store = await SqliteStore.open(path);
      const a = await store.create('/a', '1');
      const a2 = await store.update('/a', '2', a.modRevision);
      await store.create('/b', 'b');
      await store.compact(a2.modRevision);
      const gone = await store.delete('/b');
      await store.close();

      store = await SqliteStore.open(path);
      assert.equal(await store.currentRevision(), gone.revision);
      assert.equal(await store.compactedRevision(), a2.modRevision);
      assert.deepEqual((await store.list('/')).kvs, [a2]);
      assert.equal((await store.get('/b', gone.revision - 1)).kv?.value, 'b');
      const next = await store.create('/c', 'c');
      assert.equal(next.modRevision, gone.revision + 1);
      await store.close();
    }));

  void it('keeps the revision when compaction removed the newest log row', () =>
    withPath(async (path) => {
      let store = await SqliteStore.open(path);
      await store.create('/a', '1');
      const gone = await store.delete('/a');
      await store.compact(gone.revision);
      await store.close();
      assert.deepEqual(rawTables(path).log, []);
      store = await SqliteStore.open(path);
      assert.equal(await store.currentRevision(), gone.revision);
      assert.equal((await store.create('/a', '2')).modRevision, gone.revision + 1);
      await store.close();
    }));

  void it('refuses a second opener of the same file', () =>
    withPath(async (path) => {
      const store = await SqliteStore.open(path);
      await assert.rejects(SqliteStore.open(path, { lockTimeout: 50 }), /locked/);
      await store.close();
    }));

  void it('commits writes of one event-loop turn together, each with its own outcome', () =>
    withPath(async (path) => {
      const store = await SqliteStore.open(path);
      const existing = await store.create('/g/exists', 'v');
      const start = await store.currentRevision();
      const rec = new Recorder();
      store.watch('/g/', start, rec);
      await rec.until(() => rec.progress.length > 0, 'watch established');
      const outcomes = await Promise.allSettled([
        store.create('/g/a', 'a'),
        store.create('/g/a', 'again'),
        store.update('/g/exists', 'stale', existing.modRevision - 1),
        store.create('/g/b', 'b'),
        store.update('/g/missing', 'x', 1),
        store.update('/g/exists', 'fresh', existing.modRevision),
        store.delete('/g/b'),
      ]);
      const cases: Array<[string, string]> = [
        ['create', `fulfilled ${start + 1}`],
        ['duplicate create', 'rejected KeyExists'],
        ['stale update', 'rejected Conflict'],
        ['create', `fulfilled ${start + 2}`],
        ['update missing', 'rejected KeyNotFound'],
        ['update', `fulfilled ${start + 3}`],
        ['delete created in the same batch', `fulfilled ${start + 4}`],
      ];
      for (const [i, [what, want]] of cases.entries()) {
        const o = outcomes[i]!;
        const got =
          o.status === 'fulfilled'
            ? `fulfilled ${'modRevision' in o.value ? o.value.modRevision : o.value.revision}`
            : `rejected ${isStorageError(o.reason) ? o.reason.code : String(o.reason)}`;
        assert.equal(got, want, `${i}: ${what}`);
      }
      await rec.until(() => rec.events.length === 4, 'events');
      assert.deepEqual(rec.batches, [4], 'one onEvents call for the whole batch');
      await store.close();
    }));

  void it('replays long histories in chunks, in order, then goes live', () =>
    withPath(async (path) => {
      const store = await SqliteStore.open(path);
      const start = await store.currentRevision();
      const n = 2500;
      await Promise.all(Array.from({ length: n }, (_, i) => store.create(`/h/k${i}`, 'v')));
      await store.create('/other/x', 'v');
      const rec = new Recorder();
      store.watch('/h/', start, rec);
      await rec.until(() => rec.events.length === n, 'replay');
      const live = await store.create('/h/live', 'v');
      await rec.until(() => rec.events.length === n + 1, 'live event');
      const revisions = rec.events.map((e) => (e.type === 'put' ? e.kv.modRevision : e.revision));
      assert.deepEqual(revisions, [...Array.from({ length: n }, (_, i) => start + 1 + i), live.modRevision]);
      assert.ok(rec.batches.length >= 3, `replayed in ${rec.batches.length} calls`);
      await store.close();
    }));

  void it('compaction deletes superseded rows and tombstones, keeping each live key', () =>
    withPath(async (path) => {
      const store = await SqliteStore.open(path, { compactInterval: 0 });
      let a = await store.create('/a', '1');
      for (const v of ['2', '3', '4']) a = await store.update('/a', v, a.modRevision);
      const b = await store.create('/b', 'b');
      await store.delete('/b');
      const c = await store.create('/c', 'c');
      const c2 = await store.update('/c', 'c2', c.modRevision);
      await store.compact(c.modRevision);
      await store.close();
      assert.deepEqual(rawTables(path), {
        log: [`${a.modRevision} /a`, `${c.modRevision} /c`, `${c2.modRevision} /c`],
        current: [`/a ${a.modRevision}`, `/c ${c2.modRevision}`],
      });
      assert.ok(b.modRevision < c.modRevision);
    }));

  void it('compacts automatically, keeping retainRevisions of history', (t) =>
    withPath(async (path) => {
      t.mock.timers.enable({ apis: ['setInterval'] });
      const interval = 60_000;
      const store = await SqliteStore.open(path, { compactInterval: interval, retainRevisions: 5 });
      let kv: KeyValue = await store.create('/a', '0');
      for (let i = 1; i < 20; i++) kv = await store.update('/a', String(i), kv.modRevision);
      const current = await store.currentRevision();
      t.mock.timers.tick(interval - 1);
      assert.equal(await store.compactedRevision(), 0);
      t.mock.timers.tick(1);
      while ((await store.compactedRevision()) === 0) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(await store.compactedRevision(), current - 5);
      await assert.rejects(store.get('/a', current - 6), (err: unknown) => isStorageError(err, 'Compacted'));
      assert.equal((await store.get('/a', current - 5)).kv?.value, String(20 - 1 - 5));
      await store.close();
    }));

  void it('keeps every acknowledged write when the process is killed', () =>
    withPath(async (path) => {
      const fixture = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      const acked = new Map<string, { modRevision: number; value: string }>();
      for await (const line of createInterface({ input: child.stdout })) {
        const [key, rev, value] = line.split(' ');
        acked.set(key!, { modRevision: Number(rev), value: value! });
        if (acked.size >= 400) break;
      }
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');

      const store = await SqliteStore.open(path);
      const maxAcked = Math.max(...[...acked.values()].map((a) => a.modRevision));
      assert.ok((await store.currentRevision()) >= maxAcked);
      for (const [key, want] of acked) {
        const kv = (await store.get(key)).kv;
        if (key === '/crash/counter') assert.ok(kv && kv.modRevision >= want.modRevision, key);
        else assert.deepEqual(kv && { modRevision: kv.modRevision, value: kv.value }, want, key);
      }
      const rev = await store.currentRevision();
      assert.equal((await store.create('/after', 'v')).modRevision, rev + 1);
      await store.close();
    }));
});
