import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { replicasets } from './replicaset.js';
import { createErrors, created, row, updated } from './strategy-testing.js';

function base(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'frontend' },
    spec: {
      selector: { matchLabels: { tier: 'frontend' } },
      template: {
        metadata: { labels: { tier: 'frontend' } },
        spec: {
          containers: [
            { name: 'php-redis', image: 'us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5' },
          ],
        },
      },
    },
  };
}

describe('ReplicaSet', () => {
  it('defaults replicas to 1 and the template like a pod', () => {
    const spec = created(replicasets, base()).spec as Record<string, any>;
    assert.equal(spec.replicas, 1);
    assert.equal(spec.template.spec.restartPolicy, 'Always');
  });

  const cases: Array<[string, (s: Record<string, any>) => void, string[]]> = [
    ['a valid ReplicaSet', () => undefined, []],
    [
      'negative minReadySeconds',
      (s) => (s.minReadySeconds = -1),
      ['spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'an empty selector',
      (s) => (s.selector = { matchLabels: {} }),
      ['spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for deployment'],
    ],
    [
      'a selector expression without values',
      (s) =>
        (s.selector = {
          matchLabels: { tier: 'frontend' },
          matchExpressions: [{ key: 'env', operator: 'In' }],
        }),
      [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        'spec.selector: Invalid value: {"matchLabels":{"tier":"frontend"},"matchExpressions":[{"key":"env","operator":"In"}]}: invalid label selector',
      ],
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(`validates ${name}`, () => {
      const rs = base();
      patch(rs.spec as Record<string, any>);
      assert.deepEqual(createErrors(replicasets, rs), want);
    });
  }

  it('keeps the selector immutable on update', () => {
    const old = created(replicasets, base());
    const next = structuredClone(old);
    (next.spec as any).selector.matchLabels.tier = 'x';
    (next.spec as any).template.metadata.labels.tier = 'x';
    assert.deepEqual(updated(replicasets, next, old).errors, [
      'spec.selector: Invalid value: {"matchLabels":{"tier":"x"}}: field is immutable',
    ]);
  });

  it('checks fullyLabeledReplicas against replicas on a status write', () => {
    const old = created(replicasets, base());
    const next = structuredClone(old);
    next.status = { replicas: 1, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1 };
    assert.deepEqual(updated(replicasets, next, old, 'status').errors, [
      'status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });

  it('prints DESIRED CURRENT READY AGE and selects on status.replicas', () => {
    const rs = created(replicasets, base());
    (rs.spec as any).replicas = 3;
    rs.status = { replicas: 3, readyReplicas: 1 };
    assert.deepEqual(row(replicasets, rs), {
      Name: 'frontend',
      Desired: 3,
      Current: 3,
      Ready: 1,
      Age: '60m',
    });
    assert.equal(row(replicasets, rs, true).Selector, 'tier=frontend');
    assert.deepEqual(replicasets.selectableFields?.(rs), { 'status.replicas': '3' });
  });
});
