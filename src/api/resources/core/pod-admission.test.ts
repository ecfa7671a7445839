import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { applyDefaultTolerationSeconds, applyPriority, applyServiceAccount } from './pod-admission.js';

type Obj = Record<string, any>;
const pod = (spec: Obj): KubeObject => ({ metadata: { name: 'p', namespace: 'default' }, spec });

describe('applyDefaultTolerationSeconds', () => {
  const notReady = {
    key: 'node.kubernetes.io/not-ready',
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: 300,
  };
  const unreachable = {
    key: 'node.kubernetes.io/unreachable',
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: 300,
  };
  const cases: Array<[string, Obj[] | undefined, Obj[]]> = [
    ['adds both', undefined, [notReady, unreachable]],
    [
      'keeps an explicit one',
      [
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 10,
        },
      ],
      [
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 10,
        },
        notReady,
      ],
    ],
    ['a tolerate-everything toleration covers both', [{ operator: 'Exists' }], [{ operator: 'Exists' }]],
    [
      'a NoSchedule toleration does not count',
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
      [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
        notReady,
        unreachable,
      ],
    ],
  ];
  for (const [name, tolerations, want] of cases) {
    it(name, () => {
      const p = pod(tolerations ? { tolerations } : {});
      applyDefaultTolerationSeconds(p);
      assert.deepEqual((p.spec as Obj).tolerations, want);
    });
  }
});

describe('applyServiceAccount', () => {
  it('defaults the account and mounts the projected token volume', () => {
    const p = pod({
      containers: [{ name: 'a', image: 'x' }],
      initContainers: [{ name: 'i', image: 'y', volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
    });
    applyServiceAccount(p, { volumeSuffix: 'abcde' });
    const spec = p.spec as Obj;
    assert.equal(spec.serviceAccountName, 'default');
    assert.deepEqual(spec.volumes, [
      {
        name: 'kube-api-access-abcde',
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [
                  { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                ],
              },
            },
          ],
          defaultMode: 420,
        },
      },
    ]);
    const mount = {
      name: 'kube-api-access-abcde',
      readOnly: true,
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
    };
    assert.deepEqual(spec.containers[0].volumeMounts, [mount]);
    assert.deepEqual(spec.initContainers[0].volumeMounts, [{ name: 'v', mountPath: '/v' }, mount]);
  });
  it('respects automountServiceAccountToken: false on the pod or the account', () => {
    const a = pod({ automountServiceAccountToken: false, containers: [{ name: 'a' }] });
    applyServiceAccount(a, { volumeSuffix: 'x' });
    assert.equal((a.spec as Obj).volumes, undefined);
    const b = pod({ serviceAccountName: 'builder', containers: [{ name: 'a' }] });
    applyServiceAccount(b, { volumeSuffix: 'x', accountAutomount: false });
    assert.equal((b.spec as Obj).serviceAccountName, 'builder');
    assert.equal((b.spec as Obj).volumes, undefined);
  });
});

describe('applyPriority', () => {
  const classes = [
    { name: 'system-node-critical', value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' },
    { name: 'low', value: 10, preemptionPolicy: 'Never' },
  ];
  it('defaults to priority 0', () => {
    const p = pod({});
    assert.equal(applyPriority(p, classes), undefined);
    assert.deepEqual(p.spec, { priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
  });
  it('resolves a class', () => {
    const p = pod({ priorityClassName: 'low' });
    assert.equal(applyPriority(p, classes), undefined);
    assert.deepEqual(p.spec, { priorityClassName: 'low', priority: 10, preemptionPolicy: 'Never' });
  });
  it('uses the global default', () => {
    const p = pod({});
    applyPriority(p, [...classes, { name: 'default-pri', value: 5, globalDefault: true }]);
    assert.deepEqual(p.spec, {
      priorityClassName: 'default-pri',
      priority: 5,
      preemptionPolicy: 'PreemptLowerPriority',
    });
  });
  it('rejects unknown classes and mismatched values', () => {
    assert.equal(
      applyPriority(pod({ priorityClassName: 'nope' }), classes),
      'no PriorityClass with name nope was found',
    );
    assert.equal(
      applyPriority(pod({ priorityClassName: 'low', priority: 3 }), classes),
      'the integer value of priority (3) must not be provided in pod spec; priority admission controller computed 10 from the given PriorityClass name',
    );
  });
});
