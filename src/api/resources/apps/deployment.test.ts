import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { deployments } from './deployment.js';
import { createErrors, created, row, TEST_NOW, updated } from './strategy-testing.js';

function base(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

function withSpec(patch: (spec: Record<string, any>) => void): KubeObject {
  const d = base();
  patch(d.spec as Record<string, any>);
  return d;
}

describe('Deployment defaults', () => {
  it('fills what a 1.32 server shows for a minimal Deployment', () => {
    const spec = created(deployments, base()).spec as Record<string, any>;
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    const pod = spec.template.spec;
    assert.equal(pod.restartPolicy, 'Always');
    assert.equal(pod.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.schedulerName, 'default-scheduler');
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.deepEqual(pod.securityContext, {});
    const c = pod.containers[0];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.ports[0].protocol, 'TCP');
  });

  const cases: Array<[string, (s: Record<string, any>) => void, (s: Record<string, any>) => void]> = [
    ['keeps given replicas, including 0', (s) => (s.replicas = 0), (s) => assert.equal(s.replicas, 0)],
    [
      'Recreate gets no rollingUpdate',
      (s) => (s.strategy = { type: 'Recreate' }),
      (s) => assert.deepEqual(s.strategy, { type: 'Recreate' }),
    ],
    [
      'fills only the missing rolling update value',
      (s) => (s.strategy = { rollingUpdate: { maxSurge: 1 } }),
      (s) => assert.deepEqual(s.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: '25%' }),
    ],
    [
      'image without tag pulls Always',
      (s) => (s.template.spec.containers[0].image = 'nginx'),
      (s) => assert.equal(s.template.spec.containers[0].imagePullPolicy, 'Always'),
    ],
  ];
  for (const [name, patch, check] of cases) {
    it(name, () => check(created(deployments, withSpec(patch)).spec as Record<string, any>));
  }
});

