/** @module apps/v1 StatefulSet: defaults, validation, strategy and table as upstream 1.32. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { validateAnnotations } from '../../validation/meta.js';
import { defaultPodTemplateSpec, validatePodSpecificAnnotations } from '../core/pod-spec.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import { validateReplicaStatus } from './replica-status.js';
import {
  asArray,
  asObj,
  asStringMap,
  clone,
  count,
  deepEqual,
  defaultClaimTemplate,
  ensureObj,
  forbidden,
  intOrPercentValue,
  invalid,
  nonNegative,
  notMoreThan100Percent,
  notSupported,
  required,
  restartAlwaysRules,
  SELECTOR_MISMATCH,
  selectorMatches,
  setDefault,
  specOf,
  statusOf,
  validateLabels,
  validatePositiveIntOrPercent,
  validateRequiredSelector,
} from './workload-helpers.js';
import type { Obj } from './workload-helpers.js';
import { templateColumns, templatePodSpec } from './workload-table.js';

/** SetDefaults_StatefulSet, the pod template defaults and the claim template defaults. */
export function defaultStatefulSet(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const us = ensureObj(spec, 'updateStrategy');
  if (us.type === undefined || us.type === null || us.type === '') {
    us.type = 'RollingUpdate';
    ensureObj(us, 'rollingUpdate');
  }
  const ru = asObj(us.rollingUpdate);
  if (us.type === 'RollingUpdate' && ru) setDefault(ru, 'partition', 0);
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
  for (const c of asArray(spec.volumeClaimTemplates)) {
    const claim = asObj(c);
    if (!claim) continue;
    // apps/v1 serves claim templates with their type meta filled in.
    setDefault(claim, 'apiVersion', 'v1');
    setDefault(claim, 'kind', 'PersistentVolumeClaim');
    defaultClaimTemplate(claim);
  }
}

/** rollingUpdate.maxUnavailable is behind the alpha MaxUnavailableStatefulSet gate (off in 1.32): dropped unless already in use. */
function dropDisabledFields(obj: KubeObject, old: KubeObject | undefined): void {
  const oldRu = old ? asObj(asObj(specOf(old).updateStrategy)?.rollingUpdate) : undefined;
  if (oldRu && oldRu.maxUnavailable !== undefined && oldRu.maxUnavailable !== null) return;
  const ru = asObj(asObj(specOf(obj).updateStrategy)?.rollingUpdate);
  if (ru) delete ru.maxUnavailable;
}

function validateUpdateStrategy(us: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ru = us.rollingUpdate;
  switch (us.type) {
    case undefined:
    case null:
    case '':
      errs.push(required(path));
      break;
    case 'OnDelete':
      if (ru !== undefined && ru !== null) {
        errs.push(invalid(`${path}.rollingUpdate`, ru, "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case 'RollingUpdate': {
      const r = asObj(ru);
      if (!r) break;
      const p = `${path}.rollingUpdate`;
      errs.push(...nonNegative(r.partition, `${p}.partition`));
      if (r.maxUnavailable !== undefined && r.maxUnavailable !== null) {
        errs.push(...validatePositiveIntOrPercent(r.maxUnavailable, `${p}.maxUnavailable`));
        if (intOrPercentValue(r.maxUnavailable) === 0)
          errs.push(invalid(`${p}.maxUnavailable`, r.maxUnavailable, 'cannot be 0'));
        errs.push(...notMoreThan100Percent(r.maxUnavailable, `${p}.maxUnavailable`));
      }
      break;
    }
    default:
      errs.push(invalid(path, us.type, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  return errs;
}

/**
 * Upstream's ValidateStatefulSetSpec. Like upstream, the pod spec of the template is not validated
 * (its volumes may name claim templates); only its labels, annotations and restart rules are.
 */
export function validateStatefulSetSpec(spec: Obj, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (pmp === undefined || pmp === null || pmp === '') errs.push(required(`${path}.podManagementPolicy`));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(invalid(`${path}.podManagementPolicy`, pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  errs.push(...validateUpdateStrategy(asObj(spec.updateStrategy) ?? {}, `${path}.updateStrategy`));
  const retention = asObj(spec.persistentVolumeClaimRetentionPolicy);
  if (retention) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = retention[f];
      if (v !== 'Retain' && v !== 'Delete') {
        errs.push(
          notSupported(`${path}.persistentVolumeClaimRetentionPolicy.${f}`, v ?? '', ['Retain', 'Delete']),
        );
      }
    }
  }
  errs.push(...nonNegative(spec.replicas, `${path}.replicas`));
  errs.push(...nonNegative(spec.minReadySeconds, `${path}.minReadySeconds`));
  const ordinals = asObj(spec.ordinals);
  if (ordinals) errs.push(...nonNegative(ordinals.start, `${path}.ordinals.start`));
  errs.push(
    ...validateRequiredSelector(
      spec.selector,
      `${path}.selector`,
      'empty selector is invalid for statefulset',
    ),
  );

  const template = asObj(spec.template) ?? {};
  const labels = asObj(template.metadata)?.labels;
  const matches = selectorMatches(spec.selector, labels);
  if (matches === undefined) errs.push(invalid(`${path}.selector`, spec.selector, ''));
  else {
    if (!matches) errs.push(invalid(`${path}.template.metadata.labels`, labels ?? {}, SELECTOR_MISMATCH));
    const meta = asObj(template.metadata) ?? {};
    errs.push(...validateLabels(labels, `${path}.template.labels`));
    errs.push(...validateAnnotations(asStringMap(meta.annotations), `${path}.template.annotations`));
    errs.push(
      ...validatePodSpecificAnnotations(meta.annotations, template.spec, `${path}.template.annotations`),
    );
  }
  errs.push(...restartAlwaysRules(template, `${path}.template`, 'StatefulSet'));
  return errs;
}

const MUTABLE_SPEC = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

/** Upstream's ValidateStatefulSetUpdate: only a few spec fields may change. */
export function validateStatefulSetUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const next = clone(specOf(obj));
  const prev = clone(specOf(old));
  for (const f of MUTABLE_SPEC) {
    delete next[f];
    delete prev[f];
  }
  if (deepEqual(next, prev)) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export const statefulsets: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.apps.v1.StatefulSet',
  statusWritableMetadata: ['labels', 'annotations', 'finalizers', 'ownerReferences'],
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' },
  },
  generation: true,
  nameValidation: 'dns1123Label',
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  defaults: defaultStatefulSet,
  prepareForCreate: (obj) => dropDisabledFields(obj, undefined),
  prepareForUpdate: (obj, old, ctx) => {
    if (ctx.subresource === '') dropDisabledFields(obj, old);
  },
  validateCreate: (obj) => validateStatefulSetSpec(specOf(obj)),
  validateUpdate: (obj, old) => [
    ...validateStatefulSetSpec(specOf(obj)),
    ...validateStatefulSetUpdate(obj, old),
  ],
  validateStatusUpdate: (obj, old) => validateReplicaStatus(statusOf(obj), statusOf(old), 'statefulset'),

  table: [
    nameColumn(),
    column('Ready', (o) => `${count(statusOf(o).readyReplicas)}/${count(specOf(o).replicas)}`, {
      description: 'Ready pods out of desired.',
    }),
    ageColumn(),
    ...templateColumns(templatePodSpec),
  ],
};
