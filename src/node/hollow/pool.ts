/**
 * @module A pool of hollow nodes in one process: each registers a Node and renews its Lease (renewals spread
 * over the interval), and the pods bound to them run without processes. One shared pod informer feeds all
 * nodes (routed by spec.nodeName); node/lease writes and pod writes go through two work queues with a
 * bounded number of workers.
 */
import { pino, type Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import type * as api from '../../api/openapi/generated/types.js';
import { statusErrorFrom, type KubeClient } from '../../client/client.js';
import { deletedObject, SharedInformer } from '../../client/informer/shared-informer.js';
import { objectKey, splitKey } from '../../client/informer/indexer.js';
import { LEASES, NODES, PODS, type Lease, type Node, type Pod } from '../../client/resources.js';
import { ItemExponentialFailureRateLimiter } from '../../client/workqueue/rate-limiter.js';
import { RateLimitingQueue } from '../../client/workqueue/rate-limiting-queue.js';
import { rfc3339Micro, systemClock, type TimerClock } from '../../util/clock.js';
import { hollowNodeIP, PodIPPool } from './ip-pool.js';
import { buildHollowNode, hollowNodeConditions, type HollowNodeOptions } from './node-template.js';
import { hollowPodStatus } from './pod-status.js';
import {
  cpuSeconds,
  DEFAULT_USAGE,
  type NodeUsage,
  podUsage,
  type PodUsage,
  type UsageDefaults,
} from './usage.js';
import { errorText } from '../../util/errors.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** How the pool runs; every field but `client` and `count` has a default. */
export interface HollowPoolOptions extends Partial<HollowNodeOptions> {
  client: KubeClient;
  /** Number of hollow nodes. */
  count: number;
  /** An informer over pods to share (any scope that includes bound pods); default: the pool's own. */
  podInformer?: SharedInformer<Pod>;
  /** Lease duration written on each Lease (upstream: 40 s). */
  leaseDurationSeconds?: number;
  /** Lease renewal period (upstream: a quarter of the duration, 10 s). */
  renewIntervalMs?: number;
  /** Node status is written at least this often (upstream nodeStatusReportFrequency: 5 min). */
  statusReportIntervalMs?: number;
  /** Granularity of the heartbeat schedule; renewals of nodes are spread over this many slots per interval. */
  tickMs?: number;
  /** Concurrent node and lease writes. */
  nodeWorkers?: number;
  /** Concurrent pod status writes and deletes. */
  podWorkers?: number;
  /** Simulated usage of pods without usage annotations. */
  usage?: UsageDefaults;
  clock?: TimerClock;
  logger?: Logger;
}

/** Counters of what the pool has done since it started. */
export interface HollowPoolStats {
  nodes: number;
  registered: number;
  leaseRenewals: number;
  nodeStatusWrites: number;
  podStatusWrites: number;
  podDeletes: number;
  writeErrors: number;
  pods: number;
}

interface NodeState {
  index: number;
  name: string;
  ip: string;
  uid?: string;
  registered: boolean;
  /** The Node object was deleted: the node stops heartbeating, as a kubelet whose node is gone. */
  gone: boolean;
  leaseExists: boolean;
  lastStatusAt: number;
  conditions: api.NodeCondition[];
  ips: PodIPPool;
  pods: Set<string>;
  /** CPU core-seconds of pods that left the node (keeps its usage counter monotonic). */
  pastCpuSeconds: number;
}

interface PodRecord {
  uid: string;
  node: NodeState;
  ip?: string;
  /** Signature and time of the last status written: a stale cache view must not write it again. */
  lastSig?: string;
  lastSigAt: number;
  deleteSent: boolean;
  usage?: PodUsage;
}

/** How long a written status is trusted to show up in the informer before it is written again. */
const WRITE_EXPECTATION_MS = 30_000;

type NodeWork = `r${number}` | `l${number}` | `s${number}`;

const PATCH_HEADERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  merge: { accept: 'application/json', 'content-type': 'application/merge-patch+json' },
  strategic: { accept: 'application/json', 'content-type': 'application/strategic-merge-patch+json' },
};

