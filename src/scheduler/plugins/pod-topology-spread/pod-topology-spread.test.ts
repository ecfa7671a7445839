import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TopologySpreadConstraint } from '../../../api/openapi/generated/types.js';
import { CycleState } from '../../framework/cycle-state.js';
import { Code, type Status } from '../../framework/status.js';
import { type Node, type NodeInfo, type NodeScore, type Pod, PodInfo } from '../../framework/types.js';
import { FakeHandle } from '../helpers/testing.js';
import { makeNode, makePod, nodeInfoWith } from '../../testing/wrappers.js';
import type { WorkloadListers } from './default-selector.js';
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  LABEL_HOSTNAME,
  NAME,
  newPodTopologySpread,
  type PodTopologySpread,
  type PodTopologySpreadArgs,
} from './pod-topology-spread.js';

const S = Code.Success;
const U = Code.Unschedulable;
const UU = Code.UnschedulableAndUnresolvable;

const foo = { matchExpressions: [{ key: 'foo', operator: 'Exists' }] };

function spread(
  maxSkew: number,
  topologyKey: string,
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway',
  labelSelector: TopologySpreadConstraint['labelSelector'] | null,
  extra: Partial<TopologySpreadConstraint> = {},
): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable, ...(labelSelector ? { labelSelector } : {}), ...extra };
}

/** node name → zone/node labels as upstream's tests build them. */
function zoneNode(name: string, zone: string | undefined, extra: Record<string, string> = {}): Node {
  const n = makeNode().name(name).label('node', name);
  if (zone !== undefined) n.label('zone', zone);
  return n.labels(extra).obj();
}

/** `n` pods labelled foo on `node`, named from `prefix`. */
function fooPods(node: string, n: number, prefix = `p-${node}`): Pod[] {
  return Array.from({ length: n }, (_, i) =>
    makePod().name(`${prefix}${i}`).node(node).label('foo', '').obj(),
  );
}

function snapshot(nodes: Node[], pods: Pod[]): NodeInfo[] {
  return nodes.map((n) => nodeInfoWith(n, ...pods.filter((p) => p.spec?.nodeName === n.metadata.name)));
}

function plugin(
  infos: NodeInfo[],
  args: PodTopologySpreadArgs = {},
): { pl: PodTopologySpread; handle: FakeHandle } {
  const handle = new FakeHandle({ nodes: infos });
  return { pl: newPodTopologySpread(args as Record<string, unknown>, handle) as PodTopologySpread, handle };
}

function filterCodes(pl: PodTopologySpread, infos: NodeInfo[], pod: Pod): Record<string, Code> {
  const state = new CycleState();
  const pre = pl.preFilter(state, pod, infos);
  assert.equal(pre.status.code, Code.Success, `preFilter: ${pre.status.toString()}`);
  const out: Record<string, Code> = {};
  for (const ni of infos) out[ni.name] = pl.filter(state, pod, ni).code;
  return out;
}

