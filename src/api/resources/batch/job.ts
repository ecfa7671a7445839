/** @module batch/v1 Job: defaults, generated selector, validation, strategy and table as upstream 1.32. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { isDNS1123Label, isQualifiedName, validateDomainPrefixedPath } from '../../validation/names.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from '../core/pod-spec.js';
import { ageColumn, column, humanDuration, nameColumn } from '../table-helpers.js';
import {
  asArray,
  asObj,
  asString,
  clone,
  count,
  deepEqual,
  duplicate,
  ensureObj,
  immutable,
  invalid,
  invalidNoValue,
  nonNegative,
  notSupported,
  oneOf,
  required,
  selectorMatches,
  setDefault,
  specOf,
  statusOf,
  tooLong,
  tooMany,
  validateLabelSelector,
} from '../apps/workload-helpers.js';
import type { Obj } from '../apps/workload-helpers.js';
import { formatLabelSelectorCell, templateColumns, templatePodSpec } from '../apps/workload-table.js';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

const MAX_INT32 = 2147483647;
const MAX_PARALLELISM_INDEXED = 100000;
const MAX_FAILED_INDEXES = 100000;
const COMPLETIONS_SOFT_LIMIT = 100000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10000;
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS = 10000;
const MAX_POD_FAILURE_RULES = 20;
const MAX_EXIT_CODE_VALUES = 255;
const MAX_POD_CONDITION_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_RULES = 20;

const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];

/** Go's %q of a sorted string list: `["A" "B"]`. */
function quotedList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

function isTrue(v: unknown): boolean {
  return v === true;
}

/**
 * Upstream's generateSelector: unless spec.manualSelector is true, the pod template gets the job-name and
 * controller-uid labels (both the batch.kubernetes.io/ and the legacy keys) and the selector matches the uid.
 * Needs metadata.name and metadata.uid; works whether defaults ran before or after it.
 */
export function generateJobSelector(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  if (isTrue(spec.manualSelector)) return;
  const meta = ensureObj(ensureObj(spec, 'template'), 'metadata');
  const labels = ensureObj(meta, 'labels');
  const name = obj.metadata.name ?? '';
  const uid = obj.metadata.uid ?? '';
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) setDefault(labels, k, name);
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) setDefault(labels, k, uid);
  const matchLabels = ensureObj(ensureObj(spec, 'selector'), 'matchLabels');
  setDefault(matchLabels, CONTROLLER_UID_LABEL, uid);
  // SetDefaults_Job's label copy, which upstream applies again when the object is read back.
  if (Object.keys(obj.metadata.labels ?? {}).length === 0)
    obj.metadata.labels = { ...(labels as Record<string, string>) };
}

/** SetDefaults_Job plus the pod template defaults. */
export function defaultJob(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  const unset = (k: string): boolean => spec[k] === undefined || spec[k] === null;
  if (unset('completions') && unset('parallelism')) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', unset('backoffLimitPerIndex') ? 6 : MAX_INT32);
  const template = ensureObj(spec, 'template');
  const templateLabels = asObj(asObj(template.metadata)?.labels);
  if (templateLabels && Object.keys(obj.metadata.labels ?? {}).length === 0) {
    obj.metadata.labels = { ...(templateLabels as Record<string, string>) };
  }
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const pfp = asObj(spec.podFailurePolicy);
  for (const rule of asArray(pfp?.rules)) {
    for (const pattern of asArray(asObj(rule)?.onPodConditions)) {
      const p = asObj(pattern);
      if (p && (p.status === undefined || p.status === null || p.status === '')) p.status = 'True';
    }
  }
  setDefault(spec, 'podReplacementPolicy', pfp ? 'Failed' : 'TerminatingOrFailed');
  setDefault(spec, 'manualSelector', false);
  defaultPodTemplateSpec(template);
}

function hasLabel(labels: Obj, key: string, expected: string, path: string): FieldError[] {
  const field = `${path}.labels[${key}]`;
  if (!(key in labels)) return [required(field, expected)];
  return labels[key] === expected ? [] : [invalid(field, labels, `must be '${expected}'`)];
}

