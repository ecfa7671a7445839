/** @module NodeName: a pod that names a node (spec.nodeName) fits only that node. */
import type { CycleState } from '../../framework/cycle-state.js';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
} from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, Pod } from '../../framework/types.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";
// Shared, already stamped with the plugin name: Filter allocates nothing per rejected node.
const REJECTED = Status.unresolvable(ERR_REASON).withPlugin(NAME);

/** Whether the pod names no node or names this one. */
export function fits(pod: Pod, nodeInfo: NodeInfo): boolean {
  const want = pod.spec?.nodeName;
  return !want || want === nodeInfo.name;
}

export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    return fits(pod, nodeInfo) ? Status.success() : REJECTED;
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', actions: ['Add', 'UpdateNodeTaint', 'UpdateNodeLabel'] }];
  }
}

export const newNodeName: PluginFactory = () => new NodeName();
