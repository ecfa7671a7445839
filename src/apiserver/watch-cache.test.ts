import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import {
  type CacheEntry,
  type CacheEvent,
  type CacheFilter,
  TooOldResourceVersionError,
  translate,
  WatchCache,
} from './watch-cache.js';

const PREFIX = '/registry/core/pods/';

function pod(ns: string, name: string, labels: Record<string, string> = {}, node = ''): string {
  return JSON.stringify({ metadata: { name, namespace: ns, labels }, spec: { nodeName: node } });
}

function newCache(store: MemoryStore, historySize = 100): WatchCache {
  return new WatchCache({
    store,
    prefix: PREFIX,
    indexedFields: ['spec.nodeName'],
    historySize,
    decode: (kv) => {
      const obj = JSON.parse(kv.value) as KubeObject;
      obj.metadata.resourceVersion = String(kv.modRevision);
      const spec = obj['spec'] as { nodeName?: string };
      return {
        obj,
        fields: {
          'metadata.name': obj.metadata.name ?? '',
          'metadata.namespace': obj.metadata.namespace ?? '',
          'spec.nodeName': spec.nodeName ?? '',
        },
      };
    },
  });
}

const all: CacheFilter = { namespace: '', equalities: [], matches: () => true };

function labelFilter(k: string, v: string, namespace = ''): CacheFilter {
  return { namespace, equalities: [['label', k, v]], matches: (e) => e.labels[k] === v };
}

async function settle(cache: WatchCache, store: MemoryStore): Promise<void> {
  await cache.waitForRevision(await store.currentRevision(), 1000);
}

describe('WatchCache', () => {
  it('loads the existing state, then follows writes', async () => {
    const store = new MemoryStore();
    await store.create(`${PREFIX}a/p1`, pod('a', 'p1', { app: 'x' }));
    await store.create(`${PREFIX}b/p2`, pod('b', 'p2', { app: 'y' }));
    await store.create('/registry/core/services/a/s', '{"metadata":{"name":"s"}}');
    const cache = newCache(store);
    await cache.start();
    assert.equal(cache.size, 2);
    await store.create(`${PREFIX}a/p3`, pod('a', 'p3', { app: 'x' }));
    await settle(cache, store);
    assert.deepEqual(
      cache.list(all).map((e) => e.obj.metadata.name),
      ['p1', 'p3', 'p2'],
    );
    const p3 = cache.get(`${PREFIX}a/p3`)!;
    assert.equal(p3.obj.metadata.resourceVersion, String(p3.rev));
    cache.stop();
  });

  it('lists by namespace, label and field index', async () => {
    const store = new MemoryStore();
    const cache = newCache(store);
    await cache.start();
    await store.create(`${PREFIX}a/p1`, pod('a', 'p1', { app: 'x' }, 'n1'));
    await store.create(`${PREFIX}a/p2`, pod('a', 'p2', { app: 'y' }, 'n2'));
    await store.create(`${PREFIX}b/p3`, pod('b', 'p3', { app: 'x' }, 'n1'));
    await settle(cache, store);
    const names = (f: CacheFilter): string[] => cache.list(f).map((e) => e.obj.metadata.name!);
    assert.deepEqual(names({ ...all, namespace: 'a' }), ['p1', 'p2']);
    assert.deepEqual(names(labelFilter('app', 'x')), ['p1', 'p3']);
    assert.deepEqual(names(labelFilter('app', 'x', 'b')), ['p3']);
    assert.deepEqual(
      names({
        namespace: '',
        equalities: [['field', 'spec.nodeName', 'n1']],
        matches: (e) => e.fields['spec.nodeName'] === 'n1',
      }),
      ['p1', 'p3'],
    );
    assert.deepEqual(names(labelFilter('app', 'none')), []);
    // Re-labelling moves the object between index sets.
    const { kv } = await store.get(`${PREFIX}a/p2`);
    await store.update(`${PREFIX}a/p2`, pod('a', 'p2', { app: 'x' }, 'n2'), kv!.modRevision);
    await settle(cache, store);
    assert.deepEqual(names(labelFilter('app', 'x')), ['p1', 'p2', 'p3']);
    assert.deepEqual(names(labelFilter('app', 'y')), []);
    cache.stop();
  });

  it('delivers translated events to watchers and replays history', async () => {
    const store = new MemoryStore();
    const cache = newCache(store);
    await cache.start();
    const start = cache.currentRevision;
    const seen: string[] = [];
    cache.addWatcher({
      filter: labelFilter('app', 'x'),
      onEvents: (evs) => seen.push(...evs.map((e) => `${e.type}:${e.entry.obj.metadata.name}`)),
      onProgress: () => {},
      onClose: () => {},
    });
    await store.create(`${PREFIX}a/p1`, pod('a', 'p1', { app: 'x' }));
    await store.create(`${PREFIX}a/p2`, pod('a', 'p2', { app: 'y' }));
    let { kv } = await store.get(`${PREFIX}a/p2`);
    await store.update(`${PREFIX}a/p2`, pod('a', 'p2', { app: 'x' }), kv!.modRevision);
    ({ kv } = await store.get(`${PREFIX}a/p1`));
    await store.update(`${PREFIX}a/p1`, pod('a', 'p1', { app: 'z' }), kv!.modRevision);
    await store.delete(`${PREFIX}a/p2`);
    await settle(cache, store);
    assert.deepEqual(seen, ['ADDED:p1', 'ADDED:p2', 'DELETED:p1', 'DELETED:p2']);
    const replay = cache
      .eventsSince(start, labelFilter('app', 'x'))
      .map((e) => `${e.type}:${e.entry.obj.metadata.name}`);
    assert.deepEqual(replay, seen);
    const deleted = cache.eventsSince(start, all).at(-1)!;
    assert.equal(deleted.type, 'DELETED');
    assert.equal(deleted.entry.obj.metadata.resourceVersion, String(deleted.rev));
    cache.stop();
  });

  it('reports a too old resourceVersion once history wrapped', async () => {
    const store = new MemoryStore();
    const cache = newCache(store, 3);
    await cache.start();
    const start = cache.currentRevision;
    for (let i = 0; i < 5; i++) await store.create(`${PREFIX}a/p${i}`, pod('a', `p${i}`));
    await settle(cache, store);
    assert.throws(() => cache.eventsSince(start, all), TooOldResourceVersionError);
    const recent = cache.eventsSince(cache.currentRevision - 2, all);
    assert.deepEqual(
      recent.map((e) => e.entry.obj.metadata.name),
      ['p3', 'p4'],
    );
    cache.stop();
  });

  it('waitForRevision resolves on progress and times out', async () => {
    const store = new MemoryStore();
    const cache = newCache(store);
    await cache.start();
    const target = cache.currentRevision + 1;
    const waiting = cache.waitForRevision(target, 1000);
    await store.create(`${PREFIX}a/p`, pod('a', 'p'));
    await waiting;
    await assert.rejects(cache.waitForRevision(cache.currentRevision + 10, 20), /Too large resource version/);
    cache.stop();
  });
});

