import assert from 'node:assert/strict';
import test from 'node:test';
import { getDefinition } from '../../api/openapi/index.js';
import { jsonPatch, mergePatch, patchTypeOf, strategicMergePatch } from './index.js';

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

void test('each engine patches a copy, or the original itself with inPlace', () => {
  const engines: Array<[string, (o: Record<string, unknown>, inPlace: boolean) => Record<string, unknown>]> =
    [
      [
        'json',
        (o, inPlace) => jsonPatch(o, [{ op: 'replace', path: '/spec/replicas', value: 3 }], { inPlace }),
      ],
      ['merge', (o, inPlace) => mergePatch(o, { spec: { replicas: 3 } }, { inPlace })],
      [
        'strategic',
        (o, inPlace) =>
          strategicMergePatch(o, { spec: { replicas: 3 } }, 'io.k8s.api.apps.v1.Deployment', getDefinition, {
            inPlace,
          }),
      ],
    ];
  for (const [name, apply] of engines) {
    const original = { metadata: { name: 'd' }, spec: { replicas: 1 } };
    const copied = apply(original, false);
    assert.deepEqual(copied, { metadata: { name: 'd' }, spec: { replicas: 3 } }, name);
    assert.equal(original.spec.replicas, 1, `${name}: the original is left alone`);
    const patched = apply(original, true);
    assert.equal(patched, original, `${name}: the original itself is returned`);
    assert.equal(original.spec.replicas, 3, `${name}: and patched`);
  }
});
