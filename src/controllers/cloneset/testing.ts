/** @module Builders of CloneSets and pods for the CloneSet controller's unit tests. */
import type { CloneSet, Pod } from '../../client/resources.js';
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