/** Upstream's validateGeneratedSelector. */
function validateGeneratedSelector(obj: KubeObject, requirePrefixed: boolean): FieldError[] {
  const spec = specOf(obj);
  if (isTrue(spec.manualSelector) || spec.selector === undefined || spec.selector === null) return [];
  const errs: FieldError[] = [];
  const uid = obj.metadata.uid ?? '';
  const name = obj.metadata.name ?? '';
  if (uid === '') errs.push(required('metadata.uid'));
  const labels = asObj(asObj(asObj(spec.template)?.metadata)?.labels) ?? {};
  const path = 'spec.template.metadata';
  errs.push(...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid, path));
  errs.push(...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name, path));
  const expected: Record<string, string> = {};
  if (requirePrefixed) {
    errs.push(...hasLabel(labels, CONTROLLER_UID_LABEL, uid, path));
    errs.push(...hasLabel(labels, JOB_NAME_LABEL, name, path));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  if (selectorMatches(spec.selector, expected) === false) {
    errs.push(invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  }
  return errs;
}

function validatePodFailurePolicy(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = asArray(asObj(spec.podFailurePolicy)?.rules);
  const rulesPath = `${path}.rules`;
  if (rules.length > MAX_POD_FAILURE_RULES)
    errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_RULES));
  const podSpec = asObj(asObj(spec.template)?.spec) ?? {};
  const containerNames = new Set<string>();
  for (const c of [...asArray(podSpec.containers), ...asArray(podSpec.initContainers)]) {
    const n = asString(asObj(c)?.name);
    if (n !== undefined) containerNames.add(n);
  }
  rules.forEach((raw, i) => {
    const rule = asObj(raw) ?? {};
    const rp = `${rulesPath}[${i}]`;
    const action = rule.action;
    if (action === undefined || action === null || action === '') {
      errs.push(required(`${rp}.action`, `valid values: ${quotedList(POD_FAILURE_ACTIONS)}`));
    } else if (action === 'FailIndex') {
      if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) {
        errs.push(invalid(`${rp}.action`, action, 'requires the backoffLimitPerIndex to be set'));
      }
    } else if (!oneOf(action, POD_FAILURE_ACTIONS)) {
      errs.push(notSupported(`${rp}.action`, action, POD_FAILURE_ACTIONS));
    }
    const onExit = asObj(rule.onExitCodes);
    const onConds = asArray(rule.onPodConditions);
    if (onExit) errs.push(...validateOnExitCodes(onExit, `${rp}.onExitCodes`, containerNames));
    if (onConds.length > 0) errs.push(...validateOnPodConditions(onConds, `${rp}.onPodConditions`));
    if (onExit && onConds.length > 0) {
      errs.push(invalidNoValue(rp, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    }
    if (!onExit && onConds.length === 0) {
      errs.push(invalidNoValue(rp, 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
  });
  return errs;
}

function validateOnExitCodes(req: Obj, path: string, containerNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const op = req.operator;
  if (op === undefined || op === null || op === '') {
    errs.push(required(`${path}.operator`, `valid values: ${quotedList(EXIT_CODE_OPERATORS)}`));
  } else if (!oneOf(op, EXIT_CODE_OPERATORS)) {
    errs.push(notSupported(`${path}.operator`, op, EXIT_CODE_OPERATORS));
  }
  const cn = req.containerName;
  if (typeof cn === 'string' && !containerNames.has(cn)) {
    errs.push(
      invalid(
        `${path}.containerName`,
        cn,
        'must be one of the container or initContainer names in the pod template',
      ),
    );
  }
  const values = asArray(req.values);
  const vp = `${path}.values`;
  if (values.length === 0) errs.push(invalid(vp, values, 'at least one value is required'));
  else if (values.length > MAX_EXIT_CODE_VALUES) errs.push(tooMany(vp, values.length, MAX_EXIT_CODE_VALUES));
  const seen = new Set<unknown>();
  let ordered = true;
  values.forEach((v, j) => {
    if (op === 'In' && v === 0) errs.push(invalid(`${vp}[${j}]`, v, 'must not be 0 for the In operator'));
    if (seen.has(v)) errs.push(duplicate(`${vp}[${j}]`, v));
    else seen.add(v);
    const prev = values[j - 1];
    if (j > 0 && typeof prev === 'number' && typeof v === 'number' && prev > v) ordered = false;
  });
  if (!ordered) errs.push(invalid(vp, values, 'must be ordered'));
  return errs;
}

function validateOnPodConditions(patterns: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > MAX_POD_CONDITION_PATTERNS)
    errs.push(tooMany(path, patterns.length, MAX_POD_CONDITION_PATTERNS));
  patterns.forEach((raw, j) => {
    const p = asObj(raw) ?? {};
    const pp = `${path}[${j}]`;
    const type = asString(p.type) ?? '';
    for (const msg of isQualifiedName(type)) errs.push(invalid(`${pp}.type`, type, msg));
    const status = p.status;
    if (status === undefined || status === null || status === '') {
      errs.push(required(`${pp}.status`, `valid values: ${quotedList(CONDITION_STATUSES)}`));
    } else if (!oneOf(status, CONDITION_STATUSES)) {
      errs.push(notSupported(`${pp}.status`, status, CONDITION_STATUSES));
    }
  });
  return errs;
}

/** Upstream's parseIndexInterval + validateIndexesFormat: returns the number of indexes, or throws with upstream's text. */
export function countIndexes(indexes: string, completions: number): number {
  if (indexes === '') return 0;
  let last: number | undefined;
  let total = 0;
  for (const interval of indexes.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) {
      throw new Error(
        `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'`,
      );
    }
    const parse = (s: string): number => {
      if (!/^[+-]?\d+$/.test(s))
        throw new Error(`cannot convert string to integer for index: ${JSON.stringify(s)}`);
      const n = Number.parseInt(s, 10);
      if (n >= completions) throw new Error(`too large index: ${JSON.stringify(s)}`);
      return n;
    };
    const x = parse(limits[0] ?? '');
    let y = x;
    if (limits.length > 1) {
      y = parse(limits[1] ?? '');
      if (x >= y) throw new Error(`non-increasing order, previous: ${x}, current: ${y}`);
    }
    if (last !== undefined && last >= x)
      throw new Error(`non-increasing order, previous: ${last}, current: ${x}`);
    total += y - x + 1;
    last = y;
  }
  return total;
}

function validateSuccessPolicy(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = asArray(asObj(spec.successPolicy)?.rules);
  const rulesPath = `${path}.rules`;
  if (rules.length === 0) {
    errs.push(
      required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'),
    );
  }
  if (rules.length > MAX_SUCCESS_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_RULES));
  const completions = typeof spec.completions === 'number' ? spec.completions : 0;
  rules.forEach((raw, i) => {
    const rule = asObj(raw) ?? {};
    const rp = `${rulesPath}[${i}]`;
    const count = rule.succeededCount;
    const indexes = rule.succeededIndexes;
    if ((count === undefined || count === null) && (indexes === undefined || indexes === null)) {
      errs.push(required(rp, 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    let total = 0;
    if (typeof indexes === 'string') {
      const ip = `${rp}.succeededIndexes`;
      if (indexes.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(tooLong(ip, MAX_SUCCEEDED_INDEXES_LENGTH));
      try {
        total = countIndexes(indexes, completions);
      } catch (err) {
        errs.push(invalid(ip, indexes, `error parsing succeededIndexes: ${(err as Error).message}`));
      }
    }
    if (typeof count === 'number') {
      const cp = `${rp}.succeededCount`;
      errs.push(...nonNegative(count, cp));
      if (count > completions) {
        errs.push(
          invalid(
            cp,
            count,
            `must be less than or equal to ${completions} (the number of specified completions)`,
          ),
        );
      }
      if (typeof indexes === 'string' && count > total) {
        errs.push(
          invalid(
            cp,
            count,
            `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`,
          ),
        );
      }
    }
  });
  return errs;
}

/** Upstream's validateJobSpec: the rules a Job's spec and a CronJob's jobTemplate.spec share. */
export function validateJobSpecCommon(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
    'backoffLimitPerIndex',
  ]) {
    errs.push(...nonNegative(spec[f], `${path}.${f}`));
  }
  const has = (k: string): boolean => spec[k] !== undefined && spec[k] !== null;
  if (has('maxFailedIndexes')) {
    errs.push(...nonNegative(spec.maxFailedIndexes, `${path}.maxFailedIndexes`));
    if (!has('backoffLimitPerIndex')) {
      errs.push(required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
    }
  }
  if (typeof spec.managedBy === 'string') {
    errs.push(...validateDomainPrefixedPath(`${path}.managedBy`, spec.managedBy));
    if (spec.managedBy.length > MAX_MANAGED_BY_LENGTH)
      errs.push(tooLong(`${path}.managedBy`, MAX_MANAGED_BY_LENGTH));
  }
  const mode = spec.completionMode;
  const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
  const parallelism = typeof spec.parallelism === 'number' ? spec.parallelism : undefined;
  const maxFailed = typeof spec.maxFailedIndexes === 'number' ? spec.maxFailedIndexes : undefined;
  if (has('completionMode')) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') {
      errs.push(notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    }
    if (mode === 'Indexed') {
      if (completions === undefined)
        errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
      if (parallelism !== undefined && parallelism > MAX_PARALLELISM_INDEXED) {
        errs.push(
          invalid(
            `${path}.parallelism`,
            parallelism,
            `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`,
          ),
        );
      }
      if (completions !== undefined && maxFailed !== undefined && maxFailed > completions) {
        errs.push(
          invalid(`${path}.maxFailedIndexes`, maxFailed, 'must be less than or equal to completions'),
        );
      }
      if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES) {
        errs.push(
          invalid(
            `${path}.maxFailedIndexes`,
            maxFailed,
            `must be less than or equal to ${MAX_FAILED_INDEXES}`,
          ),
        );
      }
      if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && has('backoffLimitPerIndex')) {
        const tail = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
        if (maxFailed === undefined) {
          errs.push(
            required(
              `${path}.maxFailedIndexes`,
              `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`,
            ),
          );
        }
        if (parallelism !== undefined && parallelism > PARALLELISM_LIMIT_HIGH_COMPLETIONS) {
          errs.push(
            invalid(
              `${path}.parallelism`,
              parallelism,
              `must be less than or equal to ${PARALLELISM_LIMIT_HIGH_COMPLETIONS} ${tail}`,
            ),
          );
        }
        if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES_HIGH_COMPLETIONS) {
          errs.push(
            invalid(
              `${path}.maxFailedIndexes`,
              maxFailed,
              `must be less than or equal to ${MAX_FAILED_INDEXES_HIGH_COMPLETIONS} ${tail}`,
            ),
          );
        }
      }
    }
  }
  if (!has('completionMode') || mode === 'NonIndexed') {
    if (has('backoffLimitPerIndex')) {
      errs.push(
        invalid(
          `${path}.backoffLimitPerIndex`,
          spec.backoffLimitPerIndex,
          'requires indexed completion mode',
        ),
      );
    }
    if (has('maxFailedIndexes')) {
      errs.push(
        invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'requires indexed completion mode'),
      );
    }
  }
  if (has('podFailurePolicy')) errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  if (has('successPolicy')) {
    if (mode !== 'Indexed')
      errs.push(invalid(`${path}.successPolicy`, spec.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(spec, `${path}.successPolicy`));
  }
  if (has('podReplacementPolicy')) {
    const prp = spec.podReplacementPolicy;
    if (has('podFailurePolicy')) {
      if (prp !== 'Failed') errs.push(notSupported(`${path}.podReplacementPolicy`, prp, ['Failed']));
    } else if (!oneOf(prp, REPLACEMENT_POLICIES)) {
      errs.push(notSupported(`${path}.podReplacementPolicy`, prp, REPLACEMENT_POLICIES));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template ?? {}, `${path}.template`));
  const rpPath = `${path}.template.spec.restartPolicy`;
  const rp = asObj(asObj(spec.template)?.spec)?.restartPolicy;
  if (rp === 'Always' || rp === undefined || rp === null || rp === '') {
    errs.push(required(rpPath, 'valid values: "OnFailure", "Never"'));
  } else if (rp !== 'OnFailure' && rp !== 'Never') {
    errs.push(notSupported(rpPath, rp, ['OnFailure', 'Never']));
  } else if (has('podFailurePolicy') && rp !== 'Never') {
    errs.push(invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** Upstream's ValidateJobSpec: the common rules plus a valid selector that selects the template. */
function validateJobSpec(spec: Obj): FieldError[] {
  const errs = validateJobSpecCommon(spec, 'spec');
  if (spec.selector === undefined || spec.selector === null) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const labels = asObj(asObj(spec.template)?.metadata)?.labels;
  if (
    spec.selector !== undefined &&
    spec.selector !== null &&
    selectorMatches(spec.selector, labels) === false
  ) {
    errs.push(
      invalid('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'),
    );
  }
  return errs;
}

/** Upstream's ValidateJob. */
export function validateJob(obj: KubeObject, requirePrefixedLabels: boolean): FieldError[] {
  const errs = [...validateGeneratedSelector(obj, requirePrefixedLabels), ...validateJobSpec(specOf(obj))];
  const spec = specOf(obj);
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
    const name = obj.metadata.name ?? '';
    const hostname = `${name}-${spec.completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      errs.push(
        invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`),
      );
    }
  }
  return errs;
}

