import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { configMapsResource } from '../api/resources/core/config.js';
import { MemoryStore } from '../storage/index.js';
import { systemClock } from '../util/clock.js';
import { fieldTracker } from './handlers/patch-engines.js';
import { ObjectStore } from './object-store.js';

test('cached objects of one shape share their FieldsV1 trees; reads see them unchanged', async () => {
  const store = new MemoryStore();
  const os = new ObjectStore(configMapsResource, '/registry/core/configmaps/', {
    store,
    clock: systemClock,
    admission: [],
    fieldTracker,
  });
  await os.cache.start();
  const opts = { dryRun: false, fieldManager: 'test', subresource: '' };
  const cm = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: name } },
    data: { k: name },
  });
  await os.create('ns', cm('a'), opts);
  await os.create('ns', cm('b'), opts);
  await os.waitFresh();
  const a = (await os.get('ns', 'a')).obj.metadata.managedFields?.[0];
  const b = (await os.get('ns', 'b')).obj.metadata.managedFields?.[0];
  assert.ok(a && b);
  assert.equal(a.fieldsV1, b.fieldsV1);
  assert.deepEqual(a.fieldsV1, {
    'f:data': { '.': {}, 'f:k': {} },
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  });
  os.cache.stop();
  await store.close();
});
