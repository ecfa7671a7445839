import assert from 'node:assert/strict';
import test from 'node:test';
import { getDefinition } from '../../api/openapi/index.js';
import { StatusError } from '../../api/errors.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { WIDGET, fixtureLookup } from './testing/fixtures.js';

type Obj = Record<string, unknown>;

interface Case {
  name: string;
  original: Obj;
  patch: unknown;
  want?: Obj;
  /** Expected error: HTTP code and exact message (or, for the generic 422, the underlying cause). */
  error?: { code: number; message: string };
}

const p = (name: string, extra: Obj = {}): Obj => ({ name, ...extra });

const cases: Case[] = [
  {
    name: 'scalars are replaced and added',
    original: { name: 'a', value: '1' },
    patch: { value: '2', other: 'x' },
    want: { name: 'a', value: '2', other: 'x' },
  },
  {
    name: 'null deletes a field; null for an absent field is ignored',
    original: { value: '1', other: 'x' },
    patch: { other: null, name: null },
    want: { value: '1' },
  },
  {
    name: 'maps merge recursively and nulls inside new values are dropped',
    original: { labels: { a: '1', b: '2' } },
    patch: {
      labels: { b: null, c: '3' },
      spec: { replicas: 2, template: { image: null, labels: { x: 'y' } } },
    },
    want: { labels: { a: '1', c: '3' }, spec: { replicas: 2, template: { labels: { x: 'y' } } } },
  },
  {
    name: 'a value of a different type replaces',
    original: { labels: { a: '1' }, value: 'v' },
    patch: { labels: 'oops', value: { x: 1 } },
    want: { labels: 'oops', value: { x: 1 } },
  },
  {
    name: 'merge list: elements merge by key, new ones follow the patch order',
    original: { parts: [p('a', { value: '1' }), p('b')] },
    patch: { parts: [p('b', { value: '2' }), p('c')] },
    want: { parts: [p('a', { value: '1' }), p('b', { value: '2' }), p('c')] },
  },
  {
    name: 'merge list: patch order wins over live order',
    original: { parts: [p('x'), p('y', { value: 'b' }), p('z')] },
    patch: { parts: [p('z', { value: 'c' }), p('x', { value: 'a' })] },
    want: { parts: [p('y', { value: 'b' }), p('z', { value: 'c' }), p('x', { value: 'a' })] },
  },
  {
    name: 'merge list nested in a merge list (a new element goes before unrelated live ones)',
    original: { parts: [p('a', { parts: [p('a1', { value: '1' })], plainNumbers: [1, 2] })] },
    patch: { parts: [p('a', { parts: [p('a2')], plainNumbers: [3] })] },
    want: { parts: [p('a', { parts: [p('a2'), p('a1', { value: '1' })], plainNumbers: [3] })] },
  },
  {
    name: 'a list without merge strategy is replaced',
    original: { plainParts: [p('a'), p('b')], plainNumbers: [1, 2] },
    patch: { plainParts: [p('c')], plainNumbers: [3] },
    want: { plainParts: [p('c')], plainNumbers: [3] },
  },
  {
    name: 'fields outside the schema merge as plain JSON',
    original: { unknown: { a: 1, list: [1, 2] } },
    patch: { unknown: { b: 2, list: [3] } },
    want: { unknown: { a: 1, b: 2, list: [3] } },
  },
  {
    name: 'primitive merge list is a set union',
    original: { numbers: [1, 2], tags: ['a'] },
    patch: { numbers: [2, 3], tags: ['b', 'a'] },
    want: { numbers: [1, 2, 3], tags: ['b', 'a'] },
  },
  {
    name: 'primitive merge list keeps patch order, live-only items before later patch items',
    original: { numbers: [1, 2, 3] },
    patch: { numbers: [3, 1] },
    want: { numbers: [2, 3, 1] },
  },
  {
    name: '$deleteFromPrimitiveList removes values, missing ones are ignored',
    original: { tags: ['a', 'b', 'c'], plainNumbers: [1, 2, 3] },
    patch: { '$deleteFromPrimitiveList/tags': ['b', 'z'], '$deleteFromPrimitiveList/plainNumbers': [2] },
    want: { tags: ['a', 'c'], plainNumbers: [1, 3] },
  },
  {
    name: '$deleteFromPrimitiveList does not create a missing list',
    original: { name: 'a' },
    patch: { '$deleteFromPrimitiveList/tags': ['b'] },
    want: { name: 'a' },
  },
  {
    name: '$patch: delete removes every element with the key',
    original: { parts: [p('a'), p('b', { value: 'x' }), p('a', { value: 'dup' })] },
    patch: { parts: [{ name: 'a', $patch: 'delete' }] },
    want: { parts: [p('b', { value: 'x' })] },
  },
  {
    name: '$patch: replace in a list replaces it with the other elements',
    original: { parts: [p('a'), p('b')] },
    patch: { parts: [p('c', { value: null }), { $patch: 'replace' }] },
    want: { parts: [p('c')] },
  },
  {
    name: '$patch: replace on a map replaces it',
    original: { labels: { a: '1', b: '2' } },
    patch: { labels: { c: '3', $patch: 'replace' } },
    want: { labels: { c: '3' } },
  },
  {
    name: '$patch: delete on a map leaves it empty',
    original: { labels: { a: '1' }, name: 'n' },
    patch: { labels: { $patch: 'delete' } },
    want: { labels: {}, name: 'n' },
  },
  {
    name: '$patch: replace at the root replaces the document',
    original: { name: 'a', value: 'b' },
    patch: { $patch: 'replace', other: 'c' },
    want: { other: 'c' },
  },
  {
    name: 'a new value carrying a $patch directive is not added',
    original: {},
    patch: { labels: { $patch: 'replace', a: '1' }, parts: [p('a'), { name: 'b', $patch: 'delete' }] },
    want: { parts: [p('a')] },
  },
  {
    name: 'patch strategy replace on a map replaces it',
    original: { replaced: { a: '1' } },
    patch: { replaced: { b: '2' } },
    want: { replaced: { b: '2' } },
  },
  {
    name: '$setElementOrder orders merged elements',
    original: { parts: [p('a'), p('b', { value: 'b' })] },
    patch: {
      '$setElementOrder/parts': [p('d'), p('a'), p('b'), p('c')],
      parts: [p('d', { value: 'd' }), p('c', { value: 'c' })],
    },
    want: { parts: [p('d', { value: 'd' }), p('a'), p('b', { value: 'b' }), p('c', { value: 'c' })] },
  },
  {
    name: '$setElementOrder without the list only reorders; server-only items keep their place',
    original: { parts: [p('a', { other: 'x' }), p('b'), p('g'), p('e'), p('h'), p('c'), p('d')] },
    patch: { '$setElementOrder/parts': [p('b'), p('a'), p('d'), p('c')] },
    want: { parts: [p('b'), p('a', { other: 'x' }), p('g'), p('e'), p('h'), p('d'), p('c')] },
  },
  {
    name: '$setElementOrder on a primitive list with a server-only value',
    original: { numbers: [1, 2, 9, 3, 4] },
    patch: { '$setElementOrder/numbers': [2, 1, 4, 3] },
    want: { numbers: [2, 1, 9, 4, 3] },
  },
  {
    name: '$setElementOrder with an addition and a deletion keeps server-only items before the addition',
    original: { parts: [p('a'), p('b', { other: 'b' }), p('d', { other: 'd' })] },
    patch: { '$setElementOrder/parts': [p('b'), p('c')], parts: [p('c'), { name: 'a', $patch: 'delete' }] },
    want: { parts: [p('b', { other: 'b' }), p('d', { other: 'd' }), p('c')] },
  },
  {
    name: '$setElementOrder naming an element that is in neither list is ignored',
    original: { parts: [p('a'), p('c')] },
    patch: {
      '$setElementOrder/parts': [p('c'), p('b'), p('a')],
      parts: [p('c', { value: 'c' }), p('a', { value: 'a' })],
    },
    want: { parts: [p('c', { value: 'c' }), p('a', { value: 'a' })] },
  },
  {
    name: '$setElementOrder with $deleteFromPrimitiveList',
    original: { numbers: [1, 2, 3, 4] },
    patch: { '$setElementOrder/numbers': [1, 2, 5], '$deleteFromPrimitiveList/numbers': [3], numbers: [5] },
    want: { numbers: [1, 2, 5, 4] },
  },
  {
    name: '$retainKeys clears fields it does not list (union with retainKeys strategy)',
    original: { union: { name: 'foo', other: 'a' } },
    patch: { union: { $retainKeys: ['name', 'value'], value: 'bar' } },
    want: { union: { name: 'foo', value: 'bar' } },
  },
  {
    name: '$retainKeys inside merge-list elements',
    original: { unionParts: [p('bar'), p('foo', { other: 'x' })] },
    patch: {
      '$setElementOrder/unionParts': [p('bar'), p('foo')],
      unionParts: [{ $retainKeys: ['name', 'value'], name: 'foo', value: 'a' }],
    },
    want: { unionParts: [p('bar'), p('foo', { value: 'a' })] },
  },
  {
    name: '$retainKeys with a nested primitive list deletion',
    original: { union: { name: 'foo', numbers: [1, 2, 3, 4], other: 'x' } },
    patch: {
      union: {
        $retainKeys: ['numbers', 'name'],
        '$deleteFromPrimitiveList/numbers': [2],
        '$setElementOrder/numbers': [1, 3],
      },
    },
    want: { union: { name: 'foo', numbers: [1, 3, 4] } },
  },
  {
    name: 'an atomic map-type struct still merges under strategic merge',
    original: { selector: { matchLabels: { a: '1' } } },
    patch: { selector: { matchLabels: { b: '2' } } },
    want: { selector: { matchLabels: { a: '1', b: '2' } } },
  },
  {
    name: 'merge list element without its merge key',
    original: { parts: [p('a', { value: 'a' })] },
    patch: { parts: [{ value: 'b' }] },
    error: { code: 400, message: 'map: map[value:b] does not contain declared merge key: name' },
  },
  {
    name: 'unknown $patch directive on a map',
    original: { labels: { a: '1' } },
    patch: { labels: { $patch: 'merge', b: '2' } },
    error: { code: 400, message: 'unknown patch type: merge in map: map[$patch:merge b:2]' },
  },
  {
    name: '$patch: merge inside a list',
    original: { parts: [p('a')] },
    patch: { parts: [{ $patch: 'merge' }] },
    error: { code: 400, message: 'merging lists cannot yet be specified in the patch' },
  },
  {
    name: '$setElementOrder that contradicts the patch list',
    original: { parts: [p('a'), p('c'), p('b')] },
    patch: { '$setElementOrder/parts': [p('a'), p('b'), p('c')], parts: [p('c'), p('a')] },
    error: {
      code: 400,
      message:
        "The order in patch list:\n[map[name:c] map[name:a]]\n doesn't match $setElementOrder list:\n[map[name:a] map[name:b] map[name:c]]\n",
    },
  },
  {
    name: '$setElementOrder that is not a list',
    original: { parts: [] },
    patch: { '$setElementOrder/parts': 'a' },
    error: { code: 400, message: 'expected a []interface {}, but received a string' },
  },
  {
    name: 'malformed $deleteFromPrimitiveList key',
    original: { tags: ['a'] },
    patch: { $deleteFromPrimitiveList: ['a'] },
    error: { code: 400, message: 'invalid patch format of primitive list' },
  },
  {
    name: '$retainKeys that omits a patched field',
    original: { union: { name: 'a' } },
    patch: { union: { $retainKeys: ['name'], value: 'b' } },
    error: { code: 400, message: 'invalid patch format of retainKeys' },
  },
  {
    name: 'lists of lists are rejected with the generic 422',
    original: { numbers: [[1]] },
    patch: { numbers: [[2]] },
    error: { code: 422, message: 'lists of lists are not supported' },
  },
  {
    name: 'a patch that is not an object',
    original: {},
    patch: [1],
    error: {
      code: 400,
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
  },
];

void test('strategic merge patch', async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      const original = structuredClone(c.original);
      if (c.error) {
        assert.throws(
          () => strategicMergePatch(original, c.patch, WIDGET, fixtureLookup),
          (e: unknown) => {
            assert.ok(e instanceof StatusError);
            assert.equal(e.code, c.error!.code);
            const message = e.code === 422 ? ((e as Error).cause as Error).message : e.message;
            assert.equal(message, c.error!.message);
            return true;
          },
        );
        return;
      }
      assert.deepEqual(strategicMergePatch(original, c.patch, WIDGET, fixtureLookup), c.want);
      assert.deepEqual(original, c.original, 'the original is not modified');
    });
  }
});