/** Template fields a suspended Job that never started may still change (upstream's mutable scheduling directives). */
function schedulingDirectivesMutable(old: KubeObject): boolean {
  const startTime = statusOf(old).startTime;
  return specOf(old).suspend === true && (startTime === undefined || startTime === null);
}

function templateForComparison(oldTemplate: unknown, newTemplate: unknown, mutable: boolean): unknown {
  if (!mutable) return oldTemplate;
  const prev = clone(asObj(oldTemplate) ?? {});
  const next = asObj(newTemplate) ?? {};
  const prevSpec = ensureObj(prev, 'spec');
  const nextSpec = asObj(next.spec) ?? {};
  const prevAffinity = asObj(prevSpec.affinity);
  const nextAffinity = asObj(nextSpec.affinity);
  if (!nextAffinity && prevAffinity) {
    delete prevAffinity.nodeAffinity;
    if (Object.keys(prevAffinity).length === 0) delete prevSpec.affinity;
  } else if (nextAffinity && !prevAffinity) {
    prevSpec.affinity =
      nextAffinity.nodeAffinity === undefined ? {} : { nodeAffinity: nextAffinity.nodeAffinity };
  } else if (nextAffinity && prevAffinity) {
    prevAffinity.nodeAffinity = nextAffinity.nodeAffinity;
  }
  prevSpec.nodeSelector = nextSpec.nodeSelector;
  prevSpec.tolerations = nextSpec.tolerations;
  prevSpec.schedulingGates = nextSpec.schedulingGates;
  const prevMeta = ensureObj(prev, 'metadata');
  const nextMeta = asObj(next.metadata) ?? {};
  prevMeta.annotations = nextMeta.annotations;
  prevMeta.labels = nextMeta.labels;
  return prev;
}

