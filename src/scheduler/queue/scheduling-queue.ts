/**
 * @module The scheduling queue (upstream's internal/queue PriorityQueue): an active heap ordered by the
 * QueueSort plugin, a backoff heap ordered by when each pod's back-off ends, and a set of unschedulable pods
 * that go back to work when a cluster event they care about happens (or after five minutes at most).
 */
import type { TimerClock } from '../../util/clock.js';
import type { ClusterEvent, QueuedPodInfo } from '../framework/interface.js';
import type { Status } from '../framework/status.js';
import { PodInfo, podKey, termMatches, type Pod } from '../framework/types.js';
import {
  eventMatches,
  isWildCard,
  AssignedPodAdd,
  AssignedPodUpdate,
  UnschedulableTimeout,
  type QueueEvent,
} from './events.js';
import { KeyedHeap } from './heap.js';
import { Nominator, type NominatingInfo } from './nominator.js';

/** Upstream's DefaultPodInitialBackoffDuration, DefaultPodMaxBackoffDuration, DefaultPodMaxInUnschedulablePodsDuration. */
export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS = 5 * 60_000;
/** How often back-off expiries and the unschedulable leftovers are checked, as upstream. */
const BACKOFF_FLUSH_INTERVAL_MS = 1_000;
const UNSCHEDULABLE_FLUSH_INTERVAL_MS = 30_000;

/** A pod in the queue: what the QueueSort plugin sees, plus the queue's own bookkeeping. */
export class QueuedPod implements QueuedPodInfo {
  attempts = 0;
  initialAttemptTimestamp: number | undefined = undefined;
  unschedulablePlugins = new Set<string>();
  pendingPlugins = new Set<string>();
  /** A PreEnqueue plugin keeps it out of the active queue. */
  gated = false;
  gatingPlugin = '';
  readonly key: string;

  constructor(
    public podInfo: PodInfo,
    public timestamp: number,
  ) {
    this.key = podKey(podInfo.pod);
  }

  get pod(): Pod {
    return this.podInfo.pod;
  }
}

/** The PreEnqueue verdict for a pod: success, or the first non-success status (its plugin named). */
export type PreEnqueueCheck = (pod: Pod) => Status;

export interface SchedulingQueueOptions {
  clock: TimerClock;
  /** The QueueSort plugin's order (every profile must use the same one, as upstream requires). */
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  podMaxInUnschedulablePodsMs?: number;
  /** Runs the PreEnqueue plugins of the pod's profile. */
  preEnqueue?: PreEnqueueCheck;
  /** The events each plugin registered; a plugin absent here hears every event. */
  pluginEvents?: ReadonlyMap<string, readonly ClusterEvent[]>;
  /** The informer's current copy of a pod (the nominator skips pods that got bound or deleted). */
  podLister?: (namespace: string, name: string) => Pod | undefined;
  /** A nominator shared with the profiles (default: a new one over `podLister`). */
  nominator?: Nominator;
  /** Labels of a namespace, for affinity terms with a namespaceSelector. */
  namespaceLabels?: (namespace: string) => Readonly<Record<string, string>> | undefined;
}

/** Sizes of the three sub-queues. */
export interface QueueCounts {
  active: number;
  backoff: number;
  unschedulable: number;
}

/**
 * The scheduling queue. Pods enter with add() (unscheduled pods of our profiles), leave with pop() into a
 * scheduling cycle, and come back with addUnschedulableIfNotPresent() when the cycle fails. Start the
 * periodic flushes with run(); close() wakes a pending pop() with undefined.
 */
export class SchedulingQueue {
  readonly nominator: Nominator;
  private readonly clock: TimerClock;
  private readonly activeQ: KeyedHeap<QueuedPod>;
  private readonly backoffQ: KeyedHeap<QueuedPod>;
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxInUnschedulable: number;
  private readonly preEnqueue: PreEnqueueCheck | undefined;
  private readonly pluginEvents: ReadonlyMap<string, readonly ClusterEvent[]>;
  private readonly namespaceLabels: SchedulingQueueOptions['namespaceLabels'];
  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private waiters: Array<(p: QueuedPod | undefined) => void> = [];
  private cancelTimers: Array<() => void> = [];

