/**
 * @module The scheduler's cache (upstream's internal/cache): NodeInfos kept current from node and
 * assigned-pod informer events plus pods the scheduler assumed before their binding landed, and the
 * incremental update of a {@link Snapshot} that copies only NodeInfos whose generation moved.
 */
import type { Clock } from '../../util/clock.js';
import { NodeInfo, PodInfo, podKey, type Node, type Pod } from '../framework/types.js';
import { NodeTree } from './node-tree.js';
import type { Snapshot } from './snapshot.js';

/** A NodeInfo in the cache's recency list: the most recently changed is at the head. */
interface NodeInfoListItem {
  name: string;
  info: NodeInfo;
  next: NodeInfoListItem | undefined;
  prev: NodeInfoListItem | undefined;
}

interface PodState {
  pod: Pod;
  /** When an assumed pod whose binding finished expires (ms since epoch); undefined: never. */
  deadline: number | undefined;
  bindingFinished: boolean;
}

export interface CacheOptions {
  clock: Clock;
  /**
   * How long an assumed pod whose binding finished may wait for the informer to confirm it; 0 (upstream's
   * default since 1.26) keeps it until confirmed or forgotten.
   */
  assumedPodTtlMs?: number;
}

/** The cache key of a pod: its uid (namespace/name when it has none). */
export function cacheKey(pod: Pod): string {
  return pod.metadata.uid || podKey(pod);
}

/**
 * Pod lifecycle as upstream: Assume → (FinishBinding) → Add (confirmed by the informer) → Update* →
 * Remove; or Assume → Forget when a later step fails; or expiry when a TTL is set. Methods throw an Error
 * for calls out of that order.
 */
