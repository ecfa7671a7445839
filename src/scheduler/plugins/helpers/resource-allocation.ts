/**
 * @module Resource-allocation scoring shared by NodeResourcesFit and NodeResourcesBalancedAllocation
 * (upstream's noderesources resourceAllocationScorer and the LeastAllocated, MostAllocated,
 * RequestedToCapacityRatio and balanced formulas), with integer arithmetic as upstream.
 */
import {
  MAX_NODE_SCORE,
  RESOURCE_CPU,
  RESOURCE_EPHEMERAL_STORAGE,
  RESOURCE_MEMORY,
  podNonZeroRequests,
  podRequests,
  type NodeInfo,
  type Pod,
  type Resource,
} from '../../framework/types.js';
import { isScalarResourceName } from './resource-names.js';
import { buildBrokenLinearFunction, type FunctionShapePoint } from './shape-score.js';

/** A resource taking part in scoring, with its weight (upstream's config.ResourceSpec). */
export interface ResourceSpec {
  name: string;
  weight: number;
}

/** A point of the RequestedToCapacityRatio shape: utilization 0..100 maps to score 0..10. */
export interface UtilizationShapePoint {
  utilization: number;
  score: number;
}

/** Upstream's MaxCustomPriorityScore: shape scores are given in 0..10 and scaled to 0..MAX_NODE_SCORE. */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;
const MAX_UTILIZATION = 100;

/** cpu and memory, weight 1 each: the default of every resource-scoring plugin. */
export const DEFAULT_RESOURCE_SPEC: readonly ResourceSpec[] = Object.freeze([
  Object.freeze({ name: RESOURCE_CPU, weight: 1 }),
  Object.freeze({ name: RESOURCE_MEMORY, weight: 1 }),
]);

/**
 * Combines per-resource requested (node's usage plus the pod) and allocatable amounts into a node score.
 * A resource with allocatable 0 is left out.
 */
export type ResourceScorer = (requested: ArrayLike<number>, allocatable: ArrayLike<number>) => number;

/** ((capacity - requested) * 100) / capacity, 0 when over capacity. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** (requested * 100) / capacity, with requested capped at capacity. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) requested = capacity;
  return Math.floor((requested * MAX_NODE_SCORE) / capacity);
}

function weightedScorer(
  resources: readonly ResourceSpec[],
  perResource: (requested: number, capacity: number) => number,
): ResourceScorer {
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      const cap = allocatable[i]!;
      if (cap === 0) continue;
      const w = resources[i]!.weight;
      nodeScore += perResource(requested[i]!, cap) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
  };
}

/** LeastAllocated: the weighted mean of each resource's free fraction (favours empty nodes). */
export function leastResourceScorer(resources: readonly ResourceSpec[]): ResourceScorer {
  return weightedScorer(resources, leastRequestedScore);
}

/** MostAllocated: the weighted mean of each resource's used fraction (bin packing). */
export function mostResourceScorer(resources: readonly ResourceSpec[]): ResourceScorer {
  return weightedScorer(resources, mostRequestedScore);
}

/**
 * RequestedToCapacityRatio: each resource's utilization (0..100) through the shape (scores 0..10 scaled
 * by 10), weighted mean over resources scoring above 0, rounded.
 */
export function requestedToCapacityRatioScorer(
  resources: readonly ResourceSpec[],
  shape: readonly UtilizationShapePoint[],
): ResourceScorer {
  const fn = buildBrokenLinearFunction(
    shape.map((p): FunctionShapePoint => ({
      utilization: p.utilization,
      score: p.score * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE),
    })),
  );
  const resourceScore = (requested: number, capacity: number): number => {
    if (capacity === 0 || requested > capacity) return fn(MAX_UTILIZATION);
    return fn(Math.floor((requested * MAX_UTILIZATION) / capacity));
  };
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      const cap = allocatable[i]!;
      if (cap === 0) continue;
      const w = resources[i]!.weight;
      const s = resourceScore(requested[i]!, cap);
      if (s > 0) {
        nodeScore += s * w;
        weightSum += w;
      }
    }
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
  };
}

/**
 * Balanced allocation: (1 - std) * 100 over the requested/allocatable fractions (capped at 1) of the
 * resources with allocatable > 0; with two resources std is |f1 - f2| / 2.
 */
export function balancedResourceScorer(requested: ArrayLike<number>, allocatable: ArrayLike<number>): number {
  let n = 0;
  let total = 0;
  let f0 = 0;
  let f1 = 0;
  for (let i = 0; i < requested.length; i++) {
    const cap = allocatable[i]!;
    if (cap === 0) continue;
    const f = Math.min(requested[i]! / cap, 1);
    if (n === 0) f0 = f;
    else if (n === 1) f1 = f;
    total += f;
    n++;
  }
  let std = 0;
  if (n === 2) {
    std = Math.abs((f0 - f1) / 2);
  } else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      const cap = allocatable[i]!;
      if (cap === 0) continue;
      const d = Math.min(requested[i]! / cap, 1) - mean;
      sum += d * d;
    }
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** A pod's requests as scoring reads them (a PodInfo fits). */
export interface PodResourceRequests {
  readonly requests: Resource;
  /** Requests with the 100m / 200Mi defaults for containers that request no cpu / memory. */
  readonly nonZeroRequests: Resource;
}

