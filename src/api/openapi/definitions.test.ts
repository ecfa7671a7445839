import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  definitionNameForKind,
  definitions,
  getDefinition,
  INT_OR_STRING,
  QUANTITY,
  refName,
  resolve,
  type Schema,
} from './index.js';
import { OVERLAY } from './overlay.js';

const SERVED: Array<[group: string, kind: string, definition: string, list: boolean]> = [
  ['', 'Namespace', 'io.k8s.api.core.v1.Namespace', true],
  ['', 'Node', 'io.k8s.api.core.v1.Node', true],
  ['', 'Pod', 'io.k8s.api.core.v1.Pod', true],
  ['', 'Binding', 'io.k8s.api.core.v1.Binding', false],
  ['', 'Service', 'io.k8s.api.core.v1.Service', true],
  ['', 'Endpoints', 'io.k8s.api.core.v1.Endpoints', true],
  ['', 'ConfigMap', 'io.k8s.api.core.v1.ConfigMap', true],
  ['', 'Secret', 'io.k8s.api.core.v1.Secret', true],
  ['', 'ServiceAccount', 'io.k8s.api.core.v1.ServiceAccount', true],
  ['', 'Event', 'io.k8s.api.core.v1.Event', true],
  ['', 'PersistentVolumeClaim', 'io.k8s.api.core.v1.PersistentVolumeClaim', true],
  ['', 'ResourceQuota', 'io.k8s.api.core.v1.ResourceQuota', true],
  ['', 'LimitRange', 'io.k8s.api.core.v1.LimitRange', true],
  ['', 'PodTemplate', 'io.k8s.api.core.v1.PodTemplate', true],
  ['policy', 'Eviction', 'io.k8s.api.policy.v1.Eviction', false],
  ['policy', 'PodDisruptionBudget', 'io.k8s.api.policy.v1.PodDisruptionBudget', true],
  ['autoscaling', 'Scale', 'io.k8s.api.autoscaling.v1.Scale', false],
  ['apps', 'Deployment', 'io.k8s.api.apps.v1.Deployment', true],
  ['apps', 'ReplicaSet', 'io.k8s.api.apps.v1.ReplicaSet', true],
  ['apps', 'StatefulSet', 'io.k8s.api.apps.v1.StatefulSet', true],
  ['apps', 'DaemonSet', 'io.k8s.api.apps.v1.DaemonSet', true],
  ['apps', 'ControllerRevision', 'io.k8s.api.apps.v1.ControllerRevision', true],
  ['batch', 'Job', 'io.k8s.api.batch.v1.Job', true],
  ['batch', 'CronJob', 'io.k8s.api.batch.v1.CronJob', true],
  ['coordination.k8s.io', 'Lease', 'io.k8s.api.coordination.v1.Lease', true],
  ['events.k8s.io', 'Event', 'io.k8s.api.events.v1.Event', true],
  ['scheduling.k8s.io', 'PriorityClass', 'io.k8s.api.scheduling.v1.PriorityClass', true],
  ['discovery.k8s.io', 'EndpointSlice', 'io.k8s.api.discovery.v1.EndpointSlice', true],
  ['rbac.authorization.k8s.io', 'Role', 'io.k8s.api.rbac.v1.Role', true],
  ['rbac.authorization.k8s.io', 'RoleBinding', 'io.k8s.api.rbac.v1.RoleBinding', true],
  ['rbac.authorization.k8s.io', 'ClusterRole', 'io.k8s.api.rbac.v1.ClusterRole', true],
  ['rbac.authorization.k8s.io', 'ClusterRoleBinding', 'io.k8s.api.rbac.v1.ClusterRoleBinding', true],
];

void test('every served kind (and its List) has a definition with its group-version-kind', () => {
  const all: typeof SERVED = [
    ...SERVED,
    ['apps.kruise.io', 'CloneSet', 'io.kruise.apps.v1alpha1.CloneSet', true],
  ];
  for (const [group, kind, definition, list] of all) {
    const version = group === 'apps.kruise.io' ? 'v1alpha1' : 'v1';
    const def = getDefinition(definition);
    if (!def) assert.fail(definition);
    assert.deepEqual(def['x-kubernetes-group-version-kind'], [{ group, version, kind }], definition);
    assert.equal(definitionNameForKind({ group, version, kind }), definition);
    assert.ok(def.properties?.metadata, `${definition} has metadata`);
    if (list) {
      const listDef = getDefinition(`${definition}List`);
      assert.deepEqual(listDef?.['x-kubernetes-group-version-kind'], [
        { group, version, kind: `${kind}List` },
      ]);
      assert.deepEqual(listDef?.required, ['items']);
    }
  }
});