/** Where a pod's status is written (names and namespaces are DNS labels: nothing to escape). */
function podStatusPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${namespace}/pods/${name}/status`;
}

function leasePath(name: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases/${name}`;
}

/**
 * Spreads nodes over [0, 1) (golden-ratio sequence): node i's status report is due at this fraction of the
 * report interval after registration, so 10,000 nodes registered together do not all report in one tick.
 */
function reportPhase(index: number): number {
  return (index * 0.6180339887498949) % 1;
}

/**
 * N simulated kubelets. `start()` registers the nodes and begins heartbeats and pod handling; `stop()` ends
 * them (Nodes and Leases stay, as when a kubelet stops).
 */
export class HollowPool {
  readonly nodeOptions: HollowNodeOptions;
  private readonly client: KubeClient;
  private readonly clock: TimerClock;
  private readonly log: Logger;
  private readonly nodes: NodeState[] = [];
  private readonly byName = new Map<string, NodeState>();
  private readonly records = new Map<string, PodRecord>();
  private readonly nodeQueue: RateLimitingQueue<NodeWork>;
  private readonly podQueue: RateLimitingQueue<string>;
  private readonly informer: SharedInformer<Pod>;
  private readonly ownInformer: boolean;
  private readonly leaseDurationSeconds: number;
  private readonly renewIntervalMs: number;
  private readonly statusReportIntervalMs: number;
  private readonly tickMs: number;
  private readonly slots: number;
  private readonly usageDefaults: UsageDefaults;
  private readonly counters = {
    leaseRenewals: 0,
    nodeStatusWrites: 0,
    podStatusWrites: 0,
    podDeletes: 0,
    writeErrors: 0,
  };
  private readonly stopController = new AbortController();
  /** Query of the pool's raw writes (the client's field manager). */
  private readonly writeQuery: URLSearchParams;
  private workers: Promise<void>[] = [];
  private informerRun: Promise<void> | undefined;
  private tick = 0;
  private cancelTick: (() => void) | undefined;
  private registeredCount = 0;
  private registeredWaiters: Array<() => void> = [];
  private started = false;

