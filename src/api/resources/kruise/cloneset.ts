/**
 * @module OpenKruise apps.kruise.io/v1alpha1 CloneSet, served as a built-in kind: the CRD's names,
 * subresources and printer columns, the defaulting webhook's defaults and the validating webhook's rules.
 */
import jsonpatch from 'fast-json-patch';
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef, TableColumn } from '../../resource.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from '../core/pod-spec.js';
import { column, nameColumn, translateTimestamp } from '../table-helpers.js';
import {
  asArray,
  asObj,
  asString,
  clone,
  deepEqual,
  defaultClaimTemplate,
  ensureObj,
  forbidden,
  intOrStringText,
  invalid,
  nonNegative,
  notSupported,
  oneOf,
  required,
  SELECTOR_MISMATCH,
  selectorMatches,
  setDefault,
  specOf,
  validateRequiredSelector,
} from '../apps/workload-helpers.js';
import type { Obj } from '../apps/workload-helpers.js';

export const DEFAULT_CLONESET_MAX_UNAVAILABLE = '20%';
const MAX_INT32 = 2147483647;
const UPDATE_TYPES = ['ReCreate', 'InPlaceIfPossible', 'InPlaceOnly'];

/** OpenKruise's SetDefaultsCloneSet (with template defaults injected, as its webhook does by default). */
export function defaultCloneSet(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
  for (const c of asArray(spec.volumeClaimTemplates)) {
    const claim = asObj(c);
    if (claim) defaultClaimTemplate(claim);
  }
  // Non-pointer structs: the webhook's JSON always carries them.
  ensureObj(spec, 'scaleStrategy');
  const us = ensureObj(spec, 'updateStrategy');
  if (us.type === undefined || us.type === null || us.type === '') us.type = 'ReCreate';
  else if (us.type === 'InPlaceIfPossible' || us.type === 'InPlaceOnly')
    ensureObj(us, 'inPlaceUpdateStrategy');
  setDefault(us, 'partition', 0);
  setDefault(us, 'maxUnavailable', DEFAULT_CLONESET_MAX_UNAVAILABLE);
  setDefault(us, 'maxSurge', 0);
}

/** OpenKruise's GetScaledValueFromIntOrPercent (rounding up); throws with its error text. */
export function scaledValue(v: unknown, total: number): number {
  if (v === undefined || v === null) throw new Error('nil value for IntOrString');
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string') {
    if (!v.endsWith('%')) throw new Error('invalid type: string is not a percentage');
    const s = v.slice(0, -1);
    const f = Number(s);
    if (s.trim() === '' || Number.isNaN(f) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
      throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
    }
    return Math.ceil((f * total) / 100);
  }
  throw new Error('invalid type: neither int nor percentage');
}

/** Go's %v of a []string. */
function goList(xs: readonly string[]): string {
  return `[${xs.join(' ')}]`;
}

function validatePriorityStrategy(ps: unknown): string | undefined {
  const s = asObj(ps);
  if (!s) return undefined;
  const weights = asArray(s.weightPriority);
  const orders = asArray(s.orderPriority);
  if (weights.length > 0 && orders.length > 0)
    return 'only one of weightPriority and orderPriority can be used';
  for (const raw of weights) {
    const w = asObj(raw) ?? {};
    const weight = typeof w.weight === 'number' ? w.weight : 0;
    if (weight < 0 || weight > 100) return 'weight must be valid number in the range 1-100';
    const sel = asObj(w.matchSelector);
    const size = sel
      ? Object.keys(asObj(sel.matchLabels) ?? {}).length + asArray(sel.matchExpressions).length
      : 0;
    if (size === 0) return 'selector can not be empty';
    if (selectorMatches(sel, {}) === undefined) return 'invalid selector';
  }
  for (const raw of orders) {
    if ((asString(asObj(raw)?.orderedKey) ?? '') === '') return 'order key can not be empty';
  }
  return undefined;
}

function validateScatterStrategy(ss: unknown): string | undefined {
  const seen = new Set<string>();
  for (const raw of asArray(ss)) {
    const t = asObj(raw) ?? {};
    const key = asString(t.key) ?? '';
    const value = asString(t.value) ?? '';
    if (key === '') return 'key should not be empty';
    const id = `${key}:${value}`;
    if (seen.has(id)) return `duplicated key=${key} value=${value}`;
    seen.add(id);
  }
  return undefined;
}

