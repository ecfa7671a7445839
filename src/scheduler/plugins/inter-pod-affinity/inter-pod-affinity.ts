/**
 * @module InterPodAffinity (upstream's interpodaffinity plugin): required pod affinity and anti-affinity of the
 * incoming pod, the existing pods' required anti-affinity against it (Filter), and preferred terms of both
 * sides plus existing pods' required affinity weighted by hardPodAffinityWeight (Score). Topology counts come
 * from incrementally maintained tables (see pod-topology-spread/topology-counts.ts), not a full recount.
 */
import type { LabelSelector } from '../../../api/labels.js';
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  NodeInfoLister,
  PluginFactory,
  PreFilterExtensions,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  ScoreExtensions,
  ScorePlugin,
} from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import { nodeInfosNamed, PodLabelIndex } from '../pod-topology-spread/pod-label-index.js';
import {
  type AffinityTerm,
  MAX_NODE_SCORE,
  type NodeInfo,
  type NodeScore,
  type Pod,
  PodInfo,
  type WeightedAffinityTerm,
} from '../../framework/types.js';
import {
  Contribution,
  CountTable,
  labelValue,
  matcherFor,
  NodeChangeLog,
  TableCache,
} from '../pod-topology-spread/topology-counts.js';

export const NAME = 'InterPodAffinity';

export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH =
  "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";

/** Upstream's default weight of existing pods' required affinity terms in scoring. */
export const DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1;

/** The plugin's arguments (upstream's InterPodAffinityArgs). */
export interface InterPodAffinityArgs {
  /** Score weight of existing pods' required affinity terms the incoming pod matches; 0..100, default 1. */
  hardPodAffinityWeight?: number;
  /** Skip scoring when the incoming pod has no preferred terms of its own; default false. */
  ignorePreferredTermsOfExistingPods?: boolean;
}

const PRE_FILTER_STATE_KEY = `PreFilter${NAME}`;
const PRE_SCORE_STATE_KEY = `PreScore${NAME}`;

const STATUS_AFFINITY = Status.unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH).withPlugin(NAME);
const STATUS_ANTI_AFFINITY = Status.unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH).withPlugin(NAME);
const STATUS_EXISTING_ANTI_AFFINITY = Status.unschedulable(
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
).withPlugin(NAME);

function selectorKey(s: LabelSelector): string {
  return s.isNothing() ? '\u2205' : s.toString();
}

function termKey(t: AffinityTerm): string {
  const ns = [...t.namespaces].sort().join(',');
  const nsSel = t.namespaceSelector === undefined ? '' : `{${selectorKey(t.namespaceSelector)}}`;
  return `${ns}|${nsSel}|${selectorKey(t.selector)}|${t.topologyKey}`;
}

function termsKey(terms: readonly AffinityTerm[]): string {
  return terms.map(termKey).join('\u0002');
}

function weightedTermsKey(terms: readonly WeightedAffinityTerm[]): string {
  return terms.map((t) => `${t.weight}:${termKey(t)}`).join('\u0002');
}

function labelsKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0002');
}

type TermMatcher = (pod: Pod, namespaceLabels: Readonly<Record<string, string>> | undefined) => boolean;

const termMatchers = new WeakMap<AffinityTerm, TermMatcher>();

/** `termMatches` with the term's selectors compiled once per term object. */
function matchTerm(
  t: AffinityTerm,
  pod: Pod,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): boolean {
  let m = termMatchers.get(t);
  if (m === undefined) {
    const namespaces = t.namespaces;
    const nsSelector = t.namespaceSelector === undefined ? undefined : matcherFor(t.namespaceSelector);
    const selector = matcherFor(t.selector);
    m = (p, nsLabels) => {
      const meta = p.metadata;
      if (!namespaces.has(meta.namespace ?? '') && (nsSelector === undefined || !nsSelector(nsLabels)))
        return false;
      return selector(meta.labels);
    };
    termMatchers.set(t, m);
  }
  return m(pod, namespaceLabels);
}

