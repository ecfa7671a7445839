import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CycleState } from '../../framework/cycle-state.js';
import type { Handle, NodeInfoLister } from '../../framework/interface.js';
import { Code, type Status } from '../../framework/status.js';
import { NodeInfo, PodInfo, type Node, type Pod } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import {
  ANNOTATION_DEVICE_ALLOCATED,
  DeviceShare,
  GPU_SHARE_RESOURCES,
  NAME,
  newDeviceShare,
  REASON_INSUFFICIENT_CORE,
  REASON_INSUFFICIENT_DEVICES,
  REASON_INSUFFICIENT_MEMORY,
} from './device-share.js';

/** A handle over a mutable set of NodeInfos that records annotation patches. */
class FakeCluster {
  readonly nodes = new Map<string, NodeInfo>();
  readonly patches: Array<{ pod: string; annotation: string | undefined }> = [];
  nowMs = Date.parse('2025-01-01T00:00:00Z');

  readonly handle: Handle;

  constructor(...nodes: Node[]) {
    for (const n of nodes) this.nodes.set(n.metadata.name!, new NodeInfo(n));
    const lister: NodeInfoLister = {
      list: () => [...this.nodes.values()],
      get: (name) => this.nodes.get(name),
      havePodsWithAffinityList: () => [],
      havePodsWithRequiredAntiAffinityList: () => [],
    };
    this.handle = {
      snapshotSharedLister: () => ({ nodeInfos: () => lister }),
      namespaces: { get: () => undefined, list: () => [] },
      podDisruptionBudgets: () => [],
      client: {
        bind: async () => {},
        patchPod: async (pod, patch) => {
          const ann = (patch as { metadata?: { annotations?: Record<string, string> } }).metadata
            ?.annotations;
          this.patches.push({ pod: pod.metadata.name!, annotation: ann?.[ANNOTATION_DEVICE_ALLOCATED] });
          return pod;
        },
        deletePod: async () => {},
      },
      nominator: {
        addNominatedPod: () => {},
        deleteNominatedPodIfExists: () => {},
        nominatedPodsForNode: () => [],
      },
      runFilterPluginsWithNominatedPods: () => {
        throw new Error('not used');
      },
      runPreFilterExtensionAddPod: () => {
        throw new Error('not used');
      },
      runPreFilterExtensionRemovePod: () => {
        throw new Error('not used');
      },
      now: () => new Date(this.nowMs),
    };
  }

  plugin(args?: Record<string, unknown>): DeviceShare {
    return newDeviceShare(args, this.handle) as DeviceShare;
  }

  info(name: string): NodeInfo {
    return this.nodes.get(name)!;
  }
}

function gpuNode(name: string, gpus: number, memoryGi: number): Node {
  return makeNode()
    .name(name)
    .capacity({
      cpu: '32',
      memory: '128Gi',
      pods: 110,
      'nvidia.com/gpu': gpus,
      'koordinator.sh/gpu-memory': `${gpus * memoryGi}Gi`,
      'koordinator.sh/gpu-core': gpus * 100,
    })
    .obj();
}

function gpuPod(name: string, requests: Record<string, string | number>): Pod {
  return makePod().name(name).container(requests).obj();
}

function withAnnotation(pod: Pod, annotation: string): Pod {
  return {
    ...pod,
    metadata: { ...pod.metadata, annotations: { [ANNOTATION_DEVICE_ALLOCATED]: annotation } },
  };
}

function alloc(...devices: Array<[minor: number, core: number, memory: string, ratio: number]>): string {
  return JSON.stringify({
    gpu: devices.map(([minor, core, memory, ratio]) => ({
      minor,
      resources: {
        'koordinator.sh/gpu-core': String(core),
        'koordinator.sh/gpu-memory': memory,
        'koordinator.sh/gpu-memory-ratio': String(ratio),
      },
    })),
  });
}

interface Outcome {
  node?: string;
  annotation?: string;
  status?: Status;
}

/**
 * One scheduling attempt as the framework runs it: PreFilter, Filter on every node, Score, Reserve
 * on the best, PreBind; the bound pod then joins its NodeInfo with (or, `assumedOnly`, without) the
 * annotation the informer would deliver.
 */
