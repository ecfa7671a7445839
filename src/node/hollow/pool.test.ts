import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isStatusError } from '../../api/errors.js';
import type { KubeClient } from '../../client/client.js';
import { LEASES, NODES, PODS, type Pod } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { FakeClock } from '../../util/clock.js';
import { HollowPool, type HollowPoolOptions } from './pool.js';

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 10));
  }
}

function podSpec(
  name: string,
  nodeName: string | undefined,
  extra: Partial<Pod['metadata']> = {},
  restartPolicy = 'Always',
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...extra },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      restartPolicy,
      containers: [
        { name: 'main', image: 'app:1', resources: { requests: { cpu: '200m', memory: '100Mi' } } },
      ],
    },
  };
}

/**
 * The pod's phase from a list at resourceVersion 0 (the server's cache as it is): with the fake clock no
 * other writes follow, and a consistent read could wait on a revision the pod cache is not told about.
 */
async function podOf(client: KubeClient, name: string): Promise<Pod | undefined> {
  const list = await client.list(PODS, {
    namespace: 'default',
    fieldSelector: `metadata.name=${name}`,
    resourceVersion: '0',
  });
  return list.items[0];
}

async function phaseOf(client: KubeClient, name: string): Promise<string | undefined> {
  return (await podOf(client, name))?.status?.phase;
}

