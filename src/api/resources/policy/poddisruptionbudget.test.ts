import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row, updated } from '../apps/strategy-testing.js';
import { poddisruptionbudgets } from './poddisruptionbudget.js';

function pdb(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'zk-pdb' }, spec };
}

const selector = { matchLabels: { app: 'zookeeper' } };

describe('PodDisruptionBudget', () => {
  it('has no defaults (unhealthyPodEvictionPolicy stays unset in 1.32)', () => {
    assert.deepEqual(created(poddisruptionbudgets, pdb({ minAvailable: 2, selector })).spec, {
      minAvailable: 2,
      selector,
    });
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['minAvailable', { minAvailable: 2, selector }, []],
    ['maxUnavailable as a percent', { maxUnavailable: '50%', selector }, []],
    ['an empty selector (all pods in policy/v1)', { minAvailable: 1, selector: {} }, []],
    [
      'both minAvailable and maxUnavailable',
      { minAvailable: 1, maxUnavailable: 1, selector },
      [
        'spec: Invalid value: {"minAvailable":1,"maxUnavailable":1,"selector":{"matchLabels":{"app":"zookeeper"}}}: minAvailable and maxUnavailable cannot be both set',
      ],
    ],
    [
      'a negative minAvailable',
      { minAvailable: -1, selector },
      ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'a percent above 100',
      { maxUnavailable: '101%', selector },
      ['spec.maxUnavailable: Invalid value: "101%": must not be greater than 100%'],
    ],
    [
      'an unknown eviction policy',
      { minAvailable: 1, selector, unhealthyPodEvictionPolicy: 'Never' },
      [
        'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
      ],
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(poddisruptionbudgets, pdb(spec)), want));
  }

  it('allows spec updates and checks status counters', () => {
    const old = created(poddisruptionbudgets, pdb({ minAvailable: 2, selector }));
    const next = structuredClone(old);
    (next.spec as any).minAvailable = 1;
    assert.deepEqual(updated(poddisruptionbudgets, next, old).errors, []);
    const st = structuredClone(old);
    st.status = { disruptionsAllowed: -1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 };
    assert.deepEqual(updated(poddisruptionbudgets, st, old, 'status').errors, [
      'status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('prints N/A for the unset budget', () => {
    const p = created(poddisruptionbudgets, pdb({ minAvailable: 2, selector }));
    p.status = { disruptionsAllowed: 1 };
    assert.deepEqual(row(poddisruptionbudgets, p), {
      Name: 'zk-pdb',
      'Min Available': '2',
      'Max Unavailable': 'N/A',
      'Allowed Disruptions': 1,
      Age: '60m',
    });
    assert.equal(
      row(poddisruptionbudgets, created(poddisruptionbudgets, pdb({ maxUnavailable: '25%' })))[
        'Max Unavailable'
      ],
      '25%',
    );
  });
});