  constructor(opts: SchedulingQueueOptions) {
    this.clock = opts.clock;
    this.initialBackoff = opts.podInitialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoff = opts.podMaxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulable = opts.podMaxInUnschedulablePodsMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS;
    this.preEnqueue = opts.preEnqueue;
    this.pluginEvents = opts.pluginEvents ?? new Map();
    this.namespaceLabels = opts.namespaceLabels;
    const less = opts.less;
    this.activeQ = new KeyedHeap<QueuedPod>(
      (p) => p.key,
      (a, b) => less(a, b),
    );
    this.backoffQ = new KeyedHeap<QueuedPod>(
      (p) => p.key,
      (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
    );
    this.nominator = opts.nominator ?? new Nominator(opts.podLister);
  }

  /** Starts the periodic flushes (back-off expiries every second, unschedulable leftovers every 30 s). */
  run(): void {
    const every = (ms: number, fn: () => void): void => {
      const tick = (): void => {
        if (this.closed) return;
        fn();
        this.cancelTimers[idx] = this.clock.setTimer(ms, tick);
      };
      const idx = this.cancelTimers.length;
      this.cancelTimers.push(this.clock.setTimer(ms, tick));
    };
    every(BACKOFF_FLUSH_INTERVAL_MS, () => this.flushBackoffQCompleted());
    every(UNSCHEDULABLE_FLUSH_INTERVAL_MS, () => this.flushUnschedulablePodsLeftover());
  }

  close(): void {
    this.closed = true;
    for (const c of this.cancelTimers) c();
    this.cancelTimers = [];
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve(undefined);
  }

  /** Scheduling cycles started so far (upstream's SchedulingCycle). */
  schedulingCycle(): number {
    return this.cycle;
  }

  /** Adds a new unscheduled pod (from the informer) to the active queue, unless a PreEnqueue plugin gates it. */
  add(pod: Pod): void {
    const pInfo = new QueuedPod(new PodInfo(pod), this.nowMs());
    if (!this.addToActiveQ(pInfo)) return;
    this.unschedulable.delete(pInfo.key);
    this.backoffQ.delete(pInfo.key);
    this.nominator.add(pInfo.podInfo);
  }

  /**
   * Takes the next pod to schedule, waiting while the active queue is empty; undefined once closed. Counts
   * the attempt and starts a scheduling cycle.
   */
  pop(): Promise<QueuedPod | undefined> {
    const p = this.tryPop();
    if (p || this.closed) return Promise.resolve(p);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** pop() without waiting: undefined when the active queue is empty. */
  tryPop(): QueuedPod | undefined {
    const p = this.activeQ.pop();
    if (!p) return undefined;
    this.startAttempt(p);
    return p;
  }

  private startAttempt(p: QueuedPod): void {
    p.attempts++;
    this.cycle++;
    p.initialAttemptTimestamp ??= this.nowMs();
  }

  /**
   * Puts back a pod whose scheduling cycle `podSchedulingCycle` failed: to the unschedulable set, or to
   * back-off when an event arrived during its cycle or no plugin named a reason (upstream's
   * AddUnschedulableIfNotPresent). Throws if the pod is already queued.
   */
  addUnschedulableIfNotPresent(pInfo: QueuedPod, podSchedulingCycle: number): void {
    const key = pInfo.key;
    if (this.unschedulable.has(key)) throw new Error(`Pod ${key} is already present in unschedulable queue`);
    if (this.activeQ.has(key)) throw new Error(`Pod ${key} is already present in the active queue`);
    if (this.backoffQ.has(key)) throw new Error(`Pod ${key} is already present in the backoff queue`);
    pInfo.timestamp = this.nowMs();
    const rejected = pInfo.unschedulablePlugins.size + pInfo.pendingPlugins.size;
    if (this.moveRequestCycle >= podSchedulingCycle || rejected === 0) {
      this.requeue(pInfo);
    } else {
      this.unschedulable.set(key, pInfo);
    }
    this.nominator.add(pInfo.podInfo);
  }

  /** An informer update of an unscheduled pod (upstream's Update). */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    const inActive = this.activeQ.get(key);
    if (inActive) {
      this.nominator.update(oldPod, this.refresh(inActive, newPod));
      this.activeQ.addOrUpdate(inActive);
      return;
    }
    const inBackoff = this.backoffQ.get(key);
    if (inBackoff) {
      this.nominator.update(oldPod, this.refresh(inBackoff, newPod));
      this.backoffQ.addOrUpdate(inBackoff);
      return;
    }
    const inUnsched = this.unschedulable.get(key);
    if (inUnsched) {
      this.nominator.update(oldPod, this.refresh(inUnsched, newPod));
      if (isPodUpdated(oldPod, newPod)) {
        if (inUnsched.gated) {
          if (this.addToActiveQ(inUnsched)) this.unschedulable.delete(key);
        } else if (this.isBackingOff(inUnsched)) {
          this.unschedulable.delete(key);
          this.backoffQ.addOrUpdate(inUnsched);
        } else {
          this.unschedulable.delete(key);
          this.addToActiveQ(inUnsched);
        }
      }
      return;
    }
    // Not queued (e.g. being scheduled right now): queue the new version.
    const pInfo = new QueuedPod(new PodInfo(newPod), this.nowMs());
    if (this.addToActiveQ(pInfo)) this.nominator.add(pInfo.podInfo);
  }

  /** An unscheduled pod was deleted (or got bound elsewhere): forget it everywhere. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.nominator.delete(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
  }

  /** Moves the given pods (if waiting in back-off or the unschedulable set) straight to the active queue. */
  activate(pods: readonly Pod[]): void {
    for (const pod of pods) {
      const key = podKey(pod);
      const p = this.unschedulable.get(key) ?? this.backoffQ.get(key);
      if (!p) continue;
      if (this.addToActiveQ(p)) {
        this.unschedulable.delete(key);
        this.backoffQ.delete(key);
      }
    }
  }

  /**
   * A cluster event happened: every unschedulable pod (passing `preCheck`) that a plugin rejected and that
   * plugin registered for the event moves to the active queue, or to back-off while its back-off lasts.
   */
  moveAllToActiveOrBackoffQueue(event: QueueEvent, preCheck?: (pod: Pod) => boolean): void {
    if (this.unschedulable.size > 0) {
      const pods: QueuedPod[] = [];
      for (const p of this.unschedulable.values()) if (!preCheck || preCheck(p.pod)) pods.push(p);
      this.movePods(pods, event);
    }
    this.moveRequestCycle = this.cycle;
  }

  /** A pod got bound: unschedulable pods whose required affinity it satisfies may now fit. */
  assignedPodAdded(pod: Pod): void {
    if (this.unschedulable.size > 0) this.movePods(this.withMatchingAffinityTerm(pod), AssignedPodAdd);
    this.moveRequestCycle = this.cycle;
  }

  /** An assigned pod changed: as assignedPodAdded, or everything when it shrank its requests. */
  assignedPodUpdated(oldPod: Pod, newPod: Pod): void {
    if (this.unschedulable.size > 0) {
      if (resourcesShrank(oldPod, newPod)) this.moveAllToActiveOrBackoffQueue(AssignedPodUpdate);
      else this.movePods(this.withMatchingAffinityTerm(newPod), AssignedPodUpdate);
    }
    this.moveRequestCycle = this.cycle;
  }

  /** Moves pods whose back-off has ended to the active queue. */
  flushBackoffQCompleted(): void {
    for (;;) {
      const p = this.backoffQ.peek();
      if (!p || this.backoffExpiry(p) > this.nowMs()) return;
      this.backoffQ.pop();
      this.addToActiveQ(p);
    }
  }

  /** Moves pods that stayed unschedulable longer than podMaxInUnschedulablePodsDuration. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.nowMs();
    const pods: QueuedPod[] = [];
    for (const p of this.unschedulable.values()) {
      if (now - p.timestamp > this.maxInUnschedulable) pods.push(p);
    }
    if (pods.length > 0) this.movePods(pods, UnschedulableTimeout);
  }

  counts(): QueueCounts {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size };
  }

  /** Every queued pod (for debugging and tests). */
  pendingPods(): Pod[] {
    return [
      ...this.activeQ.list().map((p) => p.pod),
      ...this.backoffQ.list().map((p) => p.pod),
      ...[...this.unschedulable.values()].map((p) => p.pod),
    ];
  }

  /** Where a pod waits: 'active', 'backoff', 'unschedulable' or undefined. */
  whereIs(pod: Pod): 'active' | 'backoff' | 'unschedulable' | undefined {
    const key = podKey(pod);
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    return undefined;
  }

  /** Adds or updates a nomination (after a failed cycle); see {@link Nominator.add}. */
  addNominatedPod(pi: PodInfo, info?: NominatingInfo): void {
    this.nominator.add(pi, info);
  }

  /** When the pod's back-off ends, ms since epoch (upstream's getBackoffTime). */
  backoffExpiry(p: QueuedPod): number {
    return p.timestamp + this.backoffDuration(p.attempts);
  }

  /** 1 s doubling per attempt, capped at 10 s (upstream's calculateBackoffDuration). */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoff;
    for (let i = 1; i < attempts; i++) {
      if (d > this.maxBackoff - d) return this.maxBackoff;
      d += d;
    }
    return d;
  }

