import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { KubeClient } from '../../client/client.js';
import {
  CONFIG_MAPS,
  DEPLOYMENTS,
  NAMESPACES,
  NODES,
  PODS,
  REPLICA_SETS,
  type ResourceDescriptor,
  SECRETS,
} from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { GarbageCollector } from './garbage-collector.js';

async function until(
  what: string,
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The object from the server's cache (a list at resourceVersion 0 does not wait for the cache to catch up;
 * polling callers tolerate a slightly stale answer).
 */
async function exists(
  client: KubeClient,
  res: ResourceDescriptor,
  ns: string,
  name: string,
): Promise<KubeObject | undefined> {
  const list = await client.list(res, {
    namespace: res.namespaced ? ns : undefined,
    fieldSelector: `metadata.name=${name}`,
    resourceVersion: '0',
  });
  return list.items[0];
}

function refTo(
  res: ResourceDescriptor,
  obj: KubeObject,
  extra: Partial<OwnerReference> = {},
): OwnerReference {
  return {
    apiVersion: res.group ? `${res.group}/${res.version}` : res.version,
    kind: res.kind,
    name: obj.metadata.name!,
    uid: obj.metadata.uid!,
    ...extra,
  };
}

const controllerRef = { controller: true, blockOwnerDeletion: true };