async function schedule(
  c: FakeCluster,
  pl: DeviceShare,
  pod: Pod,
  opts: { assumedOnly?: boolean } = {},
): Promise<Outcome> {
  const state = new CycleState();
  const pre = pl.preFilter(state, pod);
  if (pre.status.isSkip()) return {};
  if (!pre.status.isSuccess()) return { status: pre.status };
  const feasible: NodeInfo[] = [];
  let last: Status | undefined;
  for (const ni of c.nodes.values()) {
    const st = pl.filter(state, pod, ni);
    if (st.isSuccess()) feasible.push(ni);
    else last = st;
  }
  if (feasible.length === 0) return { status: last! };
  assert.ok(pl.preScore(state).isSuccess());
  let best: NodeInfo | undefined;
  let bestScore = -1;
  for (const ni of feasible) {
    const score = pl.score(state, pod, ni);
    assert.ok(typeof score === 'number', String(score));
    if (score > bestScore) [best, bestScore] = [ni, score];
  }
  const nodeName = best!.name;
  assert.ok(pl.reserve(state, pod, nodeName).isSuccess());
  const before = c.patches.length;
  assert.ok((await pl.preBind(state, pod, nodeName)).isSuccess());
  const annotation = c.patches[before]?.annotation;
  pl.postBind(state, pod, nodeName);
  const bound = { ...pod, spec: { ...pod.spec!, nodeName } };
  c.info(nodeName).addPodInfo(new PodInfo(opts.assumedOnly ? bound : withAnnotation(bound, annotation!)));
  return { node: nodeName, annotation };
}

function minorsOf(annotation: string | undefined): number[] {
  const doc = JSON.parse(annotation!) as { gpu: Array<{ minor: number }> };
  return doc.gpu.map((d) => d.minor);
}

const QUARTER = { 'koordinator.sh/gpu-core': 25, 'koordinator.sh/gpu-memory-ratio': 25 };