describe('HollowPool against an API server', () => {
  let ts: TestServer;
  let client: KubeClient;
  const clock = new FakeClock(Date.parse('2025-03-01T10:00:00Z'));
  let pool: HollowPool;
  const base: Omit<HollowPoolOptions, 'client'> = {
    count: 10,
    clock,
    tickMs: 1000,
    renewIntervalMs: 10_000,
    statusReportIntervalMs: 60_000,
    zones: ['a', 'b'],
    taintHollow: true,
  };

  before(async () => {
    ts = await startTestServer();
    client = ts.client;
    pool = new HollowPool({ ...base, client });
    pool.start();
    assert.equal(await pool.waitForRegistration(), true);
    assert.equal(await pool.waitForPodSync(), true);
  });

  after(async () => {
    await pool.stop();
    await ts.close();
  });

  it('registers every node, Ready, labelled and tainted as hollow', async () => {
    const { items } = await client.list(NODES, { labelSelector: 'type=hollow' });
    assert.equal(items.length, 10);
    const n1 = items.find((n) => n.metadata.name === 'hollow-node-1')!;
    assert.equal(n1.metadata.labels?.['topology.kubernetes.io/zone'], 'b');
    assert.deepEqual(n1.spec?.taints, [{ key: 'skiff.dev/node', value: 'hollow', effect: 'NoSchedule' }]);
    assert.equal(n1.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(pool.stats().registered, 10);
  });

  it('creates a Lease per node in kube-node-lease, owned by the Node', async () => {
    const leases = await until('10 leases', async () => {
      const l = await client.list(LEASES, { namespace: 'kube-node-lease' });
      return l.items.length === 10 && l.items;
    });
    const node0 = await client.get(NODES, 'hollow-node-0');
    const lease0 = leases.find((l) => l.metadata.name === 'hollow-node-0')!;
    assert.equal(lease0.spec?.holderIdentity, 'hollow-node-0');
    assert.equal(lease0.spec?.leaseDurationSeconds, 40);
    assert.equal(lease0.spec?.renewTime, '2025-03-01T10:00:00.000000Z');
    assert.deepEqual(lease0.metadata.ownerReferences, [
      { apiVersion: 'v1', kind: 'Node', name: 'hollow-node-0', uid: node0.metadata.uid },
    ]);
  });

  it('spreads node status reports over the report interval', async () => {
    const perWindow: number[] = [];
    for (let w = 0; w < 6; w++) {
      const before = pool.stats().nodeStatusWrites;
      for (let i = 0; i < 10; i++) {
        clock.advance(1000);
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 50));
      perWindow.push(pool.stats().nodeStatusWrites - before);
    }
    // Node 0 (phase 0) is due at exactly 60 s, checked in its slot a tick later.
    const total = perWindow.reduce((a, b) => a + b, 0);
    assert.ok(total >= 9 && total <= 10, `reports per 10 s: ${perWindow.join(' ')}`);
    assert.ok(Math.max(...perWindow) <= 3, `reports per 10 s: ${perWindow.join(' ')}`);
  });

  it('renews leases spread over the interval: one slot per tick', async () => {
    await until('initial leases', async () => pool.stats().leaseRenewals >= 10);
    const before = pool.stats().leaseRenewals;
    for (let i = 1; i <= 10; i++) {
      clock.advance(1000);
      await until(`renewal ${i}`, async () => pool.stats().leaseRenewals === before + i);
    }
    const renewed = await client.list(LEASES, { namespace: 'kube-node-lease' });
    const times = new Set(renewed.items.map((l) => l.spec?.renewTime));
    assert.equal(times.size, 10, 'each node renewed at its own time');
  });

  it('reports node status at least every report interval', async () => {
    const before = pool.stats().nodeStatusWrites;
    for (let i = 0; i < 60; i++) clock.advance(1000);
    await until('status reports', async () => pool.stats().nodeStatusWrites >= before + 10);
    const n = await client.get(NODES, 'hollow-node-3');
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    assert.notEqual(ready?.lastHeartbeatTime, ready?.lastTransitionTime);
  });

  it('runs a pod created with nodeName: Running, Ready, IPs from the node', async () => {
    await client.create(PODS, podSpec('direct', 'hollow-node-2'));
    await until('Running', async () => (await phaseOf(client, 'direct')) === 'Running');
    const p = (await podOf(client, 'direct'))!;
    assert.equal(p.status?.hostIP, '172.16.0.3');
    assert.match(p.status?.podIP ?? '', /^10\.0\.2\.\d+$/);
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(p.status?.containerStatuses?.[0]?.ready, true);
    assert.equal(p.status?.qosClass, 'Burstable');
  });

  it('runs a pod bound later through pods/binding', async () => {
    await client.create(PODS, podSpec('bound', undefined));
    await client.bindPod('default', 'bound', 'hollow-node-4');
    await until('Running', async () => (await phaseOf(client, 'bound')) === 'Running');
    const p = (await podOf(client, 'bound'))!;
    const scheduled = p.status?.conditions?.filter((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.length, 1);
  });

  it('leaves pods of other nodes alone', async () => {
    await client.create(PODS, podSpec('elsewhere', 'real-node'));
    await client.create(PODS, podSpec('marker', 'hollow-node-5'));
    await until('marker Running', async () => (await phaseOf(client, 'marker')) === 'Running');
    assert.equal(await phaseOf(client, 'elsewhere'), 'Pending');
  });

  it('completes a pod after its complete-after time', async () => {
    await client.create(
      PODS,
      podSpec('job', 'hollow-node-6', { annotations: { 'skiff.dev/complete-after': '30s' } }, 'Never'),
    );
    await until('Running', async () => (await phaseOf(client, 'job')) === 'Running');
    clock.advance(29_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await phaseOf(client, 'job'), 'Running');
    clock.advance(2000);
    await until('Succeeded', async () => (await phaseOf(client, 'job')) === 'Succeeded');
    const p = (await podOf(client, 'job'))!;
    assert.equal(p.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  });

  it('fails a pod after its fail-after time', async () => {
    await client.create(
      PODS,
      podSpec('crash', 'hollow-node-6', { annotations: { 'skiff.dev/fail-after': '5s' } }, 'Never'),
    );
    await until('Running', async () => (await phaseOf(client, 'crash')) === 'Running');
    clock.advance(6000);
    await until('Failed', async () => (await phaseOf(client, 'crash')) === 'Failed');
  });

  it('finishes a graceful deletion at once', async () => {
    await client.create(PODS, podSpec('doomed', 'hollow-node-7'));
    await until('Running', async () => (await phaseOf(client, 'doomed')) === 'Running');
    const answer = await client.delete(PODS, 'doomed', { namespace: 'default' });
    assert.ok(
      'metadata' in answer && answer.metadata && 'deletionTimestamp' in answer.metadata,
      'graceful delete',
    );
    await until('gone', async () => (await podOf(client, 'doomed')) === undefined);
  });

  it('simulates usage from requests and annotations', async () => {
    await client.create(
      PODS,
      podSpec('busy', 'hollow-node-8', { annotations: { 'skiff.dev/usage-cpu': '750m' } }),
    );
    await client.create(PODS, podSpec('idle', 'hollow-node-8'));
    await until(
      'both Running',
      async () =>
        (await phaseOf(client, 'busy')) === 'Running' && (await phaseOf(client, 'idle')) === 'Running',
    );
    await until('usage known', async () => (pool.nodeUsage('hollow-node-8')?.pods.length ?? 0) === 2);
    const usage = pool.nodeUsage('hollow-node-8')!;
    const byName = new Map(usage.pods.map((p) => [p.name, p]));
    assert.equal(byName.get('busy')?.cpuMilli, 750);
    assert.equal(byName.get('idle')?.cpuMilli, 100);
    assert.equal(byName.get('idle')?.memoryBytes, 50 * 1024 * 1024);
    assert.equal(pool.nodeUsage('not-mine'), undefined);
  });

  it('stops heartbeating a node whose object was deleted', async () => {
    await client.delete(NODES, 'hollow-node-9');
    for (let i = 0; i < 60; i++) clock.advance(1000);
    await until('node 9 dropped', async () => {
      const writes = pool.stats().nodeStatusWrites;
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 20));
      return pool.stats().nodeStatusWrites === writes;
    });
    await assert.rejects(client.get(NODES, 'hollow-node-9'), (err) => isStatusError(err, 'NotFound'));
  });

  it('a restarted pool takes over its nodes and pods without rewriting them', async () => {
    await pool.stop();
    const before = (await podOf(client, 'direct'))!;
    pool = new HollowPool({ ...base, count: 9, client, taintHollow: false, labels: { generation: '2' } });
    pool.start();
    assert.equal(await pool.waitForRegistration(), true);
    await pool.waitForPodSync();
    const n = await client.get(NODES, 'hollow-node-2');
    assert.equal(n.metadata.labels?.['generation'], '2');
    assert.equal(n.spec?.taints, undefined);
    await client.create(PODS, podSpec('after-restart', 'hollow-node-2'));
    await until('Running', async () => (await phaseOf(client, 'after-restart')) === 'Running');
    const fresh = (await podOf(client, 'after-restart'))!;
    const after = (await podOf(client, 'direct'))!;
    assert.equal(
      after.metadata.resourceVersion,
      before.metadata.resourceVersion,
      'running pod not rewritten',
    );
    assert.notEqual(fresh.status?.podIP, before.status?.podIP, 'its IP stays reserved');
  });
});
