import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../api/object.js';
import { CycleState } from '../../framework/cycle-state.js';
import type { Handle, NodeInfoLister, NodeToStatusMap } from '../../framework/interface.js';
import { Code, Status } from '../../framework/status.js';
import { NodeInfo, PodInfo, podKey, type Pod } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import {
  DefaultPreemption,
  MSG_NO_VICTIMS,
  MSG_POLICY_NEVER,
  MSG_TERMINATING,
  NAME,
  newDefaultPreemption,
  parsePdbs,
  pickOneNodeForPreemption,
  type Candidate,
} from './default-preemption.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

/**
 * A framework stand-in: a snapshot of NodeInfos, one Filter (cpu and pod count against allocatable,
 * reasons as NodeResourcesFit), the nominator, and a client that records calls.
 */
class FakeFramework {
  readonly nodes = new Map<string, NodeInfo>();
  pdbs: KubeObject[] = [];
  readonly nominated = new Map<string, PodInfo[]>();
  readonly statusPatches: Array<{ pod: string; patch: Record<string, unknown> }> = [];
  readonly deletes: Array<{ pod: string; preconditionUid: string | undefined }> = [];
  deleteError: ((pod: Pod) => Error) | undefined;
  removeCalls = 0;
  addCalls = 0;
  nowMs = T0 + 60 * 60_000;
  readonly handle: Handle;

  constructor() {
    const lister: NodeInfoLister = {
      list: () => [...this.nodes.values()],
      get: (name) => this.nodes.get(name),
      havePodsWithAffinityList: () => [],
      havePodsWithRequiredAntiAffinityList: () => [],
    };
    this.handle = {
      snapshotSharedLister: () => ({ nodeInfos: () => lister }),
      namespaces: { get: () => undefined, list: () => [] },
      podDisruptionBudgets: () => this.pdbs,
      client: {
        bind: async () => {},
        patchPod: async (pod, patch, sub) => {
          assert.equal(sub, 'status');
          this.statusPatches.push({ pod: pod.metadata.name!, patch });
          return pod;
        },
        deletePod: async (pod, opts) => {
          const err = this.deleteError?.(pod);
          if (err) throw err;
          this.deletes.push({ pod: pod.metadata.name!, preconditionUid: opts?.preconditionUid });
        },
      },
      nominator: {
        addNominatedPod: (pi, nodeName) => {
          this.handle.nominator.deleteNominatedPodIfExists(pi.pod);
          this.nominated.set(nodeName, [...(this.nominated.get(nodeName) ?? []), pi]);
        },
        deleteNominatedPodIfExists: (pod) => {
          for (const [n, list] of this.nominated)
            this.nominated.set(
              n,
              list.filter((pi) => pi.key !== podKey(pod)),
            );
        },
        nominatedPodsForNode: (nodeName) => this.nominated.get(nodeName) ?? [],
      },
      runFilterPluginsWithNominatedPods: (_state, pod, ni) => {
        const prio = pod.spec?.priority ?? 0;
        const extra = (this.nominated.get(ni.name) ?? []).filter(
          (pi) => (pi.pod.spec?.priority ?? 0) >= prio && pi.pod.metadata.uid !== pod.metadata.uid,
        );
        if (extra.length > 0) {
          const withNominated = ni.clone();
          for (const pi of extra) withNominated.addPodInfo(pi);
          const st = this.filter(pod, withNominated);
          if (!st.isSuccess()) return st;
        }
        return this.filter(pod, ni);
      },
      runPreFilterExtensionAddPod: () => {
        this.addCalls++;
        return Status.success();
      },
      runPreFilterExtensionRemovePod: () => {
        this.removeCalls++;
        return Status.success();
      },
      now: () => new Date(this.nowMs),
    };
  }

  node(name: string, cpu: number, pods = 110): this {
    this.nodes.set(
      name,
      new NodeInfo(
        makeNode()
          .name(name)
          .capacity({ cpu: String(cpu), pods })
          .obj(),
      ),
    );
    return this;
  }

  add(pod: Pod): this {
    this.nodes.get(pod.spec!.nodeName!)!.addPodInfo(new PodInfo(pod));
    return this;
  }

