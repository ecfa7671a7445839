/**
 * @module The view of the cluster one scheduling cycle works on (upstream's cache Snapshot): NodeInfos by
 * name and in zone-interleaved order, plus the nodes that hold pods with (anti-)affinity. The cache updates
 * it in place between cycles, copying only nodes that changed.
 */
import type { NodeInfoLister, SharedLister } from '../framework/interface.js';
import { NodeInfo, PodInfo, type Node, type Pod } from '../framework/types.js';

export class Snapshot implements SharedLister, NodeInfoLister {
  /** NodeInfos by node name; the cache replaces entries' contents in place. */
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  havePodsWithAffinityNodeInfoList: NodeInfo[] = [];
  havePodsWithRequiredAntiAffinityNodeInfoList: NodeInfo[] = [];
  /** The largest NodeInfo generation this snapshot reflects. */
  generation = 0;
  /** Names changed by each recent update (null: the lists were rebuilt); entry i has sequence base + i + 1. */
  private journal: Array<readonly string[] | null> = [];
  private journalBase = 0;

  /** A snapshot of fixed nodes and pods (upstream's NewSnapshot), for tests and what-if tools. */
  static of(nodes: readonly Node[], pods: readonly Pod[] = []): Snapshot {
    const s = new Snapshot();
    for (const n of nodes) s.nodeInfoMap.set(n.metadata.name ?? '', new NodeInfo(n));
    for (const p of pods) {
      const name = p.spec?.nodeName;
      if (!name) continue;
      let ni = s.nodeInfoMap.get(name);
      if (!ni) s.nodeInfoMap.set(name, (ni = new NodeInfo()));
      ni.addPodInfo(new PodInfo(p));
    }
    for (const [name, ni] of s.nodeInfoMap) {
      if (!ni.node) {
        s.nodeInfoMap.delete(name);
        continue;
      }
      s.nodeInfoList.push(ni);
      if (ni.podsWithAffinity.length > 0) s.havePodsWithAffinityNodeInfoList.push(ni);
      if (ni.podsWithRequiredAntiAffinity.length > 0) s.havePodsWithRequiredAntiAffinityNodeInfoList.push(ni);
    }
    return s;
  }

  nodeInfos(): NodeInfoLister {
    return this;
  }

  list(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithAffinityNodeInfoList;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithRequiredAntiAffinityNodeInfoList;
  }

  numNodes(): number {
    return this.nodeInfoList.length;
  }

  get changeSeq(): number {
    return this.journalBase + this.journal.length;
  }

  changedSince(seq: number): readonly string[] | undefined {
    if (seq < this.journalBase || seq > this.changeSeq) return undefined;
    const out: string[] = [];
    for (let i = seq - this.journalBase; i < this.journal.length; i++) {
      const names = this.journal[i]!;
      if (names === null) return undefined;
      for (const n of names) out.push(n);
    }
    return out;
  }

  /** Records an update of the NodeInfos named (null: anything may have changed, the lists were rebuilt). */
  noteChanged(names: readonly string[] | null): void {
    this.journal.push(names);
    if (this.journal.length > JOURNAL_LENGTH) {
      this.journal.shift();
      this.journalBase++;
    }
  }
}

/** Updates the journal reaches back over; a consumer further behind scans every node instead. */
const JOURNAL_LENGTH = 256;
