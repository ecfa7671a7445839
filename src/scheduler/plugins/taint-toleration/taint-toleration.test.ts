import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint, Toleration } from '../../../api/openapi/generated/types.js';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import { NodeInfo, type NodeScore, type Pod } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { TaintToleration } from './taint-toleration.js';

function nodeWithTaints(name: string, taints: Taint[]): NodeInfo {
  const w = makeNode().name(name);
  for (const t of taints) w.taint(t);
  return new NodeInfo(w.obj());
}

function podWithTolerations(tols: Toleration[]): Pod {
  const w = makePod().name('p');
  for (const t of tols) w.toleration(t);
  return w.obj();
}

describe('TaintToleration Filter', () => {
  const cases: Array<{ name: string; pod: Pod; taints: Taint[]; want: Code; reason?: string }> = [
    {
      name: 'a pod without tolerations does not fit a NoSchedule taint',
      pod: podWithTolerations([]),
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: Code.UnschedulableAndUnresolvable,
      reason: 'node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'a pod tolerating the taint fits',
      pod: podWithTolerations([{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }]),
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: Code.Success,
    },
    {
      name: 'a toleration for another value does not help',
      pod: podWithTolerations([
        { key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' },
      ]),
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: Code.UnschedulableAndUnresolvable,
      reason: 'node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'Exists tolerates any value',
      pod: podWithTolerations([{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }]),
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      want: Code.Success,
    },
    {
      name: 'every taint must be tolerated',
      pod: podWithTolerations([{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' }]),
      taints: [
        { key: 'foo', value: 'bar', effect: 'NoSchedule' },
        { key: 'foo', value: 'blah', effect: 'NoSchedule' },
      ],
      want: Code.UnschedulableAndUnresolvable,
      reason: 'node(s) had untolerated taint {foo: blah}',
    },
    {
      name: 'an effect mismatch does not tolerate',
      pod: podWithTolerations([{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }]),
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      want: Code.UnschedulableAndUnresolvable,
      reason: 'node(s) had untolerated taint {foo: bar}',
    },
    {
      name: 'NoExecute taints count too',
      pod: podWithTolerations([]),
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }],
      want: Code.UnschedulableAndUnresolvable,
      reason: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
    },
    {
      name: 'PreferNoSchedule taints do not filter',
      pod: podWithTolerations([]),
      taints: [{ key: 'foo', value: 'bar', effect: 'PreferNoSchedule' }],
      want: Code.Success,
    },
    {
      name: 'an empty-key Exists toleration tolerates everything',
      pod: podWithTolerations([{ operator: 'Exists' }]),
      taints: [
        { key: 'a', value: '1', effect: 'NoSchedule' },
        { key: 'b', effect: 'NoExecute' },
      ],
      want: Code.Success,
    },
    { name: 'no taints', pod: podWithTolerations([]), taints: [], want: Code.Success },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new TaintToleration().filter(new CycleState(), c.pod, nodeWithTaints('n', c.taints));
      assert.equal(s.code, c.want);
      if (c.reason) assert.deepEqual(s.reasons, [c.reason]);
    });
  }
});

describe('TaintToleration Score', () => {
  const cases: Array<{
    name: string;
    pod: Pod;
    nodes: Array<[string, Taint[]]>;
    raw: number[];
    want: number[];
  }> = [
    {
      name: 'a node whose PreferNoSchedule taints are tolerated scores best',
      pod: podWithTolerations([{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }]),
      nodes: [
        ['nodeA', [{ key: 'foo', value: 'bar', effect: 'PreferNoSchedule' }]],
        ['nodeB', [{ key: 'foo', value: 'blah', effect: 'PreferNoSchedule' }]],
      ],
      raw: [0, 1],
      want: [100, 0],
    },
    {
      name: 'more intolerable taints score lower',
      pod: podWithTolerations([
        { key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'PreferNoSchedule' },
      ]),
      nodes: [
        ['nodeA', []],
        ['nodeB', [{ key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' }]],
        [
          'nodeC',
          [
            { key: 'cpu-type', value: 'x86', effect: 'PreferNoSchedule' },
            { key: 'disk-type', value: 'ssd', effect: 'PreferNoSchedule' },
          ],
        ],
      ],
      raw: [0, 0, 2],
      want: [100, 100, 0],
    },
    {
      name: 'only PreferNoSchedule taints are counted',
      pod: podWithTolerations([{ key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }]),
      nodes: [
        ['nodeA', []],
        ['nodeB', [{ key: 'cpu-type', value: 'arm64', effect: 'NoSchedule' }]],
        ['nodeC', [{ key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' }]],
      ],
      raw: [0, 0, 1],
      want: [100, 100, 0],
    },
    {
      name: 'a toleration without effect tolerates PreferNoSchedule',
      pod: podWithTolerations([{ key: 'foo', operator: 'Exists' }]),
      nodes: [
        ['nodeA', [{ key: 'foo', value: 'x', effect: 'PreferNoSchedule' }]],
        [
          'nodeB',
          [
            { key: 'bar', value: 'x', effect: 'PreferNoSchedule' },
            { key: 'baz', effect: 'PreferNoSchedule' },
            { key: 'qux', effect: 'PreferNoSchedule' },
          ],
        ],
        ['nodeC', [{ key: 'bar', value: 'x', effect: 'PreferNoSchedule' }]],
      ],
      raw: [0, 3, 1],
      want: [100, 0, 67],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pl = new TaintToleration();
      const state = new CycleState();
      const infos = c.nodes.map(([n, t]) => nodeWithTaints(n, t));
      assert.ok(pl.preScore(state, c.pod).isSuccess());
      const scores: NodeScore[] = infos.map((ni) => ({
        name: ni.name,
        score: pl.score(state, c.pod, ni) as number,
      }));
      assert.deepEqual(
        scores.map((s) => s.score),
        c.raw,
      );
      pl.normalizeScore(state, c.pod, scores);
      assert.deepEqual(
        scores.map((s) => s.score),
        c.want,
      );
    });
  }
  it('Score without PreScore is an error', () => {
    const r = new TaintToleration().score(new CycleState(), podWithTolerations([]), nodeWithTaints('n', []));
    assert.ok(typeof r !== 'number' && r.code === Code.Error);
  });
  it('registers node additions and taint changes', () => {
    assert.deepEqual(new TaintToleration().eventsToRegister(), [
      { resource: 'Node', actions: ['Add', 'UpdateNodeTaint', 'UpdateNodeLabel'] },
    ]);
  });
});