describe('DeviceShare', () => {
  it('exports the share resource names NodeResourcesFit must ignore', () => {
    assert.deepEqual([...GPU_SHARE_RESOURCES].sort(), [
      'aliyun.com/gpu-mem',
      'koordinator.sh/gpu',
      'koordinator.sh/gpu-core',
      'koordinator.sh/gpu-memory',
      'koordinator.sh/gpu-memory-ratio',
    ]);
    assert.equal(NAME, 'DeviceShare');
  });

  it('skips pods that ask for no GPU', async () => {
    const c = new FakeCluster(gpuNode('n1', 1, 16));
    const pl = c.plugin();
    const state = new CycleState();
    assert.equal(
      pl.preFilter(state, makePod().name('p').container({ cpu: '1' }).obj()).status.code,
      Code.Skip,
    );
    assert.ok(pl.preScore(state).isSkip());
    assert.ok(pl.reserve(state, makePod().name('p').obj(), 'n1').isSuccess());
    assert.ok((await pl.preBind(state, makePod().name('p').obj(), 'n1')).isSuccess());
    assert.equal(c.patches.length, 0);
  });

  it('writes the annotation in Koordinator JSON shape', async () => {
    const c = new FakeCluster(gpuNode('n1', 1, 16));
    const out = await schedule(c, c.plugin(), gpuPod('p', QUARTER));
    assert.equal(out.node, 'n1');
    assert.equal(
      out.annotation,
      '{"gpu":[{"minor":0,"resources":{"koordinator.sh/gpu-core":"25","koordinator.sh/gpu-memory":"4Gi","koordinator.sh/gpu-memory-ratio":"25"}}]}',
    );
  });

  const annotationCases: Array<{ name: string; requests: Record<string, string | number>; want: string }> = [
    {
      name: 'memory quantity: ratio derived',
      requests: { 'koordinator.sh/gpu-memory': '6Gi' },
      want: '{"gpu":[{"minor":0,"resources":{"koordinator.sh/gpu-memory":"6Gi","koordinator.sh/gpu-memory-ratio":"37"}}]}',
    },
    {
      name: 'aliyun gpu-mem in GiB',
      requests: { 'aliyun.com/gpu-mem': 8 },
      want: '{"gpu":[{"minor":0,"resources":{"koordinator.sh/gpu-memory":"8Gi","koordinator.sh/gpu-memory-ratio":"50"}}]}',
    },
    {
      name: 'gpu-core alone takes the same share of memory',
      requests: { 'koordinator.sh/gpu-core': 50 },
      want: '{"gpu":[{"minor":0,"resources":{"koordinator.sh/gpu-core":"50","koordinator.sh/gpu-memory":"8Gi","koordinator.sh/gpu-memory-ratio":"50"}}]}',
    },
    {
      name: 'koordinator.sh/gpu percent',
      requests: { 'koordinator.sh/gpu': 50 },
      want: '{"gpu":[{"minor":0,"resources":{"koordinator.sh/gpu-core":"50","koordinator.sh/gpu-memory":"8Gi","koordinator.sh/gpu-memory-ratio":"50"}}]}',
    },
    {
      name: 'whole GPUs',
      requests: { 'nvidia.com/gpu': 2 },
      want: alloc([0, 100, '16Gi', 100], [1, 100, '16Gi', 100]),
    },
    {
      name: 'ratio 200 is two whole devices',
      requests: { 'koordinator.sh/gpu-core': 200, 'koordinator.sh/gpu-memory-ratio': 200 },
      want: alloc([0, 100, '16Gi', 100], [1, 100, '16Gi', 100]),
    },
  ];
  for (const tc of annotationCases) {
    it(`annotation: ${tc.name}`, async () => {
      const c = new FakeCluster(gpuNode('n1', 2, 16));
      const out = await schedule(c, c.plugin(), gpuPod('p', tc.requests));
      assert.equal(out.annotation, tc.want);
    });
  }

  const invalidCases: Array<{ name: string; requests: Record<string, string | number> }> = [
    { name: 'whole GPUs with a share', requests: { 'nvidia.com/gpu': 1, 'koordinator.sh/gpu-core': 50 } },
    {
      name: 'memory and ratio together',
      requests: { 'koordinator.sh/gpu-memory': '4Gi', 'koordinator.sh/gpu-memory-ratio': 25 },
    },
    { name: 'ratio above 100 not a multiple of 100', requests: { 'koordinator.sh/gpu-memory-ratio': 150 } },
    { name: 'two memory forms', requests: { 'koordinator.sh/gpu-memory': '4Gi', 'aliyun.com/gpu-mem': 4 } },
  ];
  for (const tc of invalidCases) {
    it(`rejects an invalid request at PreFilter: ${tc.name}`, () => {
      const c = new FakeCluster(gpuNode('n1', 2, 16));
      const { status } = c.plugin().preFilter(new CycleState(), gpuPod('p', tc.requests));
      assert.equal(status.code, Code.UnschedulableAndUnresolvable);
      assert.match(status.message(), /^invalid resource (device requests|unit)/);
    });
  }

  for (const assumedOnly of [false, true]) {
    it(`binpack: 25% pods fill one device before the next (${assumedOnly ? 'assumed pods' : 'annotated pods'})`, async () => {
      const c = new FakeCluster(gpuNode('n1', 2, 16));
      const pl = c.plugin();
      const minors: number[] = [];
      for (let i = 0; i < 8; i++) {
        const out = await schedule(c, pl, gpuPod(`p${i}`, QUARTER), { assumedOnly });
        minors.push(...minorsOf(out.annotation));
      }
      assert.deepEqual(minors, [0, 0, 0, 0, 1, 1, 1, 1]);
      const out = await schedule(c, pl, gpuPod('p8', QUARTER), { assumedOnly });
      assert.equal(out.node, undefined);
      assert.equal(out.status!.code, Code.Unschedulable);
      assert.deepEqual(out.status!.reasons, [REASON_INSUFFICIENT_MEMORY, REASON_INSUFFICIENT_CORE]);
    });
  }

  it('spread (LeastAllocated): pods go to the emptiest device', async () => {
    const c = new FakeCluster(gpuNode('n1', 3, 16));
    const pl = c.plugin({ scoringStrategy: { type: 'LeastAllocated' } });
    const minors: number[] = [];
    for (let i = 0; i < 6; i++)
      minors.push(...minorsOf((await schedule(c, pl, gpuPod(`p${i}`, QUARTER))).annotation));
    assert.deepEqual(minors, [0, 1, 2, 0, 1, 2]);
  });

  it('binpack prefers the fuller node, spread the emptier', async () => {
    for (const [type, want] of [
      ['MostAllocated', 'busy'],
      ['LeastAllocated', 'idle'],
    ] as const) {
      const c = new FakeCluster(gpuNode('idle', 1, 16), gpuNode('busy', 1, 16));
      c.info('busy').addPodInfo(
        new PodInfo(
          withAnnotation(gpuPod('old', { 'koordinator.sh/gpu-memory-ratio': 50 }), alloc([0, 0, '8Gi', 50])),
        ),
      );
      const out = await schedule(c, c.plugin({ scoringStrategy: { type } }), gpuPod('p', QUARTER));
      assert.equal(out.node, want, type);
    }
  });

  const filterCases: Array<{
    name: string;
    gpus: number;
    held: string[];
    requests: Record<string, string | number>;
    code: Code;
    reasons: string[];
  }> = [
    {
      name: 'fits in what is left',
      gpus: 1,
      held: [alloc([0, 50, '12Gi', 75])],
      requests: { 'koordinator.sh/gpu-memory': '4Gi' },
      code: Code.Success,
      reasons: [],
    },
    {
      name: 'more memory than any device has left',
      gpus: 2,
      held: [alloc([0, 0, '12Gi', 75]), alloc([1, 0, '10Gi', 62])],
      requests: { 'koordinator.sh/gpu-memory': '8Gi' },
      code: Code.Unschedulable,
      reasons: [REASON_INSUFFICIENT_MEMORY],
    },
    {
      name: 'more memory than a device has at all',
      gpus: 2,
      held: [],
      requests: { 'koordinator.sh/gpu-memory': '20Gi' },
      code: Code.UnschedulableAndUnresolvable,
      reasons: [REASON_INSUFFICIENT_MEMORY],
    },
    {
      name: 'core used up',
      gpus: 1,
      held: [alloc([0, 80, '2Gi', 12])],
      requests: { 'koordinator.sh/gpu-core': 30, 'koordinator.sh/gpu-memory-ratio': 10 },
      code: Code.Unschedulable,
      reasons: [REASON_INSUFFICIENT_CORE],
    },
    {
      name: 'memory on one device, core on another, neither both',
      gpus: 2,
      held: [alloc([0, 90, '2Gi', 12]), alloc([1, 10, '14Gi', 87])],
      requests: { 'koordinator.sh/gpu-core': 50, 'koordinator.sh/gpu-memory': '4Gi' },
      code: Code.Unschedulable,
      reasons: [REASON_INSUFFICIENT_DEVICES],
    },
    {
      name: 'whole GPUs: only free devices count',
      gpus: 2,
      held: [alloc([0, 25, '4Gi', 25])],
      requests: { 'nvidia.com/gpu': 2 },
      code: Code.Unschedulable,
      reasons: [REASON_INSUFFICIENT_MEMORY, REASON_INSUFFICIENT_CORE],
    },
    {
      name: 'more whole GPUs than the node has',
      gpus: 2,
      held: [],
      requests: { 'nvidia.com/gpu': 3 },
      code: Code.UnschedulableAndUnresolvable,
      reasons: [REASON_INSUFFICIENT_DEVICES],
    },
    {
      name: 'node without GPUs',
      gpus: 0,
      held: [],
      requests: QUARTER,
      code: Code.UnschedulableAndUnresolvable,
      reasons: [REASON_INSUFFICIENT_DEVICES],
    },
  ];
  for (const tc of filterCases) {
    it(`filter: ${tc.name}`, () => {
      const node =
        tc.gpus > 0
          ? gpuNode('n1', tc.gpus, 16)
          : makeNode().name('n1').capacity({ cpu: '4', pods: 10 }).obj();
      const c = new FakeCluster(node);
      tc.held.forEach((a, i) => c.info('n1').addPodInfo(new PodInfo(withAnnotation(gpuPod(`h${i}`, {}), a))));
      const pl = c.plugin();
      const state = new CycleState();
      const pod = gpuPod('p', tc.requests);
      assert.ok(pl.preFilter(state, pod).status.isSuccess());
      const st = pl.filter(state, pod, c.info('n1'));
      assert.equal(st.code, tc.code);
      assert.deepEqual(st.reasons, tc.reasons);
    });
  }

  it('a deleted pod frees its share', async () => {
    const c = new FakeCluster(gpuNode('n1', 1, 16));
    const pl = c.plugin();
    const first = await schedule(c, pl, gpuPod('big', { 'koordinator.sh/gpu-memory': '12Gi' }));
    assert.equal(first.node, 'n1');
    const pod = gpuPod('p', { 'koordinator.sh/gpu-memory': '8Gi' });
    assert.deepEqual((await schedule(c, pl, pod)).status?.reasons, [REASON_INSUFFICIENT_MEMORY]);
    const big = c.info('n1').pods.find((p) => p.pod.metadata.name === 'big')!;
    assert.ok(c.info('n1').removePod(big.pod));
    assert.equal((await schedule(c, pl, pod)).node, 'n1');
  });

  it('a deleted assumed pod frees its share once it leaves the node', async () => {
    const c = new FakeCluster(gpuNode('n1', 1, 16));
    const pl = c.plugin();
    await schedule(c, pl, gpuPod('big', { 'koordinator.sh/gpu-memory': '12Gi' }), { assumedOnly: true });
    const big = c.info('n1').pods[0]!.pod;
    assert.ok(c.info('n1').removePod(big));
    assert.equal((await schedule(c, pl, gpuPod('p', { 'koordinator.sh/gpu-memory': '16Gi' }))).node, 'n1');
  });

  it('unreserve gives the devices back', () => {
    const c = new FakeCluster(gpuNode('n1', 1, 16));
    const pl = c.plugin();
    const a = gpuPod('a', { 'nvidia.com/gpu': 1 });
    const sa = new CycleState();
    assert.ok(pl.preFilter(sa, a).status.isSuccess());
    assert.ok(pl.reserve(sa, a, 'n1').isSuccess());
    // The framework assumes the pod (no annotation yet): its reservation holds the device.
    c.info('n1').addPodInfo(new PodInfo({ ...a, spec: { ...a.spec!, nodeName: 'n1' } }));
    const b = gpuPod('b', QUARTER);
    const sb = new CycleState();
    assert.ok(pl.preFilter(sb, b).status.isSuccess());
    assert.equal(pl.filter(sb, b, c.info('n1')).code, Code.Unschedulable);
    pl.unreserve(sa, a, 'n1');
    // After unreserve the framework forgets the assumed pod too.
    c.info('n1').removePod(a);
    assert.ok(pl.filter(sb, b, c.info('n1')).isSuccess());
  });

  it('rebuilds device state from annotations after a restart', async () => {
    const c = new FakeCluster(gpuNode('n1', 2, 16));
    const before = c.plugin();
    for (let i = 0; i < 3; i++) await schedule(c, before, gpuPod(`p${i}`, QUARTER));
    // A new scheduler process: fresh plugin, the same pods (read back with their annotations).
    const after = c.plugin();
    const minors: number[] = [];
    for (let i = 3; i < 6; i++)
      minors.push(...minorsOf((await schedule(c, after, gpuPod(`p${i}`, QUARTER))).annotation));
    assert.deepEqual(minors, [0, 1, 1]);
  });

  it('counts pods with a GPU request but no recorded device (e.g. nominated)', () => {
    const c = new FakeCluster(gpuNode('n1', 1, 16));
    c.info('n1').addPodInfo(new PodInfo(gpuPod('nominated', { 'koordinator.sh/gpu-memory-ratio': 75 })));
    const pl = c.plugin();
    const state = new CycleState();
    const pod = gpuPod('p', { 'koordinator.sh/gpu-memory-ratio': 50 });
    assert.ok(pl.preFilter(state, pod).status.isSuccess());
    assert.deepEqual(pl.filter(state, pod, c.info('n1')).reasons, [REASON_INSUFFICIENT_MEMORY]);
  });

  it('nodes that do not state GPU memory share by ratio only', async () => {
    const node = makeNode().name('n1').capacity({ cpu: '4', pods: 10, 'nvidia.com/gpu': 1 }).obj();
    const c = new FakeCluster(node);
    const pl = c.plugin();
    const out = await schedule(c, pl, gpuPod('p', { 'koordinator.sh/gpu-memory-ratio': 50 }));
    assert.equal(
      out.annotation,
      '{"gpu":[{"minor":0,"resources":{"koordinator.sh/gpu-memory-ratio":"50"}}]}',
    );
    const state = new CycleState();
    const bytes = gpuPod('q', { 'koordinator.sh/gpu-memory': '1Gi' });
    assert.ok(pl.preFilter(state, bytes).status.isSuccess());
    assert.equal(pl.filter(state, bytes, c.info('n1')).code, Code.UnschedulableAndUnresolvable);
  });

  it('rejects unknown scoring strategies', () => {
    const c = new FakeCluster();
    assert.throws(() => c.plugin({ scoringStrategy: { type: 'Random' } }), /Unsupported value/);
  });

  it('a pod bound long ago without a readable annotation still holds its share', async () => {
    const c = new FakeCluster(gpuNode('n1', 1, 16));
    const pl = c.plugin();
    await schedule(c, pl, gpuPod('a', { 'koordinator.sh/gpu-memory': '8Gi' }), { assumedOnly: true });
    const big = gpuPod('big', { 'koordinator.sh/gpu-memory': '12Gi' });
    for (const later of [0, 10 * 60 * 1000]) {
      c.nowMs += later;
      const state = new CycleState();
      assert.ok(pl.preFilter(state, big).status.isSuccess());
      assert.deepEqual(pl.filter(state, big, c.info('n1')).reasons, [REASON_INSUFFICIENT_MEMORY]);
    }
  });
});
