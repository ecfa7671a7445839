import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { LEASES, NODES, PODS, REPLICA_SETS } from '../client/resources.js';
import { startTestServer, type TestServer } from '../client/testing.js';
import { startThread, type RunningThread, type ThreadJob } from './threads.js';

const log = pino({ level: 'silent' });

async function until<T>(what: string, get: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('control loops in worker threads', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
    const node = await ts.client.create(NODES, {
      metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
    });
    await ts.client.updateStatus(NODES, {
      ...node,
      status: {
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  });
  after(() => ts.close());
  const start = (job: ThreadJob): RunningThread =>
    startThread({ job, server: ts.server, logger: log, logLevel: 'silent' });

  it('the scheduler binds pods from its thread, reports its stats, and stops', async () => {
    const thread = start({ kind: 'scheduler' });
    try {
      await ts.client.create(PODS, {
        metadata: { name: 'p1', namespace: 'default' },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      });
      const bound = await until('the binding', async () => {
        const p = await ts.client.get(PODS, 'p1', { namespace: 'default' });
        return p.spec?.nodeName || undefined;
      });
      assert.equal(bound, 'n1');
      const stats = (await thread.stats()) as { scheduled: number };
      assert.ok(stats.scheduled >= 1, JSON.stringify(stats));
      // The leader holds the scheduler's Lease through the same transport.
      const lease = await ts.client.get(LEASES, 'kube-scheduler', { namespace: 'kube-system' });
      assert.ok(lease.spec?.holderIdentity);
    } finally {
      const t = performance.now();
      await thread.stop();
      assert.ok(performance.now() - t < 5000, 'stops without waiting for the grace period');
    }
    assert.equal(ts.server.registry.watcherCount, 0, 'its watches ended with it');
    assert.equal(await thread.stats(), undefined);
  });

  it("the controller manager creates a ReplicaSet's pods from its thread", async () => {
    const thread = start({ kind: 'controllers', controllers: ['replicaset'] });
    try {
      await ts.client.create(REPLICA_SETS, {
        metadata: { name: 'rs', namespace: 'default' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'rs' } },
          template: {
            metadata: { labels: { app: 'rs' } },
            spec: { containers: [{ name: 'c', image: 'i' }] },
          },
        },
      });
      const pods = await until('two pods', async () => {
        const list = await ts.client.list(PODS, { namespace: 'default', labelSelector: 'app=rs' });
        return list.items.length === 2 ? list.items : undefined;
      });
      assert.deepEqual(
        pods.map((p) => p.metadata.ownerReferences?.[0]?.name),
        ['rs', 'rs'],
      );
      const stats = await thread.stats();
      assert.deepEqual(Object.keys(stats ?? {}), ['threadCpuMs'], 'the controller manager has no counters');
    } finally {
      await thread.stop();
    }
  });
});
