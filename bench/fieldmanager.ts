/**
 * @module Field manager micro-benchmark: µs per managedFields update for a pod and Deployment create,
 * a label change, a status-subresource write, and a server-side re-apply of an unchanged Deployment.
 * Run with `npx tsx bench/fieldmanager.ts [--iterations=N] [--only=name] [--print]`.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../src/api/object.js';
import { getDefinition } from '../src/api/openapi/index.js';
import { deployments } from '../src/api/resources/apps/index.js';
import { podsResource } from '../src/api/resources/core/pods.js';
import { serverSideApply, updateManagedFields } from '../src/apiserver/fieldmanager/index.js';
import type { SchemaLookup } from '../src/apiserver/patch/schema.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const ITERATIONS = Number(args.get('iterations') ?? 20_000);
const ONLY = args.get('only');
const PRINT = args.has('print');

const lookup: SchemaLookup = getDefinition;
const POD = 'io.k8s.api.core.v1.Pod';
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';

function container(name: string, port: number): Record<string, unknown> {
  return {
    name,
    image: `registry.example/${name}:1.4.2`,
    command: ['/bin/server'],
    args: ['--port', String(port), '--log-level=info'],
    ports: [
      { name: 'http', containerPort: port },
      { name: 'metrics', containerPort: port + 1000 },
    ],
    env: [
      { name: 'MODE', value: 'production' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/ready', port }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port }, initialDelaySeconds: 10 },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
  };
}

function podSpec(): Record<string, unknown> {
  return {
    containers: [container('web', 8080), container('sidecar', 9090)],
    volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
  };
}

const labels = { app: 'web', tier: 'frontend', release: 'stable', 'app.kubernetes.io/version': '1.4.2' };

function newPod(): KubeObject {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-7c9d8f6b5-x2x4q',
      namespace: 'default',
      uid: '7f4c9a52-3f57-4f0e-9d7a-0b6f3c1e2d4a',
      creationTimestamp: T0,
      labels: { ...labels, 'pod-template-hash': '7c9d8f6b5' },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9080',
        'example.com/owner': 'team-web',
      },
    },
    spec: podSpec(),
    status: {},
  };
  podsResource.defaults!(pod);
  return pod;
}

function deploymentConfig(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels }, spec: podSpec() },
    },
  };
}

function newDeployment(): KubeObject {
  const d = structuredClone(deploymentConfig());
  d.metadata.uid = '1b0e2c1e-8f2d-4a55-a1f4-5b0c7a0d9e11';
  d.metadata.creationTimestamp = T0;
  d.metadata.generation = 1;
  d.status = {};
  deployments.defaults!(d);
  return d;
}

/** A copy sharing everything but the top-level object and metadata (what the tracker writes). */
function shallow(o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata } };
}

function created(obj: KubeObject, rootDefinition: string, apiVersion: string): KubeObject {
  const o = structuredClone(obj);
  updateManagedFields(undefined, o, {
    manager: 'kubectl-create',
    apiVersion,
    time: T0,
    rootDefinition,
    lookup,
    resetFields: [['status']],
  });
  return o;
}

interface Case {
  name: string;
  /** Runs once; returns the object whose managedFields the case produced. */
  run: () => KubeObject;
}

function cases(): Case[] {
  const pod = newPod();
  const deployment = newDeployment();

  const livePod = created(pod, POD, 'v1');
  const labelled = structuredClone(livePod);
  labelled.metadata.labels = { ...labelled.metadata.labels, release: 'canary' };

  const statusPod = structuredClone(livePod);
  statusPod.status = {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True', lastTransitionTime: T1 },
      { type: 'Ready', status: 'True', lastTransitionTime: T1 },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: T1 },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: T0 },
    ],
    hostIP: '10.0.0.4',
    podIP: '10.244.1.7',
    podIPs: [{ ip: '10.244.1.7' }],
    startTime: T1,
    qosClass: 'Burstable',
    containerStatuses: ['web', 'sidecar'].map((name) => ({
      name,
      ready: true,
      restartCount: 0,
      image: `registry.example/${name}:1.4.2`,
      imageID: `registry.example/${name}@sha256:0123`,
      containerID: `containerd://${name}`,
      started: true,
      state: { running: { startedAt: T1 } },
    })),
  };
  const statusReset = Object.keys(statusPod)
    .filter((k) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && k !== 'status')
    .map((k) => [k]);

  const config = deploymentConfig();
  const applied = serverSideApply(undefined, structuredClone(config), {
    manager: 'kubectl',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'web',
    time: T0,
    rootDefinition: DEPLOYMENT,
    lookup,
    resetFields: [['status']],
  });
  applied.metadata.uid = '1b0e2c1e-8f2d-4a55-a1f4-5b0c7a0d9e11';
  applied.metadata.creationTimestamp = T0;
  deployments.defaults!(applied);

  const createOpts = (rootDefinition: string, apiVersion: string) => ({
    manager: 'kubectl-create',
    apiVersion,
    time: T0,
    rootDefinition,
    lookup,
    resetFields: [['status']],
  });
  return [
    {
      name: 'create pod',
      run: () => {
        const o = shallow(pod);
        updateManagedFields(undefined, o, createOpts(POD, 'v1'));
        return o;
      },
    },
    {
      name: 'create deployment',
      run: () => {
        const o = shallow(deployment);
        updateManagedFields(undefined, o, createOpts(DEPLOYMENT, 'apps/v1'));
        return o;
      },
    },
    {
      name: 'update pod label',
      run: () => {
        const o = shallow(labelled);
        updateManagedFields(livePod, o, {
          manager: 'kubectl-label',
          apiVersion: 'v1',
          time: T1,
          rootDefinition: POD,
          lookup,
          resetFields: [['status']],
        });
        return o;
      },
    },
    {
      name: 'update pod status',
      run: () => {
        const o = shallow(statusPod);
        updateManagedFields(livePod, o, {
          manager: 'kubelet',
          subresource: 'status',
          apiVersion: 'v1',
          time: T1,
          rootDefinition: POD,
          lookup,
          resetFields: statusReset,
        });
        return o;
      },
    },
    {
      name: 'apply unchanged deployment',
      run: () =>
        serverSideApply(applied, config, {
          manager: 'kubectl',
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          time: T1,
          rootDefinition: DEPLOYMENT,
          lookup,
          resetFields: [['status']],
        }),
    },
  ];
}

function digest(o: KubeObject): string {
  return createHash('sha256')
    .update(JSON.stringify(o.metadata.managedFields ?? null))
    .digest('hex')
    .slice(0, 12);
}

function measure(c: Case): number {
  const warm = Math.max(200, ITERATIONS / 10);
  for (let i = 0; i < warm; i++) c.run();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const n = Math.ceil(ITERATIONS / 5);
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) c.run();
    const us = Number(process.hrtime.bigint() - start) / 1e3 / n;
    best = Math.min(best, us);
  }
  return best;
}

const all = cases().filter((c) => !ONLY || c.name.includes(ONLY));
for (const c of all) {
  const out = c.run();
  if (PRINT) console.log(JSON.stringify(out.metadata.managedFields, null, 1));
  const { managedFields: _mf, ...meta } = out.metadata;
  const bytes = JSON.stringify({ ...out, metadata: meta }).length;
  console.log(
    `${c.name.padEnd(28)} ${measure(c).toFixed(1).padStart(8)} µs/call  (object ${bytes} B + managedFields, digest ${digest(out)})`,
  );
}
