import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import type { NodeInfo, Pod } from '../../framework/types.js';
import { makeNode, makePod, nodeInfoWith } from '../../testing/wrappers.js';
import {
  NAME,
  NodeResourcesFit,
  fits,
  newNodeResourcesFit,
  validateNodeResourcesFitArgs,
  type NodeResourcesFitArgs,
} from './node-resources-fit.js';
import { FakeHandle } from '../helpers/testing.js';

type Req = Record<string, string | number>;
const EXT_A = 'example.com/aaa';
const EXT_B = 'example.com/bbb';
const K8S_IO_A = 'kubernetes.io/something';
const K8S_IO_B = 'subdomain.kubernetes.io/something';
const HUGE_A = 'hugepages-2Mi';

/** cpu in millicores and memory in bytes, as upstream's fit tests count them. */
function r(milliCPU: number, memory: number, extra: Req = {}): Req {
  return { cpu: `${milliCPU}m`, memory: `${memory}`, ...extra };
}

function podOf(containers: Req[], init: Req[] = [], overhead?: Req): Pod {
  const w = makePod().name('p');
  for (const c of containers) w.container(c);
  for (const c of init) w.initContainer(c);
  if (overhead) w.overhead(overhead);
  return w.obj();
}

/** A node with upstream's test allocatable (10m cpu, 20 bytes, 32 pods, 5 aaa, 20 bytes storage, 5 hugepages) holding one pod. */
function nodeWith(
  existing: Req,
  alloc: Req = { ...r(10, 20), pods: 32, [EXT_A]: 5, 'ephemeral-storage': '20', [HUGE_A]: '5' },
): NodeInfo {
  const node = makeNode().name('n1').capacity(alloc).obj();
  return nodeInfoWith(node, makePod().name('existing').node('n1').container(existing).obj());
}

function runFilter(
  pod: Pod,
  ni: NodeInfo,
  args: NodeResourcesFitArgs = {},
): { code: Code; reasons: readonly string[] } {
  const pl = new NodeResourcesFit(args);
  const state = new CycleState();
  const pre = pl.preFilter(state, pod);
  assert.ok(pre.status.isSuccess(), pre.status.toString());
  const s = pl.filter(state, pod, ni);
  return { code: s.code, reasons: s.reasons };
}

