/**
 * @module NodeResourcesBalancedAllocation: favours nodes whose cpu and memory (or configured resources)
 * would be used in similar proportions after placing the pod.
 */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { PluginFactory, PreScorePlugin, ScorePlugin } from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, Pod } from '../../framework/types.js';
import {
  balancedResourceScorer,
  DEFAULT_RESOURCE_SPEC,
  podResourceRequests,
  ResourceAllocationScorer,
  type ResourceSpec,
} from '../helpers/resource-allocation.js';

export const NAME = 'NodeResourcesBalancedAllocation';
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

/** NodeResourcesBalancedAllocationArgs: the resources compared (default cpu and memory; weights must be 1). */
export interface NodeResourcesBalancedAllocationArgs {
  resources?: ResourceSpec[];
}

/** Upstream's ValidateNodeResourcesBalancedAllocationArgs; returns field errors. */
export function validateBalancedAllocationArgs(args: NodeResourcesBalancedAllocationArgs): string[] {
  const errs: string[] = [];
  const seen = new Set<string>();
  (args.resources ?? []).forEach((r, i) => {
    if (seen.has(r.name)) errs.push(`resources[${i}].name: Duplicate value: ${JSON.stringify(r.name)}`);
    else seen.add(r.name);
    if ((r.weight || 1) !== 1) errs.push(`resources[${i}].weight: Invalid value: ${r.weight}: must be 1`);
  });
  return errs;
}

class PreScoreState implements StateData {
  constructor(readonly podRequests: readonly number[]) {}
  clone(): StateData {
    return this;
  }
}

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  private readonly scorer: ResourceAllocationScorer;

  /** Throws when the args are invalid. */
  constructor(args: NodeResourcesBalancedAllocationArgs = {}) {
    const errs = validateBalancedAllocationArgs(args);
    if (errs.length > 0) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    const resources =
      args.resources && args.resources.length > 0
        ? args.resources.map((r) => ({ name: r.name, weight: 1 }))
        : [...DEFAULT_RESOURCE_SPEC];
    this.scorer = new ResourceAllocationScorer(NAME, balancedResourceScorer, resources, true);
  }

  preScore(state: CycleState, pod: Pod, _nodes?: readonly NodeInfo[]): Status {
    const reqs = this.scorer.podRequests(podResourceRequests(pod));
    // A pod requesting nothing would pile onto one node: skip it, as upstream does.
    if (ResourceAllocationScorer.isBestEffort(reqs)) return Status.skip();
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(reqs));
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    let reqs = state.read<PreScoreState>(PRE_SCORE_STATE_KEY)?.podRequests;
    if (!reqs) {
      reqs = this.scorer.podRequests(podResourceRequests(pod));
      if (ResourceAllocationScorer.isBestEffort(reqs)) return 0;
    }
    return this.scorer.score(nodeInfo, reqs);
  }
}

export const newNodeResourcesBalancedAllocation: PluginFactory = (args) =>
  new NodeResourcesBalancedAllocation(args ?? {});
