import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { validateAgainstSchema } from './index.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const POD = 'io.k8s.api.core.v1.Pod';

function deployment(podSpec: Record<string, unknown>, spec: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, creationTimestamp: null },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
      ...spec,
    },
  };
}

const container = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'web',
  image: 'nginx',
  ...extra,
});

void test('unknown fields at several depths', () => {
  const cases: Array<{ name: string; obj: unknown; def: string; unknown: string[] }> = [
    { name: 'clean', obj: deployment({ containers: [container()] }), def: DEPLOYMENT, unknown: [] },
    {
      name: 'root',
      obj: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spek: {} },
      def: POD,
      unknown: ['spek'],
    },
    {
      name: 'spec',
      obj: deployment({ containers: [container()] }, { foo: 1 }),
      def: DEPLOYMENT,
      unknown: ['spec.foo'],
    },
    {
      name: 'container',
      obj: deployment({ containers: [container(), container({ name: 'b', foo: true })] }),
      def: DEPLOYMENT,
      unknown: ['spec.template.spec.containers[1].foo'],
    },
    {
      name: 'template metadata is ObjectMeta',
      obj: { ...(deployment({ containers: [container()] }) as object), metadata: { name: 'x', labelz: {} } },
      def: DEPLOYMENT,
      unknown: ['metadata.labelz'],
    },
    {
      name: 'deep: port and env valueFrom',
      obj: deployment({
        containers: [
          container({
            ports: [{ containerPort: 80, hostPortt: 1 }],
            env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'x', extra: 'y' } } }],
          }),
        ],
      }),
      def: DEPLOYMENT,
      unknown: [
        'spec.template.spec.containers[0].ports[0].hostPortt',
        'spec.template.spec.containers[0].env[0].valueFrom.fieldRef.extra',
      ],
    },
    {
      name: 'apiVersion/kind allowed at root only where declared',
      obj: { apiVersion: 'v1', kind: 'Pod', metadata: { kind: 'x' } },
      def: POD,
      unknown: ['metadata.kind'],
    },
    {
      name: 'maps accept any key',
      obj: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { annotations: { 'a/b': 'c' } },
        data: { 'any.key': 'v', other: 'w' },
      },
      def: 'io.k8s.api.core.v1.ConfigMap',
      unknown: [],
    },
    {
      name: 'raw extension preserves unknown fields',
      obj: {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {},
        revision: 1,
        data: { any: { thing: 1 } },
      },
      def: 'io.k8s.api.apps.v1.ControllerRevision',
      unknown: [],
    },
    {
      name: 'CloneSet template is a core PodTemplateSpec',
      obj: {
        apiVersion: 'apps.kruise.io/v1alpha1',
        kind: 'CloneSet',
        metadata: { name: 'c' },
        spec: {
          selector: { matchLabels: { a: 'b' } },
          template: { metadata: {}, spec: { containers: [container({ bogus: 1 })] } },
          updateStrategy: {
            type: 'InPlaceIfPossible',
            maxUnavailable: '20%',
            inPlaceUpdateStrategy: { gracePeriodSeconds: 3 },
          },
          lifecycle: { preDelete: { labelsHandler: { a: 'true' }, markPodNotReady: true, nope: 1 } },
        },
      },
      def: 'io.kruise.apps.v1alpha1.CloneSet',
      unknown: ['spec.template.spec.containers[0].bogus', 'spec.lifecycle.preDelete.nope'],
    },
  ];
  for (const c of cases) {
    const r = validateAgainstSchema(c.obj, c.def);
    assert.deepEqual(r.unknownFields, c.unknown, c.name);
    assert.deepEqual(r.typeErrors, [], c.name);
  }
});

void test('rootPath prefixes every path', () => {
  const r = validateAgainstSchema({ name: 'a', foo: 1, ports: 'x' }, 'io.k8s.api.core.v1.Container', {
    rootPath: 'spec.containers[0]',
  });
  assert.deepEqual(r.unknownFields, ['spec.containers[0].foo']);
  assert.equal(r.typeErrors[0]?.path, 'spec.containers[0].ports');
});

