/** @module NodePorts: a pod's host ports must be free on the node. */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
  PreFilterPlugin,
  PreFilterResult,
} from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, Pod } from '../../framework/types.js';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";
const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
const REJECTED = Status.unschedulable(ERR_REASON).withPlugin(NAME);

/** A host port a pod asks for. */
export interface HostPort {
  hostIP: string | undefined;
  protocol: string | undefined;
  hostPort: number;
}

/**
 * The host ports of the pod's containers and of its restartable (sidecar) init containers, which run as
 * long as the pod (upstream's GetHostPorts).
 */
export function getHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const add = (c: { ports?: Array<{ hostPort?: number; hostIP?: string; protocol?: string }> }): void => {
    for (const p of c.ports ?? []) {
      if (p.hostPort !== undefined && p.hostPort > 0)
        out.push({ hostIP: p.hostIP, protocol: p.protocol, hostPort: p.hostPort });
    }
  };
  for (const c of pod.spec?.initContainers ?? []) if (c.restartPolicy === 'Always') add(c);
  for (const c of pod.spec?.containers ?? []) add(c);
  return out;
}

class PreFilterState implements StateData {
  constructor(readonly ports: readonly HostPort[]) {}
  clone(): StateData {
    return this;
  }
}

/** Whether none of `ports` conflicts with a port in use on the node. */
export function fitsPorts(ports: readonly HostPort[], nodeInfo: NodeInfo): boolean {
  const used = nodeInfo.usedPorts;
  if (used.size === 0) return true;
  for (const p of ports) if (used.conflicts(p.hostIP, p.protocol, p.hostPort)) return false;
  return true;
}

export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;

  preFilter(
    state: CycleState,
    pod: Pod,
    _nodes?: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status } {
    const ports = getHostPorts(pod);
    if (ports.length === 0) return { status: Status.skip() };
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(ports));
    return { status: Status.success() };
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (!s) return Status.error(`reading "${PRE_FILTER_STATE_KEY}" from cycleState: not found`);
    return fitsPorts(s.ports, nodeInfo) ? Status.success() : REJECTED;
  }

  eventsToRegister(): ClusterEvent[] {
    return [
      // Container ports are immutable: only a deleted pod frees one.
      { resource: 'Pod', actions: ['Delete'] },
      { resource: 'Node', actions: ['Add', 'UpdateNodeTaint', 'UpdateNodeLabel'] },
    ];
  }
}

export const newNodePorts: PluginFactory = () => new NodePorts();
