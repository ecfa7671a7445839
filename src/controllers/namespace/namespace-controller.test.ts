import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isStatusError } from '../../api/errors.js';
import { SharedInformer } from '../../client/informer/shared-informer.js';
import { CONFIG_MAPS, NAMESPACES, type Namespace, SECRETS } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { FakeClock } from '../../util/clock.js';
import { NamespaceController } from './namespace-controller.js';

describe('NamespaceController', () => {
  let ts: TestServer;
  let informer: SharedInformer<Namespace>;
  const clock = new FakeClock(Date.now());
  const stop = new AbortController();
  let running: Promise<unknown>;

  before(async () => {
    ts = await startTestServer();
    informer = new SharedInformer(ts.client, NAMESPACES, { clock });
    const nc = new NamespaceController({ client: ts.client, informer, clock, workers: 2 });
    running = Promise.all([informer.run(stop.signal), nc.run(stop.signal)]);
    await informer.waitForSync();
  });
  after(async () => {
    stop.abort();
    await running;
    await ts.close();
  });

  async function getNs(name: string): Promise<Namespace | undefined> {
    try {
      return await ts.client.get(NAMESPACES, name);
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Polls `pred`, moving the fake clock `stepMs` between tries. */
  async function until(what: string, pred: () => Promise<boolean>, stepMs = 500): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (await pred()) return;
      clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  it('waits the deletion grace period, then empties and removes a deleted namespace', async () => {
    await ts.client.create(NAMESPACES, { metadata: { name: 'full' } });
    await ts.client.create(CONFIG_MAPS, { metadata: { name: 'c', namespace: 'full' } });
    await ts.client.create(SECRETS, { metadata: { name: 's', namespace: 'full' } });
    await ts.client.delete(NAMESPACES, 'full');
    await until(
      'the informer sees the deletion',
      async () => !!informer.store.get('full')?.metadata.deletionTimestamp,
      0,
    );
    clock.advance(4_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      (await ts.client.list(CONFIG_MAPS, { namespace: 'full' })).items.length,
      1,
      'not before 5 s',
    );
    await until('the namespace is gone', async () => (await getNs('full')) === undefined);
    assert.deepEqual((await ts.client.list(SECRETS, { namespace: 'full' })).items, []);
  });

  it('comes back after half the estimate while finalizers hold content', async () => {
    await ts.client.create(NAMESPACES, { metadata: { name: 'held' } });
    await ts.client.create(CONFIG_MAPS, {
      metadata: { name: 'c', namespace: 'held', finalizers: ['example.com/hold'] },
    });
    await ts.client.delete(NAMESPACES, 'held');
    await until('conditions report the finalizer', async () => {
      const ns = await getNs('held');
      return (ns?.status?.conditions ?? []).some(
        (c) => c.type === 'NamespaceFinalizersRemaining' && c.status === 'True',
      );
    });
    const ns = await getNs('held');
    assert.equal(ns?.status?.phase, 'Terminating');
    await ts.client.patch(
      CONFIG_MAPS,
      'c',
      { metadata: { finalizers: null } },
      { type: 'merge', namespace: 'held' },
    );
    // The retry comes 15 / 2 + 1 = 8 s later, not on its own before.
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(await getNs('held'));
    await until('the namespace is gone', async () => (await getNs('held')) === undefined, 1_000);
  });
});
