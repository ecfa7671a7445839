/**
 * @module The agent's core/v1 Event recorder: the shared background recorder (aggregating repeats, bounded
 * queue) with the kubelet's source (component `kubelet`, host = node name) and upstream's event reasons.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../../client/client.js';
import { EVENTS, type Event } from '../../client/resources.js';
import { EventRecorder, type EventSink } from '../../scheduler/events.js';
import type { Clock } from '../../util/clock.js';

/** Upstream's kubelet event reasons (pkg/kubelet/events). */
export const Reasons = {
  Pulled: 'Pulled',
  Created: 'Created',
  Started: 'Started',
  Failed: 'Failed',
  Killing: 'Killing',
  BackOff: 'BackOff',
  Unhealthy: 'Unhealthy',
  FailedMount: 'FailedMount',
  FailedPostStartHook: 'FailedPostStartHook',
  FailedPreStopHook: 'FailedPreStopHook',
  ExceededGracePeriod: 'ExceededGracePeriod',
  NodeReady: 'NodeReady',
  NodeNotReady: 'NodeNotReady',
  Starting: 'Starting',
  RegisteredNode: 'RegisteredNode',
  NodeHasSufficientMemory: 'NodeHasSufficientMemory',
  NodeHasInsufficientMemory: 'NodeHasInsufficientMemory',
  NodeHasNoDiskPressure: 'NodeHasNoDiskPressure',
  NodeHasDiskPressure: 'NodeHasDiskPressure',
  NodeHasSufficientPID: 'NodeHasSufficientPID',
  NodeHasInsufficientPID: 'NodeHasInsufficientPID',
  DeadlineExceeded: 'DeadlineExceeded',
} as const;

/** What the agent records events through (the recorder below, or a fake in tests). */
export interface AgentEvents {
  eventf(
    obj: {
      apiVersion?: string;
      kind?: string;
      metadata: { name?: string; namespace?: string; uid?: string };
    },
    type: 'Normal' | 'Warning',
    reason: string,
    action: string,
    message: string,
  ): void;
  flush(): Promise<void>;
}

/** A recorder writing through the client, with `source.host` set to the node's name. */
export function kubeletEventRecorder(opts: {
  client: KubeClient;
  nodeName: string;
  clock: Clock;
  logger?: Logger;
}): EventRecorder {
  const sink: EventSink = {
    create: (e) => {
      const ev = { ...e, source: { component: 'kubelet', host: opts.nodeName } } as unknown as Event;
      return opts.client.create(EVENTS, ev, { namespace: e.metadata.namespace });
    },
    update: async (namespace, name, count, lastTimestamp) => {
      await opts.client.patch(EVENTS, name, { count, lastTimestamp }, { type: 'merge', namespace });
    },
  };
  return new EventRecorder({
    sink,
    clock: opts.clock,
    component: 'kubelet',
    instance: opts.nodeName,
    logger: opts.logger,
  });
}
