/**
 * @module The orders a CloneSet works in: which pods to update first (ActivePods, priority and scatter
 * strategies, PreparingUpdate first), how many of them may update now, and which pods to delete first.
 */
import type { CloneSet, Node, Pod } from '../../client/resources.js';
import { selectorFromLabelSelector, type LabelSelector } from '../../api/labels.js';
import { POD_DELETION_COST_ANNOTATION } from './constants.js';
import type { ExpectationDiffs } from './diffs.js';
import {
  equalToRevisionHash,
  getPodCondition,
  isCloneSetPodAvailable,
  isPodReady,
  lifecycleState,
  maxContainerRestarts,
} from './pod-util.js';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(pod: Pod): number {
  return PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;
}

function time(ts: string | null | undefined): number {
  return ts ? Date.parse(ts) : 0;
}

/** t1 after t2, where a zero (absent) time counts as after any other. */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

function podReadyTime(pod: Pod): number {
  const c = getPodCondition(pod, 'Ready');
  return c?.status === 'True' ? time(c.lastTransitionTime) : 0;
}

/** Upstream controller.ActivePods' Less: the pods that matter least come first. */
export function activePodsLess(a: Pod, b: Pod): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  if (ra && rb) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return afterOrZero(ta, tb);
  }
  const ca = maxContainerRestarts(a);
  const cb = maxContainerRestarts(b);
  if (ca !== cb) return ca > cb;
  const ka = time(a.metadata.creationTimestamp);
  const kb = time(b.metadata.creationTimestamp);
  if (ka !== kb) return afterOrZero(ka, kb);
  return false;
}

/** controller.pod-deletion-cost as an int32; 0 when absent or malformed (no '+', no leading zeros). */
export function podDeletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^(-?[1-9]\d*|0|-0)$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

/** A rank per pod: among otherwise equal pods, higher ranks are deleted first. */
export interface Ranker {
  rank(pod: Pod): number;
}

/** Kruise's ActivePodsWithRanks Less: the scale-in order (pods to delete first come first). */
export function activePodsWithRanksLess(
  a: Pod,
  b: Pod,
  ranker?: Ranker,
  available?: (p: Pod) => boolean,
): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  if (available) {
    const aa = available(a);
    if (aa !== available(b)) return !aa;
  }
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  const da = podDeletionCost(a);
  const db = podDeletionCost(b);
  if (da !== db) return da < db;
  const ka = ranker?.rank(a) ?? 0;
  const kb = ranker?.rank(b) ?? 0;
  if (ka !== kb) return ka > kb;
  if (ra && rb) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return afterOrZero(ta, tb);
  }
  const ca = maxContainerRestarts(a);
  const cb = maxContainerRestarts(b);
  if (ca !== cb) return ca > cb;
  const ca2 = time(a.metadata.creationTimestamp);
  const cb2 = time(b.metadata.creationTimestamp);
  if (ca2 !== cb2) return afterOrZero(ca2, cb2);
  return false;
}

function lessToCompare<T>(less: (a: T, b: T) => boolean): (a: T, b: T) => number {
  return (a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0);
}

/** Sorts in place by {@link activePodsWithRanksLess}. */
export function sortActivePodsWithRanks(
  pods: Pod[],
  ranker?: Ranker,
  available?: (p: Pod) => boolean,
): Pod[] {
  return pods.sort(lessToCompare((a: Pod, b: Pod) => activePodsWithRanksLess(a, b, ranker, available)));
}

function uidOf(pod: Pod): string {
  return pod.metadata.uid ?? '';
}

/** Of several pods on one node, all but the best get ranks, so scale-in spreads across nodes. */
export function sameNodeRanker(pods: readonly Pod[]): Ranker & { ranks: Map<string, number> } {
  const ranks = new Map<string, number>();
  const byNode = new Map<string, Pod[]>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node) continue;
    let list = byNode.get(node);
    if (!list) byNode.set(node, (list = []));
    list.push(p);
  }
  for (const list of byNode.values()) {
    if (list.length <= 1) continue;
    const sorted = sortActivePodsWithRanks([...list]).slice(0, -1);
    sorted.forEach((p, i) => ranks.set(uidOf(p), sorted.length - i));
  }
  return { ranks, rank: (p) => ranks.get(uidOf(p)) ?? 0 };
}

/** A topology the scale-in order spreads over: a node label, optionally only some of its values. */
export interface PodSpreadConstraint {
  topologyKey: string;
  limitedValues?: string[];
}