/** Upstream's ValidateJobSpecUpdate (ElasticIndexedJob on, as in 1.32). */
export function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const prev = specOf(old);
  const errs: FieldError[] = [];
  if (spec.completionMode === 'Indexed') {
    if (!deepEqual(spec.completions, prev.completions) && typeof spec.completions === 'number') {
      if (spec.completions !== spec.parallelism) {
        errs.push(
          invalid(
            'spec.completions',
            spec.completions,
            'can only be modified in tandem with spec.parallelism',
          ),
        );
      }
    }
  } else {
    errs.push(...immutable(spec.completions, prev.completions, 'spec.completions'));
  }
  errs.push(...immutable(spec.selector, prev.selector, 'spec.selector'));
  const oldTemplate = templateForComparison(prev.template, spec.template, schedulingDirectivesMutable(old));
  errs.push(...immutable(spec.template, oldTemplate, 'spec.template'));
  for (const f of [
    'completionMode',
    'podFailurePolicy',
    'backoffLimitPerIndex',
    'managedBy',
    'successPolicy',
  ]) {
    errs.push(...immutable(spec[f], prev[f], `spec.${f}`));
  }
  return errs;
}

/** The basic status rules: non-negative counters and unique, non-empty uncounted pod uids. */
export function validateJobStatus(obj: KubeObject): FieldError[] {
  const status = statusOf(obj);
  const errs: FieldError[] = [];
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating'])
    errs.push(...nonNegative(status[f], `status.${f}`));
  const uncounted = asObj(status.uncountedTerminatedPods);
  if (uncounted) {
    const seen = new Set<unknown>();
    for (const list of ['succeeded', 'failed']) {
      asArray(uncounted[list]).forEach((uid, i) => {
        const p = `status.uncountedTerminatedPods.${list}[${i}]`;
        if (uid === '') errs.push(invalid(p, uid, 'must not be empty'));
        else if (seen.has(uid)) errs.push(duplicate(p, uid));
        else seen.add(uid);
      });
    }
  }
  return errs;
}