describe('PodTopologySpread Filter: one constraint', () => {
  const nodes4 = [
    zoneNode('node-a', 'zone1'),
    zoneNode('node-b', 'zone1'),
    zoneNode('node-x', 'zone2'),
    zoneNode('node-y', 'zone2'),
  ];
  const cases: Array<{ name: string; pod: Pod; nodes: Node[]; pods: Pod[]; want: Record<string, Code> }> = [
    {
      name: 'no existing pods',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [],
      want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S },
    },
    {
      name: "no existing pods, incoming pod doesn't match itself",
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(
          spread(1, 'zone', 'DoNotSchedule', { matchExpressions: [{ key: 'bar', operator: 'Exists' }] }),
        )
        .obj(),
      nodes: nodes4,
      pods: [],
      want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S },
    },
    {
      name: 'existing pods in a different namespace do not count',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [
        makePod().name('p-a1').namespace('ns1').node('node-a').label('foo', '').obj(),
        makePod().name('p-b1').namespace('ns2').node('node-a').label('foo', '').obj(),
        ...fooPods('node-x', 1),
        ...fooPods('node-y', 1),
      ],
      want: { 'node-a': S, 'node-b': S, 'node-x': U, 'node-y': U },
    },
    {
      name: 'pods spread across zones as 3/3, all nodes fit',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 2), ...fooPods('node-b', 1), ...fooPods('node-y', 3)],
      want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S },
    },
    {
      name: "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .obj(),
      nodes: [
        zoneNode('node-a', 'zone1'),
        zoneNode('node-b', undefined, { zon: 'zone1' }),
        zoneNode('node-x', 'zone2'),
        zoneNode('node-y', 'zone2'),
      ],
      pods: [
        ...fooPods('node-a', 1),
        ...fooPods('node-b', 1),
        ...fooPods('node-x', 1),
        ...fooPods('node-y', 1),
      ],
      want: { 'node-a': S, 'node-b': UU, 'node-x': U, 'node-y': U },
    },
    {
      name: "pod cannot be scheduled as all nodes don't have label 'rack'",
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'rack', 'DoNotSchedule', foo))
        .obj(),
      nodes: [zoneNode('node-a', 'zone1'), zoneNode('node-x', 'zone2')],
      pods: [],
      want: { 'node-a': UU, 'node-x': UU },
    },
    {
      name: 'pods spread across nodes as 2/1/0/3, only node-x fits',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 2), ...fooPods('node-b', 1), ...fooPods('node-y', 3)],
      want: { 'node-a': U, 'node-b': U, 'node-x': S, 'node-y': U },
    },
    {
      name: 'pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(2, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 2), ...fooPods('node-b', 1), ...fooPods('node-y', 3)],
      want: { 'node-a': U, 'node-b': S, 'node-x': S, 'node-y': U },
    },
    {
      name: "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
      pod: makePod()
        .name('p')
        .label('bar', '')
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 2), ...fooPods('node-b', 1), ...fooPods('node-y', 3)],
      want: { 'node-a': U, 'node-b': S, 'node-x': S, 'node-y': U },
    },
    {
      name: 'incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .requiredNodeAffinity([[{ key: 'node', operator: 'In', values: ['node-a', 'node-y'] }]])
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 2), ...fooPods('node-b', 1), ...fooPods('node-y', 3)],
      // node-b and node-x fit here only because NodeAffinity's own Filter does not run.
      want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': U },
    },
    {
      name: 'nodeAffinityPolicy Ignore counts the nodes the pod cannot go to',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .requiredNodeAffinity([[{ key: 'node', operator: 'In', values: ['node-a', 'node-y'] }]])
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo, { nodeAffinityPolicy: 'Ignore' }))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 2), ...fooPods('node-b', 1), ...fooPods('node-y', 3)],
      want: { 'node-a': U, 'node-b': U, 'node-x': S, 'node-y': U },
    },
    {
      name: 'terminating pods are excluded',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: [zoneNode('node-a', undefined), zoneNode('node-b', undefined)],
      pods: [
        (() => {
          const p = makePod().name('p-a').node('node-a').label('foo', '').obj();
          p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
          return p;
        })(),
        ...fooPods('node-b', 1),
      ],
      want: { 'node-a': S, 'node-b': U },
    },
    {
      name: 'an empty selector counts no pods (upstream: an Empty selector matches nothing when counting)',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', {}))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 3)],
      want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot(c.nodes, c.pods);
      const { pl } = plugin(infos);
      assert.deepEqual(filterCodes(pl, infos, c.pod), c.want);
    });
  }
});

