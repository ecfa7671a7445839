import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hollowNodeIP, hollowPodCIDR, MAX_HOLLOW_NODES, podBlockBits, PodIPPool } from './ip-pool.js';
import { ipv4String, parseIPv4 } from '../../util/ipv4.js';
import {
  buildHollowNode,
  DEFAULT_CAPACITY,
  gpuResources,
  type HollowNodeOptions,
  hollowNodeConditions,
  parseNodeTemplates,
} from './node-template.js';

const NOW = new Date('2025-03-01T10:00:00Z');

function opts(o: Partial<HollowNodeOptions> = {}): HollowNodeOptions {
  return {
    namePrefix: 'hollow-node-',
    templates: [],
    capacity: {},
    zones: [],
    labels: {},
    taints: [],
    taintHollow: false,
    podBlockBits: 8,
    ...o,
  };
}

describe('buildHollowNode', () => {
  it('registers a KWOK-like node with defaults', () => {
    const n = buildHollowNode(3, opts(), NOW);
    assert.equal(n.metadata.name, 'hollow-node-3');
    assert.deepEqual(n.metadata.labels, {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/hostname': 'hollow-node-3',
      type: 'hollow',
    });
    assert.equal(n.metadata.annotations?.['skiff.dev/node'], 'hollow');
    assert.equal(n.spec?.taints, undefined);
    assert.equal(n.spec?.podCIDR, '10.0.3.0/24');
    assert.deepEqual(n.spec?.podCIDRs, ['10.0.3.0/24']);
    assert.deepEqual(n.status?.capacity, DEFAULT_CAPACITY);
    assert.deepEqual(n.status?.allocatable, DEFAULT_CAPACITY);
    assert.deepEqual(n.status?.addresses, [
      { type: 'InternalIP', address: '172.16.0.4' },
      { type: 'Hostname', address: 'hollow-node-3' },
    ]);
    assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.32.4-skiff');
    assert.equal(n.status?.nodeInfo?.operatingSystem, 'linux');
    assert.match(
      n.status?.nodeInfo?.systemUUID ?? '',
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    assert.equal(n.status?.daemonEndpoints, undefined);
    assert.deepEqual(
      n.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
        ['Ready', 'True', 'KubeletReady'],
      ],
    );
  });

  it('assigns zones round-robin, adds labels, taints and the hollow taint', () => {
    const o = opts({
      zones: ['zone-a', 'zone-b', 'zone-c'],
      labels: { team: 'sim', type: 'ignored' },
      taints: [{ key: 'dedicated', value: 'batch', effect: 'NoExecute' }],
      taintHollow: true,
    });
    const zones = [0, 1, 2, 3, 4].map(
      (i) => buildHollowNode(i, o, NOW).metadata.labels?.['topology.kubernetes.io/zone'],
    );
    assert.deepEqual(zones, ['zone-a', 'zone-b', 'zone-c', 'zone-a', 'zone-b']);
    const n = buildHollowNode(0, o, NOW);
    assert.equal(n.metadata.labels?.['team'], 'sim');
    assert.equal(n.metadata.labels?.['type'], 'hollow');
    assert.deepEqual(n.spec?.taints, [
      { key: 'dedicated', value: 'batch', effect: 'NoExecute' },
      { key: 'skiff.dev/node', value: 'hollow', effect: 'NoSchedule' },
    ]);
  });

  it('advertises GPUs as DeviceShare reads them, and explicit capacity wins', () => {
    const n = buildHollowNode(
      0,
      opts({ gpus: { count: 4, memoryPerDevice: '16Gi' }, capacity: { cpu: '8' } }),
      NOW,
    );
    assert.equal(n.status?.capacity?.['nvidia.com/gpu'], '4');
    assert.equal(n.status?.capacity?.['koordinator.sh/gpu-memory'], '64Gi');
    assert.equal(n.status?.capacity?.['koordinator.sh/gpu-core'], '400');
    assert.equal(n.status?.allocatable?.['koordinator.sh/gpu-memory'], '64Gi');
    assert.equal(n.status?.capacity?.['cpu'], '8');
    assert.equal(n.status?.allocatable?.['cpu'], '8');
    assert.deepEqual(gpuResources({ count: 0, memoryPerDevice: '1Gi' }), {});
  });

  it('starts from templates, round-robin, under the flags', () => {
    const templates = parseNodeTemplates(`
apiVersion: v1
kind: Node
metadata:
  name: ignored
  labels:
    node.kubernetes.io/instance-type: gpu.large
    kubernetes.io/hostname: ignored
spec:
  taints:
  - {key: nvidia.com/gpu, effect: NoSchedule}
status:
  capacity: {cpu: "64", memory: 512Gi, nvidia.com/gpu: "8"}
  allocatable: {cpu: 63500m}
  nodeInfo: {osImage: Ubuntu 22.04}
---
metadata:
  labels: {node.kubernetes.io/instance-type: cpu.small}
status:
  capacity: {cpu: 4, memory: 16Gi}
`);
    assert.equal(templates.length, 2);
    const o = opts({ templates, capacity: { pods: '250' }, taintHollow: true });
    const gpu = buildHollowNode(0, o, NOW);
    const small = buildHollowNode(1, o, NOW);
    assert.equal(gpu.metadata.name, 'hollow-node-0');
    assert.equal(gpu.metadata.labels?.['kubernetes.io/hostname'], 'hollow-node-0');
    assert.equal(gpu.metadata.labels?.['node.kubernetes.io/instance-type'], 'gpu.large');
    assert.equal(gpu.status?.capacity?.['cpu'], '64');
    assert.equal(gpu.status?.allocatable?.['cpu'], '63500m');
    assert.equal(gpu.status?.allocatable?.['memory'], '512Gi');
    assert.equal(gpu.status?.capacity?.['nvidia.com/gpu'], '8');
    assert.equal(gpu.status?.capacity?.['pods'], '250');
    assert.equal(gpu.status?.nodeInfo?.osImage, 'Ubuntu 22.04');
    assert.equal(gpu.status?.nodeInfo?.kubeletVersion, 'v1.32.4-skiff');
    assert.deepEqual(
      gpu.spec?.taints?.map((t) => t.key),
      ['nvidia.com/gpu', 'skiff.dev/node'],
    );
    assert.equal(small.metadata.labels?.['node.kubernetes.io/instance-type'], 'cpu.small');
    assert.equal(small.status?.capacity?.['cpu'], '4');
    assert.equal(small.status?.allocatable?.['memory'], '16Gi');
    assert.equal(small.status?.capacity?.['pods'], '250');
  });

  const BAD: Array<[string, string, RegExp]> = [
    ['another kind', 'kind: Pod\nmetadata: {name: x}\n', /expected kind Node/],
    ['a bad quantity', 'status: {capacity: {cpu: lots}}\n', /cpu: invalid quantity/],
    ['no document', '', /no Node document/],
    ['not a mapping', '- a\n- b\n', /not a YAML mapping/],
    ['broken YAML', 'metadata: {name: [\n', /node template/],
  ];
  for (const [name, text, err] of BAD) {
    it(`rejects a template with ${name}`, () => assert.throws(() => parseNodeTemplates(text), err));
  }

  it('keeps condition transition times across heartbeats', () => {
    const first = hollowNodeConditions(NOW);
    const later = hollowNodeConditions(new Date(NOW.getTime() + 300_000), first);
    assert.equal(later[3]!.lastTransitionTime, '2025-03-01T10:00:00Z');
    assert.equal(later[3]!.lastHeartbeatTime, '2025-03-01T10:05:00Z');
  });
});

