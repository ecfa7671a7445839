/**
 * @module Which nodes can contribute to a count table (InterPodAffinity, PodTopologySpread), so that a table
 * built for a new selector starts from those nodes, or skips the pods of the others, instead of visiting every
 * pod of the cluster. Kept current from the plugin's NodeChangeLog like the tables themselves.
 */
import type { LabelSelector } from '../../../api/labels.js';
import type { AffinityTerm, NodeInfo, PodInfo } from '../../framework/types.js';
import type { NodeChangeLog, NodeSource } from './topology-counts.js';

/** The index key of a label pair. */
function pairKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/**
 * A label pair every label set the selector matches must have (its first `key = value` or single-value
 * `key in (value)` requirement), or undefined when there is none.
 */
export function requiredPair(selector: LabelSelector): string | undefined {
  for (const r of selector.requirements) {
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) {
      return pairKey(r.key, r.values[0]!);
    }
  }
  return undefined;
}

const pairOfSelector = new WeakMap<LabelSelector, string | null>();

/** {@link requiredPair}, once per selector object. */
function selectorPair(selector: LabelSelector): string | undefined {
  let p = pairOfSelector.get(selector);
  if (p === undefined) pairOfSelector.set(selector, (p = requiredPair(selector) ?? null));
  return p ?? undefined;
}

const pairOfTerm = new WeakMap<AffinityTerm, string | null>();

function termPair(t: AffinityTerm): string | undefined {
  let p = pairOfTerm.get(t);
  if (p === undefined) pairOfTerm.set(t, (p = requiredPair(t.selector) ?? null));
  return p ?? undefined;
}

/** Terms of existing pods grouped by the label pair an incoming pod needs for them to match it. */
class TermIndex {
  /** Label pair → nodes with a term needing it. */
  private readonly byPair = new Map<string, Set<string>>();
  /** Nodes with a term that needs no particular pair (it may match any pod). */
  readonly anyPod = new Set<string>();

  add(node: string, pairs: readonly string[], unindexed: boolean): void {
    for (const p of pairs) {
      let s = this.byPair.get(p);
      if (s === undefined) this.byPair.set(p, (s = new Set()));
      s.add(node);
    }
    if (unindexed) this.anyPod.add(node);
  }

  remove(node: string, pairs: readonly string[]): void {
    for (const p of pairs) {
      const s = this.byPair.get(p);
      if (s === undefined) continue;
      s.delete(node);
      if (s.size === 0) this.byPair.delete(p);
    }
    this.anyPod.delete(node);
  }

  clear(): void {
    this.byPair.clear();
    this.anyPod.clear();
  }

  /** Nodes with a term an incoming pod with these labels may match. */
  candidates(labels: Readonly<Record<string, string>> | undefined, out: Set<string>): void {
    for (const n of this.anyPod) out.add(n);
    if (labels === undefined) return;
    for (const k in labels) {
      const v = labels[k];
      if (typeof v !== 'string') continue;
      const s = this.byPair.get(pairKey(k, v));
      if (s !== undefined) for (const n of s) out.add(n);
    }
  }
}

const pairsOfPod = new WeakMap<PodInfo, readonly string[]>();

/** The index keys of a pod's labels, computed once per PodInfo (NodeInfo copies share them). */
function podPairsOf(pi: PodInfo): readonly string[] {
  let pairs = pairsOfPod.get(pi);
  if (pairs === undefined) {
    const out: string[] = [];
    const labels = pi.pod.metadata.labels;
    if (labels !== undefined) {
      for (const k in labels) {
        const v = labels[k];
        if (typeof v === 'string') out.push(pairKey(k, v));
      }
    }
    pairsOfPod.set(pi, (pairs = out));
  }
  return pairs;
}

interface NodeEntry {
  generation: number;
  podPairs: ReadonlySet<string>;
  antiPairs: string[];
  scorePairs: string[];
}

const NO_PAIRS: ReadonlySet<string> = new Set();

function collectTerms(terms: readonly AffinityTerm[], pairs: Set<string>): boolean {
  let unindexed = false;
  for (const t of terms) {
    const p = termPair(t);
    if (p === undefined) unindexed = true;
    else pairs.add(p);
  }
  return unindexed;
}

/**
 * Per label pair: the nodes holding a pod with that label, the nodes holding a pod whose required
 * anti-affinity term needs that label on the incoming pod, and likewise for the terms that score (required
 * affinity, preferred affinity and anti-affinity). Every answer is a superset of the nodes that can count.
 */
