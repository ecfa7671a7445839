/** @module The Store contract as node:test cases; every backend's test file runs it. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isStorageError,
  type KeyValue,
  type Revision,
  type Store,
  type StorageError,
  type StorageErrorCode,
  type WatchEvent,
  type WatchListener,
} from './interface.js';

/** A fresh, empty store for one test, and how to remove what it left behind (after close). */
export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** Registers the conformance tests for one backend under a `describe(name)`. */
export function runStoreConformance(name: string, makeStore: StoreFactory): void {
  const test = (title: string, body: (store: Store) => Promise<void>) =>
    void it(title, async () => {
      const { store, cleanup } = await makeStore();
      try {
        await body(store);
      } finally {
        await store.close();
        await cleanup();
      }
    });

  void describe(`Store conformance: ${name}`, () => {
    test('revisions start above 0 and grow by exactly one per successful write', async (store) => {
      const r0 = await store.currentRevision();
      assert.ok(r0 > 0, `initial revision ${r0}`);
      let kv: KeyValue | undefined;
      const steps: Array<{ name: string; write: () => Promise<Revision>; grows: boolean }> = [
        {
          name: 'create',
          write: async () => (kv = await store.create('/r/a', '1')).modRevision,
          grows: true,
        },
        { name: 'duplicate create', write: () => store.create('/r/a', 'x').then(() => 0), grows: false },
        {
          name: 'update',
          write: async () => (kv = await store.update('/r/a', '2', kv!.modRevision)).modRevision,
          grows: true,
        },
        { name: 'stale update', write: () => store.update('/r/a', '3', r0).then(() => 0), grows: false },
        {
          name: 'create other',
          write: async () => (await store.create('/r/b', '1')).modRevision,
          grows: true,
        },
        { name: 'delete', write: async () => (await store.delete('/r/a')).revision, grows: true },
        { name: 'delete missing', write: () => store.delete('/r/a').then(() => 0), grows: false },
      ];
      let expected = r0;
      for (const step of steps) {
        if (step.grows) {
          expected++;
          assert.equal(await step.write(), expected, step.name);
        } else {
          await assert.rejects(step.write(), (err: unknown) => isStorageError(err), step.name);
        }
        assert.equal(await store.currentRevision(), expected, `currentRevision after ${step.name}`);
      }
    });

    test('create returns the new key and refuses an existing one', async (store) => {
      const values = ['{"a":1}', '{"name":"ünïcödé ✓"}', 'x'.repeat(100_000)];
      for (const [i, value] of values.entries()) {
        const key = `/c/k${i}`;
        const kv = await store.create(key, value);
        assert.deepEqual(kv, { key, value, createRevision: kv.modRevision, modRevision: kv.modRevision });
        assert.deepEqual((await store.get(key)).kv, kv);
        await expectStorageError(store.create(key, 'other'), 'KeyExists', key);
        assert.equal((await store.get(key)).kv?.value, value);
      }
    });

    test('get reads the current and past revisions', async (store) => {
      const r0 = await store.currentRevision();
      const v1 = await store.create('/g/a', 'v1');
      const v2 = await store.update('/g/a', 'v2', v1.modRevision);
      const del = await store.delete('/g/a');
      const v3 = await store.create('/g/a', 'v3');
      await store.create('/g/b', 'other');
      const cases: Array<[label: string, revision: Revision | undefined, want: KeyValue | undefined]> = [
        ['before creation', r0, undefined],
        ['at creation', v1.modRevision, v1],
        ['after update', v2.modRevision, v2],
        ['at delete', del.revision, undefined],
        ['recreated', v3.modRevision, v3],
        ['current', undefined, v3],
      ];
      const current = await store.currentRevision();
      for (const [label, revision, want] of cases) {
        const got = await store.get('/g/a', revision);
        assert.deepEqual(got.kv, want, label);
        assert.equal(got.revision, revision ?? current, label);
      }
      assert.equal((await store.get('/g/missing')).kv, undefined);
    });

    test('list returns only keys under the prefix, in key order', async (store) => {
      const keys = ['/a/2', '/a/1', '/a/b/c', '/ab/x', '/a', '/a0', '/b/1', '/a/'];
      for (const key of keys) await store.create(key, key);
      const cases: Array<[prefix: string, want: string[]]> = [
        ['/a/', ['/a/', '/a/1', '/a/2', '/a/b/c']],
        ['/a/b/', ['/a/b/c']],
        ['/ab/', ['/ab/x']],
        ['/b/', ['/b/1']],
        ['/c/', []],
        ['/', [...keys].sort()],
      ];
      for (const [prefix, want] of cases) {
        const got = await store.list(prefix);
        assert.deepEqual(
          got.kvs.map((kv) => kv.key),
          want,
          prefix,
        );
        assert.ok(got.kvs.every((kv) => kv.value === kv.key));
        assert.equal(got.more, false, prefix);
        assert.equal(got.revision, await store.currentRevision());
        assert.equal(await store.count(prefix), want.length, `count ${prefix}`);
      }
    });

    test('list pages with limit and startAfter', async (store) => {
      const keys = Array.from({ length: 10 }, (_, i) => `/p/k${String(i).padStart(2, '0')}`);
      for (const key of keys) await store.create(key, 'v');
      await store.create('/q/after', 'v');
      await store.create('/o/before', 'v');
      const cases: Array<
        [limit: number | undefined, startAfter: string | undefined, want: string[], more: boolean]
      > = [
        [undefined, undefined, keys, false],
        [0, undefined, keys, false],
        [3, undefined, keys.slice(0, 3), true],
        [3, '/p/k02', keys.slice(3, 6), true],
        [3, '/p/k06', keys.slice(7, 10), false],
        [4, '/p/k06', keys.slice(7, 10), false],
        [10, undefined, keys, false],
        [9, undefined, keys.slice(0, 9), true],
        [undefined, '/p/k04x', keys.slice(5), false],
        [undefined, '/p/k09', [], false],
        [undefined, '/o/zzz', keys, false],
        [2, '/a', keys.slice(0, 2), true],
      ];
      for (const [limit, startAfter, want, more] of cases) {
        const label = `limit=${limit} startAfter=${startAfter}`;
        const got = await store.list('/p/', { limit, startAfter });
        assert.deepEqual(
          got.kvs.map((kv) => kv.key),
          want,
          label,
        );
        assert.equal(got.more, more, label);
      }
    });

    test('list at a past revision is a consistent snapshot while writes continue', async (store) => {
      const kvs: KeyValue[] = [];
      for (let i = 0; i < 20; i++) kvs.push(await store.create(`/s/k${String(i).padStart(2, '0')}`, `v${i}`));
      const snapshot = await store.list('/s/');
      const seen: KeyValue[] = [];
      let startAfter: string | undefined;
      for (let page = 0; ; page++) {
        const got = await store.list('/s/', { revision: snapshot.revision, limit: 4, startAfter });
        assert.equal(got.revision, snapshot.revision);
        seen.push(...got.kvs);
        // Churn under the prefix between pages: update, delete and add keys on both sides of the cursor.
        const victim = kvs[page]!;
        await store.update(victim.key, 'changed', victim.modRevision);
        await store.delete(kvs[19 - page]!.key);
        await store.create(`/s/k${String(page).padStart(2, '0')}a`, 'new');
        if (!got.more) break;
        startAfter = got.kvs.at(-1)!.key;
      }
      assert.deepEqual(seen, snapshot.kvs);
      assert.deepEqual(seen, kvs);
      assert.notDeepEqual((await store.list('/s/')).kvs, snapshot.kvs);
    });

    test('count follows creates and deletes', async (store) => {
      const cases: Array<[op: () => Promise<unknown>, wantA: number, wantB: number]> = [
        [async () => undefined, 0, 0],
        [() => store.create('/n/a/1', 'v'), 1, 0],
        [() => store.create('/n/a/2', 'v'), 2, 0],
        [() => store.create('/n/b/1', 'v'), 2, 1],
        [() => store.create('/n/ab', 'v'), 2, 1],
        [() => store.delete('/n/a/1'), 1, 1],
        [() => store.create('/n/a/1', 'v'), 2, 1],
        [() => store.delete('/n/b/1'), 2, 0],
      ];
      for (const [i, [op, wantA, wantB]] of cases.entries()) {
        await op();
        assert.equal(await store.count('/n/a/'), wantA, `step ${i} /n/a/`);
        assert.equal(await store.count('/n/b/'), wantB, `step ${i} /n/b/`);
      }
    });

    test('update is guarded by modRevision', async (store) => {
      const v1 = await store.create('/u/a', 'v1');
      const v2 = await store.update('/u/a', 'v2', v1.modRevision);
      assert.deepEqual(v2, {
        key: '/u/a',
        value: 'v2',
        createRevision: v1.createRevision,
        modRevision: v2.modRevision,
      });
      assert.ok(v2.modRevision > v1.modRevision);
      assert.deepEqual((await store.get('/u/a')).kv, v2);
      await store.create('/u/gone', 'v');
      await store.delete('/u/gone');
      const cases: Array<[key: string, expected: Revision, code: StorageErrorCode, current?: KeyValue]> = [
        ['/u/a', v1.modRevision, 'Conflict', v2],
        ['/u/a', v2.modRevision + 100, 'Conflict', v2],
        ['/u/missing', v1.modRevision, 'KeyNotFound'],
        ['/u/gone', v1.modRevision, 'KeyNotFound'],
      ];
      for (const [key, expected, code, current] of cases) {
        const err = await expectStorageError(store.update(key, 'nope', expected), code, key);
        assert.deepEqual(err.current, current, `${key} ${code}`);
      }
      assert.deepEqual((await store.get('/u/a')).kv, v2);
    });

    test('delete with and without an expected modRevision', async (store) => {
      const a = await store.create('/d/a', 'a');
      const b = await store.create('/d/b', 'b');
      const c = await store.create('/d/c', 'c');
      const stale = await expectStorageError(store.delete('/d/b', a.modRevision), 'Conflict', '/d/b');
      assert.deepEqual(stale.current, b);
      const cases: Array<[key: string, expected: Revision | undefined, prevKv: KeyValue]> = [
        ['/d/a', undefined, a],
        ['/d/b', b.modRevision, b],
      ];
      for (const [key, expected, prevKv] of cases) {
        const before = await store.currentRevision();
        const res = await store.delete(key, expected);
        assert.deepEqual(res, { prevKv, revision: before + 1 }, key);
        assert.equal((await store.get(key)).kv, undefined, key);
        await expectStorageError(store.delete(key), 'KeyNotFound', key);
        await expectStorageError(store.delete(key, prevKv.modRevision), 'KeyNotFound', key);
      }
      assert.deepEqual((await store.get('/d/c')).kv, c);
      await expectStorageError(store.delete('/d/never'), 'KeyNotFound', '/d/never');
    });

    test('createRevision restarts when a deleted key is created again', async (store) => {
      const first = await store.create('/cr/a', 'one');
      const updated = await store.update('/cr/a', 'two', first.modRevision);
      assert.equal(updated.createRevision, first.createRevision);
      await store.delete('/cr/a');
      const again = await store.create('/cr/a', 'three');
      assert.equal(again.createRevision, again.modRevision);
      assert.ok(again.createRevision > updated.modRevision);
      assert.equal((await store.get('/cr/a', updated.modRevision)).kv?.createRevision, first.createRevision);
      assert.equal((await store.get('/cr/a')).kv?.createRevision, again.createRevision);
      const events = await collect(store, '/cr/', first.modRevision - 1, 4);
      assert.deepEqual(
        events.map(summary),
        ['put /cr/a one', 'put /cr/a two', 'delete /cr/a', 'put /cr/a three'].map(
          (s, i) => `${s} @${first.modRevision + i}`,
        ),
      );
      const recreate = events[3];
      assert.ok(recreate?.type === 'put' && recreate.prevKv === undefined, 'a re-creation has no prevKv');
    });

    test('watch from a past revision replays history, then live events, in order', async (store) => {
      const r0 = await store.currentRevision();
      const a1 = await store.create('/w/a', 'a1');
      const b1 = await store.create('/w/b', 'b1');
      const a2 = await store.update('/w/a', 'a2', a1.modRevision);
      await store.delete('/w/b');
      const history = ['put /w/a a1', 'put /w/b b1', 'put /w/a a2', 'delete /w/b'].map((s, i) => ({
        revision: r0 + 1 + i,
        line: `${s} @${r0 + 1 + i}`,
      }));
      for (const after of [r0, a1.modRevision, a2.modRevision, a2.modRevision + 1]) {
        const want = history.filter((h) => h.revision > after).map((h) => h.line);
        const rec = new Recorder();
        const handle = store.watch('/w/', after, rec);
        await rec.until(() => rec.events.length === want.length, 'history');
        const live = await store.create(`/w/live${after}`, 'l');
        await rec.until(() => rec.events.length === want.length + 1, 'live event');
        handle.cancel();
        const line = `put ${live.key} l @${live.modRevision}`;
        assert.deepEqual(rec.events.map(summary), [...want, line], `after ${after}`);
        assert.equal(rec.error, undefined);
        history.push({ revision: live.modRevision, line });
      }
      const all = await collect(store, '/w/', r0, 4);
      assert.equal(all[0]?.type === 'put' && all[0].prevKv, undefined);
      assert.deepEqual(all[2], { type: 'put', kv: a2, prevKv: a1 });
      assert.deepEqual(all[3], { type: 'delete', key: '/w/b', revision: r0 + 4, prevKv: b1 });
    });

    test('watch of a prefix sees only that prefix', async (store) => {
      const rec = new Recorder();
      const handle = store.watch('/x/', await store.currentRevision(), rec);
      for (const key of ['/x/1', '/xy/1', '/x0', '/y/1', '/x', '/x/a/b', '/xx', '/x/2'])
        await store.create(key, 'v');
      // Delivery is in order, so once /x/2 arrived anything wrongly matched before it has too.
      await rec.until(() => rec.events.some((e) => e.type === 'put' && e.kv.key === '/x/2'), 'events');
      handle.cancel();
      assert.deepEqual(
        rec.events.map((e) => (e.type === 'put' ? e.kv.key : e.key)),
        ['/x/1', '/x/a/b', '/x/2'],
      );
    });

    test('onProgress reports revisions with no event for the watch', async (store) => {
      const rec = new Recorder();
      const handle = store.watch('/quiet/', await store.currentRevision(), rec);
      const kv = await store.create('/loud/a', 'v');
      await rec.until(() => rec.progress.some((r) => r >= kv.modRevision), 'progress');
      handle.cancel();
      assert.deepEqual(rec.events, []);
      assert.deepEqual(
        rec.progress,
        [...rec.progress].sort((x, y) => x - y),
        'progress never goes back',
      );
    });

    test('a batch whose last write is elsewhere still reports progress to its end', async (store) => {
      const rec = new Recorder();
      const handle = store.watch('/mix/', await store.currentRevision(), rec);
      // Wait until the watch is live (past any replay), so the batch below arrives as one live delivery.
      const warm = await store.create('/elsewhere/warm', 'v');
      await rec.until(() => rec.progress.some((r) => r >= warm.modRevision), 'live');
      // Issued in one turn, so batching backends commit them together: this watch's event comes first.
      const [mine, , last] = await Promise.all([
        store.create('/mix/a', 'v'),
        store.create('/elsewhere/b', 'v'),
        store.create('/elsewhere/c', 'v'),
      ]);
      await rec.until(() => rec.events.length === 1, 'event');
      await rec.until(() => rec.progress.some((r) => r >= last.modRevision), 'progress to the batch end');
      handle.cancel();
      assert.equal(rec.events[0]?.type === 'put' && rec.events[0].kv.modRevision, mine.modRevision);
    });

    test('cancel stops delivery, also from inside a listener', async (store) => {
      const start = await store.currentRevision();
      const cancelled = new Recorder();
      const barrier = new Recorder();
      const selfCancelled = new Recorder();
      const handle = store.watch('/cn/', start, cancelled);
      store.watch('/cn/', start, barrier);
      const selfHandle = store.watch('/cn/', start, {
        onEvents: (events) => {
          selfCancelled.onEvents(events);
          selfHandle.cancel();
        },
        onProgress: (r) => selfCancelled.onProgress(r),
        onError: (e) => selfCancelled.onError(e),
      });
      await store.create('/cn/1', 'v');
      await Promise.all([
        cancelled.until(() => cancelled.events.length === 1, 'first event'),
        selfCancelled.until(() => selfCancelled.events.length === 1, 'first event'),
      ]);
      handle.cancel();
      handle.cancel();
      const progressBefore = selfCancelled.progress.length;
      await Promise.all([store.create('/cn/2', 'v'), store.create('/cn/3', 'v')]);
      const other = await store.create('/other/1', 'v');
      await barrier.until(() => barrier.progress.some((r) => r >= other.modRevision), 'barrier progress');
      assert.equal(barrier.events.length, 3);
      assert.equal(cancelled.events.length, 1);
      assert.equal(selfCancelled.events.length, 1);
      assert.equal(selfCancelled.progress.length, progressBefore);
      assert.equal(cancelled.error ?? selfCancelled.error, undefined);
    });

    test('compaction makes older revisions answer Compacted', async (store) => {
      const a1 = await store.create('/k/a', 'a1');
      const a2 = await store.update('/k/a', 'a2', a1.modRevision);
      const b = await store.create('/k/b', 'b');
      const bGone = await store.delete('/k/b');
      const c = await store.create('/k/c', 'c');
      const a3 = await store.update('/k/a', 'a3', a2.modRevision);
      const point = bGone.revision + 1; // the creation of /k/c
      assert.equal(await store.compactedRevision(), 0);
      await store.compact(point);
      assert.equal(await store.compactedRevision(), point);
      await store.compact(point - 1);
      assert.equal(await store.compactedRevision(), point, 'compacting an older revision changes nothing');

      for (const rev of [a1.modRevision, b.modRevision, point - 1]) {
        const cases: Array<[string, Promise<unknown>]> = [
          ['get', store.get('/k/a', rev)],
          ['list', store.list('/k/', { revision: rev })],
          ['list page', store.list('/k/', { revision: rev, limit: 1, startAfter: '/k/a' })],
        ];
        for (const [what, read] of cases) {
          const err = await expectStorageError(read, 'Compacted', undefined, `${what} @${rev}`);
          assert.equal(err.compactedRevision, point);
        }
        const rec = new Recorder();
        store.watch('/k/', rev, rec);
        await rec.until(() => rec.error !== undefined, 'watch error');
        assert.equal(rec.error?.code, 'Compacted');
        assert.equal(rec.error?.compactedRevision, point);
        assert.deepEqual(rec.events, []);
      }
      const at = await store.list('/k/', { revision: point });
      assert.deepEqual(at.kvs, [a2, c]);
      assert.deepEqual((await store.get('/k/a', point)).kv, a2);
      assert.equal((await store.get('/k/b', point)).kv, undefined);
      assert.deepEqual((await store.list('/k/')).kvs, [a3, c]);
      assert.deepEqual(await collect(store, '/k/', point, 1), [{ type: 'put', kv: a3, prevKv: a2 }]);
    });

    test('concurrent writes are all acknowledged with unique revisions and all watched', async (store) => {
      const n = 200;
      const start = await store.currentRevision();
      const rec = new Recorder();
      store.watch('/cc/', start, rec);
      const created = await Promise.allSettled(
        Array.from({ length: n + 20 }, (_, i) => store.create(`/cc/k${i % n}`, `v${i}`)),
      );
      const createdKvs = created.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = created.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      assert.equal(createdKvs.length, n);
      assert.equal(new Set(createdKvs.map((kv) => kv.key)).size, n);
      assert.equal(refused.length, 20);
      assert.ok(refused.every((err) => isStorageError(err, 'KeyExists')));
      const updated = await Promise.all(createdKvs.map((kv) => store.update(kv.key, 'u', kv.modRevision)));
      const deleted = await Promise.all(
        updated.slice(0, 50).map((kv) => store.delete(kv.key, kv.modRevision)),
      );
      const revisions = [
        ...createdKvs.map((kv) => kv.modRevision),
        ...updated.map((kv) => kv.modRevision),
        ...deleted.map((d) => d.revision),
      ].sort((x, y) => x - y);
      assert.deepEqual(
        revisions,
        Array.from({ length: revisions.length }, (_, i) => start + 1 + i),
      );
      await rec.until(() => rec.events.length === revisions.length, 'all events');
      assert.deepEqual(rec.events.map(revisionOf), revisions);
      assert.equal(await store.count('/cc/'), n - 50);
    });

    test('close finishes pending writes and ends watches', async (store) => {
      const rec = new Recorder();
      store.watch('/z/', await store.currentRevision(), rec);
      await rec.until(() => rec.progress.length > 0, 'watch established');
      const pending = store.create('/z/a', 'v');
      await store.close();
      assert.equal((await pending).key, '/z/a');
      await rec.until(() => rec.error !== undefined, 'watch ended');
      assert.equal(rec.error?.code, 'Unavailable');
      await expectStorageError(store.get('/z/a'), 'Unavailable');
      await expectStorageError(store.create('/z/b', 'v'), 'Unavailable');
      const late = new Recorder();
      store.watch('/z/', 0, late);
      await late.until(() => late.error !== undefined, 'late watch ended');
      assert.equal(late.error?.code, 'Unavailable');
      await store.close();
    });
  });
}

