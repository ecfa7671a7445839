import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../api/object.js';
import type { PodAffinityTerm } from '../../../api/openapi/generated/types.js';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import { type Node, type NodeInfo, type NodeScore, type Pod, PodInfo } from '../../framework/types.js';
import { FakeHandle } from '../helpers/testing.js';
import { makeNode, makePod, nodeInfoWith, type PodWrapper } from '../../testing/wrappers.js';
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  type InterPodAffinity,
  type InterPodAffinityArgs,
  NAME,
  newInterPodAffinity,
} from './inter-pod-affinity.js';

type Expr = { key: string; operator: string; values?: string[] };

const term = (topologyKey: string, ...exprs: Expr[]): PodAffinityTerm => ({
  labelSelector: { matchExpressions: exprs },
  topologyKey,
});
const inE = (key: string, ...values: string[]): Expr => ({ key, operator: 'In', values });
const notIn = (key: string, ...values: string[]): Expr => ({ key, operator: 'NotIn', values });
const exists = (key: string): Expr => ({ key, operator: 'Exists' });
const notExists = (key: string): Expr => ({ key, operator: 'DoesNotExist' });

function node(name: string, labels: Record<string, string>): Node {
  const n = makeNode().name(name).obj();
  n.metadata.labels = { ...labels };
  return n;
}

function pod(build: (p: PodWrapper) => PodWrapper = (p) => p): Pod {
  return build(makePod().name(`p${++podCounter}`)).obj();
}
let podCounter = 0;

const namespaces: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'subteam1.team1', labels: { team: 'team1' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'subteam2.team1', labels: { team: 'team1' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'subteam1.team2', labels: { team: 'team2' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'subteam2.team2', labels: { team: 'team2' } } },
];

function snapshot(nodes: Node[], pods: Pod[]): NodeInfo[] {
  return nodes.map((n) => nodeInfoWith(n, ...pods.filter((p) => p.spec?.nodeName === n.metadata.name)));
}

function plugin(infos: NodeInfo[], args: InterPodAffinityArgs = {}): InterPodAffinity {
  return newInterPodAffinity(
    args as Record<string, unknown>,
    new FakeHandle({ nodes: infos, namespaces }),
  ) as InterPodAffinity;
}

type Want = 'ok' | 'affinity' | 'anti' | 'existing';
const WANT: Record<Exclude<Want, 'ok'>, [Code, string]> = {
  affinity: [Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY_RULES_NOT_MATCH],
  anti: [Code.Unschedulable, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH],
  existing: [Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH],
};

function filterAll(pl: InterPodAffinity, infos: NodeInfo[], incoming: Pod): Want[] | Code {
  const state = new CycleState();
  const pre = pl.preFilter(state, incoming, infos);
  if (!pre.status.isSuccess()) return pre.status.code;
  return infos.map((ni) => {
    const s = pl.filter(state, incoming, ni);
    if (s.isSuccess()) return 'ok';
    for (const [k, [code, reason]] of Object.entries(WANT)) {
      if (s.code === code && s.reasons.length === 1 && s.reasons[0] === reason) return k as Want;
    }
    return assert.fail(`unexpected status ${s.toString()}`);
  });
}