describe('NodeResourcesFit Filter', () => {
  const ok = { code: Code.Success, reasons: [] };
  const unsched = (...reasons: string[]) => ({ code: Code.Unschedulable, reasons });
  const unres = (...reasons: string[]) => ({ code: Code.UnschedulableAndUnresolvable, reasons });
  const cases: Array<{
    name: string;
    pod: Pod;
    node: NodeInfo;
    args?: NodeResourcesFitArgs;
    want: { code: Code; reasons: readonly string[] };
  }> = [
    { name: 'no resources requested always fits', pod: podOf([]), node: nodeWith(r(10, 20)), want: ok },
    {
      name: 'too many resources fails',
      pod: podOf([r(1, 1)]),
      node: nodeWith(r(10, 20)),
      want: unsched('Insufficient cpu', 'Insufficient memory'),
    },
    {
      name: 'too many resources fails due to init container cpu',
      pod: podOf([r(1, 1)], [r(3, 1)]),
      node: nodeWith(r(8, 19)),
      want: unsched('Insufficient cpu'),
    },
    {
      name: 'too many resources fails due to highest init container cpu',
      pod: podOf([r(1, 1)], [r(3, 1), r(2, 1)]),
      node: nodeWith(r(8, 19)),
      want: unsched('Insufficient cpu'),
    },
    {
      name: 'too many resources fails due to init container memory',
      pod: podOf([r(1, 1)], [r(1, 3)]),
      node: nodeWith(r(9, 19)),
      want: unsched('Insufficient memory'),
    },
    {
      name: "init container fits because it's the max, not sum, of containers and init containers",
      pod: podOf([r(1, 1)], [r(1, 1), r(1, 1)]),
      node: nodeWith(r(9, 19)),
      want: ok,
    },
    { name: 'both resources fit', pod: podOf([r(1, 1)]), node: nodeWith(r(5, 5)), want: ok },
    {
      name: 'one resource memory fits',
      pod: podOf([r(2, 1)]),
      node: nodeWith(r(9, 5)),
      want: unsched('Insufficient cpu'),
    },
    {
      name: 'one resource cpu fits',
      pod: podOf([r(1, 2)]),
      node: nodeWith(r(5, 19)),
      want: unsched('Insufficient memory'),
    },
    { name: 'equal edge case', pod: podOf([r(5, 1)]), node: nodeWith(r(5, 19)), want: ok },
    {
      name: 'equal edge case for init container',
      pod: podOf([r(4, 1)], [r(5, 1)]),
      node: nodeWith(r(5, 19)),
      want: ok,
    },
    {
      name: 'sidecar init container adds to the containers',
      pod: makePod().container(r(3, 1)).initContainer(r(3, 1), 'Always').obj(),
      node: nodeWith(r(5, 5)),
      want: unsched('Insufficient cpu'),
    },
    { name: 'extended resource fits', pod: podOf([{ [EXT_A]: 1 }]), node: nodeWith({}), want: ok },
    {
      name: 'extended resource fits for init container',
      pod: podOf([], [{ [EXT_A]: 1 }]),
      node: nodeWith({}),
      want: ok,
    },
    {
      name: 'extended resource capacity enforced (more than allocatable: unresolvable)',
      pod: podOf([r(1, 1, { [EXT_A]: 10 })]),
      node: nodeWith(r(0, 0, { [EXT_A]: 0 })),
      want: unres(`Insufficient ${EXT_A}`),
    },
    {
      name: 'extended resource allocatable enforced',
      pod: podOf([r(1, 1, { [EXT_A]: 1 })]),
      node: nodeWith(r(0, 0, { [EXT_A]: 5 })),
      want: unsched(`Insufficient ${EXT_A}`),
    },
    {
      name: 'extended resource allocatable enforced for multiple containers',
      pod: podOf([r(1, 1, { [EXT_A]: 3 }), r(1, 1, { [EXT_A]: 3 })]),
      node: nodeWith(r(0, 0, { [EXT_A]: 2 })),
      want: unres(`Insufficient ${EXT_A}`),
    },
    {
      name: 'extended resource allocatable admits multiple init containers',
      pod: podOf([], [r(1, 1, { [EXT_A]: 3 }), r(1, 1, { [EXT_A]: 3 })]),
      node: nodeWith(r(0, 0, { [EXT_A]: 2 })),
      want: ok,
    },
    {
      name: 'extended resource allocatable enforced for unknown resource',
      pod: podOf([r(1, 1, { [EXT_B]: 1 })]),
      node: nodeWith(r(0, 0)),
      want: unres(`Insufficient ${EXT_B}`),
    },
    {
      name: 'kubernetes.io resource capacity enforced',
      pod: podOf([r(1, 1, { [K8S_IO_A]: 10 })]),
      node: nodeWith(r(0, 0)),
      want: unres(`Insufficient ${K8S_IO_A}`),
    },
    {
      name: 'subdomain kubernetes.io resource capacity enforced for init container',
      pod: podOf([], [r(1, 1, { [K8S_IO_B]: 10 })]),
      node: nodeWith(r(0, 0)),
      want: unres(`Insufficient ${K8S_IO_B}`),
    },
    {
      name: 'hugepages resource allocatable enforced for multiple containers',
      pod: podOf([r(1, 1, { [HUGE_A]: '3' }), r(1, 1, { [HUGE_A]: '3' })]),
      node: nodeWith(r(0, 0, { [HUGE_A]: '2' })),
      want: unres(`Insufficient ${HUGE_A}`),
    },
    {
      name: 'hugepages resource fits what is left',
      pod: podOf([r(1, 1, { [HUGE_A]: '3' })]),
      node: nodeWith(r(0, 0, { [HUGE_A]: '2' })),
      want: ok,
    },
    {
      name: 'skip checking ignored extended resource',
      pod: podOf([r(1, 1, { [EXT_B]: 1 })]),
      node: nodeWith(r(0, 0)),
      args: { ignoredResources: [EXT_B] },
      want: ok,
    },
    {
      name: 'resources + pod overhead fits',
      pod: podOf([r(1, 1)], [], { cpu: '3m', memory: '13' }),
      node: nodeWith(r(5, 5)),
      want: ok,
    },
    {
      name: 'requests + overhead does not fit for memory',
      pod: podOf([r(1, 1)], [], { cpu: '1m', memory: '15' }),
      node: nodeWith(r(5, 5)),
      want: unsched('Insufficient memory'),
    },
    {
      name: 'skip checking ignored extended resource via resource groups',
      pod: podOf([r(1, 1, { [EXT_B]: 1, [K8S_IO_A]: 1 })]),
      node: nodeWith(r(0, 0)),
      args: { ignoredResourceGroups: ['example.com'] },
      want: unres(`Insufficient ${K8S_IO_A}`),
    },
    {
      name: 'skip checking extended resource request with quantity zero',
      pod: podOf([r(1, 1, { [EXT_A]: 0 })]),
      node: nodeWith(r(0, 0, { [EXT_A]: 6 })),
      want: ok,
    },
    {
      name: 'a resource name the scheduler does not track is not checked',
      pod: podOf([{ foo: 1 }]),
      node: nodeWith({}),
      want: ok,
    },
    {
      name: 'ephemeral storage request exceeds allocatable',
      pod: podOf([{ 'ephemeral-storage': '25' }]),
      node: nodeWith(r(2, 2)),
      want: unres('Insufficient ephemeral-storage'),
    },
    {
      name: 'ephemeral storage is sufficient',
      pod: podOf([{ 'ephemeral-storage': '10' }]),
      node: nodeWith(r(2, 2, { 'ephemeral-storage': '10' })),
      want: ok,
    },
    {
      name: 'ephemeral storage over what is left',
      pod: podOf([{ 'ephemeral-storage': '11' }]),
      node: nodeWith(r(2, 2, { 'ephemeral-storage': '10' })),
      want: unsched('Insufficient ephemeral-storage'),
    },
    {
      name: 'cpu larger than the whole node is unresolvable, memory merely short is reported too',
      pod: podOf([r(11, 19)]),
      node: nodeWith(r(0, 5)),
      want: unres('Insufficient cpu', 'Insufficient memory'),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(runFilter(c.pod, c.node, c.args), { code: c.want.code, reasons: [...c.want.reasons] });
    });
  }
});

