import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, ReplicaSet } from '../../client/resources.js';
import { dep, rs } from './testing.js';
import { planNewReplicaSet, planOldReplicaSets, planScale } from './rollout-plan.js';

describe('planNewReplicaSet (upstream TestDeploymentController_reconcileNewReplicaSet)', () => {
  const cases: Array<{
    deploymentReplicas: number;
    maxSurge: number;
    oldReplicas: number;
    newReplicas: number;
    want?: number;
  }> = [
    { deploymentReplicas: 10, maxSurge: 0, oldReplicas: 10, newReplicas: 0 },
    { deploymentReplicas: 10, maxSurge: 2, oldReplicas: 10, newReplicas: 0, want: 2 },
    { deploymentReplicas: 10, maxSurge: 2, oldReplicas: 5, newReplicas: 0, want: 7 },
    { deploymentReplicas: 10, maxSurge: 2, oldReplicas: 10, newReplicas: 2 },
    { deploymentReplicas: 2, maxSurge: 2, oldReplicas: 2, newReplicas: 4, want: 2 },
  ];
  for (const c of cases) {
    it(`${c.deploymentReplicas} replicas, surge ${c.maxSurge}, old ${c.oldReplicas}, new ${c.newReplicas}`, () => {
      const d = dep(c.deploymentReplicas, { surge: c.maxSurge, unavailable: 0 });
      const newRS = rs('foo-v2', c.newReplicas, { created: 10 });
      const oldRS = rs('foo-v1', c.oldReplicas);
      assert.equal(planNewReplicaSet(d, [oldRS, newRS], newRS), c.want);
    });
  }
});

describe('planOldReplicaSets (upstream TestDeploymentController_reconcileOldReplicaSets)', () => {
  const cases: Array<{
    name: string;
    deploymentReplicas: number;
    maxUnavailable: number;
    oldReplicas: number;
    newReplicas: number;
    readyOld: number;
    readyNew: number;
    /** Final size of the old ReplicaSet, or undefined when nothing is scaled. */
    want?: number;
  }> = [
    {
      name: 'maxUnavailable 0 still allows one',
      deploymentReplicas: 10,
      maxUnavailable: 0,
      oldReplicas: 10,
      newReplicas: 0,
      readyOld: 10,
      readyNew: 0,
      want: 9,
    },
    {
      name: 'scale down by maxUnavailable',
      deploymentReplicas: 10,
      maxUnavailable: 2,
      oldReplicas: 10,
      newReplicas: 0,
      readyOld: 10,
      readyNew: 0,
      want: 8,
    },
    {
      name: 'unhealthy replicas cleaned up first',
      deploymentReplicas: 10,
      maxUnavailable: 2,
      oldReplicas: 10,
      newReplicas: 0,
      readyOld: 8,
      readyNew: 0,
      want: 8,
    },
    {
      name: 'one unhealthy cleaned, one ready scaled down',
      deploymentReplicas: 10,
      maxUnavailable: 2,
      oldReplicas: 10,
      newReplicas: 0,
      readyOld: 9,
      readyNew: 0,
      want: 8,
    },
    {
      name: "the new RS's unavailable pods block further scale down",
      deploymentReplicas: 10,
      maxUnavailable: 2,
      oldReplicas: 8,
      newReplicas: 2,
      readyOld: 8,
      readyNew: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = dep(c.deploymentReplicas, { unavailable: c.maxUnavailable, surge: 0 });
      const oldRS = rs('foo-v1', c.oldReplicas, { available: c.readyOld });
      const newRS = rs('foo-v2', c.newReplicas, { available: c.readyNew, created: 10 });
      const steps = planOldReplicaSets(d, [oldRS, newRS], [oldRS], newRS);
      if (c.want === undefined) assert.deepEqual(steps, []);
      else assert.equal(steps.at(-1)?.replicas, c.want);
    });
  }

  it('a step per phase: cleanup, then scale down of the same replica set', () => {
    const d = dep(10, { unavailable: 2, surge: 0 });
    const oldRS = rs('foo-v1', 10, { available: 9 });
    const newRS = rs('foo-v2', 0, { created: 10 });
    assert.deepEqual(
      planOldReplicaSets(d, [oldRS, newRS], [oldRS], newRS).map((s) => s.replicas),
      [9, 8],
    );
  });

  it('older replica sets are scaled down first', () => {
    const d = dep(4, { unavailable: 2, surge: 0 });
    const v1 = rs('foo-v1', 2, { created: 0 });
    const v2 = rs('foo-v2', 2, { created: 5 });
    const v3 = rs('foo-v3', 0, { created: 10 });
    const steps = planOldReplicaSets(d, [v1, v2, v3], [v2, v1], v3);
    assert.deepEqual(
      steps.map((s) => [s.rs.metadata.name, s.replicas]),
      [['foo-v1', 0]],
    );
  });
});

/** ReplicaSets as sized for an earlier deployment (their replicas annotations). */
function sizedFor(old: Deployment, ...sets: ReplicaSet[]): ReplicaSet[] {
  const surge =
    typeof old.spec?.strategy?.rollingUpdate?.maxSurge === 'number'
      ? old.spec.strategy.rollingUpdate.maxSurge
      : 0;
  for (const s of sets) {
    s.metadata.annotations = {
      'deployment.kubernetes.io/desired-replicas': String(old.spec?.replicas),
      'deployment.kubernetes.io/max-replicas': String((old.spec?.replicas ?? 0) + surge),
    };
  }
  return sets;
}

