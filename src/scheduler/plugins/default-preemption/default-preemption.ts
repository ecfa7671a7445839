/**
 * @module DefaultPreemption (PostFilter), upstream's defaultpreemption plugin and preemption evaluator:
 * when no node fits, find nodes where evicting lower-priority pods makes room, choose the victims
 * honouring PodDisruptionBudgets, pick one node, evict its victims gracefully and nominate the pod.
 */
import { selectorFromLabelSelector, type LabelSelector } from '../../../api/labels.js';
import type { KubeObject } from '../../../api/object.js';
import type { PodCondition, PodDisruptionBudget } from '../../../api/openapi/generated/types.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { Handle, NodeToStatusMap, PluginFactory, PostFilterPlugin } from '../../framework/interface.js';
import { Code, Status } from '../../framework/status.js';
import { PodInfo, type NodeInfo, type Pod } from '../../framework/types.js';
import { errorText } from '../../../util/errors.js';

export const NAME = 'DefaultPreemption';

/** Upstream's DefaultPreemptionArgs: how many candidate nodes a dry run must find before it stops. */
export interface DefaultPreemptionArgs {
  /** Percent of the potential nodes (0-100); default 10. */
  minCandidateNodesPercentage: number;
  /** Lower bound on the number of candidates; default 100. */
  minCandidateNodesAbsolute: number;
}

export const DEFAULT_PREEMPTION_ARGS: Readonly<DefaultPreemptionArgs> = {
  minCandidateNodesPercentage: 10,
  minCandidateNodesAbsolute: 100,
};

/** A node where the preemptor fits once `victims` (most important first) are gone. */
export interface Candidate {
  nodeName: string;
  victims: Pod[];
  numPDBViolations: number;
}

export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const MSG_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const MSG_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';
export const REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';
export const CONDITION_DISRUPTION_TARGET = 'DisruptionTarget';

/** A PDB with its selector parsed; `selector` undefined when it selects nothing. */
export interface ParsedPdb {
  namespace: string;
  selector: LabelSelector | undefined;
  disruptionsAllowed: number;
  disruptedPods: Readonly<Record<string, unknown>>;
}

/** Parses PodDisruptionBudgets once per preemption attempt. */
export function parsePdbs(objs: readonly KubeObject[]): ParsedPdb[] {
  return objs.map((o) => {
    const pdb = o as PodDisruptionBudget;
    let selector: LabelSelector | undefined;
    try {
      const s = selectorFromLabelSelector(pdb.spec?.selector);
      selector = s.isNothing() || s.isEverything() ? undefined : s;
    } catch {
      selector = undefined;
    }
    return {
      namespace: pdb.metadata?.namespace ?? '',
      selector,
      disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
      disruptedPods: pdb.status?.disruptedPods ?? {},
    };
  });
}

/** The pod's priority (spec.priority, 0 when unset). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** When the pod started; pods that have not started count as starting `now` (upstream's GetPodStartTime). */
function podStartTime(pod: Pod, now: number): number {
  const t = pod.status?.startTime;
  if (t) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms;
  }
  return now;
}

/** Upstream's MoreImportantPod: higher priority, then earlier start. */
export function moreImportantPod(a: Pod, b: Pod, now: number): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return podStartTime(a, now) < podStartTime(b, now);
}

function byImportance(now: number): (a: Pod, b: Pod) => number {
  return (a, b) => (moreImportantPod(a, b, now) ? -1 : moreImportantPod(b, a, now) ? 1 : 0);
}

/**
 * Splits pods (kept in order) into those whose eviction would exceed some matching PDB's
 * disruptionsAllowed and the rest (upstream's filterPodsWithPDBViolation).
 */