describe('InterPodAffinity Filter: one node', () => {
  const securityscan = { service: 'securityscan' };
  const s1 = { security: 'S1' };
  const node1 = node('node1', { region: 'r1', zone: 'z11' });
  const existing = (): Pod => pod((p) => p.labels(securityscan).node('node1'));
  const nsSelectorTerm = (
    topologyKey: string,
    nsSel: PodAffinityTerm['namespaceSelector'],
  ): PodAffinityTerm => ({
    ...term(topologyKey, inE('service', 'securityscan', 'value2')),
    namespaceSelector: nsSel,
  });
  const team1 = { matchExpressions: [{ key: 'team', operator: 'In', values: ['team1'] }] };
  const cases: Array<{ name: string; pod: Pod; pods: Pod[]; want: Want | Code }> = [
    {
      name: 'no required terms and no existing anti-affinity: PreFilter skips',
      pod: pod(),
      pods: [],
      want: Code.Skip,
    },
    {
      name: 'affinity In matches the existing pod',
      pod: pod((p) => p.labels(s1).podAffinity(term('region', inE('service', 'securityscan', 'value2')))),
      pods: [existing()],
      want: 'ok',
    },
    {
      name: 'affinity NotIn matches the existing pod',
      pod: pod((p) => p.labels(s1).podAffinity(term('region', notIn('service', 'securityscan3', 'value3')))),
      pods: [existing()],
      want: 'ok',
    },
    {
      name: 'affinity does not match a pod in another namespace',
      pod: pod((p) =>
        p.labels(s1).podAffinity({
          ...term('region', inE('service', 'securityscan', 'value2')),
          namespaces: ['DiffNameSpace'],
        }),
      ),
      pods: [pod((p) => p.namespace('ns').labels(securityscan).node('node1'))],
      want: 'affinity',
    },
    {
      name: "affinity selector doesn't match the existing pod",
      pod: pod((p) =>
        p.labels(securityscan).podAffinity(term('', inE('service', 'antivirusscan', 'value2'))),
      ),
      pods: [existing()],
      want: 'affinity',
    },
    {
      name: 'several affinity terms with different operators all match',
      pod: pod((p) =>
        p
          .labels(s1)
          .podAffinity(term('region', exists('service'), notExists('wrongkey')))
          .podAffinity(term('region', inE('service', 'securityscan'), notIn('service', 'WrongValue'))),
      ),
      pods: [existing()],
      want: 'ok',
    },
    {
      name: 'matchExpressions are ANDed: one fails',
      pod: pod((p) =>
        p
          .labels(s1)
          .podAffinity(term('region', exists('service'), notExists('wrongkey')))
          .podAffinity(term('region', inE('service', 'securityscan2'), notIn('service', 'WrongValue'))),
      ),
      pods: [existing()],
      want: 'affinity',
    },
    {
      name: 'affinity and anti-affinity both satisfied, with the existing pod anti-affine elsewhere',
      pod: pod((p) =>
        p
          .labels(s1)
          .podAffinity(term('region', inE('service', 'securityscan', 'value2')))
          .podAntiAffinity(term('node', inE('service', 'antivirusscan', 'value2'))),
      ),
      pods: [
        pod((p) =>
          p
            .labels(securityscan)
            .node('node1')
            .podAntiAffinity(term('node', inE('service', 'antivirusscan'))),
        ),
      ],
      want: 'ok',
    },
    {
      name: "affinity satisfied but the pod's anti-affinity is not",
      pod: pod((p) =>
        p
          .labels(s1)
          .podAffinity(term('region', inE('service', 'securityscan', 'value2')))
          .podAntiAffinity(term('zone', inE('service', 'securityscan', 'value2'))),
      ),
      pods: [existing()],
      want: 'anti',
    },
    {
      name: "the existing pod's anti-affinity rejects the incoming pod (symmetry)",
      pod: pod((p) =>
        p
          .labels(securityscan)
          .podAffinity(term('region', inE('service', 'securityscan', 'value2')))
          .podAntiAffinity(term('node', inE('service', 'antivirusscan', 'value2'))),
      ),
      pods: [
        pod((p) =>
          p
            .labels(securityscan)
            .node('node1')
            .podAntiAffinity(term('zone', inE('service', 'securityscan'))),
        ),
      ],
      want: 'existing',
    },
    {
      name: 'affinity to itself only, the matching pod is on a node outside the snapshot',
      pod: pod((p) =>
        p.labels(securityscan).podAffinity(term('region', notIn('service', 'securityscan', 'value2'))),
      ),
      pods: [pod((p) => p.labels(securityscan).node('node2'))],
      want: 'affinity',
    },
    {
      name: 'existing anti-affinity applies to a pod without any affinity',
      pod: pod((p) => p.labels(securityscan)),
      pods: [
        pod((p) =>
          p
            .labels(securityscan)
            .node('node1')
            .podAntiAffinity(term('zone', inE('service', 'securityscan'))),
        ),
      ],
      want: 'existing',
    },
    {
      name: 'existing anti-affinity that does not match: PreFilter skips',
      pod: pod((p) => p.labels(securityscan)),
      pods: [
        pod((p) =>
          p
            .labels(securityscan)
            .node('node1')
            .podAntiAffinity(term('zone', notIn('service', 'securityscan'))),
        ),
      ],
      want: Code.Skip,
    },
    {
      name: "the pod's anti-affinity matches the existing pod",
      pod: pod((p) =>
        p
          .labels(securityscan)
          .podAntiAffinity(term('region', exists('service')))
          .podAntiAffinity(term('region', exists('security'))),
      ),
      pods: [
        pod((p) =>
          p
            .labels(s1)
            .node('node1')
            .podAntiAffinity(term('zone', exists('security'))),
        ),
      ],
      want: 'anti',
    },
    {
      name: 'symmetry a2: only the existing pod matches the other side',
      pod: pod((p) => p.labels(s1).podAntiAffinity(term('zone', exists('security')))),
      pods: [
        pod((p) =>
          p
            .labels(securityscan)
            .node('node1')
            .podAntiAffinity(term('zone', exists('service')))
            .podAntiAffinity(term('zone', exists('security'))),
        ),
      ],
      want: 'existing',
    },
    {
      name: 'symmetry b1: both sides partially match',
      pod: pod((p) =>
        p
          .labels({ abc: '', xyz: '' })
          .podAntiAffinity(term('zone', exists('abc')))
          .podAntiAffinity(term('zone', exists('def'))),
      ),
      pods: [
        pod((p) =>
          p
            .labels({ def: '', xyz: '' })
            .node('node1')
            .podAntiAffinity(term('zone', exists('abc')))
            .podAntiAffinity(term('zone', exists('def'))),
        ),
      ],
      want: 'anti',
    },
    {
      name: 'an invalid label value fails PreFilter as unresolvable',
      pod: pod((p) => p.labels(securityscan).podAffinity(term('region', inE('service', '{{.bad-value.}}')))),
      pods: [],
      want: Code.UnschedulableAndUnresolvable,
    },
    {
      name: 'affinity with a matching namespaceSelector',
      pod: pod((p) => p.labels(s1).podAffinity(nsSelectorTerm('region', team1))),
      pods: [pod((p) => p.namespace('subteam1.team1').labels(securityscan).node('node1'))],
      want: 'ok',
    },
    {
      name: 'affinity with a non-matching namespaceSelector',
      pod: pod((p) => p.labels(s1).podAffinity(nsSelectorTerm('region', team1))),
      pods: [pod((p) => p.namespace('subteam1.team2').labels(securityscan).node('node1'))],
      want: 'affinity',
    },
    {
      name: 'anti-affinity with a matching namespaceSelector',
      pod: pod((p) =>
        p.namespace('subteam1.team1').labels(s1).podAntiAffinity(nsSelectorTerm('zone', team1)),
      ),
      pods: [pod((p) => p.namespace('subteam2.team1').labels(securityscan).node('node1'))],
      want: 'anti',
    },
    {
      name: 'anti-affinity with an empty namespaceSelector (all namespaces)',
      pod: pod((p) => p.namespace('subteam1.team1').labels(s1).podAntiAffinity(nsSelectorTerm('zone', {}))),
      pods: [pod((p) => p.namespace('subteam2.team1').labels(securityscan).node('node1'))],
      want: 'anti',
    },
    {
      name: 'anti-affinity with a non-matching namespaceSelector',
      pod: pod((p) =>
        p.namespace('subteam1.team1').labels(s1).podAntiAffinity(nsSelectorTerm('zone', team1)),
      ),
      pods: [pod((p) => p.namespace('subteam1.team2').labels(securityscan).node('node1'))],
      want: 'ok',
    },
    {
      name: "an existing pod's anti-affinity selecting the incoming pod's namespace by label",
      pod: pod((p) => p.namespace('subteam1.team1').labels(securityscan)),
      pods: [
        pod((p) =>
          p
            .namespace('subteam1.team2')
            .node('node1')
            .podAntiAffinity({ ...term('zone', exists('service')), namespaceSelector: team1 }),
        ),
      ],
      want: 'existing',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot([node1], c.pods);
      const got = filterAll(plugin(infos), infos, c.pod);
      assert.deepEqual(got, typeof c.want === 'number' ? c.want : [c.want]);
    });
  }

  it('reports the parse error in the PreFilter message', () => {
    const infos = snapshot([node1], []);
    const s = plugin(infos).preFilter(
      new CycleState(),
      pod((p) => p.podAffinity(term('region', inE('service', '{{.bad-value.}}')))),
      infos,
    ).status;
    assert.match(s.message(), /^parsing pod: /);
  });

  it('Filter without PreFilter state is an error', () => {
    const infos = snapshot([node1], []);
    assert.equal(plugin(infos).filter(new CycleState(), pod(), infos[0]!).code, Code.Error);
  });
});

