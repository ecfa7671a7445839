/**
 * @module The cluster events the scheduler reacts to (upstream's internal/queue/events.go) and how an event
 * is matched against what a plugin registered.
 */
import type { ActionType, ClusterEvent, EventResource } from '../framework/interface.js';
import type { Node } from '../framework/types.js';

/** One change the scheduler observed; `label` names it in logs and metrics. */
export interface QueueEvent {
  resource: EventResource;
  action: ActionType;
  label: string;
}

const ev = (resource: EventResource, action: ActionType, label: string): QueueEvent =>
  Object.freeze({ resource, action, label });

export const AssignedPodAdd = ev('AssignedPod', 'Add', 'AssignedPodAdd');
export const AssignedPodUpdate = ev('AssignedPod', 'Update', 'AssignedPodUpdate');
export const AssignedPodDelete = ev('AssignedPod', 'Delete', 'AssignedPodDelete');
export const UnscheduledPodDelete = ev('UnscheduledPod', 'Delete', 'UnscheduledPodDelete');
export const NodeAdd = ev('Node', 'Add', 'NodeAdd');
export const NodeSpecUnschedulableChange = ev('Node', 'UpdateNodeTaint', 'NodeSpecUnschedulableChange');
export const NodeAllocatableChange = ev('Node', 'UpdateNodeAllocatable', 'NodeAllocatableChange');
export const NodeLabelChange = ev('Node', 'UpdateNodeLabel', 'NodeLabelChange');
export const NodeTaintChange = ev('Node', 'UpdateNodeTaint', 'NodeTaintChange');
export const NodeConditionChange = ev('Node', 'UpdateNodeCondition', 'NodeConditionChange');
export const NodeAnnotationChange = ev('Node', 'Update', 'NodeAnnotationChange');
/** Pods that sat in the unschedulable set longer than podMaxInUnschedulablePodsDuration. */
export const UnschedulableTimeout = ev('*', 'All', 'UnschedulableTimeout');
/** Pods another component asked to retry now. */
export const ForceActivate = ev('*', 'All', 'ForceActivate');
export const PodDisruptionBudgetChange = ev('PodDisruptionBudget', 'Update', 'PodDisruptionBudgetChange');
export const NamespaceChange = ev('Namespace', 'Update', 'NamespaceChange');

export function isWildCard(e: {
  resource: EventResource;
  action?: ActionType;
  actions?: readonly ActionType[];
}): boolean {
  if (e.resource !== '*') return false;
  return e.action === 'All' || (e.actions?.includes('All') ?? false);
}

function resourceMatches(registered: EventResource, incoming: EventResource): boolean {
  return (
    registered === '*' ||
    registered === incoming ||
    (registered === 'Pod' && (incoming === 'AssignedPod' || incoming === 'UnscheduledPod'))
  );
}

function actionMatches(registered: ActionType, incoming: ActionType): boolean {
  if (registered === 'All' || registered === incoming) return true;
  // A plugin that registered the generic Update hears every specific update.
  return registered === 'Update' && incoming.startsWith('Update');
}

/**
 * Whether `incoming` is the same as or more specific than what `registered` asks for (upstream's
 * MatchClusterEvents). A wildcard incoming event only matches a wildcard registration; the queue treats
 * wildcard events as moving every pod anyway.
 */
export function eventMatches(registered: ClusterEvent, incoming: QueueEvent): boolean {
  if (isWildCard(registered)) return true;
  if (!resourceMatches(registered.resource, incoming.resource)) return false;
  for (const a of registered.actions) if (actionMatches(a, incoming.action)) return true;
  return false;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The events a node update amounts to for scheduling (upstream's nodeSchedulingPropertiesChange); empty
 * when nothing the scheduler reads changed.
 */
export function nodeSchedulingPropertiesChange(newNode: Node, oldNode: Node): QueueEvent[] {
  const out: QueueEvent[] = [];
  if ((newNode.spec?.unschedulable ?? false) !== (oldNode.spec?.unschedulable ?? false)) {
    out.push(NodeSpecUnschedulableChange);
  }
  if (!sameJson(newNode.status?.allocatable, oldNode.status?.allocatable)) out.push(NodeAllocatableChange);
  if (!sameJson(newNode.metadata.labels, oldNode.metadata.labels)) out.push(NodeLabelChange);
  if (!sameJson(newNode.spec?.taints, oldNode.spec?.taints)) out.push(NodeTaintChange);
  const conds = (n: Node): unknown =>
    (n.status?.conditions ?? []).map((c) => [c.type, c.status]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
  if (!sameJson(conds(newNode), conds(oldNode))) out.push(NodeConditionChange);
  if (!sameJson(newNode.metadata.annotations, oldNode.metadata.annotations)) out.push(NodeAnnotationChange);
  return out;
}
