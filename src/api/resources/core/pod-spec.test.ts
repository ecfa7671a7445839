import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorString } from '../../errors.js';
import {
  defaultPod,
  defaultPodSpec,
  defaultPodTemplateSpec,
  imageTag,
  podQOSClass,
  validatePodSpecWith,
  validatePodTemplateSpec,
} from './pod-spec.js';

type Obj = Record<string, any>;

describe('imageTag (pull policy source)', () => {
  const cases: Array<[string, string]> = [
    ['nginx', 'latest'],
    ['nginx:latest', 'latest'],
    ['nginx:1.14.2', '1.14.2'],
    ['registry.k8s.io/busybox:1.27.2', '1.27.2'],
    ['localhost:5000/app', 'latest'],
    ['localhost:5000/app:v2', 'v2'],
    [`busybox@sha256:${'a'.repeat(64)}`, ''],
    [`busybox:1.36@sha256:${'b'.repeat(64)}`, '1.36'],
    ['Nginx', ''],
    ['', ''],
  ];
  for (const [image, tag] of cases)
    it(`${image || '""'} → ${tag || '""'}`, () => assert.equal(imageTag(image), tag));
});

describe('defaultPodTemplateSpec', () => {
  it('matches what a 1.32 server stores for a minimal template', () => {
    const t: Obj = {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
    };
    defaultPodTemplateSpec(t);
    assert.deepEqual(t, {
      metadata: { labels: { app: 'nginx' }, creationTimestamp: null },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.14.2',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            imagePullPolicy: 'IfNotPresent',
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            resources: {},
          },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
        schedulerName: 'default-scheduler',
      },
    });
  });

  it('is idempotent and keeps explicit values', () => {
    const t: Obj = {
      spec: {
        restartPolicy: 'Never',
        dnsPolicy: 'Default',
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never' }],
      },
    };
    defaultPodTemplateSpec(t);
    const once = structuredClone(t);
    defaultPodTemplateSpec(t);
    assert.deepEqual(t, once);
    assert.equal(t.spec.restartPolicy, 'Never');
    assert.equal(t.spec.dnsPolicy, 'Default');
    assert.equal(t.spec.terminationGracePeriodSeconds, 0);
    assert.equal(t.spec.containers[0].imagePullPolicy, 'Never');
  });
});

describe('defaultPodSpec nested defaults', () => {
  const spec: Obj = {
    containers: [
      {
        name: 'app',
        image: 'busybox',
        resources: { limits: { cpu: 0.5, memory: '128Mi' }, requests: { cpu: '250m' } },
        env: [
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'CPU', valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } } },
        ],
        livenessProbe: { httpGet: { port: 8080 } },
        readinessProbe: { grpc: { port: 9090 }, periodSeconds: 5 },
        lifecycle: { preStop: { httpGet: { port: 80 } } },
      },
    ],
    initContainers: [{ name: 'init', image: 'busybox:latest' }],
    volumes: [
      { name: 'scratch' },
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'sec', secret: { secretName: 's' } },
      { name: 'host', hostPath: { path: '/var/log' } },
      {
        name: 'info',
        downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
      },
      {
        name: 'all',
        projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'x' } }] },
      },
    ],
  };
  defaultPodSpec(spec);
  const c = spec.containers[0];
  const cases: Array<[string, unknown, unknown]> = [
    ['Always for :latest', spec.initContainers[0].imagePullPolicy, 'Always'],
    ['Always for an untagged image', c.imagePullPolicy, 'Always'],
    ['canonical limits', c.resources.limits, { cpu: '500m', memory: '128Mi' }],
    ['requests untouched in templates', c.resources.requests, { cpu: '250m' }],
    ['fieldRef apiVersion', c.env[0].valueFrom.fieldRef.apiVersion, 'v1'],
    ['resourceFieldRef divisor', c.env[1].valueFrom.resourceFieldRef.divisor, '0'],
    [
      'liveness probe',
      c.livenessProbe,
      {
        httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
    ],
    [
      'grpc probe',
      c.readinessProbe,
      {
        grpc: { port: 9090, service: '' },
        periodSeconds: 5,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
      },
    ],
    ['lifecycle httpGet', c.lifecycle.preStop.httpGet, { port: 80, path: '/', scheme: 'HTTP' }],
    ['empty volume becomes emptyDir', spec.volumes[0], { name: 'scratch', emptyDir: {} }],
    ['configMap defaultMode', spec.volumes[1].configMap.defaultMode, 420],
    ['secret defaultMode', spec.volumes[2].secret.defaultMode, 420],
    ['hostPath type', spec.volumes[3].hostPath.type, ''],
    [
      'downwardAPI',
      spec.volumes[4].downwardAPI,
      {
        defaultMode: 420,
        items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }],
      },
    ],
    ['projected defaultMode', spec.volumes[5].projected.defaultMode, 420],
    ['token expiration', spec.volumes[5].projected.sources[0].serviceAccountToken.expirationSeconds, 3600],
  ];
  for (const [name, got, want] of cases) it(name, () => assert.deepEqual(got, want));
});