  private isBackingOff(p: QueuedPod): boolean {
    if (p.gated) return false;
    return this.backoffExpiry(p) > this.nowMs();
  }

  private requeue(p: QueuedPod): void {
    if (this.isBackingOff(p)) this.backoffQ.addOrUpdate(p);
    else this.addToActiveQ(p);
  }

  private movePods(pods: readonly QueuedPod[], event: QueueEvent): void {
    for (const p of pods) {
      if (p.unschedulablePlugins.size > 0 && !this.podMatchesEvent(p, event)) continue;
      if (this.isBackingOff(p)) {
        this.backoffQ.addOrUpdate(p);
        this.unschedulable.delete(p.key);
      } else if (this.addToActiveQ(p)) {
        this.unschedulable.delete(p.key);
      }
    }
  }

  private podMatchesEvent(p: QueuedPod, event: QueueEvent): boolean {
    if (isWildCard(event)) return true;
    for (const plugin of p.unschedulablePlugins) {
      const events = this.pluginEvents.get(plugin);
      if (!events) return true;
      for (const registered of events) if (eventMatches(registered, event)) return true;
    }
    return false;
  }

  private withMatchingAffinityTerm(pod: Pod): QueuedPod[] {
    const out: QueuedPod[] = [];
    let nsLabels: Readonly<Record<string, string>> | undefined;
    let looked = false;
    for (const p of this.unschedulable.values()) {
      for (const term of p.podInfo.requiredAffinityTerms) {
        if (term.namespaceSelector && !looked) {
          nsLabels = this.namespaceLabels?.(pod.metadata.namespace ?? '');
          looked = true;
        }
        if (termMatches(term, pod, nsLabels)) {
          out.push(p);
          break;
        }
      }
    }
    return out;
  }

