import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorString } from '../../api/errors.js';
import { parsePodLogOptions, podLogQuery, queryFlag } from './log-options.js';

describe('queryFlag', () => {
  const cases: Array<[string, boolean]> = [
    ['', false],
    ['follow', true],
    ['follow=', true],
    ['follow=true', true],
    ['follow=1', true],
    ['follow=yes', true],
    ['follow=0', false],
    ['follow=f', false],
    ['follow=FALSE', false],
  ];
  for (const [q, want] of cases) {
    it(`"${q}" → ${want}`, () => assert.equal(queryFlag(new URLSearchParams(q), 'follow'), want));
  }
});

describe('parsePodLogOptions', () => {
  const cases: Array<{ q: string; errors: string[]; want?: Record<string, unknown> }> = [
    { q: '', errors: [], want: { follow: false, previous: false, timestamps: false } },
    {
      q: 'container=c&follow=true&previous=true&timestamps=true&tailLines=0&limitBytes=1&sinceSeconds=5',
      errors: [],
      want: {
        container: 'c',
        follow: true,
        previous: true,
        timestamps: true,
        tailLines: 0,
        limitBytes: 1,
        sinceSeconds: 5,
      },
    },
    {
      q: 'sinceTime=2024-01-02T03:04:05Z',
      errors: [],
      want: { follow: false, previous: false, timestamps: false, sinceTime: '2024-01-02T03:04:05Z' },
    },
    { q: 'tailLines=-1', errors: ['tailLines: Invalid value: -1: must be greater than or equal to 0'] },
    { q: 'limitBytes=0', errors: ['limitBytes: Invalid value: 0: must be greater than 0'] },
    { q: 'sinceSeconds=0', errors: ['sinceSeconds: Invalid value: 0: must be greater than 0'] },
    {
      q: 'sinceSeconds=5&sinceTime=2024-01-02T03:04:05Z',
      errors: ['Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified'],
    },
    { q: 'tailLines=x', errors: ['tailLines: Invalid value: "x": must be an integer'] },
    { q: 'sinceTime=yesterday', errors: ['sinceTime: Invalid value: "yesterday": must be an RFC 3339 time'] },
  ];
  for (const c of cases) {
    it(c.q || '(empty)', () => {
      const { options, errors } = parsePodLogOptions(new URLSearchParams(c.q));
      assert.deepEqual(errors.map(fieldErrorString), c.errors);
      if (c.want) assert.deepEqual(options, c.want);
    });
  }

  it('round-trips through the agent query', () => {
    const q = 'follow=true&previous=true&timestamps=true&sinceSeconds=7&tailLines=2&limitBytes=10';
    const { options } = parsePodLogOptions(new URLSearchParams(`${q}&container=c`));
    assert.equal(podLogQuery(options).toString(), q);
    assert.equal(podLogQuery(parsePodLogOptions(new URLSearchParams('')).options).toString(), '');
  });
});
