/**
 * @module The scheduler's plugin contract (upstream's framework/interface.go): one small interface per
 * extension point; a plugin implements only the points it needs. Every call returns a Status for expected
 * outcomes; a thrown exception is treated as an Error status by the runner.
 *
 * A scheduling cycle, for one pod, calls in this order:
 *   PreFilter → Filter (per node, possibly in any order and only for some nodes) → [PostFilter when no
 *   node fits] → PreScore → Score (per feasible node) → NormalizeScore → Reserve → Permit.
 * Then the binding cycle (possibly concurrent with the next scheduling cycle):
 *   PreBind → Bind (the first Bind plugin that does not Skip) → PostBind; Unreserve on any failure.
 */
import type { KubeObject } from '../../api/object.js';
import type { CycleState } from './cycle-state.js';
import type { Status } from './status.js';
import type { NodeInfo, NodeScore, Pod, PodInfo } from './types.js';

export interface Plugin {
  /** The upstream plugin name, e.g. 'NodeResourcesFit'; unique within a profile. */
  readonly name: string;
}

/** A pod waiting in the scheduling queue. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod was (re-)added to the queue, ms since epoch. */
  timestamp: number;
  /** How many scheduling attempts it had. */
  attempts: number;
  /** When the first attempt started, ms since epoch. */
  initialAttemptTimestamp: number | undefined;
  /** Plugins that rejected it in its last attempt: only events these care about move it back to active. */
  unschedulablePlugins: Set<string>;
  /** Plugins that returned Pending in its last attempt. */
  pendingPlugins: Set<string>;
}

/** Orders the active queue. Called by the queue whenever two pods are compared. */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

/** Gates a pod before it enters the active queue (e.g. scheduling gates). Pending keeps it out. */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): Status;
}

/** Nodes a PreFilter plugin already knows are the only candidates (undefined: all nodes). */
export interface PreFilterResult {
  nodeNames: ReadonlySet<string> | undefined;
}

/**
 * Lets other plugins and preemption ask "what if pod X were added to / removed from node N": a PreFilter
 * plugin that keeps per-cycle state about other pods updates that state here.
 */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status;
  removePod(state: CycleState, podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status;
}

/**
 * Runs once per cycle before filtering; computes state the Filter calls read (stored in CycleState under
 * the plugin's own key). Returning Skip skips this plugin's Filter for the cycle. An Unschedulable result
 * fails the pod on every node at once.
 */
export interface PreFilterPlugin extends Plugin {
  preFilter(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status };
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

/**
 * Decides whether the pod can run on one node. Called concurrently-safe (no shared mutation) and only
 * reads the CycleState. Unschedulable / UnschedulableAndUnresolvable with reasons like "Insufficient cpu"
 * (those reasons are counted in the FailedScheduling message).
 */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

/** Per-node statuses of a failed filtering pass, by node name. */
export type NodeToStatusMap = Map<string, Status>;

/**
 * Called when no node passed filtering (e.g. preemption). Returns a nominated node when it made room
 * somewhere; Unschedulable when it could not help.
 */
export interface PostFilterPlugin extends Plugin {
  postFilter(
    state: CycleState,
    pod: Pod,
    filteredNodeStatusMap: NodeToStatusMap,
  ): Promise<{ result?: { nominatedNodeName: string }; status: Status }>;
}

/** Runs once before scoring, with the feasible nodes. Skip skips this plugin's Score for the cycle. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status;
}

export interface ScoreExtensions {
  /** Rescales this plugin's raw scores into [MIN_NODE_SCORE, MAX_NODE_SCORE] in place. */
  normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status;
}

/** Ranks a feasible node; the runner multiplies normalized scores by the plugin's weight and sums them. */
export interface ScorePlugin extends Plugin {
  /**
   * Called by the runner for every feasible node after PreScore. Returns the node's raw score, or a Status
   * when it cannot score (any Status returned is treated as an error that fails the scheduling cycle, as
   * upstream treats a non-success Score). A bare number, so that scoring allocates nothing per node.
   */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status;
  scoreExtensions?(): ScoreExtensions | undefined;
}

