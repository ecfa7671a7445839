import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { KubeClient, type WriteOptions } from '../../client/client.js';
import {
  EVENTS,
  PODS,
  REPLICA_SETS,
  type Pod,
  type ReplicaSet,
  type ResourceDescriptor,
} from '../../client/resources.js';
import { getControllerOf } from '../runtime/controller-ref.js';
import { setPodState, startControllerTestEnv, until, type ControllerTestEnv } from '../runtime/testing.js';
import { ReplicaSetController, slowStartBatch } from './replicaset-controller.js';

describe('slowStartBatch', () => {
  const cases: Array<{ count: number; failAt?: number; successes: number; calls: number }> = [
    { count: 0, successes: 0, calls: 0 },
    { count: 1, successes: 1, calls: 1 },
    { count: 10, successes: 10, calls: 10 },
    // batches 1, 2, 4, 3: a failure in the batch of 4 (call 4..7) stops before the last batch
    { count: 10, failAt: 5, successes: 6, calls: 7 },
    { count: 10, failAt: 1, successes: 0, calls: 1 },
    { count: 600, successes: 600, calls: 600 },
  ];
  for (const c of cases) {
    it(`count ${c.count}${c.failAt ? `, call ${c.failAt} fails` : ''}`, async () => {
      let calls = 0;
      const r = await slowStartBatch(c.count, 1, async () => {
        calls++;
        if (calls === c.failAt) throw new Error('no');
      });
      assert.equal(r.successes, c.successes);
      assert.equal(calls, c.calls);
      assert.equal(r.error !== undefined, c.failAt !== undefined);
    });
  }
});

/** A client whose pod creates fail with 403 after `allowed` successes. */
class QuotaClient extends KubeClient {
  allowed = 0;
  override async create<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    obj: T,
    opts?: WriteOptions,
  ): Promise<T> {
    if (res.resource === 'pods' && this.allowed-- <= 0) {
      throw new StatusError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        code: 403,
        reason: 'Forbidden',
        message: 'pods "web-x" is forbidden: exceeded quota',
      });
    }
    return super.create(res, obj, opts);
  }
}