describe('WatchCache.page', () => {
  it('pages in key order across namespaces, after deletes and re-creates', async () => {
    const store = new MemoryStore();
    const cache = newCache(store);
    await cache.start();
    const want: string[] = [];
    for (const ns of ['b', 'a', 'c']) {
      for (let i = 9; i >= 0; i--) {
        await store.create(`${PREFIX}${ns}/p${i}`, pod(ns, `p${i}`, { i: String(i % 3) }));
      }
    }
    await settle(cache, store);
    for (const ns of ['a', 'b', 'c']) for (let i = 0; i < 10; i++) want.push(`${ns}/p${i}`);
    const names = (es: CacheEntry[]): string[] => es.map((e) => `${e.namespace}/${e.obj.metadata.name}`);
    // Interleave writes with reads so the lazy key order has to merge.
    await store.delete(`${PREFIX}a/p3`);
    await settle(cache, store);
    assert.equal(cache.list(all).length, 29);
    await store.create(`${PREFIX}a/p3`, pod('a', 'p3'));
    await store.create(`${PREFIX}a/p35`, pod('a', 'p35'));
    await settle(cache, store);
    want.splice(want.indexOf('a/p3') + 1, 0, 'a/p35');
    let seen: string[] = [];
    let after = '';
    for (;;) {
      const page = cache.page(all, after, 7, true);
      seen = seen.concat(names(page.entries));
      if (!page.more) break;
      assert.equal(page.remaining, want.length - seen.length);
      after = page.entries.at(-1)!.key;
    }
    assert.deepEqual(seen, want);
    const nsB = cache.page({ ...all, namespace: 'b' }, `${PREFIX}b/p4`, 3, true);
    assert.deepEqual(names(nsB.entries), ['b/p5', 'b/p6', 'b/p7']);
    assert.equal(nsB.remaining, 2);
    const labelled = cache.page(labelFilter('i', '0'), '', 0, false);
    assert.deepEqual(names(labelled.entries), [
      'a/p0',
      'a/p6',
      'a/p9',
      'b/p0',
      'b/p3',
      'b/p6',
      'b/p9',
      'c/p0',
      'c/p3',
      'c/p6',
      'c/p9',
    ]);
    assert.deepEqual(cache.page({ ...all, namespace: 'zz' }, '', 5, true).entries, []);
    cache.stop();
  });
});

describe('translate', () => {
  const entry = (labels: Record<string, string>): CacheEntry => ({
    key: 'k',
    obj: { metadata: { name: 'k', labels } },
    rev: 1,
    namespace: '',
    fields: {},
    labels,
  });
  const f = labelFilter('app', 'x');
  const cases: Array<[string, CacheEvent, string | undefined]> = [
    ['added matching', { type: 'ADDED', entry: entry({ app: 'x' }), prev: undefined, rev: 1 }, 'ADDED'],
    ['added not matching', { type: 'ADDED', entry: entry({}), prev: undefined, rev: 1 }, undefined],
    [
      'modified into filter',
      { type: 'MODIFIED', entry: entry({ app: 'x' }), prev: entry({}), rev: 1 },
      'ADDED',
    ],
    [
      'modified out of filter',
      { type: 'MODIFIED', entry: entry({}), prev: entry({ app: 'x' }), rev: 1 },
      'DELETED',
    ],
    [
      'modified within',
      { type: 'MODIFIED', entry: entry({ app: 'x' }), prev: entry({ app: 'x' }), rev: 1 },
      'MODIFIED',
    ],
    [
      'deleted matching',
      { type: 'DELETED', entry: entry({ app: 'x' }), prev: entry({ app: 'x' }), rev: 1 },
      'DELETED',
    ],
    ['deleted not matching', { type: 'DELETED', entry: entry({}), prev: entry({}), rev: 1 }, undefined],
  ];
  for (const [name, ev, want] of cases) {
    it(name, () => assert.equal(translate(ev, f)?.type, want));
  }
});
