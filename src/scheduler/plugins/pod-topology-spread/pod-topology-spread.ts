/**
 * @module PodTopologySpread (upstream's podtopologyspread plugin): DoNotSchedule constraints filter nodes by
 * maxSkew over the matching pods per topology domain (minDomains, nodeAffinityPolicy, nodeTaintsPolicy,
 * matchLabelKeys); ScheduleAnyway constraints score nodes; pods without constraints get the default ones.
 * Domain counts come from incrementally maintained tables (see topology-counts.ts), not a full recount.
 */
import { type LabelSelector, selectorFromLabelSelector, selectorFromSet } from '../../../api/labels.js';
import type { TopologySpreadConstraint } from '../../../api/openapi/generated/types.js';
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
import {
  MAX_NODE_SCORE,
  type Node,
  type NodeInfo,
  type NodeScore,
  type Pod,
  type PodInfo,
} from '../../framework/types.js';
import {
  doNotScheduleTaintsFilter,
  findMatchingUntoleratedTaint,
  getRequiredNodeAffinity,
  type RequiredNodeAffinity,
} from '../helpers/index.js';
import { defaultSelector, type WorkloadListers } from './default-selector.js';
import { nodeInfosNamed, PodLabelIndex } from './pod-label-index.js';
import {
  type Cell,
  Contribution,
  CountTable,
  labelValue,
  matcherFor,
  NodeChangeLog,
  TableCache,
} from './topology-counts.js';

export type { WorkloadListers } from './default-selector.js';

export const NAME = 'PodTopologySpread';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

const DO_NOT_SCHEDULE = 'DoNotSchedule';
const SCHEDULE_ANYWAY = 'ScheduleAnyway';
const HONOR = 'Honor';

/** How pods without constraints get default ones: the built-in pair (System) or `defaultConstraints` (List). */
export type DefaultingType = 'System' | 'List';

/** The plugin's arguments (upstream's PodTopologySpreadArgs plus the workload listers). */
export interface PodTopologySpreadArgs {
  /** Constraints for pods without their own; only with defaultingType List; no labelSelector allowed. */
  defaultConstraints?: TopologySpreadConstraint[];
  /** Default 'System'. */
  defaultingType?: DefaultingType;
  /** Where default constraints find Services and controllers; see {@link defaultSelector} without them. */
  listers?: WorkloadListers;
}

/** Upstream's system default constraints: hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = Object.freeze([
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: SCHEDULE_ANYWAY, maxSkew: 3 },
  { topologyKey: LABEL_TOPOLOGY_ZONE, whenUnsatisfiable: SCHEDULE_ANYWAY, maxSkew: 5 },
]);

const PRE_FILTER_STATE_KEY = `PreFilter${NAME}`;
const PRE_SCORE_STATE_KEY = `PreScore${NAME}`;

/** A parsed constraint (upstream's topologySpreadConstraint). */
interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  /** A stable string for the selector, for cache keys. */
  selectorKey: string;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

function selectorKeyOf(s: LabelSelector): string {
  return s.isNothing() ? '\u2205' : s.toString();
}

/** Adds `pod`'s values of matchLabelKeys to the selector (upstream's mergeLabelSetWithSelector). */
function withMatchLabelKeys(
  selector: LabelSelector,
  keys: readonly string[] | undefined,
  pod: Pod,
): LabelSelector {
  if (!keys || keys.length === 0 || selector.isNothing()) return selector;
  const labels = pod.metadata.labels;
  const set: Record<string, string> = {};
  let any = false;
  for (const k of keys) {
    const v = labelValue(labels, k);
    if (v !== undefined) {
      set[k] = v;
      any = true;
    }
  }
  return any ? selectorFromSet(set).add(...selector.requirements) : selector;
}

function parseConstraints(
  constraints: readonly TopologySpreadConstraint[],
  pod: Pod,
  action: string,
): Constraint[] {
  const out: Constraint[] = [];
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    const selector = withMatchLabelKeys(selectorFromLabelSelector(c.labelSelector), c.matchLabelKeys, pod);
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      selectorKey: selectorKeyOf(selector),
      minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? HONOR) === HONOR,
      honorTaints: (c.nodeTaintsPolicy ?? 'Ignore') === HONOR,
    });
  }
  return out;
}

