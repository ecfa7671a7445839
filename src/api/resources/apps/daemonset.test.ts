import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { daemonsets, TEMPLATE_GENERATION_ANNOTATION } from './daemonset.js';
import { createErrors, created, row, updated } from './strategy-testing.js';

function base(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'fluentd', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { name: 'fluentd' } },
      template: {
        metadata: { labels: { name: 'fluentd' } },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [{ name: 'fluentd', image: 'quay.io/fluentd:v2.5.2' }],
        },
      },
    },
  };
}

function withSpec(patch: (s: Record<string, any>) => void): KubeObject {
  const d = base();
  patch(d.spec as Record<string, any>);
  return d;
}

describe('DaemonSet', () => {
  it('defaults RollingUpdate 1/0 and revisionHistoryLimit 10, and starts the template generation at 1', () => {
    const ds = created(daemonsets, base());
    const spec = ds.spec as Record<string, any>;
    assert.deepEqual(spec.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION], '1');
  });

  const cases: Array<[string, (s: Record<string, any>) => void, string[]]> = [
    ['a valid DaemonSet', () => undefined, []],
    [
      'maxSurge with the defaulted maxUnavailable',
      (s) => (s.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }),
      [
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
      ],
    ],
    [
      'maxUnavailable and maxSurge both 0',
      (s) =>
        (s.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }),
      ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    ],
    [
      'an unknown strategy',
      (s) => (s.updateStrategy = { type: 'Surge' }),
      ['spec.updateStrategy: Unsupported value: "Surge": supported values: "RollingUpdate", "OnDelete"'],
    ],
    [
      'a mismatched selector',
      (s) => (s.selector = { matchLabels: { name: 'other' } }),
      [
        'spec.template.metadata.labels: Invalid value: {"name":"fluentd"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'activeDeadlineSeconds',
      (s) => (s.template.spec.activeDeadlineSeconds = 5),
      [
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported',
      ],
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(daemonsets, withSpec(patch)), want));
  }

  it('bumps the template generation only when the template changes', () => {
    const old = created(daemonsets, base());
    const same = structuredClone(old);
    (same.spec as any).minReadySeconds = 5;
    same.metadata.annotations = { [TEMPLATE_GENERATION_ANNOTATION]: '9' };
    assert.equal(
      updated(daemonsets, same, old).obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION],
      '1',
    );
    const changed = structuredClone(old);
    (changed.spec as any).template.spec.containers[0].image = 'quay.io/fluentd:v3';
    assert.equal(
      updated(daemonsets, changed, old).obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION],
      '2',
    );
  });

  it('keeps the selector immutable', () => {
    const old = created(daemonsets, base());
    const next = structuredClone(old);
    (next.spec as any).selector = { matchLabels: { name: 'fluentd', x: 'y' } };
    (next.spec as any).template.metadata.labels.x = 'y';
    assert.deepEqual(updated(daemonsets, next, old).errors, [
      'spec.selector: Invalid value: {"matchLabels":{"name":"fluentd","x":"y"}}: field is immutable',
    ]);
  });

  it('prints DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE', () => {
    const ds = created(daemonsets, base());
    ds.status = {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 2,
      updatedNumberScheduled: 3,
      numberAvailable: 2,
    };
    assert.deepEqual(row(daemonsets, ds), {
      Name: 'fluentd',
      Desired: 3,
      Current: 3,
      Ready: 2,
      'Up-to-date': 3,
      Available: 2,
      'Node Selector': 'kubernetes.io/os=linux',
      Age: '60m',
    });
  });
});
