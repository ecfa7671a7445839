import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStatusError } from '../../api/errors.js';
import { CONFIG_MAPS, EVENTS, LEASES, NODES, PODS, type Pod } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { systemClock } from '../../util/clock.js';
import { NodeAgent } from './agent.js';
import type { MachineInfo } from './machine.js';
import { FakeRuntime, ScriptedProber } from './testing.js';

const dataRoot = mkdtempSync(join(tmpdir(), 'skiff-agent-'));
let ts: TestServer;

const machine: MachineInfo = {
  hostname: 'node-a',
  cpus: 4,
  memoryBytes: 8 * 2 ** 30,
  ephemeralStorageBytes: 50 * 2 ** 30,
  osImage: 'Test OS',
  kernelVersion: '6.0.0',
  architecture: 'amd64',
  operatingSystem: 'linux',
  machineID: 'mid',
  systemUUID: 'suuid',
  bootID: 'bid',
  internalIP: '10.1.0.7',
};

before(async () => {
  ts = await startTestServer();
});
after(async () => {
  await ts.close();
  rmSync(dataRoot, { recursive: true, force: true });
});

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`condition not met: ${last instanceof Error ? last.message : 'timeout'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function newAgent(runtime: FakeRuntime, name = 'node-a'): NodeAgent {
  return new NodeAgent({
    client: ts.client,
    runtime,
    nodeName: name,
    dataDir: join(dataRoot, name),
    clock: systemClock,
    machine: { ...machine, hostname: name },
    sample: () => ({
      memoryCapacityBytes: 8 * 2 ** 30,
      memoryAvailableBytes: 4 * 2 ** 30,
      fsCapacityBytes: 100,
      fsAvailableBytes: 50,
      inodes: 100,
      inodesFree: 50,
      pidMax: 1000,
      pidsInUse: 10,
    }),
    node: {
      kubeletPort: 10777,
      labels: { 'topology.kubernetes.io/zone': 'z1' },
      gpus: { count: 1, memoryBytesPerDevice: 2 ** 34 },
    },
    probeRunner: new ScriptedProber(),
    statusBatchMs: 10,
    leaseRenewIntervalMs: 200,
  });
}

function pod(name: string, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: 'node-a',
      terminationGracePeriodSeconds: 5,
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
      ...extra,
    },
  };
}

describe('NodeAgent against an API server', () => {
  const runtime = new FakeRuntime(systemClock);
  let agent: NodeAgent;

  it('registers the Node with labels, resources, nodeInfo and conditions', async () => {
    agent = newAgent(runtime);
    await agent.start();
    const node = await ts.client.get(NODES, 'node-a');
    assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'node-a');
    assert.equal(node.metadata.labels?.['kubernetes.io/arch'], 'amd64');
    assert.equal(node.metadata.labels?.['topology.kubernetes.io/zone'], 'z1');
    assert.equal(node.status?.capacity?.['cpu'], '4');
    assert.equal(node.status?.capacity?.['pods'], '110');
    assert.equal(node.status?.allocatable?.['nvidia.com/gpu'], '1');
    assert.equal(node.status?.allocatable?.['koordinator.sh/gpu-memory'], '16Gi');
    assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.32.4-skiff');
    assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10777);
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(node.status?.addresses?.[0], { type: 'InternalIP', address: '10.1.0.7' });
  });

  it('keeps a Lease in kube-node-lease, owned by the Node', async () => {
    const first = await ts.client.get(LEASES, 'node-a', { namespace: 'kube-node-lease' });
    assert.equal(first.spec?.holderIdentity, 'node-a');
    assert.equal(first.spec?.leaseDurationSeconds, 40);
    assert.equal(first.metadata.ownerReferences?.[0]?.kind, 'Node');
    await until(async () => {
      const l = await ts.client.get(LEASES, 'node-a', { namespace: 'kube-node-lease' });
      return l.spec?.renewTime !== first.spec?.renewTime;
    });
  });

  it('runs a bound pod: Running, Ready, IPs, events', async () => {
    await ts.client.create(CONFIG_MAPS, {
      metadata: { name: 'settings', namespace: 'default' },
      data: { level: 'debug' },
    });
    const created = await ts.client.create(
      PODS,
      pod('web', {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sleep', '3600'],
            env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } }],
          },
        ],
      }),
    );
    const uid = created.metadata.uid!;
    const p = await until(async () => {
      const x = await ts.client.get(PODS, 'web', { namespace: 'default' });
      return x.status?.phase === 'Running' &&
        x.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? x
        : undefined;
    });
    assert.equal(p.status?.podIP, '10.0.0.5');
    assert.equal(p.status?.hostIP, '10.1.0.7');
    assert.ok(p.status?.startTime);
    assert.equal(p.status?.qosClass, 'BestEffort');
    const cs = runtime.running(uid, 'main')!;
    assert.equal(runtime.configOf(cs.id)!.env['LEVEL'], 'debug');
    await until(async () => {
      const events = await ts.client.list(EVENTS, { namespace: 'default' });
      const reasons = events.items.filter((e) => e.involvedObject.name === 'web').map((e) => e.reason);
      return reasons.includes('Started') && reasons.includes('Pulled');
    });
    const ev = (await ts.client.list(EVENTS, { namespace: 'default' })).items.find(
      (e) => e.reason === 'Started',
    )!;
    assert.equal(ev.source?.component, 'kubelet');
    assert.equal(ev.source?.host, 'node-a');
  });

  it('deletes a pod gracefully and removes the object', async () => {
    const uid = (await ts.client.get(PODS, 'web', { namespace: 'default' })).metadata.uid!;
    await ts.client.delete(PODS, 'web', { namespace: 'default' });
    await until(async () => {
      try {
        await ts.client.get(PODS, 'web', { namespace: 'default' });
        return false;
      } catch (err) {
        return isStatusError(err) && err.code === 404;
      }
    });
    assert.ok(runtime.calls.includes('stopContainer main grace=5'));
    await until(() =>
      Promise.resolve(runtime.listContainers(uid).length === 0 && !runtime.sandboxes.has(uid)),
    );
  });

  it('after a restart, adopts running containers instead of restarting them', async () => {
    const created = await ts.client.create(PODS, pod('keep'));
    const uid = created.metadata.uid!;
    await until(
      async () => (await ts.client.get(PODS, 'keep', { namespace: 'default' })).status?.phase === 'Running',
    );
    const before = runtime.running(uid, 'main')!.id;
    await agent.stop();
    assert.ok(runtime.running(uid, 'main'), 'stop leaves pods running');
    const starts = runtime.calls.filter((c) => c.startsWith('startContainer')).length;
    agent = newAgent(runtime);
    await agent.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(runtime.running(uid, 'main')!.id, before);
    assert.equal(runtime.calls.filter((c) => c.startsWith('startContainer')).length, starts);
    await agent.stop();
  });
});
