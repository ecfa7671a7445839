/** @module Builders of Deployments and ReplicaSets for the deployment controller's table tests. */
import type { Deployment, ReplicaSet } from '../../client/resources.js';
import type { IntOrString } from './deployment-util.js';

/** A Deployment "foo" in "ns" (RollingUpdate with maxSurge and maxUnavailable 0 unless given, as upstream's tests). */
export function dep(
  replicas: number,
  o: {
    surge?: IntOrString;
    unavailable?: IntOrString;
    type?: 'RollingUpdate' | 'Recreate';
    annotations?: Record<string, string>;
  } = {},
): Deployment {
  const type = o.type ?? 'RollingUpdate';
  return {
    metadata: { name: 'foo', namespace: 'ns', uid: 'd-uid', generation: 1, annotations: o.annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'foo' } },
      template: {
        metadata: { labels: { app: 'foo' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
      strategy:
        type === 'Recreate'
          ? { type }
          : { type, rollingUpdate: { maxSurge: o.surge ?? 0, maxUnavailable: o.unavailable ?? 0 } },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
    },
  };
}

/** A ReplicaSet created `created` seconds after a fixed time, fully available unless told. */
export function rs(
  name: string,
  replicas: number,
  o: { created?: number; available?: number; annotations?: Record<string, string> } = {},
): ReplicaSet {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: new Date(Date.parse('2024-01-01T00:00:00Z') + (o.created ?? 0) * 1000).toISOString(),
      annotations: o.annotations,
    },
    spec: { replicas, selector: { matchLabels: { app: 'foo' } } },
    status: { replicas, availableReplicas: o.available ?? replicas },
  };
}
