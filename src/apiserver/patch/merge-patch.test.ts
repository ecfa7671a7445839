import assert from 'node:assert/strict';
import test from 'node:test';
import { StatusError } from '../../api/errors.js';
import { mergePatch } from './merge-patch.js';

type Obj = Record<string, unknown>;

const cases: Array<{ name: string; original: Obj; patch: unknown; want: Obj }> = [
  {
    name: 'kubectl scale body',
    original: { spec: { replicas: 1, selector: { app: 'a' } } },
    patch: { spec: { replicas: 3 } },
    want: { spec: { replicas: 3, selector: { app: 'a' } } },
  },
  {
    name: 'kubectl label body adds to existing labels',
    original: { metadata: { name: 'p', labels: { x: 'y' } } },
    patch: { metadata: { labels: { a: 'b' } } },
    want: { metadata: { name: 'p', labels: { x: 'y', a: 'b' } } },
  },
  {
    name: 'null deletes, absent keys stay',
    original: { a: 1, b: { c: 2, d: 3 } },
    patch: { a: null, b: { c: null }, z: null },
    want: { b: { d: 3 } },
  },
  {
    name: 'lists are replaced, never merged',
    original: { list: [{ name: 'a', v: 1 }, { name: 'b' }] },
    patch: { list: [{ name: 'a', v: 2 }] },
    want: { list: [{ name: 'a', v: 2 }] },
  },
  {
    name: 'new values lose their null members, list elements keep nulls',
    original: { a: null },
    patch: { a: { b: null, c: { d: null, e: 1 } }, l: [null, { x: null, y: 1 }] },
    want: { a: { c: { e: 1 } }, l: [null, { y: 1 }] },
  },
  {
    name: 'an object replaces a scalar and a scalar replaces an object',
    original: { a: 'x', b: { c: 1 } },
    patch: { a: { k: 'v' }, b: 5 },
    want: { a: { k: 'v' }, b: 5 },
  },
  { name: 'an empty patch is a no-op', original: { a: 1 }, patch: {}, want: { a: 1 } },
];

void test('JSON merge patch', async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      const original = structuredClone(c.original);
      assert.deepEqual(mergePatch(original, c.patch), c.want);
      assert.deepEqual(original, c.original, 'the original is not modified');
    });
  }
});

void test('JSON merge patch errors', async (t) => {
  const errors: Array<{ name: string; patch: unknown; code: number; message: string }> = [
    { name: 'null patch', patch: null, code: 400, message: 'Invalid JSON Patch' },
    { name: 'scalar patch', patch: 5, code: 400, message: 'Invalid JSON Patch' },
    {
      name: 'list patch replaces the document, which then does not decode',
      patch: [1],
      code: 422,
      message:
        ' "" is invalid: patch: Invalid value: "[1]": couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }',
    },
  ];
  for (const c of errors) {
    await t.test(c.name, () => {
      assert.throws(
        () => mergePatch({ a: 1 }, c.patch),
        (e: unknown) => {
          assert.ok(e instanceof StatusError);
          assert.equal(e.code, c.code);
          assert.equal(e.message, c.message);
          return true;
        },
      );
    });
  }
});
