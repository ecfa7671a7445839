import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeSelectorRequirement } from '../../../api/openapi/generated/types.js';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import { NodeInfo, type Node, type NodeScore, type Pod } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { FakeHandle } from '../helpers/testing.js';
import {
  ERR_REASON_CONFLICT,
  ERR_REASON_ENFORCED,
  ERR_REASON_POD,
  newNodeAffinity,
  NodeAffinity,
  type NodeAffinityArgs,
} from './node-affinity.js';

const req = (key: string, operator: string, values?: string[]): NodeSelectorRequirement => ({
  key,
  operator,
  ...(values ? { values } : {}),
});

function nodeInfo(name: string, labels: Record<string, string> = {}): NodeInfo {
  return new NodeInfo(makeNode().name(name).labels(labels).obj());
}

function withFieldTerms(pod: ReturnType<typeof makePod>, ...terms: NodeSelectorRequirement[][]): Pod {
  const p = pod.obj();
  p.spec!.affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((matchFields) => ({ matchFields })),
      },
    },
  };
  return p;
}

describe('NodeAffinity PreFilter', () => {
  const cases: Array<{
    name: string;
    pod: Pod;
    args?: NodeAffinityArgs;
    code: Code;
    nodeNames?: string[];
    reason?: string;
  }> = [
    { name: 'nothing to do: Skip', pod: makePod().obj(), code: Code.Skip },
    { name: 'nodeSelector only', pod: makePod().nodeSelector({ a: 'b' }).obj(), code: Code.Success },
    {
      name: 'added affinity makes it run for every pod',
      pod: makePod().obj(),
      args: {
        addedAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [req('x', 'Exists')] }],
          },
        },
      },
      code: Code.Success,
    },
    {
      name: 'metadata.name In narrows to those nodes',
      pod: withFieldTerms(makePod(), [req('metadata.name', 'In', ['node1', 'node2'])]),
      code: Code.Success,
      nodeNames: ['node1', 'node2'],
    },
    {
      name: 'requirements of one term intersect',
      pod: withFieldTerms(makePod(), [
        req('metadata.name', 'In', ['node1', 'node2']),
        req('metadata.name', 'In', ['node2', 'node3']),
      ]),
      code: Code.Success,
      nodeNames: ['node2'],
    },
    {
      name: 'terms union',
      pod: withFieldTerms(
        makePod(),
        [req('metadata.name', 'In', ['node1'])],
        [req('metadata.name', 'In', ['node3'])],
      ),
      code: Code.Success,
      nodeNames: ['node1', 'node3'],
    },
    {
      name: 'a term without a node name admits all nodes',
      pod: (() => {
        const p = withFieldTerms(makePod(), [req('metadata.name', 'In', ['node1'])]);
        p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms.push(
          {
            matchExpressions: [req('zone', 'Exists')],
          },
        );
        return p;
      })(),
      code: Code.Success,
    },
    {
      name: 'NotIn does not narrow',
      pod: withFieldTerms(makePod(), [req('metadata.name', 'NotIn', ['node1'])]),
      code: Code.Success,
    },
    {
      name: 'conflicting node names',
      pod: withFieldTerms(makePod(), [
        req('metadata.name', 'In', ['node1']),
        req('metadata.name', 'In', ['node2']),
      ]),
      code: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_CONFLICT,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pl = new NodeAffinity(c.args);
      const { result, status } = pl.preFilter(new CycleState(), c.pod);
      assert.equal(status.code, c.code);
      if (c.reason) assert.deepEqual(status.reasons, [c.reason]);
      assert.deepEqual(result?.nodeNames ? [...result.nodeNames].sort() : undefined, c.nodeNames);
    });
  }
});