describe('defaultPod', () => {
  it('copies limits into missing requests, sets enableServiceLinks and host ports', () => {
    const pod: Obj = {
      spec: {
        hostNetwork: true,
        containers: [
          {
            name: 'c',
            image: 'x',
            ports: [{ containerPort: 8080 }],
            resources: { limits: { cpu: '1', 'example.com/gpu': 1 } },
          },
        ],
      },
    };
    defaultPod(pod);
    assert.deepEqual(pod.spec.containers[0].resources, {
      limits: { cpu: '1', 'example.com/gpu': '1' },
      requests: { cpu: '1', 'example.com/gpu': '1' },
    });
    assert.equal(pod.spec.enableServiceLinks, true);
    assert.equal(pod.spec.containers[0].ports[0].hostPort, 8080);
  });
});

describe('podQOSClass', () => {
  const pod = (...resources: Obj[]): Obj => ({
    spec: { containers: resources.map((r, i) => ({ name: `c${i}`, resources: r })) },
  });
  const cases: Array<[string, Obj, string]> = [
    ['no resources', pod({}), 'BestEffort'],
    ['zero requests', pod({ requests: { cpu: '0' } }), 'BestEffort'],
    [
      'extended only',
      pod({ requests: { 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '1' } }),
      'BestEffort',
    ],
    [
      'equal cpu+memory',
      pod({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '0.5', memory: '1024Mi' } }),
      'Guaranteed',
    ],
    [
      'limits only (after pod defaulting)',
      pod({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }),
      'Guaranteed',
    ],
    [
      'requests below limits',
      pod({ requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }),
      'Burstable',
    ],
    ['cpu only', pod({ requests: { cpu: '1' }, limits: { cpu: '1' } }), 'Burstable'],
    [
      'one guaranteed, one best effort',
      pod({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }, {}),
      'Burstable',
    ],
  ];
  for (const [name, p, want] of cases) it(name, () => assert.equal(podQOSClass(p), want));
});

function templateErrors(spec: Obj, meta: Obj = {}): string[] {
  const t: Obj = { metadata: meta, spec };
  defaultPodTemplateSpec(t);
  return validatePodTemplateSpec(t, 'spec.template').map(fieldErrorString);
}

const c = (extra: Obj = {}): Obj => ({ name: 'app', image: 'nginx', ...extra });

