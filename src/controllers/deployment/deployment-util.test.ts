import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../../client/resources.js';
import {
  computeHash,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  equalIgnoreHash,
  lastRevision,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  resolveFenceposts,
  safeEncodeString,
  setNewReplicaSetAnnotations,
  valueFromIntOrPercent,
  type IntOrString,
} from './deployment-util.js';
import { dep, rs } from './testing.js';

describe('int-or-percent and fenceposts', () => {
  const values: Array<[IntOrString | undefined, number, boolean, number]> = [
    [5, 10, true, 5],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['100%', 7, false, 7],
    ['0%', 10, true, 0],
    [undefined, 10, true, 0],
  ];
  for (const [v, total, up, want] of values) {
    it(`${String(v)} of ${total} rounded ${up ? 'up' : 'down'} is ${want}`, () =>
      assert.equal(valueFromIntOrPercent(v, total, up), want));
  }
  it('a string that is not a percentage is an error', () => {
    assert.throws(() => valueFromIntOrPercent('oops', 10, true), /invalid value for IntOrString/);
  });

  // upstream TestResolveFenceposts
  const fence: Array<{
    surge?: IntOrString;
    unavailable?: IntOrString;
    desired: number;
    s: number;
    u: number;
    err?: boolean;
  }> = [
    { surge: 0, unavailable: 0, desired: 0, s: 0, u: 1 },
    { surge: '39%', unavailable: '39%', desired: 10, s: 4, u: 3 },
    { surge: 'oops', unavailable: '39%', desired: 10, s: 0, u: 0, err: true },
    { surge: '55%', unavailable: 'urg', desired: 10, s: 0, u: 0, err: true },
    { surge: undefined, unavailable: '39%', desired: 10, s: 0, u: 3 },
    { surge: '39%', unavailable: undefined, desired: 10, s: 4, u: 0 },
    { surge: undefined, unavailable: undefined, desired: 10, s: 0, u: 1 },
  ];
  for (const f of fence) {
    it(`resolveFenceposts(${String(f.surge)}, ${String(f.unavailable)}, ${f.desired})`, () => {
      if (f.err) {
        assert.throws(() => resolveFenceposts(f.surge, f.unavailable, f.desired));
        return;
      }
      assert.deepEqual(resolveFenceposts(f.surge, f.unavailable, f.desired), {
        surge: f.s,
        unavailable: f.u,
      });
    });
  }

  // upstream TestMaxUnavailable
  const mu: Array<{ name: string; d: Deployment; want: number }> = [
    { name: 'less than replicas', d: dep(10, { unavailable: 5 }), want: 5 },
    { name: 'equal replicas', d: dep(10, { unavailable: 10 }), want: 10 },
    { name: 'greater than replicas', d: dep(5, { unavailable: 10 }), want: 5 },
    { name: 'with replicas 0', d: dep(0, { unavailable: 10 }), want: 0 },
    { name: 'with Recreate', d: dep(10, { type: 'Recreate' }), want: 0 },
    { name: 'less than replicas with percents', d: dep(10, { unavailable: '50%' }), want: 5 },
    { name: 'equal replicas with percents', d: dep(10, { unavailable: '100%' }), want: 10 },
    { name: 'greater than replicas with percents', d: dep(5, { unavailable: '100%' }), want: 5 },
  ];
  for (const c of mu) it(`maxUnavailable: ${c.name}`, () => assert.equal(maxUnavailable(c.d), c.want));

  it('maxSurge: 25% of 10 rounds up to 3; Recreate has none', () => {
    assert.equal(maxSurge(dep(10, { surge: '25%' })), 3);
    assert.equal(maxSurge(dep(10, { type: 'Recreate' })), 0);
  });
});

describe('newRSNewReplicas (upstream TestNewRSNewReplicas)', () => {
  const cases: Array<{
    name: string;
    type: 'RollingUpdate' | 'Recreate';
    dep: number;
    newRS: number;
    surge: number;
    old?: number;
    want: number;
  }> = [
    {
      name: 'can not scale up - to newRSReplicas',
      type: 'RollingUpdate',
      dep: 1,
      newRS: 5,
      surge: 1,
      want: 5,
    },
    { name: 'scale up - to depReplicas', type: 'RollingUpdate', dep: 6, newRS: 2, surge: 10, want: 6 },
    { name: 'recreate - to depReplicas', type: 'Recreate', dep: 3, newRS: 1, surge: 1, want: 3 },
    {
      name: 'surge room shared with old pods',
      type: 'RollingUpdate',
      dep: 10,
      newRS: 0,
      surge: 2,
      old: 10,
      want: 2,
    },
    {
      name: 'old pods scaled down leave room',
      type: 'RollingUpdate',
      dep: 10,
      newRS: 0,
      surge: 2,
      old: 5,
      want: 7,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = dep(c.dep, { surge: c.surge, type: c.type });
      const n = rs('new', c.newRS);
      const all = c.old !== undefined ? [rs('old', c.old), n] : [n];
      assert.equal(newRSNewReplicas(d, all, n), c.want);
    });
  }
});