const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** Ranks pods by how crowded their topology domain is, so scale-in evens the domains out. */
export function spreadConstraintsRanker(
  pods: readonly Pod[],
  constraints: readonly PodSpreadConstraint[],
  getNode: (name: string) => Node | undefined,
): Ranker & { ranks: Map<string, number> } {
  const ranks = new Map<string, number>();
  const nodes: Node[] = [];
  const seen = new Set<string>();
  const byNode = new Map<string, Pod[]>();
  for (const p of pods) {
    const name = p.spec?.nodeName;
    if (!name) continue;
    if (!seen.has(name)) {
      const node = getNode(name);
      if (!node) continue;
      nodes.push(node);
      seen.add(name);
    }
    let list = byNode.get(name);
    if (!list) byNode.set(name, (list = []));
    list.push(p);
  }
  const sameNode = sameNodeRanker(pods);
  for (const c of constraints) {
    const limited = c.limitedValues?.length ? new Set(c.limitedValues) : undefined;
    const byTopology = new Map<string, Pod[]>();
    for (const node of nodes) {
      const value = node.metadata.labels?.[c.topologyKey];
      if (value === undefined || (limited && !limited.has(value))) continue;
      let list = byTopology.get(value);
      if (!list) byTopology.set(value, (list = []));
      list.push(...(byNode.get(node.metadata.name ?? '') ?? []));
    }
    const ranker = c.topologyKey !== HOSTNAME_LABEL ? sameNode : undefined;
    const weight = Math.log(byTopology.size + 2);
    for (const list of byTopology.values()) {
      sortActivePodsWithRanks(list, ranker);
      list.forEach((p, i) => ranks.set(uidOf(p), (ranks.get(uidOf(p)) ?? 0) + (list.length - i) * weight));
    }
  }
  return { ranks, rank: (p) => ranks.get(uidOf(p)) ?? 0 };
}

/** The trailing decimal digits of a label value ('sts-10' → 10), or 0. */
function intFromStringSuffix(v: string): number {
  const m = /\d+$/.exec(v);
  if (!m) return 0;
  const n = Number(m[0]);
  return Number.isSafeInteger(n) ? n : 0;
}

type PriorityStrategy = NonNullable<
  NonNullable<NonNullable<CloneSet['spec']>['updateStrategy']>['priorityStrategy']
>;

/** Compiles updateStrategy.priorityStrategy into a comparison of two pods' labels. */
export class PrioritySorter {
  private readonly weights: Array<{ weight: number; selector: LabelSelector }> = [];

  constructor(private readonly strategy: PriorityStrategy | undefined) {
    for (const w of strategy?.weightPriority ?? []) {
      try {
        this.weights.push({
          weight: w.weight,
          selector: selectorFromLabelSelector(w.matchSelector),
        });
      } catch {
        // An invalid selector contributes no weight, as upstream.
      }
    }
  }

  /** True when pod i goes before pod j; `fallback` decides ties. */
  compare(i: Record<string, string>, j: Record<string, string>, fallback: boolean): boolean {
    const s = this.strategy;
    if (s?.weightPriority?.length) {
      const wi = this.weight(i);
      const wj = this.weight(j);
      if (wi !== wj) return wi > wj;
    } else if (s?.orderPriority?.length) {
      const [li, oi] = this.order(i);
      const [lj, oj] = this.order(j);
      if (li !== lj) return li < lj;
      if (oi !== oj) return oi > oj;
    }
    return fallback;
  }

  /**
   * Sorts `indexes` of `pods` by priority; ties go by descending pod index, as upstream's comparator
   * (which makes the order total, so any sort algorithm agrees).
   */
  sort(pods: readonly Pod[], indexes: number[]): number[] {
    const s = this.strategy;
    if (!s || (!s.weightPriority?.length && !s.orderPriority?.length)) return indexes;
    const labels = (i: number) => pods[i]!.metadata.labels ?? {};
    const less = (a: number, b: number) => this.compare(labels(a), labels(b), a > b);
    return indexes.sort(lessToCompare(less));
  }

  private weight(labels: Record<string, string>): number {
    let sum = 0;
    for (const w of this.weights) if (w.selector.matches(labels)) sum += w.weight;
    return sum;
  }

  private order(labels: Record<string, string>): [number, number] {
    const terms = this.strategy?.orderPriority ?? [];
    for (let i = 0; i < terms.length; i++) {
      const v = labels[terms[i]!.orderedKey];
      if (v !== undefined) return [i, intFromStringSuffix(v)];
    }
    return [-1, 0];
  }
}