/** Whether `pod` matches every term; false without terms (upstream's podMatchesAllAffinityTerms). */
function podMatchesAllAffinityTerms(terms: readonly AffinityTerm[], pod: Pod): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!matchTerm(t, pod, undefined)) return false;
  return true;
}

/** Counts by (topology key, value) as PreFilter saw them, plus what-if changes (AddPod/RemovePod). */
class PairCounts {
  private overlay: Map<string, Map<string, number>> | undefined;
  /** Pairs with a non-zero count. */
  size: number;
  private readonly baseKeys: readonly string[];

  constructor(
    private readonly table: CountTable | undefined,
    private readonly version: number,
  ) {
    this.size = table?.size ?? 0;
    this.baseKeys = table?.keys() ?? [];
  }

  get stale(): boolean {
    return this.table !== undefined && this.table.version !== this.version;
  }

  get(key: string, value: string): number {
    const v = this.overlay?.get(key)?.get(value);
    if (v !== undefined) return v;
    return this.table?.sum(key, value) ?? 0;
  }

  add(key: string, value: string, delta: number): void {
    const old = this.get(key, value);
    const cur = old + delta;
    let inner = (this.overlay ??= new Map()).get(key);
    if (inner === undefined) this.overlay.set(key, (inner = new Map()));
    inner.set(value, cur);
    if (old !== 0 && cur === 0) this.size--;
    else if (old === 0 && cur !== 0) this.size++;
  }

  /** Topology keys that may hold a non-zero count. */
  keys(): Iterable<string> {
    if (this.overlay === undefined) return this.baseKeys;
    return new Set([...this.baseKeys, ...this.overlay.keys()]);
  }

  clone(): PairCounts {
    const c = new PairCounts(this.table, this.version);
    c.size = this.size;
    if (this.overlay) c.overlay = new Map([...this.overlay].map(([k, m]) => [k, new Map(m)]));
    return c;
  }
}

class PreFilterState implements StateData {
  constructor(
    readonly pod: Pod,
    /** The incoming pod's required terms, namespaceSelectors merged into namespaces. */
    readonly affinityTerms: readonly AffinityTerm[],
    readonly antiAffinityTerms: readonly AffinityTerm[],
    readonly namespaceLabels: Readonly<Record<string, string>> | undefined,
    /** Existing pods whose required anti-affinity terms match the incoming pod. */
    readonly existingAntiAffinity: PairCounts,
    /** Existing pods matching all the incoming pod's required affinity terms. */
    readonly affinity: PairCounts,
    /** Existing pods matching the incoming pod's required anti-affinity terms. */
    readonly antiAffinity: PairCounts,
    /** Whether the incoming pod matches all its own affinity terms. */
    readonly selfAffine: boolean,
  ) {}

  get stale(): boolean {
    return this.existingAntiAffinity.stale || this.affinity.stale || this.antiAffinity.stale;
  }

  /** Applies a pod added to (multiplier 1) or removed from (-1) `nodeInfo` (upstream's updateWithPod). */
  updateWithPod(pi: PodInfo, nodeInfo: NodeInfo, multiplier: number): void {
    const labels = nodeInfo.node?.metadata.labels;
    for (const t of pi.requiredAntiAffinityTerms) {
      if (!matchTerm(t, this.pod, this.namespaceLabels)) continue;
      const v = labelValue(labels, t.topologyKey);
      if (v !== undefined) this.existingAntiAffinity.add(t.topologyKey, v, multiplier);
    }
    if (podMatchesAllAffinityTerms(this.affinityTerms, pi.pod)) {
      for (const t of this.affinityTerms) {
        const v = labelValue(labels, t.topologyKey);
        if (v !== undefined) this.affinity.add(t.topologyKey, v, multiplier);
      }
    }
    for (const t of this.antiAffinityTerms) {
      if (!matchTerm(t, pi.pod, undefined)) continue;
      const v = labelValue(labels, t.topologyKey);
      if (v !== undefined) this.antiAffinity.add(t.topologyKey, v, multiplier);
    }
  }

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod,
      this.affinityTerms,
      this.antiAffinityTerms,
      this.namespaceLabels,
      this.existingAntiAffinity.clone(),
      this.affinity.clone(),
      this.antiAffinity.clone(),
      this.selfAffine,
    );
  }
}

