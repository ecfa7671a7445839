/** @module apps/v1 ReplicaSet: defaults, validation, strategy, table and selectable fields as upstream 1.32. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { defaultPodTemplateSpec } from '../core/pod-spec.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import { validateReplicaStatus } from './replica-status.js';
import {
  count,
  ensureObj,
  immutable,
  nonNegative,
  setDefault,
  specOf,
  statusOf,
  validateReplicaTemplate,
  validateRequiredSelector,
} from './workload-helpers.js';
import { formatLabelSelectorCell, templateColumns, templatePodSpec } from './workload-table.js';

/** SetDefaults_ReplicaSet plus the pod template defaults. */
export function defaultReplicaSet(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
}

/** Upstream's ValidateReplicaSetSpec (its empty-selector message names deployments, as upstream's does). */
export function validateReplicaSetSpec(spec: Record<string, unknown>, path = 'spec'): FieldError[] {
  return [
    ...nonNegative(spec.replicas, `${path}.replicas`),
    ...nonNegative(spec.minReadySeconds, `${path}.minReadySeconds`),
    ...validateRequiredSelector(
      spec.selector,
      `${path}.selector`,
      'empty selector is invalid for deployment',
    ),
    ...validateReplicaTemplate(spec, path),
  ];
}

export const replicasets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.apps.v1.ReplicaSet',
  statusWritableMetadata: ['labels', 'annotations', 'finalizers', 'ownerReferences'],
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' },
  },
  generation: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  defaults: defaultReplicaSet,
  validateCreate: (obj) => validateReplicaSetSpec(specOf(obj)),
  validateUpdate: (obj, old) => [
    ...validateReplicaSetSpec(specOf(obj)),
    ...immutable(specOf(obj).selector, specOf(old).selector, 'spec.selector'),
  ],
  validateStatusUpdate: (obj, old) => validateReplicaStatus(statusOf(obj), statusOf(old), 'replicaset'),

  table: [
    nameColumn(),
    column('Desired', (o) => count(specOf(o).replicas), { type: 'integer', description: 'Desired pods.' }),
    column('Current', (o) => count(statusOf(o).replicas), { type: 'integer', description: 'Pods created.' }),
    column('Ready', (o) => count(statusOf(o).readyReplicas), { type: 'integer', description: 'Ready pods.' }),
    ageColumn(),
    ...templateColumns(templatePodSpec),
    column('Selector', (o) => formatLabelSelectorCell(specOf(o).selector), {
      priority: 1,
      description: 'Label selector for pods.',
    }),
  ],
  selectableFields: (o) => ({ 'status.replicas': String(count(statusOf(o).replicas)) }),
};