void test('type errors carry upstream-style decode messages', () => {
  const cases: Array<{ name: string; obj: unknown; def: string; path: string; message: string }> = [
    {
      name: 'string for int32',
      obj: deployment({ containers: [container()] }, { replicas: '3' }),
      def: DEPLOYMENT,
      path: 'spec.replicas',
      message:
        'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    },
    {
      name: 'fraction for int32',
      obj: deployment({ containers: [container()] }, { replicas: 1.5 }),
      def: DEPLOYMENT,
      path: 'spec.replicas',
      message:
        'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
    },
    {
      name: 'number for string inside a list (Go path has no indices)',
      obj: deployment({ containers: [container({ env: [{ name: 'PORT', value: 8080 }] })] }),
      def: DEPLOYMENT,
      path: 'spec.template.spec.containers[0].env[0].value',
      message:
        'json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string',
    },
    {
      name: 'object for array',
      obj: deployment({ containers: { name: 'x' } }),
      def: DEPLOYMENT,
      path: 'spec.template.spec.containers',
      message:
        'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
    },
    {
      name: 'array for struct',
      obj: deployment({ containers: [] }, { strategy: [] }),
      def: DEPLOYMENT,
      path: 'spec.strategy',
      message:
        'json: cannot unmarshal array into Go struct field DeploymentSpec.spec.strategy of type v1.DeploymentStrategy',
    },
    {
      name: 'string for bool',
      obj: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [], hostNetwork: 'yes' } },
      def: POD,
      path: 'spec.hostNetwork',
      message: 'json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool',
    },
    {
      name: 'number as label value (map value)',
      obj: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { tier: 1 } } },
      def: POD,
      path: 'metadata.labels.tier',
      message: 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    },
    {
      name: 'bool for int-or-string',
      obj: deployment({ containers: [] }, { strategy: { rollingUpdate: { maxSurge: true } } }),
      def: DEPLOYMENT,
      path: 'spec.strategy.rollingUpdate.maxSurge',
      message:
        'json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type intstr.IntOrString',
    },
    {
      name: 'bad quantity string',
      obj: deployment({ containers: [container({ resources: { limits: { cpu: 'lots' } } })] }),
      def: DEPLOYMENT,
      path: 'spec.template.spec.containers[0].resources.limits.cpu',
      message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    },
    {
      name: 'non-base64 secret data',
      obj: { apiVersion: 'v1', kind: 'Secret', metadata: {}, data: { password: 'not base64!' } },
      def: 'io.k8s.api.core.v1.Secret',
      path: 'data.password',
      message: 'illegal base64 data at input byte 3',
    },
    {
      name: 'root not an object',
      obj: [],
      def: POD,
      path: '',
      message: 'json: cannot unmarshal array into Go value of type v1.Pod',
    },
  ];
  for (const c of cases) {
    const r = validateAgainstSchema(c.obj, c.def);
    assert.deepEqual(r.unknownFields, [], c.name);
    assert.equal(r.typeErrors.length, 1, `${c.name}: ${JSON.stringify(r.typeErrors)}`);
    assert.equal(r.typeErrors[0]?.path, c.path, c.name);
    assert.equal(r.typeErrors[0]?.message, c.message, c.name);
  }
});

void test('accepted value forms', () => {
  const cases: Array<{ name: string; obj: unknown; def: string }> = [
    {
      name: 'quantities as numbers and strings',
      obj: deployment({
        containers: [
          container({
            resources: { limits: { cpu: 1, memory: '128Mi' }, requests: { cpu: '250m', memory: 1e6 } },
          }),
        ],
      }),
      def: DEPLOYMENT,
    },
    {
      name: 'int-or-string as both',
      obj: deployment(
        {
          containers: [
            container({ ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { port: 'http' } } }),
          ],
        },
        { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } },
      ),
      def: DEPLOYMENT,
    },
    {
      name: 'nulls anywhere',
      obj: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { creationTimestamp: null, labels: null },
        spec: null,
        status: {},
      },
      def: POD,
    },
    {
      name: 'times, micro times and int64',
      obj: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { creationTimestamp: '2024-01-01T00:00:00Z', generation: 9007199254740991 },
        spec: { holderIdentity: 'a', renewTime: '2024-01-01T00:00:00.000000Z', leaseDurationSeconds: 15 },
      },
      def: 'io.k8s.api.coordination.v1.Lease',
    },
    {
      name: 'base64 secret data',
      obj: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {},
        data: { a: 'YWRtaW4=', b: '' },
        stringData: { c: 'x' },
      },
      def: 'io.k8s.api.core.v1.Secret',
    },
    {
      name: 'list kinds',
      obj: {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '1' },
        items: [{ metadata: { name: 'a' } }],
      },
      def: 'io.k8s.api.core.v1.PodList',
    },
  ];
  for (const c of cases)
    assert.deepEqual(validateAgainstSchema(c.obj, c.def), { unknownFields: [], typeErrors: [] }, c.name);
});

void test('unknown definition throws', () => {
  assert.throws(() => validateAgainstSchema({}, 'io.k8s.api.core.v1.Nope'), /unknown definition/);
});

void test('prune: the object as upstream typed decoding leaves it', () => {
  const cases: Array<{ name: string; obj: Record<string, unknown>; def: string; want: unknown }> = [
    {
      name: 'unknown fields go',
      obj: { metadata: { name: 'a', bogus: 1 }, data: { k: 'v' }, extra: true },
      def: 'io.k8s.api.core.v1.ConfigMap',
      want: { metadata: { name: 'a' }, data: { k: 'v' } },
    },
    {
      name: 'null fields go',
      obj: { metadata: { name: 'a', labels: null }, data: null },
      def: 'io.k8s.api.core.v1.ConfigMap',
      want: { metadata: { name: 'a' } },
    },
    {
      name: 'null map values become empty strings',
      obj: { metadata: { name: 'a', labels: { app: null } }, data: { k: null } },
      def: 'io.k8s.api.core.v1.ConfigMap',
      want: { metadata: { name: 'a', labels: { app: '' } }, data: { k: '' } },
    },
    {
      name: 'null list items become zero values',
      obj: { metadata: { name: 's', finalizers: [null] }, spec: { ports: [null], externalIPs: [null] } },
      def: 'io.k8s.api.core.v1.Service',
      want: { metadata: { name: 's', finalizers: [''] }, spec: { ports: [{}], externalIPs: [''] } },
    },
  ];
  for (const c of cases) {
    validateAgainstSchema(c.obj, c.def, { prune: true });
    assert.deepEqual(c.obj, c.want, c.name);
  }
  const untouched = { metadata: { name: 'a', labels: { app: null } }, extra: 1 };
  validateAgainstSchema(untouched, 'io.k8s.api.core.v1.ConfigMap');
  assert.deepEqual(untouched, { metadata: { name: 'a', labels: { app: null } }, extra: 1 }, 'without prune');
});
