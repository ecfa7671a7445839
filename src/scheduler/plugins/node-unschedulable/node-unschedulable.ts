/**
 * @module NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods that tolerate the
 * `node.kubernetes.io/unschedulable:NoSchedule` taint.
 */
import type { CycleState } from '../../framework/cycle-state.js';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
} from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, Pod } from '../../framework/types.js';
import {
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_NODE_UNSCHEDULABLE,
  tolerationsTolerateTaint,
} from '../helpers/taints.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNKNOWN_CONDITION = 'node(s) had unknown conditions';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const REJECTED_UNKNOWN = Status.unresolvable(ERR_REASON_UNKNOWN_CONDITION).withPlugin(NAME);
const REJECTED_UNSCHEDULABLE = Status.unresolvable(ERR_REASON_UNSCHEDULABLE).withPlugin(NAME);
const UNSCHEDULABLE_TAINT = { key: TAINT_NODE_UNSCHEDULABLE, effect: TAINT_EFFECT_NO_SCHEDULE };

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    if (!nodeInfo.node) return REJECTED_UNKNOWN;
    if (nodeInfo.unschedulable && !tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) {
      return REJECTED_UNSCHEDULABLE;
    }
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    // spec.unschedulable changes arrive as UpdateNodeTaint, as upstream classifies them.
    return [{ resource: 'Node', actions: ['Add', 'UpdateNodeTaint', 'UpdateNodeLabel'] }];
  }
}

export const newNodeUnschedulable: PluginFactory = () => new NodeUnschedulable();
