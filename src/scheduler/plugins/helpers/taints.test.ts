import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint, Toleration } from '../../../api/openapi/generated/types.js';
import {
  doNotScheduleTaintsFilter,
  findMatchingUntoleratedTaint,
  tolerationsTolerateTaint,
  tolerationToleratesTaint,
} from './taints.js';

describe('toleration matches taint', () => {
  const taint: Taint = { key: 'foo', value: 'bar', effect: 'NoSchedule' };
  const cases: Array<[string, Toleration, Taint, boolean]> = [
    [
      'same key, value and effect',
      { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' },
      taint,
      true,
    ],
    ['empty operator means Equal', { key: 'foo', value: 'bar', effect: 'NoSchedule' }, taint, true],
    ['different value', { key: 'foo', operator: 'Equal', value: 'baz', effect: 'NoSchedule' }, taint, false],
    ['Exists ignores the value', { key: 'foo', operator: 'Exists', effect: 'NoSchedule' }, taint, true],
    ['different key', { key: 'other', operator: 'Exists' }, taint, false],
    [
      'empty effect matches every effect',
      { key: 'foo', operator: 'Exists' },
      { ...taint, effect: 'NoExecute' },
      true,
    ],
    ['different effect', { key: 'foo', operator: 'Exists', effect: 'PreferNoSchedule' }, taint, false],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, taint, true],
    ['empty key with Equal compares only the value', { operator: 'Equal', value: 'bar' }, taint, true],
    [
      'taint without a value, toleration with one',
      { key: 'foo', value: 'bar' },
      { key: 'foo', effect: 'NoSchedule' },
      false,
    ],
    [
      'taint without a value, Equal toleration without one',
      { key: 'foo', operator: 'Equal' },
      { key: 'foo', effect: 'NoSchedule' },
      true,
    ],
    ['unknown operator', { key: 'foo', operator: 'Gt', value: 'bar' }, taint, false],
  ];
  for (const [name, tol, t, want] of cases) {
    it(name, () => assert.equal(tolerationToleratesTaint(tol, t), want));
  }
  it('any of the tolerations', () => {
    assert.equal(tolerationsTolerateTaint(undefined, taint), false);
    assert.equal(
      tolerationsTolerateTaint(
        [
          { key: 'x', operator: 'Exists' },
          { key: 'foo', operator: 'Exists' },
        ],
        taint,
      ),
      true,
    );
  });
});

describe('findMatchingUntoleratedTaint', () => {
  const taints: Taint[] = [
    { key: 'soft', value: 'x', effect: 'PreferNoSchedule' },
    { key: 'a', value: '1', effect: 'NoSchedule' },
    { key: 'b', value: '2', effect: 'NoExecute' },
  ];
  const cases: Array<[string, Toleration[] | undefined, string | undefined]> = [
    ['first untolerated hard taint', undefined, 'a'],
    ['next one when the first is tolerated', [{ key: 'a', operator: 'Exists' }], 'b'],
    [
      'none when all hard taints are tolerated',
      [
        { key: 'a', value: '1' },
        { key: 'b', value: '2', effect: 'NoExecute' },
      ],
      undefined,
    ],
  ];
  for (const [name, tols, want] of cases) {
    it(name, () =>
      assert.equal(findMatchingUntoleratedTaint(taints, tols, doNotScheduleTaintsFilter)?.key, want),
    );
  }
  it('without a filter every taint counts', () => {
    assert.equal(findMatchingUntoleratedTaint(taints, [])?.key, 'soft');
    assert.equal(findMatchingUntoleratedTaint(undefined, []), undefined);
  });
});
