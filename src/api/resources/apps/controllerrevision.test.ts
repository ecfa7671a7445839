import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { controllerrevisions } from './controllerrevision.js';
import { createErrors, created, row, updated } from './strategy-testing.js';

function base(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: 'web-6d4cf56db6',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true },
      ],
    },
    data: { spec: { template: {} } },
    revision: 1,
  };
}

describe('ControllerRevision', () => {
  const cases: Array<[string, (o: KubeObject) => void, string[]]> = [
    ['a valid revision', () => undefined, []],
    ['missing data', (o) => delete o.data, ['data: Required value: data is mandatory']],
    [
      'a negative revision',
      (o) => (o.revision = -1),
      ['revision: Invalid value: -1: must be greater than or equal to 0'],
    ],
  ];
  for (const [name, patch, want] of cases) {
    it(`validates ${name}`, () => {
      const o = base();
      patch(o);
      assert.deepEqual(createErrors(controllerrevisions, o), want);
    });
  }

  it('keeps data immutable', () => {
    const old = created(controllerrevisions, base());
    const next = structuredClone(old);
    next.data = { other: true };
    assert.deepEqual(updated(controllerrevisions, next, old).errors, [
      'data: Invalid value: {"other":true}: field is immutable',
    ]);
  });

  it('prints the controller as kind.group/name', () => {
    assert.deepEqual(row(controllerrevisions, created(controllerrevisions, base())), {
      Name: 'web-6d4cf56db6',
      Controller: 'statefulset.apps/web',
      Revision: 1,
      Age: '60m',
    });
    const orphan = base();
    orphan.metadata.ownerReferences = [];
    assert.equal(row(controllerrevisions, created(controllerrevisions, orphan)).Controller, '<none>');
  });
});
