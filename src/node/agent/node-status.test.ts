import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MachineInfo, ResourceSample } from './machine.js';
import { goArch, meminfoBytes, parseOsRelease, readMachineInfo } from './machine.js';
import {
  DEFAULT_EVICTION_HARD,
  KUBELET_VERSION,
  nodeAllocatable,
  nodeCapacity,
  nodeConditions,
  nodeLabels,
  nodeStatus,
  type NodeConfig,
} from './node-status.js';

const GiB = 2 ** 30;
const machine: MachineInfo = {
  hostname: 'box',
  cpus: 8,
  memoryBytes: 16 * GiB,
  ephemeralStorageBytes: 100 * GiB,
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  kernelVersion: '6.1.0',
  architecture: 'amd64',
  operatingSystem: 'linux',
  machineID: 'm',
  systemUUID: 's',
  bootID: 'b',
  internalIP: '192.168.1.10',
};
const config: NodeConfig = {
  nodeName: 'box',
  kubeletPort: 10250,
  containerRuntimeVersion: 'skiff-process://0.1.0',
};

const healthy: ResourceSample = {
  memoryCapacityBytes: 16 * GiB,
  memoryAvailableBytes: 8 * GiB,
  fsCapacityBytes: 100 * GiB,
  fsAvailableBytes: 50 * GiB,
  inodes: 1_000_000,
  inodesFree: 900_000,
  pidMax: 4_194_304,
  pidsInUse: 500,
};

describe('node resources', () => {
  it('capacity from the machine; allocatable minus reservations and hard eviction', () => {
    assert.deepEqual(nodeCapacity(machine, config), {
      cpu: '8',
      'ephemeral-storage': `${100 * 2 ** 20}Ki`,
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      memory: `${16 * 2 ** 20}Ki`,
      pods: '110',
    });
    const alloc = nodeAllocatable(machine, {
      ...config,
      systemReserved: { cpu: '500m', memory: '1Gi' },
      kubeReserved: { cpu: '250m', memory: '512Mi', 'ephemeral-storage': '1Gi' },
    });
    assert.equal(alloc['cpu'], '7250m');
    assert.equal(alloc['memory'], `${(16 * GiB - 1.5 * GiB - 100 * 2 ** 20) / 1024}Ki`);
    assert.equal(alloc['ephemeral-storage'], String(100 * GiB - GiB - 10 * GiB));
    assert.equal(alloc['pods'], '110');
  });

  it('GPUs from flags: whole devices, Koordinator core and total memory', () => {
    const cap = nodeCapacity(machine, { ...config, gpus: { count: 2, memoryBytesPerDevice: 16 * GiB } });
    assert.equal(cap['nvidia.com/gpu'], '2');
    assert.equal(cap['koordinator.sh/gpu-core'], '200');
    assert.equal(cap['koordinator.sh/gpu-memory'], '32Gi');
    const alloc = nodeAllocatable(machine, { ...config, gpus: { count: 2, memoryBytesPerDevice: 16 * GiB } });
    assert.equal(alloc['koordinator.sh/gpu-memory'], '32Gi');
  });

  it('labels as the kubelet sets them', () => {
    assert.deepEqual(nodeLabels(machine, { ...config, instanceType: 'm5.large', labels: { zone: 'a' } }), {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'box',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'm5.large',
      'beta.kubernetes.io/instance-type': 'm5.large',
      zone: 'a',
    });
  });

  it('status: addresses, kubelet port, nodeInfo', () => {
    const s = nodeStatus(machine, { ...config, kubeletPort: 10555 }, []);
    assert.deepEqual(s.addresses, [
      { type: 'InternalIP', address: '192.168.1.10' },
      { type: 'Hostname', address: 'box' },
    ]);
    assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10555 } });
    assert.equal(s.nodeInfo?.kubeletVersion, KUBELET_VERSION);
    assert.equal(s.nodeInfo?.containerRuntimeVersion, 'skiff-process://0.1.0');
    assert.equal(s.nodeInfo?.osImage, 'Debian GNU/Linux 12 (bookworm)');
  });
});