void test('422 for a list of lists carries the upstream Status shape', () => {
  try {
    strategicMergePatch({ numbers: [[1]] }, { numbers: [[2]] }, WIDGET, fixtureLookup);
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.deepEqual(e.status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  }
});

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

function deployment(containers: Obj[], annotations: Record<string, string> = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', annotations, finalizers: ['a', 'b'] },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
    },
  };
}

void test('strategic merge patch against the real Deployment and Pod schemas', async (t) => {
  const cases: Array<{ name: string; original: Obj; patch: Obj; want: Obj }> = [
    {
      name: 'kubectl apply body (image change with $setElementOrder)',
      original: deployment([{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }], {
        'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}',
      }),
      patch: {
        metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' } },
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'web' }],
              containers: [{ image: 'nginx:1.26', name: 'web' }],
            },
          },
        },
      },
      want: deployment([{ name: 'web', image: 'nginx:1.26', ports: [{ containerPort: 80 }] }], {
        'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}',
      }),
    },
    {
      name: 'kubectl set image keeps the sidecar and the container order',
      original: deployment([
        { name: 'web', image: 'nginx:1.25' },
        { name: 'log', image: 'busybox' },
      ]),
      patch: {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }],
              containers: [{ image: 'nginx:1.27', name: 'web' }],
            },
          },
        },
      },
      want: deployment([
        { name: 'web', image: 'nginx:1.27' },
        { name: 'log', image: 'busybox' },
      ]),
    },
    {
      name: 'kubectl rollout restart adds a template annotation',
      original: deployment([{ name: 'web', image: 'nginx' }]),
      patch: {
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } },
          },
        },
      },
      want: (() => {
        const d = deployment([{ name: 'web', image: 'nginx' }]);
        ((d.spec as Obj).template as { metadata: Obj }).metadata.annotations = {
          'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z',
        };
        return d;
      })(),
    },
    {
      name: 'finalizers merge as a set; matchLabels map merges; env merges by name',
      original: deployment([{ name: 'web', image: 'nginx', env: [{ name: 'A', value: '1' }] }]),
      patch: {
        metadata: { finalizers: ['c', 'a'] },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'web',
                  env: [
                    { name: 'B', value: '2' },
                    { name: 'A', value: '3' },
                  ],
                },
              ],
            },
          },
        },
      },
      want: (() => {
        const d = deployment([
          {
            name: 'web',
            image: 'nginx',
            env: [
              { name: 'B', value: '2' },
              { name: 'A', value: '3' },
            ],
          },
        ]);
        (d.metadata as Obj).finalizers = ['c', 'a', 'b'];
        return d;
      })(),
    },
    {
      name: 'retainKeys on the deployment strategy drops the other union member',
      original: {
        ...deployment([]),
        spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
      },
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
      want: { ...deployment([]), spec: { strategy: { type: 'Recreate' } } },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(strategicMergePatch(c.original, c.patch, DEPLOYMENT, getDefinition), c.want);
    });
  }

  await t.test('pod tolerations (atomic list) are replaced; service ports merge by port', () => {
    const pod = { spec: { tolerations: [{ key: 'a' }], containers: [{ name: 'c', image: 'x' }] } };
    assert.deepEqual(
      strategicMergePatch(
        pod,
        { spec: { tolerations: [{ key: 'b' }] } },
        'io.k8s.api.core.v1.Pod',
        getDefinition,
      ),
      { spec: { tolerations: [{ key: 'b' }], containers: [{ name: 'c', image: 'x' }] } },
    );
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }] } };
    assert.deepEqual(
      strategicMergePatch(
        svc,
        { spec: { ports: [{ port: 443 }] } },
        'io.k8s.api.core.v1.Service',
        getDefinition,
      ),
      { spec: { ports: [{ port: 443 }, { port: 80, targetPort: 8080 }] } },
    );
  });
});
