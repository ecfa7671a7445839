/** @module apps/v1 DaemonSet: defaults, validation, strategy and table as upstream 1.32. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { defaultPodTemplateSpec } from '../core/pod-spec.js';
import { ageColumn, column, formatLabels, nameColumn } from '../table-helpers.js';
import { validateReplicaStatus } from './replica-status.js';
import {
  asObj,
  count,
  deepEqual,
  ensureObj,
  immutable,
  intOrPercentValue,
  invalid,
  nonNegative,
  notMoreThan100Percent,
  notSupported,
  required,
  restartAlwaysRules,
  SELECTOR_MISMATCH,
  selectorIsEmpty,
  selectorMatches,
  setDefault,
  specOf,
  statusOf,
  validateLabelSelector,
  validatePositiveIntOrPercent,
} from './workload-helpers.js';
import type { Obj } from './workload-helpers.js';
import { formatLabelSelectorCell, templateColumns, templatePodSpec } from './workload-table.js';
import { validatePodTemplateSpec } from '../core/pod-spec.js';

/** apps/v1 carries the internal templateGeneration in this annotation. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** SetDefaults_DaemonSet plus the pod template defaults. */
export function defaultDaemonSet(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  const us = ensureObj(spec, 'updateStrategy');
  setDefault(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = ensureObj(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
}

function templateGeneration(obj: KubeObject): number {
  const v = Number.parseInt(obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? '', 10);
  return Number.isNaN(v) ? 0 : v;
}

function setTemplateGeneration(obj: KubeObject, gen: number): void {
  obj.metadata.annotations = {
    ...(obj.metadata.annotations ?? {}),
    [TEMPLATE_GENERATION_ANNOTATION]: String(gen),
  };
}

function validateUpdateStrategy(us: Obj, path: string): FieldError[] {
  switch (us.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate': {
      const r = asObj(us.rollingUpdate);
      if (!r) return [required(`${path}.rollingUpdate`)];
      const p = `${path}.rollingUpdate`;
      const errs = [
        ...validatePositiveIntOrPercent(r.maxUnavailable, `${p}.maxUnavailable`),
        ...validatePositiveIntOrPercent(r.maxSurge, `${p}.maxSurge`),
        ...notMoreThan100Percent(r.maxUnavailable, `${p}.maxUnavailable`),
        ...notMoreThan100Percent(r.maxSurge, `${p}.maxSurge`),
      ];
      const hasUnavailable = intOrPercentValue(r.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(r.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(invalid(`${p}.maxSurge`, r.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      }
      return errs;
    }
    default:
      return [notSupported(path, us.type ?? '', ['RollingUpdate', 'OnDelete'])];
  }
}

/** Upstream's ValidateDaemonSetSpec. */
export function validateDaemonSetSpec(spec: Obj, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [...validateLabelSelector(spec.selector, `${path}.selector`)];
  const template = asObj(spec.template) ?? {};
  const labels = asObj(template.metadata)?.labels;
  if (selectorMatches(spec.selector, labels) === false) {
    errs.push(invalid(`${path}.template.metadata.labels`, labels ?? {}, SELECTOR_MISMATCH));
  }
  if (spec.selector !== undefined && spec.selector !== null && selectorIsEmpty(spec.selector)) {
    errs.push(invalid(`${path}.selector`, spec.selector, 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(spec.template ?? {}, `${path}.template`));
  errs.push(...restartAlwaysRules(template, `${path}.template`, 'DaemonSet'));
  errs.push(...nonNegative(spec.minReadySeconds, `${path}.minReadySeconds`));
  errs.push(...validateUpdateStrategy(asObj(spec.updateStrategy) ?? {}, `${path}.updateStrategy`));
  errs.push(...nonNegative(spec.revisionHistoryLimit, `${path}.revisionHistoryLimit`));
  return errs;
}

export const daemonsets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.apps.v1.DaemonSet',
  statusWritableMetadata: ['labels', 'annotations', 'finalizers', 'ownerReferences'],
  subresources: { status: true },
  generation: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  defaults: defaultDaemonSet,
  prepareForCreate(obj) {
    if (templateGeneration(obj) < 1) setTemplateGeneration(obj, 1);
  },
  prepareForUpdate(obj, old, ctx) {
    if (ctx.subresource !== '') return;
    // templateGeneration is server-owned: kept from the old object, bumped when the template changes.
    const gen = Math.max(templateGeneration(old), 1);
    setTemplateGeneration(obj, deepEqual(specOf(obj).template, specOf(old).template) ? gen : gen + 1);
  },
  validateCreate: (obj) => validateDaemonSetSpec(specOf(obj)),
  validateUpdate: (obj, old) => [
    ...validateDaemonSetSpec(specOf(obj)),
    ...immutable(specOf(obj).selector, specOf(old).selector, 'spec.selector'),
  ],
  validateStatusUpdate: (obj, old) => validateReplicaStatus(statusOf(obj), statusOf(old), 'daemonset'),

  table: [
    nameColumn(),
    column('Desired', (o) => count(statusOf(o).desiredNumberScheduled), {
      type: 'integer',
      description: 'Nodes that should run the pod.',
    }),
    column('Current', (o) => count(statusOf(o).currentNumberScheduled), {
      type: 'integer',
      description: 'Nodes running the pod.',
    }),
    column('Ready', (o) => count(statusOf(o).numberReady), {
      type: 'integer',
      description: 'Nodes with the pod ready.',
    }),
    column('Up-to-date', (o) => count(statusOf(o).updatedNumberScheduled), {
      type: 'integer',
      description: 'Nodes running the current template.',
    }),
    column('Available', (o) => count(statusOf(o).numberAvailable), {
      type: 'integer',
      description: 'Nodes with the pod available.',
    }),
    column('Node Selector', (o) => formatLabels(asObj(templatePodSpec(o))?.nodeSelector), {
      description: 'The node selector of the pod template.',
    }),
    ageColumn(),
    ...templateColumns(templatePodSpec),
    column('Selector', (o) => formatLabelSelectorCell(specOf(o).selector), {
      priority: 1,
      description: 'Label selector for pods.',
    }),
  ],
};
