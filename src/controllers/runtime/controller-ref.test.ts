import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { selectorFromSet } from '../../api/labels.js';
import type { OwnerReference } from '../../api/object.js';
import { NAMESPACES, PODS, type Pod, REPLICA_SETS, type ReplicaSet } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import {
  ControllerRefManager,
  getControllerOf,
  isControlledBy,
  newControllerRef,
  recheckDeletionTimestamp,
} from './controller-ref.js';

const ref = (uid: string, controller?: boolean): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: `rs-${uid}`,
  uid,
  ...(controller === undefined ? {} : { controller }),
});

describe('owner reference helpers', () => {
  const cases: Array<{ name: string; refs: OwnerReference[]; want: string | undefined }> = [
    { name: 'no references', refs: [], want: undefined },
    { name: 'only non-controller references', refs: [ref('a'), ref('b', false)], want: undefined },
    { name: 'the controller one among others', refs: [ref('a'), ref('b', true)], want: 'b' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = { metadata: { name: 'p', ownerReferences: c.refs } } as Pod;
      assert.equal(getControllerOf(pod)?.uid, c.want);
      assert.equal(isControlledBy(pod, { metadata: { uid: 'b' } }), c.want === 'b');
    });
  }

  it('newControllerRef sets controller and blockOwnerDeletion', () => {
    assert.deepEqual(
      newControllerRef(
        { metadata: { name: 'web', uid: 'u' } },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
      ),
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web',
        uid: 'u',
        controller: true,
        blockOwnerDeletion: true,
      },
    );
  });
});

describe('ControllerRefManager', () => {
  let ts: TestServer;
  let rs: ReplicaSet;
  let other: ReplicaSet;

  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  };
  async function pod(name: string, labels: Record<string, string>, owner?: ReplicaSet): Promise<Pod> {
    return ts.client.create(PODS, {
      metadata: {
        name,
        namespace: 'ns',
        labels,
        ...(owner
          ? { ownerReferences: [newControllerRef(owner, { apiVersion: 'apps/v1', kind: 'ReplicaSet' })] }
          : {}),
      },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
  }

  before(async () => {
    ts = await startTestServer();
    await ts.client.create(NAMESPACES, { metadata: { name: 'ns' } });
    const mk = (name: string) =>
      ts.client.create(REPLICA_SETS, {
        metadata: { name, namespace: 'ns' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template },
      });
    rs = await mk('web');
    other = await mk('other');
  });
  after(async () => {
    await ts.close();
  });

  function manager(controller: ReplicaSet): ControllerRefManager<ReplicaSet, Pod> {
    return new ControllerRefManager({
      client: ts.client,
      controller,
      controllerResource: REPLICA_SETS,
      resource: PODS,
      selector: selectorFromSet({ app: 'web' }),
      canAdopt: recheckDeletionTimestamp(ts.client, REPLICA_SETS, controller),
    });
  }

  it('adopts matching orphans, keeps its own, releases non-matching, ignores others', async () => {
    const pods = [
      await pod('orphan-match', { app: 'web' }),
      await pod('orphan-nomatch', { app: 'db' }),
      await pod('owned-match', { app: 'web' }, rs),
      await pod('owned-nomatch', { app: 'db' }, rs),
      await pod('other-owned', { app: 'web' }, other),
    ];
    const { claimed, errors } = await manager(rs).claim(pods);
    assert.deepEqual(errors, []);
    assert.deepEqual(claimed.map((p) => p.metadata.name).sort(), ['orphan-match', 'owned-match']);
    const get = (n: string) => ts.client.get(PODS, n, { namespace: 'ns' });
    assert.equal(getControllerOf(await get('orphan-match'))?.uid, rs.metadata.uid);
    assert.equal(getControllerOf(await get('orphan-nomatch')), undefined);
    assert.deepEqual((await get('owned-nomatch')).metadata.ownerReferences ?? [], []);
    assert.equal(getControllerOf(await get('other-owned'))?.uid, other.metadata.uid);
  });

  it('a controller being deleted neither adopts nor releases', async () => {
    const dying = { ...rs, metadata: { ...rs.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    const pods = [await pod('o2', { app: 'web' }), await pod('n2', { app: 'db' }, rs)];
    const { claimed } = await manager(dying).claim(pods);
    assert.deepEqual(claimed, []);
    assert.equal(getControllerOf(await ts.client.get(PODS, 'o2', { namespace: 'ns' })), undefined);
    assert.equal(getControllerOf(await ts.client.get(PODS, 'n2', { namespace: 'ns' }))?.uid, rs.metadata.uid);
  });

  it('does not adopt when the fresh read shows another uid, or for a pod that is being deleted', async () => {
    const stale = { ...rs, metadata: { ...rs.metadata, uid: 'not-the-uid' } };
    const p = await pod('o3', { app: 'web' });
    const { claimed, errors } = await manager(stale).claim([p]);
    assert.deepEqual(claimed, []);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /is gone: got uid/);
    const deleting = { ...p, metadata: { ...p.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    assert.deepEqual((await manager(rs).claim([deleting])).claimed, []);
  });

  it('a pod deleted meanwhile is simply not claimed', async () => {
    const p = await pod('gone', { app: 'web' });
    await ts.client.delete(PODS, 'gone', { namespace: 'ns', gracePeriodSeconds: 0 });
    const { claimed, errors } = await manager(rs).claim([p]);
    assert.deepEqual(claimed, []);
    assert.deepEqual(errors, []);
  });
});
