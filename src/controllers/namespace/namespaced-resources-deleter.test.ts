import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isStatusError } from '../../api/errors.js';
import {
  CONFIG_MAPS,
  DEPLOYMENTS,
  NAMESPACES,
  type Namespace,
  PODS,
  type ResourceDescriptor,
  SECRETS,
} from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { FakeClock } from '../../util/clock.js';
import { discoverResources } from '../garbage-collector/discovery.js';
import type { NamespaceCondition } from './conditions.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError } from './namespaced-resources-deleter.js';

describe('NamespacedResourcesDeleter', () => {
  let ts: TestServer;
  let seq = 0;
  before(async () => {
    ts = await startTestServer();
  });
  after(async () => {
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

  function conditions(ns: Namespace | undefined): Record<string, [string, string]> {
    const out: Record<string, [string, string]> = {};
    for (const c of (ns?.status?.conditions ?? []) as NamespaceCondition[])
      out[c.type] = [c.status, c.message ?? ''];
    return out;
  }

  const pod = (name: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, ...extra },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });

  /** A namespace with a few kinds of content, then deleted. */
  async function doomed(fill: (ns: string) => Promise<void>): Promise<string> {
    const name = `doomed-${++seq}`;
    await ts.client.create(NAMESPACES, { metadata: { name } });
    await fill(name);
    await ts.client.delete(NAMESPACES, name);
    return name;
  }

  async function expectRemaining(p: Promise<void>, estimate: number): Promise<void> {
    await assert.rejects(
      p,
      (err: unknown) => err instanceof ResourcesRemainingError && err.estimate === estimate,
    );
  }

  it('deletes every object, removes the kubernetes finalizer, and the namespace goes', async () => {
    const name = await doomed(async (ns) => {
      await ts.client.create(CONFIG_MAPS, { metadata: { name: 'c1', namespace: ns } });
      await ts.client.create(SECRETS, { metadata: { name: 's1', namespace: ns } });
      await ts.client.create(DEPLOYMENTS, {
        metadata: { name: 'd1', namespace: ns },
        spec: {
          selector: { matchLabels: { app: 'a' } },
          template: {
            metadata: { labels: { app: 'a' } },
            spec: { containers: [{ name: 'c', image: 'nginx' }] },
          },
        },
      });
      await ts.client.create(PODS, {
        ...pod('unscheduled'),
        metadata: { name: 'unscheduled', namespace: ns },
      });
    });
    const before = await getNs(name);
    assert.deepEqual(before?.spec?.finalizers, ['kubernetes']);
    await new NamespacedResourcesDeleter({ client: ts.client }).delete(name);
    assert.equal(await getNs(name), undefined);
    for (const res of [CONFIG_MAPS, SECRETS, DEPLOYMENTS, PODS] as ResourceDescriptor[]) {
      assert.deepEqual((await ts.client.list(res, { namespace: name })).items, [], res.resource);
    }
  });

  it('content held by a finalizer: an estimate of 15 s and the remaining conditions, then done once it goes', async () => {
    const name = await doomed(async (ns) => {
      await ts.client.create(CONFIG_MAPS, { metadata: { name: 'free', namespace: ns } });
      await ts.client.create(CONFIG_MAPS, {
        metadata: { name: 'held', namespace: ns, finalizers: ['example.com/hold'] },
      });
    });
    const deleter = new NamespacedResourcesDeleter({ client: ts.client });
    await expectRemaining(deleter.delete(name), 15);
    const ns = await getNs(name);
    assert.equal(ns?.status?.phase, 'Terminating');
    assert.deepEqual(ns?.spec?.finalizers, ['kubernetes']);
    assert.deepEqual(conditions(ns), {
      NamespaceDeletionDiscoveryFailure: ['False', 'All resources successfully discovered'],
      NamespaceDeletionGroupVersionParsingFailure: ['False', 'All legacy kube types successfully parsed'],
      NamespaceDeletionContentFailure: [
        'False',
        'All content successfully deleted, may be waiting on finalization',
      ],
      NamespaceContentRemaining: [
        'True',
        'Some resources are remaining: configmaps. has 1 resource instances',
      ],
      NamespaceFinalizersRemaining: [
        'True',
        'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
      ],
    });
    const held = await ts.client.get(CONFIG_MAPS, 'held', { namespace: name });
    assert.ok(held.metadata.deletionTimestamp);

    await ts.client.patch(
      CONFIG_MAPS,
      'held',
      { metadata: { finalizers: null } },
      { type: 'merge', namespace: name },
    );
    await deleter.delete(name);
    assert.equal(await getNs(name), undefined);
  });

  it('a terminating pod gives its grace period as estimate, then without finalizers it is a content failure', async () => {
    const name = await doomed(async (ns) => {
      await ts.client.create(PODS, {
        ...pod('bound'),
        metadata: { name: 'bound', namespace: ns },
        spec: {
          nodeName: 'node-1',
          terminationGracePeriodSeconds: 20,
          containers: [{ name: 'c', image: 'nginx' }],
        },
      });
    });
    const clock = new FakeClock(Date.now());
    const deleter = new NamespacedResourcesDeleter({ client: ts.client, clock });
    await expectRemaining(deleter.delete(name), 20);
    assert.equal(conditions(await getNs(name))['NamespaceContentRemaining']?.[0], 'True');

    clock.advance(21_000);
    await assert.rejects(deleter.delete(name), {
      message: `unexpected items still remain in namespace: ${name} for gvr: /v1, Resource=pods`,
    });
    assert.deepEqual(conditions(await getNs(name))['NamespaceDeletionContentFailure'], [
      'True',
      `Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: ${name} for gvr: /v1, Resource=pods`,
    ]);
    await ts.client.delete(PODS, 'bound', { namespace: name, gracePeriodSeconds: 0 });
    await deleter.delete(name);
    assert.equal(await getNs(name), undefined);
  });

  it('deletes one by one where deletecollection is not served', async () => {
    const name = await doomed(async (ns) => {
      for (const n of ['a', 'b', 'c'])
        await ts.client.create(CONFIG_MAPS, { metadata: { name: n, namespace: ns } });
    });
    const discover = async () => {
      const found = await discoverResources(ts.client);
      const strip = (r: (typeof found.all)[number]) =>
        r.resource === 'configmaps' ? { ...r, verbs: r.verbs.filter((v) => v !== 'deletecollection') } : r;
      return { ...found, all: found.all.map(strip), preferred: found.preferred.map(strip) };
    };
    await new NamespacedResourcesDeleter({ client: ts.client, discover }).delete(name);
    assert.equal(await getNs(name), undefined);
  });

  it('a discovery failure is reported and keeps the finalizer', async () => {
    const name = await doomed(async () => {});
    const discover = async () => {
      const found = await discoverResources(ts.client);
      return {
        ...found,
        failed: new Map([['metrics.k8s.io/v1beta1', 'the server is currently unable to handle the request']]),
      };
    };
    const message =
      'unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request';
    await assert.rejects(new NamespacedResourcesDeleter({ client: ts.client, discover }).delete(name), {
      message,
    });
    const ns = await getNs(name);
    assert.deepEqual(ns?.spec?.finalizers, ['kubernetes']);
    assert.deepEqual(conditions(ns)['NamespaceDeletionDiscoveryFailure'], [
      'True',
      `Discovery failed for some groups, 1 failing: ${message}`,
    ]);
    await new NamespacedResourcesDeleter({ client: ts.client }).delete(name);
    assert.equal(await getNs(name), undefined);
  });

  it('leaves alone namespaces that are not terminating or do not exist', async () => {
    await ts.client.create(NAMESPACES, { metadata: { name: 'alive' } });
    await ts.client.create(CONFIG_MAPS, { metadata: { name: 'c', namespace: 'alive' } });
    const deleter = new NamespacedResourcesDeleter({ client: ts.client });
    await deleter.delete('alive');
    await deleter.delete('never-was');
    assert.equal((await ts.client.list(CONFIG_MAPS, { namespace: 'alive' })).items.length, 1);
    assert.equal((await getNs('alive'))?.status?.phase, 'Active');
  });

  it('only its own finalizer is removed; the namespace waits for the others', async () => {
    const name = `shared-${++seq}`;
    await ts.client.create(NAMESPACES, {
      metadata: { name },
      spec: { finalizers: ['kubernetes', 'example.com/other'] },
    });
    await ts.client.delete(NAMESPACES, name);
    await new NamespacedResourcesDeleter({ client: ts.client }).delete(name);
    const ns = await getNs(name);
    assert.deepEqual(ns?.spec?.finalizers, ['example.com/other']);
    assert.equal(ns?.status?.phase, 'Terminating');
  });
});