/** The pod's requests, each form computed on first use. */
export function podResourceRequests(pod: Pod): PodResourceRequests {
  let requests: Resource | undefined;
  let nonZero: Resource | undefined;
  return {
    get requests() {
      return (requests ??= podRequests(pod));
    },
    get nonZeroRequests() {
      return (nonZero ??= podNonZeroRequests(pod));
    },
  };
}

const enum Kind {
  Cpu,
  Memory,
  EphemeralStorage,
  Scalar,
  Other,
}

function kindOf(name: string): Kind {
  switch (name) {
    case RESOURCE_CPU:
      return Kind.Cpu;
    case RESOURCE_MEMORY:
      return Kind.Memory;
    case RESOURCE_EPHEMERAL_STORAGE:
      return Kind.EphemeralStorage;
    default:
      return isScalarResourceName(name) ? Kind.Scalar : Kind.Other;
  }
}

/**
 * Scores a node for a pod from per-resource amounts (upstream's resourceAllocationScorer). With
 * `useRequested` false, cpu and memory use the non-zero defaults (100m / 200Mi per container that
 * requests none) on both the pod and the node side, as LeastAllocated/MostAllocated do upstream.
 * Not reentrant: score() reuses scratch arrays (plugins run on one thread).
 */
export class ResourceAllocationScorer {
  private readonly kinds: Kind[];
  private readonly requested: Float64Array;
  private readonly allocatable: Float64Array;

  constructor(
    readonly name: string,
    private readonly scorer: ResourceScorer,
    readonly resources: readonly ResourceSpec[],
    readonly useRequested: boolean,
  ) {
    this.kinds = resources.map((r) => kindOf(r.name));
    this.requested = new Float64Array(resources.length);
    this.allocatable = new Float64Array(resources.length);
  }

  /** The pod's request of each resource, in `resources` order (upstream's calculatePodResourceRequestList). */
  podRequests(pi: PodResourceRequests): number[] {
    const out = new Array<number>(this.resources.length);
    for (let i = 0; i < this.resources.length; i++) {
      const name = this.resources[i]!.name;
      switch (this.kinds[i]) {
        case Kind.Cpu:
          out[i] = this.useRequested ? pi.requests.milliCPU : pi.nonZeroRequests.milliCPU;
          break;
        case Kind.Memory:
          out[i] = this.useRequested ? pi.requests.memory : pi.nonZeroRequests.memory;
          break;
        default:
          out[i] = pi.requests.get(name);
      }
    }
    return out;
  }

  /** True when the pod requests none of the resources (upstream's isBestEffortPod). */
  static isBestEffort(podRequests: readonly number[]): boolean {
    for (const r of podRequests) if (r !== 0) return false;
    return true;
  }

  /** The node's score for a pod whose requests came from {@link podRequests}. */
  score(nodeInfo: NodeInfo, podRequests: readonly number[]): number {
    const req = this.requested;
    const alloc = this.allocatable;
    const nodeRequested = this.useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
    const nodeAlloc = nodeInfo.allocatable;
    for (let i = 0; i < this.kinds.length; i++) {
      const podRequest = podRequests[i]!;
      let a = 0;
      let r = 0;
      switch (this.kinds[i]) {
        case Kind.Cpu:
          a = nodeAlloc.milliCPU;
          r = nodeRequested.milliCPU + podRequest;
          break;
        case Kind.Memory:
          a = nodeAlloc.memory;
          r = nodeRequested.memory + podRequest;
          break;
        case Kind.EphemeralStorage:
          a = nodeAlloc.ephemeralStorage;
          r = nodeInfo.requested.ephemeralStorage + podRequest;
          break;
        case Kind.Scalar: {
          // A scalar resource the pod does not request takes no part in the score.
          if (podRequest === 0) break;
          const name = this.resources[i]!.name;
          const have = nodeAlloc.scalar.get(name);
          if (have !== undefined) {
            a = have;
            r = (nodeInfo.requested.scalar.get(name) ?? 0) + podRequest;
          }
          break;
        }
        case Kind.Other:
        case undefined:
          break;
      }
      if (a === 0) {
        alloc[i] = 0;
        req[i] = 0;
      } else {
        alloc[i] = a;
        req[i] = r;
      }
    }
    return this.scorer(req, alloc);
  }
}