export interface ScatterTerm {
  key: string;
  value: string;
}

/** Kruise's scatter strategy: spreads pods with given label values evenly through the update order. */
export class ScatterSorter {
  constructor(private readonly strategy: readonly ScatterTerm[]) {}

  /** Pods may contain holes (undefined), which count for nothing. */
  sort(pods: ReadonlyArray<Pod | undefined>, indexes: number[]): number[] {
    if (this.strategy.length === 0 || indexes.length <= 1) return indexes;
    for (const term of this.terms(pods, indexes)) indexes = this.scatterByTerm(term, pods, indexes);
    return indexes;
  }

  /** The terms that match some pod, the most-matched first. */
  terms(pods: ReadonlyArray<Pod | undefined>, indexes: readonly number[]): ScatterTerm[] {
    if (this.strategy.length === 1) return [...this.strategy];
    const found: ScatterTerm[] = [];
    const counts = new Map<string, number>();
    for (const term of this.strategy) {
      for (const idx of indexes) {
        const v = pods[idx]?.metadata.labels?.[term.key];
        if (v === undefined || v !== term.value) continue;
        const id = `${term.key}:${v}`;
        const n = counts.get(id);
        if (n === undefined) {
          found.push({ key: term.key, value: v });
          counts.set(id, 1);
        } else counts.set(id, n + 1);
      }
    }
    const count = (t: ScatterTerm) => counts.get(`${t.key}:${t.value}`) ?? 0;
    return found
      .map((t, i) => ({ t, i }))
      .sort((a, b) => count(b.t) - count(a.t) || a.i - b.i)
      .map((x) => x.t);
  }

  /** Reorders `indexes` so pods matching `term` are spread among the others. */
  scatterByTerm(
    term: ScatterTerm,
    pods: ReadonlyArray<Pod | undefined>,
    indexes: readonly number[],
  ): number[] {
    const labelOf = (i: number) => pods[i]?.metadata.labels?.[term.key] ?? '';
    let matched: number[] = [];
    let unmatched: number[] = [];
    for (const i of indexes) (labelOf(i) === term.value ? matched : unmatched).push(i);
    if (matched.length <= 1 || unmatched.length <= 1) return [...indexes];

    let totalMatched = 0;
    let totalUnmatched = 0;
    for (let i = 0; i < pods.length; i++) {
      if (!pods[i]) continue;
      if (labelOf(i) === term.value) totalMatched++;
      else totalUnmatched++;
    }
    // The last matched pod goes to the very end.
    const lastMatched = matched[matched.length - 1]!;
    matched = matched.slice(0, -1);
    totalMatched--;

    const group = groupByDensity(totalMatched, totalUnmatched, matched.length, unmatched.length);
    const out: number[] = [];
    if (group.unmatchedRemainder > 0) {
      out.push(...unmatched.slice(0, group.unmatchedRemainder));
      unmatched = unmatched.slice(group.unmatchedRemainder);
    }
    for (let i = 0; i < group.groupNum; i++) {
      matched = migrate(matched, out, group.matchedGroupSize);
      unmatched = migrate(unmatched, out, group.unmatchedGroupSize);
    }
    out.push(...matched, ...unmatched, lastMatched);
    return out;
  }
}

function migrate(src: number[], dst: number[], size: number): number[] {
  if (src.length === 0) return src;
  if (src.length < size) {
    dst.push(...src);
    return [];
  }
  dst.push(...src.slice(0, size));
  return src.slice(size);
}

interface ScatterGroup {
  groupNum: number;
  matchedGroupSize: number;
  unmatchedGroupSize: number;
  unmatchedRemainder: number;
}

function scatterGroup(matched: number, unmatched: number): ScatterGroup {
  const groupNum = Math.min(matched, unmatched);
  return {
    groupNum,
    matchedGroupSize: Math.round(matched / groupNum),
    unmatchedGroupSize: Math.round(unmatched / groupNum),
    unmatchedRemainder: 0,
  };
}

