import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OwnerReference } from '../../api/object.js';
import {
  alternateOwnerIdentity,
  GraphNode,
  type ObjectReference,
  partitionDependents,
  ReferenceCache,
  referenceLessThan,
  referencesDiffs,
} from './graph.js';

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: `rs-${uid}`,
  uid,
  ...extra,
});

const id = (uid: string, extra: Partial<ObjectReference> = {}): ObjectReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: `rs-${uid}`,
  uid,
  namespace: 'ns',
  ...extra,
});

function dependent(name: string, namespace: string, owners: OwnerReference[]): GraphNode {
  return new GraphNode({
    identity: { apiVersion: 'v1', kind: 'Pod', name, uid: `pod-${name}`, namespace },
    owners,
  });
}

describe('referencesDiffs', () => {
  const cases: Array<{
    name: string;
    old: OwnerReference[];
    next: OwnerReference[];
    added: string[];
    removed: string[];
    changed: string[];
  }> = [
    { name: 'no references', old: [], next: [], added: [], removed: [], changed: [] },
    { name: 'unchanged', old: [ref('a')], next: [ref('a')], added: [], removed: [], changed: [] },
    {
      name: 'one added',
      old: [ref('a')],
      next: [ref('a'), ref('b')],
      added: ['b'],
      removed: [],
      changed: [],
    },
    {
      name: 'one removed',
      old: [ref('a'), ref('b')],
      next: [ref('b')],
      added: [],
      removed: ['a'],
      changed: [],
    },
    {
      name: 'replaced by another uid',
      old: [ref('a')],
      next: [ref('b')],
      added: ['b'],
      removed: ['a'],
      changed: [],
    },
    {
      name: 'blockOwnerDeletion turned off',
      old: [ref('a', { blockOwnerDeletion: true })],
      next: [ref('a', { blockOwnerDeletion: false })],
      added: [],
      removed: [],
      changed: ['a'],
    },
    {
      name: 'an absent flag differs from an explicit false',
      old: [ref('a')],
      next: [ref('a', { controller: false })],
      added: [],
      removed: [],
      changed: ['a'],
    },
    {
      name: 'a renamed owner with the same uid',
      old: [ref('a')],
      next: [ref('a', { name: 'other' })],
      added: [],
      removed: [],
      changed: ['a'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = referencesDiffs(c.old, c.next);
      assert.deepEqual(
        {
          added: d.added.map((r) => r.uid),
          removed: d.removed.map((r) => r.uid),
          changed: d.changed.map((x) => x.newRef.uid),
        },
        { added: c.added, removed: c.removed, changed: c.changed },
      );
    });
  }
});

describe('partitionDependents', () => {
  const owner = id('o');
  const cases: Array<{
    name: string;
    deps: GraphNode[];
    owner: ObjectReference;
    matching: string[];
    nonmatching: string[];
  }> = [
    {
      name: 'same coordinates and namespace match',
      deps: [dependent('a', 'ns', [ref('o')])],
      owner,
      matching: ['a'],
      nonmatching: [],
    },
    {
      name: 'another kind for the uid does not',
      deps: [dependent('a', 'ns', [ref('o', { kind: 'Deployment' })])],
      owner,
      matching: [],
      nonmatching: ['a'],
    },
    {
      name: 'a dependent in another namespace than a namespaced owner does not',
      deps: [dependent('a', 'other', [ref('o')])],
      owner,
      matching: [],
      nonmatching: ['a'],
    },
    {
      name: 'any namespace matches a cluster-scoped owner',
      deps: [dependent('a', 'other', [ref('o')])],
      owner: id('o', { namespace: '' }),
      matching: ['a'],
      nonmatching: [],
    },
    {
      name: 'two references to the uid, one right and one wrong, land in both',
      deps: [dependent('a', 'ns', [ref('o'), ref('o', { apiVersion: 'apps/v1beta1' })])],
      owner,
      matching: ['a'],
      nonmatching: ['a'],
    },
    {
      name: 'references to other uids are ignored',
      deps: [dependent('a', 'ns', [ref('x')])],
      owner,
      matching: [],
      nonmatching: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { matching, nonmatching } = partitionDependents(c.deps, c.owner);
      assert.deepEqual(
        matching.map((d) => d.identity.name),
        c.matching,
      );
      assert.deepEqual(
        nonmatching.map((d) => d.identity.name),
        c.nonmatching,
      );
    });
  }
});