describe('NodeResourcesFit pod count', () => {
  const alloc = { ...r(10, 20), pods: 1 };
  const cases: Array<[string, Pod, Req]> = [
    ['even without specified resources, fails when there is no space for another pod', podOf([]), r(10, 20)],
    ['even if both resources fit, fails when there is no space for another pod', podOf([r(1, 1)]), r(5, 5)],
    ['even for the equal edge case', podOf([r(5, 1)]), r(5, 19)],
    ['even for the equal edge case with an init container', podOf([r(5, 1)], [r(5, 1)]), r(5, 19)],
  ];
  for (const [name, pod, existing] of cases) {
    it(name, () => {
      assert.deepEqual(runFilter(pod, nodeWith(existing, alloc)), {
        code: Code.Unschedulable,
        reasons: ['Too many pods'],
      });
    });
  }
  it('reports the pod count with the resources', () => {
    assert.deepEqual(runFilter(podOf([r(6, 1)]), nodeWith(r(5, 1), alloc)), {
      code: Code.Unschedulable,
      reasons: ['Too many pods', 'Insufficient cpu'],
    });
  });
  it('a node without pods allocatable takes no pod', () => {
    const ni = nodeInfoWith(makeNode().name('n').capacity({ cpu: '1' }).obj());
    assert.deepEqual(runFilter(podOf([]), ni), { code: Code.Unschedulable, reasons: ['Too many pods'] });
  });
});

