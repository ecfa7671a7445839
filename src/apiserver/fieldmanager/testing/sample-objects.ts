/** @module Realistic defaulted objects (a two-container pod, a Deployment) for field manager benchmarks and tests. */
import type { KubeObject } from '../../../api/object.js';
import { deployments } from '../../../api/resources/apps/index.js';
import { podsResource } from '../../../api/resources/core/pods.js';

export const POD_DEFINITION = 'io.k8s.api.core.v1.Pod';
export const DEPLOYMENT_DEFINITION = 'io.k8s.api.apps.v1.Deployment';
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

/** A ~3 KB pod as the API server holds it after create defaulting (no managedFields yet). */
export function samplePod(): KubeObject {
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

/** The status a kubelet writes for {@link samplePod} once it runs. */
export function sampleRunningPodStatus(): Record<string, unknown> {
  return {
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
}

/** The Deployment manifest a user applies (not defaulted). */
export function sampleDeploymentManifest(): KubeObject {
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

/** {@link sampleDeploymentManifest} as the API server holds it after create defaulting. */
export function sampleDeployment(): KubeObject {
  const d = sampleDeploymentManifest();
  d.metadata.uid = '1b0e2c1e-8f2d-4a55-a1f4-5b0c7a0d9e11';
  d.metadata.creationTimestamp = T0;
  d.metadata.generation = 1;
  d.status = {};
  deployments.defaults!(d);
  return d;
}