describe('planScale (upstream TestScale)', () => {
  const cases: Array<{
    name: string;
    d: Deployment;
    old: Deployment;
    newRS?: [string, number];
    oldRSs: Array<[string, number]>;
    /** Expected sizes by name after the plan (unchanged ones included). */
    want: Record<string, number>;
  }> = [
    {
      name: 'normal scaling event: 10 -> 12',
      d: dep(12),
      old: dep(10),
      newRS: ['foo-v1', 10],
      oldRSs: [],
      want: { 'foo-v1': 12 },
    },
    {
      name: 'normal scaling event: 10 -> 5',
      d: dep(5),
      old: dep(10),
      newRS: ['foo-v1', 10],
      oldRSs: [],
      want: { 'foo-v1': 5 },
    },
    {
      name: 'proportional scaling: 5 -> 10',
      d: dep(10),
      old: dep(5),
      newRS: ['foo-v2', 2],
      oldRSs: [['foo-v1', 3]],
      want: { 'foo-v2': 4, 'foo-v1': 6 },
    },
    {
      name: 'proportional scaling: 5 -> 3',
      d: dep(3),
      old: dep(5),
      newRS: ['foo-v2', 2],
      oldRSs: [['foo-v1', 3]],
      want: { 'foo-v2': 1, 'foo-v1': 2 },
    },
    {
      name: 'proportional scaling: 9 -> 4',
      d: dep(4),
      old: dep(9),
      newRS: ['foo-v2', 8],
      oldRSs: [['foo-v1', 1]],
      want: { 'foo-v2': 4, 'foo-v1': 0 },
    },
    {
      name: 'proportional scaling: 7 -> 10',
      d: dep(10),
      old: dep(7),
      newRS: ['foo-v3', 2],
      oldRSs: [
        ['foo-v2', 3],
        ['foo-v1', 2],
      ],
      want: { 'foo-v3': 3, 'foo-v2': 4, 'foo-v1': 3 },
    },
    {
      name: 'proportional scaling: 13 -> 8',
      d: dep(8),
      old: dep(13),
      newRS: ['foo-v3', 2],
      oldRSs: [
        ['foo-v2', 8],
        ['foo-v1', 3],
      ],
      want: { 'foo-v3': 1, 'foo-v2': 5, 'foo-v1': 2 },
    },
    {
      name: 'leftover distribution: 3 -> 4 (newer first)',
      d: dep(4),
      old: dep(3),
      newRS: ['foo-v3', 1],
      oldRSs: [
        ['foo-v2', 1],
        ['foo-v1', 1],
      ],
      want: { 'foo-v3': 2, 'foo-v2': 1, 'foo-v1': 1 },
    },
    {
      name: 'leftover distribution: 3 -> 2 (older first)',
      d: dep(2),
      old: dep(3),
      newRS: ['foo-v3', 1],
      oldRSs: [
        ['foo-v2', 1],
        ['foo-v1', 1],
      ],
      want: { 'foo-v3': 1, 'foo-v2': 1, 'foo-v1': 0 },
    },
    {
      name: 'proportional scaling (no new rs): 4 -> 5',
      d: dep(5),
      old: dep(4),
      oldRSs: [
        ['foo-v2', 2],
        ['foo-v1', 2],
      ],
      want: { 'foo-v2': 3, 'foo-v1': 2 },
    },
    {
      name: 'proportional scaling: 6 -> 0',
      d: dep(0),
      old: dep(6),
      newRS: ['foo-v3', 3],
      oldRSs: [
        ['foo-v2', 2],
        ['foo-v1', 1],
      ],
      want: { 'foo-v3': 0, 'foo-v2': 0, 'foo-v1': 0 },
    },
    {
      name: 'proportional scaling: 0 -> 6 (the new one takes all)',
      d: dep(6),
      old: dep(0),
      newRS: ['foo-v3', 0],
      oldRSs: [
        ['foo-v2', 0],
        ['foo-v1', 0],
      ],
      want: { 'foo-v3': 6, 'foo-v2': 0, 'foo-v1': 0 },
    },
    {
      name: 'deployment with surge pods',
      d: dep(20, { surge: 2 }),
      old: dep(10, { surge: 2 }),
      newRS: ['foo-v2', 6],
      oldRSs: [['foo-v1', 6]],
      want: { 'foo-v2': 11, 'foo-v1': 11 },
    },
    {
      name: 'change both surge and size',
      d: dep(50, { surge: 6 }),
      old: dep(10, { surge: 3 }),
      newRS: ['foo-v2', 5],
      oldRSs: [['foo-v1', 8]],
      want: { 'foo-v2': 22, 'foo-v1': 34 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const olds = c.oldRSs.map(([name, n], i) => rs(name, n, { created: -10 * (i + 1) }));
      const newRS = c.newRS ? rs(c.newRS[0], c.newRS[1], { created: 0 }) : undefined;
      sizedFor(c.old, ...olds, ...(newRS ? [newRS] : []));
      c.d.status = { replicas: c.old.spec?.replicas };
      const sizes: Record<string, number> = {};
      for (const r of [...olds, ...(newRS ? [newRS] : [])]) sizes[r.metadata.name!] = r.spec!.replicas!;
      for (const step of planScale(c.d, newRS, olds)) sizes[step.rs.metadata.name!] = step.replicas;
      assert.deepEqual(sizes, c.want);
    });
  }

  it('a saturated new replica set zeroes the old ones', () => {
    const d = dep(3);
    const newRS = rs('foo-v2', 3, { annotations: { 'deployment.kubernetes.io/desired-replicas': '3' } });
    const old = rs('foo-v1', 1, { created: -10 });
    assert.deepEqual(
      planScale(d, newRS, [old]).map((s) => [s.rs.metadata.name, s.replicas]),
      [['foo-v1', 0]],
    );
  });
});