/** Pods matching `selector` in `namespace`, not terminating (upstream's countPodsMatchSelector). */
export function countPodsMatchSelector(
  pods: readonly PodInfo[],
  selector: LabelSelector,
  namespace: string,
): number {
  if (selector.isEverything()) return 0;
  const matches = matcherFor(selector);
  let n = 0;
  for (let i = 0; i < pods.length; i++) {
    const m = pods[i]!.pod.metadata;
    if (m.deletionTimestamp !== undefined || (m.namespace ?? '') !== namespace) continue;
    if (matches(m.labels)) n++;
  }
  return n;
}

function nodeHasAllKeys(node: Node, constraints: readonly Constraint[]): boolean {
  const labels = node.metadata.labels;
  for (const c of constraints) if (labelValue(labels, c.topologyKey) === undefined) return false;
  return true;
}

/** What the node-inclusion policies read from the incoming pod, computed once per cycle. */
class PodContext {
  readonly namespace: string;
  private affinity: RequiredNodeAffinity | undefined;
  private affinityKeyMemo: string | undefined;
  private tolerationKeyMemo: string | undefined;

  constructor(readonly pod: Pod) {
    this.namespace = pod.metadata.namespace ?? '';
  }

  get requiredAffinity(): RequiredNodeAffinity {
    return (this.affinity ??= getRequiredNodeAffinity(this.pod));
  }

  /** A key for what node affinity policy Honor compares: nodeSelector and required node affinity. */
  get affinityKey(): string {
    if (this.affinityKeyMemo === undefined) {
      const spec = this.pod.spec;
      const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      this.affinityKeyMemo =
        spec?.nodeSelector === undefined && required === undefined
          ? ''
          : JSON.stringify([spec?.nodeSelector ?? null, required ?? null]);
    }
    return this.affinityKeyMemo;
  }

  get tolerationKey(): string {
    return (this.tolerationKeyMemo ??= JSON.stringify(this.pod.spec?.tolerations ?? []));
  }

  /** Whether a node counts for a constraint (upstream's matchNodeInclusionPolicies). */
  includes(c: Constraint, node: Node): boolean {
    if (c.honorAffinity && !this.requiredAffinity.match(node)) return false;
    if (
      c.honorTaints &&
      findMatchingUntoleratedTaint(node.spec?.taints, this.pod.spec?.tolerations, doNotScheduleTaintsFilter)
    ) {
      return false;
    }
    return true;
  }

  /** The part of a table key that the inclusion policies of `c` depend on. */
  inclusionKey(c: Constraint): string {
    return `${c.honorAffinity ? this.affinityKey : '*'}\u0001${c.honorTaints ? this.tolerationKey : '*'}`;
  }
}

/** One constraint's domain counts as PreFilter saw them, plus what-if changes (AddPod/RemovePod). */
class DomainCounts {
  private overlay: Map<string, number> | undefined;
  private histogram: Map<number, number> | undefined;

  constructor(
    readonly table: CountTable,
    readonly version: number,
    private readonly base: ReadonlyMap<string, Cell> | undefined,
    /** The smallest count over eligible domains (Infinity when there is none). */
    public min: number,
    /** How many eligible domains there are. */
    public domains: number,
  ) {}

  get stale(): boolean {
    return this.table.version !== this.version;
  }

  count(value: string): number {
    if (this.overlay !== undefined) {
      const v = this.overlay.get(value);
      if (v !== undefined) return v;
    }
    return this.base?.get(value)?.sum ?? 0;
  }

  private has(value: string): boolean {
    return (this.overlay?.has(value) ?? false) || (this.base?.has(value) ?? false);
  }

  /** Moves one domain's count by delta, keeping the minimum exact (as upstream's DomainsAtCount). */
  update(value: string, delta: number): void {
    const h = (this.histogram ??= this.table.histogramCopy());
    const existed = this.has(value);
    const old = this.count(value);
    const cur = old + delta;
    (this.overlay ??= new Map()).set(value, cur);
    if (existed) {
      const n = (h.get(old) ?? 0) - 1;
      if (n > 0) h.set(old, n);
      else h.delete(old);
    } else {
      this.domains++;
    }
    h.set(cur, (h.get(cur) ?? 0) + 1);
    if (cur < this.min) {
      this.min = cur;
    } else if (old === this.min && !h.has(old)) {
      let m = Infinity;
      for (const k of h.keys()) if (k < m) m = k;
      this.min = m;
    }
  }

