/** @module policy/v1 PodDisruptionBudget: validation, strategy and table as upstream 1.32. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import {
  asObj,
  count,
  intOrStringText,
  invalid,
  nonNegative,
  notMoreThan100Percent,
  notSupported,
  oneOf,
  specOf,
  statusOf,
  validateLabelSelector,
  validatePositiveIntOrPercent,
} from '../apps/workload-helpers.js';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** Upstream's ValidatePodDisruptionBudgetSpec. */
export function validatePodDisruptionBudget(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  if (present(spec.minAvailable) && present(spec.maxUnavailable)) {
    errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const f of ['minAvailable', 'maxUnavailable']) {
    if (!present(spec[f])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[f], `spec.${f}`));
    errs.push(...notMoreThan100Percent(spec[f], `spec.${f}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (present(policy) && !oneOf(policy, EVICTION_POLICIES)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
  }
  return errs;
}

/** Upstream's ValidatePodDisruptionBudgetStatusUpdate for policy/v1: counters are non-negative. */
export function validatePodDisruptionBudgetStatus(obj: KubeObject): FieldError[] {
  const status = statusOf(obj);
  const errs: FieldError[] = [];
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    errs.push(...nonNegative(status[f], `status.${f}`));
  }
  return errs;
}

function budgetCell(v: unknown): string {
  return present(v) ? intOrStringText(v) : 'N/A';
}

export const poddisruptionbudgets: ResourceDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  shortNames: ['pdb'],
  namespaced: true,
  schema: 'io.k8s.api.policy.v1.PodDisruptionBudget',
  subresources: { status: true },
  generation: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  validateCreate: validatePodDisruptionBudget,
  validateUpdate: (obj) => validatePodDisruptionBudget(obj),
  validateStatusUpdate: (obj) => validatePodDisruptionBudgetStatus(obj),

  table: [
    nameColumn(),
    column('Min Available', (o) => budgetCell(specOf(o).minAvailable), {
      description: 'Pods that must stay available.',
    }),
    column('Max Unavailable', (o) => budgetCell(specOf(o).maxUnavailable), {
      description: 'Pods that may be unavailable.',
    }),
    column('Allowed Disruptions', (o) => count(asObj(o.status)?.disruptionsAllowed), {
      type: 'integer',
      description: 'Pods that may be disrupted now.',
    }),
    ageColumn(),
  ],
};
