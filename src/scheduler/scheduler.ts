/**
 * @module The scheduler (upstream's pkg/scheduler Scheduler and schedule_one.go): informers feed the cache
 * and the queue; one loop pops a pod, runs the scheduling cycle on a fresh snapshot, assumes the pod on the
 * chosen node and starts its binding cycle without waiting for it (many bindings are in flight at once). A
 * failed pod gets PodScheduled=False, a FailedScheduling event and goes back to the queue.
 */
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import type { PodCondition } from '../api/openapi/generated/types.js';
import type { KubeClient } from '../client/client.js';
import {
  DeletedFinalStateUnknown,
  SharedInformerFactory,
  stripManagedFields,
  type SharedInformer,
} from '../client/informer/index.js';
import {
  EVENTS,
  NAMESPACES,
  NODES,
  type Namespace,
  type Node as ClientNode,
  type Pod as ClientPod,
  type PodDisruptionBudget,
  type Event as ClientEvent,
  PODS,
  POD_DISRUPTION_BUDGETS,
  REPLICA_SETS,
  REPLICATION_CONTROLLERS,
  SERVICES,
  STATEFUL_SETS,
} from '../client/resources.js';
import { rfc3339, systemClock, type TimerClock } from '../util/clock.js';
import { SchedulerCache } from './cache/cache.js';
import { Snapshot } from './cache/snapshot.js';
import { defaultConfiguration, type KubeSchedulerConfiguration } from './config.js';
import { EventRecorder, type EventSink } from './events.js';
import { Diagnosis, FitError, NoNodesAvailableError } from './fit-error.js';
import { CycleState } from './framework/cycle-state.js';
import type { ClusterEvent, NamespaceLister, SchedulerClient } from './framework/interface.js';
import { inTreeRegistry, type Registry } from './framework/registry.js';
import type { Framework } from './framework/runner.js';
import { Code, Status } from './framework/status.js';
import { PodInfo, type Node, type Pod } from './framework/types.js';
import type { WorkloadListers } from './plugins/pod-topology-spread/pod-topology-spread.js';
import { frameworkForPod, newProfiles, type ProfileMap } from './profile.js';
import {
  AssignedPodDelete,
  NamespaceChange,
  NodeAdd,
  UnscheduledPodDelete,
  nodeSchedulingPropertiesChange,
} from './queue/events.js';
import { CLEAR_NOMINATED_NODE, Nominator, type NominatingInfo } from './queue/nominator.js';
import { SchedulingQueue, type QueuedPod } from './queue/scheduling-queue.js';
import { PodScheduler, SchedulingError, type ScheduleResult } from './schedule-one.js';
import { errorText } from '../util/errors.js';

/** Upstream's v1.PodReasonUnschedulable and PodReasonSchedulerError. */
export const POD_REASON_UNSCHEDULABLE = 'Unschedulable';
export const POD_REASON_SCHEDULER_ERROR = 'SchedulerError';

export interface SchedulerOptions {
  client: KubeClient;
  /** Defaults to the default configuration (one default-scheduler profile). */
  config?: KubeSchedulerConfiguration;
  registry?: Registry;
  clock?: TimerClock;
  logger?: Logger;
  /** Binding cycles in flight before the loop waits for one to finish (default 1,000). */
  maxInFlightBindings?: number;
  /** Random source for ties between equally scored nodes. */
  rand?: () => number;
  /** Writes events (default: through `client`); tests and benchmarks may pass their own. */
  events?: EventRecorder;
}

/** Running totals, for logs, metrics and the benchmark. */
export interface SchedulerStats {
  scheduled: number;
  unschedulable: number;
  errors: number;
  bindFailures: number;
  /** Milliseconds spent in scheduling cycles (PreFilter to Permit), summed. */
  cycleMs: number;
  /** Milliseconds the binding cycles took, summed (they overlap). */
  bindingMs: number;
  inFlightBindings: number;
  /** The most binding cycles in flight at once so far. */
  maxInFlightBindings: number;
}