function groupByDensity(
  totalMatched: number,
  totalUnmatched: number,
  updateMatched: number,
  updateUnmatched: number,
): ScatterGroup {
  const total = scatterGroup(totalMatched, totalUnmatched);
  const update = scatterGroup(updateMatched, updateUnmatched);
  if (Math.fround(totalUnmatched / totalMatched) >= Math.fround(updateUnmatched / updateMatched))
    return update;
  const g: ScatterGroup = {
    groupNum: 0,
    matchedGroupSize: total.matchedGroupSize,
    unmatchedGroupSize: total.unmatchedGroupSize,
    unmatchedRemainder: 0,
  };
  const byMatched = Math.trunc(updateMatched / g.matchedGroupSize);
  const byUnmatched = Math.trunc(updateUnmatched / g.unmatchedGroupSize);
  g.groupNum = byMatched < byUnmatched ? byMatched : byUnmatched;
  g.unmatchedRemainder = updateUnmatched - g.groupNum * g.unmatchedGroupSize;
  return g;
}

/**
 * Kruise's SortUpdateIndexes: ActivePods order (not ready, unscheduled, pending first), then the priority
 * strategy, then the scatter strategy, then PreparingUpdate pods first.
 */
export function sortUpdateIndexes(cs: CloneSet, pods: readonly Pod[], waitUpdateIndexes: number[]): number[] {
  const strategy = cs.spec?.updateStrategy;
  let indexes = [...waitUpdateIndexes].sort(
    lessToCompare((a: number, b: number) => activePodsLess(pods[a]!, pods[b]!)),
  );
  if (strategy?.priorityStrategy) indexes = new PrioritySorter(strategy.priorityStrategy).sort(pods, indexes);
  if (strategy?.scatterStrategy) indexes = new ScatterSorter(strategy.scatterStrategy).sort(pods, indexes);
  const preparing = (i: number) => lifecycleState(pods[i]!) === 'PreparingUpdate';
  return [...indexes.filter(preparing), ...indexes.filter((i) => !preparing(i))];
}

/**
 * Kruise's limitUpdateIndexes: at most |updateNum| pods, and only as many as keep the unavailable pods (all,
 * and those at the target revision) within updateMaxUnavailable.
 */
export function limitUpdateIndexes(
  minReadySeconds: number,
  diffs: ExpectationDiffs,
  waitUpdateIndexes: readonly number[],
  pods: readonly Pod[],
  targetRevision: string,
  now: Date,
): number[] {
  let indexes = waitUpdateIndexes.slice(0, Math.abs(diffs.updateNum));
  let unavailable = 0;
  let targetUnavailable = 0;
  for (const p of pods) {
    if (!isCloneSetPodAvailable(p, minReadySeconds, now)) {
      unavailable++;
      if (equalToRevisionHash(p, targetRevision)) targetUnavailable++;
    }
  }
  let canUpdate = 0;
  for (const i of indexes) {
    if (targetUnavailable + canUpdate >= diffs.updateMaxUnavailable) break;
    if (isCloneSetPodAvailable(pods[i]!, minReadySeconds, now)) {
      if (unavailable >= diffs.updateMaxUnavailable) break;
      unavailable++;
    }
    canUpdate++;
  }
  if (canUpdate < indexes.length) indexes = indexes.slice(0, canUpdate);
  return indexes;
}

/** The template's topology spread keys, which the scale-in order spreads over. */
export function podSpreadConstraints(cs: CloneSet): PodSpreadConstraint[] {
  return (cs.spec?.template.spec?.topologySpreadConstraints ?? []).map((c) => ({
    topologyKey: c.topologyKey,
  }));
}

/**
 * Kruise's choosePodsToDelete: `total` pods, `fromOld` of them (at most) from the not-updated pods, each
 * group in scale-in order.
 */
export function choosePodsToDelete(
  cs: CloneSet,
  total: number,
  fromOld: number,
  notUpdated: readonly Pod[],
  updated: readonly Pod[],
  now: Date,
  getNode: (name: string) => Node | undefined,
): Pod[] {
  const minReadySeconds = cs.spec?.minReadySeconds ?? 0;
  const constraints = podSpreadConstraints(cs);
  const choose = (pods: readonly Pod[], n: number): Pod[] => {
    if (n >= pods.length) return [...pods];
    const list = [...pods];
    const ranker =
      constraints.length > 0 ? spreadConstraintsRanker(list, constraints, getNode) : sameNodeRanker(list);
    sortActivePodsWithRanks(list, ranker, (p) => isCloneSetPodAvailable(p, minReadySeconds, now));
    return list.slice(0, n);
  };
  if (fromOld >= total) return choose(notUpdated, total);
  if (fromOld > 0) return [...choose(notUpdated, fromOld), ...choose(updated, total - fromOld)];
  return choose(updated, total);
}
