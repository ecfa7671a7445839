import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeScore } from '../../framework/types.js';
import { defaultNormalizeScore } from './normalize-score.js';
import {
  balancedResourceScorer,
  leastRequestedScore,
  leastResourceScorer,
  mostRequestedScore,
  mostResourceScorer,
  requestedToCapacityRatioScorer,
} from './resource-allocation.js';
import {
  isExtendedResourceName,
  isHugePageResourceName,
  isNativeResourceName,
  isScalarResourceName,
} from './resource-names.js';
import { buildBrokenLinearFunction } from './shape-score.js';

describe('defaultNormalizeScore', () => {
  const cases: Array<[string, boolean, number[], number[]]> = [
    ['scales to the maximum', false, [1, 2, 3, 4, 5], [20, 40, 60, 80, 100]],
    ['reversed', true, [1, 2, 3, 4, 5], [80, 60, 40, 20, 0]],
    ['integer division', false, [1000, 10, 20, 30], [100, 1, 2, 3]],
    ['reversed integer division', true, [1000, 10, 20, 30], [0, 99, 98, 97]],
    ['all zero stays zero', false, [0, 0, 0], [0, 0, 0]],
    ['all zero reversed becomes the maximum', true, [0, 0, 0], [100, 100, 100]],
  ];
  for (const [name, reverse, input, want] of cases) {
    it(name, () => {
      const scores: NodeScore[] = input.map((score, i) => ({ name: `n${i}`, score }));
      defaultNormalizeScore(100, reverse, scores);
      assert.deepEqual(
        scores.map((s) => s.score),
        want,
      );
    });
  }
});

describe('buildBrokenLinearFunction', () => {
  const f = buildBrokenLinearFunction([
    { utilization: 10, score: 1 },
    { utilization: 20, score: 4 },
    { utilization: 50, score: 7 },
    { utilization: 100, score: 0 },
  ]);
  const cases: Array<[number, number]> = [
    [0, 1],
    [10, 1],
    [15, 2],
    [20, 4],
    [30, 5],
    [50, 7],
    [75, 4],
    [100, 0],
    [150, 0],
  ];
  for (const [p, want] of cases) it(`f(${p}) = ${want}`, () => assert.equal(f(p), want));
});

describe('resource scorers', () => {
  const cpuMem = [
    { name: 'cpu', weight: 1 },
    { name: 'memory', weight: 1 },
  ];
  it('least and most requested per resource', () => {
    assert.equal(leastRequestedScore(3000, 4000), 25);
    assert.equal(leastRequestedScore(5000, 4000), 0);
    assert.equal(leastRequestedScore(1, 0), 0);
    assert.equal(mostRequestedScore(3000, 4000), 75);
    assert.equal(mostRequestedScore(5000, 4000), 100);
    assert.equal(mostRequestedScore(1, 0), 0);
  });
  const cases: Array<[string, (r: number[], a: number[]) => number, number[], number[], number]> = [
    ['least: weighted mean of free fractions', leastResourceScorer(cpuMem), [3000, 6000], [4000, 10000], 32],
    [
      'least: resources with no allocatable are left out',
      leastResourceScorer(cpuMem),
      [3000, 0],
      [4000, 0],
      25,
    ],
    ['least: nothing allocatable scores 0', leastResourceScorer(cpuMem), [0, 0], [0, 0], 0],
    ['most: weighted mean of used fractions', mostResourceScorer(cpuMem), [3000, 6000], [4000, 10000], 67],
    [
      'most: weights',
      mostResourceScorer([
        { name: 'cpu', weight: 3 },
        { name: 'memory', weight: 1 },
      ]),
      [3000, 6000],
      [4000, 10000],
      71,
    ],
    [
      'ratio: shape scaled by 10 and rounded',
      requestedToCapacityRatioScorer(cpuMem, [
        { utilization: 0, score: 0 },
        { utilization: 100, score: 10 },
      ]),
      [4000, 7000],
      [6000, 10000],
      68,
    ],
    [
      'ratio: resources scoring 0 are left out',
      requestedToCapacityRatioScorer(cpuMem, [
        { utilization: 0, score: 10 },
        { utilization: 100, score: 0 },
      ]),
      [5000, 9000],
      [4000, 10000],
      10,
    ],
    ['balanced: two resources', balancedResourceScorer, [3000, 5000], [4000, 10000], 87],
    ['balanced: one resource has no deviation', balancedResourceScorer, [3000, 0], [4000, 0], 100],
  ];
  for (const [name, scorer, requested, allocatable, want] of cases) {
    it(name, () => assert.equal(scorer(requested, allocatable), want));
  }
});

describe('resource names', () => {
  const cases: Array<[string, { native: boolean; extended: boolean; hugepages: boolean; scalar: boolean }]> =
    [
      ['cpu', { native: true, extended: false, hugepages: false, scalar: false }],
      ['nvidia.com/gpu', { native: false, extended: true, hugepages: false, scalar: true }],
      ['kubernetes.io/something', { native: true, extended: false, hugepages: false, scalar: true }],
      ['hugepages-2Mi', { native: true, extended: false, hugepages: true, scalar: true }],
      ['attachable-volumes-aws-ebs', { native: true, extended: false, hugepages: false, scalar: true }],
      ['requests.example.com/foo', { native: false, extended: false, hugepages: false, scalar: false }],
      ['foo', { native: true, extended: false, hugepages: false, scalar: false }],
    ];
  for (const [name, want] of cases) {
    it(name, () => {
      assert.deepEqual(
        {
          native: isNativeResourceName(name),
          extended: isExtendedResourceName(name),
          hugepages: isHugePageResourceName(name),
          scalar: isScalarResourceName(name),
        },
        want,
      );
    });
  }
});
