import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { Snapshot } from './cache/snapshot.js';
import { defaultPlugins, mergePlugins } from './config.js';
import { CycleState } from './framework/cycle-state.js';
import { inTreeRegistry } from './framework/registry.js';
import { Framework } from './framework/runner.js';
import { Status } from './framework/status.js';
import type { Node, Pod } from './framework/types.js';
import { Diagnosis, FitError, NoNodesAvailableError, fitErrorMessage } from './fit-error.js';
import { Nominator } from './queue/nominator.js';
import { PodScheduler, numFeasibleNodesToFind, selectHost } from './schedule-one.js';
import { makeNode, makePod } from './testing/wrappers.js';

test('numFeasibleNodesToFind as upstream', () => {
  const table: Array<[pct: number, nodes: number, want: number]> = [
    [0, 10, 10],
    [40, 10, 10],
    [0, 99, 99],
    [0, 100, 100],
    [0, 1000, 420],
    [40, 1000, 400],
    [0, 5000, 500],
    [0, 6000, 300],
    [40, 6000, 2400],
    [1, 1000, 100],
    [100, 5000, 5000],
  ];
  for (const [pct, nodes, want] of table)
    assert.equal(numFeasibleNodesToFind(pct, nodes), want, `${pct}% of ${nodes}`);
});

test('selectHost picks the top score and spreads ties evenly', () => {
  assert.equal(selectHost([]), -1);
  assert.equal(selectHost([1, 5, 3]), 1);
  const counts = [0, 0, 0, 0];
  let seed = 1;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 3000; i++) counts[selectHost([7, 3, 7, 7], rand)]!++;
  assert.equal(counts[1], 0);
  for (const i of [0, 2, 3]) assert.ok(counts[i]! > 800 && counts[i]! < 1200, `tie ${i}: ${counts[i]}`);
});

test('FitError message as upstream', () => {
  const d = new Diagnosis();
  for (const n of ['a', 'b', 'c']) d.nodeToStatus.set(n, Status.unschedulable('Insufficient cpu'));
  for (const n of ['d', 'e']) {
    d.nodeToStatus.set(n, Status.unresolvable('node(s) had untolerated taint {node-role: master}'));
  }
  // Reasons are sorted as strings, count first, as upstream's sort.Strings does.
  assert.equal(
    fitErrorMessage(5, d),
    '0/5 nodes are available: 2 node(s) had untolerated taint {node-role: master}, 3 Insufficient cpu.',
  );
  d.postFilterMsg = 'preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.';
  const err = new FitError(makePod().name('p').obj(), 5, d);
  assert.equal(
    err.message,
    '0/5 nodes are available: 2 node(s) had untolerated taint {node-role: master}, 3 Insufficient cpu. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.',
  );
  const pre = new Diagnosis();
  pre.preFilterMsg = "node(s) didn't match pod topology spread constraints (missing required label)";
  pre.nodeToStatus.set('a', Status.unresolvable(pre.preFilterMsg));
  assert.equal(
    fitErrorMessage(1, pre),
    "0/1 nodes are available: node(s) didn't match pod topology spread constraints (missing required label).",
  );
  const multi = new Diagnosis();
  multi.nodeToStatus.set('a', Status.unschedulable('Insufficient cpu', 'Insufficient memory'));
  multi.nodeToStatus.set('b', Status.unschedulable('Insufficient memory'));
  assert.equal(
    fitErrorMessage(2, multi),
    '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.',
  );
});

const optionalPlugins = new Set([
  'PodTopologySpread',
  'InterPodAffinity',
  'DefaultPreemption',
  'ImageLocality',
]);

function setup(
  nodes: Node[],
  pods: Pod[] = [],
  percentage = 0,
): { fwk: Framework; sched: PodScheduler; nominator: Nominator } {
  const snapshot = Snapshot.of(nodes, pods);
  const nominator = new Nominator();
  const fwk = new Framework({
    profile: {
      schedulerName: 'default-scheduler',
      plugins: mergePlugins(defaultPlugins(), {}),
      pluginConfig: [],
    },
    registry: inTreeRegistry(),
    optionalPlugins,
    percentageOfNodesToScore: percentage,
    client: { bind: async () => {}, patchPod: async (p) => p, deletePod: async () => {} },
    snapshot: () => snapshot,
    namespaces: { get: () => undefined, list: () => [] },
    podDisruptionBudgets: () => [],
    nominator,
    clock: new FakeClock(),
  });
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  return { fwk, sched: new PodScheduler(snapshot, rand), nominator };
}

