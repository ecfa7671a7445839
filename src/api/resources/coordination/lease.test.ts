import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row } from '../apps/strategy-testing.js';
import { leases } from './lease.js';

function lease(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1' }, spec };
}

describe('Lease', () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      'a node heartbeat',
      { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.000000Z' },
      [],
    ],
    [
      'a zero duration',
      { leaseDurationSeconds: 0 },
      ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
    ],
    [
      'negative transitions',
      { leaseTransitions: -1 },
      ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'],
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(leases, lease(spec)), want));
  }

  it('drops the coordinated-election fields (gate off in 1.32)', () => {
    const l = created(
      leases,
      lease({ holderIdentity: 'a', strategy: 'OldestEmulationVersion', preferredHolder: 'b' }),
    );
    assert.deepEqual(l.spec, { holderIdentity: 'a' });
  });

  it('may be created by PUT but needs a resourceVersion to update', () => {
    assert.equal(leases.allowCreateOnUpdate, true);
    assert.equal(leases.allowUnconditionalUpdate, false);
  });

  it('prints HOLDER', () => {
    assert.deepEqual(row(leases, created(leases, lease({ holderIdentity: 'node-1' }))), {
      Name: 'node-1',
      Holder: 'node-1',
      Age: '60m',
    });
    assert.equal(row(leases, created(leases, lease({}))).Holder, '');
  });
});