describe('alternateOwnerIdentity', () => {
  const cases: Array<{
    name: string;
    deps: GraphNode[];
    absent: ObjectReference;
    want: ObjectReference | undefined;
  }> = [
    {
      name: 'no other identity',
      deps: [dependent('a', 'ns', [ref('o')])],
      absent: id('o'),
      want: undefined,
    },
    {
      name: 'the other kind a dependent names',
      deps: [dependent('a', 'ns', [ref('o')]), dependent('b', 'ns', [ref('o', { kind: 'StatefulSet' })])],
      absent: id('o'),
      want: id('o', { kind: 'StatefulSet' }),
    },
    {
      name: 'the first identity ordered after the absent one wins over earlier ones',
      deps: [
        dependent('a', 'ns', [ref('o', { kind: 'Aaa' })]),
        dependent('b', 'ns', [ref('o', { kind: 'Zzz' })]),
      ],
      absent: id('o', { kind: 'Mmm' }),
      want: id('o', { kind: 'Zzz' }),
    },
    {
      name: 'wraps around to the first when none follows',
      deps: [
        dependent('a', 'ns', [ref('o', { kind: 'Bbb' })]),
        dependent('b', 'ns', [ref('o', { kind: 'Aaa' })]),
      ],
      absent: id('o', { kind: 'Zzz' }),
      want: id('o', { kind: 'Bbb' }),
    },
    {
      name: 'the same coordinates from another namespace are an alternative for a namespaced owner',
      deps: [dependent('a', 'other', [ref('o')])],
      absent: id('o'),
      want: id('o', { namespace: 'other' }),
    },
    {
      name: 'a kind proved cluster-scoped keeps no namespace',
      deps: [dependent('a', 'ns', [ref('o', { name: 'renamed' })])],
      absent: id('o', { namespace: '' }),
      want: id('o', { namespace: '', name: 'renamed' }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(alternateOwnerIdentity(c.deps, c.absent), c.want);
    });
  }
});

describe('referenceLessThan', () => {
  const cases: Array<[string, ObjectReference, ObjectReference, boolean]> = [
    ['cluster-scoped sorts first', id('a', { namespace: '' }), id('a'), true],
    ['namespaced after cluster-scoped', id('a'), id('a', { namespace: '' }), false],
    ['by namespace', id('a', { namespace: 'a' }), id('a', { namespace: 'b' }), true],
    ['then apiVersion', id('a', { apiVersion: 'a/v1' }), id('a', { apiVersion: 'b/v1' }), true],
    ['then kind', id('a', { kind: 'B' }), id('a', { kind: 'A' }), false],
    ['then name', id('a', { name: 'x' }), id('a', { name: 'y' }), true],
    ['then uid', id('b', { name: 'n' }), id('a', { name: 'n' }), false],
    ['equal is not less', id('a'), id('a'), false],
  ];
  for (const [name, a, b, want] of cases) it(name, () => assert.equal(referenceLessThan(a, b), want));
});

describe('GraphNode', () => {
  it('blockingDependents are the dependents whose reference blocks this owner', () => {
    const owner = new GraphNode({ identity: id('o') });
    const blocking = dependent('blocking', 'ns', [ref('o', { blockOwnerDeletion: true })]);
    const otherOwner = dependent('other-owner', 'ns', [ref('o'), ref('x', { blockOwnerDeletion: true })]);
    const off = dependent('off', 'ns', [ref('o', { blockOwnerDeletion: false })]);
    for (const d of [blocking, otherOwner, off]) owner.dependents.add(d);
    assert.deepEqual(owner.blockingDependents(), [blocking]);
  });

  it('clone copies the dependents set, not the dependents', () => {
    const owner = new GraphNode({ identity: id('o'), virtual: true });
    const d = dependent('a', 'ns', [ref('o')]);
    owner.dependents.add(d);
    const copy = owner.clone();
    copy.dependents.delete(d);
    assert.equal(owner.dependents.size, 1);
    assert.equal(copy.virtual, true);
    assert.deepEqual(copy.identity, owner.identity);
  });
});

describe('ReferenceCache', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const c = new ReferenceCache(2);
    c.add(id('a'));
    c.add(id('b'));
    assert.ok(c.has(id('a')));
    c.add(id('c'));
    assert.deepEqual([c.has(id('a')), c.has(id('b')), c.has(id('c'))], [true, false, true]);
    assert.equal(c.size, 2);
    assert.equal(c.has(id('a', { namespace: 'other' })), false);
  });
});
