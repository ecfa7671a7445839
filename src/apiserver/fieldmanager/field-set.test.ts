import assert from 'node:assert/strict';
import test from 'node:test';
import { FieldSet } from './field-set.js';
import { fieldElement, keyElement, pathString, valueElement, type Path } from './path.js';

const f = fieldElement;
const k = (fields: Record<string, unknown>) =>
  keyElement(Object.entries(fields).map(([name, value]) => ({ name, value })));
const v = valueElement;

void test('FieldsV1 encoding', async (t) => {
  const cases: Array<{ name: string; paths: Path[]; fieldsV1: Record<string, unknown> }> = [
    { name: 'a leaf', paths: [[f('spec'), f('replicas')]], fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    {
      name: 'a member that also has children gets "."',
      paths: [
        [f('metadata'), f('labels')],
        [f('metadata'), f('labels'), f('app')],
      ],
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
    },
    {
      name: 'list-map keys are sorted by name, values JSON',
      paths: [
        [f('ports'), k({ protocol: 'TCP', containerPort: 80 })],
        [f('ports'), k({ protocol: 'TCP', containerPort: 80 }), f('name')],
      ],
      fieldsV1: { 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:name': {} } } },
    },
    {
      name: 'set elements by value; elements ordered fields < keys < values',
      paths: [
        [f('metadata'), f('finalizers'), v('b')],
        [f('metadata'), f('finalizers'), v('a')],
        [f('metadata'), f('annotations'), f('x')],
      ],
      fieldsV1: {
        'f:metadata': { 'f:annotations': { 'f:x': {} }, 'f:finalizers': { 'v:"a"': {}, 'v:"b"': {} } },
      },
    },
    {
      name: 'HTML characters are escaped in keys as encoding/json does',
      paths: [[f('l'), v('<a&b>')]],
      fieldsV1: { 'f:l': { 'v:"\\u003ca\\u0026b\\u003e"': {} } },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const set = FieldSet.of(...c.paths);
      assert.deepEqual(set.toFieldsV1(), c.fieldsV1);
      assert.deepEqual(JSON.stringify(set.toFieldsV1()), JSON.stringify(c.fieldsV1), 'key order');
      assert.ok(FieldSet.fromFieldsV1(c.fieldsV1).equals(set), 'round trip');
    });
  }
  await t.test('unknown element types are skipped; a bad key throws', () => {
    assert.ok(FieldSet.fromFieldsV1({ 'x:y': {}, 'f:a': {} }).equals(FieldSet.of([f('a')])));
    assert.throws(() => FieldSet.fromFieldsV1({ fa: {} }), /missing colon/);
  });
});

void test('set algebra', async (t) => {
  const a = FieldSet.of([f('s'), f('a')], [f('s'), f('b')], [f('m')], [f('m'), f('x')]);
  const b = FieldSet.of([f('s'), f('b')], [f('m')], [f('n')]);
  const cases: Array<{ name: string; got: FieldSet; want: Path[] }> = [
    {
      name: 'union',
      got: a.union(b),
      want: [[f('m')], [f('n')], [f('m'), f('x')], [f('s'), f('a')], [f('s'), f('b')]],
    },
    { name: 'intersection', got: a.intersection(b), want: [[f('m')], [f('s'), f('b')]] },
    {
      name: 'difference keeps paths below a removed member',
      got: a.difference(b),
      want: [
        [f('m'), f('x')],
        [f('s'), f('a')],
      ],
    },
    { name: 'recursive difference removes them', got: a.recursiveDifference(b), want: [[f('s'), f('a')]] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(c.got.paths().map(pathString), c.want.map(pathString));
    });
  }
  await t.test('has, withPrefix, isEmpty', () => {
    assert.ok(a.has([f('s'), f('a')]));
    assert.ok(!a.has([f('s')]));
    assert.deepEqual(a.withPrefix(f('s')).paths().map(pathString), ['.a', '.b']);
    assert.ok(a.withPrefix(f('zz')).isEmpty());
    assert.ok(a.difference(a).isEmpty());
  });
});