describe('GarbageCollector', () => {
  let ts: TestServer;
  let gc: GarbageCollector;
  const stop = new AbortController();
  let running: Promise<void>;
  const warnings: string[] = [];
  let seq = 0;

  before(async () => {
    ts = await startTestServer();
    gc = new GarbageCollector({
      client: ts.client,
      workers: 4,
      recorder: {
        record: (ref, type, reason, message) => warnings.push(`${type} ${reason} ${ref.name}: ${message}`),
      },
    });
    running = gc.run(stop.signal);
    await until('the collector synced', () => gc.hasSynced());
  });
  after(async () => {
    stop.abort();
    await running;
    await ts.close();
  });

  /** A fresh namespace per test. */
  async function namespace(): Promise<string> {
    const name = `gc-${++seq}`;
    await ts.client.create(NAMESPACES, { metadata: { name } });
    return name;
  }

  const get = (res: ResourceDescriptor, ns: string, name: string) => exists(ts.client, res, ns, name);
  const gone = (res: ResourceDescriptor, ns: string, name: string) =>
    until(`${res.resource} ${ns}/${name} gone`, async () => (await get(res, ns, name)) === undefined);

  /** Deployment → ReplicaSet → pods (unscheduled, so they delete at once), wired by hand. */
  async function chain(ns: string, pods: Array<{ name: string; finalizers?: string[] }>) {
    const labels = { app: 'web' };
    const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const deploy = await ts.client.create(DEPLOYMENTS, {
      metadata: { name: 'web', namespace: ns },
      spec: { replicas: pods.length, selector: { matchLabels: labels }, template },
    });
    const rs = await ts.client.create(REPLICA_SETS, {
      metadata: {
        name: 'web-1',
        namespace: ns,
        ownerReferences: [refTo(DEPLOYMENTS, deploy, controllerRef)],
      },
      spec: { replicas: pods.length, selector: { matchLabels: labels }, template },
    });
    for (const p of pods) {
      await ts.client.create(PODS, {
        metadata: {
          name: p.name,
          namespace: ns,
          labels,
          ownerReferences: [refTo(REPLICA_SETS, rs, controllerRef)],
          ...(p.finalizers ? { finalizers: p.finalizers } : {}),
        },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      });
    }
    return { deploy, rs };
  }

  it('watches every deletable resource but events', () => {
    const watched = gc.monitoredResources();
    for (const r of [
      'pods',
      'replicasets.apps',
      'deployments.apps',
      'configmaps',
      'namespaces',
      'clonesets.apps.kruise.io',
    ]) {
      assert.ok(watched.includes(r), r);
    }
    assert.ok(!watched.includes('events'));
    assert.ok(!watched.includes('events.events.k8s.io'));
  });

  it('background deletion removes the ReplicaSet and pods after the Deployment', async () => {
    const ns = await namespace();
    await chain(ns, [{ name: 'p1' }, { name: 'p2' }]);
    await until('graph has the pods', () => gc.graph.uidToNode.size > 0);
    await ts.client.delete(DEPLOYMENTS, 'web', { namespace: ns, propagationPolicy: 'Background' });
    assert.equal(await get(DEPLOYMENTS, ns, 'web'), undefined, 'the owner goes first');
    await gone(REPLICA_SETS, ns, 'web-1');
    await gone(PODS, ns, 'p1');
    await gone(PODS, ns, 'p2');
  });

  it('foreground deletion deletes blocking dependents first and the owner last', async () => {
    const ns = await namespace();
    await chain(ns, [{ name: 'p1' }, { name: 'held', finalizers: ['example.com/hold'] }]);
    await ts.client.delete(DEPLOYMENTS, 'web', { namespace: ns, propagationPolicy: 'Foreground' });
    await gone(PODS, ns, 'p1');
    await until(
      'the held pod is being deleted',
      async () => !!(await get(PODS, ns, 'held'))?.metadata.deletionTimestamp,
    );
    const rs = await get(REPLICA_SETS, ns, 'web-1');
    assert.ok(rs?.metadata.deletionTimestamp, 'the ReplicaSet is being deleted');
    assert.deepEqual(rs.metadata.finalizers, ['foregroundDeletion']);
    const deploy = await get(DEPLOYMENTS, ns, 'web');
    assert.deepEqual(deploy?.metadata.finalizers, ['foregroundDeletion'], 'the owner waits');

    await ts.client.patch(PODS, 'held', { metadata: { finalizers: null } }, { type: 'merge', namespace: ns });
    await gone(PODS, ns, 'held');
    await gone(REPLICA_SETS, ns, 'web-1');
    await gone(DEPLOYMENTS, ns, 'web');
  });

  it('foreground deletion does not wait for dependents that do not block', async () => {
    const ns = await namespace();
    const owner = await ts.client.create(CONFIG_MAPS, { metadata: { name: 'owner', namespace: ns } });
    await ts.client.create(SECRETS, {
      metadata: {
        name: 'dep',
        namespace: ns,
        ownerReferences: [refTo(CONFIG_MAPS, owner)],
        finalizers: ['example.com/hold'],
      },
    });
    await until(
      'graph has the dependent',
      () => (gc.graph.node(owner.metadata.uid!)?.dependents.size ?? 0) > 0,
    );
    await ts.client.delete(CONFIG_MAPS, 'owner', { namespace: ns, propagationPolicy: 'Foreground' });
    await gone(CONFIG_MAPS, ns, 'owner');
    await until(
      'the dependent is being deleted',
      async () => !!(await get(SECRETS, ns, 'dep'))?.metadata.deletionTimestamp,
    );
    await ts.client.patch(
      SECRETS,
      'dep',
      { metadata: { finalizers: null } },
      { type: 'merge', namespace: ns },
    );
    await gone(SECRETS, ns, 'dep');
  });

  it('orphan deletion strips the owner reference from dependents, then lets the owner go', async () => {
    const ns = await namespace();
    const { rs } = await chain(ns, [{ name: 'p1' }]);
    await until('graph has the pod', () => (gc.graph.node(rs.metadata.uid!)?.dependents.size ?? 0) > 0);
    await ts.client.delete(DEPLOYMENTS, 'web', { namespace: ns, propagationPolicy: 'Orphan' });
    await gone(DEPLOYMENTS, ns, 'web');
    const orphan = await get(REPLICA_SETS, ns, 'web-1');
    assert.ok(orphan, 'the ReplicaSet stays');
    assert.deepEqual(orphan.metadata.ownerReferences ?? [], []);
    assert.equal(orphan.metadata.deletionTimestamp, undefined);
    const pod = await get(PODS, ns, 'p1');
    assert.equal(pod?.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid, 'grandchildren keep their owner');
  });

  it('a dangling owner reference (no such owner) is collected', async () => {
    const ns = await namespace();
    const ghost = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'ghost',
      uid: 'no-such-uid',
      ...controllerRef,
    };
    await ts.client.create(CONFIG_MAPS, {
      metadata: { name: 'dangling', namespace: ns, ownerReferences: [ghost] },
    });
    await gone(CONFIG_MAPS, ns, 'dangling');
    assert.equal(gc.graph.node('no-such-uid'), undefined, 'the virtual owner left the graph');
  });

  it('a reference to a recreated owner (same name, another uid) is dangling; the new owner stays', async () => {
    const ns = await namespace();
    await ts.client.create(CONFIG_MAPS, { metadata: { name: 'owner', namespace: ns } });
    const stale = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'uid-of-the-old-owner' };
    await ts.client.create(SECRETS, { metadata: { name: 'dep', namespace: ns, ownerReferences: [stale] } });
    await gone(SECRETS, ns, 'dep');
    assert.ok(await get(CONFIG_MAPS, ns, 'owner'));
  });

  it('with one live owner left, only the dangling reference is removed', async () => {
    const ns = await namespace();
    const live = await ts.client.create(CONFIG_MAPS, { metadata: { name: 'live', namespace: ns } });
    const dead = { apiVersion: 'v1', kind: 'ConfigMap', name: 'dead', uid: 'dead-uid' };
    await ts.client.create(SECRETS, {
      metadata: { name: 'dep', namespace: ns, ownerReferences: [refTo(CONFIG_MAPS, live), dead] },
    });
    await until('the dangling reference is gone', async () => {
      const refs = (await get(SECRETS, ns, 'dep'))?.metadata.ownerReferences ?? [];
      return refs.length === 1;
    });
    const dep = await get(SECRETS, ns, 'dep');
    assert.deepEqual(
      dep?.metadata.ownerReferences?.map((r) => r.uid),
      [live.metadata.uid],
    );
    assert.equal(dep?.metadata.deletionTimestamp, undefined);
  });

  it('a dependent of a cluster-scoped owner goes with it', async () => {
    const ns = await namespace();
    const node = await ts.client.create(NODES, { metadata: { name: `node-${ns}` } });
    await ts.client.create(CONFIG_MAPS, {
      metadata: { name: 'per-node', namespace: ns, ownerReferences: [refTo(NODES, node)] },
    });
    await until(
      'graph has the dependent',
      () => (gc.graph.node(node.metadata.uid!)?.dependents.size ?? 0) > 0,
    );
    assert.equal(gc.graph.node(node.metadata.uid!)?.identity.namespace, '');
    await ts.client.delete(NODES, node.metadata.name!);
    await gone(CONFIG_MAPS, ns, 'per-node');
  });

  it('an owner reference into another namespace is dangling and reported', async () => {
    const a = await namespace();
    const b = await namespace();
    const owner = await ts.client.create(CONFIG_MAPS, { metadata: { name: 'owner', namespace: a } });
    await until('graph has the owner', () => gc.graph.node(owner.metadata.uid!)?.isObserved() === true);
    await ts.client.create(SECRETS, {
      metadata: { name: 'dep', namespace: b, ownerReferences: [refTo(CONFIG_MAPS, owner)] },
    });
    await gone(SECRETS, b, 'dep');
    assert.ok(await get(CONFIG_MAPS, a, 'owner'));
    assert.ok(
      warnings.some(
        (w) =>
          w ===
          `Warning OwnerRefInvalidNamespace dep: ownerRef [v1/ConfigMap, namespace: ${b}, name: owner, uid: ${owner.metadata.uid}] does not exist in namespace "${b}"`,
      ),
      warnings.join('\n'),
    );
  });

  it('two objects owning each other in foreground deletion both go (the cycle is broken)', async () => {
    const ns = await namespace();
    const a = await ts.client.create(CONFIG_MAPS, { metadata: { name: 'a', namespace: ns } });
    const b = await ts.client.create(CONFIG_MAPS, {
      metadata: {
        name: 'b',
        namespace: ns,
        ownerReferences: [refTo(CONFIG_MAPS, a, { blockOwnerDeletion: true })],
      },
    });
    await ts.client.patch(
      CONFIG_MAPS,
      'a',
      { metadata: { ownerReferences: [refTo(CONFIG_MAPS, b, { blockOwnerDeletion: true })] } },
      { type: 'merge', namespace: ns },
    );
    await until(
      'graph has the cycle',
      () =>
        gc.graph.node(a.metadata.uid!)?.dependents.size === 1 &&
        gc.graph.node(b.metadata.uid!)?.dependents.size === 1,
    );
    await ts.client.delete(CONFIG_MAPS, 'a', { namespace: ns, propagationPolicy: 'Foreground' });
    await gone(CONFIG_MAPS, ns, 'a');
    await gone(CONFIG_MAPS, ns, 'b');
  });

  it('an object whose owner kind is not served is left alone', async () => {
    const ns = await namespace();
    const alien = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'widget-uid' };
    await ts.client.create(CONFIG_MAPS, {
      metadata: { name: 'kept', namespace: ns, ownerReferences: [alien] },
    });
    await until('the virtual owner is in the graph', () => gc.graph.node('widget-uid') !== undefined);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(await get(CONFIG_MAPS, ns, 'kept'));
  });
});