function hasCondition(o: KubeObject, type: string): boolean {
  const c = asArray(statusOf(o).conditions)
    .map(asObj)
    .find((x) => x?.type === type);
  return c?.status === 'True';
}

/** The STATUS cell of a Job, as upstream's printer derives it from the conditions. */
export function jobStatusCell(o: KubeObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete';
  if (hasCondition(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(o, 'Suspended')) return 'Suspended';
  if (hasCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completionsCell(o: KubeObject): string {
  const spec = specOf(o);
  const succeeded = count(statusOf(o).succeeded);
  if (typeof spec.completions === 'number') return `${succeeded}/${spec.completions}`;
  const parallelism = count(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(o: KubeObject, now: Date): string {
  const status = statusOf(o);
  const start = typeof status.startTime === 'string' ? Date.parse(status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : NaN;
  return humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
}

function requiresPrefixedLabels(old: KubeObject): boolean {
  const labels = asObj(asObj(specOf(old).template)?.metadata)?.labels;
  return asObj(labels)?.[CONTROLLER_UID_LABEL] !== undefined;
}

export const jobs: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.batch.v1.Job',
  subresources: { status: true },
  generation: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  defaults: defaultJob,
  prepareForCreate: (obj) => generateJobSelector(obj),
  validateCreate: (obj) => validateJob(obj, true),
  validateUpdate: (obj, old) => [
    ...validateJob(obj, requiresPrefixedLabels(old)),
    ...validateJobUpdate(obj, old),
  ],
  validateStatusUpdate: (obj) => validateJobStatus(obj),

  table: [
    nameColumn(),
    column('Status', jobStatusCell, { description: 'Status of the job.' }),
    column('Completions', completionsCell, { description: 'Succeeded pods out of the completions wanted.' }),
    column('Duration', durationCell, { description: 'Time the job has run or took to complete.' }),
    ageColumn(),
    ...templateColumns(templatePodSpec),
    column('Selector', (o) => formatLabelSelectorCell(specOf(o).selector), {
      priority: 1,
      description: 'Label selector for pods.',
    }),
  ],
  selectableFields: (o) => ({ 'status.successful': String(count(statusOf(o).succeeded)) }),
};
