/** @module The in-tree plugin registry: every plugin name Skiff ships, mapped to its factory. */
import type { PluginFactory } from './interface.js';
import { NAME as DefaultBinder, newDefaultBinder } from '../plugins/default-binder/default-binder.js';
import {
  NAME as DefaultPreemption,
  newDefaultPreemption,
} from '../plugins/default-preemption/default-preemption.js';
import { NAME as DeviceShare, newDeviceShare } from '../plugins/device-share/device-share.js';
import {
  NAME as InterPodAffinity,
  newInterPodAffinity,
} from '../plugins/inter-pod-affinity/inter-pod-affinity.js';
import { NAME as NodeAffinity, newNodeAffinity } from '../plugins/node-affinity/node-affinity.js';
import { NAME as NodeName, newNodeName } from '../plugins/node-name/node-name.js';
import { NAME as NodePorts, newNodePorts } from '../plugins/node-ports/node-ports.js';
import {
  NAME as NodeResourcesBalancedAllocation,
  newNodeResourcesBalancedAllocation,
} from '../plugins/node-resources/balanced-allocation.js';
import {
  NAME as NodeResourcesFit,
  newNodeResourcesFit,
} from '../plugins/node-resources/node-resources-fit.js';
import {
  NAME as NodeUnschedulable,
  newNodeUnschedulable,
} from '../plugins/node-unschedulable/node-unschedulable.js';
import {
  NAME as PodTopologySpread,
  newPodTopologySpread,
} from '../plugins/pod-topology-spread/pod-topology-spread.js';
import { NAME as PrioritySort, newPrioritySort } from '../plugins/queue-sort/priority-sort.js';
import { NAME as SchedulingGates, newSchedulingGates } from '../plugins/scheduling-gates/scheduling-gates.js';
import { NAME as TaintToleration, newTaintToleration } from '../plugins/taint-toleration/taint-toleration.js';

/** Plugin factories by plugin name. */
export type Registry = ReadonlyMap<string, PluginFactory>;

/** A fresh registry of every in-tree plugin (callers may add out-of-tree ones to the copy). */
export function inTreeRegistry(): Map<string, PluginFactory> {
  return new Map<string, PluginFactory>([
    [SchedulingGates, newSchedulingGates],
    [PrioritySort, newPrioritySort],
    [NodeUnschedulable, newNodeUnschedulable],
    [NodeName, newNodeName],
    [TaintToleration, newTaintToleration],
    [NodeAffinity, newNodeAffinity],
    [NodePorts, newNodePorts],
    [NodeResourcesFit, newNodeResourcesFit],
    [NodeResourcesBalancedAllocation, newNodeResourcesBalancedAllocation],
    [DeviceShare, newDeviceShare],
    [PodTopologySpread, newPodTopologySpread],
    [InterPodAffinity, newInterPodAffinity],
    [DefaultPreemption, newDefaultPreemption],
    [DefaultBinder, newDefaultBinder],
  ]);
}

/** `base` plus `extra`; a name present in both is an error (upstream's Registry.Merge). */
export function mergeRegistries(base: Registry, extra: Registry): Map<string, PluginFactory> {
  const out = new Map(base);
  for (const [name, f] of extra) {
    if (out.has(name)) throw new Error(`a plugin named ${name} already exists`);
    out.set(name, f);
  }
  return out;
}
