import * as assert from 'node:assert/strict';
import { it } from 'node:test';
import { isStorageError } from './interface.js';
import { prefixEnd, readRevision } from './internal.js';

void it('prefixEnd bounds exactly the keys under a prefix', () => {
  const cases: Array<[prefix: string, end: string | undefined]> = [
    ['', undefined],
    ['/', '0'],
    ['/registry/pods/', '/registry/pods0'],
    ['/a/b', '/a/c'],
    ['/é/', '/é0'],
    ['/\u{1F600}', '/\u{1F601}'],
  ];
  for (const [prefix, end] of cases) assert.equal(prefixEnd(prefix), end, prefix);
});

void it('readRevision picks the read revision or refuses it', () => {
  const current = 10;
  const compacted = 4;
  const cases: Array<[requested: number | undefined, want: number | 'Compacted' | 'RangeError']> = [
    [undefined, 10],
    [0, 10],
    [10, 10],
    [4, 4],
    [7, 7],
    [3, 'Compacted'],
    [1, 'Compacted'],
    [11, 'RangeError'],
    [5.5, 'RangeError'],
  ];
  for (const [requested, want] of cases) {
    const label = `requested ${requested}`;
    if (typeof want === 'number')
      assert.equal(readRevision('/k', requested, current, compacted), want, label);
    else if (want === 'Compacted') {
      assert.throws(
        () => readRevision('/k', requested, current, compacted),
        (err: unknown) => isStorageError(err, 'Compacted') && err.compactedRevision === compacted,
        label,
      );
    } else assert.throws(() => readRevision('/k', requested, current, compacted), RangeError, label);
  }
});