  filter(pod: Pod, ni: NodeInfo): Status {
    const req = new PodInfo(pod).requests;
    const reasons: string[] = [];
    if (ni.pods.length + 1 > ni.allocatable.allowedPodNumber) reasons.push('Too many pods');
    if (req.milliCPU > ni.allocatable.milliCPU - ni.requested.milliCPU) reasons.push('Insufficient cpu');
    return reasons.length ? Status.unschedulable(...reasons) : Status.success();
  }

  /** Filter statuses of every node for `pod`, as the runner hands them to PostFilter. */
  statuses(pod: Pod, overrides: Record<string, Status> = {}): NodeToStatusMap {
    const m: NodeToStatusMap = new Map();
    for (const ni of this.nodes.values()) {
      const st =
        overrides[ni.name] ?? this.handle.runFilterPluginsWithNominatedPods(new CycleState(), pod, ni);
      if (!st.isSuccess()) m.set(ni.name, st);
    }
    return m;
  }

  plugin(args?: Record<string, unknown>): DefaultPreemption {
    const pl = newDefaultPreemption(args, this.handle) as DefaultPreemption;
    pl.offsetRand = () => 0;
    return pl;
  }
}

interface PodSpec {
  name: string;
  node?: string;
  priority: number;
  cpu: number;
  start?: number;
  labels?: Record<string, string>;
}

function pod(s: PodSpec): Pod {
  const w = makePod()
    .name(s.name)
    .priority(s.priority)
    .container({ cpu: String(s.cpu) });
  if (s.node) w.node(s.node);
  if (s.labels) w.labels(s.labels);
  const p = w.obj();
  if (s.start !== undefined) p.status = { ...p.status, startTime: at(s.start) };
  return p;
}

function pdb(
  name: string,
  selector: Record<string, string>,
  allowed: number,
  disrupted: string[] = [],
): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'default' },
    spec: { selector: { matchLabels: selector } },
    status: {
      disruptionsAllowed: allowed,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
      disruptedPods: Object.fromEntries(disrupted.map((d) => [d, at(0)])),
    },
  };
}

interface VictimCase {
  name: string;
  nodes: Array<[name: string, cpu: number]>;
  pods: PodSpec[];
  pdbs?: KubeObject[];
  preemptor: Omit<PodSpec, 'name'>;
  overrides?: Record<string, Status>;
  /** node → victim names (most important first) and PDB violations. */
  want: Record<string, { victims: string[]; violations?: number }>;
  wantNode: string;
}