function filterPodsWithPDBViolation<T extends { pod: Pod }>(
  items: readonly T[],
  pdbs: readonly ParsedPdb[],
): { violating: T[]; nonViolating: T[] } {
  const allowed = pdbs.map((p) => p.disruptionsAllowed);
  const violating: T[] = [];
  const nonViolating: T[] = [];
  for (const item of items) {
    const pod = item.pod;
    const labels = pod.metadata.labels;
    let violated = false;
    if (labels && Object.keys(labels).length > 0) {
      pdbs.forEach((pdb, i) => {
        if (pdb.namespace !== (pod.metadata.namespace ?? '')) return;
        if (!pdb.selector || !pdb.selector.matches(labels)) return;
        if (Object.prototype.hasOwnProperty.call(pdb.disruptedPods, pod.metadata.name ?? '')) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(item);
  }
  return { violating, nonViolating };
}

/** Earliest start among the highest-priority victims (upstream's GetEarliestPodStartTime). */
function earliestStartOfHighest(victims: readonly Pod[], now: number): number {
  let maxPriority = podPriority(victims[0]!);
  let earliest = podStartTime(victims[0]!, now);
  for (const v of victims) {
    const p = podPriority(v);
    const start = podStartTime(v, now);
    if (p === maxPriority) {
      if (start < earliest) earliest = start;
    } else if (p > maxPriority) {
      maxPriority = p;
      earliest = start;
    }
  }
  return earliest;
}

/**
 * Picks the node to preempt on (upstream's pickOneNodeForPreemption): fewest PDB violations, then
 * lowest highest-victim priority, smallest priority sum, fewest victims, latest start of the
 * highest-priority victims; then the first. Victims of each candidate are ordered most important first.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[], now: number): string {
  if (candidates.length === 0) return '';
  // Priorities shifted by 2^31 so that more victims with negative priority never sum lower.
  const shift = 2 ** 31;
  const criteria: Array<(c: Candidate) => number> = [
    (c) => -c.numPDBViolations,
    (c) => -podPriority(c.victims[0]!),
    (c) => -c.victims.reduce((s, v) => s + podPriority(v) + shift, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c.victims, now),
  ];
  let remaining = candidates;
  for (const score of criteria) {
    let best = -Infinity;
    let selected: Candidate[] = [];
    for (const c of remaining) {
      const s = score(c);
      if (s > best) {
        best = s;
        selected = [c];
      } else if (s === best) {
        selected.push(c);
      }
    }
    if (selected.length === 1) return selected[0]!.nodeName;
    remaining = selected;
  }
  return remaining[0]!.nodeName;
}

/** Whether the pod is being deleted because the scheduler preempted it. */
function terminatingByPreemption(pod: Pod): boolean {
  if (!pod.metadata.deletionTimestamp) return false;
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === CONDITION_DISRUPTION_TARGET)
      return c.status === 'True' && c.reason === REASON_PREEMPTION_BY_SCHEDULER;
  }
  return false;
}

/** Upstream's FitError message: "0/N nodes are available: <count reason, ...>.". */
function fitErrorMessage(numAllNodes: number, statuses: ReadonlyMap<string, Status>, absent: Status): string {
  const counts = new Map<string, number>();
  for (const st of statuses.values()) for (const r of st.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  if (statuses.size < numAllNodes) {
    for (const r of absent.reasons) counts.set(r, (counts.get(r) ?? 0) + numAllNodes - statuses.size);
  }
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  let msg = `0/${numAllNodes} nodes are available:`;
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  return msg;
}

function errorCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: { code?: unknown }; statusCode?: unknown } | undefined;
  for (const c of [e?.code, e?.status?.code, e?.statusCode]) if (typeof c === 'number') return c;
  return undefined;
}

