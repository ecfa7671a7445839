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

  /** Moves a node from its old pairs to its new ones, touching only the pairs that differ. */
  replace(node: string, before: ReadonlySet<string>, after: ReadonlySet<string>, unindexed: boolean): void {
    for (const p of before) {
      if (after.has(p)) continue;
      const s = this.byPair.get(p);
      if (s === undefined) continue;
      s.delete(node);
      if (s.size === 0) this.byPair.delete(p);
    }
    for (const p of after) {
      if (before.has(p)) continue;
      let s = this.byPair.get(p);
      if (s === undefined) this.byPair.set(p, (s = new Set()));
      s.add(node);
    }
    if (unindexed) this.anyPod.add(node);
    else this.anyPod.delete(node);
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
  antiPairs: ReadonlySet<string>;
  scorePairs: ReadonlySet<string>;
}

/** The pairs a pod's terms need on an incoming pod, and whether a term needs none. */
interface PodTerms {
  anti: readonly string[];
  antiAny: boolean;
  scoring: readonly string[];
  scoringAny: boolean;
}

const termsOfPod = new WeakMap<PodInfo, PodTerms>();

/** {@link PodTerms} of a pod, computed once per PodInfo. */
function podTermsOf(pi: PodInfo): PodTerms {
  let t = termsOfPod.get(pi);
  if (t === undefined) {
    const anti = new Set<string>();
    const scoring = new Set<string>();
    const antiAny = collectTerms(pi.requiredAntiAffinityTerms, anti);
    const scoringAny = collectScoringTerms(pi, scoring);
    termsOfPod.set(pi, (t = { anti: [...anti], antiAny, scoring: [...scoring], scoringAny }));
  }
  return t;
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

/** The named nodes as the source has them now (gone ones left out); every node when `names` is undefined. */
export function nodeInfosNamed(source: NodeSource, names: Iterable<string> | undefined): readonly NodeInfo[] {
  if (names === undefined) return source.list();
  const out: NodeInfo[] = [];
  for (const n of names) {
    const ni = source.get(n);
    if (ni !== undefined) out.push(ni);
  }
  return out;
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
    const antiPairs = new Set<string>();
    const scorePairs = new Set<string>();
    let antiAny = false;
    let scoreAny = false;
    if (ni !== undefined) {
      for (const pi of ni.podsWithRequiredAntiAffinity) {
        const t = podTermsOf(pi);
        for (const p of t.anti) antiPairs.add(p);
        if (t.antiAny) antiAny = true;
      }
      for (const pi of ni.podsWithAffinity) {
        const t = podTermsOf(pi);
        for (const p of t.scoring) scorePairs.add(p);
        if (t.scoringAny) scoreAny = true;
      }
    }
    this.antiAffinity.replace(name, old?.antiPairs ?? NO_PAIRS, antiPairs, antiAny);
    this.scoring.replace(name, old?.scorePairs ?? NO_PAIRS, scorePairs, scoreAny);
    if (ni === undefined) {
      this.nodes.delete(name);
      return;
    }
    this.nodes.set(name, { generation: ni.generation, podPairs, antiPairs, scorePairs });
  }
}

function collectScoringTerms(pi: PodInfo, pairs: Set<string>): boolean {
  let unindexed = collectTerms(pi.requiredAffinityTerms, pairs);
  if (collectTerms(pi.preferredAffinityTerms, pairs)) unindexed = true;
  if (collectTerms(pi.preferredAntiAffinityTerms, pairs)) unindexed = true;
  return unindexed;
}
