/**
 * @module The framework runner (upstream's frameworkImpl): builds one profile's plugins from the registry
 * and runs each extension point with upstream's rules (skip sets, PreFilterResult intersection, the first
 * rejecting Filter wins, weighted normalized scores, Permit waiting, the first non-skipping Bind). It is
 * also the {@link Handle} the profile's plugins receive.
 */
import type { KubeObject } from '../../api/object.js';
import type { TimerClock } from '../../util/clock.js';
import { EXTENSION_POINTS, type ExtensionPoint, type KubeSchedulerProfile } from '../config.js';
import { CycleState } from './cycle-state.js';
import type {
  BindPlugin,
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  NamespaceLister,
  NodeToStatusMap,
  PermitPlugin,
  Plugin,
  PostBindPlugin,
  PostFilterPlugin,
  PreBindPlugin,
  PreEnqueuePlugin,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  PodNominator,
  QueuedPodInfo,
  QueueSortPlugin,
  ReservePlugin,
  SchedulerClient,
  ScorePlugin,
  SharedLister,
} from './interface.js';
import type { Registry } from './registry.js';
import { Code, Status } from './status.js';
import {
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  type NodeInfo,
  type NodeScore,
  type Pod,
  type PodInfo,
} from './types.js';

/** The longest a Permit plugin may make a pod wait (upstream's maxTimeout). */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60_000;

/** What the framework needs from the scheduler to serve as plugins' Handle. */
export interface FrameworkDeps {
  client: SchedulerClient;
  /** The snapshot of the cycle in progress. */
  snapshot: () => SharedLister;
  namespaces: NamespaceLister;
  podDisruptionBudgets: () => readonly KubeObject[];
  nominator: PodNominator;
  clock: TimerClock;
}

export interface FrameworkOptions extends FrameworkDeps {
  /** The profile, already merged with the default plugins. */
  profile: KubeSchedulerProfile;
  registry: Registry;
  /** Plugins the profile may name but the registry may lack; they are left out instead of failing. */
  optionalPlugins?: ReadonlySet<string>;
  /** The configuration-wide percentageOfNodesToScore (0: adaptive). */
  percentageOfNodesToScore?: number;
}

/** The method that marks a plugin as implementing each extension point. */
const POINT_METHOD: Record<ExtensionPoint, string> = {
  preEnqueue: 'preEnqueue',
  queueSort: 'less',
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
  postBind: 'postBind',
};

const POINT_TYPE: Record<ExtensionPoint, string> = {
  preEnqueue: 'PreEnqueuePlugin',
  queueSort: 'QueueSortPlugin',
  preFilter: 'PreFilterPlugin',
  filter: 'FilterPlugin',
  postFilter: 'PostFilterPlugin',
  preScore: 'PreScorePlugin',
  score: 'ScorePlugin',
  reserve: 'ReservePlugin',
  permit: 'PermitPlugin',
  preBind: 'PreBindPlugin',
  bind: 'BindPlugin',
  postBind: 'PostBindPlugin',
};

function implementsPoint(p: Plugin, point: ExtensionPoint): boolean {
  return typeof (p as unknown as Record<string, unknown>)[POINT_METHOD[point]] === 'function';
}

function hasEvents(p: Plugin): p is Plugin & EnqueueExtensions {
  return typeof (p as Partial<EnqueueExtensions>).eventsToRegister === 'function';
}