describe('PodTopologySpread Filter: several constraints, minDomains, policies, matchLabelKeys', () => {
  const nodes4 = [
    zoneNode('node-a', 'zone1'),
    zoneNode('node-b', 'zone1'),
    zoneNode('node-x', 'zone2'),
    zoneNode('node-y', 'zone2'),
  ];
  const cases: Array<{ name: string; pod: Pod; nodes: Node[]; pods: Pod[]; want: Record<string, Code> }> = [
    {
      name: 'two constraints on zone and node, spreads = [3/3, 2/1/0/3]',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 2), ...fooPods('node-b', 1), ...fooPods('node-y', 3)],
      want: { 'node-a': U, 'node-b': U, 'node-x': S, 'node-y': U },
    },
    {
      name: 'two constraints on zone and node, spreads = [3/4, 2/1/0/4]',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 2), ...fooPods('node-b', 1), ...fooPods('node-y', 4)],
      want: { 'node-a': U, 'node-b': U, 'node-x': U, 'node-y': U },
    },
    {
      name: 'a node missing one of two topology keys is not a domain of either constraint',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: [zoneNode('node-a', 'zone1'), zoneNode('node-b', undefined), zoneNode('node-x', 'zone2')],
      // node-b's pods count nowhere: zones are 1/0, nodes 1/~3~/0.
      pods: [...fooPods('node-a', 1), ...fooPods('node-b', 3)],
      want: { 'node-a': U, 'node-b': UU, 'node-x': S },
    },
    {
      name: 'minDomains above the number of domains makes the global minimum 0',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo, { minDomains: 3 }))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 1), ...fooPods('node-x', 1)],
      // zones 1/1 but only 2 < 3 domains: 1 + 1 - 0 > 1 everywhere.
      want: { 'node-a': U, 'node-b': U, 'node-x': U, 'node-y': U },
    },
    {
      name: 'minDomains met: the real minimum applies',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo, { minDomains: 2 }))
        .obj(),
      nodes: nodes4,
      pods: [...fooPods('node-a', 1), ...fooPods('node-x', 1)],
      want: { 'node-a': S, 'node-b': S, 'node-x': S, 'node-y': S },
    },
    {
      name: 'nodeTaintsPolicy Honor leaves out tainted nodes the pod does not tolerate',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo, { nodeTaintsPolicy: 'Honor' }))
        .obj(),
      nodes: [
        zoneNode('node-a', 'zone1'),
        zoneNode('node-b', 'zone1'),
        (() => {
          const n = zoneNode('node-c', 'zone2');
          n.spec = { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] };
          return n;
        })(),
      ],
      // node-c (0 pods) would be the minimum; without it the minimum is 1.
      pods: [...fooPods('node-a', 1), ...fooPods('node-b', 2)],
      want: { 'node-a': S, 'node-b': U, 'node-c': S },
    },
    {
      name: 'nodeTaintsPolicy Ignore (default) counts tainted nodes',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
        .obj(),
      nodes: [
        zoneNode('node-a', 'zone1'),
        zoneNode('node-b', 'zone1'),
        (() => {
          const n = zoneNode('node-c', 'zone2');
          n.spec = { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] };
          return n;
        })(),
      ],
      pods: [...fooPods('node-a', 1), ...fooPods('node-b', 2)],
      want: { 'node-a': U, 'node-b': U, 'node-c': S },
    },
    {
      name: "matchLabelKeys narrows the selector to the pod's own value",
      pod: makePod()
        .name('p')
        .label('foo', '')
        .label('rev', 'v2')
        .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo, { matchLabelKeys: ['rev'] }))
        .obj(),
      nodes: [zoneNode('node-a', 'zone1'), zoneNode('node-b', 'zone1')],
      // Three v1 pods on node-a do not count; one v2 pod on node-b does.
      pods: [
        ...[1, 2, 3].map((i) =>
          makePod().name(`old${i}`).node('node-a').labels({ foo: '', rev: 'v1' }).obj(),
        ),
        makePod().name('new1').node('node-b').labels({ foo: '', rev: 'v2' }).obj(),
      ],
      want: { 'node-a': S, 'node-b': U },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot(c.nodes, c.pods);
      const { pl } = plugin(infos);
      assert.deepEqual(filterCodes(pl, infos, c.pod), c.want);
    });
  }

  it('reports upstream reasons and codes', () => {
    const infos = snapshot(
      [zoneNode('node-a', 'zone1'), zoneNode('node-b', undefined)],
      fooPods('node-a', 2),
    );
    const { pl } = plugin(infos);
    const pod = makePod()
      .name('p')
      .label('foo', '')
      .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
      .obj();
    const infos2 = [...infos, nodeInfoWith(zoneNode('node-c', 'zone2'))];
    const { pl: pl2 } = plugin(infos2);
    const state = new CycleState();
    assert.equal(pl2.preFilter(state, pod, infos2).status.code, Code.Success);
    const a: Status = pl2.filter(state, pod, infos2[0]!);
    assert.equal(a.code, Code.Unschedulable);
    assert.deepEqual(a.reasons, [ERR_REASON_CONSTRAINTS_NOT_MATCH]);
    const b = pl2.filter(state, pod, infos2[1]!);
    assert.equal(b.code, Code.UnschedulableAndUnresolvable);
    assert.deepEqual(b.reasons, [ERR_REASON_NODE_LABEL_NOT_MATCH]);
    assert.equal(
      b.reasons[0],
      "node(s) didn't match pod topology spread constraints (missing required label)",
    );
    assert.equal(pl.name, NAME);
  });

  it('PreFilter skips pods without hard constraints; Filter without state is an error', () => {
    const infos = snapshot([zoneNode('node-a', 'zone1')], []);
    const { pl } = plugin(infos);
    const soft = makePod()
      .name('p')
      .label('foo', '')
      .spreadConstraint(spread(1, 'zone', 'ScheduleAnyway', foo))
      .obj();
    assert.equal(pl.preFilter(new CycleState(), soft, infos).status.code, Code.Skip);
    assert.equal(pl.preFilter(new CycleState(), makePod().name('q').obj(), infos).status.code, Code.Skip);
    assert.equal(pl.filter(new CycleState(), soft, infos[0]!).code, Code.Error);
  });

  it('an invalid selector is a PreFilter error', () => {
    const infos = snapshot([zoneNode('node-a', 'zone1')], []);
    const { pl } = plugin(infos);
    const pod = makePod()
      .name('p')
      .spreadConstraint(
        spread(1, 'zone', 'DoNotSchedule', {
          matchExpressions: [{ key: 'foo', operator: 'In', values: ['{{bad}}'] }],
        }),
      )
      .obj();
    assert.equal(pl.preFilter(new CycleState(), pod, infos).status.code, Code.Error);
  });
});