export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfoListItem>();
  private head: NodeInfoListItem | undefined;
  private readonly nodeTree = new NodeTree();
  private readonly podStates = new Map<string, PodState>();
  private readonly assumedPods = new Set<string>();
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(opts: CacheOptions) {
    this.clock = opts.clock;
    this.ttlMs = opts.assumedPodTtlMs ?? 0;
  }

  /** Adds the pod to its node as if bound (the pod must carry spec.nodeName). */
  assumePod(pod: Pod, podInfo?: PodInfo): void {
    const key = cacheKey(pod);
    if (this.podStates.has(key))
      throw new Error(`pod ${podKey(pod)}(${key}) is in the cache, so can't be assumed`);
    this.addPodToNode(podInfo ?? new PodInfo(pod));
    this.podStates.set(key, { pod, deadline: undefined, bindingFinished: false });
    this.assumedPods.add(key);
  }

  /** The binding call returned; an assumed pod's TTL (if any) starts now. */
  finishBinding(pod: Pod): void {
    const key = cacheKey(pod);
    const ps = this.podStates.get(key);
    if (ps && this.assumedPods.has(key)) {
      ps.bindingFinished = true;
      ps.deadline = this.ttlMs > 0 ? this.clock.now().getTime() + this.ttlMs : undefined;
    }
  }

  /** Drops an assumed pod whose binding failed. */
  forgetPod(pod: Pod): void {
    const key = cacheKey(pod);
    const ps = this.podStates.get(key);
    if (ps && ps.pod.spec?.nodeName !== pod.spec?.nodeName) {
      throw new Error(
        `pod ${podKey(pod)}(${key}) was assumed on ${pod.spec?.nodeName} but assigned to ${ps.pod.spec?.nodeName}`,
      );
    }
    if (ps && this.assumedPods.has(key)) {
      this.removePodFromNode(ps.pod);
      this.assumedPods.delete(key);
      this.podStates.delete(key);
      return;
    }
    throw new Error(`pod ${podKey(pod)}(${key}) wasn't assumed so cannot be forgotten`);
  }

  /** An assigned pod arrived from the informer: confirms an assumed pod or adds a new one. */
  addPod(pod: Pod): void {
    const pi = new PodInfo(pod);
    const key = cacheKey(pod);
    const ps = this.podStates.get(key);
    if (ps && this.assumedPods.has(key)) {
      // The bound pod replaces the assumed copy (on its real node, should that differ).
      this.removePodFromNode(ps.pod);
      this.addPodToNode(pi);
      this.assumedPods.delete(key);
      ps.pod = pod;
      ps.deadline = undefined;
      return;
    }
    if (!ps) {
      this.addPodToNode(pi);
      this.podStates.set(key, { pod, deadline: undefined, bindingFinished: false });
      return;
    }
    throw new Error(`pod ${podKey(pod)}(${key}) was already in added state`);
  }

  updatePod(oldPod: Pod, newPod: Pod): void {
    const key = cacheKey(oldPod);
    const ps = this.podStates.get(key);
    if (!ps || this.assumedPods.has(key)) {
      throw new Error(`pod ${podKey(oldPod)}(${key}) is not added to scheduler cache, so cannot be updated`);
    }
    this.removePodFromNode(ps.pod);
    this.addPodToNode(new PodInfo(newPod));
    ps.pod = newPod;
  }

  removePod(pod: Pod): void {
    const key = cacheKey(pod);
    const ps = this.podStates.get(key);
    if (!ps)
      throw new Error(
        `pod ${podKey(pod)}(${key}) is not found in scheduler cache, so cannot be removed from it`,
      );
    this.removePodFromNode(ps.pod);
    this.podStates.delete(key);
    this.assumedPods.delete(key);
  }

  isAssumedPod(pod: Pod): boolean {
    return this.assumedPods.has(cacheKey(pod));
  }

  /** The cached copy of a pod (assumed or added). */
  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(cacheKey(pod))?.pod;
  }

  addNode(node: Node): NodeInfo {
    const name = node.metadata.name ?? '';
    let item = this.nodes.get(name);
    if (!item) {
      item = newItem(name, new NodeInfo());
      this.nodes.set(name, item);
    }
    this.moveToHead(item);
    this.nodeTree.addNode(node);
    item.info.setNode(node);
    return item.info;
  }

  updateNode(oldNode: Node | undefined, newNode: Node): NodeInfo {
    const name = newNode.metadata.name ?? '';
    let item = this.nodes.get(name);
    if (!item) {
      item = newItem(name, new NodeInfo());
      this.nodes.set(name, item);
      this.nodeTree.addNode(newNode);
    } else {
      this.nodeTree.updateNode(oldNode ?? item.info.node, newNode);
    }
    this.moveToHead(item);
    item.info.setNode(newNode);
    return item.info;
  }

  /** Removes a node; its NodeInfo stays (without a node) while pods still point at it. */
  removeNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const item = this.nodes.get(name);
    if (!item) throw new Error(`node ${name} is not found`);
    item.info.removeNode();
    if (item.info.pods.length === 0) this.removeItem(item);
    else this.moveToHead(item);
    this.nodeTree.removeNode(node);
  }

  nodeCount(): number {
    return this.nodeTree.numNodes;
  }

  podCount(): number {
    return this.podStates.size;
  }

  assumedPodCount(): number {
    return this.assumedPods.size;
  }

  /** Expires assumed pods whose binding finished more than the TTL ago; returns them. */
  cleanupAssumedPods(now: number = this.clock.now().getTime()): Pod[] {
    const expired: Pod[] = [];
    if (this.ttlMs <= 0) return expired;
    for (const key of this.assumedPods) {
      const ps = this.podStates.get(key)!;
      if (!ps.bindingFinished || ps.deadline === undefined || now < ps.deadline) continue;
      this.removePodFromNode(ps.pod);
      this.assumedPods.delete(key);
      this.podStates.delete(key);
      expired.push(ps.pod);
    }
    return expired;
  }

  /**
   * Brings `snapshot` up to date: NodeInfos changed since its generation are copied into it in place, and
   * its lists are rebuilt only when nodes came or went or a node gained or lost pods with affinity.
   */
  updateSnapshot(snapshot: Snapshot): void {
    const gen = snapshot.generation;
    let updateAll = false;
    // Nodes that gained (+) or lost (-) pods with affinity / required anti-affinity: the lists change by
    // these alone unless every list is rebuilt anyway.
    let affinityChanges: Array<[NodeInfo, boolean]> | undefined;
    let antiChanges: Array<[NodeInfo, boolean]> | undefined;
    const changed: string[] = [];
    for (let item = this.head; item && item.info.generation > gen; item = item.next) {
      const info = item.info;
      const node = info.node;
      if (!node) continue;
      const name = node.metadata.name ?? '';
      changed.push(name);
      let existing = snapshot.nodeInfoMap.get(name);
      if (!existing) {
        updateAll = true;
        existing = new NodeInfo();
        snapshot.nodeInfoMap.set(name, existing);
      }
      const clone = info.clone();
      const hadAffinity = existing.podsWithAffinity.length > 0;
      const hasAffinity = clone.podsWithAffinity.length > 0;
      const hadAnti = existing.podsWithRequiredAntiAffinity.length > 0;
      const hasAnti = clone.podsWithRequiredAntiAffinity.length > 0;
      Object.assign(existing, clone);
      if (hadAffinity !== hasAffinity) (affinityChanges ??= []).push([existing, hasAffinity]);
      if (hadAnti !== hasAnti) (antiChanges ??= []).push([existing, hasAnti]);
    }
    if (this.head) snapshot.generation = this.head.info.generation;
    if (snapshot.nodeInfoMap.size > this.nodeTree.numNodes) {
      for (const name of snapshot.nodeInfoMap.keys()) {
        if (!this.nodes.get(name)?.info.node) snapshot.nodeInfoMap.delete(name);
      }
      updateAll = true;
    }
    if (updateAll || snapshot.nodeInfoList.length !== this.nodeTree.numNodes) {
      this.updateSnapshotLists(snapshot, true);
      snapshot.noteChanged(null);
      return;
    }
    if (changed.length > 0) snapshot.noteChanged(changed);
    if (affinityChanges) {
      snapshot.havePodsWithAffinityNodeInfoList = applyChanges(
        snapshot.havePodsWithAffinityNodeInfoList,
        affinityChanges,
      );
    }
    if (antiChanges) {
      snapshot.havePodsWithRequiredAntiAffinityNodeInfoList = applyChanges(
        snapshot.havePodsWithRequiredAntiAffinityNodeInfoList,
        antiChanges,
      );
    }
  }

  private updateSnapshotLists(snapshot: Snapshot, updateAll: boolean): void {
    if (updateAll) {
      const list: NodeInfo[] = [];
      for (const name of this.nodeTree.list()) {
        const ni = snapshot.nodeInfoMap.get(name);
        if (ni) list.push(ni);
      }
      snapshot.nodeInfoList = list;
    }
    const withAffinity: NodeInfo[] = [];
    const withAnti: NodeInfo[] = [];
    for (const ni of snapshot.nodeInfoList) {
      if (ni.podsWithAffinity.length > 0) withAffinity.push(ni);
      if (ni.podsWithRequiredAntiAffinity.length > 0) withAnti.push(ni);
    }
    snapshot.havePodsWithAffinityNodeInfoList = withAffinity;
    snapshot.havePodsWithRequiredAntiAffinityNodeInfoList = withAnti;
  }

  /** Node names and their pods' keys, for debugging. */
  dump(): { nodes: Record<string, string[]>; assumed: string[] } {
    const nodes: Record<string, string[]> = {};
    for (const [name, item] of this.nodes) nodes[name] = item.info.pods.map((p) => p.key);
    return { nodes, assumed: [...this.assumedPods] };
  }

  private addPodToNode(pi: PodInfo): void {
    const name = pi.pod.spec?.nodeName ?? '';
    let item = this.nodes.get(name);
    if (!item) {
      item = newItem(name, new NodeInfo());
      this.nodes.set(name, item);
    }
    item.info.addPodInfo(pi);
    this.moveToHead(item);
  }

  private removePodFromNode(pod: Pod): void {
    const name = pod.spec?.nodeName ?? '';
    const item = this.nodes.get(name);
    if (!item) return;
    item.info.removePod(pod);
    if (item.info.pods.length === 0 && !item.info.node) this.removeItem(item);
    else this.moveToHead(item);
  }

  private moveToHead(item: NodeInfoListItem): void {
    if (this.head === item) return;
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    item.prev = undefined;
    item.next = this.head;
    if (this.head) this.head.prev = item;
    this.head = item;
  }

  private removeItem(item: NodeInfoListItem): void {
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    if (this.head === item) this.head = item.next;
    item.prev = item.next = undefined;
    this.nodes.delete(item.name);
  }
}

/** A new list: `list` with the nodes marked true added and those marked false removed. */
function applyChanges(list: readonly NodeInfo[], changes: ReadonlyArray<[NodeInfo, boolean]>): NodeInfo[] {
  let removed: Set<NodeInfo> | undefined;
  const out = [...list];
  for (const [ni, has] of changes) {
    if (has) out.push(ni);
    else (removed ??= new Set()).add(ni);
  }
  return removed ? out.filter((ni) => !removed.has(ni)) : out;
}

function newItem(name: string, info: NodeInfo): NodeInfoListItem {
  return { name, info, next: undefined, prev: undefined };
}
