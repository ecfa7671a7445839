import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../api/openapi/generated/types.js';
import {
  isPodActive,
  isPodAvailable,
  podDeletionCost,
  podFromTemplate,
  podsToDelete,
  preferForDeletion,
} from './pod-util.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const H = 3_600_000;

interface PodSpecLite {
  name: string;
  node?: string;
  phase?: string;
  readySince?: string;
  created?: string;
  restarts?: number;
  cost?: string;
  uid?: string;
}

function pod(p: PodSpecLite): Pod {
  return {
    metadata: {
      name: p.name,
      uid: p.uid ?? p.name,
      creationTimestamp: p.created ?? ago(10 * H),
      ...(p.cost !== undefined
        ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': p.cost } }
        : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(p.node ? { nodeName: p.node } : {}) },
    status: {
      phase: p.phase ?? 'Running',
      conditions: p.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: p.readySince }] : [],
      containerStatuses: [
        { name: 'c', restartCount: p.restarts ?? 0, ready: !!p.readySince, image: 'x', imageID: '' },
      ],
    },
  };
}

describe('deletion ranking (upstream ActivePodsWithRanks)', () => {
  // Each case: a is preferred for deletion over b (and not the other way round).
  const cases: Array<{ name: string; a: PodSpecLite; ra?: number; b: PodSpecLite; rb?: number }> = [
    { name: 'unassigned before assigned', a: { name: 'a' }, b: { name: 'b', node: 'n1' } },
    {
      name: 'pending before running',
      a: { name: 'a', node: 'n', phase: 'Pending' },
      b: { name: 'b', node: 'n' },
    },
    {
      name: 'unknown before running',
      a: { name: 'a', node: 'n', phase: 'Unknown' },
      b: { name: 'b', node: 'n', phase: 'Running' },
    },
    {
      name: 'pending before unknown',
      a: { name: 'a', node: 'n', phase: 'Pending' },
      b: { name: 'b', node: 'n', phase: 'Unknown' },
    },
    {
      name: 'not ready before ready',
      a: { name: 'a', node: 'n' },
      b: { name: 'b', node: 'n', readySince: ago(H) },
    },
    {
      name: 'lower deletion cost first, even when otherwise preferred to keep',
      a: { name: 'a', node: 'n', readySince: ago(100 * H), cost: '-10' },
      b: { name: 'b', node: 'n', readySince: ago(H), cost: '5' },
    },
    {
      name: 'more colocated siblings first',
      a: { name: 'a', node: 'n1', readySince: ago(H) },
      ra: 3,
      b: { name: 'b', node: 'n2', readySince: ago(H) },
      rb: 1,
    },
    {
      name: 'ready for less time first (log scale)',
      a: { name: 'a', node: 'n', readySince: ago(60_000) },
      b: { name: 'b', node: 'n', readySince: ago(10 * H) },
    },
    {
      name: 'more restarts first',
      a: { name: 'a', node: 'n', restarts: 3 },
      b: { name: 'b', node: 'n', restarts: 1 },
    },
    {
      name: 'newer first (log scale)',
      a: { name: 'a', node: 'n', created: ago(60_000) },
      b: { name: 'b', node: 'n', created: ago(10 * H) },
    },
    {
      name: 'same log bucket: ordered by uid',
      a: { name: 'a', node: 'n', created: ago(1.1 * H), uid: 'aaa' },
      b: { name: 'b', node: 'n', created: ago(1.2 * H), uid: 'bbb' },
    },
    {
      name: 'a malformed cost counts as 0',
      a: { name: 'a', node: 'n', cost: 'abc', readySince: ago(H) },
      b: { name: 'b', node: 'n', cost: '1', readySince: ago(H) },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = pod(c.a);
      const b = pod(c.b);
      assert.equal(preferForDeletion(a, c.ra ?? 0, b, c.rb ?? 0, NOW), true);
      assert.equal(preferForDeletion(b, c.rb ?? 0, a, c.ra ?? 0, NOW), false);
    });
  }

  it('without a reference time, any later time comes first', () => {
    const a = pod({ name: 'a', node: 'n', created: ago(1.1 * H), uid: 'zzz' });
    const b = pod({ name: 'b', node: 'n', created: ago(1.2 * H), uid: 'aaa' });
    assert.equal(preferForDeletion(a, 0, b, 0, 0), true);
  });

  it('podsToDelete picks the preferred ones, ranking by active siblings per node', () => {
    const pods = [
      pod({ name: 'ready-old', node: 'n1', readySince: ago(10 * H) }),
      pod({ name: 'unscheduled' }),
      pod({ name: 'pending', node: 'n2', phase: 'Pending' }),
      pod({ name: 'ready-crowded', node: 'n3', readySince: ago(10 * H) }),
    ];
    const related = [
      ...pods,
      pod({ name: 'sibling', node: 'n3' }),
      pod({ name: 'done', node: 'n1', phase: 'Succeeded' }),
    ];
    const got = podsToDelete(pods, related, 3, new Date(NOW)).map((p) => p.metadata!.name);
    assert.deepEqual(got, ['unscheduled', 'pending', 'ready-crowded']);
    assert.equal(podsToDelete(pods, related, 9, new Date(NOW)).length, 4);
  });
});

describe('pod predicates', () => {
  const avail: Array<{ name: string; readySince?: string; minReady: number; want: boolean }> = [
    { name: 'not ready', minReady: 0, want: false },
    { name: 'ready, no minReadySeconds', readySince: ago(0), minReady: 0, want: true },
    { name: 'ready for less than minReadySeconds', readySince: ago(5_000), minReady: 10, want: false },
    { name: 'ready for exactly minReadySeconds', readySince: ago(10_000), minReady: 10, want: false },
    { name: 'ready for longer than minReadySeconds', readySince: ago(10_001), minReady: 10, want: true },
  ];
  for (const c of avail) {
    it(`isPodAvailable: ${c.name}`, () => {
      assert.equal(
        isPodAvailable(pod({ name: 'p', readySince: c.readySince }), c.minReady, new Date(NOW)),
        c.want,
      );
    });
  }

  const costs: Array<[string | undefined, number]> = [
    [undefined, 0],
    ['10', 10],
    ['-5', -5],
    ['2147483648', 0],
    ['1.5', 0],
  ];
  for (const [v, want] of costs) {
    it(`podDeletionCost(${v})`, () => assert.equal(podDeletionCost(pod({ name: 'p', cost: v })), want));
  }

  it('isPodActive: finished or deleting pods are inactive', () => {
    assert.equal(isPodActive(pod({ name: 'p' })), true);
    assert.equal(isPodActive(pod({ name: 'p', phase: 'Succeeded' })), false);
    assert.equal(isPodActive(pod({ name: 'p', phase: 'Failed' })), false);
    const deleting = pod({ name: 'p' });
    deleting.metadata!.deletionTimestamp = ago(0);
    assert.equal(isPodActive(deleting), false);
  });

  it('podFromTemplate copies labels, annotations, finalizers and spec, and sets the owner', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u', controller: true };
    const tpl = {
      metadata: { labels: { app: 'web' }, annotations: { a: 'b' }, finalizers: ['f'], name: 'ignored' },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    };
    const p = podFromTemplate(tpl, 'ns', 'web-', ref);
    assert.deepEqual(p.metadata, {
      namespace: 'ns',
      generateName: 'web-',
      ownerReferences: [ref],
      labels: { app: 'web' },
      annotations: { a: 'b' },
      finalizers: ['f'],
    });
    assert.deepEqual(p.spec, tpl.spec);
    assert.notEqual(p.spec, tpl.spec);
  });
});
