/**
 * @module NodeAffinity: a pod's nodeSelector and required node affinity filter nodes (PreFilter narrows
 * to the nodes named by `metadata.name` field terms); preferred terms' weights score them. Args may add
 * scheduler-enforced affinity to every pod of the profile.
 */
import type { NodeAffinity as ApiNodeAffinity } from '../../../api/openapi/generated/types.js';
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  ScoreExtensions,
  ScorePlugin,
} from '../../framework/interface.js';
import { Code, Status } from '../../framework/status.js';
import { MAX_NODE_SCORE, type NodeInfo, type NodeScore, type Pod } from '../../framework/types.js';
import {
  type CompiledNodeSelector,
  getRequiredNodeAffinity,
  newNodeSelector,
  newPreferredSchedulingTerms,
  OBJECT_NAME_FIELD,
  PreferredSchedulingTerms,
  type RequiredNodeAffinity,
} from '../helpers/node-affinity.js';
import { defaultNormalizeScore } from '../helpers/normalize-score.js';
import { errorText } from '../../../util/errors.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';
const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;
const REJECTED_POD = Status.unresolvable(ERR_REASON_POD).withPlugin(NAME);
const REJECTED_ENFORCED = Status.unresolvable(ERR_REASON_ENFORCED).withPlugin(NAME);

/** NodeAffinityArgs: node affinity added to every pod the profile schedules. */
export interface NodeAffinityArgs {
  addedAffinity?: ApiNodeAffinity;
}

class PreFilterState implements StateData {
  constructor(readonly required: RequiredNodeAffinity) {}
  clone(): StateData {
    return this;
  }
}

class PreScoreState implements StateData {
  constructor(readonly preferred: PreferredSchedulingTerms | undefined) {}
  clone(): StateData {
    return this;
  }
}

function podPreferredTerms(pod: Pod): PreferredSchedulingTerms | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  return terms ? PreferredSchedulingTerms.compile(terms) : undefined;
}

/** The node names the required terms restrict the pod to; undefined when some term allows every node. */
function nodeNamesFromTerms(pod: Pod): Set<string> | undefined {
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return undefined;
  let union: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key !== OBJECT_NAME_FIELD || r.operator !== 'In') continue;
      const s = new Set(r.values ?? []);
      // Requirements of a term are ANDed.
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    // Terms are ORed: a term without a node-name requirement admits every node.
    if (!termNames) return undefined;
    union ??= new Set();
    for (const n of termNames) union.add(n);
  }
  return union;
}

export class NodeAffinity
  implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions, EnqueueExtensions
{
  readonly name = NAME;
  private readonly addedNodeSelector: CompiledNodeSelector | undefined;
  private readonly addedPrefSchedTerms: PreferredSchedulingTerms | undefined;

  /** Throws when args.addedAffinity does not parse. */
  constructor(args: NodeAffinityArgs = {}) {
    const added = args.addedAffinity;
    const required = added?.requiredDuringSchedulingIgnoredDuringExecution;
    this.addedNodeSelector = required ? parseArg(() => newNodeSelector(required), 'required') : undefined;
    const preferred = added?.preferredDuringSchedulingIgnoredDuringExecution;
    this.addedPrefSchedTerms =
      preferred && preferred.length > 0
        ? parseArg(() => newPreferredSchedulingTerms(preferred), 'preferred')
        : undefined;
  }

  preFilter(
    state: CycleState,
    pod: Pod,
    _nodes?: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status } {
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!required && !this.addedNodeSelector && !pod.spec?.nodeSelector) return { status: Status.skip() };
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(getRequiredNodeAffinity(pod)));
    const names = nodeNamesFromTerms(pod);
    if (names === undefined) return { status: Status.success() };
    if (names.size === 0) return { status: Status.unresolvable(ERR_REASON_CONFLICT) };
    return { result: { nodeNames: names }, status: Status.success() };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (this.addedNodeSelector && !this.addedNodeSelector.match(node)) {
      return REJECTED_ENFORCED;
    }
    const required =
      state.read<PreFilterState>(PRE_FILTER_STATE_KEY)?.required ?? getRequiredNodeAffinity(pod);
    return required.match(node) ? Status.success() : REJECTED_POD;
  }

  preScore(state: CycleState, pod: Pod, _nodes?: readonly NodeInfo[]): Status {
    const preferred = podPreferredTerms(pod);
    if (preferred && preferred.errors.length > 0) return Status.error(preferred.errors.join(', '));
    if ((!preferred || preferred.size === 0) && !this.addedPrefSchedTerms) return Status.skip();
    state.write(PRE_SCORE_STATE_KEY, new PreScoreState(preferred));
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const node = nodeInfo.node;
    if (!node) return Status.of(Code.Error, 'node not found');
    let count = this.addedPrefSchedTerms ? this.addedPrefSchedTerms.score(node) : 0;
    const preferred = state.read<PreScoreState>(PRE_SCORE_STATE_KEY)?.preferred ?? podPreferredTerms(pod);
    if (preferred) count += preferred.score(node);
    return count;
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', actions: ['Add', 'UpdateNodeLabel', 'UpdateNodeTaint'] }];
  }
}

function parseArg<T>(f: () => T, which: 'required' | 'preferred'): T {
  try {
    return f();
  } catch (e) {
    const field =
      which === 'required'
        ? 'addedAffinity.requiredDuringSchedulingIgnoredDuringExecution'
        : 'addedAffinity.preferredDuringSchedulingIgnoredDuringExecution';
    throw new Error(`parsing ${field}: ${errorText(e)}`);
  }
}

export const newNodeAffinity: PluginFactory = (args) => new NodeAffinity(args ?? {});
