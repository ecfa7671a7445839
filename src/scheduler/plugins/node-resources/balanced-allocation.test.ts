import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import type { NodeInfo, Pod } from '../../framework/types.js';
import { makeNode, makePod, nodeInfoWith } from '../../testing/wrappers.js';
import { FakeHandle } from '../helpers/testing.js';
import {
  newNodeResourcesBalancedAllocation,
  NodeResourcesBalancedAllocation,
  validateBalancedAllocationArgs,
  type NodeResourcesBalancedAllocationArgs,
} from './balanced-allocation.js';

const EXT = 'example.com/aaa';

function node(name: string, cap: Record<string, string | number>, ...pods: Pod[]): NodeInfo {
  return nodeInfoWith(
    makeNode()
      .name(name)
      .capacity({ pods: 100, ...cap })
      .obj(),
    ...pods,
  );
}

describe('NodeResourcesBalancedAllocation Score', () => {
  const cases: Array<{
    name: string;
    pod: Pod;
    nodes: NodeInfo[];
    args?: NodeResourcesBalancedAllocationArgs;
    want: number[];
  }> = [
    {
      name: 'differently sized nodes: equal fractions score 100',
      pod: makePod().name('p').container({ cpu: '3000m', memory: '5000' }).obj(),
      nodes: [node('n1', { cpu: '4000m', memory: '10000' }), node('n2', { cpu: '6000m', memory: '10000' })],
      // n1: |0.75 - 0.5| / 2 = 0.125 → 87; n2: 0.5 and 0.5 → 100
      want: [87, 100],
    },
    {
      name: 'existing pods count with their real requests',
      pod: makePod().name('p').container({ cpu: '3000m', memory: '5000' }).obj(),
      nodes: [
        node(
          'n1',
          { cpu: '10000m', memory: '20000' },
          makePod().name('e1').node('n1').container({ cpu: '3000m' }).obj(),
          // No requests: counts 0 here (balanced allocation does not use the non-zero defaults).
          makePod().name('e2').node('n1').container().obj(),
        ),
      ],
      // cpu 6000/10000 = 0.6, memory 5000/20000 = 0.25 → std 0.175 → 82
      want: [82],
    },
    {
      name: 'fractions above 1 are capped',
      pod: makePod().name('p').container({ cpu: '8000m', memory: '5000' }).obj(),
      nodes: [node('n1', { cpu: '4000m', memory: '10000' })],
      // cpu min(2, 1) = 1, memory 0.5 → std 0.25 → 75
      want: [75],
    },
    {
      name: 'three resources use the standard deviation',
      pod: makePod()
        .name('p')
        .container({ cpu: '1000m', memory: '5000', [EXT]: 1 })
        .obj(),
      nodes: [node('n1', { cpu: '4000m', memory: '10000', [EXT]: 4 })],
      args: {
        resources: [
          { name: 'cpu', weight: 1 },
          { name: 'memory', weight: 1 },
          { name: EXT, weight: 1 },
        ],
      },
      // fractions 0.25, 0.5, 0.25 → std 0.11785 → 88
      want: [88],
    },
    {
      name: 'an extended resource the pod does not request is left out',
      pod: makePod().name('p').container({ cpu: '1000m', memory: '5000' }).obj(),
      nodes: [node('n1', { cpu: '4000m', memory: '10000', [EXT]: 4 })],
      args: {
        resources: [
          { name: 'cpu', weight: 1 },
          { name: 'memory', weight: 1 },
          { name: EXT, weight: 1 },
        ],
      },
      want: [87],
    },
    {
      name: 'a node without the resource allocatable leaves it out',
      pod: makePod()
        .name('p')
        .container({ cpu: '1000m', memory: '5000', [EXT]: 1 })
        .obj(),
      nodes: [node('n1', { cpu: '4000m', memory: '10000' })],
      args: {
        resources: [
          { name: 'cpu', weight: 1 },
          { name: 'memory', weight: 1 },
          { name: EXT, weight: 1 },
        ],
      },
      want: [87],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pl = newNodeResourcesBalancedAllocation(
        c.args as Record<string, unknown> | undefined,
        new FakeHandle(),
      ) as NodeResourcesBalancedAllocation;
      const state = new CycleState();
      assert.ok(pl.preScore(state, c.pod, c.nodes).isSuccess());
      assert.deepEqual(
        c.nodes.map((n) => pl.score(state, c.pod, n)),
        c.want,
      );
      // Score also works when PreScore did not run.
      assert.deepEqual(
        c.nodes.map((n) => pl.score(new CycleState(), c.pod, n)),
        c.want,
      );
    });
  }

  it('skips pods that request nothing', () => {
    const pl = new NodeResourcesBalancedAllocation();
    const pod = makePod().name('p').container().obj();
    const n = node('n1', { cpu: '4', memory: '4Gi' });
    assert.equal(pl.preScore(new CycleState(), pod, [n]).code, Code.Skip);
    assert.equal(pl.score(new CycleState(), pod, n), 0);
  });
});

describe('NodeResourcesBalancedAllocation args', () => {
  const cases: Array<[string, NodeResourcesBalancedAllocationArgs, RegExp | undefined]> = [
    ['default', {}, undefined],
    ['weight 1', { resources: [{ name: 'cpu', weight: 1 }] }, undefined],
    ['weight other than 1', { resources: [{ name: 'cpu', weight: 2 }] }, /must be 1/],
    [
      'duplicate resource',
      {
        resources: [
          { name: 'cpu', weight: 1 },
          { name: 'cpu', weight: 1 },
        ],
      },
      /Duplicate value: "cpu"/,
    ],
  ];
  for (const [name, args, want] of cases) {
    it(name, () => {
      const errs = validateBalancedAllocationArgs(args);
      if (want) {
        assert.ok(
          errs.some((e) => want.test(e)),
          errs.join('; '),
        );
        assert.throws(() => new NodeResourcesBalancedAllocation(args), want);
      } else {
        assert.deepEqual(errs, []);
      }
    });
  }
});
