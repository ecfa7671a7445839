import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row, updated } from '../apps/strategy-testing.js';
import { clonesets, scaledValue } from './cloneset.js';

function sample(): KubeObject {
  return {
    apiVersion: 'apps.kruise.io/v1alpha1',
    kind: 'CloneSet',
    metadata: { name: 'sample', labels: { app: 'sample' } },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: 'sample' } },
      template: {
        metadata: { labels: { app: 'sample' } },
        spec: { containers: [{ name: 'main', image: 'nginx:alpine' }] },
      },
      updateStrategy: { type: 'InPlaceIfPossible', maxUnavailable: 2 },
    },
  };
}

function withSpec(patch: (s: Record<string, any>) => void): KubeObject {
  const c = sample();
  patch(c.spec as Record<string, any>);
  return c;
}

describe('CloneSet defaults (OpenKruise webhook)', () => {
  it('fills the update strategy and keeps given values', () => {
    const spec = created(clonesets, sample()).spec as Record<string, any>;
    assert.deepEqual(spec.updateStrategy, {
      type: 'InPlaceIfPossible',
      maxUnavailable: 2,
      inPlaceUpdateStrategy: {},
      partition: 0,
      maxSurge: 0,
    });
    assert.deepEqual(spec.scaleStrategy, {});
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(spec.template.spec.restartPolicy, 'Always');
  });

  it('defaults a bare CloneSet to ReCreate 20%/0 and one replica', () => {
    const spec = created(
      clonesets,
      withSpec((s) => {
        delete s.replicas;
        delete s.updateStrategy;
      }),
    ).spec as Record<string, any>;
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.updateStrategy, {
      type: 'ReCreate',
      partition: 0,
      maxUnavailable: '20%',
      maxSurge: 0,
    });
  });

  it('defaults claim templates like PVCs', () => {
    const spec = created(
      clonesets,
      withSpec(
        (s) =>
          (s.volumeClaimTemplates = [
            { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } },
          ]),
      ),
    ).spec as Record<string, any>;
    assert.equal(spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    assert.deepEqual(spec.volumeClaimTemplates[0].status, { phase: 'Pending' });
  });
});

describe('CloneSet validation (OpenKruise webhook)', () => {
  const cases: Array<[string, (s: Record<string, any>) => void, string[]]> = [
    ['the sample', () => undefined, []],
    [
      'maxSurge instead of maxUnavailable',
      (s) => (s.updateStrategy = { maxUnavailable: 0, maxSurge: 1 }),
      [],
    ],
    [
      'claim template mounts',
      (s) => {
        s.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }];
        s.template.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
      },
      [],
    ],
    [
      'negative replicas',
      (s) => (s.replicas = -1),
      ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'an empty selector',
      (s) => (s.selector = {}),
      ['spec.selector: Invalid value: {}: empty selector is invalid for cloneset'],
    ],
    [
      'a mismatched selector',
      (s) => (s.selector = { matchLabels: { app: 'x' } }),
      [
        'spec.template.metadata.labels: Invalid value: {"app":"sample"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'an unknown update type',
      (s) => (s.updateStrategy = { type: 'RollingUpdate' }),
      [
        "spec.updateStrategy.type: Invalid value: \"RollingUpdate\": must be 'ReCreate', InPlaceIfPossible or 'InPlaceOnly'",
      ],
    ],
    [
      'a partition that is no percentage',
      (s) => (s.updateStrategy = { partition: 'half' }),
      [
        'spec.updateStrategy.partition: Invalid value: "half": failed GetScaledValueFromIntOrPercent for partition: invalid type: string is not a percentage',
      ],
    ],
    [
      'a negative partition',
      (s) => (s.updateStrategy = { partition: -1 }),
      ['spec.updateStrategy.partition: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'maxUnavailable and maxSurge both below 1',
      (s) => (s.updateStrategy = { maxUnavailable: 0, maxSurge: '0%' }),
      [
        'spec.updateStrategy.maxUnavailable: Invalid value: 0: maxUnavailable and maxSurge should not both be less than 1',
      ],
    ],
    [
      'maxSurge with InPlaceOnly',
      (s) => (s.updateStrategy = { type: 'InPlaceOnly', maxSurge: 1 }),
      [
        'spec.updateStrategy.maxSurge: Invalid value: "1": can not use maxSurge with strategy type InPlaceOnly',
      ],
    ],
    [
      'a priority strategy with both kinds',
      (s) =>
        (s.updateStrategy = {
          priorityStrategy: {
            weightPriority: [{ weight: 5, matchSelector: { matchLabels: { a: 'b' } } }],
            orderPriority: [{ orderedKey: 'k' }],
          },
        }),
      [
        'spec.updateStrategy.priorityStrategy: Required value: only one of weightPriority and orderPriority can be used',
      ],
    ],
    [
      'duplicate scatter terms',
      (s) =>
        (s.updateStrategy = {
          scatterStrategy: [
            { key: 'zone', value: 'a' },
            { key: 'zone', value: 'a' },
          ],
        }),
      ['spec.updateStrategy.scatterStrategy: Required value: duplicated key=zone value=a'],
    ],
    [
      'duplicate pods to delete',
      (s) => (s.scaleStrategy = { podsToDelete: ['a', 'b', 'a'] }),
      ['spec.scaleStrategy.podsToDelete: Invalid value: ["a","b","a"]: duplicated items [a]'],
    ],
    [
      'restartPolicy Never',
      (s) => (s.template.spec.restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'progressDeadlineSeconds not above minReadySeconds',
      (s) => ((s.progressDeadlineSeconds = 10), (s.minReadySeconds = 10)),
      ['spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds'],
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(clonesets, withSpec(patch)), want));
  }

  it('scales int-or-percent values as OpenKruise, rounding up', () => {
    assert.equal(scaledValue('20%', 5), 1);
    assert.equal(scaledValue('50%', 5), 3);
    assert.equal(scaledValue(2, 5), 2);
    assert.throws(() => scaledValue('x%', 5), /strconv.ParseFloat: parsing "x": invalid syntax/);
  });
});

