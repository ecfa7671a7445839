/**
 * @module NodeResourcesFit: the node must have room for the pod's requests (cpu, memory,
 * ephemeral-storage, extended resources, hugepages, pod count), with upstream's "Insufficient <name>" and
 * "Too many pods" reasons; feasible nodes are scored LeastAllocated (default), MostAllocated or
 * RequestedToCapacityRatio.
 */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  ScorePlugin,
} from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import {
  podRequests,
  RESOURCE_CPU,
  RESOURCE_EPHEMERAL_STORAGE,
  RESOURCE_MEMORY,
  RESOURCE_PODS,
  type NodeInfo,
  type Pod,
  type Resource,
} from '../../framework/types.js';
import {
  DEFAULT_RESOURCE_SPEC,
  leastResourceScorer,
  MAX_CUSTOM_PRIORITY_SCORE,
  mostResourceScorer,
  podResourceRequests,
  requestedToCapacityRatioScorer,
  ResourceAllocationScorer,
  type ResourceScorer,
  type ResourceSpec,
  type UtilizationShapePoint,
} from '../helpers/resource-allocation.js';
import { isExtendedResourceName, isScalarResourceName } from '../helpers/resource-names.js';
import { isQualifiedName } from '../../../api/validation/names.js';

export const NAME = 'NodeResourcesFit';
const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

export const REASON_TOO_MANY_PODS = 'Too many pods';
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';
export const REASON_INSUFFICIENT_EPHEMERAL_STORAGE = 'Insufficient ephemeral-storage';

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
const STRATEGY_TYPES: readonly ScoringStrategyType[] = [
  'LeastAllocated',
  'MostAllocated',
  'RequestedToCapacityRatio',
];

/** How feasible nodes are scored (upstream's ScoringStrategy). */
export interface ScoringStrategy {
  type: ScoringStrategyType;
  /** Resources and weights (1..100); default cpu 1, memory 1. */
  resources: ResourceSpec[];
  /** The utilization → score shape; required for RequestedToCapacityRatio. */
  requestedToCapacityRatio?: { shape: UtilizationShapePoint[] };
}

/** NodeResourcesFitArgs as a profile's pluginConfig gives them (every field optional). */
export interface NodeResourcesFitArgs {
  /** Extended resources the filter does not check (e.g. device resources another plugin accounts). */
  ignoredResources?: string[];
  /** Extended resource groups (the part before '/') the filter does not check. */
  ignoredResourceGroups?: string[];
  scoringStrategy?: Partial<ScoringStrategy>;
}

/** Args with upstream's v1 defaults applied: LeastAllocated over cpu and memory, weight 1 for unset weights. */
export function defaultNodeResourcesFitArgs(
  args: NodeResourcesFitArgs = {},
): Required<NodeResourcesFitArgs> & {
  scoringStrategy: ScoringStrategy;
} {
  const s = args.scoringStrategy;
  const resources = (s?.resources && s.resources.length > 0 ? s.resources : DEFAULT_RESOURCE_SPEC).map(
    (r) => ({
      name: r.name,
      weight: r.weight || 1,
    }),
  );
  const strategy: ScoringStrategy = { type: s?.type ?? 'LeastAllocated', resources };
  if (s?.requestedToCapacityRatio) strategy.requestedToCapacityRatio = s.requestedToCapacityRatio;
  return {
    ignoredResources: args.ignoredResources ?? [],
    ignoredResourceGroups: args.ignoredResourceGroups ?? [],
    scoringStrategy: strategy,
  };
}

/** Upstream's validateFunctionShape: utilization 0..100 strictly increasing, score 0..10. */
export function validateShape(shape: readonly UtilizationShapePoint[] | undefined, path: string): string[] {
  const errs: string[] = [];
  if (!shape || shape.length === 0) return [`${path}: Required value: at least one point must be specified`];
  for (let i = 1; i < shape.length; i++) {
    if (shape[i - 1]!.utilization >= shape[i]!.utilization) {
      errs.push(
        `${path}[${i}].utilization: Invalid value: ${shape[i]!.utilization}: values must be sorted in increasing order`,
      );
      break;
    }
  }
  shape.forEach((p, i) => {
    if (p.utilization < 0 || p.utilization > 100)
      errs.push(`${path}[${i}].utilization: Invalid value: ${p.utilization}: not in valid range [0, 100]`);
    if (p.score < 0 || p.score > MAX_CUSTOM_PRIORITY_SCORE)
      errs.push(
        `${path}[${i}].score: Invalid value: ${p.score}: not in valid range [0, ${MAX_CUSTOM_PRIORITY_SCORE}]`,
      );
  });
  return errs;
}