/** A WatchListener that records everything and lets a test wait for a condition. */
export class Recorder implements WatchListener {
  readonly events: WatchEvent[] = [];
  /** The size of each onEvents call. */
  readonly batches: number[] = [];
  readonly progress: Revision[] = [];
  error: StorageError | undefined;
  private readonly waiters = new Set<() => boolean>();

  onEvents(events: readonly WatchEvent[]): void {
    this.events.push(...events);
    this.batches.push(events.length);
    this.wake();
  }

  onProgress(revision: Revision): void {
    this.progress.push(revision);
    this.wake();
  }

  onError(err: StorageError): void {
    this.error = err;
    this.wake();
  }

  /** Resolves once `condition` holds (checked now and after every listener call); rejects after 5 s. */
  until(condition: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`timed out waiting for ${what}; got ${this.events.length} events, error ${this.error}`),
        );
      }, 5000);
      if (!check()) this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const check of this.waiters) if (check()) this.waiters.delete(check);
  }
}

async function expectStorageError(
  promise: Promise<unknown>,
  code: StorageErrorCode,
  key?: string,
  label: string = code,
): Promise<StorageError> {
  try {
    await promise;
  } catch (err) {
    if (!isStorageError(err)) assert.fail(`${label}: expected a StorageError, got ${String(err)}`);
    assert.equal(err.code, code, label);
    if (key !== undefined) assert.equal(err.key, key, label);
    return err;
  }
  assert.fail(`${label}: expected ${code}, but the call succeeded`);
}

/** Watches `prefix` after `afterRevision` until `count` events arrived, then cancels. */
async function collect(
  store: Store,
  prefix: string,
  afterRevision: Revision,
  count: number,
): Promise<WatchEvent[]> {
  const rec = new Recorder();
  const handle = store.watch(prefix, afterRevision, rec);
  try {
    await rec.until(() => rec.events.length >= count || rec.error !== undefined, `${count} events`);
  } finally {
    handle.cancel();
  }
  assert.equal(rec.error, undefined);
  return rec.events;
}

function revisionOf(e: WatchEvent): Revision {
  return e.type === 'put' ? e.kv.modRevision : e.revision;
}

function summary(e: WatchEvent): string {
  return e.type === 'put'
    ? `put ${e.kv.key} ${e.kv.value} @${e.kv.modRevision}`
    : `delete ${e.key} @${e.revision}`;
}
