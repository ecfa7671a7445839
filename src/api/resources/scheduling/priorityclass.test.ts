import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row, updated } from '../apps/strategy-testing.js';
import { priorityclasses } from './priorityclass.js';

function pc(name: string, value: number, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra };
}

describe('PriorityClass', () => {
  it('defaults preemptionPolicy', () => {
    assert.equal(created(priorityclasses, pc('high', 1000)).preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(
      created(priorityclasses, pc('low', 1, { preemptionPolicy: 'Never' })).preemptionPolicy,
      'Never',
    );
  });

  const cases: Array<[string, KubeObject, string[]]> = [
    ['a user class', pc('placeholder', -10), []],
    ['the largest user value', pc('top', 1000000000), []],
    [
      'a value above 1e9',
      pc('too-high', 1000000001),
      ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'],
    ],
    [
      'an unknown system- name',
      pc('system-special', 5),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-special is not a known system priority class",
      ],
    ],
    [
      'a system class with the wrong value',
      pc('system-node-critical', 5),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
      ],
    ],
    ['the built-in system class', pc('system-cluster-critical', 2000000000), []],
  ];
  for (const [name, obj, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(priorityclasses, obj), want));
  }

  it('keeps value and preemptionPolicy immutable', () => {
    const old = created(priorityclasses, pc('high', 1000));
    const next = structuredClone(old);
    next.value = 2000;
    next.preemptionPolicy = 'Never';
    assert.deepEqual(updated(priorityclasses, next, old).errors, [
      'value: Forbidden: may not be changed in an update.',
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
  });

  it('prints VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY', () => {
    assert.deepEqual(
      row(priorityclasses, created(priorityclasses, pc('high', 1000, { globalDefault: true }))),
      {
        Name: 'high',
        Value: 1000,
        'Global-Default': true,
        Age: '60m',
        PreemptionPolicy: 'PreemptLowerPriority',
      },
    );
  });
});
