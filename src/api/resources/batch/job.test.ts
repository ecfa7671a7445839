import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row, TEST_NOW, TEST_UID, updated } from '../apps/strategy-testing.js';
import { jobs } from './job.js';

function pi(): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi' },
    spec: {
      backoffLimit: 4,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'pi',
              image: 'perl:5.34.0',
              command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'],
            },
          ],
        },
      },
    },
  };
}

function withSpec(patch: (s: Record<string, any>) => void, base = pi()): KubeObject {
  patch(base.spec as Record<string, any>);
  return base;
}

describe('Job create', () => {
  it('defaults as a 1.32 server and generates the selector and labels from the uid', () => {
    const job = created(jobs, pi());
    const spec = job.spec as Record<string, any>;
    assert.equal(spec.completions, 1);
    assert.equal(spec.parallelism, 1);
    assert.equal(spec.backoffLimit, 4);
    assert.equal(spec.completionMode, 'NonIndexed');
    assert.equal(spec.suspend, false);
    assert.equal(spec.manualSelector, false);
    assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': TEST_UID } });
    const labels = {
      'batch.kubernetes.io/controller-uid': TEST_UID,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': TEST_UID,
      'job-name': 'pi',
    };
    assert.deepEqual(spec.template.metadata.labels, labels);
    assert.deepEqual(job.metadata.labels, labels);
    assert.equal(spec.template.spec.dnsPolicy, 'ClusterFirst');
  });

  const defaults: Array<[string, (s: Record<string, any>) => void, Record<string, unknown>]> = [
    ['backoffLimit 6 when unset', (s) => delete s.backoffLimit, { backoffLimit: 6 }],
    [
      'only parallelism when completions is set',
      (s) => (s.completions = 5),
      { completions: 5, parallelism: 1 },
    ],
    [
      'no completions when only parallelism is set',
      (s) => (s.parallelism = 3),
      { completions: undefined, parallelism: 3 },
    ],
    [
      'backoffLimit max int32 with backoffLimitPerIndex',
      (s) => {
        delete s.backoffLimit;
        s.completionMode = 'Indexed';
        s.completions = 3;
        s.backoffLimitPerIndex = 1;
      },
      { backoffLimit: 2147483647 },
    ],
    [
      'podReplacementPolicy Failed with a podFailurePolicy',
      (s) =>
        (s.podFailurePolicy = {
          rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }],
        }),
      { podReplacementPolicy: 'Failed' },
    ],
  ];
  for (const [name, patch, want] of defaults) {
    it(`defaults ${name}`, () => {
      const spec = created(jobs, withSpec(patch)).spec as Record<string, any>;
      for (const [k, v] of Object.entries(want)) assert.deepEqual(spec[k], v, k);
    });
  }

  it('defaults a pod failure condition pattern status to True', () => {
    const spec = created(
      jobs,
      withSpec(
        (s) =>
          (s.podFailurePolicy = {
            rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }],
          }),
      ),
    ).spec as Record<string, any>;
    assert.equal(spec.podFailurePolicy.rules[0].onPodConditions[0].status, 'True');
  });

  const cases: Array<[string, (s: Record<string, any>) => void, string[]]> = [
    ['the pi job', () => undefined, []],
    [
      'a missing restartPolicy (defaulted to Always)',
      (s) => delete s.template.spec.restartPolicy,
      ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ],
    [
      'restartPolicy Always',
      (s) => (s.template.spec.restartPolicy = 'Always'),
      ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ],
    [
      'a negative backoffLimit',
      (s) => (s.backoffLimit = -1),
      ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'Indexed without completions',
      (s) => {
        s.completionMode = 'Indexed';
        s.parallelism = 2;
      },
      ['spec.completions: Required value: when completion mode is Indexed'],
    ],
    [
      'an unknown completionMode',
      (s) => (s.completionMode = 'Sometimes'),
      ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'],
    ],
    [
      'backoffLimitPerIndex without Indexed',
      (s) => (s.backoffLimitPerIndex = 1),
      ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode'],
    ],
    [
      'a podFailurePolicy with OnFailure',
      (s) => {
        s.template.spec.restartPolicy = 'OnFailure';
        s.podFailurePolicy = {
          rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }],
        };
      },
      [
        'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
      ],
    ],
    [
      'a bad pod failure rule',
      (s) =>
        (s.podFailurePolicy = {
          rules: [{ action: 'Retry', onExitCodes: { operator: 'In', values: [3, 0, 3] } }],
        }),
      [
        'spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
        'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: 0: must not be 0 for the In operator',
        'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3',
        'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [3,0,3]: must be ordered',
      ],
    ],
    [
      'a user selector without manualSelector',
      (s) => (s.selector = { matchLabels: { app: 'pi' } }),
      [
        'spec.selector: Invalid value: {"matchLabels":{"app":"pi","batch.kubernetes.io/controller-uid":"7f3b0c52-2e1a-4b7c-9d6e-1a2b3c4d5e6f"}}: `selector` not auto-generated',
        'spec.template.metadata.labels: Invalid value: {"job-name":"pi","batch.kubernetes.io/job-name":"pi","controller-uid":"7f3b0c52-2e1a-4b7c-9d6e-1a2b3c4d5e6f","batch.kubernetes.io/controller-uid":"7f3b0c52-2e1a-4b7c-9d6e-1a2b3c4d5e6f"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'a manual selector that matches the template',
      (s) => {
        s.manualSelector = true;
        s.selector = { matchLabels: { app: 'pi' } };
        s.template.metadata = { labels: { app: 'pi' } };
      },
      [],
    ],
    [
      'an Indexed job whose last pod name is no DNS label',
      (s) => {
        s.completionMode = 'Indexed';
        s.completions = 10;
      },
      [],
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(jobs, withSpec(patch)), want));
  }

  it('rejects an Indexed job whose pod hostnames would be too long', () => {
    const job = withSpec((s) => {
      s.completionMode = 'Indexed';
      s.completions = 10;
    });
    job.metadata.name = 'a'.repeat(62);
    assert.deepEqual(createErrors(jobs, job), [
      `metadata.name: Invalid value: "${'a'.repeat(62)}": will not able to create pod with invalid DNS label: ${'a'.repeat(62)}-9`,
    ]);
  });
});