describe('ReplicaSetController', () => {
  let env: ControllerTestEnv;
  let rsc: ReplicaSetController;
  let client: QuotaClient;

  beforeEach(async () => {
    env = await startControllerTestEnv();
    client = new QuotaClient(env.client.transport);
    client.allowed = Infinity;
    rsc = new ReplicaSetController({
      client,
      informers: env.informers,
      recorder: env.recorder('replicaset-controller'),
      burstReplicas: 4,
    });
    await env.startInformers();
  });
  afterEach(async () => {
    await env.close();
  });

  const ns = 'test';
  const key = `${ns}/web`;
  async function createRS(
    replicas: number,
    extra: Partial<NonNullable<ReplicaSet['spec']>> = {},
  ): Promise<ReplicaSet> {
    const rs = await env.client.create(REPLICA_SETS, {
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web', tier: 'front' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
        ...extra,
      },
    });
    await until('rs cached', () => rsc.rsInformer.store.get(key)?.metadata.uid === rs.metadata.uid);
    return rs;
  }
  const pods = async (): Promise<Pod[]> => (await env.client.list(PODS, { namespace: ns })).items;
  const activePods = async (): Promise<Pod[]> => (await pods()).filter((p) => !p.metadata.deletionTimestamp);
  const rsNow = (): Promise<ReplicaSet> => env.client.get(REPLICA_SETS, 'web', { namespace: ns });
  async function synced(n: number): Promise<void> {
    await until(
      `${n} pods cached`,
      () => rsc.podInformer.store.list().filter((p) => !p.metadata.deletionTimestamp).length === n,
    );
    await until('expectations', () => rsc.expectations.satisfiedExpectations(key));
  }

  it('creates missing pods from the template with a controller reference, at most burstReplicas per sync', async () => {
    const rs = await createRS(6);
    await rsc.sync(key);
    let got = await pods();
    assert.equal(got.length, 4);
    for (const p of got) {
      assert.match(p.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
      assert.equal(p.metadata.generateName, 'web-');
      assert.deepEqual(p.metadata.labels, { app: 'web', tier: 'front' });
      assert.deepEqual(getControllerOf(p), {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web',
        uid: rs.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      });
    }
    await synced(4);
    await rsc.sync(key);
    got = await pods();
    assert.equal(got.length, 6);
    await synced(6);
    await until('status cached', () => rsc.rsInformer.store.get(key)?.status?.replicas === 4);
    await rsc.sync(key);
    const status = (await rsNow()).status;
    assert.equal(status?.replicas, 6);
    assert.equal(status?.fullyLabeledReplicas, 6);
    // zero counts are omitted, as upstream's omitempty
    assert.equal(status?.readyReplicas, undefined);
    assert.equal(status?.availableReplicas, undefined);
    assert.equal(status?.observedGeneration, 1);
    const events = (await env.client.list(EVENTS, { namespace: ns })).items.filter(
      (e) => e.reason === 'SuccessfulCreate',
    );
    assert.ok(events.length > 0);
    assert.match(events[0]!.message ?? '', /^Created pod: web-[a-z0-9]{5}$/);
    assert.equal(events[0]!.source?.component, 'replicaset-controller');
  });

  it('does not create again while its creations are not yet observed', async () => {
    await createRS(3);
    rsc.expectations.expectCreations(key, 1);
    await rsc.sync(key);
    assert.equal((await pods()).length, 0);
    rsc.expectations.creationObserved(key);
    await rsc.sync(key);
    await rsc.sync(key);
    assert.equal((await pods()).length, 3);
  });

  it('counts ready and available pods (minReadySeconds) and asks to come back for the rest', async () => {
    await createRS(3, { minReadySeconds: 30 });
    await rsc.sync(key);
    await synced(3);
    const [a, b, c] = await pods();
    const longAgo = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const justNow = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    await setPodState(env.client, a!, { node: 'n1', readySince: longAgo });
    await setPodState(env.client, b!, { node: 'n1', readySince: justNow });
    await setPodState(env.client, c!, { node: 'n2' });
    await until(
      'pods ready cached',
      () => rsc.podInformer.store.list().filter((p) => p.status?.phase === 'Running').length === 3,
    );
    assert.equal(await rsc.sync(key), undefined);
    let status = (await rsNow()).status;
    assert.deepEqual([status?.replicas, status?.readyReplicas, status?.availableReplicas], [3, 2, 1]);
    await setPodState(env.client, c!, { node: 'n2', readySince: justNow });
    await until('rs status cached', () => rsc.rsInformer.store.get(key)?.status?.readyReplicas === 2);
    await until('pod ready cached', () =>
      rsc.podInformer.store
        .list()
        .every((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')),
    );
    assert.deepEqual(await rsc.sync(key), { requeueAfterMs: 30_000 });
    status = (await rsNow()).status;
    assert.deepEqual([status?.replicas, status?.readyReplicas, status?.availableReplicas], [3, 3, 1]);
  });

  it('deletes the pods upstream ranks first when scaled down, and records it', async () => {
    await createRS(4);
    await rsc.sync(key);
    await synced(4);
    const [p1, p2, p3, p4] = await pods();
    const old = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await setPodState(env.client, p1!, { node: 'n1', readySince: old });
    await setPodState(env.client, p2!, { node: 'n1', phase: 'Pending' });
    await setPodState(env.client, p3!, { node: 'n2', readySince: old });
    // p4 stays unscheduled
    await until(
      'states cached',
      () => rsc.podInformer.store.list().filter((p) => p.spec?.nodeName).length === 3,
    );
    await env.client.patch(REPLICA_SETS, 'web', { spec: { replicas: 2 } }, { type: 'merge', namespace: ns });
    await until('rs scaled in cache', () => rsc.rsInformer.store.get(key)?.spec?.replicas === 2);
    await rsc.sync(key);
    const left = (await activePods()).map((p) => p.metadata.name).sort();
    assert.deepEqual(left, [p1!.metadata.name, p3!.metadata.name].sort());
    const deleted = (await env.client.list(EVENTS, { namespace: ns })).items
      .filter((e) => e.reason === 'SuccessfulDelete')
      .map((e) => e.message)
      .sort();
    assert.deepEqual(
      deleted,
      [`Deleted pod: ${p2!.metadata.name}`, `Deleted pod: ${p4!.metadata.name}`].sort(),
    );
  });

  it('adopts matching orphans and releases pods whose labels stop matching', async () => {
    const orphan = await env.client.create(PODS, {
      metadata: { name: 'orphan', namespace: ns, labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    const rs = await createRS(1);
    await until('orphan cached', () => rsc.podInformer.store.get(`${ns}/orphan`) !== undefined);
    await rsc.sync(key);
    let all = await pods();
    assert.equal(all.length, 1);
    assert.equal(getControllerOf(all[0]!)?.uid, rs.metadata.uid);
    assert.equal(all[0]!.metadata.uid, orphan.metadata.uid);

    await env.client.patch(
      PODS,
      'orphan',
      { metadata: { labels: { app: 'other' } } },
      { type: 'merge', namespace: ns },
    );
    await until(
      'label change cached',
      () => rsc.podInformer.store.get(`${ns}/orphan`)?.metadata.labels?.['app'] === 'other',
    );
    await rsc.sync(key);
    all = await pods();
    assert.equal(all.length, 2);
    const released = all.find((p) => p.metadata.name === 'orphan')!;
    assert.deepEqual(released.metadata.ownerReferences ?? [], []);
  });

  it('reports a failed create as an event and the ReplicaFailure condition, and clears it later', async () => {
    client.allowed = 0;
    await createRS(3);
    await assert.rejects(rsc.sync(key), /exceeded quota/);
    // slow start: the first batch of one failed, nothing more was tried
    assert.equal((await pods()).length, 0);
    let rs = await rsNow();
    const cond = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'FailedCreate');
    assert.equal(cond?.message, 'pods "web-x" is forbidden: exceeded quota');
    await env.recorder('x').flush();
    await until('event', async () =>
      (await env.client.list(EVENTS, { namespace: ns })).items.some(
        (e) =>
          e.reason === 'FailedCreate' &&
          e.type === 'Warning' &&
          e.message === 'Error creating: pods "web-x" is forbidden: exceeded quota',
      ),
    );
    assert.equal(rsc.expectations.satisfiedExpectations(key), true);
    client.allowed = Infinity;
    await until('condition cached', () => rsc.rsInformer.store.get(key)?.status?.conditions !== undefined);
    await rsc.sync(key);
    rs = await rsNow();
    assert.equal(rs.status?.conditions, undefined);
    assert.equal((await pods()).length, 3);
  });

  it('runs as a controller: a new ReplicaSet gets its pods and status without manual syncs', async () => {
    const stop = new AbortController();
    const done = rsc.run(stop.signal);
    await createRS(5);
    await until('5 pods and status', async () => (await rsNow()).status?.replicas === 5);
    assert.equal((await pods()).length, 5);
    await env.client.patch(REPLICA_SETS, 'web', { spec: { replicas: 1 } }, { type: 'merge', namespace: ns });
    await until(
      'scaled down',
      async () => (await rsNow()).status?.replicas === 1 && (await activePods()).length === 1,
    );
    stop.abort();
    await done;
  });
});