  clone(): DomainCounts {
    const c = new DomainCounts(this.table, this.version, this.base, this.min, this.domains);
    if (this.overlay) c.overlay = new Map(this.overlay);
    if (this.histogram) c.histogram = new Map(this.histogram);
    return c;
  }
}

class PreFilterState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly counts: DomainCounts[],
    /** Whether the incoming pod matches each constraint's selector. */
    readonly selfMatch: readonly boolean[],
    readonly context: PodContext,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.counts.map((c) => c.clone()),
      this.selfMatch,
      this.context,
    );
  }
}

/** Matching pods per node name (nodes without any are absent), for hostname scoring. */
interface PerNodeCounts {
  table: CountTable;
  version: number;
  cells: ReadonlyMap<string, Cell> | undefined;
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    /** Nodes lacking a topology key (when all are required): scored 0. */
    readonly ignored: ReadonlySet<string>,
    readonly weights: readonly number[],
    /** Domain counts per constraint (undefined for hostname constraints, counted per node). */
    readonly tables: ReadonlyArray<{ table: CountTable; version: number } | undefined>,
    readonly perNode: ReadonlyArray<PerNodeCounts | undefined>,
  ) {}

  clone(): PreScoreState {
    return this;
  }
}

/** log(size + 2): the weight of a topology with `size` domains among the candidate nodes. */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

function scoreForCount(count: number, maxSkew: number, weight: number): number {
  return count * weight + (maxSkew - 1);
}

const INVALID_SCORE = -1;

const STATUS_LABEL_NOT_MATCH = Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH).withPlugin(NAME);
const STATUS_CONSTRAINTS_NOT_MATCH = Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH).withPlugin(NAME);

function validateArgs(args: PodTopologySpreadArgs): string[] {
  const errs: string[] = [];
  const type = args.defaultingType ?? 'System';
  if (type !== 'System' && type !== 'List') {
    errs.push(
      `defaultingType: Unsupported value: ${JSON.stringify(type)}: supported values: "System", "List"`,
    );
  }
  const defaults = args.defaultConstraints ?? [];
  if (type === 'System' && defaults.length > 0) {
    errs.push(
      'defaultConstraints: Invalid value: when .defaultingType is "System", .defaultConstraints must be empty',
    );
  }
  const seen = new Set<string>();
  defaults.forEach((c, i) => {
    const p = `defaultConstraints[${i}]`;
    if (!(c.maxSkew > 0)) errs.push(`${p}.maxSkew: Invalid value: ${c.maxSkew}: must be greater than zero`);
    if (!c.topologyKey) errs.push(`${p}.topologyKey: Required value: can not be empty`);
    if (c.whenUnsatisfiable !== DO_NOT_SCHEDULE && c.whenUnsatisfiable !== SCHEDULE_ANYWAY) {
      errs.push(
        `${p}.whenUnsatisfiable: Unsupported value: ${JSON.stringify(c.whenUnsatisfiable)}: supported values: "DoNotSchedule", "ScheduleAnyway"`,
      );
    }
    if (c.labelSelector !== undefined) {
      errs.push(
        `${p}.labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod`,
      );
    }
    const key = `${c.topologyKey}\u0000${c.whenUnsatisfiable}`;
    if (seen.has(key)) errs.push(`${p}: Duplicate value: {${c.topologyKey}, ${c.whenUnsatisfiable}}`);
    seen.add(key);
  });
  return errs;
}

/**
 * The PodTopologySpread plugin; build it with {@link newPodTopologySpread}. One instance serves one profile's cycles in sequence:
 * its PreFilter/PreScore states read shared count tables, valid until a later cycle's PreFilter/PreScore sees
 * a changed snapshot; Filter/Score on such a stale state return an Error instead of a wrong verdict.
 */
