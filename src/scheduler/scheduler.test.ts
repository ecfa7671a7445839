import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../client/client.js';
import { EVENTS, NODES, PODS, type Pod as ClientPod } from '../client/resources.js';
import { startTestServer, type TestServer } from '../client/testing.js';
import { parseConfiguration } from './config.js';
import type { Node, Pod } from './framework/types.js';
import { Scheduler } from './scheduler.js';
import { makeNode, makePod } from './testing/wrappers.js';

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function createNode(client: KubeClient, node: Node): Promise<void> {
  const { status, ...rest } = node;
  const created = await client.create(NODES, {
    ...rest,
    metadata: { name: node.metadata.name!, labels: node.metadata.labels },
  });
  await client.updateStatus(NODES, { ...created, status });
}

async function createPod(client: KubeClient, pod: Pod): Promise<void> {
  const { uid: _uid, ...metadata } = pod.metadata;
  const spec =
    pod.spec!.containers.length > 0 ? pod.spec : { ...pod.spec, containers: [{ name: 'c', image: 'image' }] };
  await client.create(PODS, { ...pod, metadata, spec, status: undefined } as unknown as ClientPod);
}

async function nodeOf(client: KubeClient, name: string, ns = 'default'): Promise<string | undefined> {
  const p = await client.get(PODS, name, { namespace: ns });
  return p.spec?.nodeName || undefined;
}

async function withScheduler(
  fn: (ts: TestServer, sched: Scheduler) => Promise<void>,
  config?: string,
): Promise<void> {
  const ts = await startTestServer();
  const sched = new Scheduler({
    client: ts.client,
    ...(config ? { config: parseConfiguration(config) } : {}),
  });
  const stop = new AbortController();
  const running = sched.run(stop.signal);
  try {
    await fn(ts, sched);
  } finally {
    stop.abort();
    await running;
    await ts.close();
  }
}

test('binds pods through the API where they fit, with a Scheduled event', async () => {
  await withScheduler(async ({ client }) => {
    await createNode(client, makeNode().name('small').capacity({ cpu: '1', memory: '2Gi', pods: 10 }).obj());
    await createNode(client, makeNode().name('big').capacity({ cpu: '8', memory: '16Gi', pods: 10 }).obj());
    await createPod(client, makePod().name('needs-2').container({ cpu: '2', memory: '1Gi' }).obj());
    assert.equal(await until('binding', () => nodeOf(client, 'needs-2')), 'big');
    const events = await until('event', async () => {
      const list = await client.list(EVENTS, { namespace: 'default' });
      return list.items.find((e) => e.reason === 'Scheduled');
    });
    assert.equal(events.message, 'Successfully assigned default/needs-2 to big');
    assert.equal(events.source?.component, 'default-scheduler');
  });
});

test('an impossible pod gets PodScheduled=False and FailedScheduling; a new node lets it bind', async () => {
  await withScheduler(async ({ client }, sched) => {
    await createNode(client, makeNode().name('n1').capacity({ cpu: '1', memory: '2Gi', pods: 10 }).obj());
    await createPod(client, makePod().name('huge').container({ cpu: '4' }).obj());
    const cond = await until('condition', async () => {
      const p = await client.get(PODS, 'huge', { namespace: 'default' });
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled');
    });
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'Unschedulable');
    assert.match(cond.message ?? '', /^0\/1 nodes are available: 1 Insufficient cpu\./);
    const ev = await until('event', async () => {
      const list = await client.list(EVENTS, { namespace: 'default' });
      return list.items.find((e) => e.reason === 'FailedScheduling');
    });
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message ?? '', /Insufficient cpu/);
    assert.equal(sched.queue.whereIs(makePod().name('huge').obj()), 'unschedulable');
    await createNode(client, makeNode().name('n2').capacity({ cpu: '8', memory: '2Gi', pods: 10 }).obj());
    assert.equal(await until('binding after node add', () => nodeOf(client, 'huge')), 'n2');
  });
});

test('pods for another scheduler are left alone; profiles from the config are used', async () => {
  const config = `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
  - schedulerName: packer
    pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy:
            type: MostAllocated
            resources:
              - name: cpu
                weight: 1
`;
  await withScheduler(async ({ client }) => {
    await createNode(client, makeNode().name('a').capacity({ cpu: '4', memory: '8Gi', pods: 10 }).obj());
    await createNode(client, makeNode().name('b').capacity({ cpu: '4', memory: '8Gi', pods: 10 }).obj());
    await createPod(client, makePod().name('first').container({ cpu: '2', memory: '1Gi' }).node('a').obj());
    await createPod(
      client,
      makePod().name('packed').schedulerName('packer').container({ cpu: '1', memory: '1Gi' }).obj(),
    );
    await createPod(client, makePod().name('other').schedulerName('someone-else').obj());
    assert.equal(await until('packed', () => nodeOf(client, 'packed')), 'a');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await nodeOf(client, 'other'), undefined);
  }, config);
});

test('many pods bind concurrently and the cache accounts for all of them', async () => {
  await withScheduler(async ({ client }, sched) => {
    for (let i = 0; i < 5; i++) {
      await createNode(
        client,
        makeNode().name(`n${i}`).capacity({ cpu: '2', memory: '8Gi', pods: 110 }).obj(),
      );
    }
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        createPod(client, makePod().name(`p${i}`).container({ cpu: '200m', memory: '100Mi' }).obj()),
      ),
    );
    await until('all bound', async () => (sched.stats.scheduled === 50 ? true : undefined));
    const pods = await client.list(PODS, { namespace: 'default' });
    const perNode = new Map<string, number>();
    for (const p of pods.items) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    assert.equal(
      [...perNode.values()].reduce((a, b) => a + b, 0),
      50,
    );
    for (const n of perNode.values()) assert.ok(n <= 10, 'no node over its 2 CPUs');
    await until('assumed pods confirmed', async () =>
      sched.cache.assumedPodCount() === 0 ? true : undefined,
    );
  });
});

test('finished pods stop counting on their node', async () => {
  await withScheduler(async ({ client }) => {
    await createNode(client, makeNode().name('n1').capacity({ cpu: '1', memory: '2Gi', pods: 10 }).obj());
    await createPod(client, makePod().name('job').container({ cpu: '800m' }).node('n1').obj());
    await createPod(client, makePod().name('waiting').container({ cpu: '500m' }).obj());
    const cond = await until('condition', async () => {
      const p = await client.get(PODS, 'waiting', { namespace: 'default' });
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled');
    });
    assert.equal(cond.reason, 'Unschedulable');
    const job = await client.get(PODS, 'job', { namespace: 'default' });
    await client.updateStatus(PODS, { ...job, status: { ...job.status, phase: 'Succeeded' } });
    assert.equal(await until('binding after the job finished', () => nodeOf(client, 'waiting')), 'n1');
  });
});
