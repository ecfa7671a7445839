/** @module apps/v1 Deployment: defaults, validation, strategy and table as upstream 1.32. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { defaultPodTemplateSpec } from '../core/pod-spec.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import {
  asObj,
  count,
  deepEqual,
  ensureObj,
  forbidden,
  immutable,
  intOrPercentValue,
  invalid,
  nonNegative,
  notMoreThan100Percent,
  notSupported,
  required,
  setDefault,
  specOf,
  statusOf,
  validatePositiveIntOrPercent,
  validateReplicaTemplate,
  validateRequiredSelector,
} from './workload-helpers.js';
import { validateReplicaStatus } from './replica-status.js';
import { formatSelectorString, templateColumns, templatePodSpec } from './workload-table.js';

/** SetDefaults_Deployment plus the pod template defaults. */
export function defaultDeployment(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObj(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
}

function validateStrategy(strategy: unknown, path: string): FieldError[] {
  const s = asObj(strategy) ?? {};
  const ru = s.rollingUpdate;
  switch (s.type) {
    case 'Recreate':
      return ru === undefined || ru === null
        ? []
        : [forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")];
    case 'RollingUpdate': {
      const r = asObj(ru);
      if (!r) return [required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
      const p = `${path}.rollingUpdate`;
      const errs = [
        ...validatePositiveIntOrPercent(r.maxUnavailable, `${p}.maxUnavailable`),
        ...validatePositiveIntOrPercent(r.maxSurge, `${p}.maxSurge`),
      ];
      if (intOrPercentValue(r.maxUnavailable) === 0 && intOrPercentValue(r.maxSurge) === 0) {
        errs.push(invalid(`${p}.maxUnavailable`, r.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...notMoreThan100Percent(r.maxUnavailable, `${p}.maxUnavailable`));
      return errs;
    }
    default:
      return [notSupported(path, s.type ?? '', ['Recreate', 'RollingUpdate'])];
  }
}

/** Upstream's ValidateDeploymentSpec. */
export function validateDeploymentSpec(spec: Record<string, unknown>, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [...nonNegative(spec.replicas, `${path}.replicas`)];
  errs.push(
    ...validateRequiredSelector(
      spec.selector,
      `${path}.selector`,
      'empty selector is invalid for deployment',
    ),
  );
  errs.push(...validateReplicaTemplate(spec, path));
  errs.push(...validateStrategy(spec.strategy, `${path}.strategy`));
  errs.push(...nonNegative(spec.minReadySeconds, `${path}.minReadySeconds`));
  errs.push(...nonNegative(spec.revisionHistoryLimit, `${path}.revisionHistoryLimit`));
  const pds = spec.progressDeadlineSeconds;
  if (pds !== undefined && pds !== null) {
    errs.push(...nonNegative(pds, `${path}.progressDeadlineSeconds`));
    const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
    if (typeof pds === 'number' && pds <= minReady) {
      errs.push(invalid(`${path}.progressDeadlineSeconds`, pds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export const deployments: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.apps.v1.Deployment',
  statusWritableMetadata: ['annotations', 'finalizers', 'ownerReferences'],
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' },
  },
  generation: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  defaults: defaultDeployment,

  prepareForUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') {
      // A status write keeps the labels, as upstream's status strategy does.
      if (old.metadata.labels === undefined) delete obj.metadata.labels;
      else obj.metadata.labels = old.metadata.labels;
      return;
    }
    // Annotations are copied to ReplicaSets, so a change to them is a new generation too.
    if (
      ctx.subresource === '' &&
      deepEqual(obj.spec, old.spec) &&
      !deepEqual(obj.metadata.annotations, old.metadata.annotations)
    ) {
      obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
  },

  validateCreate(obj) {
    return validateDeploymentSpec(specOf(obj));
  },
  validateUpdate(obj, old) {
    return [
      ...validateDeploymentSpec(specOf(obj)),
      ...immutable(specOf(obj).selector, specOf(old).selector, 'spec.selector'),
    ];
  },
  validateStatusUpdate(obj, old) {
    return validateReplicaStatus(statusOf(obj), statusOf(old), 'deployment');
  },

  table: [
    nameColumn(),
    column('Ready', (o) => `${count(statusOf(o).readyReplicas)}/${count(specOf(o).replicas)}`, {
      description: 'Ready pods out of desired.',
    }),
    column('Up-to-date', (o) => count(statusOf(o).updatedReplicas), {
      description: 'Pods running the current template.',
    }),
    column('Available', (o) => count(statusOf(o).availableReplicas), {
      description: 'Pods ready for at least minReadySeconds.',
    }),
    ageColumn(),
    ...templateColumns(templatePodSpec),
    column('Selector', (o) => formatSelectorString(specOf(o).selector), {
      priority: 1,
      description: 'Label selector for pods.',
    }),
  ],
};
