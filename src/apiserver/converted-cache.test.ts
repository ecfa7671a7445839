import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { eventsResource } from '../api/resources/core/namespaced.js';
import { events } from '../api/resources/events/event.js';
import { MemoryStore } from '../storage/index.js';
import { systemClock } from '../util/clock.js';
import { fieldTracker } from './handlers/patch-engines.js';
import { ResourceRegistry } from './resource-registry.js';
import type { CacheEvent, CacheFilter } from './watch-cache.js';

const OPTS = { dryRun: false, fieldManager: 'test', subresource: '' };

function everything(namespace = ''): CacheFilter {
  return { namespace, equalities: [], matches: () => true };
}

function fieldIs(field: string, value: string): CacheFilter {
  return {
    namespace: '',
    equalities: [['field', field, value]],
    matches: (e) => e.fields[field] === value,
  };
}

async function setup(): Promise<{ registry: ResourceRegistry; store: MemoryStore }> {
  const store = new MemoryStore();
  // The sharing resource comes first: the registry builds the owner of the storage before it anyway.
  const registry = new ResourceRegistry({
    defs: [events, eventsResource],
    store,
    clock: systemClock,
    admission: [],
    fieldTracker,
  });
  await registry.start();
  return { registry, store };
}

function coreEvent(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u-1' },
    reason: 'Pulled',
    message: 'pulled the image',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2025-01-01T12:00:00Z',
    lastTimestamp: '2025-01-01T12:01:00Z',
    count: 2,
    type: 'Normal',
  };
}

function newEvent(name: string): KubeObject {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name },
    eventTime: '2025-01-01T12:00:00.000000Z',
    regarding: { kind: 'Pod', namespace: 'default', name: 'web-2' },
    reason: 'Scheduled',
    note: 'assigned to node-1',
    type: 'Normal',
    action: 'Binding',
    reportingController: 'default-scheduler',
    reportingInstance: 'scheduler-1',
  };
}

test('both event APIs read one storage: same name, uid and resourceVersion, fields converted', async () => {
  const { registry, store } = await setup();
  const core = registry.lookup('', 'v1', 'events')!;
  const v1 = registry.lookup('events.k8s.io', 'v1', 'events')!;
  assert.equal(core.sourceCache, v1.sourceCache, 'one watch cache');
  assert.equal(core.prefix, v1.prefix);

  const a = await core.create('default', coreEvent('a'), OPTS);
  await v1.waitFresh();
  const seen = (await v1.get('default', 'a')).obj;
  assert.equal(seen.apiVersion, 'events.k8s.io/v1');
  assert.equal(seen.metadata.uid, a.metadata.uid);
  assert.equal(seen.metadata.resourceVersion, a.metadata.resourceVersion);
  assert.deepEqual(seen.regarding, coreEvent('a').involvedObject);
  assert.equal(seen.note, 'pulled the image');
  assert.deepEqual(seen.deprecatedSource, { component: 'kubelet', host: 'node-1' });
  assert.equal(seen.deprecatedCount, 2);
  assert.equal(seen.involvedObject, undefined);

  const b = await v1.create('default', newEvent('b'), OPTS);
  assert.equal(b.apiVersion, 'events.k8s.io/v1');
  assert.equal(b.note, 'assigned to node-1');
  const stored = JSON.parse((await store.get(core.key('default', 'b'))).kv!.value) as KubeObject;
  assert.equal(stored.apiVersion, 'v1');
  assert.equal(stored.message, 'assigned to node-1');
  assert.equal(stored.reportingComponent, 'default-scheduler');
  await core.waitFresh();
  const viaCore = (await core.get('default', 'b')).obj;
  assert.equal(viaCore.apiVersion, 'v1');
  assert.equal(viaCore.metadata.resourceVersion, b.metadata.resourceVersion);
  assert.deepEqual(viaCore.involvedObject, newEvent('b').regarding);

  assert.deepEqual(
    v1.cache.list(everything('default')).map((e) => [e.obj.metadata.name, e.obj.apiVersion]),
    [
      ['a', 'events.k8s.io/v1'],
      ['b', 'events.k8s.io/v1'],
    ],
  );
  // Field selectors name each API's own fields.
  assert.deepEqual(
    v1.cache.list(fieldIs('regarding.name', 'web-2')).map((e) => e.obj.metadata.name),
    ['b'],
  );
  assert.deepEqual(
    v1.cache.list(fieldIs('reportingController', 'default-scheduler')).map((e) => e.obj.metadata.name),
    ['b'],
  );
  assert.deepEqual(
    core.cache.list(fieldIs('involvedObject.name', 'web-2')).map((e) => e.obj.metadata.name),
    ['b'],
  );

  // Updates through one API keep the other's fields.
  const { obj: updated } = await core.guaranteedUpdate('default', 'a', OPTS, (cur) => ({
    ...cur!,
    count: 3,
  }));
  await v1.waitFresh();
  assert.equal((await v1.get('default', 'a')).obj.deprecatedCount, 3);
  assert.equal((await v1.get('default', 'a')).obj.metadata.resourceVersion, updated.metadata.resourceVersion);

  // Deletes through either remove it from both.
  await v1.delete('default', 'a', { dryRun: false });
  await core.delete('default', 'b', { dryRun: false });
  await core.waitFresh();
  assert.equal(core.cache.list(everything()).length, 0);
  assert.equal(v1.cache.list(everything()).length, 0);
  registry.stop();
  await store.close();
});