function isAssigned(pod: Pod): boolean {
  return !!pod.spec?.nodeName;
}

function asPod(obj: unknown): Pod {
  return (obj instanceof DeletedFinalStateUnknown ? obj.obj : obj) as Pod;
}

/**
 * The scheduler. `run(signal)` starts the informers, waits for their caches, then schedules until the signal
 * aborts; it resolves after in-flight bindings settle.
 */
export class Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly profiles: ProfileMap;
  readonly snapshot = new Snapshot();
  readonly podScheduler: PodScheduler;
  readonly events: EventRecorder;
  readonly informers: SharedInformerFactory;
  readonly stats: SchedulerStats = {
    scheduled: 0,
    unschedulable: 0,
    errors: 0,
    bindFailures: 0,
    cycleMs: 0,
    bindingMs: 0,
    inFlightBindings: 0,
    maxInFlightBindings: 0,
  };
  private readonly client: KubeClient;
  private readonly clock: TimerClock;
  private readonly log: Logger;
  private readonly maxInFlight: number;
  /** The pods the scheduler sees (finished ones excluded). */
  readonly podInformer: SharedInformer<ClientPod>;
  private readonly nodeInformer: SharedInformer<ClientNode>;
  private readonly namespaceInformer: SharedInformer<Namespace>;
  private readonly pdbInformer: SharedInformer<PodDisruptionBudget>;
  private bindingSlots: Array<() => void> = [];
  private bindingsIdle: Array<() => void> = [];
  private readonly bindings = new Set<Promise<void>>();

  constructor(opts: SchedulerOptions) {
    const config = opts.config ?? defaultConfiguration();
    this.client = opts.client;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'scheduler' });
    this.maxInFlight = opts.maxInFlightBindings ?? 1000;
    this.cache = new SchedulerCache({ clock: this.clock });
    this.informers = new SharedInformerFactory(opts.client, {
      clock: this.clock,
      logger: this.log,
      informerOptions: { transform: stripManagedFields },
    });
    // As upstream: finished pods hold no resources, so they leave the scheduler's view (as deletions).
    this.podInformer = this.informers.informerFor(PODS, {
      fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
    });
    this.nodeInformer = this.informers.informerFor(NODES);
    this.namespaceInformer = this.informers.informerFor(NAMESPACES);
    this.pdbInformer = this.informers.informerFor(POD_DISRUPTION_BUDGETS);
    const services = this.informers.informerFor(SERVICES);
    const replicaSets = this.informers.informerFor(REPLICA_SETS);
    const statefulSets = this.informers.informerFor(STATEFUL_SETS);
    const rcs = this.informers.informerFor(REPLICATION_CONTROLLERS);
    const listers: WorkloadListers = {
      services: (ns) => services.store.byIndex('namespace', ns),
      replicaSet: (ns, name) => replicaSets.store.getByName(ns, name),
      statefulSet: (ns, name) => statefulSets.store.getByName(ns, name),
      replicationController: (ns, name) => rcs.store.getByName(ns, name),
    };
    const namespaces: NamespaceLister = {
      get: (name) => this.namespaceInformer.store.get(name),
      list: () => this.namespaceInformer.store.list(),
    };
    const nominator = new Nominator((ns, name) => this.podInformer.store.getByName(ns, name));
    const registry = withWorkloadListers(opts.registry ?? inTreeRegistry(), listers);
    this.profiles = newProfiles(config, registry, {
      client: schedulerClient(opts.client),
      snapshot: () => this.snapshot,
      namespaces,
      podDisruptionBudgets: () => this.pdbInformer.store.list(),
      nominator,
      clock: this.clock,
    });
    const first = this.profiles.values().next().value!;
    const pluginEvents = new Map<string, ClusterEvent[]>();
    for (const fwk of this.profiles.values())
      for (const [k, v] of fwk.eventsToRegister()) pluginEvents.set(k, v);
    this.queue = new SchedulingQueue({
      clock: this.clock,
      less: first.queueSortLess(),
      podInitialBackoffMs: config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: config.podMaxBackoffSeconds * 1000,
      preEnqueue: (pod) => frameworkForPod(this.profiles, pod)?.runPreEnqueuePlugins(pod) ?? Status.success(),
      pluginEvents,
      nominator,
      namespaceLabels: (ns) => this.namespaceInformer.store.get(ns)?.metadata.labels,
    });
    this.podScheduler = new PodScheduler(this.snapshot, opts.rand);
    this.events =
      opts.events ??
      new EventRecorder({
        sink: eventSink(opts.client),
        clock: this.clock,
        component: first.profileName,
        instance: `${first.profileName}-${hostname()}`,
        logger: this.log,
      });
    this.registerHandlers();
  }

  private responsibleFor(pod: Pod): boolean {
    return frameworkForPod(this.profiles, pod) !== undefined;
  }

  private registerHandlers(): void {
    const node = (o: unknown): Node => (o instanceof DeletedFinalStateUnknown ? o.obj : o) as Node;
    this.nodeInformer.addEventHandler({
      onAdd: (n) => this.onNodeAdd(node(n)),
      onUpdate: (o, n) => this.onNodeUpdate(node(o), node(n)),
      onDelete: (n) => this.onNodeDelete(node(n)),
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.onPodAdd(asPod(p)),
      onUpdate: (o, n) => this.onPodUpdate(asPod(o), asPod(n)),
      onDelete: (p) => this.onPodDelete(asPod(p)),
    });
    this.namespaceInformer.addEventHandler({
      onUpdate: (oldNs, newNs) => {
        if (JSON.stringify(oldNs.metadata.labels ?? {}) !== JSON.stringify(newNs.metadata.labels ?? {})) {
          this.queue.moveAllToActiveOrBackoffQueue(NamespaceChange);
        }
      },
    });
  }

  private onNodeAdd(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoffQueue(NodeAdd);
  }

  private onNodeUpdate(oldNode: Node, newNode: Node): void {
    this.cache.updateNode(oldNode, newNode);
    for (const ev of nodeSchedulingPropertiesChange(newNode, oldNode))
      this.queue.moveAllToActiveOrBackoffQueue(ev);
  }

  private onNodeDelete(node: Node): void {
    try {
      this.cache.removeNode(node);
    } catch (err) {
      this.log.error({ err: errorText(err), node: node.metadata.name }, 'scheduler cache RemoveNode failed');
    }
  }

  private onPodAdd(pod: Pod): void {
    if (isAssigned(pod)) this.addPodToCache(pod);
    else if (this.responsibleFor(pod)) this.queue.add(pod);
  }

  private onPodUpdate(oldPod: Pod, newPod: Pod): void {
    if (isAssigned(newPod)) {
      if (isAssigned(oldPod) && oldPod.metadata.uid === newPod.metadata.uid) {
        this.updatePodInCache(oldPod, newPod);
        return;
      }
      // Just bound (by us or another scheduler): it leaves the queue and enters the cache.
      if (!isAssigned(oldPod) && this.responsibleFor(oldPod)) this.deletePodFromQueue(oldPod, false);
      this.addPodToCache(newPod);
      return;
    }
    if (this.responsibleFor(newPod)) {
      if (oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return;
      if (this.cache.isAssumedPod(newPod)) return;
      this.queue.update(oldPod, newPod);
    } else if (this.responsibleFor(oldPod)) {
      this.deletePodFromQueue(oldPod, true);
    }
  }

  private onPodDelete(pod: Pod): void {
    if (isAssigned(pod)) this.deletePodFromCache(pod);
    else if (this.responsibleFor(pod)) this.deletePodFromQueue(pod, true);
  }

  private addPodToCache(pod: Pod): void {
    try {
      this.cache.addPod(pod);
    } catch (err) {
      this.log.error({ err: errorText(err), pod: podRef(pod) }, 'scheduler cache AddPod failed');
    }
    this.queue.assignedPodAdded(pod);
  }

  private updatePodInCache(oldPod: Pod, newPod: Pod): void {
    try {
      this.cache.updatePod(oldPod, newPod);
    } catch (err) {
      this.log.error({ err: errorText(err), pod: podRef(newPod) }, 'scheduler cache UpdatePod failed');
    }
    this.queue.assignedPodUpdated(oldPod, newPod);
  }

  private deletePodFromCache(pod: Pod): void {
    try {
      this.cache.removePod(pod);
    } catch (err) {
      this.log.error({ err: errorText(err), pod: podRef(pod) }, 'scheduler cache RemovePod failed');
    }
    for (const fwk of this.profiles.values()) fwk.rejectWaitingPod(pod.metadata.uid ?? '');
    this.queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete);
  }

  /** An unscheduled pod left the queue: deleted (`deleted`), or bound / handed to another scheduler. */
  private deletePodFromQueue(pod: Pod, deleted: boolean): void {
    this.queue.delete(pod);
    const fwk = frameworkForPod(this.profiles, pod);
    if (fwk?.rejectWaitingPod(pod.metadata.uid ?? '')) {
      this.queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete);
    } else if (deleted) {
      this.queue.moveAllToActiveOrBackoffQueue(UnscheduledPodDelete);
    }
  }

  /**
   * Starts the informers, waits for their first lists, then schedules until `signal` aborts. Resolves once
   * the loop has stopped and in-flight bindings settled.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.informers.start(signal);
    const synced = await this.informers.waitForCacheSync(signal);
    if (!synced || signal.aborted) {
      await this.informers.shutdown();
      return;
    }
    this.log.info(
      { profiles: [...this.profiles.keys()], nodes: this.cache.nodeCount() },
      'scheduler started',
    );
    this.queue.run();
    const onAbort = (): void => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.loop(signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.queue.close();
      await this.waitForBindings();
      await this.events.flush();
      await this.informers.shutdown();
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let sliceStart = performance.now();
    while (!signal.aborted) {
      const p = this.queue.tryPop() ?? (await this.queue.pop());
      if (!p) return;
      await this.scheduleOne(p);
      if (this.stats.inFlightBindings >= this.maxInFlight) {
        await new Promise<void>((resolve) => this.bindingSlots.push(resolve));
      }
      // Let I/O (watch events, binding responses) in regularly: the cycle itself never waits.
      if (performance.now() - sliceStart > 5) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }

  /** One scheduling cycle for a popped pod; its binding cycle continues in the background. */
  async scheduleOne(p: QueuedPod): Promise<void> {
    const pod = p.pod;
    const fwk = frameworkForPod(this.profiles, pod);
    if (!fwk) {
      this.log.error({ pod: podRef(pod), schedulerName: pod.spec?.schedulerName }, 'no profile for pod');
      return;
    }
    if (pod.metadata.deletionTimestamp || this.cache.isAssumedPod(pod)) return;
    const start = performance.now();
    this.cache.updateSnapshot(this.snapshot);
    const state = new CycleState();
    let result: ScheduleResult;
    try {
      result = this.podScheduler.schedulePod(fwk, state, pod);
    } catch (err) {
      await this.onScheduleError(fwk, state, p, err, start);
      return;
    }
    const host = result.suggestedHost;
    const assumed: Pod = { ...pod, spec: { ...pod.spec!, nodeName: host } };
    try {
      this.cache.assumePod(assumed);
    } catch (err) {
      this.stats.cycleMs += performance.now() - start;
      this.handleSchedulingFailure(fwk, p, Status.error(errorText(err)), CLEAR_NOMINATED_NODE);
      return;
    }
    this.queue.nominator.delete(assumed);
    const reserve = fwk.runReservePluginsReserve(state, assumed, host);
    if (!reserve.isSuccess()) {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      this.forget(assumed);
      this.stats.cycleMs += performance.now() - start;
      this.handleSchedulingFailure(fwk, p, this.rejectionAt(pod, host, reserve), CLEAR_NOMINATED_NODE);
      return;
    }
    const permit = fwk.runPermitPlugins(state, assumed, host);
    if (permit.code !== Code.Wait && !permit.isSuccess()) {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      this.forget(assumed);
      this.stats.cycleMs += performance.now() - start;
      this.handleSchedulingFailure(fwk, p, this.rejectionAt(pod, host, permit), CLEAR_NOMINATED_NODE);
      return;
    }
    this.stats.cycleMs += performance.now() - start;
    if (++this.stats.inFlightBindings > this.stats.maxInFlightBindings) {
      this.stats.maxInFlightBindings = this.stats.inFlightBindings;
    }
    const binding = this.bindingCycle(fwk, state, p, assumed, host);
    this.bindings.add(binding);
    void binding.finally(() => {
      this.bindings.delete(binding);
      this.stats.inFlightBindings--;
      const next = this.bindingSlots.shift();
      next?.();
      if (this.bindings.size === 0) {
        const w = this.bindingsIdle;
        this.bindingsIdle = [];
        for (const resolve of w) resolve();
      }
    });
  }

  /** A status for a rejection at Reserve or Permit: a one-node FitError as upstream. */
  private rejectionAt(pod: Pod, host: string, s: Status): Status {
    if (!s.isRejected()) return s;
    const d = new Diagnosis();
    d.nodeToStatus.set(host, s);
    d.addPluginStatus(s);
    return failure(s.code, new FitError(pod, 1, d));
  }

  private async onScheduleError(
    fwk: Framework,
    state: CycleState,
    p: QueuedPod,
    err: unknown,
    start: number,
  ): Promise<void> {
    const pod = p.pod;
    let status: Status;
    let nominating: NominatingInfo | undefined = CLEAR_NOMINATED_NODE;
    if (err instanceof NoNodesAvailableError) {
      status = failure(Code.UnschedulableAndUnresolvable, err);
    } else if (err instanceof FitError) {
      nominating = undefined;
      if (fwk.hasPostFilterPlugins()) {
        const r = await fwk.runPostFilterPlugins(state, pod, err.diagnosis.nodeToStatus);
        err.diagnosis.postFilterMsg = r.status.message();
        if (r.status.code === Code.Error) {
          this.log.error({ pod: podRef(pod), err: r.status.message() }, 'PostFilter failed');
        }
        if (r.result) nominating = { mode: 'override', nominatedNodeName: r.result.nominatedNodeName };
      }
      status = failure(Code.Unschedulable, err);
    } else if (err instanceof SchedulingError) {
      status = err.status;
    } else {
      status = Status.error(errorText(err));
    }
    this.stats.cycleMs += performance.now() - start;
    this.handleSchedulingFailure(fwk, p, status, nominating);
  }

  private async bindingCycle(
    fwk: Framework,
    state: CycleState,
    p: QueuedPod,
    assumed: Pod,
    host: string,
  ): Promise<void> {
    const start = performance.now();
    let status = await fwk.waitOnPermit(assumed);
    if (status.isSuccess()) status = await fwk.runPreBindPlugins(state, assumed, host);
    if (status.isSuccess()) {
      status = await fwk.runBindPlugins(state, assumed, host);
      this.cache.finishBinding(assumed);
    }
    this.stats.bindingMs += performance.now() - start;
    if (!status.isSuccess()) {
      this.stats.bindFailures++;
      this.handleBindingCycleError(fwk, state, p, assumed, host, status);
      return;
    }
    this.stats.scheduled++;
    this.log.debug({ pod: podRef(assumed), node: host }, 'Successfully bound pod to node');
    this.events.eventf(
      assumed,
      'Normal',
      'Scheduled',
      'Binding',
      `Successfully assigned ${assumed.metadata.namespace}/${assumed.metadata.name} to ${host}`,
    );
    fwk.runPostBindPlugins(state, assumed, host);
  }

  private handleBindingCycleError(
    fwk: Framework,
    state: CycleState,
    p: QueuedPod,
    assumed: Pod,
    host: string,
    status: Status,
  ): void {
    fwk.runReservePluginsUnreserve(state, assumed, host);
    if (this.forget(assumed)) {
      // The assumed pod held room on the node: its release is like a pod deletion for the others.
      const uid = assumed.metadata.uid;
      this.queue.moveAllToActiveOrBackoffQueue(
        AssignedPodDelete,
        status.isRejected() ? (other) => other.metadata.uid !== uid : undefined,
      );
    }
    this.handleSchedulingFailure(
      fwk,
      p,
      status.isRejected() ? this.rejectionAt(p.pod, host, status) : status,
      CLEAR_NOMINATED_NODE,
    );
  }

  private forget(assumed: Pod): boolean {
    try {
      this.cache.forgetPod(assumed);
      return true;
    } catch (err) {
      this.log.error({ err: errorText(err), pod: podRef(assumed) }, 'scheduler cache ForgetPod failed');
      return false;
    }
  }

  /**
   * Upstream's handleSchedulingFailure: records which plugins rejected the pod, puts the informer's current
   * copy back in the queue (unless it got bound or deleted meanwhile), updates the nomination, and reports
   * the failure as a FailedScheduling event and the PodScheduled=False condition.
   */
  private handleSchedulingFailure(
    fwk: Framework,
    p: QueuedPod,
    status: Status,
    nominating: NominatingInfo | undefined,
  ): void {
    const reason = status.isRejected() ? POD_REASON_UNSCHEDULABLE : POD_REASON_SCHEDULER_ERROR;
    if (reason === POD_REASON_UNSCHEDULABLE) this.stats.unschedulable++;
    else this.stats.errors++;
    const pod = p.pod;
    const err = status.error;
    const errMsg = err ? err.message : status.message();
    if (err instanceof FitError) {
      p.unschedulablePlugins = new Set(err.diagnosis.unschedulablePlugins);
      p.pendingPlugins = new Set(err.diagnosis.pendingPlugins);
      this.log.debug({ pod: podRef(pod), err: errMsg }, 'Unable to schedule pod; no fit; waiting');
    } else if (err instanceof NoNodesAvailableError) {
      p.unschedulablePlugins = new Set();
      p.pendingPlugins = new Set();
      this.log.debug(
        { pod: podRef(pod) },
        'Unable to schedule pod; no nodes are registered to the cluster; waiting',
      );
    } else {
      p.unschedulablePlugins = new Set();
      p.pendingPlugins = new Set();
      this.log.info({ pod: podRef(pod), err: errMsg }, 'Error scheduling pod; retrying');
    }
    const cached = this.podInformer.store.getByName(pod.metadata.namespace ?? '', pod.metadata.name ?? '') as
      Pod | undefined;
    if (!cached) {
      this.log.debug({ pod: podRef(pod) }, "Pod doesn't exist in informer cache");
    } else if (cached.spec?.nodeName) {
      this.log.debug(
        { pod: podRef(pod), node: cached.spec.nodeName },
        'Pod has been assigned to node. Abort adding it back to queue.',
      );
    } else {
      p.podInfo = new PodInfo(cached);
      try {
        this.queue.addUnschedulableIfNotPresent(p, this.queue.schedulingCycle());
      } catch (e) {
        this.log.error({ err: errorText(e), pod: podRef(pod) }, 'Error occurred');
      }
    }
    this.queue.addNominatedPod(p.podInfo, nominating);
    this.events.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', errMsg);
    void this.updatePodCondition(
      cached ?? pod,
      { type: 'PodScheduled', status: 'False', reason, message: errMsg },
      nominating,
    );
  }

  /** Sets the PodScheduled condition (and nominatedNodeName) unless nothing would change (upstream's updatePod). */
  private async updatePodCondition(
    pod: Pod,
    condition: PodCondition,
    nominating: NominatingInfo | undefined,
  ): Promise<void> {
    const current = pod.status?.conditions?.find((c) => c.type === condition.type);
    const nnn = pod.status?.nominatedNodeName ?? '';
    const nnnNeedsUpdate = nominating?.mode === 'override' && nnn !== nominating.nominatedNodeName;
    const unchanged =
      current !== undefined &&
      current.status === condition.status &&
      current.reason === condition.reason &&
      current.message === condition.message;
    if (unchanged && !nnnNeedsUpdate) return;
    const transition =
      current && current.status === condition.status && current.lastTransitionTime
        ? current.lastTransitionTime
        : rfc3339(this.clock.now());
    const status: Record<string, unknown> = {
      conditions: [{ ...condition, lastProbeTime: null, lastTransitionTime: transition }],
    };
    if (nnnNeedsUpdate) status['nominatedNodeName'] = nominating.nominatedNodeName || null;
    try {
      await this.client.patch(
        PODS,
        pod.metadata.name ?? '',
        { status },
        {
          type: 'strategic',
          namespace: pod.metadata.namespace,
          subresource: 'status',
        },
      );
    } catch (err) {
      this.log.debug({ err: errorText(err), pod: podRef(pod) }, 'Error updating pod');
    }
  }

  /** Resolves when no binding cycle is in flight. */
  waitForBindings(): Promise<void> {
    if (this.bindings.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.bindingsIdle.push(resolve));
  }
}

