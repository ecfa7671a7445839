/** @module scheduling.k8s.io/v1 PriorityClass and the two built-in system classes. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import { forbidden, immutable } from '../apps/workload-helpers.js';

/** The highest value a user-defined class may have. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
/** Names with this prefix are reserved for the built-in classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

function systemClass(name: string, value: number, description: string): KubeObject {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    globalDefault: false,
    description,
    preemptionPolicy: 'PreemptLowerPriority',
  };
}

/** The classes the apiserver creates at bootstrap (values as upstream; descriptions our own). */
export const systemPriorityClasses: readonly KubeObject[] = [
  systemClass(
    'system-node-critical',
    2000001000,
    'For pods the node cannot work without; they stay on their node.',
  ),
  systemClass(
    'system-cluster-critical',
    2000000000,
    'For pods the cluster cannot work without; they may move between nodes.',
  ),
];

/** Upstream's IsKnownSystemPriorityClass: undefined when known, else the reason. */
function unknownSystemClassReason(name: string, value: unknown, globalDefault: unknown): string | undefined {
  const known = systemPriorityClasses.find((c) => c.metadata.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${String(known.value)}`;
  if ((globalDefault === true) !== known.globalDefault) {
    return `globalDefault of ${name} PriorityClass must be ${String(known.globalDefault)}`;
  }
  return undefined;
}

/** Upstream's ValidatePriorityClass (global-default uniqueness is the apiserver's). */
export function validatePriorityClass(obj: KubeObject): FieldError[] {
  const name = obj.metadata.name ?? '';
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const reason = unknownSystemClassReason(name, obj.value, obj.globalDefault);
    return reason
      ? [
          forbidden(
            'metadata.name',
            `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${reason}`,
          ),
        ]
      : [];
  }
  if (typeof obj.value === 'number' && obj.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    return [
      forbidden(
        'value',
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
      ),
    ];
  }
  return [];
}

export const priorityclasses: ResourceDef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  shortNames: ['pc'],
  namespaced: false,
  schema: 'io.k8s.api.scheduling.v1.PriorityClass',
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  defaults(obj) {
    if (obj.preemptionPolicy === undefined || obj.preemptionPolicy === null)
      obj.preemptionPolicy = 'PreemptLowerPriority';
  },
  validateCreate: validatePriorityClass,
  validateUpdate(obj, old) {
    const errs = validatePriorityClass(obj);
    if (obj.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
    errs.push(...immutable(obj.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
    return errs;
  },

  table: [
    nameColumn(),
    column('Value', (o) => (typeof o.value === 'number' ? o.value : 0), {
      type: 'integer',
      description: 'The priority value.',
    }),
    column('Global-Default', (o) => o.globalDefault === true, {
      type: 'boolean',
      description: 'Whether pods without a class get this one.',
    }),
    ageColumn(),
    column('PreemptionPolicy', (o) => (typeof o.preemptionPolicy === 'string' ? o.preemptionPolicy : ''), {
      description: 'Whether pods of this class may preempt others.',
    }),
  ],
};