describe('Deployment validation', () => {
  it('accepts a valid Deployment', () => {
    assert.deepEqual(createErrors(deployments, base()), []);
  });

  const cases: Array<[string, (s: Record<string, any>) => void, string[]]> = [
    [
      'negative replicas',
      (s) => (s.replicas = -1),
      ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'selector missing',
      (s) => delete s.selector,
      [
        'spec.selector: Required value',
        'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'selector does not match template labels',
      (s) => (s.selector = { matchLabels: { app: 'other' } }),
      [
        'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'empty selector',
      (s) => (s.selector = {}),
      ['spec.selector: Invalid value: {}: empty selector is invalid for deployment'],
    ],
    [
      'bad selector operator',
      (s) => (s.selector = { matchExpressions: [{ key: 'app', operator: 'Is', values: ['web'] }] }),
      [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
        'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Is","values":["web"]}]}: invalid label selector',
      ],
    ],
    [
      'maxUnavailable and maxSurge both 0',
      (s) => (s.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'maxUnavailable over 100%',
      (s) => (s.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '120%', maxSurge: 1 } }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%'],
    ],
    [
      'maxSurge not a percent',
      (s) => (s.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 'abc' } }),
      [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"abc\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ],
    ],
    [
      'Recreate with rollingUpdate',
      (s) => (s.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'unknown strategy',
      (s) => (s.strategy = { type: 'BlueGreen' }),
      ['spec.strategy: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"'],
    ],
    [
      'progressDeadlineSeconds not above minReadySeconds',
      (s) => {
        s.minReadySeconds = 600;
        s.progressDeadlineSeconds = 600;
      },
      ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds'],
    ],
    [
      'negative revisionHistoryLimit',
      (s) => (s.revisionHistoryLimit = -2),
      ['spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0'],
    ],
    [
      'restartPolicy Never',
      (s) => (s.template.spec.restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'activeDeadlineSeconds set',
      (s) => (s.template.spec.activeDeadlineSeconds = 10),
      [
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
      ],
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(`rejects ${name}`, () => assert.deepEqual(createErrors(deployments, withSpec(patch)), want));
  }

  it('validates the pod template through the core rules', () => {
    const errs = createErrors(
      deployments,
      withSpec((s) => (s.template.spec.containers = [])),
    );
    assert.ok(
      errs.some((e) => e.startsWith('spec.template.spec.containers')),
      errs.join('\n'),
    );
  });
});

describe('Deployment update', () => {
  const stored = (): KubeObject => {
    const d = created(deployments, base());
    d.metadata.generation = 1;
    d.metadata.resourceVersion = '5';
    d.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1, collisionCount: 2 };
    return d;
  };

  it('keeps the selector immutable', () => {
    const next = structuredClone(stored());
    (next.spec as any).selector = { matchLabels: { app: 'web', tier: 'x' } };
    (next.spec as any).template.metadata.labels.tier = 'x';
    const { errors } = updated(deployments, next, stored());
    assert.deepEqual(errors, [
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable',
    ]);
  });

  it('accepts a scale and an image change', () => {
    const next = structuredClone(stored());
    (next.spec as any).replicas = 5;
    (next.spec as any).template.spec.containers[0].image = 'nginx:1.25';
    assert.deepEqual(updated(deployments, next, stored()).errors, []);
  });

  it('bumps generation on an annotation-only change', () => {
    const next = structuredClone(stored());
    next.metadata.annotations = { 'kubernetes.io/change-cause': 'x' };
    assert.equal(updated(deployments, next, stored()).obj.metadata.generation, 2);
  });

  it('leaves generation to the generic rule when nothing but labels change', () => {
    const next = structuredClone(stored());
    next.metadata.labels = { a: 'b' };
    assert.equal(updated(deployments, next, stored()).obj.metadata.generation, 1);
  });

  it('keeps labels on a status write', () => {
    const next = structuredClone(stored());
    next.metadata.labels = { sneaky: 'yes' };
    assert.equal(updated(deployments, next, stored(), 'status').obj.metadata.labels, undefined);
  });

  const statusCases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      'a consistent status',
      { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, collisionCount: 2 },
      [],
    ],
    [
      'more ready than replicas',
      { replicas: 1, readyReplicas: 2, availableReplicas: 1, collisionCount: 2 },
      ['status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas'],
    ],
    [
      'more available than ready',
      { replicas: 3, readyReplicas: 1, availableReplicas: 2, collisionCount: 2 },
      ['status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas'],
    ],
    [
      'negative counters',
      { replicas: -1, collisionCount: 2 },
      [
        'status.replicas: Invalid value: -1: must be greater than or equal to 0',
        'status.updatedReplicas: Invalid value: 0: cannot be greater than status.replicas',
        'status.readyReplicas: Invalid value: 0: cannot be greater than status.replicas',
        'status.availableReplicas: Invalid value: 0: cannot be greater than status.replicas',
      ],
    ],
    [
      'a decremented collisionCount',
      { replicas: 1, collisionCount: 1 },
      ['status.collisionCount: Invalid value: 1: cannot be decremented'],
    ],
  ];
  for (const [name, status, want] of statusCases) {
    it(`status update: ${name}`, () => {
      const next = structuredClone(stored());
      next.status = status;
      assert.deepEqual(updated(deployments, next, stored(), 'status').errors, want);
    });
  }
});

describe('Deployment table', () => {
  it('prints READY UP-TO-DATE AVAILABLE AGE and the wide columns', () => {
    const d = created(deployments, base());
    (d.spec as any).replicas = 3;
    d.status = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    d.metadata.creationTimestamp = new Date(TEST_NOW.getTime() - 3 * 60_000 - 2_000).toISOString();
    assert.deepEqual(row(deployments, d), {
      Name: 'web',
      Ready: '2/3',
      'Up-to-date': 3,
      Available: 2,
      Age: '3m2s',
    });
    assert.deepEqual(row(deployments, d, true), {
      Name: 'web',
      Ready: '2/3',
      'Up-to-date': 3,
      Available: 2,
      Age: '3m2s',
      Containers: 'nginx',
      Images: 'nginx:1.14.2',
      Selector: 'app=web',
    });
  });

  it('prints 0 for a Deployment without status', () => {
    assert.deepEqual(row(deployments, created(deployments, base())), {
      Name: 'web',
      Ready: '0/1',
      'Up-to-date': 0,
      Available: 0,
      Age: '60m',
    });
  });
});