describe('hollow addressing', () => {
  const BITS: Array<[number, number]> = [
    [1, 16],
    [3, 16],
    [256, 16],
    [1000, 14],
    [10_000, 10],
    [MAX_HOLLOW_NODES, 8],
  ];
  for (const [count, bits] of BITS) {
    it(`${count} nodes get /${32 - bits} pod CIDRs`, () => assert.equal(podBlockBits(count), bits));
  }
  it('refuses more nodes than the pod network holds', () => {
    assert.throws(() => podBlockBits(MAX_HOLLOW_NODES + 1), /at most 65536 hollow nodes/);
  });

  it('numbers nodes and CIDRs without overlap', () => {
    assert.equal(hollowNodeIP(0), '172.16.0.1');
    assert.equal(hollowNodeIP(300), '172.16.1.45');
    assert.equal(hollowPodCIDR(0, 14), '10.0.0.0/18');
    assert.equal(hollowPodCIDR(5, 14), '10.1.64.0/18');
    assert.equal(hollowPodCIDR(65535, 8), '10.255.255.0/24');
    assert.equal(parseIPv4('10.1.2.3'), 0x0a010203);
    assert.equal(ipv4String(0xac100001), '172.16.0.1');
    for (const bad of ['10.1.2', '10.1.2.256', 'a.b.c.d', '::1']) assert.equal(parseIPv4(bad), undefined);
  });

  it('allocates every usable address of a block once, then none', () => {
    const pool = new PodIPPool(2, 8);
    const seen = new Set<string>();
    for (;;) {
      const ip = pool.allocate();
      if (!ip) break;
      seen.add(ip);
    }
    assert.equal(seen.size, 254);
    assert.ok(!seen.has('10.0.2.0') && !seen.has('10.0.2.255'));
    assert.equal(pool.inUse, 254);
    pool.release('10.0.2.77');
    assert.equal(pool.allocate(), '10.0.2.77');
  });

  it('reserves addresses from before a restart and skips them', () => {
    const pool = new PodIPPool(0, 8);
    assert.equal(pool.reserve('10.0.0.1'), true);
    assert.equal(pool.reserve('10.0.0.1'), true);
    assert.equal(pool.reserve('10.0.1.1'), false);
    assert.equal(pool.reserve('10.0.0.0'), false);
    assert.equal(pool.inUse, 1);
    assert.equal(pool.allocate(), '10.0.0.2');
    pool.release('10.0.0.2');
    pool.release('10.0.0.2');
    assert.equal(pool.inUse, 1);
    assert.equal(pool.allocate(), '10.0.0.3', 'a released address is not reused at once');
  });
});