function validateUpdateStrategy(us: Obj, replicas: number, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!oneOf(us.type, UPDATE_TYPES)) {
    errs.push(
      invalid(`${path}.type`, us.type ?? '', "must be 'ReCreate', InPlaceIfPossible or 'InPlaceOnly'"),
    );
  }
  let partition = 0;
  try {
    partition = scaledValue(us.partition, replicas);
  } catch (err) {
    errs.push(
      invalid(
        `${path}.partition`,
        intOrStringText(us.partition),
        `failed GetScaledValueFromIntOrPercent for partition: ${(err as Error).message}`,
      ),
    );
  }
  errs.push(...nonNegative(partition, `${path}.partition`));
  const ps = validatePriorityStrategy(us.priorityStrategy);
  if (ps) errs.push(required(`${path}.priorityStrategy`, ps));
  const ss = validateScatterStrategy(us.scatterStrategy);
  if (ss) errs.push(required(`${path}.scatterStrategy`, ss));
  let maxUnavailable = 0;
  if (us.maxUnavailable !== undefined && us.maxUnavailable !== null) {
    try {
      maxUnavailable = scaledValue(us.maxUnavailable, replicas);
    } catch (err) {
      errs.push(
        invalid(
          `${path}.maxUnavailable`,
          intOrStringText(us.maxUnavailable),
          `failed GetScaledValueFromIntOrPercent for maxUnavailable: ${(err as Error).message}`,
        ),
      );
    }
  }
  let maxSurge = 0;
  if (us.maxSurge !== undefined && us.maxSurge !== null) {
    try {
      maxSurge = scaledValue(us.maxSurge, replicas);
    } catch (err) {
      errs.push(
        invalid(
          `${path}.maxSurge`,
          intOrStringText(us.maxSurge),
          `failed GetScaledValueFromIntOrPercent for maxSurge: ${(err as Error).message}`,
        ),
      );
    }
    if (us.type === 'InPlaceOnly' && maxSurge > 0) {
      errs.push(
        invalid(
          `${path}.maxSurge`,
          intOrStringText(us.maxSurge),
          'can not use maxSurge with strategy type InPlaceOnly',
        ),
      );
    }
  }
  if (replicas > 0 && maxUnavailable < 1 && maxSurge < 1) {
    errs.push(
      invalid(
        `${path}.maxUnavailable`,
        us.maxUnavailable,
        'maxUnavailable and maxSurge should not both be less than 1',
      ),
    );
  }
  return errs;
}

