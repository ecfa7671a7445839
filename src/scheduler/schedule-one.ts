/**
 * @module Choosing a node for one pod (upstream's schedulePod in schedule_one.go): PreFilter, Filter over a
 * sample of the nodes starting from a rotating index (percentageOfNodesToScore), the nominated node first,
 * then PreScore, Score and a random pick among the best.
 */
import type { Snapshot } from './cache/snapshot.js';
import type { CycleState } from './framework/cycle-state.js';
import type { Framework } from './framework/runner.js';
import { Code, Status } from './framework/status.js';
import type { NodeInfo, Pod } from './framework/types.js';
import { Diagnosis, FitError, NoNodesAvailableError } from './fit-error.js';

/** Upstream's minFeasibleNodesToFind and minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes to find before scoring: all of them below 100 nodes; otherwise the configured
 * percentage, or adaptively 50 % minus 1 % per 125 nodes (at least 5 %), and never fewer than 100.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/**
 * The index of the highest total, choosing uniformly among ties by reservoir sampling (upstream's
 * selectHost); -1 for an empty list.
 */
export function selectHost(totals: readonly number[], rand: () => number = Math.random): number {
  let best = -1;
  let max = -Infinity;
  let ties = 0;
  for (let i = 0; i < totals.length; i++) {
    const t = totals[i]!;
    if (t > max) {
      max = t;
      best = i;
      ties = 1;
    } else if (t === max) {
      ties++;
      if (Math.floor(rand() * ties) === 0) best = i;
    }
  }
  return best;
}

export interface ScheduleResult {
  suggestedHost: string;
  /** Nodes filtered (feasible or not). */
  evaluatedNodes: number;
  feasibleNodes: number;
}

/** An unexpected plugin error during a cycle; the pod is retried with back-off. */
export class SchedulingError extends Error {
  constructor(readonly status: Status) {
    super(status.message());
    this.name = 'SchedulingError';
  }
}

/**
 * Picks nodes for pods from a snapshot. Keeps the rotating start index across cycles so successive pods
 * look at different nodes first.
 */
export class PodScheduler {
  nextStartNodeIndex = 0;
  /** Nodes the last filtering pass rejected. */
  lastRejected = 0;
  private readonly failedNodes: NodeInfo[] = [];
  private readonly failedStatuses: Status[] = [];
  /** Where feasible nodes are collected; the caller gets an exact-size copy (no growth garbage per cycle). */
  private readonly feasibleScratch: NodeInfo[] = [];

  constructor(
    private readonly snapshot: Snapshot,
    private readonly rand: () => number = Math.random,
  ) {}

  /**
   * Returns the chosen node; throws {@link NoNodesAvailableError}, {@link FitError} (no node fits; its
   * diagnosis feeds PostFilter) or {@link SchedulingError}.
   */
  schedulePod(fwk: Framework, state: CycleState, pod: Pod): ScheduleResult {
    const numNodes = this.snapshot.numNodes();
    if (numNodes === 0) throw new NoNodesAvailableError();
    const { feasible, diagnosis } = this.findNodesThatFitPod(fwk, state, pod);
    if (feasible.length === 0) throw new FitError(pod, numNodes, diagnosis);
    const evaluatedNodes = feasible.length + this.lastRejected;
    if (feasible.length === 1) {
      return { suggestedHost: feasible[0]!.name, evaluatedNodes, feasibleNodes: 1 };
    }
    const totals = this.prioritizeNodes(fwk, state, pod, feasible);
    const i = selectHost(totals, this.rand);
    return { suggestedHost: feasible[i]!.name, evaluatedNodes, feasibleNodes: feasible.length };
  }

