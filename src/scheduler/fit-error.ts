/**
 * @module Why a pod fits nowhere (upstream's Diagnosis and FitError), with upstream's message:
 * "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {node-role: master}.
 * preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
 */
import type { NodeToStatusMap } from './framework/interface.js';
import { Code, type Status } from './framework/status.js';
import type { Pod } from './framework/types.js';

/** What a failed scheduling attempt learned. */
export class Diagnosis {
  /** Status of each node that PreFilter or Filter rejected. */
  readonly nodeToStatus: NodeToStatusMap = new Map();
  /** Plugins that returned Unschedulable or UnschedulableAndUnresolvable. */
  readonly unschedulablePlugins = new Set<string>();
  /** Plugins that returned Pending. */
  readonly pendingPlugins = new Set<string>();
  /** The PreFilter failure message (every node then shares that status). */
  preFilterMsg = '';
  /** The PostFilter (preemption) message. */
  postFilterMsg = '';

  /** Records the plugin that produced a rejecting or pending status (upstream's AddPluginStatus). */
  addPluginStatus(s: Status): void {
    if (!s.plugin) return;
    if (s.isRejected()) this.unschedulablePlugins.add(s.plugin);
    if (s.code === Code.Pending) this.pendingPlugins.add(s.plugin);
  }
}

/** The scheduler has no nodes at all (upstream's ErrNoNodesAvailable). */
export class NoNodesAvailableError extends Error {
  constructor() {
    super('no nodes available to schedule pods');
    this.name = 'NoNodesAvailableError';
  }
}

/** The pod fits on none of `numAllNodes` nodes; the message counts the reasons. */
export class FitError extends Error {
  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super();
    this.name = 'FitError';
    // The message reads the diagnosis when asked: PostFilter adds to it after the error is made.
    Object.defineProperty(this, 'message', {
      get: () => fitErrorMessage(this.numAllNodes, this.diagnosis),
      enumerable: false,
      configurable: true,
    });
  }
}

/** Upstream's FitError.Error(). */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) {
      for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    const parts = [...counts].map(([reason, n]) => `${n} ${reason}`);
    parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}
