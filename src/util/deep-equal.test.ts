import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepEqual, deepEqualExcept } from './deep-equal.js';

describe('deepEqual', () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ['scalars', 1, 1, true],
    ['string vs number', '1', 1, false],
    ['key order', { a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    ['undefined values are absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['missing key', { a: 1 }, { a: 1, b: 2 }, false],
    ['array order matters', [1, 2], [2, 1], false],
    ['array vs object', [], {}, false],
    ['null vs object', null, {}, false],
    ['nested difference', { a: { b: { c: [1, 2, 3] } } }, { a: { b: { c: [1, 2, 4] } } }, false],
  ];
  for (const [name, a, b, want] of cases) it(name, () => assert.equal(deepEqual(a, b), want));
  it('ignores listed top-level keys', () => {
    assert.ok(deepEqualExcept({ a: 1, rv: '1' }, { a: 1, rv: '2' }, new Set(['rv'])));
    assert.ok(!deepEqualExcept({ a: 1, rv: '1' }, { a: 2, rv: '1' }, new Set(['rv'])));
  });
});