test('a watch through one event API sees the writes made through the other, converted', async () => {
  const { registry, store } = await setup();
  const core = registry.lookup('', 'v1', 'events')!;
  const v1 = registry.lookup('events.k8s.io', 'v1', 'events')!;
  const from = v1.cache.currentRevision;
  const coreSeen: CacheEvent[] = [];
  const v1Seen: CacheEvent[] = [];
  const watcher = (out: CacheEvent[], filter: CacheFilter) => ({
    filter,
    onEvents: (evs: CacheEvent[]) => out.push(...evs),
    onProgress: () => {},
    onClose: () => {},
  });
  const v1Watcher = watcher(v1Seen, fieldIs('regarding.name', 'web-1'));
  v1.cache.addWatcher(v1Watcher);
  core.cache.addWatcher(watcher(coreSeen, everything()));
  assert.equal(registry.watcherCount, 2);

  await core.create('default', coreEvent('a'), OPTS);
  await v1.create('default', newEvent('b'), OPTS);
  await v1.delete('default', 'a', { dryRun: false });
  await core.waitFresh();

  assert.deepEqual(
    v1Seen.map((e) => [e.type, e.entry.obj.metadata.name, e.entry.obj.apiVersion, e.entry.obj.note]),
    [
      ['ADDED', 'a', 'events.k8s.io/v1', 'pulled the image'],
      ['DELETED', 'a', 'events.k8s.io/v1', 'pulled the image'],
    ],
  );
  assert.deepEqual(
    coreSeen.map((e) => [e.type, e.entry.obj.metadata.name, e.entry.obj.apiVersion, e.entry.obj.message]),
    [
      ['ADDED', 'a', 'v1', 'pulled the image'],
      ['ADDED', 'b', 'v1', 'assigned to node-1'],
      ['DELETED', 'a', 'v1', 'pulled the image'],
    ],
  );
  // A watch resuming from an older revision replays the same events, converted.
  assert.deepEqual(
    v1.cache
      .eventsSince(from, everything())
      .map((e) => [e.type, e.entry.obj.metadata.name, e.entry.obj.kind]),
    [
      ['ADDED', 'a', 'Event'],
      ['ADDED', 'b', 'Event'],
      ['DELETED', 'a', 'Event'],
    ],
  );
  assert.equal(
    v1.cache.eventsSince(from, everything())[1]!.entry.obj.reportingController,
    'default-scheduler',
  );
  v1.cache.removeWatcher(v1Watcher);
  assert.equal(registry.watcherCount, 1);
  registry.stop();
  await store.close();
});