  constructor(private readonly opts: HollowPoolOptions) {
    if (!Number.isInteger(opts.count) || opts.count < 0)
      throw new Error(`invalid hollow node count ${opts.count}`);
    this.client = opts.client;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'hollow' });
    this.nodeOptions = {
      namePrefix: opts.namePrefix ?? 'hollow-node-',
      templates: opts.templates ?? [],
      capacity: opts.capacity ?? {},
      gpus: opts.gpus,
      zones: opts.zones ?? [],
      labels: opts.labels ?? {},
      taints: opts.taints ?? [],
      taintHollow: opts.taintHollow ?? false,
      podBlockBits: opts.podBlockBits ?? 8,
      kubeletPort: opts.kubeletPort,
    };
    this.leaseDurationSeconds = opts.leaseDurationSeconds ?? 40;
    this.renewIntervalMs = opts.renewIntervalMs ?? 10_000;
    this.statusReportIntervalMs = opts.statusReportIntervalMs ?? 300_000;
    this.tickMs = Math.min(opts.tickMs ?? 100, this.renewIntervalMs);
    this.slots = Math.max(1, Math.round(this.renewIntervalMs / this.tickMs));
    this.usageDefaults = opts.usage ?? DEFAULT_USAGE;
    this.writeQuery = new URLSearchParams(
      this.client.fieldManager ? { fieldManager: this.client.fieldManager } : {},
    );
    const limiter = <T>(): ItemExponentialFailureRateLimiter<T> =>
      new ItemExponentialFailureRateLimiter<T>(200, 30_000);
    this.nodeQueue = new RateLimitingQueue<NodeWork>({ clock: this.clock, rateLimiter: limiter() });
    this.podQueue = new RateLimitingQueue<string>({ clock: this.clock, rateLimiter: limiter() });
    for (let i = 0; i < opts.count; i++) {
      const name = `${this.nodeOptions.namePrefix}${i}`;
      const state: NodeState = {
        index: i,
        name,
        ip: hollowNodeIP(i),
        registered: false,
        gone: false,
        leaseExists: false,
        lastStatusAt: 0,
        conditions: [],
        ips: new PodIPPool(i, this.nodeOptions.podBlockBits),
        pods: new Set(),
        pastCpuSeconds: 0,
      };
      this.nodes.push(state);
      this.byName.set(name, state);
    }
    this.ownInformer = !opts.podInformer;
    this.informer =
      opts.podInformer ??
      new SharedInformer<Pod>(this.client, PODS, {
        fieldSelector: 'spec.nodeName!=',
        clock: this.clock,
        logger: this.log,
      });
  }

  /** Names of the pool's nodes, in index order. */
  nodeNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  /** Registers the nodes and starts heartbeats, the pod informer (unless shared) and the workers. */
  start(): void {
    if (this.started) throw new Error('hollow pool already started');
    this.started = true;
    this.informer.addEventHandler({
      onAdd: (pod) => this.route(pod),
      onUpdate: (_old, pod) => this.route(pod),
      onDelete: (obj) => this.forget(deletedObject(obj)),
    });
    if (this.ownInformer) this.informerRun = this.informer.run(this.stopController.signal);
    const nodeWorkers = this.opts.nodeWorkers ?? 16;
    const podWorkers = this.opts.podWorkers ?? 128;
    for (let i = 0; i < nodeWorkers; i++)
      this.workers.push(this.work(this.nodeQueue, (w) => this.nodeWork(w)));
    for (let i = 0; i < podWorkers; i++) this.workers.push(this.work(this.podQueue, (k) => this.syncPod(k)));
    for (const n of this.nodes) this.nodeQueue.add(`r${n.index}`);
    this.armTick();
  }

  /** Resolves once every node has registered (true), or false if the pool stops or `signal` aborts first. */
  waitForRegistration(signal?: AbortSignal): Promise<boolean> {
    if (this.registeredCount === this.nodes.length) return Promise.resolve(true);
    return new Promise((resolve) => {
      const stop = AbortSignal.any([this.stopController.signal, ...(signal ? [signal] : [])]);
      if (stop.aborted) {
        resolve(false);
        return;
      }
      const onAbort = (): void => resolve(false);
      stop.addEventListener('abort', onAbort, { once: true });
      this.registeredWaiters.push(() => {
        stop.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** Resolves when the pod informer has its first list. */
  waitForPodSync(signal?: AbortSignal): Promise<boolean> {
    return this.informer.waitForSync(signal);
  }

  /** Stops heartbeats and workers (writes in flight finish); Nodes and Leases are left as they are. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.cancelTick?.();
    this.cancelTick = undefined;
    this.nodeQueue.shutDown();
    this.podQueue.shutDown();
    if (this.ownInformer) this.informer.stop();
    await Promise.all([...this.workers, this.informerRun]);
    this.workers = [];
  }

  stats(): HollowPoolStats {
    return {
      nodes: this.nodes.length,
      registered: this.registeredCount,
      pods: this.records.size,
      ...this.counters,
    };
  }

  /** The node's simulated usage now, or undefined for a name not in the pool. */
  nodeUsage(name: string): NodeUsage | undefined {
    const node = this.byName.get(name);
    if (!node) return undefined;
    const pods: PodUsage[] = [];
    for (const key of node.pods) {
      const u = this.records.get(key)?.usage;
      if (u) pods.push(u);
    }
    return { node: name, pods, pastCpuSeconds: node.pastCpuSeconds };
  }

  private route(pod: Pod): void {
    // The pool reads no managed fields; dropping them from its own cache takes about half of each pod's
    // memory (the cache holds every bound pod). A shared informer's objects are left alone.
    if (this.ownInformer && pod.metadata.managedFields) delete pod.metadata.managedFields;
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || !this.byName.has(nodeName)) return;
    this.podQueue.add(objectKey(pod));
  }

  private forget(pod: Pod): void {
    const key = objectKey(pod);
    const rec = this.records.get(key);
    if (rec && rec.uid === pod.metadata.uid) this.dropRecord(key, rec);
  }

  private dropRecord(key: string, rec: PodRecord): void {
    if (rec.ip) rec.node.ips.release(rec.ip);
    if (rec.usage) {
      const now = this.clock.now().getTime();
      for (const c of rec.usage.containers)
        rec.node.pastCpuSeconds += cpuSeconds(c.cpuMilli, c.startedAt, now);
    }
    rec.node.pods.delete(key);
    this.records.delete(key);
  }

  private async work<T>(queue: RateLimitingQueue<T>, fn: (item: T) => Promise<void>): Promise<void> {
    for (;;) {
      const item = await queue.get();
      if (item === undefined) return;
      try {
        await fn(item);
        queue.forget(item);
      } catch (err) {
        if (!this.stopController.signal.aborted) {
          this.counters.writeErrors++;
          this.log.warn({ item, err: errorText(err) }, 'hollow write failed; retrying');
          queue.addRateLimited(item);
        }
      } finally {
        queue.done(item);
      }
    }
  }

  /**
   * PATCH whose reply is not needed: the reply (the whole object) is not parsed, which is most of what a
   * write costs the pool. Throws the server's Status as a StatusError, as the client does.
   */
  private async patchQuietly(path: string, type: 'merge' | 'strategic', body: unknown): Promise<void> {
    const res = await this.client.transport.request({
      method: 'PATCH',
      path,
      query: this.writeQuery,
      headers: PATCH_HEADERS[type],
      body: JSON.stringify(body),
    });
    if (res.status < 200 || res.status > 299) throw statusErrorFrom(res.status, res.body);
  }

  // ---- nodes and leases ----

  private armTick(): void {
    if (this.stopController.signal.aborted) return;
    this.cancelTick = this.clock.setTimer(this.tickMs, () => {
      this.onTick();
      this.armTick();
    });
  }

  /** Queues the lease renewals (and due status reports) of the nodes in this tick's slot. */
  private onTick(): void {
    const slot = this.tick++ % this.slots;
    const now = this.clock.now().getTime();
    for (let i = slot; i < this.nodes.length; i += this.slots) {
      const n = this.nodes[i]!;
      if (!n.registered || n.gone) continue;
      this.nodeQueue.add(`l${i}`);
      if (now - n.lastStatusAt >= this.statusReportIntervalMs) this.nodeQueue.add(`s${i}`);
    }
  }

  private async nodeWork(w: NodeWork): Promise<void> {
    const node = this.nodes[Number(w.slice(1))]!;
    switch (w[0]) {
      case 'r':
        return this.register(node);
      case 'l':
        return this.renewLease(node);
      case 's':
        return this.reportStatus(node);
    }
  }

  private async register(node: NodeState): Promise<void> {
    if (node.registered) return;
    const now = this.clock.now();
    const desired = buildHollowNode(node.index, this.nodeOptions, now);
    let result: Node;
    try {
      result = await this.client.create(NODES, desired);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      result = await this.reconcileExisting(node.name, desired);
    }
    node.uid = result.metadata.uid;
    node.conditions = result.status?.conditions ?? desired.status!.conditions!;
    node.lastStatusAt = now.getTime() - reportPhase(node.index) * this.statusReportIntervalMs;
    node.registered = true;
    node.gone = false;
    this.registeredCount++;
    if (this.registeredCount === this.nodes.length) for (const w of this.registeredWaiters.splice(0)) w();
    this.nodeQueue.add(`l${node.index}`);
  }

  /** A node registered before (an agent restart): take its object over with this pool's labels, taints and status. */
  private async reconcileExisting(name: string, desired: Node): Promise<Node> {
    const existing = await this.client.get(NODES, name);
    const spec: api.NodeSpec = { ...existing.spec, taints: desired.spec?.taints };
    if (!spec.taints) delete spec.taints;
    if (!existing.spec?.podCIDR) {
      spec.podCIDR = desired.spec?.podCIDR;
      spec.podCIDRs = desired.spec?.podCIDRs;
    }
    await this.client.update(NODES, {
      ...existing,
      metadata: {
        ...existing.metadata,
        labels: { ...existing.metadata.labels, ...desired.metadata.labels },
        annotations: { ...existing.metadata.annotations, ...desired.metadata.annotations },
      },
      spec,
    });
    const conditions = hollowNodeConditions(this.clock.now(), existing.status?.conditions);
    return this.client.patch(
      NODES,
      name,
      { status: { ...desired.status, conditions } },
      { type: 'strategic', subresource: 'status' },
    );
  }

  private async renewLease(node: NodeState): Promise<void> {
    if (node.gone) return;
    const renewTime = rfc3339Micro(this.clock.now());
    if (node.leaseExists) {
      try {
        await this.patchQuietly(leasePath(node.name), 'merge', {
          spec: { holderIdentity: node.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime },
        });
        this.counters.leaseRenewals++;
        return;
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
        node.leaseExists = false;
      }
    }
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: node.name,
        namespace: NODE_LEASE_NAMESPACE,
        ...(node.uid
          ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }] }
          : {}),
      },
      spec: { holderIdentity: node.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime },
    };
    try {
      await this.client.create(LEASES, lease);
      node.leaseExists = true;
      this.counters.leaseRenewals++;
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      node.leaseExists = true;
      await this.renewLease(node);
    }
  }

  private async reportStatus(node: NodeState): Promise<void> {
    if (node.gone) return;
    const now = this.clock.now();
    const conditions = hollowNodeConditions(now, node.conditions);
    try {
      await this.patchQuietly(`/api/v1/nodes/${node.name}/status`, 'strategic', { status: { conditions } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
      node.gone = true;
      this.log.warn({ node: node.name }, 'hollow node object was deleted; it stops heartbeating');
      return;
    }
    node.conditions = conditions;
    node.lastStatusAt = now.getTime();
    this.counters.nodeStatusWrites++;
  }

  // ---- pods ----

  private async syncPod(key: string): Promise<void> {
    const pod = this.informer.store.get(key);
    if (!pod) return;
    const node = pod.spec?.nodeName ? this.byName.get(pod.spec.nodeName) : undefined;
    if (!node) return;
    const uid = pod.metadata.uid ?? '';
    let rec = this.records.get(key);
    if (!rec || rec.uid !== uid) {
      if (rec) this.dropRecord(key, rec);
      rec = { uid, node, lastSigAt: 0, deleteSent: false };
      this.records.set(key, rec);
      node.pods.add(key);
    }
    const { namespace, name } = splitKey(key);

    if (pod.metadata.deletionTimestamp) {
      // Nothing runs, so nothing to stop: finish the deletion at once, as the kubelet does after killing.
      if (rec.deleteSent && pod.metadata.deletionGracePeriodSeconds === 0) return;
      try {
        await this.client.delete(PODS, name, { namespace, gracePeriodSeconds: 0, preconditions: { uid } });
        this.counters.podDeletes++;
      } catch (err) {
        if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
      }
      rec.deleteSent = true;
      return;
    }

    if (!rec.ip) {
      const existing = pod.status?.podIP;
      if (pod.spec?.hostNetwork) rec.ip = node.ip;
      else if (existing) {
        node.ips.reserve(existing);
        rec.ip = existing;
      } else {
        rec.ip = node.ips.allocate();
        if (!rec.ip) {
          this.log.warn(
            { pod: key, node: node.name },
            'no free pod IP on the hollow node; the pod stays Pending',
          );
          return;
        }
      }
    }

    const now = this.clock.now();
    const result = hollowPodStatus(pod, { now, hostIP: node.ip, podIP: rec.ip });
    rec.usage = podUsage({ ...pod, status: result.status }, this.usageDefaults);
    if (result.nextAt !== undefined) this.podQueue.addAfter(key, result.nextAt - now.getTime() + 1);
    if (!result.changed) return;
    if (result.signature === rec.lastSig && now.getTime() - rec.lastSigAt < WRITE_EXPECTATION_MS) return;
    try {
      await this.patchQuietly(podStatusPath(namespace, name), 'strategic', {
        metadata: { uid },
        status: result.status,
      });
    } catch (err) {
      if (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict')) return;
      if (isStatusError(err, 'Invalid')) {
        this.log.warn({ pod: key, err: err.message }, 'hollow pod status refused');
        return;
      }
      throw err;
    }
    rec.lastSig = result.signature;
    rec.lastSigAt = now.getTime();
    this.counters.podStatusWrites++;
  }
}