function isNotFound(err: unknown): boolean {
  return errorCode(err) === 404;
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAME;
  /** Random offset into the potential nodes; replaceable for deterministic tests (upstream's getOffsetRand). */
  offsetRand: (n: number) => number = (n) => Math.floor(Math.random() * n);

  constructor(
    readonly args: DefaultPreemptionArgs,
    private readonly handle: Handle,
  ) {}

  async postFilter(
    state: CycleState,
    pod: Pod,
    filteredNodeStatusMap: NodeToStatusMap,
  ): Promise<{ result?: { nominatedNodeName: string }; status: Status }> {
    const { result, status } = await this.preempt(state, pod, filteredNodeStatusMap);
    const msg = status.message();
    return {
      ...(result ? { result } : {}),
      status: msg ? Status.of(status.code, `preemption: ${msg}`) : status,
    };
  }

  private async preempt(
    state: CycleState,
    pod: Pod,
    m: NodeToStatusMap,
  ): Promise<{ result?: { nominatedNodeName: string }; status: Status }> {
    const now = this.handle.now().getTime();
    const nominated = pod.status?.nominatedNodeName ?? '';
    const nominatedStatus = (nominated && m.get(nominated)) || Status.unresolvable();
    const eligible = this.podEligibleToPreemptOthers(pod, nominatedStatus);
    if (!eligible.ok) return { status: Status.unschedulable(eligible.reason) };

    const allNodes = this.handle.snapshotSharedLister().nodeInfos().list();
    if (allNodes.length === 0) return { status: Status.error('no nodes available') };
    const { candidates, nodeStatuses, errors } = this.findCandidates(state, pod, allNodes, m, now);
    if (candidates.length === 0) {
      if (errors.length > 0) return { status: Status.error(errors.join(', ')) };
      await this.clearNomination([pod]);
      const msg = fitErrorMessage(allNodes.length, nodeStatuses, Status.unresolvable(MSG_NOT_HELPFUL));
      return { result: { nominatedNodeName: '' }, status: Status.unschedulable(msg) };
    }

    const best = this.selectCandidate(candidates, now);
    if (!best) return { status: Status.unschedulable('no candidate node for preemption') };
    const prepared = await this.prepareCandidate(best, pod);
    if (!prepared.isSuccess()) return { status: prepared };

    this.handle.nominator.addNominatedPod(new PodInfo(pod), best.nodeName);
    try {
      await this.handle.client.patchPod(pod, { status: { nominatedNodeName: best.nodeName } }, 'status');
    } catch {
      // The nomination is kept in memory; the next attempt patches again.
    }
    return { result: { nominatedNodeName: best.nodeName }, status: Status.success() };
  }

  /**
   * Whether `pod` may preempt (upstream's PodEligibleToPreemptOthers): not with preemptionPolicy
   * Never, nor while lower-priority pods it preempted on its nominated node are still terminating
   * (unless that node now fails as UnschedulableAndUnresolvable).
   */
  podEligibleToPreemptOthers(pod: Pod, nominatedNodeStatus: Status): { ok: boolean; reason: string } {
    if (pod.spec?.preemptionPolicy === 'Never') return { ok: false, reason: MSG_POLICY_NEVER };
    const nominated = pod.status?.nominatedNodeName;
    if (nominated) {
      if (nominatedNodeStatus.code === Code.UnschedulableAndUnresolvable) return { ok: true, reason: '' };
      const ni = this.handle.snapshotSharedLister().nodeInfos().get(nominated);
      for (const pi of ni?.pods ?? []) {
        if (podPriority(pi.pod) < podPriority(pod) && terminatingByPreemption(pi.pod))
          return { ok: false, reason: MSG_TERMINATING };
      }
    }
    return { ok: true, reason: '' };
  }

  /** Upstream's calculateNumCandidates. */
  calculateNumCandidates(numNodes: number): number {
    let n = Math.floor((numNodes * this.args.minCandidateNodesPercentage) / 100);
    if (n < this.args.minCandidateNodesAbsolute) n = this.args.minCandidateNodesAbsolute;
    return Math.min(n, numNodes);
  }

  private findCandidates(
    state: CycleState,
    pod: Pod,
    allNodes: readonly NodeInfo[],
    m: NodeToStatusMap,
    now: number,
  ): { candidates: Candidate[]; nodeStatuses: Map<string, Status>; errors: string[] } {
    // Only nodes that failed as Unschedulable may be helped by removing pods; absent nodes count as
    // UnschedulableAndUnresolvable.
    const potential = allNodes.filter((ni) => m.get(ni.name)?.code === Code.Unschedulable);
    if (potential.length === 0) return { candidates: [], nodeStatuses: new Map(), errors: [] };
    const pdbs = parsePdbs(this.handle.podDisruptionBudgets());
    const offset = this.offsetRand(potential.length);
    const num = this.calculateNumCandidates(potential.length);
    return this.dryRunPreemption(state, pod, potential, pdbs, offset, num, now);
  }

  /**
   * Looks for candidates on `potential` nodes starting at `offset`, stopping once `num` are found with
   * at least one that violates no PDB; also returns why the other nodes checked could not be used.
   */
  dryRunPreemption(
    state: CycleState,
    pod: Pod,
    potential: readonly NodeInfo[],
    pdbs: readonly ParsedPdb[],
    offset: number,
    num: number,
    now: number,
  ): { candidates: Candidate[]; nodeStatuses: Map<string, Status>; errors: string[] } {
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    const nodeStatuses = new Map<string, Status>();
    const errors: string[] = [];
    for (let i = 0; i < potential.length; i++) {
      const nodeInfo = potential[(offset + i) % potential.length]!.clone();
      const r = this.selectVictimsOnNode(state.clone(), pod, nodeInfo, pdbs, now);
      let status = r.status;
      if (status.isSuccess() && r.victims.length > 0) {
        const c: Candidate = {
          nodeName: nodeInfo.name,
          victims: r.victims,
          numPDBViolations: r.numPDBViolations,
        };
        const list = r.numPDBViolations === 0 ? nonViolating : violating;
        if (list.length < num) list.push(c);
        if (nonViolating.length > 0 && nonViolating.length + violating.length >= num) break;
        continue;
      }
      if (status.isSuccess())
        status = Status.error(`expected at least one victim pod on node "${nodeInfo.name}"`);
      if (status.code === Code.Error) errors.push(status.message());
      nodeStatuses.set(nodeInfo.name, status);
    }
    return { candidates: [...nonViolating, ...violating], nodeStatuses, errors };
  }

  /**
   * The fewest pods to evict from `nodeInfo` (a copy; changed in place) for `pod` to fit, most
   * important first, and how many of them violate a PDB (upstream's SelectVictimsOnNode).
   */
  selectVictimsOnNode(
    state: CycleState,
    pod: Pod,
    nodeInfo: NodeInfo,
    pdbs: readonly ParsedPdb[],
    now: number,
  ): { victims: Pod[]; numPDBViolations: number; status: Status } {
    const fail = (status: Status): { victims: Pod[]; numPDBViolations: number; status: Status } => ({
      victims: [],
      numPDBViolations: 0,
      status,
    });
    const removePod = (pi: PodInfo): Status => {
      nodeInfo.removePod(pi.pod);
      return this.handle.runPreFilterExtensionRemovePod(state, pod, pi, nodeInfo);
    };
    const addPod = (pi: PodInfo): Status => {
      nodeInfo.addPodInfo(pi);
      return this.handle.runPreFilterExtensionAddPod(state, pod, pi, nodeInfo);
    };

    const potential = nodeInfo.pods.filter((pi) => podPriority(pi.pod) < podPriority(pod));
    if (potential.length === 0) return fail(Status.unresolvable(MSG_NO_VICTIMS));
    for (const pi of potential) {
      const st = removePod(pi);
      if (!st.isSuccess()) return fail(Status.error(st.message()));
    }
    const fits = this.handle.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    if (!fits.isSuccess()) return fail(fits);

    const order = byImportance(now);
    potential.sort((a, b) => order(a.pod, b.pod));
    const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
    const victims: PodInfo[] = [];
    let numPDBViolations = 0;
    const reprieve = (pi: PodInfo): { fits: boolean; error?: Status } => {
      const added = addPod(pi);
      if (!added.isSuccess()) return { fits: false, error: Status.error(added.message()) };
      if (this.handle.runFilterPluginsWithNominatedPods(state, pod, nodeInfo).isSuccess())
        return { fits: true };
      const removed = removePod(pi);
      if (!removed.isSuccess()) return { fits: false, error: Status.error(removed.message()) };
      victims.push(pi);
      return { fits: false };
    };
    for (const pi of violating) {
      const r = reprieve(pi);
      if (r.error) return fail(r.error);
      if (!r.fits) numPDBViolations++;
    }
    for (const pi of nonViolating) {
      const r = reprieve(pi);
      if (r.error) return fail(r.error);
    }
    if (violating.length > 0 && nonViolating.length > 0) victims.sort((a, b) => order(a.pod, b.pod));
    return { victims: victims.map((pi) => pi.pod), numPDBViolations, status: Status.success() };
  }

  /** The best of the candidates (upstream's SelectCandidate). */
  selectCandidate(candidates: readonly Candidate[], now: number): Candidate | undefined {
    if (candidates.length <= 1) return candidates[0];
    const name = pickOneNodeForPreemption(candidates, now);
    return candidates.find((c) => c.nodeName === name) ?? candidates[0];
  }

  /**
   * Evicts the candidate's victims (DisruptionTarget condition, then a graceful delete) and clears the
   * nominations of lower-priority pods nominated to the node (upstream's prepareCandidate).
   */
  async prepareCandidate(c: Candidate, pod: Pod): Promise<Status> {
    const results = await Promise.all(
      c.victims.map(async (victim): Promise<string | undefined> => {
        if (victim.metadata.deletionTimestamp) return undefined;
        try {
          await this.preemptPod(pod, victim);
          return undefined;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          return errorText(err);
        }
      }),
    );
    const errs = results.filter((e): e is string => e !== undefined);
    if (errs.length > 0) return Status.error(errs.join(', '));

    const lower = this.handle.nominator
      .nominatedPodsForNode(c.nodeName)
      .filter((pi) => podPriority(pi.pod) < podPriority(pod))
      .map((pi) => pi.pod);
    await this.clearNomination(lower);
    return Status.success();
  }

  private async preemptPod(preemptor: Pod, victim: Pod): Promise<void> {
    const conditions = victim.status?.conditions ?? [];
    const existing = conditions.find((cond) => cond.type === CONDITION_DISRUPTION_TARGET);
    const message = `${preemptor.spec?.schedulerName || 'default-scheduler'}: preempting to accommodate a higher priority pod`;
    if (
      !existing ||
      existing.status !== 'True' ||
      existing.reason !== REASON_PREEMPTION_BY_SCHEDULER ||
      existing.message !== message
    ) {
      const condition: PodCondition = {
        type: CONDITION_DISRUPTION_TARGET,
        status: 'True',
        reason: REASON_PREEMPTION_BY_SCHEDULER,
        message,
        lastTransitionTime:
          existing?.status === 'True' && existing.lastTransitionTime
            ? existing.lastTransitionTime
            : new Date(this.handle.now().getTime()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      if (victim.metadata.generation !== undefined) condition.observedGeneration = victim.metadata.generation;
      const next = [...conditions.filter((cond) => cond.type !== CONDITION_DISRUPTION_TARGET), condition];
      await this.handle.client.patchPod(victim, { status: { conditions: next } }, 'status');
    }
    await this.handle.client.deletePod(
      victim,
      victim.metadata.uid ? { preconditionUid: victim.metadata.uid } : undefined,
    );
  }

  /** Clears status.nominatedNodeName of `pods` (errors are not fatal, as upstream). */
  private async clearNomination(pods: readonly Pod[]): Promise<void> {
    await Promise.all(
      pods.map(async (p) => {
        if (!p.status?.nominatedNodeName) {
          this.handle.nominator.deleteNominatedPodIfExists(p);
          return;
        }
        this.handle.nominator.deleteNominatedPodIfExists(p);
        try {
          await this.handle.client.patchPod(p, { status: { nominatedNodeName: null } }, 'status');
        } catch {
          // Not critical: the pod is retried and nominated again or elsewhere.
        }
      }),
    );
  }
}

function parseArgs(raw: Record<string, unknown> | undefined): DefaultPreemptionArgs {
  const args: DefaultPreemptionArgs = {
    minCandidateNodesPercentage:
      (raw?.minCandidateNodesPercentage as number | undefined) ??
      DEFAULT_PREEMPTION_ARGS.minCandidateNodesPercentage,
    minCandidateNodesAbsolute:
      (raw?.minCandidateNodesAbsolute as number | undefined) ??
      DEFAULT_PREEMPTION_ARGS.minCandidateNodesAbsolute,
  };
  const errs: string[] = [];
  const p = args.minCandidateNodesPercentage;
  const a = args.minCandidateNodesAbsolute;
  if (!Number.isInteger(p) || p < 0 || p > 100)
    errs.push(`minCandidateNodesPercentage: Invalid value: ${p}: not in valid range [0, 100]`);
  if (!Number.isInteger(a) || a < 0)
    errs.push(`minCandidateNodesAbsolute: Invalid value: ${a}: not in valid range [0, inf)`);
  if (p === 0 && a === 0)
    errs.push(
      'minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute',
      'minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage',
    );
  if (errs.length > 0) throw new Error(`${NAME}: ${errs.join('; ')}`);
  return args;
}

export const newDefaultPreemption: PluginFactory = (args, handle) =>
  new DefaultPreemption(parseArgs(args), handle);