/** Upstream's ValidateNodeResourcesFitArgs; returns field errors (empty when valid). */
export function validateNodeResourcesFitArgs(args: NodeResourcesFitArgs): string[] {
  const errs: string[] = [];
  (args.ignoredResources ?? []).forEach((r, i) => {
    for (const m of isQualifiedName(r))
      errs.push(`ignoredResources[${i}]: Invalid value: ${JSON.stringify(r)}: ${m}`);
  });
  (args.ignoredResourceGroups ?? []).forEach((g, i) => {
    if (g.includes('/'))
      errs.push(
        `ignoredResourceGroups[${i}]: Invalid value: ${JSON.stringify(g)}: resource group name can't contain '/'`,
      );
    for (const m of isQualifiedName(g))
      errs.push(`ignoredResourceGroups[${i}]: Invalid value: ${JSON.stringify(g)}: ${m}`);
  });
  const s = args.scoringStrategy;
  if (s) {
    if (s.type !== undefined && !STRATEGY_TYPES.includes(s.type)) {
      errs.push(
        `scoringStrategy.type: Unsupported value: ${JSON.stringify(s.type)}: supported values: ${STRATEGY_TYPES.map((t) => JSON.stringify(t)).join(', ')}`,
      );
    }
    (s.resources ?? []).forEach((r, i) => {
      if (r.weight <= 0 || r.weight > 100)
        errs.push(
          `scoringStrategy.resources[${i}].weight: Invalid value: ${r.weight}: resource weight of ${r.name} not in valid range (0, 100]`,
        );
    });
    if (s.requestedToCapacityRatio)
      errs.push(...validateShape(s.requestedToCapacityRatio.shape, 'scoringStrategy.shape'));
  }
  return errs;
}

/** Why a pod does not fit a node, for one resource (upstream's InsufficientResource). */
export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  /** The pod asks for more than the node's whole allocatable: preemption cannot help. */
  unresolvable: boolean;
}

/** A pod's requests prepared for filtering: the scalar resources to check, with their reasons. */
export class PreFilterState implements StateData {
  readonly milliCPU: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  readonly scalars: ReadonlyArray<{ name: string; quantity: number; reason: string }>;
  /** No cpu, memory, ephemeral-storage or scalar request: only the pod count is checked. */
  readonly requestsNothing: boolean;

  constructor(req: Resource, ignored: ReadonlySet<string>, ignoredGroups: ReadonlySet<string>) {
    this.milliCPU = req.milliCPU;
    this.memory = req.memory;
    this.ephemeralStorage = req.ephemeralStorage;
    const scalars: Array<{ name: string; quantity: number; reason: string }> = [];
    let anyScalar = false;
    for (const [name, quantity] of req.scalar) {
      // Names the scheduler does not track (not extended, hugepages, kubernetes.io/...) are dropped as upstream.
      if (!isScalarResourceName(name)) continue;
      anyScalar = true;
      if (quantity === 0) continue;
      if (isExtendedResourceName(name)) {
        if (ignored.has(name)) continue;
        if (ignoredGroups.size > 0 && ignoredGroups.has(name.split('/')[0]!)) continue;
      }
      scalars.push({ name, quantity, reason: `Insufficient ${name}` });
    }
    this.scalars = scalars;
    this.requestsNothing =
      this.milliCPU === 0 && this.memory === 0 && this.ephemeralStorage === 0 && !anyScalar;
  }

  clone(): StateData {
    return this;
  }
}

/**
 * What the node lacks for the pod (upstream's fitsRequest); undefined when it fits. Allocates only on
 * failure.
 */
