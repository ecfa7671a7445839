import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { statefulsets } from './statefulset.js';
import { createErrors, created, row, updated } from './strategy-testing.js';

function base(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web' },
    spec: {
      serviceName: 'nginx',
      replicas: 2,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'registry.k8s.io/nginx-slim:0.8',
              volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'www' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
}

function withSpec(patch: (s: Record<string, any>) => void): KubeObject {
  const s = base();
  patch(s.spec as Record<string, any>);
  return s;
}

describe('StatefulSet defaults', () => {
  it('fills policies, strategy, retention and claim templates as a 1.32 server does', () => {
    const spec = created(statefulsets, base()).spec as Record<string, any>;
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.replicas, 2);
    const claim = spec.volumeClaimTemplates[0];
    assert.equal(claim.apiVersion, 'v1');
    assert.equal(claim.kind, 'PersistentVolumeClaim');
    assert.equal(claim.spec.volumeMode, 'Filesystem');
    assert.deepEqual(claim.status, { phase: 'Pending' });
  });

  it('gives OnDelete no rolling update', () => {
    const spec = created(
      statefulsets,
      withSpec((s) => (s.updateStrategy = { type: 'OnDelete' })),
    ).spec as Record<string, any>;
    assert.deepEqual(spec.updateStrategy, { type: 'OnDelete' });
  });

  it('drops rollingUpdate.maxUnavailable (alpha gate off in 1.32)', () => {
    const spec = created(
      statefulsets,
      withSpec((s) => (s.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } })),
    ).spec as Record<string, any>;
    assert.deepEqual(spec.updateStrategy.rollingUpdate, { partition: 0 });
  });
});

describe('StatefulSet validation', () => {
  const cases: Array<[string, (s: Record<string, any>) => void, string[]]> = [
    ['a valid StatefulSet with claim template mounts', () => undefined, []],
    [
      'an unknown podManagementPolicy',
      (s) => (s.podManagementPolicy = 'Random'),
      ["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"],
    ],
    [
      'OnDelete with rollingUpdate',
      (s) => (s.updateStrategy = { type: 'OnDelete', rollingUpdate: { partition: 1 } }),
      [
        'spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy \'RollingUpdate\'',
      ],
    ],
    [
      'a negative partition',
      (s) => (s.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -1 } }),
      ['spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'an unknown retention policy',
      (s) => (s.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Keep' }),
      [
        'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
      ],
    ],
    [
      'an empty selector',
      (s) => (s.selector = {}),
      ['spec.selector: Invalid value: {}: empty selector is invalid for statefulset'],
    ],
    [
      'restartPolicy OnFailure',
      (s) => (s.template.spec.restartPolicy = 'OnFailure'),
      ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    ],
    [
      'a negative ordinals.start',
      (s) => (s.ordinals = { start: -1 }),
      ['spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0'],
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(statefulsets, withSpec(patch)), want));
  }

  it('uses DNS-label names', () => {
    assert.equal(statefulsets.nameValidation, 'dns1123Label');
  });

  it('allows replicas, template, updateStrategy changes but not serviceName', () => {
    const old = created(statefulsets, base());
    const ok = structuredClone(old);
    (ok.spec as any).replicas = 5;
    (ok.spec as any).template.spec.containers[0].image = 'nginx:2';
    (ok.spec as any).updateStrategy = { type: 'OnDelete' };
    assert.deepEqual(updated(statefulsets, ok, old).errors, []);
    const bad = structuredClone(old);
    (bad.spec as any).serviceName = 'other';
    assert.deepEqual(updated(statefulsets, bad, old).errors, [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it('checks availableReplicas against readyReplicas on a status write', () => {
    const old = created(statefulsets, base());
    const next = structuredClone(old);
    next.status = { replicas: 2, readyReplicas: 1, availableReplicas: 2 };
    assert.deepEqual(updated(statefulsets, next, old, 'status').errors, [
      'status.availableReplicas: Invalid value: 2: cannot be greater than status.readyReplicas',
    ]);
  });
});

describe('StatefulSet table', () => {
  it('prints READY as ready/desired', () => {
    const s = created(statefulsets, base());
    s.status = { replicas: 2, readyReplicas: 1 };
    assert.deepEqual(row(statefulsets, s), { Name: 'web', Ready: '1/2', Age: '60m' });
    assert.deepEqual(row(statefulsets, s, true), {
      Name: 'web',
      Ready: '1/2',
      Age: '60m',
      Containers: 'nginx',
      Images: 'registry.k8s.io/nginx-slim:0.8',
    });
  });
});
