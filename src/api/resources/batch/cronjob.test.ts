import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row, TEST_NOW, updated } from '../apps/strategy-testing.js';
import { cronjobs } from './cronjob.js';

function hello(): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'hello', image: 'busybox:1.28', command: ['/bin/sh', '-c', 'date'] }],
              restartPolicy: 'OnFailure',
            },
          },
        },
      },
    },
  };
}

function withSpec(patch: (s: Record<string, any>) => void): KubeObject {
  const c = hello();
  patch(c.spec as Record<string, any>);
  return c;
}

describe('CronJob', () => {
  it('defaults as a 1.32 server, leaving the job template spec alone but its pod template defaulted', () => {
    const spec = created(cronjobs, hello()).spec as Record<string, any>;
    assert.equal(spec.concurrencyPolicy, 'Allow');
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
    assert.equal(spec.jobTemplate.spec.completions, undefined);
    assert.equal(spec.jobTemplate.spec.template.spec.schedulerName, 'default-scheduler');
  });

  const cases: Array<[string, (s: Record<string, any>) => void, string[]]> = [
    ['the hello cronjob', () => undefined, []],
    ['@hourly with a time zone', (s) => ((s.schedule = '@hourly'), (s.timeZone = 'Europe/Berlin')), []],
    ['a missing schedule', (s) => delete s.schedule, ['spec.schedule: Required value']],
    [
      'a four-field schedule',
      (s) => (s.schedule = '* * * *'),
      ['spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]'],
    ],
    [
      'an out-of-range minute',
      (s) => (s.schedule = '61 * * * *'),
      ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'],
    ],
    [
      'TZ in the schedule',
      (s) => (s.schedule = 'CRON_TZ=UTC 0 * * * *'),
      [
        'spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ],
    ],
    [
      'an unknown time zone',
      (s) => (s.timeZone = 'Mars/Base'),
      ['spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base'],
    ],
    [
      'an empty time zone',
      (s) => (s.timeZone = ''),
      ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'],
    ],
    [
      'the Local time zone',
      (s) => (s.timeZone = 'Local'),
      [
        'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ],
    ],
    [
      'an unknown concurrencyPolicy',
      (s) => (s.concurrencyPolicy = 'Sometimes'),
      [
        'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      ],
    ],
    [
      'a pod template that restarts Always',
      (s) => (s.jobTemplate.spec.template.spec.restartPolicy = 'Always'),
      [
        'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
      ],
    ],
    [
      'a job template selector',
      (s) => (s.jobTemplate.spec.selector = { matchLabels: { a: 'b' } }),
      [
        'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
      ],
    ],
    [
      'manualSelector true',
      (s) => (s.jobTemplate.spec.manualSelector = true),
      ['spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"'],
    ],
    [
      'a negative history limit',
      (s) => (s.failedJobsHistoryLimit = -1),
      ['spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0'],
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(cronjobs, withSpec(patch)), want));
  }

  it('limits names to 52 characters on create only', () => {
    const c = hello();
    c.metadata.name = 'c'.repeat(53);
    assert.deepEqual(createErrors(cronjobs, c), [
      `metadata.name: Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters`,
    ]);
    const old = created(cronjobs, c);
    const next = structuredClone(old);
    (next.spec as any).suspend = true;
    assert.deepEqual(updated(cronjobs, next, old).errors, []);
  });

  it('keeps accepting TZ in a schedule that already had it', () => {
    const old = created(cronjobs, hello());
    (old.spec as any).schedule = 'TZ=UTC 0 * * * *';
    const next = structuredClone(old);
    (next.spec as any).schedule = 'TZ=UTC 5 * * * *';
    assert.deepEqual(updated(cronjobs, next, old).errors, []);
  });

  it('prints SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE', () => {
    const c = created(cronjobs, hello());
    assert.deepEqual(row(cronjobs, c), {
      Name: 'hello',
      Schedule: '* * * * *',
      Timezone: '<none>',
      Suspend: 'False',
      Active: 0,
      'Last Schedule': '<none>',
      Age: '60m',
    });
    c.status = {
      active: [{ name: 'hello-1' }],
      lastScheduleTime: new Date(TEST_NOW.getTime() - 30_000).toISOString(),
    };
    (c.spec as any).timeZone = 'Etc/UTC';
    const r = row(cronjobs, c, true);
    assert.equal(r.Timezone, 'Etc/UTC');
    assert.equal(r.Active, 1);
    assert.equal(r['Last Schedule'], '30s');
    assert.equal(r.Containers, 'hello');
    assert.equal(r.Images, 'busybox:1.28');
    assert.equal(r.Selector, '<none>');
  });
});