export function fitsRequest(s: PreFilterState, nodeInfo: NodeInfo): InsufficientResource[] | undefined {
  let out: InsufficientResource[] | undefined;
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  const podCount = nodeInfo.pods.length;
  if (podCount + 1 > alloc.allowedPodNumber) {
    (out ??= []).push({
      resourceName: RESOURCE_PODS,
      reason: REASON_TOO_MANY_PODS,
      requested: 1,
      used: podCount,
      capacity: alloc.allowedPodNumber,
      unresolvable: false,
    });
  }
  if (s.requestsNothing) return out;
  if (s.milliCPU > 0 && s.milliCPU > alloc.milliCPU - used.milliCPU) {
    (out ??= []).push({
      resourceName: RESOURCE_CPU,
      reason: REASON_INSUFFICIENT_CPU,
      requested: s.milliCPU,
      used: used.milliCPU,
      capacity: alloc.milliCPU,
      unresolvable: s.milliCPU > alloc.milliCPU,
    });
  }
  if (s.memory > 0 && s.memory > alloc.memory - used.memory) {
    (out ??= []).push({
      resourceName: RESOURCE_MEMORY,
      reason: REASON_INSUFFICIENT_MEMORY,
      requested: s.memory,
      used: used.memory,
      capacity: alloc.memory,
      unresolvable: s.memory > alloc.memory,
    });
  }
  if (s.ephemeralStorage > 0 && s.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    (out ??= []).push({
      resourceName: RESOURCE_EPHEMERAL_STORAGE,
      reason: REASON_INSUFFICIENT_EPHEMERAL_STORAGE,
      requested: s.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
      unresolvable: s.ephemeralStorage > alloc.ephemeralStorage,
    });
  }
  for (const r of s.scalars) {
    const capacity = alloc.scalar.get(r.name) ?? 0;
    const u = used.scalar.get(r.name) ?? 0;
    if (r.quantity > capacity - u) {
      (out ??= []).push({
        resourceName: r.name,
        reason: r.reason,
        requested: r.quantity,
        used: u,
        capacity,
        unresolvable: r.quantity > capacity,
      });
    }
  }
  return out;
}

/** Whether the pod fits the node's free resources, ignoring nothing (upstream's Fits). */
export function fits(pod: Pod, nodeInfo: NodeInfo): InsufficientResource[] {
  return fitsRequest(new PreFilterState(podRequests(pod), new Set(), new Set()), nodeInfo) ?? [];
}

const MASK_PODS = 1;
const MASK_CPU = 2;
const MASK_MEMORY = 4;
const MASK_STORAGE = 8;
const MASK_UNRESOLVABLE = 16;
const maskStatuses: Array<Status | undefined> = [];

function maskStatus(mask: number): Status {
  let st = maskStatuses[mask];
  if (!st) {
    const reasons: string[] = [];
    if (mask & MASK_PODS) reasons.push(REASON_TOO_MANY_PODS);
    if (mask & MASK_CPU) reasons.push(REASON_INSUFFICIENT_CPU);
    if (mask & MASK_MEMORY) reasons.push(REASON_INSUFFICIENT_MEMORY);
    if (mask & MASK_STORAGE) reasons.push(REASON_INSUFFICIENT_EPHEMERAL_STORAGE);
    st = (
      mask & MASK_UNRESOLVABLE ? Status.unresolvable(...reasons) : Status.unschedulable(...reasons)
    ).withPlugin(NAME);
    maskStatuses[mask] = st;
  }
  return st;
}

/** The Filter status for a non-empty list: UnschedulableAndUnresolvable when any entry is. */
function statusOf(insufficient: readonly InsufficientResource[]): Status {
  let unresolvable = false;
  const reasons = new Array<string>(insufficient.length);
  for (let i = 0; i < insufficient.length; i++) {
    reasons[i] = insufficient[i]!.reason;
    if (insufficient[i]!.unresolvable) unresolvable = true;
  }
  return unresolvable ? Status.unresolvable(...reasons) : Status.unschedulable(...reasons);
}

class PreScoreState implements StateData {
  constructor(readonly podRequests: readonly number[]) {}
  clone(): StateData {
    return this;
  }
}