describe('InterPodAffinity Filter: several nodes', () => {
  const china = { region: 'China' };
  const chinaAz1 = { region: 'China', az: 'az1' };
  const india = { region: 'India' };
  const abc = (host: string, zone: string, region = 'r1'): Record<string, string> => ({
    region,
    zone,
    hostname: host,
  });
  const cases: Array<{ name: string; pod: Pod; pods: Pod[]; nodes: Node[]; want: Want[] | Code }> = [
    {
      name: 'nodes sharing the topology value of a matching pod all fit',
      pod: pod((p) => p.podAffinity(term('region', inE('foo', 'bar')))),
      pods: [pod((p) => p.node('node1').label('foo', 'bar'))],
      nodes: [node('node1', china), node('node2', chinaAz1), node('node3', india)],
      want: ['ok', 'ok', 'affinity'],
    },
    {
      name: 'the first pod of a self-affine group may go anywhere with the topology keys',
      pod: pod((p) =>
        p
          .labels({ foo: 'bar', service: 'securityscan' })
          .podAffinity(term('zone', inE('foo', 'bar')))
          .podAffinity(term('zone', inE('service', 'securityscan'))),
      ),
      pods: [pod((p) => p.node('nodeA').label('foo', 'bar'))],
      nodes: [node('nodeA', { zone: 'az1', hostname: 'h1' }), node('nodeB', { zone: 'az2', hostname: 'h2' })],
      want: ['ok', 'ok'],
    },
    {
      name: 'the first pod of a group still needs nodes with the topology keys',
      pod: pod((p) =>
        p
          .labels({ foo: 'bar', service: 'securityscan' })
          .podAffinity(term('zone', inE('foo', 'bar')))
          .podAffinity(term('zone', inE('service', 'securityscan'))),
      ),
      pods: [pod((p) => p.node('nodeA').label('foo', 'bar'))],
      nodes: [
        node('nodeA', { zoneLabel: 'az1', hostname: 'h1' }),
        node('nodeB', { zoneLabel: 'az2', hostname: 'h2' }),
      ],
      want: ['affinity', 'affinity'],
    },
    {
      name: 'anti-affinity rejects every node sharing the matching pod topology value',
      pod: pod((p) => p.podAntiAffinity(term('region', inE('foo', 'abc')))),
      pods: [pod((p) => p.node('nodeA').label('foo', 'abc'))],
      nodes: [
        node('nodeA', { region: 'r1', hostname: 'nodeA' }),
        node('nodeB', { region: 'r1', hostname: 'nodeB' }),
      ],
      want: ['anti', 'anti'],
    },
    {
      name: 'anti-affinity: any matching term rejects',
      pod: pod((p) =>
        p
          .podAntiAffinity(term('region', inE('foo', 'abc')))
          .podAntiAffinity(term('zone', inE('service', 'securityscan'))),
      ),
      pods: [pod((p) => p.node('nodeA').labels({ foo: 'abc', service: 'securityscan' }))],
      nodes: [node('nodeA', abc('nodeA', 'z1')), node('nodeB', abc('nodeB', 'z2'))],
      want: ['anti', 'anti'],
    },
    {
      name: 'anti-affinity: a node in another region fits',
      pod: pod((p) => p.podAntiAffinity(term('region', inE('foo', 'abc')))),
      pods: [pod((p) => p.node('nodeA').label('foo', 'abc'))],
      nodes: [node('nodeA', china), node('nodeB', chinaAz1), node('nodeC', india)],
      want: ['anti', 'anti', 'ok'],
    },
    {
      name: 'anti-affinity only counts its own namespace; an existing term in another namespace does not apply',
      pod: pod((p) =>
        p
          .namespace('NS1')
          .label('foo', '123')
          .podAntiAffinity(term('region', inE('foo', 'bar'))),
      ),
      pods: [
        pod((p) => p.node('nodeA').namespace('NS1').label('foo', 'bar')),
        pod((p) =>
          p
            .node('nodeC')
            .namespace('NS2')
            .podAntiAffinity(term('region', inE('foo', '123'))),
        ),
      ],
      nodes: [node('nodeA', china), node('nodeB', chinaAz1), node('nodeC', india)],
      want: ['anti', 'anti', 'ok'],
    },
    {
      name: 'existing anti-affinity with a topology key no node has: PreFilter skips',
      pod: pod((p) => p.label('foo', '')),
      pods: [pod((p) => p.node('nodeA').podAntiAffinity(term('invalid-node-label', exists('foo'))))],
      nodes: [node('nodeA', abc('nodeA', 'z1')), node('nodeB', abc('nodeB', 'z1'))],
      want: Code.Skip,
    },
    {
      name: 'incoming anti-affinity with a topology key no node has fits everywhere',
      pod: pod((p) => p.podAntiAffinity(term('invalid-node-label', exists('foo')))),
      pods: [pod((p) => p.node('nodeA').label('foo', ''))],
      nodes: [node('nodeA', abc('nodeA', 'z1')), node('nodeB', abc('nodeB', 'z1'))],
      want: ['ok', 'ok'],
    },
    {
      name: "existing pods' anti-affinity on zone and region covers both nodes",
      pod: pod((p) => p.labels({ foo: '', bar: '' })),
      pods: [
        pod((p) => p.node('nodeA').podAntiAffinity(term('zone', exists('foo')))),
        pod((p) => p.node('nodeA').podAntiAffinity(term('region', exists('bar')))),
      ],
      nodes: [node('nodeA', abc('nodeA', 'z1')), node('nodeB', abc('nodeB', 'z2'))],
      want: ['existing', 'existing'],
    },
    {
      name: "existing pods' anti-affinity: only the term with a present topology key counts",
      pod: pod((p) => p.labels({ foo: '', bar: '' })),
      pods: [
        pod((p) =>
          p
            .node('nodeA')
            .podAntiAffinity(term('invalid-node-label', exists('foo')))
            .podAntiAffinity(term('zone', exists('bar'))),
        ),
      ],
      nodes: [node('nodeA', abc('nodeA', 'z1')), node('nodeB', abc('nodeB', 'z2'))],
      want: ['existing', 'ok'],
    },
    {
      name: 'existing anti-affinity on two nodes leaves only the third',
      pod: pod((p) => p.labels({ foo: '', bar: '' })),
      pods: [
        pod((p) =>
          p
            .node('nodeA')
            .podAntiAffinity(term('zone', exists('foo')))
            .podAntiAffinity(term('zone', exists('labelA'))),
        ),
        pod((p) =>
          p
            .node('nodeB')
            .podAntiAffinity(term('zone', exists('bar')))
            .podAntiAffinity(term('zone', exists('labelB'))),
        ),
      ],
      nodes: [
        node('nodeA', abc('nodeA', 'z1')),
        node('nodeB', abc('nodeB', 'z2')),
        node('nodeC', abc('nodeC', 'z3')),
      ],
      want: ['existing', 'existing', 'ok'],
    },
    {
      name: 'affinity terms must all be matched by one pod',
      pod: pod((p) => p.podAffinity(term('region', exists('foo'))).podAffinity(term('zone', exists('bar')))),
      pods: [pod((p) => p.node('nodeA').label('foo', '')), pod((p) => p.node('nodeB').label('bar', ''))],
      nodes: [node('nodeA', abc('nodeA', 'z1')), node('nodeB', abc('nodeB', 'z2'))],
      want: ['affinity', 'affinity'],
    },
    {
      name: 'affinity terms matched by one pod: both nodes in its region and zone fit',
      pod: pod((p) => p.podAffinity(term('region', exists('foo'))).podAffinity(term('zone', exists('bar')))),
      pods: [pod((p) => p.node('nodeA').labels({ foo: '', bar: '' }))],
      nodes: [node('nodeA', abc('nodeA', 'z1')), node('nodeB', abc('nodeB', 'z1'))],
      want: ['ok', 'ok'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot(c.nodes, c.pods);
      assert.deepEqual(filterAll(plugin(infos), infos, c.pod), c.want);
    });
  }
});

