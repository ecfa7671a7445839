import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyJson } from './json-copy.js';

test('copyJson copies JSON trees deeply, as a JSON round trip does', () => {
  const cases: unknown[] = [
    null,
    0,
    'text',
    true,
    [],
    {},
    [1, [2, [3, { a: [4] }]], null, 'x'],
    { a: { b: { c: [1, { d: 'e' }] } }, f: null, g: false, h: 0, i: '' },
    JSON.parse(
      '{"metadata":{"labels":{"k.io/x":"y"}},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}]}}',
    ),
    { dropped: undefined, nested: { alsoDropped: undefined, kept: 1 } },
    [undefined, 1],
  ];
  for (const c of cases) {
    const copied = copyJson(c);
    assert.deepStrictEqual(copied, JSON.parse(JSON.stringify(c)));
    if (typeof c === 'object' && c !== null) assert.notEqual(copied, c);
  }
});

test('copyJson shares nothing with the original', () => {
  const original = { a: { b: [{ c: 1 }] } };
  const copied = copyJson(original);
  copied.a.b[0]!.c = 2;
  copied.a.b.push({ c: 3 });
  assert.deepEqual(original, { a: { b: [{ c: 1 }] } });
});

test('copyJson keeps a __proto__ key an own property, as JSON.parse makes it', () => {
  const parsed = JSON.parse('{"data":{"__proto__":{"polluted":"yes"},"k":"v"}}') as {
    data: Record<string, unknown>;
  };
  const copied = copyJson(parsed);
  assert.equal(Object.getPrototypeOf(copied.data), Object.prototype);
  assert.deepEqual(Object.keys(copied.data), ['__proto__', 'k']);
  assert.deepEqual(copied.data['__proto__'], { polluted: 'yes' });
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(JSON.stringify(copied), JSON.stringify(parsed));
});
