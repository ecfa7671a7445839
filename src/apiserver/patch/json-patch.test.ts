import assert from 'node:assert/strict';
import test from 'node:test';
import { StatusError } from '../../api/errors.js';
import { MAX_JSON_PATCH_OPERATIONS, jsonPatch } from './json-patch.js';

type Obj = Record<string, unknown>;

const doc: Obj = {
  metadata: { name: 'web', labels: { app: 'web' }, annotations: { a: '1' } },
  spec: { replicas: 1, list: ['a', 'b', 'c'], template: { spec: { containers: [{ name: 'c' }] } } },
};

function withSpec(spec: Obj): Obj {
  return { ...structuredClone(doc), spec: { ...(structuredClone(doc.spec) as Obj), ...spec } };
}

interface Case {
  name: string;
  patch: unknown;
  want?: Obj;
  /** The library message upstream would have produced (kept as the 422's cause). */
  failure?: string;
}

const cases: Case[] = [
  {
    name: 'replace a scalar',
    patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    want: withSpec({ replicas: 3 }),
  },
  {
    name: 'add to a map and to the end of a list',
    patch: [
      { op: 'add', path: '/spec/paused', value: true },
      { op: 'add', path: '/spec/list/-', value: 'd' },
    ],
    want: withSpec({ paused: true, list: ['a', 'b', 'c', 'd'] }),
  },
  {
    name: 'add inside a list shifts, negative indices count from the end',
    patch: [
      { op: 'add', path: '/spec/list/1', value: 'x' },
      { op: 'remove', path: '/spec/list/-1' },
      { op: 'replace', path: '/spec/list/-3', value: 'A' },
    ],
    want: withSpec({ list: ['A', 'x', 'b'] }),
  },
  {
    name: 'replace of an absent object key adds it',
    patch: [{ op: 'replace', path: '/spec/strategy', value: { type: 'Recreate' } }],
    want: withSpec({ strategy: { type: 'Recreate' } }),
  },
  {
    name: 'escaped path segments',
    patch: [{ op: 'add', path: '/metadata/annotations/example.com~1a~0b', value: 'v' }],
    want: (() => {
      const d = structuredClone(doc);
      (d.metadata as { annotations: Obj }).annotations['example.com/a~b'] = 'v';
      return d;
    })(),
  },
  {
    name: 'move and copy',
    patch: [
      { op: 'copy', from: '/metadata/labels', path: '/spec/selector' },
      { op: 'move', from: '/spec/list/0', path: '/spec/first' },
    ],
    want: withSpec({ selector: { app: 'web' }, first: 'a', list: ['b', 'c'] }),
  },
  {
    name: 'test passes, then the rest applies',
    patch: [
      { op: 'test', path: '/spec/template', value: { spec: { containers: [{ name: 'c' }] } } },
      { op: 'test', path: '/spec/absent', value: null },
      { op: 'remove', path: '/spec/list' },
    ],
    want: (() => {
      const d = structuredClone(doc);
      delete (d.spec as Obj).list;
      return d;
    })(),
  },
  {
    name: 'kubectl rollout undo body',
    patch: [
      { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'old' }] } } },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '1' } },
    ],
    want: {
      metadata: {
        name: 'web',
        labels: { app: 'web' },
        annotations: { 'deployment.kubernetes.io/revision': '1' },
      },
      spec: { replicas: 1, list: ['a', 'b', 'c'], template: { spec: { containers: [{ name: 'old' }] } } },
    },
  },
  { name: 'a null patch changes nothing', patch: null, want: doc },
  {
    name: 'remove of an absent key',
    patch: [{ op: 'remove', path: '/metadata/labels/tier' }],
    failure:
      "error in remove for path: '/metadata/labels/tier': Unable to remove nonexistent key: tier: missing value",
  },
  {
    name: 'add under a missing parent',
    patch: [{ op: 'add', path: '/spec/strategy/type', value: 'Recreate' }],
    failure: 'add operation does not apply: doc is missing path: "/spec/strategy/type": missing value',
  },
  {
    name: 'replace past the end of a list',
    patch: [{ op: 'replace', path: '/spec/list/5', value: 'x' }],
    failure: 'replace operation does not apply: doc is missing key: /spec/list/5: missing value',
  },
  {
    name: 'add at an index that is not a number',
    patch: [{ op: 'add', path: '/spec/list/x', value: 'x' }],
    failure:
      "error in add for path: '/spec/list/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
  },
  {
    name: 'add past the end of a list',
    patch: [{ op: 'add', path: '/spec/list/9', value: 'x' }],
    failure:
      "error in add for path: '/spec/list/9': Unable to access invalid index: 9: invalid index referenced",
  },
  {
    name: 'failed test',
    patch: [{ op: 'test', path: '/spec/replicas', value: 2 }],
    failure: 'testing value /spec/replicas failed: test failed',
  },
  {
    name: 'move from a missing path',
    patch: [{ op: 'move', from: '/spec/nope/x', path: '/spec/y' }],
    failure: 'move operation does not apply: doc is missing from path: /spec/nope/x: missing value',
  },
  { name: 'unknown op', patch: [{ op: 'bogus', path: '/a' }], failure: 'Unexpected kind: bogus' },
  { name: 'operation without op', patch: [{ path: '/a' }], failure: 'Unexpected kind: unknown' },
];

void test('JSON patch', async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      const original = structuredClone(doc);
      if (c.failure !== undefined) {
        assert.throws(
          () => jsonPatch(original, c.patch),
          (e: unknown) => {
            assert.ok(e instanceof StatusError);
            assert.equal(e.code, 422);
            assert.equal(e.reason, 'Invalid');
            assert.equal(e.message, 'the server rejected our request due to an error in our request');
            assert.equal(((e as Error).cause as Error).message, c.failure);
            return true;
          },
        );
      } else {
        assert.deepEqual(jsonPatch(original, c.patch), c.want);
      }
      assert.deepEqual(original, doc, 'the original is not modified');
    });
  }
});

void test('JSON patch request errors', async (t) => {
  const errors: Array<{ name: string; patch: unknown; code: number; message: string }> = [
    {
      name: 'an object instead of a list',
      patch: { op: 'add' },
      code: 400,
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    },
    {
      name: 'a list of strings',
      patch: ['add'],
      code: 400,
      message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation',
    },
    {
      name: 'too many operations',
      patch: Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
        op: 'test',
        path: '/spec/replicas',
        value: 1,
      })),
      code: 413,
      message: `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${MAX_JSON_PATCH_OPERATIONS + 1}`,
    },
  ];
  for (const c of errors) {
    await t.test(c.name, () => {
      assert.throws(
        () => jsonPatch(doc, c.patch),
        (e: unknown) => e instanceof StatusError && e.code === c.code && e.message === c.message,
      );
    });
  }
  await t.test('replacing the document with a list cannot decode', () => {
    assert.throws(
      () => jsonPatch(doc, [{ op: 'replace', path: '', value: [1] }]),
      (e: unknown) =>
        e instanceof StatusError && e.code === 422 && e.message.includes('cannot unmarshal array'),
    );
  });
  await t.test('replacing the document with an object', () => {
    assert.deepEqual(jsonPatch(doc, [{ op: 'replace', path: '', value: { a: 1 } }]), { a: 1 });
  });
});