export class PodTopologySpread
  implements
    PreFilterPlugin,
    FilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    EnqueueExtensions,
    PreFilterExtensions
{
  readonly name = NAME;
  private readonly defaultConstraints: readonly TopologySpreadConstraint[];
  private readonly systemDefaulted: boolean;
  private readonly listers: WorkloadListers | undefined;
  private readonly changes = new NodeChangeLog();
  private readonly tables = new TableCache(64);
  /** Lets counts skip the pods of nodes without a pod carrying a selector's required label. */
  private readonly index = new PodLabelIndex();
  private readonly parsed = new WeakMap<Pod, { hard: Constraint[]; soft: Constraint[] }>();

  constructor(
    args: PodTopologySpreadArgs,
    private readonly handle: Handle,
  ) {
    const errs = validateArgs(args);
    if (errs.length > 0) throw new Error(`invalid PodTopologySpreadArgs: ${errs.join('; ')}`);
    this.systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.defaultConstraints = this.systemDefaulted
      ? SYSTEM_DEFAULT_CONSTRAINTS
      : (args.defaultConstraints ?? []);
    this.listers = args.listers;
  }

  // ---- constraints ----

  private explicitConstraints(pod: Pod): { hard: Constraint[]; soft: Constraint[] } {
    let p = this.parsed.get(pod);
    if (p === undefined) {
      const list = pod.spec?.topologySpreadConstraints ?? [];
      p = {
        hard: parseConstraints(list, pod, DO_NOT_SCHEDULE),
        soft: parseConstraints(list, pod, SCHEDULE_ANYWAY),
      };
      this.parsed.set(pod, p);
    }
    return p;
  }

  /** The pod's constraints for `action`, or the default ones when it has none (upstream's getConstraints). */
  private constraintsFor(pod: Pod, action: string): Constraint[] {
    if ((pod.spec?.topologySpreadConstraints?.length ?? 0) > 0) {
      const p = this.explicitConstraints(pod);
      return action === DO_NOT_SCHEDULE ? p.hard : p.soft;
    }
    const defaults = parseConstraints(this.defaultConstraints, pod, action);
    if (defaults.length === 0) return defaults;
    const selector = defaultSelector(pod, this.listers);
    if (selector.isEverything()) return [];
    const selectorKey = selectorKeyOf(selector);
    for (const c of defaults) {
      c.selector = selector;
      c.selectorKey = selectorKey;
    }
    return defaults;
  }

  private nodes(): NodeInfoLister {
    return this.handle.snapshotSharedLister().nodeInfos();
  }

  /**
   * The domain-count table for one constraint: eligible nodes are those with every key in `requiredKeys` and
   * passing the constraint's inclusion policies; each adds its matching pods to its domain.
   */
  private domainTable(
    lister: NodeInfoLister,
    mode: string,
    c: Constraint,
    requiredKeys: readonly Constraint[],
    ctx: PodContext,
  ): CountTable {
    const keys = requiredKeys.map((r) => r.topologyKey);
    const key = [
      mode,
      ctx.namespace,
      c.selectorKey,
      c.topologyKey,
      keys.join('\u0002'),
      ctx.inclusionKey(c),
    ].join('\u0001');
    const table = this.tables.get(
      key,
      () =>
        new CountTable((ni) => {
          const node = ni.node;
          if (node === undefined) return null;
          const labels = node.metadata.labels;
          for (const k of keys) if (labelValue(labels, k) === undefined) return null;
          if (!ctx.includes(c, node)) return null;
          const contribution = new Contribution();
          contribution.add(
            c.topologyKey,
            labelValue(labels, c.topologyKey) ?? '',
            this.index.mayHavePodsMatching(ni.name, c.selector)
              ? countPodsMatchSelector(ni.pods, c.selector, ctx.namespace)
              : 0,
          );
          return contribution;
        }, true),
    );
    this.index.sync(this.changes, lister);
    table.sync(this.changes, lister, () => lister.list());
    return table;
  }

  /** The nodes that may hold a pod matching the selector (a per-node count is 0 elsewhere). */
  private nodesWithPodsMatching(lister: NodeInfoLister, selector: LabelSelector): readonly NodeInfo[] {
    return nodeInfosNamed(lister, this.index.nodesWithPodsMatching([selector]));
  }

  // ---- PreFilter / Filter ----

  preFilter(
    state: CycleState,
    pod: Pod,
    _nodes?: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status } {
    let constraints: Constraint[];
    try {
      constraints = this.constraintsFor(pod, DO_NOT_SCHEDULE);
    } catch (e) {
      return { status: Status.error(`get constraints from pod: ${(e as Error).message}`) };
    }
    if (constraints.length === 0) return { status: Status.skip() };
    const lister = this.nodes();
    this.changes.sync(lister.list(), lister);
    const ctx = new PodContext(pod);
    const podLabels = pod.metadata.labels ?? {};
    const counts = constraints.map((c) => {
      const t = this.domainTable(lister, 'filter', c, constraints, ctx);
      return new DomainCounts(t, t.version, t.cellsOf(c.topologyKey), t.min(), t.size);
    });
    const selfMatch = constraints.map((c) => c.selector.matches(podLabels));
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(constraints, counts, selfMatch, ctx));
    return { status: Status.success() };
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status {
    return this.updateWithPod(state, podToSchedule, podInfoToAdd.pod, nodeInfo, 1);
  }

  removePod(state: CycleState, podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status {
    return this.updateWithPod(state, podToSchedule, podInfoToRemove.pod, nodeInfo, -1);
  }

  private updateWithPod(
    state: CycleState,
    preemptor: Pod,
    updated: Pod,
    nodeInfo: NodeInfo,
    delta: number,
  ): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (s === undefined) {
      if (state.skipFilterPlugins.has(NAME)) return Status.success();
      return Status.error(`reading "${PRE_FILTER_STATE_KEY}" from cycleState: not found`);
    }
    const node = nodeInfo.node;
    if (node === undefined || (updated.metadata.namespace ?? '') !== (preemptor.metadata.namespace ?? '')) {
      return Status.success();
    }
    if (!nodeHasAllKeys(node, s.constraints)) return Status.success();
    const labels = node.metadata.labels;
    const podLabels = updated.metadata.labels ?? {};
    s.constraints.forEach((c, i) => {
      if (!c.selector.matches(podLabels)) return;
      if (!s.context.includes(c, node)) return;
      s.counts[i]!.update(labelValue(labels, c.topologyKey)!, delta);
    });
    return Status.success();
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (s === undefined) return Status.error(`reading "${PRE_FILTER_STATE_KEY}" from cycleState: not found`);
    const constraints = s.constraints;
    if (constraints.length === 0) return Status.success();
    if (nodeInfo.node === undefined) return Status.error('node not found');
    const labels = nodeInfo.labels;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      const value = labelValue(labels, c.topologyKey);
      if (value === undefined) return STATUS_LABEL_NOT_MATCH;
      const counts = s.counts[i]!;
      if (counts.stale)
        return Status.error(`${NAME}: pre-filter state is stale (a later cycle changed its counts)`);
      const minMatch = counts.domains < c.minDomains ? 0 : counts.min;
      const skew = counts.count(value) + (s.selfMatch[i] ? 1 : 0) - minMatch;
      if (skew > c.maxSkew) return STATUS_CONSTRAINTS_NOT_MATCH;
    }
    return Status.success();
  }

  // ---- PreScore / Score ----

  preScore(state: CycleState, pod: Pod, filteredNodes: readonly NodeInfo[]): Status {
    const lister = this.nodes();
    const all = lister.list();
    if (all.length === 0) return Status.skip();
    let constraints: Constraint[];
    try {
      constraints = this.constraintsFor(pod, SCHEDULE_ANYWAY);
    } catch (e) {
      return Status.error(`calculating preScoreState: ${(e as Error).message}`);
    }
    if (constraints.length === 0) return Status.skip();
    // Only explicit or List-defaulted constraints require every topology key, so that nodes without a zone
    // label still get hostname spreading under the system defaults.
    const requireAll = (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !this.systemDefaulted;
    const ignored = new Set<string>();
    const domains = constraints.map(() => new Set<string>());
    for (const ni of filteredNodes) {
      const node = ni.node;
      if (node === undefined) continue;
      if (requireAll && !nodeHasAllKeys(node, constraints)) {
        ignored.add(ni.name);
        continue;
      }
      const labels = node.metadata.labels;
      for (let i = 0; i < constraints.length; i++) {
        const key = constraints[i]!.topologyKey;
        if (key !== LABEL_HOSTNAME) domains[i]!.add(labelValue(labels, key) ?? '');
      }
    }
    const weights = constraints.map((c, i) =>
      topologyNormalizingWeight(
        c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignored.size : domains[i]!.size,
      ),
    );
    this.changes.sync(all, lister);
    const ctx = new PodContext(pod);
    const mode = requireAll ? 'score-all' : 'score';
    const required = requireAll ? constraints : [];
    const tables = constraints.map((c) => {
      if (c.topologyKey === LABEL_HOSTNAME) return undefined;
      const table = this.domainTable(lister, mode, c, required, ctx);
      return { table, version: table.version };
    });
    const perNode = constraints.map((c) =>
      c.topologyKey === LABEL_HOSTNAME ? this.perNodeCounts(lister, c, ctx) : undefined,
    );
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(constraints, ignored, weights, tables, perNode));
    return Status.success();
  }

  /** Every node's matching pods, by node name (upstream counts them in Score). */
  private perNodeCounts(lister: NodeInfoLister, c: Constraint, ctx: PodContext): PerNodeCounts {
    const table = this.tables.get(
      ['node', ctx.namespace, c.selectorKey].join('\u0001'),
      () =>
        new CountTable((ni) => {
          if (!this.index.mayHavePodsMatching(ni.name, c.selector)) return null;
          const n = countPodsMatchSelector(ni.pods, c.selector, ctx.namespace);
          if (n === 0) return null;
          const contribution = new Contribution();
          contribution.add('', ni.name, n);
          return contribution;
        }),
    );
    this.index.sync(this.changes, lister);
    table.sync(this.changes, lister, () => this.nodesWithPodsMatching(lister, c.selector));
    return { table, version: table.version, cells: table.cellsOf('') };
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    if (s === undefined) {
      return Status.error(`reading "${PRE_SCORE_STATE_KEY}" from cycleState: not found`);
    }
    const node = nodeInfo.node;
    if (node === undefined) return Status.error('node not found');
    if (s.ignored.has(nodeInfo.name)) return 0;
    const labels = node.metadata.labels;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const value = labelValue(labels, c.topologyKey);
      if (value === undefined) continue;
      let count: number;
      const perNode = s.perNode[i];
      if (perNode !== undefined) {
        if (perNode.table.version !== perNode.version) {
          return Status.error(`${NAME}: pre-score state is stale`);
        }
        count = perNode.cells?.get(nodeInfo.name)?.sum ?? 0;
      } else {
        const t = s.tables[i]!;
        if (t.table.version !== t.version) {
          return Status.error(`${NAME}: pre-score state is stale`);
        }
        count = t.table.sum(c.topologyKey, value);
      }
      score += scoreForCount(count, c.maxSkew, s.weights[i]!);
    }
    return Math.round(score);
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    if (s === undefined) return Status.error(`reading "${PRE_SCORE_STATE_KEY}" from cycleState: not found`);
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    for (const ns of scores) {
      if (s.ignored.has(ns.name)) {
        ns.score = INVALID_SCORE;
        continue;
      }
      if (ns.score < min) min = ns.score;
      if (ns.score > max) max = ns.score;
    }
    for (const ns of scores) {
      if (ns.score === INVALID_SCORE) {
        ns.score = 0;
      } else if (max === 0) {
        ns.score = MAX_NODE_SCORE;
      } else {
        ns.score = Math.trunc((MAX_NODE_SCORE * (max + min - ns.score)) / max);
      }
    }
    return Status.success();
  }

  // ---- events ----

  eventsToRegister(): ClusterEvent[] {
    return [
      // A matching pod added, relabelled or deleted changes the domain counts.
      { resource: 'Pod', actions: ['Add', 'UpdatePodLabel', 'Delete'] },
      // Nodes coming, going or changing labels/taints change the domains and which nodes count.
      { resource: 'Node', actions: ['Add', 'Delete', 'UpdateNodeLabel', 'UpdateNodeTaint'] },
    ];
  }
}

/** Builds PodTopologySpread from its args (see {@link PodTopologySpreadArgs}); throws on invalid args. */
export const newPodTopologySpread: PluginFactory = (args, handle) =>
  new PodTopologySpread(args ?? {}, handle);
