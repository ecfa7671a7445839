import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { ResourceDef } from '../resource.js';
import {
  openapiV3Document,
  openapiV3DocumentJson,
  openapiV3PathOf,
  openapiV3Root,
  refName,
} from './index.js';

const base = { verbs: undefined } as const;
const RESOURCES: ResourceDef[] = [
  {
    ...base,
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.Pod',
    subresources: { status: true, others: ['binding', 'eviction', 'log', 'exec'] },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    schema: 'io.k8s.api.core.v1.Namespace',
    subresources: { status: true, others: ['finalize'] },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Binding',
    plural: 'bindings',
    singular: 'binding',
    namespaced: true,
    verbs: ['create'],
    schema: 'io.k8s.api.core.v1.Binding',
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    schema: 'io.k8s.api.apps.v1.Deployment',
    subresources: {
      status: true,
      scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' },
    },
  },
  {
    group: 'apps.kruise.io',
    version: 'v1alpha1',
    kind: 'CloneSet',
    plural: 'clonesets',
    singular: 'cloneset',
    namespaced: true,
    schema: 'io.kruise.apps.v1alpha1.CloneSet',
    subresources: {
      status: true,
      scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' },
    },
  },
];

type Json = Record<string, any>;

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref') out.push(String(v));
      else refsIn(v, out);
    }
  return out;
}

void test('openapiV3PathOf', () => {
  assert.equal(openapiV3PathOf('v1'), 'api/v1');
  assert.equal(openapiV3PathOf('apps/v1'), 'apis/apps/v1');
});

void test('group-version documents: valid JSON, PATCH with fieldValidation and GVK, refs all resolve', () => {
  const cases: Array<[string, string, Array<[string, string]>]> = [
    [
      'v1',
      '/api/v1',
      [
        ['namespaces/{namespace}/pods', 'Pod'],
        ['namespaces', 'Namespace'],
      ],
    ],
    ['apps/v1', '/apis/apps/v1', [['namespaces/{namespace}/deployments', 'Deployment']]],
    [
      'apps.kruise.io/v1alpha1',
      '/apis/apps.kruise.io/v1alpha1',
      [['namespaces/{namespace}/clonesets', 'CloneSet']],
    ],
  ];
  for (const [gv, prefix, kinds] of cases) {
    const { json } = openapiV3DocumentJson(gv, RESOURCES);
    const doc = JSON.parse(json) as Json;
    assert.equal(doc.openapi, '3.0.0');
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    for (const [collection, kind] of kinds) {
      const item = doc.paths[`${prefix}/${collection}/{name}`] as Json;
      assert.ok(item, `${gv} ${collection}`);
      const patch = item.patch as Json;
      assert.equal(patch['x-kubernetes-action'], 'patch');
      assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group, version, kind });
      const fv = (patch.parameters as Json[]).find((p) => p.name === 'fieldValidation');
      assert.equal(fv?.in, 'query');
      for (const p of ['dryRun', 'fieldManager', 'force'])
        assert.ok(
          (patch.parameters as Json[]).some((x) => x.name === p),
          p,
        );
      assert.ok(patch.requestBody.content['application/apply-patch+yaml']);
      assert.equal(item.get['x-kubernetes-action'], 'get');
      assert.equal(item.put['x-kubernetes-action'], 'put');
      assert.equal(item.delete['x-kubernetes-action'], 'delete');
      const coll = doc.paths[`${prefix}/${collection}`] as Json;
      assert.equal(coll.get['x-kubernetes-action'], 'list');
      assert.equal(coll.post['x-kubernetes-action'], 'post');
      assert.ok(
        (coll.post.parameters as Json[]).some((p) => p.name === 'fieldValidation' && p.in === 'query'),
      );
      assert.equal(coll.delete['x-kubernetes-action'], 'deletecollection');
      assert.ok(doc.paths[`${prefix}/${collection}/{name}/status`].patch);
      const schema = Object.values(doc.components.schemas as Record<string, Json>).find((s) =>
        (s['x-kubernetes-group-version-kind'] as Json[] | undefined)?.some(
          (g) => g.kind === kind && g.group === group && g.version === version,
        ),
      );
      assert.ok(schema?.properties?.spec ?? schema?.properties?.metadata, `${gv} ${kind} schema for explain`);
    }
    const schemas = doc.components.schemas as Record<string, unknown>;
    for (const r of refsIn(doc)) assert.ok(schemas[refName(r) ?? ''], `${gv}: dangling ${r}`);
    for (const meta of ['Status', 'DeleteOptions', 'Patch', 'WatchEvent'])
      assert.ok(schemas[`io.k8s.apimachinery.pkg.apis.meta.v1.${meta}`], meta);
  }
});

void test('scale, binding, eviction and cluster-scoped paths', () => {
  const apps = openapiV3Document('apps/v1', RESOURCES) as unknown as Json;
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'] as Json;
  assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], {
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
  });
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  assert.ok(apps.paths['/apis/apps/v1/deployments'].get, 'list across namespaces');
  assert.equal(apps.components.schemas['io.k8s.api.core.v1.Pod'], undefined, 'only reachable definitions');
  assert.ok(apps.components.schemas['io.k8s.api.core.v1.PodSpec']);

  const core = openapiV3Document('v1', RESOURCES) as unknown as Json;
  assert.ok(core.paths['/api/v1/namespaces/{name}'].patch, 'cluster-scoped item path');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/namespaces'], undefined);
  assert.deepEqual(
    core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'],
    {
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
    },
  );
  assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post);
  assert.ok(core.paths['/api/v1/namespaces/{name}/finalize'].put);
  assert.equal(
    core.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'].get['x-kubernetes-action'],
    'connect',
  );
  const bindings = core.paths['/api/v1/namespaces/{namespace}/bindings'] as Json;
  assert.ok(bindings.post);
  assert.equal(bindings.get, undefined, 'verbs are respected');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/bindings/{name}'], undefined);
});

void test('root lists each group-version with a stable sha512 hash of its document', () => {
  const gvs = ['v1', 'apps/v1', 'apps.kruise.io/v1alpha1'];
  const root = openapiV3Root(gvs, RESOURCES);
  assert.deepEqual(Object.keys(root.paths), ['api/v1', 'apis/apps/v1', 'apis/apps.kruise.io/v1alpha1']);
  for (const gv of gvs) {
    const { json, hash } = openapiV3DocumentJson(gv, RESOURCES);
    assert.equal(hash, createHash('sha512').update(json).digest('hex').toUpperCase());
    assert.equal(
      root.paths[openapiV3PathOf(gv)]?.serverRelativeURL,
      `/openapi/v3/${openapiV3PathOf(gv)}?hash=${hash}`,
    );
  }
  assert.deepEqual(openapiV3Root(gvs, [...RESOURCES]), root, 'same objects in a new array hit the cache');
  assert.equal(openapiV3Document('apps/v1', [...RESOURCES]), openapiV3Document('apps/v1', RESOURCES));
  const other = openapiV3DocumentJson('apps/v1', [{ ...RESOURCES[3]!, verbs: ['get', 'patch'] }]);
  assert.notEqual(other.hash, openapiV3DocumentJson('apps/v1', RESOURCES).hash);
});