  /**
   * Runs PreEnqueue and puts the pod in the active queue (true), or records it as gated in the
   * unschedulable set (false).
   */
  private addToActiveQ(p: QueuedPod): boolean {
    if (this.preEnqueue) {
      const s = this.preEnqueue(p.pod);
      if (!s.isSuccess()) {
        p.gated = true;
        p.gatingPlugin = s.plugin;
        this.unschedulable.set(p.key, p);
        return false;
      }
    }
    p.gated = false;
    p.gatingPlugin = '';
    this.activeQ.addOrUpdate(p);
    this.wake();
    return true;
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.activeQ.size > 0) {
      const resolve = this.waiters.shift()!;
      const p = this.activeQ.pop()!;
      this.startAttempt(p);
      resolve(p);
    }
  }

  private refresh(p: QueuedPod, newPod: Pod): PodInfo {
    p.podInfo = new PodInfo(newPod);
    return p.podInfo;
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}

/** Whether an update changed anything but resourceVersion, generation, managedFields and status. */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod): unknown => {
    const { resourceVersion: _rv, generation: _g, managedFields: _mf, ...meta } = p.metadata;
    return { ...p, metadata: meta, status: undefined };
  };
  return JSON.stringify(strip(oldPod)) !== JSON.stringify(strip(newPod));
}

function resourcesShrank(oldPod: Pod, newPod: Pod): boolean {
  const o = new PodInfo(oldPod).requests;
  const n = new PodInfo(newPod).requests;
  return n.milliCPU < o.milliCPU || n.memory < o.memory;
}
