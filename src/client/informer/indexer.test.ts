import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { Indexer, NAMESPACE_INDEX, objectKey, splitKey } from './indexer.js';

function pod(ns: string, name: string, node?: string, tags: string[] = []): KubeObject {
  return { metadata: { namespace: ns, name, labels: { tags: tags.join('.') } }, spec: { nodeName: node } };
}

const byNode = (o: KubeObject): string | undefined => (o['spec'] as { nodeName?: string }).nodeName;
const byTag = (o: KubeObject): string[] => (o.metadata.labels?.['tags'] || '').split('.').filter(Boolean);

describe('object keys', () => {
  const cases = [
    { obj: { metadata: { namespace: 'ns', name: 'a' } }, key: 'ns/a', split: { namespace: 'ns', name: 'a' } },
    { obj: { metadata: { name: 'node-1' } }, key: 'node-1', split: { namespace: '', name: 'node-1' } },
  ];
  for (const c of cases) {
    it(c.key, () => {
      assert.equal(objectKey(c.obj), c.key);
      assert.deepEqual(splitKey(c.key), c.split);
    });
  }
});

describe('Indexer', () => {
  type Op = ['set', KubeObject] | ['delete', string];
  const cases: Array<{ name: string; ops: Op[]; index: string; value: string; want: string[] }> = [
    {
      name: 'namespace index is built in',
      ops: [
        ['set', pod('a', 'p1')],
        ['set', pod('b', 'p2')],
        ['set', pod('a', 'p3')],
      ],
      index: NAMESPACE_INDEX,
      value: 'a',
      want: ['a/p1', 'a/p3'],
    },
    {
      name: 'an update moves the object between index values',
      ops: [
        ['set', pod('a', 'p1', 'n1')],
        ['set', pod('a', 'p2', 'n1')],
        ['set', pod('a', 'p1', 'n2')],
      ],
      index: 'byNode',
      value: 'n1',
      want: ['a/p2'],
    },
    {
      name: 'undefined index values index nothing',
      ops: [
        ['set', pod('a', 'p1')],
        ['set', pod('a', 'p2', 'n1')],
      ],
      index: 'byNode',
      value: '',
      want: [],
    },
    {
      name: 'multi-valued indexes',
      ops: [
        ['set', pod('a', 'p1', undefined, ['x', 'y'])],
        ['set', pod('a', 'p2', undefined, ['y'])],
        ['set', pod('a', 'p1', undefined, ['x'])],
      ],
      index: 'byTag',
      value: 'y',
      want: ['a/p2'],
    },
    {
      name: 'delete removes from every index',
      ops: [
        ['set', pod('a', 'p1', 'n1')],
        ['set', pod('a', 'p2', 'n1')],
        ['delete', 'a/p1'],
        ['delete', 'a/missing'],
      ],
      index: 'byNode',
      value: 'n1',
      want: ['a/p2'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const idx = new Indexer<KubeObject>({ byNode });
      idx.addIndexers({ byTag });
      for (const op of c.ops) {
        if (op[0] === 'set') idx.set(objectKey(op[1]), op[1]);
        else idx.delete(op[1]);
      }
      assert.deepEqual(idx.indexKeys(c.index, c.value).sort(), c.want);
      assert.deepEqual(idx.byIndex(c.index, c.value).map(objectKey).sort(), c.want);
    });
  }

  it('indexes existing objects when an index is added later; rejects unknown and duplicate names', () => {
    const idx = new Indexer<KubeObject>();
    idx.set('a/p1', pod('a', 'p1', 'n1'));
    idx.addIndexers({ byNode });
    assert.deepEqual(idx.indexKeys('byNode', 'n1'), ['a/p1']);
    assert.throws(() => idx.addIndexers({ byNode }), /already exists/);
    assert.throws(() => idx.byIndex('nope', 'x'), /does not exist/);
    assert.equal(idx.getByName('a', 'p1')?.metadata.name, 'p1');
    assert.equal(idx.size, 1);
    assert.deepEqual(idx.keys(), ['a/p1']);
  });
});
