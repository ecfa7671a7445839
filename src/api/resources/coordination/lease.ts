/** @module coordination.k8s.io/v1 Lease: leader election and node heartbeats. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import { asObj, invalid } from '../apps/workload-helpers.js';

/** strategy and preferredHolder belong to the alpha CoordinatedLeaderElection gate, off in 1.32. */
function dropDisabledFields(obj: KubeObject, old: KubeObject | undefined): void {
  const spec = asObj(obj.spec);
  if (!spec) return;
  const prev = old ? asObj(old.spec) : undefined;
  if (prev?.strategy === undefined || prev.strategy === null) delete spec.strategy;
  if (prev?.preferredHolder === undefined || prev.preferredHolder === null) delete spec.preferredHolder;
}

/** Upstream's ValidateLeaseSpec. */
export function validateLease(obj: KubeObject): FieldError[] {
  const spec = asObj(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const d = spec.leaseDurationSeconds;
  if (typeof d === 'number' && d <= 0)
    errs.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  const t = spec.leaseTransitions;
  if (typeof t === 'number' && t < 0)
    errs.push(invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  return errs;
}

export const leases: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  schema: 'io.k8s.api.coordination.v1.Lease',
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: false,

  prepareForCreate: (obj) => dropDisabledFields(obj, undefined),
  prepareForUpdate: (obj, old) => dropDisabledFields(obj, old),
  validateCreate: validateLease,
  validateUpdate: (obj) => validateLease(obj),

  table: [
    nameColumn(),
    column(
      'Holder',
      (o) =>
        typeof asObj(o.spec)?.holderIdentity === 'string' ? (asObj(o.spec)?.holderIdentity as string) : '',
      {
        description: 'The identity of the current holder.',
      },
    ),
    ageColumn(),
  ],
};