describe('PodTopologySpread AddPod/RemovePod (what-if for preemption)', () => {
  const nodes = [zoneNode('node-a', 'zone1'), zoneNode('node-b', 'zone1'), zoneNode('node-x', 'zone2')];
  const pod = makePod()
    .name('p')
    .label('foo', '')
    .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
    .spreadConstraint(spread(1, 'node', 'DoNotSchedule', foo))
    .obj();
  const cases: Array<{
    name: string;
    pods: Pod[];
    op: 'add' | 'remove';
    target: Pod;
    node: string;
    want: Record<string, Code>;
  }> = [
    {
      name: 'removing a pod from the busiest node lets it in',
      pods: [...fooPods('node-a', 1), ...fooPods('node-b', 1), ...fooPods('node-x', 1)],
      op: 'remove',
      target: fooPods('node-a', 1)[0]!,
      node: 'node-a',
      // zones 1/1 → node counts 0/1/1: node-a is now the only minimum.
      want: { 'node-a': S, 'node-b': U, 'node-x': U },
    },
    {
      name: 'adding a pod to the emptiest node raises the minimum',
      pods: [...fooPods('node-a', 1), ...fooPods('node-b', 1)],
      op: 'add',
      target: makePod().name('nominated').node('node-x').label('foo', '').obj(),
      node: 'node-x',
      // zones 2/1, nodes 1/1/1: zone1 is over the minimum by 1+1.
      want: { 'node-a': U, 'node-b': U, 'node-x': S },
    },
    {
      name: 'a pod of another namespace changes nothing',
      pods: [...fooPods('node-a', 1), ...fooPods('node-b', 1)],
      op: 'add',
      target: makePod().name('other').namespace('other').node('node-x').label('foo', '').obj(),
      node: 'node-x',
      want: { 'node-a': U, 'node-b': U, 'node-x': S },
    },
    {
      name: 'a pod not matching the selector changes nothing',
      pods: [...fooPods('node-a', 1), ...fooPods('node-b', 1)],
      op: 'add',
      target: makePod().name('other').node('node-x').label('bar', '').obj(),
      node: 'node-x',
      want: { 'node-a': U, 'node-b': U, 'node-x': S },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot(nodes, c.pods);
      const { pl } = plugin(infos);
      const state = new CycleState();
      assert.equal(pl.preFilter(state, pod, infos).status.code, Code.Success);
      const before = Object.fromEntries(infos.map((ni) => [ni.name, pl.filter(state, pod, ni).code]));
      const whatIf = state.clone();
      const target = infos.find((ni) => ni.name === c.node)!;
      const copy = target.clone();
      const pi = new PodInfo(c.target);
      const s =
        c.op === 'add'
          ? (copy.addPodInfo(pi), pl.addPod(whatIf, pod, pi, copy))
          : (copy.removePod(c.target), pl.removePod(whatIf, pod, pi, copy));
      assert.equal(s.code, Code.Success);
      const got = Object.fromEntries(
        infos.map((ni) => [ni.name, pl.filter(whatIf, pod, ni.name === c.node ? copy : ni).code]),
      );
      assert.deepEqual(got, c.want);
      // The original state is untouched by the clone's changes.
      assert.deepEqual(
        Object.fromEntries(infos.map((ni) => [ni.name, pl.filter(state, pod, ni).code])),
        before,
      );
    });
  }
});