void test('meta kinds carry upstream group-version-kinds', () => {
  const status = getDefinition('io.k8s.apimachinery.pkg.apis.meta.v1.Status');
  assert.deepEqual(status?.['x-kubernetes-group-version-kind'], [
    { group: '', version: 'v1', kind: 'Status' },
  ]);
  const del = getDefinition('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  const groups = del?.['x-kubernetes-group-version-kind']?.map((g) => g.group) ?? [];
  assert.ok(groups.includes('') && groups.includes('apps') && groups.includes('apps.kruise.io'));
  assert.ok(
    getDefinition('io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent')?.['x-kubernetes-group-version-kind'],
  );
  assert.ok(
    getDefinition('io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList')?.[
      'x-kubernetes-group-version-kind'
    ],
  );
});

type Ext = Pick<
  Schema,
  | 'x-kubernetes-patch-strategy'
  | 'x-kubernetes-patch-merge-key'
  | 'x-kubernetes-list-type'
  | 'x-kubernetes-list-map-keys'
  | 'x-kubernetes-map-type'
>;

function extensionsOf(s: Schema): Ext {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (k.startsWith('x-kubernetes-')) out[k] = v;
  return out;
}

const merge = (key: string, keys: string[] = [key], strategy = 'merge'): Ext => ({
  'x-kubernetes-patch-strategy': strategy,
  'x-kubernetes-patch-merge-key': key,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': keys,
});
const atomic: Ext = { 'x-kubernetes-list-type': 'atomic' };

void test('patch and list metadata match upstream struct tags', () => {
  const core = 'io.k8s.api.core.v1.';
  const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
  const cases: Array<[string, string, Ext]> = [
    [`${core}PodSpec`, 'containers', merge('name')],
    [`${core}PodSpec`, 'initContainers', merge('name')],
    [`${core}PodSpec`, 'volumes', merge('name', ['name'], 'merge,retainKeys')],
    [`${core}PodSpec`, 'imagePullSecrets', merge('name')],
    [`${core}PodSpec`, 'hostAliases', merge('ip')],
    [`${core}PodSpec`, 'tolerations', atomic],
    [`${core}PodSpec`, 'nodeSelector', { 'x-kubernetes-map-type': 'atomic' }],
    [
      `${core}PodSpec`,
      'topologySpreadConstraints',
      merge('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    ],
    [`${core}Container`, 'ports', merge('containerPort', ['containerPort', 'protocol'])],
    [`${core}Container`, 'env', merge('name')],
    [`${core}Container`, 'envFrom', atomic],
    [`${core}Container`, 'volumeMounts', merge('mountPath')],
    [`${core}Container`, 'volumeDevices', merge('devicePath')],
    [`${core}PodStatus`, 'conditions', merge('type')],
    [`${core}NodeStatus`, 'addresses', merge('type')],
    [`${core}NodeSpec`, 'taints', atomic],
    [`${core}ServiceSpec`, 'ports', merge('port', ['port', 'protocol'])],
    [
      `${meta}ObjectMeta`,
      'finalizers',
      { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' },
    ],
    [`${meta}ObjectMeta`, 'ownerReferences', merge('uid')],
    [`${meta}ObjectMeta`, 'managedFields', atomic],
    [`${meta}LabelSelector`, 'matchExpressions', atomic],
    ['io.k8s.api.apps.v1.DeploymentStatus', 'conditions', merge('type')],
    ['io.k8s.api.apps.v1.DeploymentSpec', 'strategy', { 'x-kubernetes-patch-strategy': 'retainKeys' }],
    [
      'io.k8s.api.batch.v1.JobStatus',
      'conditions',
      {
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'type',
        'x-kubernetes-list-type': 'atomic',
      },
    ],
    ['io.k8s.api.rbac.v1.ClusterRole', 'rules', atomic],
    ['io.k8s.api.rbac.v1.RoleBinding', 'subjects', atomic],
    [`${core}ConfigMap`, 'data', {}],
  ];
  for (const [definition, field, expected] of cases) {
    const prop = getDefinition(definition)?.properties?.[field];
    if (!prop) assert.fail(`${definition}.${field}`);
    assert.deepEqual(extensionsOf(prop), expected, `${definition}.${field}`);
  }
  const typeLevel: Array<[string, string]> = [
    [`${meta}LabelSelector`, 'atomic'],
    [`${meta}OwnerReference`, 'atomic'],
    [`${core}ObjectReference`, 'atomic'],
    [`${core}LocalObjectReference`, 'atomic'],
    ['io.k8s.api.rbac.v1.Subject', 'atomic'],
    ['io.k8s.api.rbac.v1.RoleRef', 'atomic'],
  ];
  for (const [definition, mapType] of typeLevel)
    assert.equal(getDefinition(definition)?.['x-kubernetes-map-type'], mapType, definition);
  assert.deepEqual(getDefinition(`${core}SeccompProfile`)?.['x-kubernetes-unions'], [
    { discriminator: 'type', 'fields-to-discriminateBy': { localhostProfile: 'LocalhostProfile' } },
  ]);
});

void test('quantity and int-or-string fields reference the special definitions', () => {
  const core = 'io.k8s.api.core.v1.';
  const refOf = (s: Schema | boolean | undefined): string | undefined =>
    s && typeof s === 'object' && s.$ref ? refName(s.$ref) : undefined;
  const rr = getDefinition(`${core}ResourceRequirements`)?.properties;
  assert.equal(refOf(rr?.limits?.additionalProperties), QUANTITY);
  assert.equal(refOf(rr?.requests?.additionalProperties), QUANTITY);
  assert.equal(refOf(getDefinition(`${core}EmptyDirVolumeSource`)?.properties?.sizeLimit), QUANTITY);
  assert.equal(
    refOf(getDefinition(`${core}NodeStatus`)?.properties?.allocatable?.additionalProperties),
    QUANTITY,
  );
  assert.equal(
    refOf(getDefinition(`${core}ResourceQuotaSpec`)?.properties?.hard?.additionalProperties),
    QUANTITY,
  );
  assert.equal(refOf(getDefinition(`${core}ServicePort`)?.properties?.targetPort), INT_OR_STRING);
  assert.equal(
    refOf(getDefinition('io.k8s.api.apps.v1.RollingUpdateDeployment')?.properties?.maxSurge),
    INT_OR_STRING,
  );
  assert.deepEqual(getDefinition(QUANTITY)?.oneOf, [{ type: 'string' }, { type: 'number' }]);
  assert.equal(getDefinition(INT_OR_STRING)?.['x-kubernetes-int-or-string'], true);
  assert.deepEqual(getDefinition('io.k8s.apimachinery.pkg.apis.meta.v1.Time'), {
    type: 'string',
    format: 'date-time',
  });
  assert.equal(
    getDefinition('io.k8s.apimachinery.pkg.runtime.RawExtension')?.['x-kubernetes-preserve-unknown-fields'],
    true,
  );
});

void test('required fields come from the models', () => {
  assert.deepEqual(getDefinition('io.k8s.api.core.v1.Container')?.required, ['name']);
  assert.deepEqual(getDefinition('io.k8s.api.core.v1.PodSpec')?.required, ['containers']);
  assert.deepEqual(getDefinition('io.k8s.api.apps.v1.DeploymentSpec')?.required, ['selector', 'template']);
  assert.equal(getDefinition('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')?.required, undefined);
});

void test('every $ref resolves and every overlay entry was applied', () => {
  const dangling: string[] = [];
  const visit = (s: unknown, where: string): void => {
    if (Array.isArray(s)) s.forEach((x) => visit(x, where));
    else if (s && typeof s === 'object')
      for (const [k, v] of Object.entries(s)) {
        if (k === '$ref') {
          const n = refName(String(v));
          if (!n || !getDefinition(n)) dangling.push(`${where}: ${String(v)}`);
        } else visit(v, where);
      }
  };
  for (const [name, s] of Object.entries(definitions)) visit(s, name);
  assert.deepEqual(dangling, []);
  for (const [name, ov] of Object.entries(OVERLAY)) {
    const def = getDefinition(name);
    if (!def) assert.fail(name);
    for (const field of Object.keys(ov.fields ?? {})) assert.ok(def.properties?.[field], `${name}.${field}`);
  }
});

void test('resolve follows $ref and allOf, keeping sibling keywords', () => {
  const spec = getDefinition('io.k8s.api.apps.v1.Deployment')?.properties?.spec;
  if (!spec) assert.fail('Deployment.spec');
  assert.ok(resolve(spec).properties?.replicas);
  const wrapped = resolve({
    allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.ObjectReference' }],
    'x-kubernetes-map-type': 'granular',
    description: 'mine',
  });
  assert.equal(wrapped['x-kubernetes-map-type'], 'granular');
  assert.equal(wrapped.description, 'mine');
  assert.ok(wrapped.properties?.uid);
  const plain: Schema = { type: 'string' };
  assert.equal(resolve(plain), plain);
  assert.throws(() => resolve({ $ref: '#/components/schemas/nope' }), /unresolvable/);
});

void test('generated TypeScript types name every served kind, with collisions prefixed', () => {
  const types = readFileSync(new URL('./generated/types.ts', import.meta.url), 'utf8');
  for (const name of [
    'Pod',
    'PodSpec',
    'Container',
    'Deployment',
    'Event',
    'EventsV1Event',
    'DiscoveryV1EndpointPort',
    'CloneSet',
  ])
    assert.match(types, new RegExp(`^export interface ${name} \\{`, 'm'), name);
  assert.match(types, /^export type Quantity = string \| number;$/m);
  assert.match(types, /^export type IntOrString = string \| number;$/m);
  assert.match(types, /^ {2}containers: Container\[\];$/m);
  assert.match(types, /^ {2}limits\?: Record<string, Quantity>;$/m);
});