/**
 * Reserve updates plugin state when the pod is assumed on a node (before binding); Unreserve undoes it
 * when a later step fails. Unreserve must be idempotent and never fail.
 */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

/** Approves, rejects or delays (Wait with a timeout in ms) binding. */
export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: Pod, nodeName: string): { status: Status; timeoutMs: number };
}

/** Work before binding (e.g. write an allocation annotation on the pod). */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

/** Binds the pod; Skip lets the next Bind plugin do it. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

/** Informational, after a successful bind. */
export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

/** Cluster changes that can make an unschedulable pod schedulable (upstream's ClusterEvent). */
export type EventResource =
  'Pod' | 'AssignedPod' | 'UnscheduledPod' | 'Node' | 'Namespace' | 'PodDisruptionBudget' | '*';
export type ActionType =
  | 'Add'
  | 'Delete'
  | 'UpdateNodeLabel'
  | 'UpdateNodeTaint'
  | 'UpdateNodeAllocatable'
  | 'UpdateNodeCondition'
  | 'UpdatePodLabel'
  | 'UpdatePodScaleDown'
  | 'Update'
  | 'All';

export interface ClusterEvent {
  resource: EventResource;
  actions: readonly ActionType[];
}

/** Plugins that reject pods say which cluster events may change their verdict. */
export interface EnqueueExtensions {
  eventsToRegister(): ClusterEvent[];
}

/** Lists the nodes of the cycle's snapshot. */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** Nodes with at least one pod that has (anti-)affinity terms. */
  havePodsWithAffinityList(): readonly NodeInfo[];
  /** Nodes with at least one pod that has required anti-affinity terms. */
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /**
   * Optional change journal: a sequence number that moves whenever the list's NodeInfos change, and the
   * names of the nodes changed after an earlier number (undefined when the journal no longer reaches back,
   * or when the whole list was rebuilt). Lets incremental consumers skip a scan of every node.
   */
  readonly changeSeq?: number;
  changedSince?(seq: number): readonly string[] | undefined;
}

/** The immutable view of the cluster one scheduling cycle works on. */
export interface SharedLister {
  nodeInfos(): NodeInfoLister;
}

/** Namespaces by name (labels are what affinity namespaceSelectors read). */
export interface NamespaceLister {
  get(name: string): KubeObject | undefined;
  list(): readonly KubeObject[];
}

/** The API calls plugins may make (binding, preemption, allocation annotations). */
export interface SchedulerClient {
  /** POST pods/{name}/binding. */
  bind(pod: Pod, nodeName: string): Promise<void>;
  /** Strategic/merge patch of the pod's metadata (annotations) or status (conditions, nominatedNodeName). */
  patchPod(pod: Pod, patch: Record<string, unknown>, subresource?: 'status'): Promise<Pod>;
  /** Deletes a pod (preemption victims), gracefully unless told otherwise. */
  deletePod(pod: Pod, options?: { gracePeriodSeconds?: number; preconditionUid?: string }): Promise<void>;
}

/** Pods nominated to run on nodes after preemption, so other pods do not take their room. */
export interface PodNominator {
  addNominatedPod(pi: PodInfo, nodeName: string): void;
  deleteNominatedPodIfExists(pod: Pod): void;
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

/** What the framework gives plugins at construction. */
export interface Handle {
  /** The snapshot of the current cycle. */
  snapshotSharedLister(): SharedLister;
  namespaces: NamespaceLister;
  /** PodDisruptionBudgets (for preemption), all namespaces. */
  podDisruptionBudgets(): readonly KubeObject[];
  client: SchedulerClient;
  nominator: PodNominator;
  /** Runs the Filter plugins of the profile (for preemption's what-if checks). */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
  /** Runs the PreFilter extensions' addPod/removePod of every plugin (for preemption). */
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, toAdd: PodInfo, nodeInfo: NodeInfo): Status;
  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, toRemove: PodInfo, nodeInfo: NodeInfo): Status;
  now(): Date;
}

/** Builds a plugin from its arguments (the `pluginConfig` args of a profile) and the handle. */
export type PluginFactory = (args: Record<string, unknown> | undefined, handle: Handle) => Plugin;