function scores(pl: PodTopologySpread, all: NodeInfo[], candidates: string[], pod: Pod): NodeScore[] | Code {
  const state = new CycleState();
  const filtered = all.filter((ni) => candidates.includes(ni.name));
  const pre = pl.preScore(state, pod, filtered);
  if (!pre.isSuccess()) return pre.code;
  const out: NodeScore[] = filtered.map((ni) => {
    const r = pl.score(state, pod, ni);
    assert.ok(typeof r === 'number', String(r));
    return { name: ni.name, score: r };
  });
  assert.equal(pl.normalizeScore(state, pod, out).code, Code.Success);
  return out;
}

describe('PodTopologySpread Score', () => {
  const host = (name: string, extra: Record<string, string> = {}): Node =>
    makeNode().name(name).labels(extra).obj();
  const noHost = (name: string, extra: Record<string, string>): Node => {
    const n = makeNode().name(name).obj();
    n.metadata.labels = { ...extra };
    return n;
  };
  const hostPods = (counts: Record<string, number>): Pod[] =>
    Object.entries(counts).flatMap(([n, k]) => fooPods(n, k));
  const cases: Array<{
    name: string;
    pod: Pod;
    nodes: Node[];
    pods: Pod[];
    candidates?: string[];
    args?: PodTopologySpreadArgs;
    want: Record<string, number> | Code;
  }> = [
    {
      name: 'one constraint on node, no existing pods',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, LABEL_HOSTNAME, 'ScheduleAnyway', foo))
        .obj(),
      nodes: [host('node-a'), host('node-b')],
      pods: [],
      want: { 'node-a': 100, 'node-b': 100 },
    },
    {
      name: 'one constraint on node, only one node is candidate',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, LABEL_HOSTNAME, 'ScheduleAnyway', foo))
        .obj(),
      nodes: [host('node-a'), host('node-b')],
      pods: hostPods({ 'node-a': 2, 'node-b': 1 }),
      candidates: ['node-a'],
      want: { 'node-a': 100 },
    },
    {
      name: 'one constraint on node, all 4 nodes are candidates (2/1/0/3)',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, LABEL_HOSTNAME, 'ScheduleAnyway', foo))
        .obj(),
      nodes: [host('node-a'), host('node-b'), host('node-c'), host('node-d')],
      pods: hostPods({ 'node-a': 2, 'node-b': 1, 'node-d': 3 }),
      want: { 'node-a': 20, 'node-b': 60, 'node-c': 100, 'node-d': 0 },
    },
    {
      name: 'one constraint on node, null selector',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, LABEL_HOSTNAME, 'ScheduleAnyway', null))
        .obj(),
      nodes: [host('node-a'), host('node-b'), host('node-c'), host('node-d')],
      pods: hostPods({ 'node-a': 2, 'node-b': 1, 'node-d': 3 }),
      want: { 'node-a': 100, 'node-b': 100, 'node-c': 100, 'node-d': 100 },
    },
    {
      name: 'one constraint on node, all 4 nodes are candidates, maxSkew=2',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(2, LABEL_HOSTNAME, 'ScheduleAnyway', foo))
        .obj(),
      nodes: [host('node-a'), host('node-b'), host('node-c'), host('node-d')],
      pods: hostPods({ 'node-a': 2, 'node-b': 1, 'node-d': 3 }),
      want: { 'node-a': 33, 'node-b': 66, 'node-c': 100, 'node-d': 16 },
    },
    {
      name: 'one constraint on node, all 4 nodes are candidates, maxSkew=3 (4/3/2/1)',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(3, LABEL_HOSTNAME, 'ScheduleAnyway', foo))
        .obj(),
      nodes: [host('node-a'), host('node-b'), host('node-c'), host('node-d')],
      pods: hostPods({ 'node-a': 4, 'node-b': 3, 'node-c': 2, 'node-d': 1 }),
      want: { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 },
    },
    {
      name: 'one constraint on node, 3 out of 4 nodes are candidates (4/2/1/~3~)',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, LABEL_HOSTNAME, 'ScheduleAnyway', foo))
        .obj(),
      nodes: [host('node-a'), host('node-b'), host('node-x'), host('node-y')],
      pods: hostPods({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }),
      candidates: ['node-a', 'node-b', 'node-x'],
      want: { 'node-a': 33, 'node-b': 83, 'node-x': 100 },
    },
    {
      name: "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, LABEL_HOSTNAME, 'ScheduleAnyway', foo))
        .obj(),
      nodes: [host('node-a'), noHost('node-b', { n: 'node-b' }), host('node-x'), host('node-y')],
      pods: hostPods({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }),
      candidates: ['node-a', 'node-b', 'node-x'],
      want: { 'node-a': 16, 'node-b': 0, 'node-x': 100 },
    },
    {
      name: 'one constraint on zone, 3 out of 4 nodes are candidates (4/2/1/~3~)',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'ScheduleAnyway', foo))
        .obj(),
      nodes: [
        host('node-a', { zone: 'zone1' }),
        host('node-b', { zone: 'zone1' }),
        host('node-x', { zone: 'zone2' }),
        host('node-y', { zone: 'zone2' }),
      ],
      pods: hostPods({ 'node-a': 4, 'node-b': 2, 'node-x': 1, 'node-y': 3 }),
      candidates: ['node-a', 'node-b', 'node-x'],
      want: { 'node-a': 75, 'node-b': 75, 'node-x': 100 },
    },
    {
      name: 'two constraints on zone and node, 2 out of 4 nodes are candidates (2/~1~/2/~4~)',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'ScheduleAnyway', foo))
        .spreadConstraint(spread(1, LABEL_HOSTNAME, 'ScheduleAnyway', foo))
        .obj(),
      nodes: [
        host('node-a', { zone: 'zone1' }),
        host('node-b', { zone: 'zone1' }),
        host('node-x', { zone: 'zone2' }),
        host('node-y', { zone: 'zone2' }),
      ],
      pods: hostPods({ 'node-a': 2, 'node-b': 1, 'node-x': 2, 'node-y': 4 }),
      candidates: ['node-a', 'node-x'],
      want: { 'node-a': 100, 'node-x': 63 },
    },
    {
      name: 'pods without soft constraints (and no workload) skip scoring',
      pod: makePod()
        .name('p')
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .obj(),
      nodes: [host('node-a')],
      pods: [],
      want: Code.Skip,
    },
    {
      name: 'system defaulting, nodes without zone, pods selected by a Service',
      pod: makePod().name('p').label('foo', '').obj(),
      nodes: [host('node-a'), host('node-b'), host('node-c'), host('node-d')],
      pods: hostPods({ 'node-a': 4, 'node-b': 3, 'node-c': 2, 'node-d': 1 }),
      args: { listers: listers({ services: [{ spec: { selector: { foo: '' } } }] }) },
      want: { 'node-a': 44, 'node-b': 66, 'node-c': 77, 'node-d': 100 },
    },
    {
      name: 'system defaulting without a selecting workload skips',
      pod: makePod().name('p').label('foo', '').obj(),
      nodes: [host('node-a')],
      pods: [],
      args: { listers: listers({ services: [{ spec: { selector: { other: 'x' } } }] }) },
      want: Code.Skip,
    },
    {
      name: 'List defaulting applies the configured constraints and requires their keys',
      pod: makePod().name('p').label('foo', '').obj(),
      nodes: [host('node-a', { zone: 'zone1' }), host('node-b', { zone: 'zone1' }), host('node-c')],
      pods: hostPods({ 'node-a': 2 }),
      args: {
        defaultingType: 'List',
        defaultConstraints: [spread(1, 'zone', 'ScheduleAnyway', null)],
        listers: listers({ services: [{ spec: { selector: { foo: '' } } }] }),
      },
      // node-c lacks the zone: ignored (0); zone1 has 2 pods on both remaining candidates.
      want: { 'node-a': 100, 'node-b': 100, 'node-c': 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot(c.nodes, c.pods);
      const { pl } = plugin(infos, c.args);
      const got = scores(pl, infos, c.candidates ?? infos.map((ni) => ni.name), c.pod);
      if (typeof c.want === 'number') assert.equal(got, c.want);
      else {
        assert.notEqual(typeof got, 'number');
        assert.deepEqual(Object.fromEntries((got as NodeScore[]).map((s) => [s.name, s.score])), c.want);
      }
    });
  }
});

