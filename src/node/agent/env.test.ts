import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import type { ConfigMap, Secret, Service } from '../../client/resources.js';
import {
  ContainerConfigError,
  containerResourceValue,
  expand,
  expandArgv,
  gpuEnv,
  makeEnvironment,
  podFieldValue,
  serviceEnv,
  type ObjectSource,
} from './env.js';
import { testPod } from './testing.js';

function source(
  objs: { configMaps?: ConfigMap[]; secrets?: Secret[]; services?: Service[] } = {},
): ObjectSource {
  return {
    configMap: (ns, name) =>
      Promise.resolve(objs.configMaps?.find((c) => c.metadata.namespace === ns && c.metadata.name === name)),
    secret: (ns, name) =>
      Promise.resolve(objs.secrets?.find((c) => c.metadata.namespace === ns && c.metadata.name === name)),
    services: (ns) => (objs.services ?? []).filter((s) => s.metadata.namespace === ns),
  };
}

const cm = (name: string, data: Record<string, string>): ConfigMap => ({
  metadata: { name, namespace: 'default' },
  data,
});
const secret = (name: string, data: Record<string, string>): Secret => ({
  metadata: { name, namespace: 'default' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});
const svc = (name: string, ns: string, ip: string, ports: api.ServicePort[]): Service => ({
  metadata: { name, namespace: ns },
  spec: { clusterIP: ip, ports },
});

const ALLOC = { milliCPU: 4000, memory: 8 * 2 ** 30, ephemeralStorage: 100 * 2 ** 30 };

describe('expand ($(VAR) as upstream)', () => {
  const vars: Record<string, string> = { A: 'a', EMPTY: '' };
  const map = (n: string): string | undefined => vars[n];
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['$(A)', 'a'],
    ['x$(A)y$(A)', 'xaya'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['$(A', '$(A'],
    ['$x', '$x'],
    ['trailing$', 'trailing$'],
    ['$(EMPTY)z', 'z'],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => assert.equal(expand(input, map), want));
});

describe('serviceEnv', () => {
  it('writes upstream FOO_SERVICE_HOST, named ports and docker link variables', () => {
    const env = serviceEnv([
      svc('my-db', 'default', '10.96.0.10', [
        { name: 'sql', port: 5432, protocol: 'TCP' },
        { name: 'metrics', port: 9187, protocol: 'UDP' },
      ]),
    ]);
    assert.deepEqual(env, {
      MY_DB_SERVICE_HOST: '10.96.0.10',
      MY_DB_SERVICE_PORT: '5432',
      MY_DB_SERVICE_PORT_SQL: '5432',
      MY_DB_SERVICE_PORT_METRICS: '9187',
      MY_DB_PORT: 'tcp://10.96.0.10:5432',
      MY_DB_PORT_5432_TCP: 'tcp://10.96.0.10:5432',
      MY_DB_PORT_5432_TCP_PROTO: 'tcp',
      MY_DB_PORT_5432_TCP_PORT: '5432',
      MY_DB_PORT_5432_TCP_ADDR: '10.96.0.10',
      MY_DB_PORT_9187_UDP: 'udp://10.96.0.10:9187',
      MY_DB_PORT_9187_UDP_PROTO: 'udp',
      MY_DB_PORT_9187_UDP_PORT: '9187',
      MY_DB_PORT_9187_UDP_ADDR: '10.96.0.10',
    });
  });
  it('skips headless services', () => {
    assert.deepEqual(serviceEnv([svc('h', 'default', 'None', [{ port: 80 }])]), {});
  });
});

describe('downward API', () => {
  const pod = testPod(
    'web',
    { serviceAccountName: 'sa' },
    { labels: { app: 'web', tier: 'front' }, annotations: { note: 'say "hi"' } },
  );
  const ips = { hostIPs: ['10.0.0.1'], podIPs: ['10.0.0.5'] };
  const cases: Array<[string, string]> = [
    ['metadata.name', 'web'],
    ['metadata.namespace', 'default'],
    ['metadata.uid', 'uid-web'],
    ["metadata.labels['app']", 'web'],
    ['metadata.labels', 'app="web"\ntier="front"'],
    ['metadata.annotations', 'note="say \\"hi\\""'],
    ['spec.nodeName', 'node-1'],
    ['spec.serviceAccountName', 'sa'],
    ['status.hostIP', '10.0.0.1'],
    ['status.podIP', '10.0.0.5'],
    ['status.podIPs', '10.0.0.5'],
  ];
  for (const [path, want] of cases) it(path, () => assert.equal(podFieldValue(pod, path, ips), want));
  it('rejects unknown paths', () => {
    assert.throws(() => podFieldValue(pod, 'spec.bogus', ips), /unsupported fieldPath: spec.bogus/);
  });

  const resCases: Array<{ sel: api.ResourceFieldSelector; res: api.ResourceRequirements; want: string }> = [
    { sel: { resource: 'limits.cpu' }, res: { limits: { cpu: '500m' } }, want: '1' },
    { sel: { resource: 'limits.cpu', divisor: '1m' }, res: { limits: { cpu: '500m' } }, want: '500' },
    { sel: { resource: 'requests.cpu', divisor: '1m' }, res: { requests: { cpu: '250m' } }, want: '250' },
    { sel: { resource: 'limits.memory', divisor: '1Mi' }, res: { limits: { memory: '64Mi' } }, want: '64' },
    { sel: { resource: 'limits.memory' }, res: {}, want: String(8 * 2 ** 30) },
    { sel: { resource: 'limits.cpu' }, res: {}, want: '4' },
    { sel: { resource: 'requests.memory' }, res: {}, want: '0' },
  ];
  for (const c of resCases) {
    it(`${c.sel.resource}${c.sel.divisor ? `/${String(c.sel.divisor)}` : ''} of ${JSON.stringify(c.res)}`, () => {
      assert.equal(containerResourceValue(c.sel, { name: 'c', resources: c.res }, ALLOC), c.want);
    });
  }
});

describe('makeEnvironment', () => {
  it('envFrom with prefix, then env overriding it, expansion, valueFrom, services last', async () => {
    const pod = testPod('web');
    const container: api.Container = {
      name: 'main',
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }],
      env: [
        { name: 'CFG_MODE', value: 'override' },
        { name: 'GREETING', value: 'hello $(CFG_NAME) at $(KUBERNETES_SERVICE_HOST)' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x', optional: true } } },
      ],
    };
    const warnings: string[] = [];
    const env = await makeEnvironment({
      pod,
      container,
      hostIPs: ['10.0.0.1'],
      podIPs: ['10.0.0.1'],
      allocatable: ALLOC,
      source: source({
        configMaps: [cm('cfg', { MODE: 'base', NAME: 'skiff', level: 'debug', 'bad=key': 'x' })],
        secrets: [secret('creds', { password: 's3cret', USER: 'admin' })],
        services: [svc('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443 }])],
      }),
      warn: (reason, message) => warnings.push(`${reason}: ${message}`),
    });
    assert.equal(env['CFG_MODE'], 'override');
    assert.equal(env['CFG_NAME'], 'skiff');
    assert.equal(env['GREETING'], 'hello skiff at 10.96.0.1');
    assert.equal(env['POD'], 'web');
    assert.equal(env['LEVEL'], 'debug');
    assert.equal(env['PW'], 's3cret');
    assert.equal(env['USER'], 'admin');
    assert.equal(env['KUBERNETES_SERVICE_HOST'], '10.96.0.1');
    assert.equal(env['KUBERNETES_SERVICE_PORT_HTTPS'], '443');
    assert.ok(!('OPT' in env));
    assert.deepEqual(warnings, [
      'InvalidEnvironmentVariableNames: Keys [CFG_bad=key] from the EnvFrom configMap default/cfg were skipped since they are considered invalid environment variable names.',
    ]);
  });

  const errorCases: Array<{
    name: string;
    env: api.EnvVar[];
    envFrom?: api.EnvFromSource[];
    message: string;
  }> = [
    {
      name: 'missing key',
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }],
      message: "couldn't find key nope in ConfigMap default/cfg",
    },
    {
      name: 'missing secret key',
      env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope' } } }],
      message: "couldn't find key nope in Secret default/creds",
    },
    {
      name: 'missing ConfigMap',
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }],
      message: 'configmap "gone" not found',
    },
    {
      name: 'missing envFrom Secret',
      env: [],
      envFrom: [{ secretRef: { name: 'gone' } }],
      message: 'secret "gone" not found',
    },
  ];
  for (const c of errorCases) {
    it(`fails with upstream's message: ${c.name}`, async () => {
      await assert.rejects(
        makeEnvironment({
          pod: testPod('web'),
          container: { name: 'main', env: c.env, envFrom: c.envFrom },
          hostIPs: [],
          podIPs: [],
          allocatable: ALLOC,
          source: source({ configMaps: [cm('cfg', {})], secrets: [secret('creds', {})] }),
        }),
        (err: unknown) => err instanceof ContainerConfigError && err.message === c.message,
      );
    });
  }

  it('no service links when disabled, except the master service', async () => {
    const pod = testPod('web', { enableServiceLinks: false });
    const env = await makeEnvironment({
      pod,
      container: { name: 'main' },
      hostIPs: [],
      podIPs: [],
      allocatable: ALLOC,
      source: source({
        services: [
          svc('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443 }]),
          svc('db', 'default', '10.96.0.9', [{ port: 5432 }]),
        ],
      }),
    });
    assert.equal(env['KUBERNETES_SERVICE_HOST'], '10.96.0.1');
    assert.equal(env['DB_SERVICE_HOST'], undefined);
  });

  it('expands command and args against the environment', () => {
    assert.deepEqual(
      expandArgv({ name: 'c', command: ['sh', '-c'], args: ['echo $(MSG) $$(HOME)'] }, { MSG: 'hi' }),
      ['sh', '-c', 'echo hi $(HOME)'],
    );
  });
});

describe('gpuEnv', () => {
  it('turns the device-allocated annotation into visible devices and share limits', () => {
    const pod = testPod(
      'g',
      {},
      {
        annotations: {
          'scheduling.koordinator.sh/device-allocated': JSON.stringify({
            gpu: [
              {
                minor: 1,
                resources: { 'koordinator.sh/gpu-core': '50', 'koordinator.sh/gpu-memory': '8Gi' },
              },
            ],
          }),
        },
      },
    );
    const c: api.Container = { name: 'c', resources: { limits: { 'koordinator.sh/gpu-core': '50' } } };
    assert.deepEqual(gpuEnv(pod, c), {
      NVIDIA_VISIBLE_DEVICES: '1',
      CUDA_DEVICE_SM_LIMIT: '50',
      CUDA_DEVICE_MEMORY_LIMIT: '8192m',
    });
    assert.deepEqual(gpuEnv(pod, { name: 'no-gpu' }), {});
  });
});