const victimCases: VictimCase[] = [
  {
    name: 'fits on both nodes once the lower-priority pods go',
    nodes: [
      ['n1', 4],
      ['n2', 4],
    ],
    pods: [
      { name: 'a', node: 'n1', priority: 1, cpu: 4 },
      { name: 'b', node: 'n2', priority: 1, cpu: 4 },
    ],
    preemptor: { priority: 10, cpu: 4 },
    want: { n1: { victims: ['a'] }, n2: { victims: ['b'] } },
    wantNode: 'n1',
  },
  {
    name: 'medium priority pod is preempted, the small lower-priority one stays',
    nodes: [['n1', 4]],
    pods: [
      { name: 'low', node: 'n1', priority: 1, cpu: 1 },
      { name: 'mid', node: 'n1', priority: 5, cpu: 3 },
    ],
    preemptor: { priority: 10, cpu: 3 },
    want: { n1: { victims: ['mid'] } },
    wantNode: 'n1',
  },
  {
    name: 'mixed priorities: the most important pod that fits is reprieved',
    nodes: [['n1', 6]],
    pods: [
      { name: 'a', node: 'n1', priority: 2, cpu: 2 },
      { name: 'b', node: 'n1', priority: 4, cpu: 2 },
      { name: 'c', node: 'n1', priority: 6, cpu: 2 },
    ],
    preemptor: { priority: 10, cpu: 4 },
    want: { n1: { victims: ['b', 'a'] } },
    wantNode: 'n1',
  },
  {
    name: 'equal priorities: the later-started pod is the victim',
    nodes: [['n1', 4]],
    pods: [
      { name: 'late', node: 'n1', priority: 5, cpu: 2, start: 10 },
      { name: 'early', node: 'n1', priority: 5, cpu: 2, start: 1 },
    ],
    preemptor: { priority: 10, cpu: 2 },
    want: { n1: { victims: ['late'] } },
    wantNode: 'n1',
  },
  {
    name: 'pods of higher or equal priority are never victims',
    nodes: [
      ['n1', 4],
      ['n2', 4],
    ],
    pods: [
      { name: 'a', node: 'n1', priority: 10, cpu: 4 },
      { name: 'b', node: 'n2', priority: 1, cpu: 2 },
      { name: 'c', node: 'n2', priority: 20, cpu: 2 },
    ],
    preemptor: { priority: 10, cpu: 3 },
    want: {},
    wantNode: '',
  },
  {
    name: 'a node that failed as UnschedulableAndUnresolvable is not a candidate',
    nodes: [
      ['n1', 4],
      ['n2', 4],
    ],
    pods: [
      { name: 'a', node: 'n1', priority: 1, cpu: 4 },
      { name: 'b', node: 'n2', priority: 1, cpu: 4 },
    ],
    preemptor: { priority: 10, cpu: 4 },
    overrides: { n1: Status.unresolvable("node(s) didn't match Pod's node affinity/selector") },
    want: { n2: { victims: ['b'] } },
    wantNode: 'n2',
  },
  {
    name: 'a node picked by fewest PDB violations over lower victim priority',
    nodes: [
      ['n1', 4],
      ['n2', 4],
    ],
    pods: [
      { name: 'a', node: 'n1', priority: 1, cpu: 4, labels: { app: 'db' } },
      { name: 'b', node: 'n2', priority: 5, cpu: 4 },
    ],
    pdbs: [pdb('db', { app: 'db' }, 0)],
    preemptor: { priority: 10, cpu: 4 },
    want: { n1: { victims: ['a'], violations: 1 }, n2: { victims: ['b'] } },
    wantNode: 'n2',
  },
  {
    name: 'two victims under one PDB that allows one disruption: one violation',
    nodes: [['n1', 4]],
    pods: [
      { name: 'a', node: 'n1', priority: 1, cpu: 2, labels: { app: 'foo' } },
      { name: 'b', node: 'n1', priority: 1, cpu: 2, labels: { app: 'foo' } },
    ],
    pdbs: [pdb('foo', { app: 'foo' }, 1)],
    preemptor: { priority: 10, cpu: 4 },
    want: { n1: { victims: ['b', 'a'], violations: 1 } },
    wantNode: 'n1',
  },
  {
    name: 'a victim already in the PDB disruptedPods does not use up the budget',
    nodes: [['n1', 4]],
    pods: [
      { name: 'a', node: 'n1', priority: 1, cpu: 2, labels: { app: 'foo' } },
      { name: 'b', node: 'n1', priority: 1, cpu: 2, labels: { app: 'foo' } },
    ],
    pdbs: [pdb('foo', { app: 'foo' }, 1, ['a'])],
    preemptor: { priority: 10, cpu: 4 },
    want: { n1: { victims: ['a', 'b'], violations: 0 } },
    wantNode: 'n1',
  },
  {
    name: 'disruptedPods naming another pod does not help',
    nodes: [['n1', 4]],
    pods: [
      { name: 'a', node: 'n1', priority: 1, cpu: 2, labels: { app: 'foo' } },
      { name: 'b', node: 'n1', priority: 1, cpu: 2, labels: { app: 'foo' } },
    ],
    pdbs: [pdb('foo', { app: 'foo' }, 1, ['c'])],
    preemptor: { priority: 10, cpu: 4 },
    want: { n1: { victims: ['b', 'a'], violations: 1 } },
    wantNode: 'n1',
  },
  {
    name: 'PDB-protected pods are reprieved first',
    nodes: [['n1', 4]],
    pods: [
      { name: 'protected', node: 'n1', priority: 1, cpu: 2, start: 10, labels: { app: 'db' } },
      { name: 'plain', node: 'n1', priority: 1, cpu: 2, start: 1 },
    ],
    pdbs: [pdb('db', { app: 'db' }, 0)],
    preemptor: { priority: 10, cpu: 2 },
    want: { n1: { victims: ['plain'], violations: 0 } },
    wantNode: 'n1',
  },
  {
    name: 'without the PDB the later-started pod goes',
    nodes: [['n1', 4]],
    pods: [
      { name: 'protected', node: 'n1', priority: 1, cpu: 2, start: 10, labels: { app: 'db' } },
      { name: 'plain', node: 'n1', priority: 1, cpu: 2, start: 1 },
    ],
    preemptor: { priority: 10, cpu: 2 },
    want: { n1: { victims: ['protected'], violations: 0 } },
    wantNode: 'n1',
  },
  {
    name: 'a PDB with an empty selector matches nothing',
    nodes: [['n1', 4]],
    pods: [{ name: 'a', node: 'n1', priority: 1, cpu: 4, labels: { app: 'foo' } }],
    pdbs: [pdb('all', {}, 0)],
    preemptor: { priority: 10, cpu: 4 },
    want: { n1: { victims: ['a'], violations: 0 } },
    wantNode: 'n1',
  },
];