/** A non-success status carrying an error (upstream's NewStatus(code).WithError(err)). */
function failure(code: Code, err: Error): Status {
  const s = Status.of(code, err.message);
  Object.defineProperty(s, 'error', { value: err, enumerable: false });
  return s;
}

function podRef(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** The API calls plugins make, over a KubeClient. */
export function schedulerClient(client: KubeClient): SchedulerClient {
  return {
    bind: (pod, nodeName) =>
      // The pod's uid makes the binding fail, rather than bind a pod re-created under the same name.
      client.bindPod(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', nodeName, {
        uid: pod.metadata.uid,
      }),
    patchPod: (pod, patch, subresource) =>
      client.patch(PODS, pod.metadata.name ?? '', patch, {
        type: 'strategic',
        namespace: pod.metadata.namespace,
        ...(subresource ? { subresource } : {}),
      }),
    deletePod: async (pod, opts) => {
      await client.delete(PODS, pod.metadata.name ?? '', {
        namespace: pod.metadata.namespace,
        ...(opts?.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
        ...(opts?.preconditionUid ? { preconditions: { uid: opts.preconditionUid } } : {}),
      });
    },
  };
}

/** Events through a KubeClient: create, and a merge patch of count and lastTimestamp for repeats. */
export function eventSink(client: KubeClient): EventSink {
  return {
    create: (e) =>
      client.create(EVENTS, e as unknown as ClientEvent, {
        namespace: e.metadata.namespace,
      }),
    update: async (namespace, name, count, lastTimestamp) => {
      await client.patch(EVENTS, name, { count, lastTimestamp }, { type: 'merge', namespace });
    },
  };
}

function withWorkloadListers(registry: Registry, listers: WorkloadListers): Registry {
  const pts = registry.get('PodTopologySpread');
  if (!pts) return registry;
  const out = new Map(registry);
  out.set('PodTopologySpread', (args, handle) => pts({ ...(args ?? {}), listers }, handle));
  return out;
}