  /** PreFilter, then Filter (the nominated node first); the feasible nodes and why the others failed. */
  findNodesThatFitPod(
    fwk: Framework,
    state: CycleState,
    pod: Pod,
  ): { feasible: NodeInfo[]; diagnosis: Diagnosis } {
    const diagnosis = new Diagnosis();
    const allNodes = this.snapshot.list();
    const pre = fwk.runPreFilterPlugins(state, pod, allNodes);
    for (const p of pre.pluginsWithNodes) diagnosis.unschedulablePlugins.add(p);
    if (!pre.status.isSuccess()) {
      if (!pre.status.isRejected()) throw new SchedulingError(pre.status);
      for (const ni of allNodes) diagnosis.nodeToStatus.set(ni.name, pre.status);
      diagnosis.preFilterMsg = pre.status.message();
      diagnosis.addPluginStatus(pre.status);
      return { feasible: [], diagnosis };
    }

    const nominated = pod.status?.nominatedNodeName;
    if (nominated) {
      const ni = this.snapshot.get(nominated);
      if (ni) {
        const feasible = this.findNodesThatPassFilters(fwk, state, pod, diagnosis, [ni], 0);
        if (feasible.length > 0) return { feasible, diagnosis };
      }
    }

    let nodes: readonly NodeInfo[] = allNodes;
    const narrowed = pre.result?.nodeNames;
    if (narrowed !== undefined) {
      const list: NodeInfo[] = [];
      for (const name of narrowed) {
        const ni = this.snapshot.get(name);
        if (ni) list.push(ni);
      }
      nodes = list;
    }
    const start = nodes.length > 0 ? this.nextStartNodeIndex % nodes.length : 0;
    const feasible = this.findNodesThatPassFilters(fwk, state, pod, diagnosis, nodes, start);
    const processed = feasible.length + this.lastRejected;
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % allNodes.length;
    if (feasible.length === 0 && narrowed !== undefined) {
      const absent = Status.unresolvable(
        `node(s) didn't satisfy plugin(s) [${[...pre.pluginsWithNodes].sort().join(' ')}]`,
      );
      for (const ni of allNodes) if (!narrowed.has(ni.name)) diagnosis.nodeToStatus.set(ni.name, absent);
    }
    return { feasible, diagnosis };
  }

  /**
   * Filters nodes from `start` (wrapping) until enough feasible ones are found. The statuses of the nodes that
   * failed go into the diagnosis only when none passed (they are only read then); their count is kept in
   * {@link lastRejected}.
   */
  findNodesThatPassFilters(
    fwk: Framework,
    state: CycleState,
    pod: Pod,
    diagnosis: Diagnosis,
    nodes: readonly NodeInfo[],
    start: number,
  ): NodeInfo[] {
    const numAll = nodes.length;
    const numToFind = numFeasibleNodesToFind(fwk.percentageOfNodesToScore, numAll);
    this.lastRejected = 0;
    if (!fwk.hasFilterPlugins()) {
      const all: NodeInfo[] = [];
      for (let i = 0; i < numToFind; i++) all.push(nodes[(start + i) % numAll]!);
      return all;
    }
    const plugins = fwk.activeFilterPlugins(state);
    const failedNodes = this.failedNodes;
    const failedStatuses = this.failedStatuses;
    const feasible = this.feasibleScratch;
    try {
      for (let i = 0; i < numAll; i++) {
        const ni = nodes[(start + i) % numAll]!;
        const s = fwk.runFilterPluginsWithNominatedPods(state, pod, ni, plugins);
        if (s.code === Code.Success) {
          feasible.push(ni);
          if (feasible.length >= numToFind) break;
        } else if (s.code === Code.Error) {
          throw new SchedulingError(s);
        } else {
          failedNodes.push(ni);
          failedStatuses.push(s);
        }
      }
      this.lastRejected = failedNodes.length;
      if (feasible.length === 0) {
        for (let j = 0; j < failedNodes.length; j++) {
          const s = failedStatuses[j]!;
          diagnosis.nodeToStatus.set(failedNodes[j]!.name, s);
          diagnosis.addPluginStatus(s);
        }
      }
      return feasible.slice();
    } finally {
      failedNodes.length = 0;
      failedStatuses.length = 0;
      feasible.length = 0;
    }
  }

  /** Weighted total scores of the feasible nodes (all 1 without Score plugins). */
  prioritizeNodes(fwk: Framework, state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): number[] {
    if (!fwk.hasScorePlugins()) return new Array<number>(nodes.length).fill(1);
    const pre = fwk.runPreScorePlugins(state, pod, nodes);
    if (!pre.isSuccess()) throw new SchedulingError(pre);
    const { totals, status } = fwk.runScorePlugins(state, pod, nodes);
    if (!status.isSuccess()) throw new SchedulingError(status);
    return totals;
  }
}