describe('revisions and annotations', () => {
  it('maxRevision and lastRevision skip malformed revisions', () => {
    const list = [
      rs('a', 0, { annotations: { 'deployment.kubernetes.io/revision': '3' } }),
      rs('b', 0, { annotations: { 'deployment.kubernetes.io/revision': 'x' } }),
      rs('c', 0, { annotations: { 'deployment.kubernetes.io/revision': '7' } }),
      rs('d', 0),
    ];
    assert.equal(maxRevision(list), 7);
    assert.equal(lastRevision(list), 3);
  });

  const cases: Array<{
    name: string;
    before?: Record<string, string>;
    newRevision: number;
    exists: boolean;
    want: Record<string, string>;
  }> = [
    {
      name: 'a new replica set gets revision, copied annotations and replicas annotations',
      newRevision: 1,
      exists: false,
      want: {
        'deployment.kubernetes.io/revision': '1',
        'deployment.kubernetes.io/desired-replicas': '4',
        'deployment.kubernetes.io/max-replicas': '5',
        'kubernetes.io/change-cause': 'v2',
      },
    },
    {
      name: 'rolling back to an old replica set records its old revision',
      before: { 'deployment.kubernetes.io/revision': '1' },
      newRevision: 3,
      exists: true,
      want: {
        'deployment.kubernetes.io/revision': '3',
        'deployment.kubernetes.io/revision-history': '1',
        'kubernetes.io/change-cause': 'v2',
      },
    },
    {
      name: 'history grows with each rollback',
      before: { 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' },
      newRevision: 5,
      exists: true,
      want: {
        'deployment.kubernetes.io/revision': '5',
        'deployment.kubernetes.io/revision-history': '1,3',
        'kubernetes.io/change-cause': 'v2',
      },
    },
    {
      name: 'a higher existing revision is kept',
      before: { 'deployment.kubernetes.io/revision': '9' },
      newRevision: 4,
      exists: true,
      want: { 'deployment.kubernetes.io/revision': '9', 'kubernetes.io/change-cause': 'v2' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = dep(4, {
        surge: 1,
        annotations: {
          'kubernetes.io/change-cause': 'v2',
          'deployment.kubernetes.io/revision': '2',
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
        },
      });
      const r = rs('x', 0, { annotations: c.before });
      setNewReplicaSetAnnotations(d, r, c.newRevision, c.exists);
      assert.deepEqual(r.metadata.annotations, c.want);
    });
  }

  it('revision history is trimmed from the oldest end to its length limit', () => {
    const d = dep(1);
    const r = rs('x', 0, {
      annotations: {
        'deployment.kubernetes.io/revision': '30',
        'deployment.kubernetes.io/revision-history': '10,20',
      },
    });
    setNewReplicaSetAnnotations(d, r, 40, true, 6);
    assert.equal(r.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '20,30');
  });
});

describe('pod-template-hash', () => {
  const t = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };
  it('is stable, safe-encoded, and changes with the template and the collision count', () => {
    const h = computeHash(t);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(computeHash(structuredClone(t)), h);
    assert.equal(computeHash({ spec: t.spec, metadata: t.metadata }), h, 'key order does not matter');
    assert.notEqual(computeHash({ ...t, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }), h);
    assert.notEqual(computeHash(t, 1), h);
    assert.notEqual(computeHash(t, 1), computeHash(t, 2));
  });
  it('safeEncodeString maps bytes onto the safe alphabet', () => {
    assert.equal(safeEncodeString('0123'), '4567');
  });
  it('equalIgnoreHash ignores the hash label and empty members', () => {
    const withHash = {
      ...t,
      metadata: { labels: { app: 'a', 'pod-template-hash': 'abc' }, annotations: {} },
    };
    assert.equal(equalIgnoreHash(t, withHash), true);
    assert.equal(equalIgnoreHash(t, { ...t, metadata: { labels: { app: 'b' } } }), false);
  });
});

describe('progress', () => {
  const d = dep(3);
  it('complete: all replicas updated, available, and the generation observed', () => {
    assert.equal(
      deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }),
      true,
    );
    assert.equal(
      deploymentComplete(d, { replicas: 4, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }),
      false,
    );
    assert.equal(
      deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 0 }),
      false,
    );
  });
  it('progressing: more updated/ready/available, or fewer old replicas', () => {
    const base = {
      ...d,
      status: { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 },
    };
    assert.equal(
      deploymentProgressing(base, {
        replicas: 4,
        updatedReplicas: 2,
        readyReplicas: 3,
        availableReplicas: 3,
      }),
      true,
    );
    assert.equal(
      deploymentProgressing(base, {
        replicas: 3,
        updatedReplicas: 1,
        readyReplicas: 3,
        availableReplicas: 3,
      }),
      true,
    );
    assert.equal(
      deploymentProgressing(base, {
        replicas: 4,
        updatedReplicas: 1,
        readyReplicas: 3,
        availableReplicas: 3,
      }),
      false,
    );
  });
  it('timed out: the Progressing condition was last updated more than progressDeadlineSeconds ago', () => {
    const cond = (reason: string, at: string) => ({
      conditions: [
        { type: 'Progressing', status: 'True', reason, lastUpdateTime: at, lastTransitionTime: at },
      ],
    });
    const now = new Date('2024-01-01T00:10:01Z');
    assert.equal(deploymentTimedOut(d, cond('ReplicaSetUpdated', '2024-01-01T00:00:00Z'), now), true);
    assert.equal(deploymentTimedOut(d, cond('ReplicaSetUpdated', '2024-01-01T00:00:02Z'), now), false);
    assert.equal(deploymentTimedOut(d, cond('NewReplicaSetAvailable', '2024-01-01T00:00:00Z'), now), false);
    assert.equal(deploymentTimedOut(d, cond('ProgressDeadlineExceeded', '2024-01-01T00:09:59Z'), now), true);
    assert.equal(deploymentTimedOut(d, {}, now), false);
  });
});