function listers(objs: {
  services?: Array<{ spec?: { selector?: Record<string, string> } }>;
  replicaSets?: Array<{ name: string; selector: Record<string, string> }>;
}): WorkloadListers {
  return {
    services: () => (objs.services ?? []).map((s) => ({ metadata: { namespace: 'default' }, ...s })),
    replicationController: () => undefined,
    replicaSet: (_ns, name) => {
      const rs = objs.replicaSets?.find((r) => r.name === name);
      return rs ? { metadata: { name }, spec: { selector: { matchLabels: rs.selector } } } : undefined;
    },
    statefulSet: () => undefined,
  };
}

describe('PodTopologySpread args', () => {
  const cases: Array<{ name: string; args: PodTopologySpreadArgs; error?: RegExp }> = [
    { name: 'defaults', args: {} },
    {
      name: 'List with constraints',
      args: { defaultingType: 'List', defaultConstraints: [spread(1, 'zone', 'DoNotSchedule', null)] },
    },
    {
      name: 'System with constraints',
      args: { defaultingType: 'System', defaultConstraints: [spread(1, 'zone', 'DoNotSchedule', null)] },
      error: /must be empty/,
    },
    {
      name: 'a default constraint with a selector',
      args: { defaultingType: 'List', defaultConstraints: [spread(1, 'zone', 'DoNotSchedule', foo)] },
      error: /must not define a selector/,
    },
    {
      name: 'maxSkew 0',
      args: { defaultingType: 'List', defaultConstraints: [spread(0, 'zone', 'DoNotSchedule', null)] },
      error: /greater than zero/,
    },
    {
      name: 'duplicate key and action',
      args: {
        defaultingType: 'List',
        defaultConstraints: [
          spread(1, 'zone', 'DoNotSchedule', null),
          spread(2, 'zone', 'DoNotSchedule', null),
        ],
      },
      error: /Duplicate/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const build = (): unknown => newPodTopologySpread(c.args as Record<string, unknown>, new FakeHandle());
      if (c.error) assert.throws(build, c.error);
      else assert.equal((build() as PodTopologySpread).name, NAME);
    });
  }

  it('registers pod and node events', () => {
    const pl = newPodTopologySpread(undefined, new FakeHandle()) as PodTopologySpread;
    assert.deepEqual(pl.eventsToRegister(), [
      { resource: 'Pod', actions: ['Add', 'UpdatePodLabel', 'Delete'] },
      { resource: 'Node', actions: ['Add', 'Delete', 'UpdateNodeLabel', 'UpdateNodeTaint'] },
    ]);
  });
});