function scorerFor(strategy: ScoringStrategy): ResourceScorer {
  switch (strategy.type) {
    case 'LeastAllocated':
      return leastResourceScorer(strategy.resources);
    case 'MostAllocated':
      return mostResourceScorer(strategy.resources);
    case 'RequestedToCapacityRatio': {
      const shape = strategy.requestedToCapacityRatio?.shape;
      if (!shape)
        throw new Error('scoring strategy RequestedToCapacityRatio needs requestedToCapacityRatio.shape');
      return requestedToCapacityRatioScorer(strategy.resources, shape);
    }
  }
}

export class NodeResourcesFit
  implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions
{
  readonly name = NAME;
  private readonly ignoredResources: ReadonlySet<string>;
  private readonly ignoredResourceGroups: ReadonlySet<string>;
  private readonly scorer: ResourceAllocationScorer;

  /** Throws when the args are invalid. */
  constructor(rawArgs: NodeResourcesFitArgs = {}) {
    const errs = validateNodeResourcesFitArgs(rawArgs);
    if (errs.length > 0) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    const args = defaultNodeResourcesFitArgs(rawArgs);
    this.ignoredResources = new Set(args.ignoredResources);
    this.ignoredResourceGroups = new Set(args.ignoredResourceGroups);
    const strategy = args.scoringStrategy;
    this.scorer = new ResourceAllocationScorer(strategy.type, scorerFor(strategy), strategy.resources, false);
  }

  preFilter(
    state: CycleState,
    pod: Pod,
    _nodes?: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status } {
    state.write(
      PRE_FILTER_STATE_KEY,
      new PreFilterState(podRequests(pod), this.ignoredResources, this.ignoredResourceGroups),
    );
    return { status: Status.success() };
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_STATE_KEY);
    if (!s) return Status.error(`error reading "${PRE_FILTER_STATE_KEY}" from cycleState: not found`);
    // Fast path without allocation: the outcome for the four fixed resources is a bit mask with a
    // shared Status per mask; only a failing scalar resource builds its reasons.
    const alloc = nodeInfo.allocatable;
    const used = nodeInfo.requested;
    let mask = 0;
    if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) mask |= MASK_PODS;
    if (!s.requestsNothing) {
      if (s.milliCPU > 0 && s.milliCPU > alloc.milliCPU - used.milliCPU)
        mask |= s.milliCPU > alloc.milliCPU ? MASK_CPU | MASK_UNRESOLVABLE : MASK_CPU;
      if (s.memory > 0 && s.memory > alloc.memory - used.memory)
        mask |= s.memory > alloc.memory ? MASK_MEMORY | MASK_UNRESOLVABLE : MASK_MEMORY;
      if (s.ephemeralStorage > 0 && s.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
        mask |= s.ephemeralStorage > alloc.ephemeralStorage ? MASK_STORAGE | MASK_UNRESOLVABLE : MASK_STORAGE;
      }
      for (const r of s.scalars) {
        if (r.quantity > (alloc.scalar.get(r.name) ?? 0) - (used.scalar.get(r.name) ?? 0)) {
          return statusOf(fitsRequest(s, nodeInfo)!);
        }
      }
    }
    return mask === 0 ? Status.success() : maskStatus(mask);
  }

  preScore(state: CycleState, pod: Pod, _nodes?: readonly NodeInfo[]): Status {
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(this.scorer.podRequests(podResourceRequests(pod))));
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const reqs =
      state.read<PreScoreState>(PRE_SCORE_STATE_KEY)?.podRequests ??
      this.scorer.podRequests(podResourceRequests(pod));
    return this.scorer.score(nodeInfo, reqs);
  }

  eventsToRegister(): ClusterEvent[] {
    return [
      { resource: 'Pod', actions: ['Delete', 'UpdatePodScaleDown'] },
      { resource: 'Node', actions: ['Add', 'UpdateNodeAllocatable', 'UpdateNodeTaint', 'UpdateNodeLabel'] },
    ];
  }
}

export const newNodeResourcesFit: PluginFactory = (args) => new NodeResourcesFit(args ?? {});
