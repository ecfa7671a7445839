/** @module batch/v1 CronJob: defaults, schedule and time zone validation, strategy and table as upstream 1.32. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { defaultPodTemplateSpec } from '../core/pod-spec.js';
import { ageColumn, column, nameColumn, translateTimestamp } from '../table-helpers.js';
import {
  asArray,
  asObj,
  asString,
  ensureObj,
  invalid,
  nonNegative,
  notSupported,
  required,
  setDefault,
  specOf,
  statusOf,
} from '../apps/workload-helpers.js';
import type { Obj } from '../apps/workload-helpers.js';
import { formatLabelSelectorCell, templateColumns } from '../apps/workload-table.js';
import { CronParseError, isKnownTimeZone, parseCronSchedule } from './cron.js';
import { validateJobSpecCommon } from './job.js';

/** The cronjob controller appends an 11-character suffix to job names, which may have 63. */
const MAX_CRONJOB_NAME_LENGTH = 52;

const TZ_SEGMENT = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** SetDefaults_CronJob plus the pod template defaults inside jobTemplate. */
export function defaultCronJob(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  if (
    spec.concurrencyPolicy === undefined ||
    spec.concurrencyPolicy === null ||
    spec.concurrencyPolicy === ''
  ) {
    spec.concurrencyPolicy = 'Allow';
  }
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = ensureObj(ensureObj(spec, 'jobTemplate'), 'spec');
  defaultPodTemplateSpec(ensureObj(jobSpec, 'template'));
}

/** Upstream's validateScheduleFormat. */
export function validateSchedule(
  schedule: string,
  allowTZ: boolean,
  timeZone: unknown,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  try {
    parseCronSchedule(schedule);
  } catch (err) {
    if (!(err instanceof CronParseError)) throw err;
    errs.push(invalid(path, schedule, err.message));
  }
  const hasTZ = schedule.includes('TZ');
  if (allowTZ && hasTZ && timeZone !== undefined && timeZone !== null) {
    errs.push(invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && hasTZ) {
    errs.push(invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

/** Upstream's validateTimeZone. */
export function validateTimeZone(tz: unknown, path: string): FieldError[] {
  if (tz === undefined || tz === null) return [];
  if (typeof tz !== 'string' || tz === '')
    return [invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_SEGMENT.test(part)) {
      return [invalid(path, tz, `unknown time zone ${tz}`)];
    }
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') {
    errs.push(
      invalid(
        path,
        tz,
        'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ),
    );
  }
  if (tz !== 'Local' && !isKnownTimeZone(tz)) errs.push(invalid(path, tz, `unknown time zone ${tz}`));
  return errs;
}

function validateJobTemplate(jobTemplate: Obj, path: string): FieldError[] {
  const spec = asObj(jobTemplate.spec) ?? {};
  const errs = validateJobSpecCommon(spec, `${path}.spec`);
  if (spec.selector !== undefined && spec.selector !== null) {
    errs.push(invalid(`${path}.spec.selector`, spec.selector, '`selector` will be auto-generated'));
  }
  if (spec.manualSelector === true) {
    errs.push(notSupported(`${path}.spec.manualSelector`, true, ['nil', 'false']));
  }
  return errs;
}

/** Upstream's validateCronJobSpec; `old` is the previous spec on update. */
export function validateCronJobSpec(spec: Obj, old: Obj | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = spec.schedule;
  if (typeof schedule !== 'string' || schedule === '') errs.push(required('spec.schedule'));
  else {
    const allowTZ = typeof old?.schedule === 'string' && old.schedule.includes('TZ');
    errs.push(...validateSchedule(schedule, allowTZ, spec.timeZone, 'spec.schedule'));
  }
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!old || old.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  const cp = spec.concurrencyPolicy;
  if (cp === undefined || cp === null || cp === '') errs.push(required('spec.concurrencyPolicy'));
  else if (cp !== 'Allow' && cp !== 'Forbid' && cp !== 'Replace') {
    errs.push(notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  }
  errs.push(...validateJobTemplate(asObj(spec.jobTemplate) ?? {}, 'spec.jobTemplate'));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

function suspendCell(o: KubeObject): string {
  const s = specOf(o).suspend;
  if (typeof s !== 'boolean') return '<unset>';
  return s ? 'True' : 'False';
}

export const cronjobs: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  shortNames: ['cj'],
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.batch.v1.CronJob',
  subresources: { status: true },
  generation: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  defaults: defaultCronJob,
  validateCreate(obj) {
    const errs = validateCronJobSpec(specOf(obj), undefined);
    const name = obj.metadata.name ?? '';
    if (name.length > MAX_CRONJOB_NAME_LENGTH) {
      errs.push(invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
    }
    return errs;
  },
  validateUpdate: (obj, old) => validateCronJobSpec(specOf(obj), specOf(old)),
  validateStatusUpdate: () => [],

  table: [
    nameColumn(),
    column('Schedule', (o) => asString(specOf(o).schedule) ?? '', { description: 'The cron schedule.' }),
    column(
      'Timezone',
      (o) => (typeof specOf(o).timeZone === 'string' ? (specOf(o).timeZone as string) : '<none>'),
      {
        description: 'The time zone of the schedule.',
      },
    ),
    column('Suspend', suspendCell, { type: 'boolean', description: 'Whether new runs are suspended.' }),
    column('Active', (o) => asArray(statusOf(o).active).length, {
      type: 'integer',
      description: 'Running jobs.',
    }),
    column(
      'Last Schedule',
      (o, now) => {
        const t = statusOf(o).lastScheduleTime;
        return typeof t === 'string' && t !== '' ? translateTimestamp(t, now) : '<none>';
      },
      { description: 'When a job was last scheduled.' },
    ),
    ageColumn(),
    ...templateColumns((o) => asObj(asObj(asObj(asObj(specOf(o).jobTemplate)?.spec)?.template)?.spec)),
    column('Selector', (o) => formatLabelSelectorCell(asObj(asObj(specOf(o).jobTemplate)?.spec)?.selector), {
      priority: 1,
      description: 'Label selector for pods.',
    }),
  ],
};
