import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyKindOf, negotiateOutput } from './negotiation.js';

describe('negotiateOutput', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'json'],
    ['application/json', 'json'],
    ['application/json, */*', 'json'],
    ['application/vnd.kubernetes.protobuf,application/json', 'json'],
    [
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      'table',
    ],
    ['application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json', 'metadata'],
    ['application/yaml', 'json'],
    ['application/json;as=Unknown;v=v1;g=meta.k8s.io,application/json', 'json'],
  ];
  for (const [accept, want] of cases) {
    it(String(accept), () => assert.equal(negotiateOutput(accept, null).kind, want));
  }
  it('refuses protobuf-only clients with 406', () => {
    assert.throws(
      () => negotiateOutput('application/vnd.kubernetes.protobuf', null),
      (e: unknown) => (e as { code: number }).code === 406,
    );
  });
  it('honours includeObject for tables', () => {
    const f = negotiateOutput('application/json;as=Table;v=v1;g=meta.k8s.io', 'Object');
    assert.deepEqual(f, { kind: 'table', includeObject: 'Object', version: 'v1' });
  });
});

describe('bodyKindOf', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/yaml', 'yaml'],
    ['application/vnd.kubernetes.protobuf', 'protobuf'],
    ['application/strategic-merge-patch+json', 'strategic-merge-patch'],
    ['application/merge-patch+json', 'merge-patch'],
    ['application/json-patch+json', 'json-patch'],
    ['application/apply-patch+yaml', 'apply-patch'],
    ['text/plain', undefined],
    [undefined, undefined],
  ];
  for (const [ct, want] of cases) it(String(ct), () => assert.equal(bodyKindOf(ct), want));
});
