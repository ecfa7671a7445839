/** @module SchedulingGates: a pod with spec.schedulingGates stays out of the active queue until they are gone. */
import type {
  ClusterEvent,
  EnqueueExtensions,
  PluginFactory,
  PreEnqueuePlugin,
} from '../../framework/interface.js';
import { Code, Status } from '../../framework/status.js';
import type { Pod } from '../../framework/types.js';

export const NAME = 'SchedulingGates';

export class SchedulingGates implements PreEnqueuePlugin, EnqueueExtensions {
  readonly name = NAME;

  preEnqueue(pod: Pod): Status {
    const gates = pod.spec?.schedulingGates;
    if (!gates || gates.length === 0) return Status.success();
    // Upstream's message prints the names as a Go slice: [a b].
    return Status.of(Code.Pending, `waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Pod', actions: ['Update'] }];
  }
}

export const newSchedulingGates: PluginFactory = () => new SchedulingGates();