describe('NodeResourcesFit fits()', () => {
  it('lists what is missing with the numbers', () => {
    assert.deepEqual(fits(podOf([r(1, 1)]), nodeWith(r(10, 20))), [
      {
        resourceName: 'cpu',
        reason: 'Insufficient cpu',
        requested: 1,
        used: 10,
        capacity: 10,
        unresolvable: false,
      },
      {
        resourceName: 'memory',
        reason: 'Insufficient memory',
        requested: 1,
        used: 20,
        capacity: 20,
        unresolvable: false,
      },
    ]);
    assert.deepEqual(fits(podOf([r(1, 1)]), nodeWith(r(5, 5))), []);
  });
  it('filter without PreFilter is an error', () => {
    const s = new NodeResourcesFit().filter(new CycleState(), podOf([]), nodeWith({}));
    assert.equal(s.code, Code.Error);
    assert.match(s.message(), /PreFilterNodeResourcesFit/);
  });
});

describe('NodeResourcesFit Score', () => {
  const nodes = [
    nodeInfoWith(
      makeNode().name('node1').capacity({ cpu: '4000', memory: '10000', pods: 100 }).obj(),
      makePod().name('e1').node('node1').container({ cpu: '2000', memory: '4000' }).obj(),
    ),
    nodeInfoWith(
      makeNode().name('node2').capacity({ cpu: '6000', memory: '10000', pods: 100 }).obj(),
      makePod().name('e2').node('node2').container({ cpu: '1000', memory: '2000' }).obj(),
    ),
  ];
  const small = makePod().name('p').container({ cpu: '1000', memory: '2000' }).obj();
  const big = makePod().name('p').container({ cpu: '3000', memory: '5000' }).obj();
  const cases: Array<{ name: string; pod: Pod; args: NodeResourcesFitArgs; want: [number, number] }> = [
    { name: 'LeastAllocated (default)', pod: small, args: {}, want: [32, 63] },
    {
      name: 'MostAllocated',
      pod: small,
      args: { scoringStrategy: { type: 'MostAllocated' } },
      want: [67, 36],
    },
    {
      name: 'RequestedToCapacityRatio, decreasing shape',
      pod: big,
      args: {
        scoringStrategy: {
          type: 'RequestedToCapacityRatio',
          requestedToCapacityRatio: {
            shape: [
              { utilization: 0, score: 10 },
              { utilization: 100, score: 0 },
            ],
          },
        },
      },
      want: [10, 32],
    },
    {
      name: 'RequestedToCapacityRatio, increasing shape',
      pod: big,
      args: {
        scoringStrategy: {
          type: 'RequestedToCapacityRatio',
          requestedToCapacityRatio: {
            shape: [
              { utilization: 0, score: 0 },
              { utilization: 100, score: 10 },
            ],
          },
        },
      },
      want: [95, 68],
    },
    {
      name: 'LeastAllocated weighted towards memory',
      pod: small,
      args: {
        scoringStrategy: {
          resources: [
            { name: 'cpu', weight: 1 },
            { name: 'memory', weight: 3 },
          ],
        },
      },
      // node1: cpu 25, memory 40 → (25 + 120) / 4; node2: cpu 66, memory 60 → (66 + 180) / 4
      want: [36, 61],
    },
  ];
  for (const c of cases) {
    for (const runPreScore of [true, false]) {
      it(`${c.name}${runPreScore ? '' : ' without PreScore'}`, () => {
        const pl = newNodeResourcesFit(
          c.args as Record<string, unknown>,
          new FakeHandle(),
        ) as NodeResourcesFit;
        const state = new CycleState();
        if (runPreScore) assert.ok(pl.preScore(state, c.pod).isSuccess());
        const got = nodes.map((ni) => pl.score(state, c.pod, ni));
        assert.deepEqual(got, c.want);
      });
    }
  }
  it('counts containers without requests as 100m / 200Mi', () => {
    const ni = nodeInfoWith(makeNode().name('n').capacity({ cpu: '1', memory: '1Gi', pods: 10 }).obj());
    const pl = new NodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } });
    const state = new CycleState();
    const pod = makePod().name('p').container().obj();
    pl.preScore(state, pod);
    // cpu 100/1000 → 10, memory 200Mi/1Gi → 19
    assert.equal(pl.score(state, pod, ni), 14);
  });
  it('an extended resource the pod requests counts; one it does not request is left out', () => {
    const ni = nodeInfoWith(
      makeNode()
        .name('n')
        .capacity({ cpu: '4', memory: '4Gi', pods: 10, [EXT_A]: 4 })
        .obj(),
    );
    const pl = new NodeResourcesFit({
      scoringStrategy: {
        type: 'MostAllocated',
        resources: [
          { name: 'cpu', weight: 1 },
          { name: EXT_A, weight: 1 },
        ],
      },
    });
    const state = new CycleState();
    const withExt = makePod()
      .name('p')
      .container({ cpu: '2', [EXT_A]: 1 })
      .obj();
    pl.preScore(state, withExt);
    assert.equal(pl.score(state, withExt, ni), Math.floor((50 + 25) / 2));
    const without = makePod().name('q').container({ cpu: '2' }).obj();
    pl.preScore(state, without);
    assert.equal(pl.score(state, without, ni), 50);
  });
});