/** A Filter plugin's non-success status, named; codes other than the rejections are errors. */
function filterFailure(plugin: string, s: Status): Status {
  if (!s.isRejected())
    return Status.error(`running "${plugin}" filter plugin: ${s.message()}`).withPlugin(plugin);
  return s.withPlugin(plugin);
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** PreFilter's outcome: candidate nodes (undefined: all), the status, and plugins that narrowed the nodes. */
export interface PreFilterOutcome {
  result: PreFilterResult | undefined;
  status: Status;
  pluginsWithNodes: string[];
}

/** Formats a duration as Go prints a time.Duration (e.g. "10s", "1m30s", "500ms"). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  let out = '';
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  return `${out}${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
}

/**
 * A pod held at Permit until every plugin that asked it to wait allows it, one rejects it, or a plugin's
 * timeout passes (upstream's waitingPod).
 */
export class WaitingPod {
  private readonly pending = new Map<string, () => void>();
  private resolve!: (s: Status) => void;
  private done = false;
  readonly result: Promise<Status>;

  constructor(
    readonly pod: Pod,
    waits: ReadonlyMap<string, number>,
    clock: TimerClock,
  ) {
    this.result = new Promise((r) => (this.resolve = r));
    for (const [plugin, ms] of waits) {
      this.pending.set(
        plugin,
        clock.setTimer(ms, () =>
          this.reject(plugin, `rejected due to timeout after waiting ${goDuration(ms)} at plugin ${plugin}`),
        ),
      );
    }
  }

  /** Plugins still to allow the pod. */
  pendingPlugins(): string[] {
    return [...this.pending.keys()];
  }

  allow(plugin: string): void {
    const cancel = this.pending.get(plugin);
    if (!cancel || this.done) return;
    cancel();
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.finish(Status.success());
  }

  reject(plugin: string, message: string): void {
    if (this.done) return;
    this.finish(Status.unschedulable(message).withPlugin(plugin));
  }

  private finish(s: Status): void {
    this.done = true;
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
    this.resolve(s);
  }
}

/** One profile's plugins, per extension point, and the rules for running them. */
export class Framework implements Handle {
  readonly profileName: string;
  readonly percentageOfNodesToScore: number;
  readonly namespaces: NamespaceLister;
  readonly client: SchedulerClient;
  readonly nominator: PodNominator;
  readonly clock: TimerClock;
  readonly plugins = new Map<string, Plugin>();
  readonly preEnqueuePlugins: PreEnqueuePlugin[] = [];
  readonly queueSortPlugins: QueueSortPlugin[] = [];
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: ScorePlugin[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly postBindPlugins: PostBindPlugin[] = [];
  /** Weight of each Score plugin (default 1). */
  readonly scoreWeights = new Map<string, number>();
  private readonly deps: FrameworkDeps;
  private readonly waitingPods = new Map<string, WaitingPod>();
  /** Per-plugin score arrays reused across cycles (the scoring loop allocates nothing per node). */
  private scoreBuffers: NodeScore[][] = [];

  constructor(opts: FrameworkOptions) {
    this.deps = opts;
    this.namespaces = opts.namespaces;
    this.client = opts.client;
    this.nominator = opts.nominator;
    this.clock = opts.clock;
    const profile = opts.profile;
    this.profileName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore ?? opts.percentageOfNodesToScore ?? 0;

    const optional = opts.optionalPlugins ?? new Set<string>();
    const present = (name: string): boolean => opts.registry.has(name) || !optional.has(name);
    const multiPoint = (profile.plugins.multiPoint?.enabled ?? []).filter((p) => present(p.name));
    const points = new Map<ExtensionPoint, { enabled: string[]; disabled: Set<string> }>();
    for (const point of EXTENSION_POINTS) {
      const set = profile.plugins[point];
      points.set(point, {
        enabled: (set?.enabled ?? []).map((p) => p.name).filter(present),
        disabled: new Set((set?.disabled ?? []).map((p) => p.name)),
      });
    }

    // Build every plugin named anywhere, once.
    const args = new Map(profile.pluginConfig.map((c) => [c.name, c.args]));
    const needed = new Set<string>(multiPoint.map((p) => p.name));
    for (const { enabled } of points.values()) for (const n of enabled) needed.add(n);
    for (const name of needed) {
      const factory = opts.registry.get(name);
      if (!factory) throw new Error(`plugin "${name}" does not exist`);
      const plugin = factory(args.get(name), this);
      this.plugins.set(name, plugin);
    }
    for (const c of profile.pluginConfig) {
      if (!needed.has(c.name) && !optional.has(c.name) && !opts.registry.has(c.name)) {
        throw new Error(`pluginConfig names plugin "${c.name}", which does not exist`);
      }
    }

    // Expand multiPoint into the points each plugin implements (upstream's expandMultiPointPlugins).
    for (const point of EXTENSION_POINTS) {
      const { enabled, disabled } = points.get(point)!;
      for (const name of enabled) {
        if (!implementsPoint(this.plugins.get(name)!, point)) {
          throw new Error(`plugin "${name}" does not extend ${POINT_TYPE[point]} plugin`);
        }
      }
      let order = enabled;
      if (!disabled.has('*')) {
        const overrides: string[] = [];
        const fromMulti: string[] = [];
        for (const ep of multiPoint) {
          if (!implementsPoint(this.plugins.get(ep.name)!, point)) continue;
          if (disabled.has(ep.name)) continue;
          if (enabled.includes(ep.name)) {
            overrides.push(ep.name);
            continue;
          }
          if (fromMulti.includes(ep.name)) {
            throw new Error(`plugin "${ep.name}" already registered as "${POINT_TYPE[point]}"`);
          }
          fromMulti.push(ep.name);
        }
        order = [...overrides, ...fromMulti, ...enabled.filter((n) => !overrides.includes(n))];
      }
      const list = this.pointList(point);
      for (const name of order) list.push(this.plugins.get(name)!);
    }

    for (const ep of multiPoint) this.scoreWeights.set(ep.name, ep.weight || 1);
    for (const ep of profile.plugins.score?.enabled ?? []) this.scoreWeights.set(ep.name, ep.weight || 1);

    if (this.queueSortPlugins.length === 0) throw new Error('no queue sort plugin is enabled');
    if (this.queueSortPlugins.length > 1) throw new Error('only one queue sort plugin can be enabled');
    if (this.bindPlugins.length === 0) throw new Error('at least one bind plugin is needed');
  }

  private pointList(point: ExtensionPoint): Plugin[] {
    const lists: Record<ExtensionPoint, Plugin[]> = {
      preEnqueue: this.preEnqueuePlugins,
      queueSort: this.queueSortPlugins,
      preFilter: this.preFilterPlugins,
      filter: this.filterPlugins,
      postFilter: this.postFilterPlugins,
      preScore: this.preScorePlugins,
      score: this.scorePlugins,
      reserve: this.reservePlugins,
      permit: this.permitPlugins,
      preBind: this.preBindPlugins,
      bind: this.bindPlugins,
      postBind: this.postBindPlugins,
    };
    return lists[point];
  }

  /** Plugin names per extension point, in run order (for logs and tests). */
  listPlugins(): Partial<Record<ExtensionPoint, string[]>> {
    const out: Partial<Record<ExtensionPoint, string[]>> = {};
    for (const point of EXTENSION_POINTS) {
      const list = this.pointList(point);
      if (list.length > 0) out[point] = list.map((p) => p.name);
    }
    return out;
  }

  // ---- Handle ----

  snapshotSharedLister(): SharedLister {
    return this.deps.snapshot();
  }

  podDisruptionBudgets(): readonly KubeObject[] {
    return this.deps.podDisruptionBudgets();
  }

  now(): Date {
    return this.clock.now();
  }

  // ---- queueing ----

  /** The QueueSort plugin's order. */
  queueSortLess(): (a: QueuedPodInfo, b: QueuedPodInfo) => boolean {
    const p = this.queueSortPlugins[0]!;
    return (a, b) => p.less(a, b);
  }

  /** Runs PreEnqueue plugins; the first non-success status (plugin named) keeps the pod out. */
  runPreEnqueuePlugins(pod: Pod): Status {
    for (const pl of this.preEnqueuePlugins) {
      let s: Status;
      try {
        s = pl.preEnqueue(pod);
      } catch (e) {
        s = Status.error(asError(e));
      }
      if (!s.isSuccess()) return s.withPlugin(pl.name);
    }
    return Status.success();
  }

  /** Events each plugin that implements EnqueueExtensions registered; others are absent (hear everything). */
  eventsToRegister(): Map<string, ClusterEvent[]> {
    const out = new Map<string, ClusterEvent[]>();
    for (const [name, p] of this.plugins) if (hasEvents(p)) out.set(name, p.eventsToRegister());
    return out;
  }

  // ---- scheduling cycle ----

  /**
   * Runs PreFilter plugins. Skip marks the plugin's Filter skipped; UnschedulableAndUnresolvable stops at
   * once; Unschedulable is remembered while the rest still run (preemption needs their state); other
   * failures are errors. Narrowed node sets intersect; an empty intersection is UnschedulableAndUnresolvable.
   */
  runPreFilterPlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): PreFilterOutcome {
    let result: PreFilterResult | undefined;
    let returnStatus = Status.success();
    const pluginsWithNodes: string[] = [];
    state.skipFilterPlugins.clear();
    for (const pl of this.preFilterPlugins) {
      let r: { result?: PreFilterResult; status: Status };
      try {
        r = pl.preFilter(state, pod, nodes);
      } catch (e) {
        r = { status: Status.error(asError(e)) };
      }
      const s = r.status;
      if (s.isSkip()) {
        state.skipFilterPlugins.add(pl.name);
        continue;
      }
      if (!s.isSuccess()) {
        const named = s.withPlugin(pl.name);
        if (s.code === Code.UnschedulableAndUnresolvable)
          return { result: undefined, status: named, pluginsWithNodes };
        if (s.code === Code.Unschedulable) {
          returnStatus = named;
          continue;
        }
        return {
          result: undefined,
          status: Status.error(`running PreFilter plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name),
          pluginsWithNodes,
        };
      }
      const nodeNames = r.result?.nodeNames;
      if (nodeNames === undefined) continue;
      pluginsWithNodes.push(pl.name);
      if (result?.nodeNames === undefined) result = { nodeNames: new Set(nodeNames) };
      else {
        const merged = new Set<string>();
        for (const n of nodeNames) if (result.nodeNames.has(n)) merged.add(n);
        result = { nodeNames: merged };
      }
      if (result.nodeNames!.size === 0) {
        const msg =
          pluginsWithNodes.length === 1
            ? `node(s) didn't satisfy plugin ${pluginsWithNodes[0]}`
            : `node(s) didn't satisfy plugin(s) [${pluginsWithNodes.join(' ')}] simultaneously`;
        return { result, status: Status.unresolvable(msg), pluginsWithNodes };
      }
    }
    return { result, status: returnStatus, pluginsWithNodes };
  }

  /** Filter plugins that run this cycle (not skipped by PreFilter). */
  activeFilterPlugins(state: CycleState): FilterPlugin[] {
    if (state.skipFilterPlugins.size === 0) return this.filterPlugins;
    return this.filterPlugins.filter((p) => !state.skipFilterPlugins.has(p.name));
  }

  /** Runs Filter plugins on one node; the first that does not succeed decides (an unexpected code is an Error). */
  runFilterPlugins(
    state: CycleState,
    pod: Pod,
    nodeInfo: NodeInfo,
    plugins = this.activeFilterPlugins(state),
  ): Status {
    let i = 0;
    try {
      for (; i < plugins.length; i++) {
        const s = plugins[i]!.filter(state, pod, nodeInfo);
        if (s.code !== Code.Success) return filterFailure(plugins[i]!.name, s);
      }
    } catch (e) {
      return filterFailure(plugins[i]!.name, Status.error(asError(e)));
    }
    return Status.success();
  }

  /**
   * Filters with nominated pods of equal or higher priority counted on the node, then (when there were
   * any and the first pass succeeded) again without them, as upstream: the pod must fit both ways.
   */
  runFilterPluginsWithNominatedPods(
    state: CycleState,
    pod: Pod,
    nodeInfo: NodeInfo,
    plugins = this.activeFilterPlugins(state),
  ): Status {
    if ((this.nominator as { size?: number }).size === 0)
      return this.runFilterPlugins(state, pod, nodeInfo, plugins);
    const nominated = this.nominator.nominatedPodsForNode(nodeInfo.name);
    if (nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo, plugins);
    let stateWith: CycleState | undefined;
    let infoWith: NodeInfo | undefined;
    const prio = pod.spec?.priority ?? 0;
    const uid = pod.metadata.uid;
    for (const pi of nominated) {
      if ((pi.pod.spec?.priority ?? 0) < prio || pi.pod.metadata.uid === uid) continue;
      if (!infoWith) {
        infoWith = nodeInfo.clone();
        stateWith = state.clone();
      }
      infoWith.addPodInfo(pi);
      const s = this.runPreFilterExtensionAddPod(stateWith!, pod, pi, infoWith);
      if (!s.isSuccess()) return s;
    }
    if (!infoWith) return this.runFilterPlugins(state, pod, nodeInfo, plugins);
    const first = this.runFilterPlugins(stateWith!, pod, infoWith, plugins);
    if (!first.isSuccess()) return first;
    return this.runFilterPlugins(state, pod, nodeInfo, plugins);
  }

  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, toAdd: PodInfo, nodeInfo: NodeInfo): Status {
    return this.runPreFilterExtension(state, pod, toAdd, nodeInfo, 'addPod');
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, toRemove: PodInfo, nodeInfo: NodeInfo): Status {
    return this.runPreFilterExtension(state, pod, toRemove, nodeInfo, 'removePod');
  }

  private runPreFilterExtension(
    state: CycleState,
    pod: Pod,
    other: PodInfo,
    nodeInfo: NodeInfo,
    op: 'addPod' | 'removePod',
  ): Status {
    for (const pl of this.preFilterPlugins) {
      const ext = pl.preFilterExtensions?.();
      if (!ext || state.skipFilterPlugins.has(pl.name)) continue;
      let s: Status;
      try {
        s = ext[op](state, pod, other, nodeInfo);
      } catch (e) {
        s = Status.error(asError(e));
      }
      if (!s.isSuccess()) return Status.error(s.message()).withPlugin(pl.name);
    }
    return Status.success();
  }

  /**
   * Runs PostFilter plugins until one succeeds (its nominated node is returned). UnschedulableAndUnresolvable
   * stops; other rejections collect their reasons; anything else is an error.
   */
  async runPostFilterPlugins(
    state: CycleState,
    pod: Pod,
    statuses: NodeToStatusMap,
  ): Promise<{ result?: { nominatedNodeName: string }; status: Status }> {
    const reasons: string[] = [];
    let rejector = '';
    let result: { nominatedNodeName: string } | undefined;
    for (const pl of this.postFilterPlugins) {
      let r: { result?: { nominatedNodeName: string }; status: Status };
      try {
        r = await pl.postFilter(state, pod, statuses);
      } catch (e) {
        r = { status: Status.error(asError(e)) };
      }
      const s = r.status;
      if (s.isSuccess()) return r;
      if (s.code === Code.UnschedulableAndUnresolvable) return { ...r, status: s.withPlugin(pl.name) };
      if (!s.isRejected()) return { status: Status.error(s.message()).withPlugin(pl.name) };
      if (r.result) result = r.result;
      reasons.push(...s.reasons);
      rejector = pl.name;
    }
    return { ...(result ? { result } : {}), status: Status.unschedulable(...reasons).withPlugin(rejector) };
  }

  /** Runs PreScore plugins; Skip marks the plugin's Score skipped; a failure is an error. */
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    state.skipScorePlugins.clear();
    for (const pl of this.preScorePlugins) {
      let s: Status;
      try {
        s = pl.preScore(state, pod, nodes);
      } catch (e) {
        s = Status.error(asError(e));
      }
      if (s.isSkip()) {
        state.skipScorePlugins.add(pl.name);
        continue;
      }
      if (!s.isSuccess())
        return Status.error(`running PreScore plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name);
    }
    return Status.success();
  }

  /**
   * Scores `nodes` with every Score plugin not skipped, normalizes each plugin's scores, checks they lie in
   * [0, 100], and returns the weighted totals, index-aligned with `nodes`.
   */
  runScorePlugins(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
  ): { totals: number[]; status: Status } {
    const n = nodes.length;
    const totals = new Array<number>(n).fill(0);
    const names = new Array<string>(n);
    for (let i = 0; i < n; i++) names[i] = nodes[i]!.name;
    let k = 0;
    for (const pl of this.scorePlugins) {
      if (state.skipScorePlugins.has(pl.name)) continue;
      const scores = this.scoreBuffer(k++, n);
      let failed: Status | undefined;
      try {
        for (let i = 0; i < n; i++) {
          const r = pl.score(state, pod, nodes[i]!);
          if (typeof r !== 'number') {
            if (r.code === Code.Success) throw new Error('a Score plugin returned a success Status');
            failed = r;
            break;
          }
          const slot = scores[i]!;
          slot.name = names[i]!;
          slot.score = r;
        }
      } catch (e) {
        failed = Status.error(asError(e));
      }
      if (failed) {
        return {
          totals,
          status: Status.error(`plugin "${pl.name}" failed with: ${failed.message()}`).withPlugin(pl.name),
        };
      }
      const ext = pl.scoreExtensions?.();
      if (ext) {
        let s: Status;
        try {
          s = ext.normalizeScore(state, pod, scores);
        } catch (e) {
          s = Status.error(asError(e));
        }
        if (!s.isSuccess())
          return {
            totals,
            status: Status.error(`plugin "${pl.name}" failed with: ${s.message()}`).withPlugin(pl.name),
          };
      }
      const weight = this.scoreWeights.get(pl.name) ?? 1;
      for (let i = 0; i < n; i++) {
        const score = scores[i]!.score;
        if (score > MAX_NODE_SCORE || score < MIN_NODE_SCORE || Number.isNaN(score)) {
          return {
            totals,
            status: Status.error(
              `plugin "${pl.name}" returns an invalid score ${score}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`,
            ).withPlugin(pl.name),
          };
        }
        totals[i]! += score * weight;
      }
    }
    return { totals, status: Status.success() };
  }

  private scoreBuffer(k: number, n: number): NodeScore[] {
    let buf = this.scoreBuffers[k];
    if (!buf) this.scoreBuffers[k] = buf = [];
    if (buf.length > n) buf.length = n;
    while (buf.length < n) buf.push({ name: '', score: 0 });
    return buf;
  }

  hasFilterPlugins(): boolean {
    return this.filterPlugins.length > 0;
  }

  hasScorePlugins(): boolean {
    return this.scorePlugins.length > 0;
  }

  hasPostFilterPlugins(): boolean {
    return this.postFilterPlugins.length > 0;
  }

  /** Runs Reserve plugins; on failure the caller runs Unreserve. */
  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    for (const pl of this.reservePlugins) {
      let s: Status;
      try {
        s = pl.reserve(state, pod, nodeName);
      } catch (e) {
        s = Status.error(asError(e));
      }
      if (s.isSuccess()) continue;
      if (s.isRejected()) return s.withPlugin(pl.name);
      return Status.error(`running Reserve plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name);
    }
    return Status.success();
  }

  /** Runs Unreserve in reverse order; never fails. */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      try {
        this.reservePlugins[i]!.unreserve(state, pod, nodeName);
      } catch {
        // Unreserve must not fail; a throwing plugin is ignored so the others still run.
      }
    }
  }

  /**
   * Runs Permit plugins: a rejection ends it; Wait from any plugin (with no rejection) parks the pod as a
   * {@link WaitingPod} and returns Wait; the binding cycle then calls {@link waitOnPermit}.
   */
  runPermitPlugins(state: CycleState, pod: Pod, nodeName: string): Status {
    const waits = new Map<string, number>();
    for (const pl of this.permitPlugins) {
      let r: { status: Status; timeoutMs: number };
      try {
        r = pl.permit(state, pod, nodeName);
      } catch (e) {
        r = { status: Status.error(asError(e)), timeoutMs: 0 };
      }
      const s = r.status;
      if (s.isSuccess()) continue;
      if (s.isRejected()) return s.withPlugin(pl.name);
      if (s.code === Code.Wait) {
        waits.set(pl.name, Math.min(r.timeoutMs, MAX_PERMIT_TIMEOUT_MS));
        continue;
      }
      return Status.error(`running Permit plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name);
    }
    if (waits.size > 0) {
      this.waitingPods.set(podUid(pod), new WaitingPod(pod, waits, this.clock));
      return Status.of(
        Code.Wait,
        `one or more plugins asked to wait and no plugin rejected pod "${pod.metadata.name}"`,
      );
    }
    return Status.success();
  }

  /** Waits until a pod parked at Permit is allowed or rejected (success at once if it is not waiting). */
  async waitOnPermit(pod: Pod): Promise<Status> {
    const uid = podUid(pod);
    const wp = this.waitingPods.get(uid);
    if (!wp) return Status.success();
    try {
      const s = await wp.result;
      if (s.isSuccess() || s.isRejected()) return s;
      return Status.error(
        `error while waiting on permit for pod "${pod.metadata.name}": ${s.message()}`,
      ).withPlugin(s.plugin);
    } finally {
      this.waitingPods.delete(uid);
    }
  }

  getWaitingPod(uid: string): WaitingPod | undefined {
    return this.waitingPods.get(uid);
  }

  iterateOverWaitingPods(fn: (wp: WaitingPod) => void): void {
    for (const wp of this.waitingPods.values()) fn(wp);
  }

  /** Rejects a waiting pod (e.g. it was deleted); returns whether it was waiting. */
  rejectWaitingPod(uid: string): boolean {
    const wp = this.waitingPods.get(uid);
    if (!wp) return false;
    for (const plugin of wp.pendingPlugins()) wp.reject(plugin, 'removed');
    return true;
  }

  /** Runs PreBind plugins; the first failure ends it. */
  async runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const pl of this.preBindPlugins) {
      let s: Status;
      try {
        s = await pl.preBind(state, pod, nodeName);
      } catch (e) {
        s = Status.error(asError(e));
      }
      if (s.isSuccess() || s.isSkip()) continue;
      if (s.isRejected()) return s.withPlugin(pl.name);
      return Status.error(`running PreBind plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name);
    }
    return Status.success();
  }

  /** Runs Bind plugins until one does not Skip; Skip from all of them is returned as Skip. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    let status = Status.skip();
    for (const pl of this.bindPlugins) {
      try {
        status = await pl.bind(state, pod, nodeName);
      } catch (e) {
        status = Status.error(asError(e));
      }
      if (status.isSkip()) continue;
      if (status.isSuccess()) return status;
      if (status.isRejected()) return status.withPlugin(pl.name);
      return Status.error(`running Bind plugin "${pl.name}": ${status.message()}`).withPlugin(pl.name);
    }
    return status;
  }

  runPostBindPlugins(state: CycleState, pod: Pod, nodeName: string): void {
    for (const pl of this.postBindPlugins) {
      try {
        pl.postBind(state, pod, nodeName);
      } catch {
        // Informational only.
      }
    }
  }
}

function podUid(pod: Pod): string {
  return pod.metadata.uid || `${pod.metadata.namespace}/${pod.metadata.name}`;
}