describe('validatePodTemplateSpec', () => {
  it('accepts a plain template', () => assert.deepEqual(templateErrors({ containers: [c()] }), []));

  const cases: Array<[string, Obj, string[], Obj?]> = [
    ['no containers', { containers: [] }, ['spec.template.spec.containers: Required value']],
    [
      'bad container name and missing image',
      { containers: [{ name: 'App_1' }] },
      [
        "spec.template.spec.containers[0].name: Invalid value: \"App_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        'spec.template.spec.containers[0].image: Required value',
      ],
    ],
    [
      'duplicate container names',
      { containers: [c(), c()] },
      ['spec.template.spec.containers[1].name: Duplicate value: "app"'],
    ],
    [
      'init container name clashes with a container',
      { containers: [c()], initContainers: [c()] },
      ['spec.template.spec.initContainers[0].name: Duplicate value: "app"'],
    ],
    [
      'ports',
      {
        containers: [
          c({
            ports: [
              { containerPort: 0 },
              { containerPort: 70000, name: 'http', protocol: 'ICMP' },
              { containerPort: 80, name: 'http' },
            ],
          }),
        ],
      },
      [
        'spec.template.spec.containers[0].ports[0].containerPort: Required value',
        'spec.template.spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.template.spec.containers[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
        'spec.template.spec.containers[0].ports[2].name: Duplicate value: "http"',
      ],
    ],
    [
      'env name and valueFrom sources',
      {
        containers: [
          c({
            env: [
              { name: '' },
              { name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'B', valueFrom: {} },
              {
                name: 'C',
                valueFrom: {
                  configMapKeyRef: { name: 'cm', key: 'k' },
                  secretKeyRef: { name: 's', key: 'k' },
                },
              },
              { name: 'D', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
            ],
          }),
        ],
      },
      [
        'spec.template.spec.containers[0].env[0].name: Required value',
        'spec.template.spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        'spec.template.spec.containers[0].env[2].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        'spec.template.spec.containers[0].env[3].valueFrom: Invalid value: "": may not have more than one field specified at a time',
        'spec.template.spec.containers[0].env[4].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      ],
    ],
    [
      'volumes: duplicates, two sources, unknown mount',
      {
        containers: [c({ volumeMounts: [{ name: 'missing', mountPath: '/a' }] })],
        volumes: [
          { name: 'v', emptyDir: {} },
          { name: 'v', emptyDir: {} },
          { name: 'w', emptyDir: {}, hostPath: { path: '/data' } },
          { name: 'x', secret: {} },
          { name: 'y', configMap: { name: 'cm', defaultMode: 1000 } },
        ],
      },
      [
        'spec.template.spec.volumes[1].name: Duplicate value: "v"',
        'spec.template.spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type',
        'spec.template.spec.volumes[3].secret.secretName: Required value',
        'spec.template.spec.volumes[4].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive',
        'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "missing"',
      ],
    ],
    [
      'resources: requests above limits, unknown standard name, bad quantity',
      {
        containers: [
          c({ resources: { limits: { cpu: '500m', gpu: '1' }, requests: { cpu: '1', memory: 'lots' } } }),
        ],
      },
      [
        'spec.template.spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
        'spec.template.spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
        'spec.template.spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
        'spec.template.spec.containers[0].resources.requests[memory]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
      ],
    ],
    [
      'extended resources must not overcommit; kubernetes.io/ names are native',
      {
        containers: [
          c({
            resources: {
              limits: { 'example.com/gpu': '2', 'kubernetes.io/batch-cpu': '4k' },
              requests: { 'example.com/gpu': '1', 'example.com/fpga': '1', 'kubernetes.io/batch-cpu': '4k' },
            },
          }),
        ],
      },
      [
        'spec.template.spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
        'spec.template.spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
      ],
    ],
    [
      'probes: one handler, liveness successThreshold',
      {
        containers: [
          c({
            livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 }, successThreshold: 2 },
            readinessProbe: {},
          }),
        ],
      },
      [
        'spec.template.spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
        'spec.template.spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
        'spec.template.spec.containers[0].readinessProbe: Required value: must specify a handler type',
      ],
    ],
    [
      'restart and dns policy',
      { containers: [c()], restartPolicy: 'Sometimes', dnsPolicy: 'Nearby' },
      [
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.template.spec.dnsPolicy: Unsupported value: "Nearby": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    ],
    [
      'init containers may not have probes unless restartable',
      {
        containers: [c()],
        initContainers: [
          { name: 'init', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } },
          {
            name: 'sidecar',
            image: 'envoy',
            restartPolicy: 'Always',
            readinessProbe: { exec: { command: ['true'] } },
          },
          { name: 'odd', image: 'x', restartPolicy: 'Never' },
        ],
      },
      [
        'spec.template.spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
        'spec.template.spec.initContainers[2].restartPolicy: Unsupported value: "Never": supported values: "Always"',
      ],
    ],
    [
      'tolerations',
      {
        containers: [c()],
        tolerations: [
          { operator: 'Equal', value: 'x' },
          { key: 'k', operator: 'Exists', value: 'v' },
          { key: 'k', operator: 'Equal', effect: 'NoSchedule', tolerationSeconds: 5 },
          { key: 'k', effect: 'Sometimes' },
        ],
      },
      [
        'spec.template.spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
        'spec.template.spec.tolerations[1].operator: Invalid value: "v": value must be empty when `operator` is \'Exists\'',
        'spec.template.spec.tolerations[2].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
        'spec.template.spec.tolerations[3].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    ],
    [
      'affinity: node selector terms and pod affinity topology key',
      {
        containers: [c()],
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 101, podAffinityTerm: { labelSelector: { matchLabels: { app: 'x' } } } },
            ],
          },
        },
      },
      [
        'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term',
        'spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100',
        'spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Required value: can not be empty',
        'spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "": name part must be non-empty',
        "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
    [
      'topology spread constraints',
      {
        containers: [c()],
        topologySpreadConstraints: [
          { maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
          { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
          { maxSkew: 1, topologyKey: '', whenUnsatisfiable: 'Maybe' },
        ],
      },
      [
        'spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero',
        'spec.template.spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, DoNotSchedule}"',
        'spec.template.spec.topologySpreadConstraints[2].topologyKey: Required value: can not be empty',
        'spec.template.spec.topologySpreadConstraints[2].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"',
      ],
    ],
    [
      'security context',
      {
        containers: [
          c({ securityContext: { runAsUser: -1, privileged: true, allowPrivilegeEscalation: false } }),
        ],
        securityContext: { fsGroup: 3000000000, sysctls: [{ name: 'Net.Bad' }] },
      },
      [
        'spec.template.spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive',
        'spec.template.spec.containers[0].securityContext: Invalid value: {"runAsUser":-1,"privileged":true,"allowPrivilegeEscalation":false}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
        'spec.template.spec.securityContext.fsGroup: Invalid value: 3000000000: must be between 0 and 2147483647, inclusive',
        'spec.template.spec.securityContext.sysctls[0].name: Invalid value: "Net.Bad": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$',
      ],
    ],
    [
      'template labels are checked at <template>.labels',
      { containers: [c()] },
      [
        "spec.template.labels: Invalid value: \"-bad-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
      { labels: { app: '-bad-' } },
    ],
    [
      'no ephemeral containers in templates',
      { containers: [c()], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] },
      ['spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template'],
    ],
  ];
  for (const [name, spec, want, meta] of cases) {
    it(name, () => assert.deepEqual(templateErrors(spec, meta), want));
  }
});

describe('validatePodSpecWith (pod-only rules)', () => {
  it('requires hostPort to match containerPort with hostNetwork on pods', () => {
    const spec: Obj = {
      hostNetwork: true,
      containers: [c({ ports: [{ containerPort: 80, hostPort: 81 }] })],
    };
    defaultPodSpec(spec);
    assert.deepEqual(validatePodSpecWith(spec, 'spec', { resourceIsPod: true }).map(fieldErrorString), [
      'spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true',
    ]);
  });
  it('requires terminationGracePeriodSeconds (set by defaulting)', () => {
    assert.deepEqual(
      validatePodSpecWith(
        {
          containers: [c({ terminationMessagePolicy: 'File', imagePullPolicy: 'Always' })],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
        },
        'spec',
        {},
      ).map(fieldErrorString),
      ['spec.terminationGracePeriodSeconds: Required value'],
    );
  });
});
