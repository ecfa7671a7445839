/**
 * @module Pods nominated to nodes by preemption (upstream's nominator): the scheduler keeps their room free
 * from lower-priority pods until they are scheduled or give up.
 */
import type { PodNominator } from '../framework/interface.js';
import { podKey, type Pod, type PodInfo } from '../framework/types.js';

/**
 * Where a failed cycle leaves the pod's nomination: `override` sets it (an empty name clears it), `noop`
 * keeps whatever the pod's status.nominatedNodeName says.
 */
export interface NominatingInfo {
  mode: 'override' | 'noop';
  nominatedNodeName: string;
}

/** Clears a pod's nomination. */
export const CLEAR_NOMINATED_NODE: NominatingInfo = Object.freeze({
  mode: 'override',
  nominatedNodeName: '',
});

function uidOf(pod: Pod): string {
  return pod.metadata.uid || podKey(pod);
}

/** Nominated pods by node. Looks pods up through `podLister` so bound or deleted pods are not nominated. */
export class Nominator implements PodNominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeByUid = new Map<string, string>();

  constructor(private readonly podLister?: (namespace: string, name: string) => Pod | undefined) {}

  /** Nominates per `info` (default: the pod's own status.nominatedNodeName). */
  add(pi: PodInfo, info?: NominatingInfo): void {
    this.delete(pi.pod);
    const nodeName =
      info?.mode === 'override' ? info.nominatedNodeName : (pi.pod.status?.nominatedNodeName ?? '');
    if (!nodeName) return;
    if (this.podLister) {
      const current = this.podLister(pi.pod.metadata.namespace ?? '', pi.pod.metadata.name ?? '');
      if (!current || current.spec?.nodeName) return;
    }
    const uid = uidOf(pi.pod);
    this.nodeByUid.set(uid, nodeName);
    let list = this.byNode.get(nodeName);
    if (!list) this.byNode.set(nodeName, (list = []));
    if (!list.some((x) => uidOf(x.pod) === uid)) list.push(pi);
  }

  addNominatedPod(pi: PodInfo, nodeName: string): void {
    this.add(pi, { mode: 'override', nominatedNodeName: nodeName });
  }

  delete(pod: Pod): void {
    const uid = uidOf(pod);
    const nodeName = this.nodeByUid.get(uid);
    if (nodeName === undefined) return;
    this.nodeByUid.delete(uid);
    const list = this.byNode.get(nodeName);
    if (!list) return;
    const i = list.findIndex((x) => uidOf(x.pod) === uid);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byNode.delete(nodeName);
  }

  deleteNominatedPodIfExists(pod: Pod): void {
    this.delete(pod);
  }

  /**
   * Keeps the nomination across an update that neither sets nor clears status.nominatedNodeName (upstream's
   * UpdateNominatedPod), and refreshes the stored pod.
   */
  update(oldPod: Pod, newPodInfo: PodInfo): void {
    let info: NominatingInfo | undefined;
    if (!oldPod.status?.nominatedNodeName && !newPodInfo.pod.status?.nominatedNodeName) {
      const nodeName = this.nodeByUid.get(uidOf(oldPod));
      if (nodeName !== undefined) info = { mode: 'override', nominatedNodeName: nodeName };
    }
    this.delete(oldPod);
    this.add(newPodInfo, info);
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? EMPTY;
  }

  /** The node a pod is nominated to, if any. */
  nominatedNodeOf(pod: Pod): string | undefined {
    return this.nodeByUid.get(uidOf(pod));
  }

  get size(): number {
    return this.nodeByUid.size;
  }
}

const EMPTY: readonly PodInfo[] = Object.freeze([]);