describe('nodeConditions', () => {
  const now = new Date('2024-01-01T00:00:00Z');
  const summary = (sample: ResourceSample): string[] =>
    nodeConditions(sample, DEFAULT_EVICTION_HARD, undefined, now).map(
      (c) => `${c.type}=${c.status}:${c.reason}`,
    );
  const cases: Array<{ name: string; sample: ResourceSample; want: string[] }> = [
    {
      name: 'healthy',
      sample: healthy,
      want: [
        'MemoryPressure=False:KubeletHasSufficientMemory',
        'DiskPressure=False:KubeletHasNoDiskPressure',
        'PIDPressure=False:KubeletHasSufficientPID',
        'Ready=True:KubeletReady',
      ],
    },
    {
      name: 'memory.available < 100Mi',
      sample: { ...healthy, memoryAvailableBytes: 99 * 2 ** 20 },
      want: [
        'MemoryPressure=True:KubeletHasInsufficientMemory',
        'DiskPressure=False:KubeletHasNoDiskPressure',
        'PIDPressure=False:KubeletHasSufficientPID',
        'Ready=True:KubeletReady',
      ],
    },
    {
      name: 'nodefs.available < 10%',
      sample: { ...healthy, fsAvailableBytes: 9 * GiB },
      want: [
        'MemoryPressure=False:KubeletHasSufficientMemory',
        'DiskPressure=True:KubeletHasDiskPressure',
        'PIDPressure=False:KubeletHasSufficientPID',
        'Ready=True:KubeletReady',
      ],
    },
    {
      name: 'nodefs.inodesFree < 5%',
      sample: { ...healthy, inodesFree: 40_000 },
      want: [
        'MemoryPressure=False:KubeletHasSufficientMemory',
        'DiskPressure=True:KubeletHasDiskPressure',
        'PIDPressure=False:KubeletHasSufficientPID',
        'Ready=True:KubeletReady',
      ],
    },
    {
      name: 'pids nearly exhausted',
      sample: { ...healthy, pidMax: 1000, pidsInUse: 990 },
      want: [
        'MemoryPressure=False:KubeletHasSufficientMemory',
        'DiskPressure=False:KubeletHasNoDiskPressure',
        'PIDPressure=True:KubeletHasInsufficientPID',
        'Ready=True:KubeletReady',
      ],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(summary(c.sample), c.want));

  it('keeps lastTransitionTime while a condition holds; heartbeat always moves', () => {
    const first = nodeConditions(healthy, DEFAULT_EVICTION_HARD, undefined, now);
    const later = new Date('2024-01-01T00:05:00Z');
    const second = nodeConditions(
      { ...healthy, memoryAvailableBytes: 1 },
      DEFAULT_EVICTION_HARD,
      first,
      later,
    );
    const mem = second.find((c) => c.type === 'MemoryPressure')!;
    const ready = second.find((c) => c.type === 'Ready')!;
    assert.equal(mem.lastTransitionTime, '2024-01-01T00:05:00Z');
    assert.equal(ready.lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(ready.lastHeartbeatTime, '2024-01-01T00:05:00Z');
    assert.equal(ready.message, 'kubelet is posting ready status');
  });
});

describe('machine parsing', () => {
  it('reads os-release, meminfo and arch names', () => {
    assert.equal(
      parseOsRelease('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'),
      'Debian GNU/Linux 12 (bookworm)',
    );
    assert.equal(
      meminfoBytes('MemTotal:       24684084 kB\nMemAvailable:   23515024 kB\n', 'MemAvailable'),
      23515024 * 1024,
    );
    assert.equal(goArch('x64'), 'amd64');
    assert.equal(goArch('arm64'), 'arm64');
  });
});

describe('readMachineInfo', () => {
  it('sizes ephemeral storage from the nearest existing directory of a data dir not created yet', () => {
    const m = readMachineInfo(join(tmpdir(), 'skiff-not-there', 'deeper'), { discoverGpus: false });
    assert.ok(m.ephemeralStorageBytes > 0);
    assert.ok(m.cpus >= 1);
    assert.ok(m.memoryBytes > 0);
    assert.ok(m.internalIP);
  });
});