describe('PodTopologySpread state lifetime', () => {
  it('a state whose counts a later cycle changed reports an error, never a stale verdict', () => {
    const nodes = [zoneNode('node-a', 'zone1'), zoneNode('node-b', 'zone2')];
    const infos = snapshot(nodes, []);
    const { pl } = plugin(infos);
    const mk = (n: string): Pod =>
      makePod()
        .name(n)
        .label('foo', '')
        .spreadConstraint(spread(1, 'zone', 'DoNotSchedule', foo))
        .obj();
    const first = new CycleState();
    assert.equal(pl.preFilter(first, mk('p1'), infos).status.code, Code.Success);
    assert.equal(pl.filter(first, mk('p1'), infos[0]!).code, Code.Success);
    // An unchanged snapshot keeps the earlier state valid.
    assert.equal(pl.preFilter(new CycleState(), mk('p2'), infos).status.code, Code.Success);
    assert.equal(pl.filter(first, mk('p1'), infos[0]!).code, Code.Success);
    infos[0]!.addPodInfo(new PodInfo(fooPods('node-a', 1)[0]!));
    const second = new CycleState();
    assert.equal(pl.preFilter(second, mk('p3'), infos).status.code, Code.Success);
    assert.equal(pl.filter(second, mk('p3'), infos[0]!).code, Code.Unschedulable);
    assert.equal(pl.filter(first, mk('p1'), infos[0]!).code, Code.Error);
  });
});
