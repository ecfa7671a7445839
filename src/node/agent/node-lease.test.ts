import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LEASES, NODES } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { FakeClock } from '../../util/clock.js';
import type { MachineInfo, ResourceSample } from './machine.js';
import { NODE_LEASE_NAMESPACE, NodeLease } from './node-lease.js';
import { NodeStatusReporter } from './node-status.js';
import { RecordedEvents } from './testing.js';

let ts: TestServer;
before(async () => {
  ts = await startTestServer();
});
after(async () => {
  await ts.close();
});

async function settle(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe('NodeLease', () => {
  it('creates the Lease, renews it every interval, and recovers from a conflicting write', async () => {
    const clock = new FakeClock();
    const lease = new NodeLease({ client: ts.client, clock, nodeName: 'lease-node', nodeUid: 'u-1' });
    await lease.start();
    let l = await ts.client.get(LEASES, 'lease-node', { namespace: NODE_LEASE_NAMESPACE });
    assert.equal(l.spec?.holderIdentity, 'lease-node');
    assert.equal(l.spec?.leaseDurationSeconds, 40);
    assert.equal(l.spec?.renewTime, '2024-01-01T00:00:00.000000Z');
    assert.deepEqual(l.metadata.ownerReferences, [
      { apiVersion: 'v1', kind: 'Node', name: 'lease-node', uid: 'u-1' },
    ]);
    await settle(clock, 10_000);
    await lease.stop().catch(() => undefined);
    l = await ts.client.get(LEASES, 'lease-node', { namespace: NODE_LEASE_NAMESPACE });
    assert.equal(l.spec?.renewTime, '2024-01-01T00:00:10.000000Z');
    assert.equal(lease.renewals, 2);

    // Someone else writes the Lease: the next renewal conflicts, re-reads and still renews.
    const other = new NodeLease({ client: ts.client, clock, nodeName: 'lease-node' });
    const again = new NodeLease({ client: ts.client, clock, nodeName: 'lease-node', renewIntervalMs: 1000 });
    await again.start();
    await settle(clock, 5000);
    await other.renew();
    await settle(clock, 1000);
    await again.stop();
    l = await ts.client.get(LEASES, 'lease-node', { namespace: NODE_LEASE_NAMESPACE });
    assert.equal(l.spec?.renewTime, '2024-01-01T00:00:16.000000Z');
  });
});

const machine: MachineInfo = {
  hostname: 'rep',
  cpus: 2,
  memoryBytes: 4 * 2 ** 30,
  ephemeralStorageBytes: 10 * 2 ** 30,
  osImage: 'x',
  kernelVersion: 'k',
  architecture: 'amd64',
  operatingSystem: 'linux',
  machineID: 'm',
  systemUUID: 's',
  bootID: 'b',
  internalIP: '10.0.0.1',
};

describe('NodeStatusReporter', () => {
  it('registers, writes on change, and otherwise only every report period', async () => {
    const clock = new FakeClock();
    let sample: ResourceSample = {
      memoryCapacityBytes: 4 * 2 ** 30,
      memoryAvailableBytes: 2 ** 30,
      fsCapacityBytes: 100,
      fsAvailableBytes: 50,
      inodes: 100,
      inodesFree: 50,
      pidMax: 1000,
      pidsInUse: 1,
    };
    const events = new RecordedEvents();
    const r = new NodeStatusReporter({
      client: ts.client,
      clock,
      machine,
      config: { nodeName: 'rep', kubeletPort: 10250, containerRuntimeVersion: 'skiff-fake://0.1.0' },
      sample: () => sample,
      events,
    });
    await r.register();
    assert.equal(r.writes, 1);
    assert.ok(events.has('Starting', 'Starting kubelet.'));
    assert.ok(events.has('NodeReady', 'Node rep status is now: NodeReady'));
    assert.ok(events.has('NodeHasSufficientMemory'));
    clock.advance(10_000);
    assert.equal(await r.sync(), false, 'nothing changed');
    sample = { ...sample, memoryAvailableBytes: 1 };
    clock.advance(10_000);
    assert.equal(await r.sync(), true, 'memory pressure is a change');
    assert.ok(events.has('NodeHasInsufficientMemory'));
    let node = await ts.client.get(NODES, 'rep');
    assert.equal(node.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status, 'True');
    clock.advance(200_000);
    assert.equal(await r.sync(), false);
    clock.advance(100_000);
    assert.equal(await r.sync(), true, 'five minutes since the last report');
    node = await ts.client.get(NODES, 'rep');
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.lastHeartbeatTime, '2024-01-01T00:05:20Z');
    assert.equal(ready?.lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(r.writes, 3);
    await r.stop();
  });

  it('re-registration keeps the Node and updates its labels', async () => {
    const clock = new FakeClock();
    const base = {
      client: ts.client,
      clock,
      machine: { ...machine, hostname: 'rereg' },
      sample: () => ({
        memoryCapacityBytes: 1,
        memoryAvailableBytes: 2 ** 30,
        fsCapacityBytes: 1,
        fsAvailableBytes: 1,
        inodes: 0,
        inodesFree: 0,
        pidMax: 1000,
        pidsInUse: 1,
      }),
    };
    const first = await new NodeStatusReporter({
      ...base,
      config: { nodeName: 'rereg', kubeletPort: 1, containerRuntimeVersion: 'x' },
    }).register();
    const second = await new NodeStatusReporter({
      ...base,
      config: { nodeName: 'rereg', kubeletPort: 2, containerRuntimeVersion: 'x', labels: { zone: 'b' } },
    }).register();
    assert.equal(second.metadata.uid, first.metadata.uid);
    assert.equal(second.metadata.labels?.['zone'], 'b');
    assert.equal(second.status?.daemonEndpoints?.kubeletEndpoint?.Port, 2);
  });
});