/** The validating webhook's validateCloneSetSpec (pods named in podsToDelete are not looked up). */
export function validateCloneSetSpec(spec: Obj): FieldError[] {
  const path = 'spec';
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 0;
  const errs: FieldError[] = [...nonNegative(spec.replicas, `${path}.replicas`)];
  errs.push(
    ...validateRequiredSelector(spec.selector, `${path}.selector`, 'empty selector is invalid for cloneset'),
  );
  const template = asObj(spec.template) ?? {};
  const labels = asObj(template.metadata)?.labels;
  const matches = selectorMatches(spec.selector, labels);
  if (matches === undefined) errs.push(invalid(`${path}.selector`, spec.selector, ''));
  else {
    if (!matches && spec.selector !== undefined && spec.selector !== null) {
      errs.push(invalid(`${path}.template.metadata.labels`, labels ?? {}, SELECTOR_MISMATCH));
    }
    // Claim templates stand in for volumes, so mounts of them validate.
    const withClaims = clone(template);
    const podSpec = ensureObj(withClaims, 'spec');
    const volumes = [...asArray(podSpec.volumes)];
    for (const c of asArray(spec.volumeClaimTemplates)) {
      const name = asString(asObj(asObj(c)?.metadata)?.name) ?? '';
      volumes.push({ name, persistentVolumeClaim: { claimName: name } });
    }
    if (volumes.length > 0) podSpec.volumes = volumes;
    errs.push(...validatePodTemplateSpec(withClaims, `${path}.template`));
  }
  const restartPolicy = asObj(template.spec)?.restartPolicy;
  if (
    restartPolicy !== undefined &&
    restartPolicy !== null &&
    restartPolicy !== '' &&
    restartPolicy !== 'Always'
  ) {
    errs.push(notSupported(`${path}.template.spec.restartPolicy`, restartPolicy, ['Always']));
  }
  const ads = asObj(template.spec)?.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    errs.push(
      forbidden(
        `${path}.template.spec.activeDeadlineSeconds`,
        'activeDeadlineSeconds in cloneset is not Supported',
      ),
    );
  }
  const podsToDelete = asArray(asObj(spec.scaleStrategy)?.podsToDelete).map(String);
  const dups = [...new Set(podsToDelete.filter((p, i) => podsToDelete.indexOf(p) !== i))];
  if (dups.length > 0) {
    errs.push(
      invalid(`${path}.scaleStrategy.podsToDelete`, podsToDelete, `duplicated items ${goList(dups)}`),
    );
  }
  errs.push(...validateUpdateStrategy(asObj(spec.updateStrategy) ?? {}, replicas, `${path}.updateStrategy`));
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...nonNegative(pds, `${path}.progressDeadlineSeconds`));
    const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
    if (pds !== MAX_INT32 && pds <= minReady) {
      errs.push(invalid(`${path}.progressDeadlineSeconds`, pds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

const MUTABLE_SPEC = [
  'replicas',
  'template',
  'scaleStrategy',
  'updateStrategy',
  'minReadySeconds',
  'lifecycle',
  'revisionHistoryLimit',
  'volumeClaimTemplates',
  'progressDeadlineSeconds',
];

const IMAGE_PATCH_PATH = /^\/containers\/([0-9]+)\/image$/;

/** The webhook's update rules: most of the spec is fixed; InPlaceOnly may change only images. */
export function validateCloneSetUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const next = clone(specOf(obj));
  const prev = clone(specOf(old));
  for (const f of MUTABLE_SPEC) {
    delete next[f];
    delete prev[f];
  }
  if (!deepEqual(next, prev)) {
    errs.push(
      forbidden(
        'spec',
        "updates to cloneset spec for fields other than 'replicas', 'template', 'lifecycle', 'scaleStrategy', 'updateStrategy', 'minReadySeconds', 'progressDeadlineSeconds', 'volumeClaimTemplates' and 'revisionHistoryLimit' are forbidden",
      ),
    );
  }
  if (asObj(specOf(obj).updateStrategy)?.type === 'InPlaceOnly') {
    const before = asObj(asObj(specOf(old).template)?.spec) ?? {};
    const after = asObj(asObj(specOf(obj).template)?.spec) ?? {};
    const bad = jsonpatch
      .compare(before, after)
      .find((p) => p.op !== 'replace' || !IMAGE_PATCH_PATH.test(p.path));
    if (bad) {
      errs.push(
        forbidden(
          'spec',
          `only allowed to update images in spec for InPlaceOnly, but found ${bad.op} ${bad.path}`,
        ),
      );
    }
  }
  return errs;
}

/** A CRD printer column: the value at `get`, or null (printed as <none>) when absent. */
function crdColumn(
  name: string,
  type: TableColumn['type'],
  get: (o: KubeObject) => unknown,
  priority = 0,
): TableColumn {
  return column(
    name,
    (o) => {
      const v = get(o);
      if (v === undefined || v === null) return null;
      if (type === 'integer') return typeof v === 'number' ? v : null;
      return typeof v === 'string' ? v : JSON.stringify(v);
    },
    { type, priority },
  );
}

function status(o: KubeObject): Obj {
  return asObj(o.status) ?? {};
}

function firstContainer(o: KubeObject): Obj | undefined {
  return asObj(asArray(asObj(asObj(specOf(o).template)?.spec)?.containers)[0]);
}

export const clonesets: ResourceDef = {
  group: 'apps.kruise.io',
  version: 'v1alpha1',
  kind: 'CloneSet',
  plural: 'clonesets',
  singular: 'cloneset',
  shortNames: ['clone'],
  namespaced: true,
  schema: 'io.kruise.apps.v1alpha1.CloneSet',
  subresources: {
    status: true,
    scale: {
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
      labelSelectorPath: 'status.labelSelector',
    },
  },
  generation: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,

  defaults: defaultCloneSet,
  validateCreate: (obj) => validateCloneSetSpec(specOf(obj)),
  validateUpdate: (obj, old) => [...validateCloneSetUpdate(obj, old), ...validateCloneSetSpec(specOf(obj))],
  validateStatusUpdate: () => [],

  table: [
    nameColumn(),
    crdColumn('DESIRED', 'integer', (o) => specOf(o).replicas),
    crdColumn('UPDATED', 'integer', (o) => status(o).updatedReplicas),
    crdColumn('UPDATED_READY', 'integer', (o) => status(o).updatedReadyReplicas),
    crdColumn('UPDATED_AVAILABLE', 'integer', (o) => status(o).updatedAvailableReplicas),
    crdColumn('READY', 'integer', (o) => status(o).readyReplicas),
    crdColumn('TOTAL', 'integer', (o) => status(o).replicas),
    column(
      'AGE',
      (o, now) =>
        o.metadata.creationTimestamp ? translateTimestamp(o.metadata.creationTimestamp, now) : '<unknown>',
      { type: 'date' },
    ),
    crdColumn('CONTAINERS', 'string', (o) => firstContainer(o)?.name, 1),
    crdColumn('IMAGES', 'string', (o) => firstContainer(o)?.image, 1),
    crdColumn('SELECTOR', 'string', (o) => status(o).labelSelector, 1),
  ],
};