const node = (
  name: string,
  cpu: string,
  extra: (w: ReturnType<typeof makeNode>) => void = () => {},
): Node => {
  const w = makeNode().name(name).capacity({ cpu, memory: '16Gi', pods: 110 });
  extra(w);
  return w.obj();
};

test('schedulePod: the pod lands where upstream would put it', () => {
  const cases: Array<{ name: string; nodes: Node[]; pods?: Pod[]; pod: Pod; want: string | RegExp }> = [
    {
      name: 'only the big node fits',
      nodes: [node('small', '1'), node('big', '8')],
      pod: makePod().name('p').container({ cpu: '2' }).obj(),
      want: 'big',
    },
    {
      name: 'least allocated wins',
      nodes: [node('busy', '4'), node('idle', '4')],
      pods: [makePod().name('x').container({ cpu: '3', memory: '1Gi' }).node('busy').obj()],
      pod: makePod().name('p').container({ cpu: '500m', memory: '500Mi' }).obj(),
      want: 'idle',
    },
    {
      name: 'nodeSelector',
      nodes: [node('a', '4'), node('b', '4', (w) => w.label('disk', 'ssd'))],
      pod: makePod().name('p').nodeSelector({ disk: 'ssd' }).obj(),
      want: 'b',
    },
    {
      name: 'taints without toleration',
      nodes: [
        node('a', '4', (w) => w.taint({ key: 'node-role', value: 'master', effect: 'NoSchedule' })),
        node('b', '1'),
      ],
      pod: makePod().name('p').obj(),
      want: 'b',
    },
    {
      name: 'unschedulable node',
      nodes: [node('a', '4', (w) => w.unschedulable()), node('b', '1')],
      pod: makePod().name('p').obj(),
      want: 'b',
    },
    {
      name: 'fits nowhere',
      nodes: [
        node('a', '1'),
        node('b', '1'),
        node('c', '1'),
        node('d', '8', (w) => w.taint({ key: 'node-role', value: 'master', effect: 'NoSchedule' })),
        node('e', '8', (w) => w.taint({ key: 'node-role', value: 'master', effect: 'NoSchedule' })),
      ],
      pod: makePod().name('p').container({ cpu: '2' }).obj(),
      want: /^0\/5 nodes are available: 2 node\(s\) had untolerated taint \{node-role: master\}, 3 Insufficient cpu\.$/,
    },
  ];
  for (const c of cases) {
    const { fwk, sched } = setup(c.nodes, c.pods);
    try {
      const r = sched.schedulePod(fwk, new CycleState(), c.pod);
      assert.equal(r.suggestedHost, c.want, c.name);
    } catch (e) {
      if (!(c.want instanceof RegExp)) throw e;
      assert.ok(e instanceof FitError, c.name);
      assert.match(e.message, c.want, c.name);
      assert.deepEqual(
        [...e.diagnosis.unschedulablePlugins].sort(),
        ['NodeResourcesFit', 'TaintToleration'],
        c.name,
      );
    }
  }
});

test('no nodes at all', () => {
  const { fwk, sched } = setup([]);
  assert.throws(
    () => sched.schedulePod(fwk, new CycleState(), makePod().name('p').obj()),
    NoNodesAvailableError,
  );
});

test('sampling: 1,000 nodes evaluate 420, and the start index rotates', () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${i}`, '4'));
  const { fwk, sched } = setup(nodes);
  const r1 = sched.schedulePod(fwk, new CycleState(), makePod().name('p1').obj());
  assert.equal(r1.feasibleNodes, 420);
  assert.equal(sched.nextStartNodeIndex, 420);
  sched.schedulePod(fwk, new CycleState(), makePod().name('p2').obj());
  sched.schedulePod(fwk, new CycleState(), makePod().name('p3').obj());
  assert.equal(sched.nextStartNodeIndex, 260);
  const all = setup(nodes, [], 100);
  assert.equal(
    all.sched.schedulePod(all.fwk, new CycleState(), makePod().name('p').obj()).feasibleNodes,
    1000,
  );
});

test('the nominated node is tried first', () => {
  const nodes = Array.from({ length: 5 }, (_, i) => node(`n${i}`, '4'));
  const { fwk, sched } = setup(nodes);
  const p = makePod().name('p').nominatedNode('n3').obj();
  const r = sched.schedulePod(fwk, new CycleState(), p);
  assert.equal(r.suggestedHost, 'n3');
  assert.equal(r.evaluatedNodes, 1);
});