describe('InterPodAffinity AddPod/RemovePod match a fresh PreFilter', () => {
  const labels1 = { region: 'r1', zone: 'z11' };
  const labels2 = { region: 'r1', zone: 'z12' };
  const labels3 = { region: 'r2', zone: 'z21' };
  const nodes = [node('nodeA', labels1), node('nodeB', labels2), node('nodeC', labels3)];
  const antiFooBar = term('region', inE('foo', 'bar'));
  const antiComplex = [
    term('region', inE('foo', 'bar', 'buzz')),
    term('zone', notIn('service', 'bar', 'security', 'test')),
  ];
  const cases: Array<{ name: string; pending: Pod; existing: Pod[]; added: Pod }> = [
    {
      name: 'anti-affinity on both sides',
      pending: pod((p) => p.labels({ foo: 'bar' }).podAntiAffinity(antiFooBar)),
      existing: [
        pod((p) => p.labels({ foo: 'bar' }).node('nodeA')),
        pod((p) => p.node('nodeC').podAntiAffinity(antiFooBar)),
      ],
      added: pod((p) => p.labels({ foo: 'bar' }).node('nodeB').podAntiAffinity(antiFooBar)),
    },
    {
      name: 'complex anti-affinity',
      pending: pod((p) =>
        p.labels({ foo: 'bar' }).podAntiAffinity(antiComplex[0]!).podAntiAffinity(antiComplex[1]!),
      ),
      existing: [
        pod((p) => p.labels({ foo: 'bar' }).node('nodeA')),
        pod((p) => p.node('nodeC').podAntiAffinity(antiFooBar)),
      ],
      added: pod((p) =>
        p
          .labels({ foo: 'bar' })
          .node('nodeA')
          .podAntiAffinity(antiComplex[0]!)
          .podAntiAffinity(antiComplex[1]!),
      ),
    },
    {
      name: 'affinity and anti-affinity',
      pending: pod((p) =>
        p
          .labels({ foo: 'bar' })
          .podAffinity(antiComplex[0]!)
          .podAffinity(antiComplex[1]!)
          .podAntiAffinity(antiFooBar),
      ),
      existing: [
        pod((p) => p.labels({ foo: 'bar' }).node('nodeA')),
        pod((p) => p.node('nodeC').podAntiAffinity(antiFooBar)),
      ],
      added: pod((p) => p.labels({ foo: 'bar' }).node('nodeA').podAntiAffinity(antiComplex[0]!)),
    },
    {
      name: 'the added pod is the only affinity match',
      pending: pod((p) => p.podAffinity(term('zone', inE('app', 'db')))),
      existing: [pod((p) => p.labels({ app: 'web' }).node('nodeA'))],
      added: pod((p) => p.labels({ app: 'db' }).node('nodeB')),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const without = snapshot(nodes, c.existing);
      const withPod = snapshot(nodes, [...c.existing, c.added]);
      const expectWith = filterAll(plugin(withPod), withPod, c.pending);
      const expectWithout = filterAll(plugin(without), without, c.pending);

      const pl = plugin(without);
      const state = new CycleState();
      const pre = pl.preFilter(state, c.pending, without);
      if (pre.status.isSkip()) state.skipFilterPlugins.add(NAME);
      const pi = new PodInfo(c.added);
      const target = without.findIndex((ni) => ni.name === c.added.spec?.nodeName);
      const copy = without[target]!.clone();
      copy.addPodInfo(pi);
      assert.equal(pl.addPod(state, c.pending, pi, copy).code, Code.Success);
      const after = without.map((ni, i) => (i === target ? copy : ni));
      const filterWith = (infos: NodeInfo[]): Want[] | Code =>
        pre.status.isSkip() ? Code.Skip : infos.map((ni) => statusWant(pl.filter(state, c.pending, ni)));
      if (Array.isArray(expectWith)) assert.deepEqual(filterWith(after), expectWith);
      assert.equal(pl.removePod(state, c.pending, pi, without[target]!).code, Code.Success);
      if (Array.isArray(expectWithout)) assert.deepEqual(filterWith(without), expectWithout);
    });
  }
});