describe('CloneSet update', () => {
  const stored = (patch?: (s: Record<string, any>) => void): KubeObject => {
    const c = created(clonesets, patch ? withSpec(patch) : sample());
    c.metadata.generation = 1;
    return c;
  };

  it('forbids selector changes but allows replicas, template and strategy', () => {
    const old = stored();
    const ok = structuredClone(old);
    (ok.spec as any).replicas = 8;
    (ok.spec as any).template.spec.containers[0].image = 'nginx:1.27';
    (ok.spec as any).updateStrategy.partition = 3;
    assert.deepEqual(updated(clonesets, ok, old).errors, []);
    const bad = structuredClone(old);
    (bad.spec as any).selector = { matchLabels: { app: 'sample', v: '2' } };
    (bad.spec as any).template.metadata.labels.v = '2';
    assert.deepEqual(updated(clonesets, bad, old).errors, [
      "spec: Forbidden: updates to cloneset spec for fields other than 'replicas', 'template', 'lifecycle', 'scaleStrategy', 'updateStrategy', 'minReadySeconds', 'progressDeadlineSeconds', 'volumeClaimTemplates' and 'revisionHistoryLimit' are forbidden",
    ]);
  });

  it('lets InPlaceOnly change only images', () => {
    const old = stored((s) => (s.updateStrategy = { type: 'InPlaceOnly', maxUnavailable: 1 }));
    const image = structuredClone(old);
    (image.spec as any).template.spec.containers[0].image = 'nginx:1.27';
    assert.deepEqual(updated(clonesets, image, old).errors, []);
    const env = structuredClone(old);
    (env.spec as any).template.spec.containers[0].env = [{ name: 'A', value: 'b' }];
    assert.deepEqual(updated(clonesets, env, old).errors, [
      'spec: Forbidden: only allowed to update images in spec for InPlaceOnly, but found add /containers/0/env',
    ]);
  });
});

describe('CloneSet table (CRD printer columns)', () => {
  it('prints <none> (null) for unreported status and the first container when wide', () => {
    const c = created(clonesets, sample());
    assert.deepEqual(row(clonesets, c), {
      Name: 'sample',
      DESIRED: 5,
      UPDATED: null,
      UPDATED_READY: null,
      UPDATED_AVAILABLE: null,
      READY: null,
      TOTAL: null,
      AGE: '60m',
    });
    c.status = {
      replicas: 5,
      readyReplicas: 4,
      availableReplicas: 4,
      updatedReplicas: 5,
      updatedReadyReplicas: 4,
      labelSelector: 'app=sample',
    };
    const wide = row(clonesets, c, true);
    assert.equal(wide.UPDATED_READY, 4);
    assert.equal(wide.TOTAL, 5);
    assert.equal(wide.CONTAINERS, 'main');
    assert.equal(wide.IMAGES, 'nginx:alpine');
    assert.equal(wide.SELECTOR, 'app=sample');
  });

  it('serves scale through status.labelSelector', () => {
    assert.deepEqual(clonesets.subresources?.scale, {
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
      labelSelectorPath: 'status.labelSelector',
    });
  });
});
