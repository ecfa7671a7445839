/**
 * @module TaintToleration: a pod must tolerate a node's NoSchedule and NoExecute taints; among feasible
 * nodes, those with fewer untolerated PreferNoSchedule taints score higher.
 */
import type { Taint, Toleration } from '../../../api/openapi/generated/types.js';
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
  PreScorePlugin,
  ScoreExtensions,
  ScorePlugin,
} from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import { MAX_NODE_SCORE, type NodeInfo, type NodeScore, type Pod } from '../../framework/types.js';
import { defaultNormalizeScore } from '../helpers/normalize-score.js';
import {
  doNotScheduleTaintsFilter,
  findMatchingUntoleratedTaint,
  TAINT_EFFECT_PREFER_NO_SCHEDULE,
  tolerationsTolerateTaint,
} from '../helpers/taints.js';

export const NAME = 'TaintToleration';
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

// Rejections by taint object: node taints live as long as the node object, so Filter allocates once per taint.
const rejections = new WeakMap<Taint, Status>();

function rejectionFor(taint: Taint): Status {
  let s = rejections.get(taint);
  if (!s) {
    s = Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`).withPlugin(
      NAME,
    );
    rejections.set(taint, s);
  }
  return s;
}

class PreScoreState implements StateData {
  constructor(readonly tolerationsPreferNoSchedule: readonly Toleration[]) {}
  clone(): StateData {
    return this;
  }
}

/** Tolerations that can tolerate a PreferNoSchedule taint: that effect, or no effect (every effect). */
export function tolerationsPreferNoSchedule(tolerations: readonly Toleration[] | undefined): Toleration[] {
  return (tolerations ?? []).filter((t) => !t.effect || t.effect === TAINT_EFFECT_PREFER_NO_SCHEDULE);
}

/** How many of the node's PreferNoSchedule taints none of `tolerations` tolerates. */
export function countIntolerableTaintsPreferNoSchedule(
  taints: readonly { key: string; value?: string; effect: string }[] | undefined,
  tolerations: readonly Toleration[],
): number {
  if (!taints) return 0;
  let n = 0;
  for (const taint of taints) {
    if (taint.effect !== TAINT_EFFECT_PREFER_NO_SCHEDULE) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) n++;
  }
  return n;
}

export class TaintToleration
  implements FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions
{
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const taints = nodeInfo.taints;
    if (!taints || taints.length === 0) return Status.success();
    const taint = findMatchingUntoleratedTaint(taints, pod.spec?.tolerations, doNotScheduleTaintsFilter);
    if (!taint) return Status.success();
    return rejectionFor(taint);
  }

  preScore(state: CycleState, pod: Pod, _nodes?: readonly NodeInfo[]): Status {
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(tolerationsPreferNoSchedule(pod.spec?.tolerations)));
    return Status.success();
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_STATE_KEY);
    if (!s) {
      return Status.error(`failed to read "${PRE_SCORE_STATE_KEY}" from cycleState: not found`);
    }
    return countIntolerableTaintsPreferNoSchedule(nodeInfo.taints, s.tolerationsPreferNoSchedule);
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', actions: ['Add', 'UpdateNodeTaint', 'UpdateNodeLabel'] }];
  }
}

export const newTaintToleration: PluginFactory = () => new TaintToleration();
