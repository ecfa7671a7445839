import { strict as assert } from 'node:assert';
import { describe, it, test } from 'node:test';
import { findDuplicateFields, hasDuplicateFields, parseYamlStrict } from './index.js';

void test('findDuplicateFields reports paths of repeated keys', () => {
  const cases: Array<[string, string, string[]]> = [
    ['none', '{"a":1,"b":{"a":2}}', []],
    ['root', '{"kind":"Pod","kind":"Pod"}', ['kind']],
    ['nested', '{"metadata":{"name":"a","labels":{},"name":"b"}}', ['metadata.name']],
    ['reported once', '{"a":1,"a":2,"a":3}', ['a']],
    [
      'inside lists',
      '{"spec":{"containers":[{"name":"a"},{"name":"b","image":"x","name":"c"}]}}',
      ['spec.containers[1].name'],
    ],
    ['same key in sibling objects is fine', '[{"a":1},{"a":2}]', []],
    ['strings containing braces and quotes', '{"a":"}{\\"a\\":","b":[1,"]"],"a":0}', ['a']],
    ['escaped key equals plain key', '{"\\u0061":1,"a":2}', ['a']],
    ['whitespace', '{\n  "a" : 1 ,\n  "b" : { "c" : [ 1 , 2 ] , "c" : null } }', ['b.c']],
    ['malformed input does not throw', '{"a":1,"a":', ['a']],
    ['unterminated string', '{"a":"x', []],
  ];
  for (const [name, text, expected] of cases) assert.deepEqual(findDuplicateFields(text), expected, name);
});

void test('parseYamlStrict returns the value and duplicate paths', () => {
  const ok = parseYamlStrict(
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec:\n  containers:\n  - name: x\n    image: y\n    image: z\n',
  );
  assert.equal(ok.ok, true);
  if (!ok.ok) return;
  assert.deepEqual(ok.duplicates, ['metadata.name', 'spec.containers[0].image']);
  assert.deepEqual(ok.value, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'b' },
    spec: { containers: [{ name: 'x', image: 'z' }] },
  });
});

void test('parseYamlStrict handles flow style, empty input, multi-doc and errors', () => {
  const flow = parseYamlStrict(
    '---\n{ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "dev", }, }\n',
  );
  assert.deepEqual(flow, {
    ok: true,
    value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } },
    duplicates: [],
  });
  assert.deepEqual(parseYamlStrict(''), { ok: true, value: null, duplicates: [] });
  const multi = parseYamlStrict('a: 1\n---\nb: 2\n');
  assert.deepEqual(multi, { ok: true, value: { a: 1 }, duplicates: [] });
  const bad = parseYamlStrict('a: [1, 2\nb: 3');
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.ok(bad.error.length > 0);
  const tab = parseYamlStrict('a:\n\t- b');
  assert.equal(tab.ok, false);
});

describe('hasDuplicateFields', () => {
  const cases: Array<[string, boolean]> = [
    ['{"a":1,"b":2}', false],
    ['{"a":1,"a":2}', true],
    ['{"a":{"x":1,"x":1}}', true],
    ['[{"a":1},{"a":1}]', false],
    ['{"s":"a\\":b","t":"\\"x\\":"}', false],
    ['{"s" : "v", "s"\n: "w"}', true],
    ['{"__proto__":1,"b":{"c":[1,{"d":null}]}}', false],
    ['{"k":"has, \\"quoted\\": text","k2":"}{"}', false],
    ['{}', false],
    ['"just a string: here"', false],
  ];
  for (const [text, want] of cases) {
    it(text, () => {
      assert.equal(hasDuplicateFields(text, JSON.parse(text)), want);
      assert.equal(findDuplicateFields(text).length > 0, want);
    });
  }
});