void test('paths print as upstream prints them in conflicts', () => {
  const cases: Array<[Path, string]> = [
    [[f('spec'), f('replicas')], '.spec.replicas'],
    [[f('spec'), f('containers'), k({ name: 'web' }), f('image')], '.spec.containers[name="web"].image'],
    [
      [f('ports'), k({ protocol: 'TCP', containerPort: 80 })],
      '[containerPort=80,protocol="TCP"]'.replace(/^/, '.ports'),
    ],
    [[f('metadata'), f('finalizers'), v('a')], '.metadata.finalizers[="a"]'],
  ];
  for (const [path, want] of cases) assert.equal(pathString(path), want);
});

void test('FieldsV1 decoding adopts canonical input and normalizes the rest', async (t) => {
  await t.test('a canonical object is used as is, and encodes back to itself', () => {
    const v = { 'f:a': {}, 'f:m': { '.': {}, 'f:x': {} }, 'f:s': { 'k:{"name":"b"}': {}, 'v:"a"': {} } };
    assert.equal(FieldSet.fromFieldsV1(v).toFieldsV1(), v);
  });
  const cases: Array<{ name: string; input: Record<string, unknown>; want: Record<string, unknown> }> = [
    { name: 'unsorted keys', input: { 'f:b': {}, 'f:a': {} }, want: { 'f:a': {}, 'f:b': {} } },
    { name: 'a lone "." is a leaf', input: { 'f:a': { '.': {} } }, want: { 'f:a': {} } },
    {
      name: '"." after the children',
      input: { 'f:a': { 'f:x': {}, '.': {} } },
      want: { 'f:a': { '.': {}, 'f:x': {} } },
    },
    { name: 'key fields out of order', input: { 'k:{"b":1,"a":2}': {} }, want: { 'k:{"a":2,"b":1}': {} } },
    { name: 'a spaced key', input: { 'k:{"name": "a"}': {} }, want: { 'k:{"name":"a"}': {} } },
    {
      name: 'index spellings',
      input: { 'i:+1': {}, 'i:10': {}, 'i:9': {} },
      want: { 'i:1': {}, 'i:9': {}, 'i:10': {} },
    },
    {
      name: 'unknown element types dropped',
      input: { 'x:y': {}, 'f:a': { 'z:q': {} } },
      want: { 'f:a': {} },
    },
    {
      name: 'non-object values read as leaves',
      input: { 'f:a': 1, 'f:b': null, 'f:c': [] },
      want: { 'f:a': {}, 'f:b': {}, 'f:c': {} },
    },
    {
      name: 'kinds ordered fields < keys < values < indices',
      input: { 'i:0': {}, 'v:1': {}, 'k:{"a":1}': {}, 'f:z': {} },
      want: { 'f:z': {}, 'k:{"a":1}': {}, 'v:1': {}, 'i:0': {} },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(JSON.stringify(FieldSet.fromFieldsV1(c.input).toFieldsV1()), JSON.stringify(c.want));
    });
  }
  await t.test('operations never change their operands', () => {
    const a = { 'f:m': { '.': {}, 'f:x': {}, 'f:y': {} }, 'f:s': {} };
    const b = { 'f:m': { 'f:x': {} }, 'f:t': {} };
    const before = JSON.stringify([a, b]);
    const sa = FieldSet.fromFieldsV1(a);
    const sb = FieldSet.fromFieldsV1(b);
    sa.union(sb);
    sa.difference(sb);
    sa.recursiveDifference(sb);
    sa.intersection(sb);
    assert.equal(JSON.stringify([a, b]), before);
    assert.deepEqual(sa.difference(sb).toFieldsV1(), { 'f:m': { '.': {}, 'f:y': {} }, 'f:s': {} });
  });
  await t.test('a subset taken below a member encodes without "."', () => {
    const s = FieldSet.fromFieldsV1({ 'f:m': { '.': {}, 'f:x': {} } });
    assert.deepEqual(s.withPrefix(f('m')).toFieldsV1(), { 'f:x': {} });
  });
});
