/** @module Builders of CloneSets and pods for the CloneSet controller's unit tests. */
import { isStatusError } from '../../api/errors.js';
import type { KubeClient } from '../../client/client.js';
import { PODS, type CloneSet, type Pod } from '../../client/resources.js';
import { rfc3339 } from '../../util/clock.js';
import type { IntOrString } from './int-or-percent.js';
import { CONTROLLER_REVISION_HASH_LABEL, LIFECYCLE_STATE_KEY, SPECIFIED_DELETE_KEY } from './constants.js';

export const TEST_NOW = new Date('2024-01-01T00:10:00Z');

/** A CloneSet with the given replicas and update strategy numbers (as upstream's createTestCloneSet). */
export function testCloneSet(
  replicas: number,
  partition: IntOrString,
  maxUnavailable: IntOrString,
  maxSurge: IntOrString,
): CloneSet {
  return {
    apiVersion: 'apps.kruise.io/v1alpha1',
    kind: 'CloneSet',
    metadata: { name: 'cs', namespace: 'default', uid: 'cs-uid' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'demo' } },
      template: {
        metadata: { labels: { app: 'demo' } },
        spec: { containers: [{ name: 'main', image: 'img:1' }] },
      },
      updateStrategy: { partition, maxUnavailable, maxSurge },
    },
  };
}

let podSeq = 0;

export interface TestPodOptions {
  revision?: string;
  state?: string;
  ready?: boolean;
  specifiedDelete?: boolean;
  name?: string;
  phase?: string;
  nodeName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  readySince?: string;
  restarts?: number;
}

/** A pod (upstream's createTestPod): ready means phase Running with Ready=True. */
export function testPod(o: TestPodOptions = {}): Pod {
  const labels: Record<string, string> = { ...o.labels };
  if (o.revision !== undefined) labels[CONTROLLER_REVISION_HASH_LABEL] = o.revision;
  if (o.state !== undefined) labels[LIFECYCLE_STATE_KEY] = o.state;
  if (o.specifiedDelete) labels[SPECIFIED_DELETE_KEY] = 'true';
  const name = o.name ?? `pod-${podSeq++}`;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels },
    spec: { containers: [{ name: 'main', image: 'img:1' }] },
  };
  if (o.annotations) pod.metadata.annotations = { ...o.annotations };
  if (o.creationTimestamp) pod.metadata.creationTimestamp = o.creationTimestamp;
  if (o.nodeName) pod.spec!.nodeName = o.nodeName;
  if (o.ready) {
    pod.status = {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: o.readySince ?? '2024-01-01T00:00:00Z' },
      ],
    };
  } else if (o.phase) {
    pod.status = { phase: o.phase };
  }
  if (o.phase && pod.status) pod.status.phase = o.phase;
  if (o.restarts !== undefined) {
    pod.status ??= {};
    pod.status.containerStatuses = [
      { name: 'main', image: 'img:1', imageID: 'img:1', ready: !!o.ready, restartCount: o.restarts },
    ];
  }
  return pod;
}

/**
 * Plays the node agent for one pod: Running, containers ready (or not), imageID = the image string, the
 * Ready condition following ContainersReady and the readiness gates; conditions it does not own are kept.
 * `restarted` names containers whose restartCount goes up by one.
 */
export async function reportPodStatus(
  client: KubeClient,
  pod: Pod,
  opts: { ready: boolean; restarted?: string[]; node?: string },
): Promise<Pod> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await writePodStatus(client, pod, opts);
    } catch (err) {
      if (!isStatusError(err) || err.code !== 409 || attempt >= 5) throw err;
    }
  }
}

async function writePodStatus(
  client: KubeClient,
  pod: Pod,
  opts: { ready: boolean; restarted?: string[]; node?: string },
): Promise<Pod> {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  let fresh = await client.get(PODS, name, { namespace: ns });
  if (opts.node && !fresh.spec?.nodeName) {
    await client.bindPod(ns, name, opts.node);
    fresh = await client.get(PODS, name, { namespace: ns });
  }
  const now = rfc3339(new Date());
  const old = new Map((fresh.status?.containerStatuses ?? []).map((c) => [c.name, c]));
  const containerStatuses = (fresh.spec?.containers ?? []).map((c) => {
    const prev = old.get(c.name);
    const restarts = (prev?.restartCount ?? 0) + (opts.restarted?.includes(c.name) ? 1 : 0);
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: c.image ?? '',
      ready: opts.ready,
      restartCount: restarts,
      started: true,
      state: { running: { startedAt: now } },
    };
  });
  const kept = (fresh.status?.conditions ?? []).filter(
    (c) => !['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].includes(c.type),
  );
  const gatesOk = (fresh.spec?.readinessGates ?? []).every(
    (g) => kept.find((c) => c.type === g.conditionType)?.status === 'True',
  );
  const prevReady = fresh.status?.conditions?.find((c) => c.type === 'Ready');
  const ready = opts.ready && gatesOk;
  const readyCondition =
    prevReady && (prevReady.status === 'True') === ready
      ? prevReady
      : { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now };
  fresh.status = {
    ...fresh.status,
    phase: 'Running',
    conditions: [
      ...kept,
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: opts.ready ? 'True' : 'False', lastTransitionTime: now },
      readyCondition,
    ],
    containerStatuses,
  };
  return client.updateStatus(PODS, fresh);
}
