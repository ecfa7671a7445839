import assert from 'node:assert/strict';
import test from 'node:test';
import { patchTypeOf } from './index.js';

void test('patch type by Content-Type', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['Application/Merge-Patch+JSON', 'merge'],
    ['application/json', undefined],
    [undefined, undefined],
  ];
  for (const [contentType, want] of cases) assert.equal(patchTypeOf(contentType), want, String(contentType));
});
