import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorString } from '../../errors.js';
import {
  deepEqual,
  intOrPercentValue,
  notMoreThan100Percent,
  notSupported,
  selectorMatches,
  validateLabelSelector,
  validatePositiveIntOrPercent,
} from './workload-helpers.js';
import { formatLabelSelectorCell, formatSelectorString } from './workload-table.js';

describe('int-or-percent', () => {
  const values: Array<[unknown, number]> = [
    ['25%', 25],
    [3, 3],
    ['0%', 0],
    ['7', 7],
    ['abc', 0],
  ];
  for (const [v, want] of values) {
    it(`${JSON.stringify(v)} counts as ${want}`, () => assert.equal(intOrPercentValue(v), want));
  }

  const errors: Array<[unknown, string[]]> = [
    ['10%', []],
    [0, []],
    [-1, ['f: Invalid value: -1: must be greater than or equal to 0']],
    [true, ["f: Invalid value: true: must be an integer or percentage (e.g '5%')"]],
  ];
  for (const [v, want] of errors) {
    it(`validates ${JSON.stringify(v)}`, () =>
      assert.deepEqual(validatePositiveIntOrPercent(v, 'f').map(fieldErrorString), want));
  }

  it('rejects percentages above 100', () => {
    assert.deepEqual(notMoreThan100Percent('150%', 'f').map(fieldErrorString), [
      'f: Invalid value: "150%": must not be greater than 100%',
    ]);
    assert.deepEqual(notMoreThan100Percent(150, 'f'), []);
  });
});

describe('selectors', () => {
  const matches: Array<[unknown, Record<string, string>, boolean | undefined]> = [
    [{ matchLabels: { app: 'a' } }, { app: 'a', x: 'y' }, true],
    [{ matchLabels: { app: 'a' } }, { app: 'b' }, false],
    [{}, {}, true],
    [undefined, { app: 'a' }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, { tier: 'web' }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Bogus', values: ['db'] }] }, {}, undefined],
  ];
  for (const [sel, labels, want] of matches) {
    it(`${JSON.stringify(sel)} on ${JSON.stringify(labels)} → ${String(want)}`, () =>
      assert.equal(selectorMatches(sel, labels), want));
  }

  it('validates malformed selectors without throwing', () => {
    assert.deepEqual(
      validateLabelSelector({ matchExpressions: 'nope', matchLabels: { 'bad key!': 'v' } }, 's').length,
      1,
    );
  });

  it('formats selectors as upstream prints them', () => {
    const sel = {
      matchLabels: { b: '2', a: '1' },
      matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }],
    };
    assert.equal(formatSelectorString(sel), 'a=1,b=2,c in (x,y)');
    assert.equal(formatLabelSelectorCell({}), '<none>');
    assert.equal(formatLabelSelectorCell(undefined), '<none>');
    assert.equal(formatLabelSelectorCell({ matchExpressions: [{ key: 'c', operator: 'Bogus' }] }), '<error>');
  });
});

describe('helpers', () => {
  it('compares JSON structurally, ignoring key order and undefined members', () => {
    assert.ok(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined }));
    assert.ok(!deepEqual({ a: 1 }, { a: '1' }));
    assert.ok(!deepEqual([1, 2], [2, 1]));
  });

  it('words NotSupported as upstream', () => {
    assert.equal(
      fieldErrorString(notSupported('p', 'x', ['A', 'B'])),
      'p: Unsupported value: "x": supported values: "A", "B"',
    );
  });
});