export class PodLabelIndex {
  private epoch = -1;
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly podsByPair = new Map<string, Set<string>>();
  private readonly antiAffinity = new TermIndex();
  private readonly scoring = new TermIndex();

  /** Brings the index up to the log's current epoch (call `log.sync` first). */
  sync(log: NodeChangeLog, source: NodeSource): void {
    if (this.epoch === log.epoch) return;
    const names = this.epoch < 0 ? undefined : log.changesSince(this.epoch);
    if (names === undefined) {
      this.nodes.clear();
      this.podsByPair.clear();
      this.antiAffinity.clear();
      this.scoring.clear();
      for (const ni of source.list()) this.update(ni.name, ni);
    } else {
      for (const name of names) this.update(name, source.get(name));
    }
    this.epoch = log.epoch;
  }

  /**
   * Nodes with a pod that may match one of the selectors, or undefined when a selector needs no particular
   * label pair (then any pod may match).
   */
  nodesWithPodsMatching(selectors: readonly LabelSelector[]): Set<string> | undefined {
    const out = new Set<string>();
    for (const sel of selectors) {
      const p = requiredPair(sel);
      if (p === undefined) return undefined;
      const s = this.podsByPair.get(p);
      if (s !== undefined) for (const n of s) out.add(n);
    }
    return out;
  }

  /** Whether a pod on the node may match the selector (false: none can, so its count is 0). */
  mayHavePodsMatching(nodeName: string, selector: LabelSelector): boolean {
    const p = selectorPair(selector);
    if (p === undefined) return true;
    return this.podsByPair.get(p)?.has(nodeName) ?? false;
  }

  /** Nodes with a pod whose required anti-affinity term may match a pod with these labels. */
  antiAffinityCandidates(labels: Readonly<Record<string, string>> | undefined): Set<string> {
    const out = new Set<string>();
    this.antiAffinity.candidates(labels, out);
    return out;
  }

  /** Nodes with a pod whose scoring (required or preferred affinity, preferred anti-affinity) term may match. */
  scoringCandidates(labels: Readonly<Record<string, string>> | undefined): Set<string> {
    const out = new Set<string>();
    this.scoring.candidates(labels, out);
    return out;
  }

  private update(name: string, ni: NodeInfo | undefined): void {
    const old = this.nodes.get(name);
    if (old !== undefined && ni !== undefined && old.generation === ni.generation) return;
    const podPairs = new Set<string>();
    if (ni !== undefined) for (const pi of ni.pods) for (const p of podPairsOf(pi)) podPairs.add(p);
    // Only the pairs that came or went touch the shared sets (a changed node usually gained or lost one pod).
    const oldPairs = old?.podPairs ?? NO_PAIRS;
    for (const p of oldPairs) {
      if (podPairs.has(p)) continue;
      const s = this.podsByPair.get(p);
      if (s === undefined) continue;
      s.delete(name);
      if (s.size === 0) this.podsByPair.delete(p);
    }
    for (const p of podPairs) {
      if (oldPairs.has(p)) continue;
      let s = this.podsByPair.get(p);
      if (s === undefined) this.podsByPair.set(p, (s = new Set()));
      s.add(name);
    }
    if (old !== undefined) {
      this.antiAffinity.remove(name, old.antiPairs);
      this.scoring.remove(name, old.scorePairs);
      this.nodes.delete(name);
    }
    if (ni === undefined) return;
    const antiPairs = new Set<string>();
    let antiAny = false;
    for (const pi of ni.podsWithRequiredAntiAffinity) {
      if (collectTerms(pi.requiredAntiAffinityTerms, antiPairs)) antiAny = true;
    }
    const scorePairs = new Set<string>();
    let scoreAny = false;
    for (const pi of ni.podsWithAffinity) if (collectScoringTerms(pi, scorePairs)) scoreAny = true;
    const entry: NodeEntry = {
      generation: ni.generation,
      podPairs,
      antiPairs: [...antiPairs],
      scorePairs: [...scorePairs],
    };
    this.nodes.set(name, entry);
    this.antiAffinity.add(name, entry.antiPairs, antiAny);
    this.scoring.add(name, entry.scorePairs, scoreAny);
  }
}

function collectScoringTerms(pi: PodInfo, pairs: Set<string>): boolean {
  let unindexed = collectTerms(pi.requiredAffinityTerms, pairs);
  if (collectTerms(pi.preferredAffinityTerms, pairs)) unindexed = true;
  if (collectTerms(pi.preferredAntiAffinityTerms, pairs)) unindexed = true;
  return unindexed;
}
