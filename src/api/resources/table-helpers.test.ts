import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  containerCells,
  formatLabelSelector,
  formatLabels,
  humanDuration,
  shortHumanDuration,
  translateTimestamp,
} from './table-helpers.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  const cases: Array<[number, string]> = [
    [-2 * S, '<invalid>'],
    [-1 * S, '0s'],
    [0, '0s'],
    [1999, '1s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 1 * S, '2m1s'],
    [3 * M + 2 * S, '3m2s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [179 * M + 59 * S, '179m'],
    [3 * H, '3h'],
    [3 * H + 1 * M, '3h1m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H + 59 * M, '47h'],
    [48 * H, '2d'],
    [49 * H, '2d1h'],
    [8 * D - H, '7d23h'],
    [8 * D, '8d'],
    [2 * 365 * D - H, '729d'],
    [2 * 365 * D, '2y'],
    [2 * 365 * D + D, '2y1d'],
    [8 * 365 * D, '8y'],
    [20 * 365 * D, '20y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('shortHumanDuration', () => {
  const cases: Array<[number, string]> = [
    [-5 * S, '<invalid>'],
    [59 * S, '59s'],
    [61 * S, '1m'],
    [90 * M, '1h'],
    [3 * D, '3d'],
    [400 * D, '1y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => assert.equal(shortHumanDuration(ms), want));
  }
});

describe('translateTimestamp', () => {
  const now = new Date('2025-03-01T12:00:00Z');
  const cases: Array<[unknown, string]> = [
    [undefined, '<unknown>'],
    [null, '<unknown>'],
    ['', '<unknown>'],
    ['not a time', '<unknown>'],
    ['2025-03-01T11:59:55Z', '5s'],
    ['2025-03-01T11:56:58Z', '3m2s'],
    ['2025-03-01T08:00:00Z', '4h'],
    ['2025-02-27T12:00:00Z', '2d'],
  ];
  for (const [ts, want] of cases) {
    it(`${String(ts)} → ${want}`, () => assert.equal(translateTimestamp(ts, now), want));
  }
});

describe('label formatting', () => {
  it('formats label maps sorted, <none> when empty', () => {
    assert.equal(formatLabels({ tier: 'web', app: 'nginx' }), 'app=nginx,tier=web');
    assert.equal(formatLabels({}), '<none>');
    assert.equal(formatLabels(undefined), '<none>');
  });
  const selectors: Array<[unknown, string]> = [
    [undefined, '<none>'],
    [{}, '<none>'],
    [{ matchLabels: { app: 'nginx' } }, 'app=nginx'],
    [
      {
        matchLabels: { tier: 'web' },
        matchExpressions: [{ key: 'app', operator: 'In', values: ['b', 'a'] }],
      },
      'app in (a,b),tier=web',
    ],
    [{ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, '!x'],
    [{ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, '<error>'],
  ];
  for (const [sel, want] of selectors) {
    it(`selector ${JSON.stringify(sel)} → ${want}`, () => assert.equal(formatLabelSelector(sel), want));
  }
  it('lays out container names and images', () => {
    assert.deepEqual(
      containerCells({
        containers: [
          { name: 'a', image: 'nginx' },
          { name: 'b', image: 'redis:7' },
        ],
      }),
      { names: 'a,b', images: 'nginx,redis:7' },
    );
  });
});
