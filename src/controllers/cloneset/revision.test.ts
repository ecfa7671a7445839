import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerRevision } from '../../client/resources.js';
import { VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION } from './constants.js';
import {
  applyRevision,
  canonicalJSON,
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  fnv32,
  fnv32a,
  hashRevisionData,
  nameRevision,
  newRevision,
  nextRevisionNumber,
  REVISION_HASH_LABEL,
  revisionData,
  safeEncodeString,
  sortRevisions,
  templateFromRevision,
} from './revision.js';
import { testCloneSet } from './testing.js';

describe('hashing', () => {
  it('FNV-1 and FNV-1a 32-bit match the reference vectors', () => {
    const table: Array<[string, number, number]> = [
      ['', 0x811c9dc5, 0x811c9dc5],
      ['a', 0x050c5d7e, 0xe40c292c],
      ['foobar', 0x31f0b262, 0xbf9cf968],
    ];
    for (const [s, fnv1, fnv1a] of table) {
      assert.equal(fnv32(s), fnv1, s);
      assert.equal(fnv32a(s), fnv1a, s);
    }
  });

  it('safe-encodes digits onto consonants and digits', () => {
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
    assert.match(hashRevisionData('{"spec":{}}', 0), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it('mixes the collision count into the hash', () => {
    const raw = '{"spec":{"template":{}}}';
    assert.notEqual(hashRevisionData(raw, 0), hashRevisionData(raw, 1));
    assert.equal(hashRevisionData(raw, 0), safeEncodeString(String(fnv32('0', fnv32(raw)))));
  });

  it('names revisions <prefix>-<hash> with the prefix cut to 223 characters', () => {
    assert.equal(controllerRevisionName('web', 'abc'), 'web-abc');
    assert.equal(controllerRevisionName('x'.repeat(300), 'h'), `${'x'.repeat(223)}-h`);
  });
});

describe('canonicalJSON', () => {
  it('sorts keys at every level and escapes HTML characters as Go does', () => {
    assert.equal(
      canonicalJSON({ b: 1, a: { d: [2, { z: 1, y: 'x<y&z>' }], c: null } }),
      '{"a":{"c":null,"d":[2,{"y":"x\\u003cy\\u0026z\\u003e","z":1}]},"b":1}',
    );
    assert.equal(canonicalJSON({ a: undefined, b: true }), '{"b":true}');
  });
});

describe('revisions', () => {
  it('records the template to replace, with Go’s unavoidable empty fields', () => {
    const cs = testCloneSet(1, 0, 1, 0);
    assert.deepEqual(revisionData(cs), {
      spec: {
        template: {
          $patch: 'replace',
          metadata: { creationTimestamp: null, labels: { app: 'demo' } },
          spec: { containers: [{ name: 'main', image: 'img:1', resources: {} }] },
        },
      },
    });
  });

  it('creates named revisions with labels, annotations, owner and claim-template hash', () => {
    const cs = testCloneSet(1, 0, 1, 0);
    cs.metadata.annotations = { note: 'x' };
    cs.spec!.volumeClaimTemplates = [
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } },
    ];
    const rev = newRevision(cs, 3, 0);
    const hash = hashRevisionData(canonicalJSON(rev.data), 0);
    assert.equal(rev.metadata.name, `cs-${hash}`);
    assert.equal(rev.revision, 3);
    assert.deepEqual(rev.metadata.labels, { app: 'demo', [REVISION_HASH_LABEL]: hash });
    assert.equal(rev.metadata.annotations?.['note'], 'x');
    assert.match(rev.metadata.annotations?.[VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION] ?? '', /^\d+$/);
    assert.deepEqual(rev.metadata.ownerReferences, [
      {
        apiVersion: 'apps.kruise.io/v1alpha1',
        kind: 'CloneSet',
        name: 'cs',
        uid: 'cs-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(nameRevision(cs, rev, 0), rev.metadata.name);
    assert.notEqual(nameRevision(cs, rev, 1), rev.metadata.name);
    const noClaims = newRevision(testCloneSet(1, 0, 1, 0), 1, 0);
    assert.equal(noClaims.metadata.annotations?.[VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION], '');
  });

  it('restores a template from a revision (upstream TestCreateApplyRevision/TestApplyRevision)', () => {
    const cs = testCloneSet(1, 0, 1, 0);
    const current = newRevision(cs, 1, 0);
    const changed = structuredClone(cs);
    changed.spec!.template.spec!.containers[0]!.env = [{ name: 'foo', value: 'bar' }];
    changed.metadata.annotations = { foo: 'bar' };
    const update = newRevision(changed, 2, 0);
    assert.equal(equalRevision(current, update), false);

    const restored = applyRevision(changed, current);
    assert.deepEqual(revisionData(restored), revisionData(cs));
    const again = newRevision(restored, 3, 0);
    assert.equal(equalRevision(current, again), true);
    assert.equal(again.metadata.annotations?.['foo'], 'bar');
    assert.deepEqual(revisionData(applyRevision(cs, update)), revisionData(changed));
    assert.equal(templateFromRevision(update).metadata?.labels?.['app'], 'demo');
  });

  it('compares data regardless of key order', () => {
    const a = newRevision(testCloneSet(1, 0, 1, 0), 1, 0);
    const b: ControllerRevision = {
      ...a,
      data: JSON.parse(JSON.stringify({ spec: (a.data as { spec: object }).spec })),
    };
    const reordered = {
      spec: { template: Object.fromEntries(Object.entries((a.data as any).spec.template).reverse()) },
    };
    assert.equal(equalRevision(a, b), true);
    assert.equal(equalRevision(a, { ...a, data: reordered }), true);
    assert.equal(equalRevision(a, undefined), false);
    assert.equal(findEqualRevisions([a, newRevision(testCloneSet(2, 0, 1, 0), 2, 0)], b).length, 2);
  });

  it('sorts by revision number, then creation time, then name', () => {
    const rev = (name: string, revision: number, created?: string): ControllerRevision => ({
      metadata: { name, ...(created ? { creationTimestamp: created } : {}) },
      revision,
    });
    const sorted = sortRevisions([
      rev('c', 2, '2024-01-01T00:00:02Z'),
      rev('b', 2, '2024-01-01T00:00:01Z'),
      rev('a', 3),
      rev('d', 1),
      rev('a2', 2, '2024-01-01T00:00:01Z'),
    ]);
    assert.deepEqual(
      sorted.map((r) => r.metadata.name),
      ['d', 'a2', 'b', 'c', 'a'],
    );
    assert.equal(nextRevisionNumber(sorted), 4);
    assert.equal(nextRevisionNumber([]), 1);
  });
});