function setup(tc: VictimCase): { fw: FakeFramework; preemptor: Pod } {
  const fw = new FakeFramework();
  for (const [n, cpu] of tc.nodes) fw.node(n, cpu);
  for (const p of tc.pods) fw.add(pod(p));
  fw.pdbs = tc.pdbs ?? [];
  return { fw, preemptor: pod({ name: 'preemptor', ...tc.preemptor }) };
}

describe('DefaultPreemption', () => {
  it('is named as upstream', () => {
    assert.equal(NAME, 'DefaultPreemption');
  });

  for (const tc of victimCases) {
    it(`dry run: ${tc.name}`, () => {
      const { fw, preemptor } = setup(tc);
      const pl = fw.plugin();
      const m = fw.statuses(preemptor, tc.overrides);
      const potential = [...fw.nodes.values()].filter((ni) => m.get(ni.name)?.code === Code.Unschedulable);
      const { candidates } = pl.dryRunPreemption(
        new CycleState(),
        preemptor,
        potential,
        parsePdbs(fw.pdbs),
        0,
        potential.length,
        fw.nowMs,
      );
      const got = Object.fromEntries(
        candidates.map((c) => [
          c.nodeName,
          { victims: c.victims.map((v) => v.metadata.name!), violations: c.numPDBViolations },
        ]),
      );
      const want = Object.fromEntries(
        Object.entries(tc.want).map(([n, w]) => [n, { victims: w.victims, violations: w.violations ?? 0 }]),
      );
      assert.deepEqual(got, want);
      assert.equal(pl.selectCandidate(candidates, fw.nowMs)?.nodeName ?? '', tc.wantNode);
    });
  }

  it('works on copies: the snapshot keeps its pods', () => {
    const { fw, preemptor } = setup(victimCases[2]!);
    const before = fw.nodes.get('n1')!.pods.map((p) => p.pod.metadata.name);
    const gen = fw.nodes.get('n1')!.generation;
    const potential = [...fw.nodes.values()];
    fw.plugin().dryRunPreemption(new CycleState(), preemptor, potential, [], 0, 1, fw.nowMs);
    assert.deepEqual(
      fw.nodes.get('n1')!.pods.map((p) => p.pod.metadata.name),
      before,
    );
    assert.equal(fw.nodes.get('n1')!.generation, gen);
    assert.ok(fw.removeCalls >= 3 && fw.addCalls >= 1, 'PreFilter extensions are told of every change');
  });

  it('counts higher-priority nominated pods when choosing victims', () => {
    const fw = new FakeFramework().node('n1', 4);
    fw.add(pod({ name: 'a', node: 'n1', priority: 1, cpu: 2 }));
    fw.add(pod({ name: 'b', node: 'n1', priority: 1, cpu: 2, start: 5 }));
    const preemptor = pod({ name: 'preemptor', priority: 10, cpu: 2 });
    const { candidates: alone } = fw
      .plugin()
      .dryRunPreemption(new CycleState(), preemptor, [...fw.nodes.values()], [], 0, 1, fw.nowMs);
    assert.deepEqual(
      alone[0]!.victims.map((v) => v.metadata.name),
      ['a'],
    );
    fw.handle.nominator.addNominatedPod(new PodInfo(pod({ name: 'x', priority: 100, cpu: 2 })), 'n1');
    const { candidates } = fw
      .plugin()
      .dryRunPreemption(new CycleState(), preemptor, [...fw.nodes.values()], [], 0, 1, fw.nowMs);
    assert.deepEqual(
      candidates[0]!.victims.map((v) => v.metadata.name),
      ['b', 'a'],
    );
  });

  const pickCases: Array<{
    name: string;
    candidates: Array<[string, Array<[number, number?]>, number?]>;
    want: string;
  }> = [
    {
      name: 'fewest PDB violations first',
      candidates: [
        ['n1', [[1]], 1],
        ['n2', [[100]], 0],
      ],
      want: 'n2',
    },
    {
      name: 'lowest highest-priority victim',
      candidates: [
        ['n1', [[10], [1]]],
        ['n2', [[5], [5], [5]]],
        ['n3', [[8]]],
      ],
      want: 'n2',
    },
    {
      name: 'same highest priority: smallest sum',
      candidates: [
        ['n1', [[10], [5]]],
        ['n2', [[10], [3]]],
      ],
      want: 'n2',
    },
    {
      name: 'sum of adjusted priorities: more negative-priority victims is not cheaper',
      candidates: [
        ['n1', [[-10], [-10]]],
        ['n2', [[-10]]],
      ],
      want: 'n2',
    },
    {
      name: 'same priorities and count: latest start of the highest-priority victims',
      candidates: [
        ['n1', [[10, 1]]],
        ['n2', [[10, 5]]],
        ['n3', [[10, 3]]],
      ],
      want: 'n2',
    },
    {
      name: 'start time of the highest-priority victims, not of the others',
      candidates: [
        [
          'n1',
          [
            [10, 8],
            [5, 0],
          ],
        ],
        [
          'n2',
          [
            [10, 2],
            [5, 9],
          ],
        ],
      ],
      want: 'n1',
    },
    {
      name: 'a tie on everything: the first',
      candidates: [
        ['n1', [[3, 1]]],
        ['n2', [[3, 1]]],
      ],
      want: 'n1',
    },
  ];
  for (const tc of pickCases) {
    it(`pick node: ${tc.name}`, () => {
      const candidates: Candidate[] = tc.candidates.map(([nodeName, victims, v], i) => ({
        nodeName,
        numPDBViolations: v ?? 0,
        victims: victims.map(([priority, start], j) =>
          pod({ name: `v${i}-${j}`, priority, cpu: 1, ...(start !== undefined ? { start } : {}) }),
        ),
      }));
      assert.equal(pickOneNodeForPreemption(candidates, T0 + 3600_000), tc.want);
    });
  }

  const terminating = (p: Pod, byScheduler: boolean): Pod => ({
    ...p,
    metadata: { ...p.metadata, deletionTimestamp: at(30) },
    status: {
      ...p.status,
      conditions: byScheduler
        ? [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }]
        : [{ type: 'Ready', status: 'True' }],
    },
  });
  const eligibilityCases: Array<{
    name: string;
    preemptor: Pod;
    onNode?: Pod;
    nominatedStatus?: Status;
    ok: boolean;
    reason?: string;
  }> = [
    {
      name: 'preemptionPolicy Never',
      preemptor: {
        ...pod({ name: 'p', priority: 10, cpu: 1 }),
        spec: { containers: [], preemptionPolicy: 'Never' },
      },
      ok: false,
      reason: MSG_POLICY_NEVER,
    },
    { name: 'no nominated node', preemptor: pod({ name: 'p', priority: 10, cpu: 1 }), ok: true },
    {
      name: 'nominated node with a victim it preempted still terminating',
      preemptor: makePod().name('p').priority(10).nominatedNode('n1').obj(),
      onNode: terminating(pod({ name: 'v', node: 'n1', priority: 1, cpu: 1 }), true),
      ok: false,
      reason: MSG_TERMINATING,
    },
    {
      name: 'terminating pod not deleted by preemption',
      preemptor: makePod().name('p').priority(10).nominatedNode('n1').obj(),
      onNode: terminating(pod({ name: 'v', node: 'n1', priority: 1, cpu: 1 }), false),
      ok: true,
    },
    {
      name: 'terminating pod of higher priority',
      preemptor: makePod().name('p').priority(10).nominatedNode('n1').obj(),
      onNode: terminating(pod({ name: 'v', node: 'n1', priority: 20, cpu: 1 }), true),
      ok: true,
    },
    {
      name: 'victims terminating but the nominated node is now UnschedulableAndUnresolvable',
      preemptor: makePod().name('p').priority(10).nominatedNode('n1').obj(),
      onNode: terminating(pod({ name: 'v', node: 'n1', priority: 1, cpu: 1 }), true),
      nominatedStatus: Status.unresolvable('node(s) had untolerated taint'),
      ok: true,
    },
  ];
  for (const tc of eligibilityCases) {
    it(`eligibility: ${tc.name}`, () => {
      const fw = new FakeFramework().node('n1', 4);
      if (tc.onNode) fw.add(tc.onNode);
      const got = fw
        .plugin()
        .podEligibleToPreemptOthers(tc.preemptor, tc.nominatedStatus ?? Status.unschedulable('x'));
      assert.equal(got.ok, tc.ok);
      assert.equal(got.reason, tc.reason ?? '');
    });
  }

  it('PostFilter: evicts victims gracefully, nominates the preemptor, clears lower nominations', async () => {
    const fw = new FakeFramework().node('n1', 4).node('n2', 4);
    fw.add(pod({ name: 'a', node: 'n1', priority: 1, cpu: 3 }));
    const done = terminating(pod({ name: 'gone', node: 'n1', priority: 1, cpu: 1 }), false);
    fw.add(done);
    fw.add(pod({ name: 'b', node: 'n2', priority: 5, cpu: 4 }));
    const low = makePod().name('low').priority(2).nominatedNode('n1').obj();
    const high = makePod().name('high').priority(50).nominatedNode('n1').obj();
    fw.handle.nominator.addNominatedPod(new PodInfo(low), 'n1');
    fw.handle.nominator.addNominatedPod(new PodInfo(high), 'n1');
    const preemptor = pod({ name: 'preemptor', priority: 10, cpu: 4 });
    const { result, status } = await fw
      .plugin()
      .postFilter(new CycleState(), preemptor, fw.statuses(preemptor));
    assert.ok(status.isSuccess(), status.toString());
    assert.deepEqual(result, { nominatedNodeName: 'n1' });
    // Victims: a gets the DisruptionTarget condition and is deleted; the terminating one is not deleted again.
    assert.deepEqual(fw.deletes, [{ pod: 'a', preconditionUid: 'uid-a' }]);
    const conditionPatch = fw.statusPatches.find((p) => p.pod === 'a')!.patch as {
      status: { conditions: Array<Record<string, unknown>> };
    };
    assert.deepEqual(
      conditionPatch.status.conditions.map(({ lastTransitionTime: _t, ...c }) => c),
      [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'PreemptionByScheduler',
          message: 'default-scheduler: preempting to accommodate a higher priority pod',
        },
      ],
    );
    assert.deepEqual(fw.statusPatches.find((p) => p.pod === 'low')?.patch, {
      status: { nominatedNodeName: null },
    });
    assert.equal(
      fw.statusPatches.find((p) => p.pod === 'high'),
      undefined,
    );
    assert.deepEqual(fw.statusPatches.find((p) => p.pod === 'preemptor')?.patch, {
      status: { nominatedNodeName: 'n1' },
    });
    assert.deepEqual(
      fw.handle.nominator.nominatedPodsForNode('n1').map((pi) => pi.pod.metadata.name),
      ['high', 'preemptor'],
    );
  });

  it('PostFilter: a victim that already carries the condition is only deleted', async () => {
    const fw = new FakeFramework().node('n1', 2);
    const v = pod({ name: 'v', node: 'n1', priority: 1, cpu: 2 });
    v.status = {
      conditions: [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'PreemptionByScheduler',
          message: 'default-scheduler: preempting to accommodate a higher priority pod',
        },
      ],
    };
    fw.add(v);
    const preemptor = pod({ name: 'preemptor', priority: 10, cpu: 2 });
    const { status } = await fw.plugin().postFilter(new CycleState(), preemptor, fw.statuses(preemptor));
    assert.ok(status.isSuccess());
    assert.deepEqual(
      fw.deletes.map((d) => d.pod),
      ['v'],
    );
    assert.equal(
      fw.statusPatches.find((p) => p.pod === 'v'),
      undefined,
    );
  });

  const failureCases: Array<{
    name: string;
    setup: (fw: FakeFramework) => void;
    preemptor: Pod;
    code: Code;
    message: string;
    result?: { nominatedNodeName: string };
  }> = [
    {
      name: 'no lower-priority pods anywhere',
      setup: (fw) => {
        fw.node('n1', 2).node('n2', 2);
        fw.add(pod({ name: 'a', node: 'n1', priority: 10, cpu: 2 }));
        fw.add(pod({ name: 'b', node: 'n2', priority: 20, cpu: 2 }));
      },
      preemptor: pod({ name: 'p', priority: 10, cpu: 2 }),
      code: Code.Unschedulable,
      message: `preemption: 0/2 nodes are available: 2 ${MSG_NO_VICTIMS}.`,
      result: { nominatedNodeName: '' },
    },
    {
      name: 'too big for any node even when emptied, and one node ruled out',
      setup: (fw) => {
        fw.node('n1', 2).node('n2', 2).node('n3', 2);
        fw.add(pod({ name: 'a', node: 'n1', priority: 1, cpu: 1 }));
        fw.add(pod({ name: 'b', node: 'n2', priority: 1, cpu: 1 }));
      },
      preemptor: pod({ name: 'p', priority: 10, cpu: 4 }),
      code: Code.Unschedulable,
      message:
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 Insufficient cpu.',
      result: { nominatedNodeName: '' },
    },
    {
      name: 'preemptionPolicy Never',
      setup: (fw) => {
        fw.node('n1', 2);
        fw.add(pod({ name: 'a', node: 'n1', priority: 1, cpu: 2 }));
      },
      preemptor: {
        ...pod({ name: 'p', priority: 10, cpu: 2 }),
        spec: {
          containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '2' } } }],
          priority: 10,
          preemptionPolicy: 'Never',
        },
      },
      code: Code.Unschedulable,
      message: `preemption: ${MSG_POLICY_NEVER}`,
    },
    {
      name: 'deleting a victim fails',
      setup: (fw) => {
        fw.node('n1', 2);
        fw.add(pod({ name: 'a', node: 'n1', priority: 1, cpu: 2 }));
        fw.deleteError = () => Object.assign(new Error('etcdserver: request timed out'), { code: 500 });
      },
      preemptor: pod({ name: 'p', priority: 10, cpu: 2 }),
      code: Code.Error,
      message: 'preemption: etcdserver: request timed out',
    },
  ];
  for (const tc of failureCases) {
    it(`PostFilter fails: ${tc.name}`, async () => {
      const fw = new FakeFramework();
      tc.setup(fw);
      const overrides: Record<string, Status> = fw.nodes.has('n3')
        ? { n3: Status.unresolvable('node(s) had untolerated taint {dedicated: gpu}') }
        : {};
      const m = fw.statuses(tc.preemptor, overrides);
      const { result, status } = await fw.plugin().postFilter(new CycleState(), tc.preemptor, m);
      assert.equal(status.code, tc.code);
      assert.equal(status.message(), tc.message);
      assert.deepEqual(result, tc.result);
      if (tc.code !== Code.Error) assert.deepEqual(fw.deletes, []);
    });
  }

  it('PostFilter: a victim already gone (404) is fine', async () => {
    const fw = new FakeFramework().node('n1', 2);
    fw.add(pod({ name: 'a', node: 'n1', priority: 1, cpu: 2 }));
    fw.deleteError = () => Object.assign(new Error('pods "a" not found'), { code: 404 });
    const preemptor = pod({ name: 'p', priority: 10, cpu: 2 });
    const { result, status } = await fw
      .plugin()
      .postFilter(new CycleState(), preemptor, fw.statuses(preemptor));
    assert.ok(status.isSuccess());
    assert.deepEqual(result, { nominatedNodeName: 'n1' });
  });

  it('PostFilter clears the nomination of a pod preemption cannot help', async () => {
    const fw = new FakeFramework().node('n1', 2);
    fw.add(pod({ name: 'a', node: 'n1', priority: 50, cpu: 2 }));
    const preemptor = makePod().name('p').priority(10).container({ cpu: '2' }).nominatedNode('n1').obj();
    fw.handle.nominator.addNominatedPod(new PodInfo(preemptor), 'n1');
    const { status } = await fw.plugin().postFilter(new CycleState(), preemptor, fw.statuses(preemptor));
    assert.equal(status.code, Code.Unschedulable);
    assert.deepEqual(fw.statusPatches, [{ pod: 'p', patch: { status: { nominatedNodeName: null } } }]);
    assert.deepEqual(fw.handle.nominator.nominatedPodsForNode('n1'), []);
  });

  const numCases: Array<{ args?: Record<string, unknown>; nodes: number; want: number }> = [
    { nodes: 10, want: 10 },
    { nodes: 1000, want: 100 },
    { nodes: 5000, want: 500 },
    { args: { minCandidateNodesPercentage: 50, minCandidateNodesAbsolute: 2 }, nodes: 3, want: 2 },
    { args: { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 1 }, nodes: 10, want: 1 },
  ];
  for (const tc of numCases) {
    it(`numCandidates ${JSON.stringify(tc.args ?? 'default')} of ${tc.nodes} nodes is ${tc.want}`, () => {
      assert.equal(new FakeFramework().plugin(tc.args).calculateNumCandidates(tc.nodes), tc.want);
    });
  }

  it('dry run stops after numCandidates, starting at the offset and wrapping around', () => {
    const fw = new FakeFramework();
    for (let i = 1; i <= 5; i++)
      fw.node(`n${i}`, 2).add(pod({ name: `v${i}`, node: `n${i}`, priority: 1, cpu: 2 }));
    const pl = fw.plugin({ minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 2 });
    const nodes = [...fw.nodes.values()];
    const preemptor = pod({ name: 'p', priority: 10, cpu: 2 });
    const run = (offset: number): string[] =>
      pl
        .dryRunPreemption(new CycleState(), preemptor, nodes, [], offset, 2, fw.nowMs)
        .candidates.map((c) => c.nodeName);
    assert.deepEqual(run(1), ['n2', 'n3']);
    assert.deepEqual(run(4), ['n5', 'n1']);
  });

  it('dry run looks past numCandidates until a node without PDB violations is found', async () => {
    const fw = new FakeFramework();
    for (let i = 1; i <= 4; i++) {
      const labels = i < 4 ? { app: 'db' } : { app: 'web' };
      fw.node(`n${i}`, 2).add(pod({ name: `v${i}`, node: `n${i}`, priority: 1, cpu: 2, labels }));
    }
    fw.pdbs = [pdb('db', { app: 'db' }, 0)];
    const pl = fw.plugin({ minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 2 });
    const preemptor = pod({ name: 'p', priority: 10, cpu: 2 });
    const { candidates } = pl.dryRunPreemption(
      new CycleState(),
      preemptor,
      [...fw.nodes.values()],
      parsePdbs(fw.pdbs),
      0,
      2,
      fw.nowMs,
    );
    assert.deepEqual(
      candidates.map((c) => [c.nodeName, c.numPDBViolations]),
      [
        ['n4', 0],
        ['n1', 1],
        ['n2', 1],
      ],
    );
    const { result } = await pl.postFilter(new CycleState(), preemptor, fw.statuses(preemptor));
    assert.deepEqual(result, { nominatedNodeName: 'n4' });
  });

  const argCases: Array<{ args: Record<string, unknown>; error: RegExp }> = [
    {
      args: { minCandidateNodesPercentage: 101 },
      error: /minCandidateNodesPercentage: Invalid value: 101: not in valid range \[0, 100\]/,
    },
    {
      args: { minCandidateNodesAbsolute: -1 },
      error: /minCandidateNodesAbsolute: Invalid value: -1: not in valid range \[0, inf\)/,
    },
    {
      args: { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0 },
      error: /cannot be zero at the same time as minCandidateNodesAbsolute/,
    },
  ];
  for (const tc of argCases) {
    it(`rejects args ${JSON.stringify(tc.args)}`, () => {
      assert.throws(() => new FakeFramework().plugin(tc.args), tc.error);
    });
  }
});