describe('NodeAffinity Filter', () => {
  const cases: Array<{
    name: string;
    pod: Pod;
    node: NodeInfo;
    args?: NodeAffinityArgs;
    want: Code;
    reason?: string;
  }> = [
    { name: 'no constraints', pod: makePod().obj(), node: nodeInfo('n'), want: Code.Success },
    {
      name: 'nodeSelector matches',
      pod: makePod().nodeSelector({ foo: 'bar' }).obj(),
      node: nodeInfo('n', { foo: 'bar' }),
      want: Code.Success,
    },
    {
      name: 'nodeSelector does not match',
      pod: makePod().nodeSelector({ foo: 'bar' }).obj(),
      node: nodeInfo('n', { foo: 'baz' }),
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_POD,
    },
    {
      name: 'required affinity with Gt matches',
      pod: makePod()
        .requiredNodeAffinity([[req('kernel-version', 'Gt', ['0204'])]])
        .obj(),
      node: nodeInfo('n', { 'kernel-version': '0206' }),
      want: Code.Success,
    },
    {
      name: 'required affinity with NotIn rejects',
      pod: makePod()
        .requiredNodeAffinity([[req('mem-type', 'NotIn', ['DDR', 'DDR2'])]])
        .obj(),
      node: nodeInfo('n', { 'mem-type': 'DDR' }),
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_POD,
    },
    {
      name: 'an empty term list matches no node',
      pod: makePod().requiredNodeAffinity([]).obj(),
      node: nodeInfo('n', { foo: 'bar' }),
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_POD,
    },
    {
      name: 'matchFields picks the named node',
      pod: withFieldTerms(makePod(), [req('metadata.name', 'In', ['node1'])]),
      node: nodeInfo('node1'),
      want: Code.Success,
    },
    {
      name: 'matchFields rejects other nodes',
      pod: withFieldTerms(makePod(), [req('metadata.name', 'In', ['node1'])]),
      node: nodeInfo('node2'),
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_POD,
    },
    {
      name: 'scheduler-enforced affinity rejects first',
      pod: makePod().nodeSelector({ foo: 'bar' }).obj(),
      node: nodeInfo('n', { foo: 'bar' }),
      args: {
        addedAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [req('zone', 'Exists')] }],
          },
        },
      },
      want: Code.UnschedulableAndUnresolvable,
      reason: ERR_REASON_ENFORCED,
    },
    {
      name: 'scheduler-enforced affinity and the pod both match',
      pod: makePod().nodeSelector({ foo: 'bar' }).obj(),
      node: nodeInfo('n', { foo: 'bar', zone: 'a' }),
      args: {
        addedAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [req('zone', 'Exists')] }],
          },
        },
      },
      want: Code.Success,
    },
  ];
  for (const c of cases) {
    for (const withPreFilter of [true, false]) {
      it(`${c.name}${withPreFilter ? '' : ' (no PreFilter)'}`, () => {
        const pl = new NodeAffinity(c.args);
        const state = new CycleState();
        if (withPreFilter) pl.preFilter(state, c.pod);
        const s = pl.filter(state, c.pod, c.node);
        assert.equal(s.code, c.want);
        if (c.reason) assert.deepEqual(s.reasons, [c.reason]);
      });
    }
  }
});

describe('NodeAffinity Score', () => {
  const nodes: Node[] = [
    makeNode().name('node1').labels({ foo: 'bar' }).obj(),
    makeNode().name('node2').labels({ key: 'value', az: 'az1' }).obj(),
    makeNode().name('node3').labels({ foo: 'bar', key: 'value', az: 'az1' }).obj(),
  ];
  const preferred = makePod()
    .preferredNodeAffinity(2, [req('foo', 'In', ['bar'])])
    .preferredNodeAffinity(4, [req('key', 'In', ['value'])])
    .preferredNodeAffinity(5, [req('az', 'In', ['az1'])]);
  const cases: Array<{
    name: string;
    pod: Pod;
    args?: NodeAffinityArgs;
    raw: number[];
    want: number[];
    skip?: boolean;
  }> = [
    { name: 'no preferences: Skip', pod: makePod().obj(), raw: [0, 0, 0], want: [0, 0, 0], skip: true },
    {
      name: 'weights of matching terms, normalized',
      pod: preferred.obj(),
      raw: [2, 9, 11],
      want: [18, 81, 100],
    },
    {
      name: 'added preferred affinity counts for every pod',
      pod: makePod().obj(),
      args: {
        addedAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 5, preference: { matchExpressions: [req('foo', 'Exists')] } },
          ],
        },
      },
      raw: [5, 0, 5],
      want: [100, 0, 100],
    },
    {
      name: 'added and pod preferences add up',
      pod: makePod()
        .preferredNodeAffinity(3, [req('az', 'Exists')])
        .obj(),
      args: {
        addedAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 5, preference: { matchExpressions: [req('foo', 'Exists')] } },
          ],
        },
      },
      raw: [5, 3, 8],
      want: [62, 37, 100],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pl = new NodeAffinity(c.args);
      const state = new CycleState();
      const infos = nodes.map((n) => new NodeInfo(n));
      const pre = pl.preScore(state, c.pod, infos);
      assert.equal(pre.code, c.skip ? Code.Skip : Code.Success);
      const scores: NodeScore[] = infos.map((ni) => ({
        name: ni.name,
        score: pl.score(state, c.pod, ni) as number,
      }));
      assert.deepEqual(
        scores.map((s) => s.score),
        c.raw,
      );
      assert.ok(pl.scoreExtensions().normalizeScore(state, c.pod, scores).isSuccess());
      assert.deepEqual(
        scores.map((s) => s.score),
        c.want,
      );
    });
  }
});

describe('NodeAffinity args and events', () => {
  it('refuses added affinity that does not parse', () => {
    assert.throws(
      () =>
        newNodeAffinity(
          {
            addedAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [req('a', 'Nope')] }],
              },
            },
          },
          new FakeHandle(),
        ),
      /parsing addedAffinity.requiredDuringSchedulingIgnoredDuringExecution: "Nope" is not a valid node selector operator/,
    );
  });
  it('registers node additions and label changes', () => {
    assert.deepEqual(new NodeAffinity().eventsToRegister(), [
      { resource: 'Node', actions: ['Add', 'UpdateNodeLabel', 'UpdateNodeTaint'] },
    ]);
  });
});