function statusWant(s: ReturnType<InterPodAffinity['filter']>): Want {
  if (s.isSuccess()) return 'ok';
  for (const [k, [code, reason]] of Object.entries(WANT))
    if (s.code === code && s.reasons[0] === reason) return k as Want;
  return assert.fail(`unexpected status ${s.toString()}`);
}

function score(pl: InterPodAffinity, infos: NodeInfo[], incoming: Pod): number[] | Code {
  const state = new CycleState();
  const pre = pl.preScore(state, incoming, infos);
  if (!pre.isSuccess()) return pre.code;
  const list: NodeScore[] = infos.map((ni) => {
    const r = pl.score(state, incoming, ni);
    assert.ok(typeof r === 'number', String(r));
    return { name: ni.name, score: r };
  });
  assert.equal(pl.normalizeScore(state, incoming, list).code, Code.Success);
  return list.map((s) => s.score);
}

describe('InterPodAffinity Score', () => {
  const china = { region: 'China' };
  const india = { region: 'India' };
  const az1 = { az: 'az1' };
  const az2 = { az: 'az2' };
  const chinaAz1 = { region: 'China', az: 'az1' };
  const S1 = { security: 'S1' };
  const S2 = { security: 'S2' };
  const sec = (v: string): PodAffinityTerm => term('region', inE('security', v));
  const secAz = (v: string): PodAffinityTerm => term('az', inE('security', v));
  const stayWithS1InRegion = (p: PodWrapper): PodWrapper => p.podAffinity(sec('S1'), 5);
  const stayWithS2InRegion = (p: PodWrapper): PodWrapper => p.podAffinity(sec('S2'), 6);
  const affinity3 = (p: PodWrapper): PodWrapper =>
    p
      .podAffinity(term('region', notIn('security', 'S1'), inE('security', 'S2')), 8)
      .podAffinity(term('region', exists('security'), notExists('wrongkey')), 2);
  const hardAffinity = (p: PodWrapper): PodWrapper =>
    p
      .podAffinity(term('region', inE('security', 'S1', 'value2')))
      .podAffinity(term('region', exists('security'), notExists('wrongkey')));
  const awayFromS1InAz = (p: PodWrapper): PodWrapper => p.podAntiAffinity(secAz('S1'), 5);
  const awayFromS2InAz = (p: PodWrapper): PodWrapper => p.podAntiAffinity(secAz('S2'), 5);
  const stayWithS1AwayFromS2 = (p: PodWrapper): PodWrapper =>
    p.podAffinity(sec('S1'), 8).podAntiAffinity(secAz('S2'), 5);
  const team1 = { matchExpressions: [{ key: 'team', operator: 'In', values: ['team1'] }] };
  const nsSel = (p: PodWrapper): PodWrapper =>
    p.podAffinity({ ...sec('S1'), namespaces: ['subteam2.team2'], namespaceSelector: team1 }, 5);
  const antiNsSel = (p: PodWrapper): PodWrapper =>
    p.podAntiAffinity({ ...sec('S1'), namespaces: ['subteam2.team2'], namespaceSelector: team1 }, 5);
  const on = (n: string, labels: Record<string, string>, f: (p: PodWrapper) => PodWrapper = (p) => p): Pod =>
    pod((p) => f(p.node(n).labels(labels)));

  const cases: Array<{
    name: string;
    pod: Pod;
    pods: Pod[];
    nodes: Node[];
    args?: InterPodAffinityArgs;
    want: number[] | Code;
  }> = [
    {
      name: 'no affinity anywhere: skip',
      pod: pod((p) => p.labels(S1)),
      pods: [],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: Code.Skip,
    },
    {
      name: 'affinity: the node with a matching pod in its region scores high',
      pod: pod((p) => stayWithS1InRegion(p.labels(S1))),
      pods: [on('node1', S1), on('node2', S2), on('node3', S1)],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [100, 0, 0],
    },
    {
      name: 'affinity: nodes sharing the topology value score the same',
      pod: pod(stayWithS1InRegion),
      pods: [on('node1', S1)],
      nodes: [node('node1', china), node('node2', chinaAz1), node('node3', india)],
      want: [100, 100, 0],
    },
    {
      name: 'affinity: the region with more matches wins',
      pod: pod((p) => stayWithS2InRegion(p.labels(S1))),
      pods: [
        on('node1', S2),
        on('node1', S2),
        on('node2', S2),
        on('node3', S2),
        on('node4', S2),
        on('node5', S2),
      ],
      nodes: [
        node('node1', china),
        node('node2', india),
        node('node3', china),
        node('node4', china),
        node('node5', india),
      ],
      want: [100, 0, 100, 100, 0],
    },
    {
      name: 'affinity: different operators and weights',
      pod: pod((p) => affinity3(p.labels(S1))),
      pods: [on('node1', S1), on('node2', S2), on('node3', S1)],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [20, 100, 0],
    },
    {
      name: "symmetry: existing pods' preferred affinity",
      pod: pod((p) => p.labels(S2)),
      pods: [on('node1', S1, stayWithS1InRegion), on('node2', S2, stayWithS2InRegion)],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [0, 100, 0],
    },
    {
      name: 'symmetry with a namespace selector',
      pod: pod((p) => p.namespace('subteam1.team1').labels(S1)),
      pods: [on('node1', S1, nsSel), on('node2', S2, stayWithS2InRegion)],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [100, 0, 0],
    },
    {
      name: 'anti-affinity symmetry with a namespace selector',
      pod: pod((p) => p.namespace('subteam1.team1').labels(S1)),
      pods: [on('node1', S1, antiNsSel), on('node2', S2, stayWithS2InRegion)],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [0, 100, 100],
    },
    {
      name: "symmetry: existing pods' required affinity (hardPodAffinityWeight 1)",
      pod: pod((p) => p.labels(S1)),
      pods: [on('node1', S1, hardAffinity), on('node2', S2, hardAffinity)],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      want: [100, 100, 0],
    },
    {
      name: "hardPodAffinityWeight 0 ignores existing pods' required affinity",
      pod: pod((p) => p.labels(S1)),
      pods: [on('node1', S1, hardAffinity), on('node2', S2, hardAffinity)],
      nodes: [node('node1', china), node('node2', india), node('node3', az1)],
      args: { hardPodAffinityWeight: 0 },
      want: Code.Skip,
    },
    {
      name: 'anti-affinity: the node with a matching pod scores low',
      pod: pod((p) => awayFromS1InAz(p.labels(S1))),
      pods: [on('node1', S1), on('node2', S2)],
      nodes: [node('node1', az1), node('node2', china)],
      want: [0, 100],
    },
    {
      name: 'anti-affinity: the node with more matching pods scores low',
      pod: pod((p) => awayFromS1InAz(p.labels(S1))),
      pods: [on('node1', S1), on('node1', S1), on('node2', S2)],
      nodes: [node('node1', az1), node('node2', india)],
      want: [0, 100],
    },
    {
      name: "anti-affinity symmetry: existing pods' preferred anti-affinity",
      pod: pod((p) => p.labels(S2)),
      pods: [on('node1', S1, awayFromS2InAz), on('node2', S2, awayFromS1InAz)],
      nodes: [node('node1', az1), node('node2', az2)],
      want: [0, 100],
    },
    {
      name: 'affinity and anti-affinity of the incoming pod',
      pod: pod((p) => stayWithS1AwayFromS2(p.labels(S1))),
      pods: [on('node1', S1), on('node2', S1)],
      nodes: [node('node1', china), node('node2', az1)],
      want: [100, 0],
    },
    {
      name: 'affinity, anti-affinity and pods with the same labels',
      pod: pod((p) => stayWithS1AwayFromS2(p.labels(S1))),
      pods: [
        on('node1', S1),
        on('node1', S1),
        on('node2', S1),
        on('node3', S1),
        on('node3', S1),
        on('node4', S1),
        on('node5', S1),
      ],
      nodes: [
        node('node1', chinaAz1),
        node('node2', india),
        node('node3', china),
        node('node4', china),
        node('node5', india),
      ],
      want: [100, 0, 100, 100, 0],
    },
    {
      name: 'affinity, anti-affinity and symmetry together',
      pod: pod((p) => stayWithS1AwayFromS2(p.labels(S1))),
      pods: [
        on('node1', S1),
        on('node2', S2),
        on('node3', {}, stayWithS1AwayFromS2),
        on('node4', {}, awayFromS1InAz),
      ],
      nodes: [node('node1', china), node('node2', az1), node('node3', india), node('node4', az2)],
      want: [100, 0, 100, 0],
    },
    {
      name: 'nodes of one topology without pods with affinity',
      pod: pod((p) => p.labels(S1)),
      pods: [on('node1', S1), on('node2', {}, stayWithS1AwayFromS2)],
      nodes: [node('node1', china), node('node2', china)],
      want: [0, 0],
    },
    {
      name: 'an invalid preferred term is a PreScore error',
      pod: pod((p) => p.podAffinity(term('region', inE('security', '{{.bad-value.}}')), 8)),
      pods: [],
      nodes: [node('node1', china), node('node2', china)],
      want: Code.Error,
    },
    {
      name: 'ignorePreferredTermsOfExistingPods skips a pod without preferred terms',
      pod: pod((p) => p.labels(S2)),
      pods: [on('node1', S1, stayWithS1InRegion), on('node2', S2, stayWithS2InRegion)],
      nodes: [node('node1', china), node('node2', india)],
      args: { ignorePreferredTermsOfExistingPods: true },
      want: Code.Skip,
    },
    {
      name: "ignorePreferredTermsOfExistingPods: a pod with terms of its own still counts existing pods' terms",
      pod: pod((p) => stayWithS1InRegion(p.labels(S2))),
      pods: [on('node1', S1), on('node2', S2, stayWithS2InRegion)],
      nodes: [node('node1', china), node('node2', india)],
      args: { ignorePreferredTermsOfExistingPods: true },
      // node1: +5 (own term, S1 in China); node2: +6 (the existing pod prefers S2 in India).
      want: [0, 100],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot(c.nodes, c.pods);
      assert.deepEqual(score(plugin(infos, c.args), infos, c.pod), c.want);
    });
  }
});

describe('InterPodAffinity args and events', () => {
  const cases: Array<{ name: string; args: InterPodAffinityArgs; ok: boolean }> = [
    { name: 'defaults', args: {}, ok: true },
    { name: 'weight 100', args: { hardPodAffinityWeight: 100 }, ok: true },
    { name: 'weight 101', args: { hardPodAffinityWeight: 101 }, ok: false },
    { name: 'weight -1', args: { hardPodAffinityWeight: -1 }, ok: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const build = (): unknown => newInterPodAffinity(c.args as Record<string, unknown>, new FakeHandle());
      if (c.ok) assert.equal((build() as InterPodAffinity).name, NAME);
      else assert.throws(build, /not in valid range \[0, 100\]/);
    });
  }

  it('registers pod and node events', () => {
    assert.deepEqual(
      (newInterPodAffinity(undefined, new FakeHandle()) as InterPodAffinity).eventsToRegister(),
      [
        { resource: 'Pod', actions: ['Add', 'UpdatePodLabel', 'Delete'] },
        { resource: 'Node', actions: ['Add', 'UpdateNodeLabel', 'UpdateNodeTaint'] },
      ],
    );
  });
});