describe('Job update', () => {
  const stored = (patch?: (s: Record<string, any>) => void): KubeObject => {
    const j = created(jobs, patch ? withSpec(patch) : pi());
    j.metadata.generation = 1;
    j.metadata.resourceVersion = '3';
    return j;
  };

  it('keeps the template immutable', () => {
    const old = stored();
    const next = structuredClone(old);
    (next.spec as any).template.spec.containers[0].image = 'perl:6';
    const errs = updated(jobs, next, old).errors;
    assert.equal(errs.length, 1);
    assert.match(errs[0] ?? '', /^spec\.template: Invalid value: .*: field is immutable$/);
  });

  it('lets a suspended job that never started change its node selector', () => {
    const old = stored((s) => (s.suspend = true));
    const next = structuredClone(old);
    (next.spec as any).template.spec.nodeSelector = { zone: 'a' };
    assert.deepEqual(updated(jobs, next, old).errors, []);
  });

  it('keeps completions immutable for NonIndexed jobs', () => {
    const old = stored();
    const next = structuredClone(old);
    (next.spec as any).completions = 3;
    assert.deepEqual(updated(jobs, next, old).errors, [
      'spec.completions: Invalid value: 3: field is immutable',
    ]);
  });

  it('lets Indexed jobs scale completions together with parallelism', () => {
    const old = stored((s) => {
      s.completionMode = 'Indexed';
      s.completions = 3;
      s.parallelism = 3;
    });
    const ok = structuredClone(old);
    (ok.spec as any).completions = 5;
    (ok.spec as any).parallelism = 5;
    assert.deepEqual(updated(jobs, ok, old).errors, []);
    const bad = structuredClone(old);
    (bad.spec as any).completions = 5;
    assert.deepEqual(updated(jobs, bad, old).errors, [
      'spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism',
    ]);
  });

  it('rejects negative status counters', () => {
    const old = stored();
    const next = structuredClone(old);
    next.status = { active: -1, succeeded: 1 };
    assert.deepEqual(updated(jobs, next, old, 'status').errors, [
      'status.active: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
});

describe('Job table', () => {
  const at = (offsetSeconds: number): string =>
    new Date(TEST_NOW.getTime() + offsetSeconds * 1000).toISOString();
  const cases: Array<[string, (j: KubeObject) => void, Record<string, unknown>]> = [
    ['a new job', () => undefined, { Status: 'Running', Completions: '0/1', Duration: '' }],
    [
      'a running job',
      (j) => (j.status = { startTime: at(-45), active: 1 }),
      { Status: 'Running', Completions: '0/1', Duration: '45s' },
    ],
    [
      'a complete job',
      (j) =>
        (j.status = {
          startTime: at(-600),
          completionTime: at(-400),
          succeeded: 1,
          conditions: [{ type: 'Complete', status: 'True' }],
        }),
      { Status: 'Complete', Completions: '1/1', Duration: '3m20s' },
    ],
    [
      'a failed job',
      (j) => (j.status = { failed: 4, conditions: [{ type: 'Failed', status: 'True' }] }),
      { Status: 'Failed', Completions: '0/1', Duration: '' },
    ],
    [
      'a suspended job',
      (j) => (j.status = { conditions: [{ type: 'Suspended', status: 'True' }] }),
      { Status: 'Suspended' },
    ],
    ['a job being deleted', (j) => (j.metadata.deletionTimestamp = at(0)), { Status: 'Terminating' }],
    [
      'a work queue job',
      (j) => {
        delete (j.spec as any).completions;
        (j.spec as any).parallelism = 3;
        j.status = { succeeded: 2 };
      },
      { Completions: '2/1 of 3' },
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(name, () => {
      const j = created(jobs, pi());
      patch(j);
      const r = row(jobs, j);
      for (const [k, v] of Object.entries(want)) assert.equal(r[k], v, k);
      assert.equal(r.Name, 'pi');
    });
  }

  it('has the wide selector and selects on status.successful', () => {
    const j = created(jobs, pi());
    j.status = { succeeded: 1 };
    assert.equal(row(jobs, j, true).Selector, `batch.kubernetes.io/controller-uid=${TEST_UID}`);
    assert.deepEqual(jobs.selectableFields?.(j), { 'status.successful': '1' });
  });
});

describe('Job create when defaults run before prepareForCreate', () => {
  it('still ends with the generated labels on the job', () => {
    const job = structuredClone(pi());
    job.metadata.uid = TEST_UID;
    job.metadata.namespace = 'default';
    jobs.defaults?.(job);
    jobs.prepareForCreate?.(job, { now: TEST_NOW, subresource: '' });
    assert.equal(job.metadata.labels?.['batch.kubernetes.io/job-name'], 'pi');
    assert.deepEqual(jobs.validateCreate?.(job), []);
  });
});