describe('NodeResourcesFit args', () => {
  const cases: Array<[string, NodeResourcesFitArgs, RegExp | undefined]> = [
    ['defaults', {}, undefined],
    [
      'bad weight',
      { scoringStrategy: { resources: [{ name: 'cpu', weight: 101 }] } },
      /resource weight of cpu not in valid range \(0, 100\]/,
    ],
    [
      'unknown strategy',
      { scoringStrategy: { type: 'Nope' as 'MostAllocated' } },
      /Unsupported value: "Nope"/,
    ],
    [
      'group with a slash',
      { ignoredResourceGroups: ['example.com/aaa'] },
      /resource group name can't contain '\/'/,
    ],
    [
      'unsorted shape',
      {
        scoringStrategy: {
          type: 'RequestedToCapacityRatio',
          requestedToCapacityRatio: {
            shape: [
              { utilization: 50, score: 1 },
              { utilization: 10, score: 2 },
            ],
          },
        },
      },
      /values must be sorted in increasing order/,
    ],
    [
      'score out of range',
      {
        scoringStrategy: {
          type: 'RequestedToCapacityRatio',
          requestedToCapacityRatio: { shape: [{ utilization: 0, score: 11 }] },
        },
      },
      /not in valid range \[0, 10\]/,
    ],
  ];
  for (const [name, args, want] of cases) {
    it(name, () => {
      const errs = validateNodeResourcesFitArgs(args);
      if (want) {
        assert.ok(
          errs.some((e) => want.test(e)),
          errs.join('; '),
        );
        assert.throws(() => new NodeResourcesFit(args), want);
      } else {
        assert.deepEqual(errs, []);
        assert.equal(new NodeResourcesFit(args).name, NAME);
      }
    });
  }
  it('RequestedToCapacityRatio without a shape is refused', () => {
    assert.throws(
      () => new NodeResourcesFit({ scoringStrategy: { type: 'RequestedToCapacityRatio' } }),
      /shape/,
    );
  });
});

describe('NodeResourcesFit events', () => {
  it('registers pod deletes and node changes that add room', () => {
    assert.deepEqual(new NodeResourcesFit().eventsToRegister(), [
      { resource: 'Pod', actions: ['Delete', 'UpdatePodScaleDown'] },
      { resource: 'Node', actions: ['Add', 'UpdateNodeAllocatable', 'UpdateNodeTaint', 'UpdateNodeLabel'] },
    ]);
  });
});