interface ScoreTable {
  table: CountTable;
  version: number;
  keys: readonly string[];
}

class PreScoreState implements StateData {
  constructor(readonly tables: readonly ScoreTable[]) {}

  clone(): PreScoreState {
    return this;
  }
}

/**
 * The InterPodAffinity plugin; build it with {@link newInterPodAffinity}. One instance serves one profile's cycles in sequence:
 * its PreFilter/PreScore states read shared count tables, valid until a later cycle's PreFilter/PreScore sees
 * a changed snapshot; Filter/Score on such a stale state return an Error instead of a wrong verdict.
 */
export class InterPodAffinity
  implements
    PreFilterPlugin,
    FilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    EnqueueExtensions,
    PreFilterExtensions
{
  readonly name = NAME;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;
  private readonly changes = new NodeChangeLog();
  private readonly tables = new TableCache(64);
  /** Where a new table starts: the nodes that can contribute to it. */
  private readonly index = new PodLabelIndex();
  private readonly podInfos = new WeakMap<Pod, PodInfo | Error>();

  constructor(
    args: InterPodAffinityArgs,
    private readonly handle: Handle,
  ) {
    const w = args.hardPodAffinityWeight ?? DEFAULT_HARD_POD_AFFINITY_WEIGHT;
    if (!Number.isInteger(w) || w < 0 || w > 100) {
      throw new Error(
        `invalid InterPodAffinityArgs: hardPodAffinityWeight: Invalid value: ${w}: not in valid range [0, 100]`,
      );
    }
    this.hardPodAffinityWeight = w;
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
  }

  private podInfo(pod: Pod): PodInfo | Error {
    let pi = this.podInfos.get(pod);
    if (pi === undefined) {
      try {
        pi = new PodInfo(pod);
      } catch (e) {
        pi = e instanceof Error ? e : new Error(String(e));
      }
      this.podInfos.set(pod, pi);
    }
    return pi;
  }

  /**
   * The term with the namespaces its namespaceSelector selects added to its namespace list (upstream's
   * mergeAffinityTermNamespacesIfNotEmpty); an empty selector (all namespaces) is kept as is.
   */
  private mergeNamespaces<T extends AffinityTerm>(t: T): T {
    const sel = t.namespaceSelector;
    if (sel === undefined || sel.isEverything()) return t;
    const namespaces = new Set(t.namespaces);
    for (const ns of this.handle.namespaces.list()) {
      if (sel.matches(ns.metadata?.labels ?? {})) namespaces.add(ns.metadata?.name ?? '');
    }
    return { ...t, namespaces, namespaceSelector: undefined };
  }

  private namespaceLabels(pod: Pod): Readonly<Record<string, string>> | undefined {
    return this.handle.namespaces.get(pod.metadata.namespace ?? '')?.metadata?.labels;
  }

  private nodes(): NodeInfoLister {
    return this.handle.snapshotSharedLister().nodeInfos();
  }

  private table(
    lister: NodeInfoLister,
    key: string,
    rebuildFrom: () => readonly NodeInfo[],
    contribute: (ni: NodeInfo, labels: Readonly<Record<string, string>> | undefined) => Contribution | null,
  ): CountTable {
    const t = this.tables.get(
      key,
      () => new CountTable((ni) => (ni.node === undefined ? null : contribute(ni, ni.labels))),
    );
    t.sync(this.changes, lister, rebuildFrom);
    return t;
  }

  /** The nodes named, in the lister's current state (for a table rebuild); the index synced first. */
  private infos(
    lister: NodeInfoLister,
    names: (index: PodLabelIndex) => Set<string> | undefined,
  ): readonly NodeInfo[] {
    this.index.sync(this.changes, lister);
    return nodeInfosNamed(lister, names(this.index));
  }

  // ---- PreFilter / Filter ----

  preFilter(
    state: CycleState,
    pod: Pod,
    _nodes?: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status } {
    const pi = this.podInfo(pod);
    if (pi instanceof Error) return { status: Status.unresolvable(`parsing pod: ${pi.message}`) };
    const lister = this.nodes();
    if (
      pi.requiredAffinityTerms.length === 0 &&
      pi.requiredAntiAffinityTerms.length === 0 &&
      lister.havePodsWithRequiredAntiAffinityList().length === 0
    ) {
      // Nothing can constrain this pod: the counts would all be empty.
      return { status: Status.skip() };
    }
    const affinityTerms = pi.requiredAffinityTerms.map((t) => this.mergeNamespaces(t));
    const antiAffinityTerms = pi.requiredAntiAffinityTerms.map((t) => this.mergeNamespaces(t));
    const nsLabels = this.namespaceLabels(pod);
    this.changes.sync(lister.list(), lister);

    const ns = pod.metadata.namespace ?? '';
    const existing = this.table(
      lister,
      `x\u0001${ns}\u0001${labelsKey(pod.metadata.labels)}\u0001${labelsKey(nsLabels)}`,
      () => this.infos(lister, (ix) => ix.antiAffinityCandidates(pod.metadata.labels)),
      (ni, labels) => {
        let c: Contribution | null = null;
        for (const ep of ni.podsWithRequiredAntiAffinity) {
          for (const t of ep.requiredAntiAffinityTerms) {
            if (!matchTerm(t, pod, nsLabels)) continue;
            const v = labelValue(labels, t.topologyKey);
            if (v !== undefined) (c ??= new Contribution()).add(t.topologyKey, v, 1);
          }
        }
        return c;
      },
    );
    const affinity =
      affinityTerms.length === 0
        ? undefined
        : this.table(
            lister,
            `a\u0001${termsKey(affinityTerms)}`,
            () => this.infos(lister, (ix) => ix.nodesWithPodsMatching(affinityTerms.map((t) => t.selector))),
            (ni, labels) => {
              let c: Contribution | null = null;
              for (const p of ni.pods) {
                if (!podMatchesAllAffinityTerms(affinityTerms, p.pod)) continue;
                for (const t of affinityTerms) {
                  const v = labelValue(labels, t.topologyKey);
                  if (v !== undefined) (c ??= new Contribution()).add(t.topologyKey, v, 1);
                }
              }
              return c;
            },
          );
    const antiAffinity =
      antiAffinityTerms.length === 0
        ? undefined
        : this.table(
            lister,
            `n\u0001${termsKey(antiAffinityTerms)}`,
            () =>
              this.infos(lister, (ix) => ix.nodesWithPodsMatching(antiAffinityTerms.map((t) => t.selector))),
            (ni, labels) => {
              let c: Contribution | null = null;
              for (const p of ni.pods) {
                for (const t of antiAffinityTerms) {
                  if (!matchTerm(t, p.pod, undefined)) continue;
                  const v = labelValue(labels, t.topologyKey);
                  if (v !== undefined) (c ??= new Contribution()).add(t.topologyKey, v, 1);
                }
              }
              return c;
            },
          );

    if (existing.size === 0 && affinityTerms.length === 0 && antiAffinityTerms.length === 0) {
      return { status: Status.skip() };
    }
    state.write(
      PRE_FILTER_STATE_KEY,
      new PreFilterState(
        pod,
        affinityTerms,
        antiAffinityTerms,
        nsLabels,
        new PairCounts(existing, existing.version),
        new PairCounts(affinity, affinity?.version ?? 0),
        new PairCounts(antiAffinity, antiAffinity?.version ?? 0),
        podMatchesAllAffinityTerms(affinityTerms, pod),
      ),
    );
    return { status: Status.success() };
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, _podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status {
    return this.updateWithPod(state, podInfoToAdd, nodeInfo, 1);
  }

  removePod(state: CycleState, _podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status {
    return this.updateWithPod(state, podInfoToRemove, nodeInfo, -1);
  }

  private updateWithPod(state: CycleState, pi: PodInfo, nodeInfo: NodeInfo, multiplier: number): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (s === undefined) {
      if (state.skipFilterPlugins.has(NAME)) return Status.success();
      return Status.error(`error reading "${PRE_FILTER_STATE_KEY}" from cycleState: not found`);
    }
    s.updateWithPod(pi, nodeInfo, multiplier);
    return Status.success();
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (s === undefined)
      return Status.error(`error reading "${PRE_FILTER_STATE_KEY}" from cycleState: not found`);
    if (nodeInfo.node === undefined) return Status.error('node not found');
    if (s.stale) return Status.error(`${NAME}: pre-filter state is stale (a later cycle changed its counts)`);
    const labels = nodeInfo.labels;
    if (!satisfyPodAffinity(s, labels)) return STATUS_AFFINITY;
    if (!satisfyPodAntiAffinity(s, labels)) return STATUS_ANTI_AFFINITY;
    if (!satisfyExistingPodsAntiAffinity(s, labels)) return STATUS_EXISTING_ANTI_AFFINITY;
    return Status.success();
  }

  // ---- PreScore / Score ----

  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    if (nodes.length === 0) return Status.skip();
    const pi = this.podInfo(pod);
    if (pi instanceof Error) return Status.error(`failed to parse pod: ${pi.message}`);
    const hasConstraints = pi.preferredAffinityTerms.length > 0 || pi.preferredAntiAffinityTerms.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasConstraints) return Status.skip();
    const lister = this.nodes();
    // Without terms of its own, only existing pods with affinity can score the pod.
    if (!hasConstraints && lister.havePodsWithAffinityList().length === 0) return Status.skip();
    this.changes.sync(lister.list(), lister);
    const tables: ScoreTable[] = [];

    if (hasConstraints) {
      const preferred = pi.preferredAffinityTerms.map((t) => this.mergeNamespaces(t));
      const preferredAnti = pi.preferredAntiAffinityTerms.map((t) => this.mergeNamespaces(t));
      const t = this.table(
        lister,
        `p\u0001${weightedTermsKey(preferred)}\u0001${weightedTermsKey(preferredAnti)}`,
        () =>
          this.infos(lister, (ix) =>
            ix.nodesWithPodsMatching([...preferred, ...preferredAnti].map((t) => t.selector)),
          ),
        (ni, labels) => {
          let c: Contribution | null = null;
          for (const p of ni.pods) {
            for (const term of preferred)
              addIfMatches(term, term.weight, p.pod, undefined, labels, (c ??= new Contribution()));
            for (const term of preferredAnti)
              addIfMatches(term, -term.weight, p.pod, undefined, labels, (c ??= new Contribution()));
          }
          return c !== null && c.size > 0 ? c : null;
        },
      );
      tables.push({ table: t, version: t.version, keys: t.keys() });
    }

    const nsLabels = this.namespaceLabels(pod);
    const hard = this.hardPodAffinityWeight;
    const ns = pod.metadata.namespace ?? '';
    const existing = this.table(
      lister,
      `e\u0001${hard}\u0001${ns}\u0001${labelsKey(pod.metadata.labels)}\u0001${labelsKey(nsLabels)}`,
      () => this.infos(lister, (ix) => ix.scoringCandidates(pod.metadata.labels)),
      (ni, labels) => {
        let c: Contribution | null = null;
        for (const ep of ni.podsWithAffinity) {
          if (hard > 0) {
            for (const term of ep.requiredAffinityTerms)
              addIfMatches(term, hard, pod, nsLabels, labels, (c ??= new Contribution()));
          }
          for (const term of ep.preferredAffinityTerms)
            addIfMatches(term, term.weight, pod, nsLabels, labels, (c ??= new Contribution()));
          for (const term of ep.preferredAntiAffinityTerms)
            addIfMatches(term, -term.weight, pod, nsLabels, labels, (c ??= new Contribution()));
        }
        return c !== null && c.size > 0 ? c : null;
      },
    );
    tables.push({ table: existing, version: existing.version, keys: existing.keys() });

    if (tables.every((t) => t.table.size === 0)) return Status.skip();
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(tables.filter((t) => t.table.size > 0)));
    return Status.success();
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    if (s === undefined) {
      return Status.error(`error reading "${PRE_SCORE_STATE_KEY}" from cycleState: not found`);
    }
    if (nodeInfo.node === undefined) return Status.error('node not found');
    const labels = nodeInfo.labels;
    let score = 0;
    for (const t of s.tables) {
      if (t.table.version !== t.version) return Status.error(`${NAME}: pre-score state is stale`);
      for (const key of t.keys) {
        const v = labelValue(labels, key);
        if (v !== undefined) score += t.table.sum(key, v);
      }
    }
    return score;
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    if (s === undefined)
      return Status.error(`error reading "${PRE_SCORE_STATE_KEY}" from cycleState: not found`);
    if (s.tables.length === 0) return Status.success();
    let min = Infinity;
    let max = -Infinity;
    for (const ns of scores) {
      if (ns.score > max) max = ns.score;
      if (ns.score < min) min = ns.score;
    }
    const diff = max - min;
    for (const ns of scores) {
      ns.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((ns.score - min) / diff)) : 0;
    }
    return Status.success();
  }

  // ---- events ----

  eventsToRegister(): ClusterEvent[] {
    return [
      // An assigned pod added (affinity), relabelled or deleted (anti-affinity) can make room.
      { resource: 'Pod', actions: ['Add', 'UpdatePodLabel', 'Delete'] },
      // A node gaining a topology label can satisfy affinity; taint changes catch nodes becoming ready.
      { resource: 'Node', actions: ['Add', 'UpdateNodeLabel', 'UpdateNodeTaint'] },
    ];
  }
}

function addIfMatches(
  term: AffinityTerm,
  amount: number,
  pod: Pod,
  nsLabels: Readonly<Record<string, string>> | undefined,
  nodeLabels: Readonly<Record<string, string>> | undefined,
  into: Contribution,
): void {
  if (!matchTerm(term, pod, nsLabels)) return;
  const v = labelValue(nodeLabels, term.topologyKey);
  if (v !== undefined) into.add(term.topologyKey, v, amount);
}

function satisfyPodAffinity(
  s: PreFilterState,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  let podsExist = true;
  for (const t of s.affinityTerms) {
    const v = labelValue(labels, t.topologyKey);
    // Every topology key must exist on the node.
    if (v === undefined) return false;
    if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group affine to itself: allowed when no pod anywhere matches its terms yet.
  return s.affinity.size === 0 && s.selfAffine;
}

function satisfyPodAntiAffinity(
  s: PreFilterState,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (s.antiAffinity.size === 0) return true;
  for (const t of s.antiAffinityTerms) {
    const v = labelValue(labels, t.topologyKey);
    if (v !== undefined && s.antiAffinity.get(t.topologyKey, v) > 0) return false;
  }
  return true;
}

function satisfyExistingPodsAntiAffinity(
  s: PreFilterState,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (s.existingAntiAffinity.size === 0) return true;
  for (const key of s.existingAntiAffinity.keys()) {
    const v = labelValue(labels, key);
    if (v !== undefined && s.existingAntiAffinity.get(key, v) > 0) return false;
  }
  return true;
}

/** Builds InterPodAffinity from its args (see {@link InterPodAffinityArgs}); throws on invalid args. */
export const newInterPodAffinity: PluginFactory = (args, handle) => new InterPodAffinity(args ?? {}, handle);
