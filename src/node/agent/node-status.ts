/**
 * @module The Node object as the kubelet registers and reports it: capacity and allocatable (reservations and
 * hard eviction thresholds subtracted), well-known labels, addresses, nodeInfo, daemon endpoints, GPUs, and
 * the Ready / MemoryPressure / DiskPressure / PIDPressure conditions from upstream's default eviction thresholds.
 * {@link NodeStatusReporter} registers the node and patches its status on change and at least every 5 minutes.
 */
import type { Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import type * as api from '../../api/openapi/generated/types.js';
import type { KubeClient } from '../../client/client.js';
import { NODES, type Node } from '../../client/resources.js';
import { rfc3339, type TimerClock } from '../../util/clock.js';
import { deepEqual } from '../../util/deep-equal.js';
import type { AgentEvents } from './events.js';
import type { MachineInfo, ResourceSample } from './machine.js';
import { quantityNumber } from './pod-status.js';

export const KUBELET_VERSION = 'v1.32.4-skiff';

/** Upstream's default hard eviction thresholds (Linux), plus a PID threshold upstream leaves unset. */
export interface EvictionThresholds {
  memoryAvailableBytes: number;
  nodefsAvailablePercent: number;
  nodefsInodesFreePercent: number;
  /** The image filesystem is the data directory's filesystem on this node. */
  imagefsAvailablePercent: number;
  /** pid.available below this share of pid_max means PIDPressure (upstream has no default; Skiff uses 5%). */
  pidAvailablePercent: number;
}

export const DEFAULT_EVICTION_HARD: EvictionThresholds = {
  memoryAvailableBytes: 100 * 2 ** 20,
  nodefsAvailablePercent: 10,
  nodefsInodesFreePercent: 5,
  imagefsAvailablePercent: 15,
  pidAvailablePercent: 5,
};

/** The node-level settings (from flags, or a hollow node's template). */
export interface NodeConfig {
  nodeName: string;
  /** The agent's HTTP port (logs/exec), as daemonEndpoints.kubeletEndpoint.Port. */
  kubeletPort: number;
  /** e.g. `skiff-process://0.1.0`. */
  containerRuntimeVersion: string;
  maxPods?: number;
  /** --system-reserved and --kube-reserved (`{cpu: '500m', memory: '1Gi'}`), subtracted from allocatable. */
  systemReserved?: Record<string, string>;
  kubeReserved?: Record<string, string>;
  evictionHard?: EvictionThresholds;
  /** node.kubernetes.io/instance-type. */
  instanceType?: string;
  /** Extra labels (--node-labels). */
  labels?: Record<string, string>;
  /** Taints to register with (--register-with-taints). */
  taints?: api.Taint[];
  /** GPUs to advertise (--gpus/--gpu-memory); else the machine's NVIDIA GPUs, if any. */
  gpus?: { count: number; memoryBytesPerDevice: number };
}

function ki(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

function bytesQuantity(bytes: number): string {
  for (const [suffix, unit] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

function reserved(config: NodeConfig, name: string): number {
  let n = 0;
  for (const list of [config.systemReserved, config.kubeReserved]) {
    const q = list?.[name];
    if (q !== undefined) n += quantityNumber(q);
  }
  return Number.isFinite(n) ? n : 0;
}

/** status.capacity. */
export function nodeCapacity(machine: MachineInfo, config: NodeConfig): Record<string, string> {
  const cap: Record<string, string> = {
    cpu: String(machine.cpus),
    'ephemeral-storage': ki(machine.ephemeralStorageBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: ki(machine.memoryBytes),
    pods: String(config.maxPods ?? 110),
  };
  const gpus = config.gpus ?? machine.gpus;
  if (gpus && gpus.count > 0) {
    cap['nvidia.com/gpu'] = String(gpus.count);
    cap['koordinator.sh/gpu-core'] = String(100 * gpus.count);
    cap['koordinator.sh/gpu-memory'] = bytesQuantity(gpus.memoryBytesPerDevice * gpus.count);
  }
  return cap;
}

/** status.allocatable: capacity minus system/kube reservations and the hard eviction thresholds. */
export function nodeAllocatable(machine: MachineInfo, config: NodeConfig): Record<string, string> {
  const cap = nodeCapacity(machine, config);
  const ev = config.evictionHard ?? DEFAULT_EVICTION_HARD;
  const alloc: Record<string, string> = { ...cap };
  const milli = Math.max(0, machine.cpus * 1000 - Math.round(reserved(config, 'cpu') * 1000));
  alloc['cpu'] = milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  const mem = Math.max(0, machine.memoryBytes - reserved(config, 'memory') - ev.memoryAvailableBytes);
  alloc['memory'] = ki(mem);
  const disk = Math.max(
    0,
    Math.floor(
      machine.ephemeralStorageBytes -
        reserved(config, 'ephemeral-storage') -
        (machine.ephemeralStorageBytes * ev.nodefsAvailablePercent) / 100,
    ),
  );
  alloc['ephemeral-storage'] = String(disk);
  return alloc;
}

/** The labels the kubelet sets on its Node (kubernetes.io/* and the deprecated beta.* twins). */
export function nodeLabels(machine: MachineInfo, config: NodeConfig): Record<string, string> {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': machine.architecture,
    'beta.kubernetes.io/os': machine.operatingSystem,
    'kubernetes.io/arch': machine.architecture,
    'kubernetes.io/hostname': config.nodeName,
    'kubernetes.io/os': machine.operatingSystem,
  };
  if (config.instanceType) {
    labels['node.kubernetes.io/instance-type'] = config.instanceType;
    labels['beta.kubernetes.io/instance-type'] = config.instanceType;
  }
  return { ...labels, ...config.labels };
}

interface ConditionSpec {
  type: string;
  bad: boolean;
  good: [reason: string, message: string];
  badText: [reason: string, message: string];
}

/** The four node conditions; lastTransitionTime kept from `prev` while a condition's status holds. */
export function nodeConditions(
  sample: ResourceSample,
  thresholds: EvictionThresholds,
  prev: readonly api.NodeCondition[] | undefined,
  now: Date,
  ready: { ok: boolean; message?: string } = { ok: true },
): api.NodeCondition[] {
  const pct = (free: number, total: number): number => (total > 0 ? (100 * free) / total : 100);
  const memoryPressure = sample.memoryAvailableBytes < thresholds.memoryAvailableBytes;
  const diskPressure =
    pct(sample.fsAvailableBytes, sample.fsCapacityBytes) < thresholds.nodefsAvailablePercent ||
    pct(sample.fsAvailableBytes, sample.fsCapacityBytes) < thresholds.imagefsAvailablePercent ||
    (sample.inodes > 0 && pct(sample.inodesFree, sample.inodes) < thresholds.nodefsInodesFreePercent);
  const pidPressure = pct(sample.pidMax - sample.pidsInUse, sample.pidMax) < thresholds.pidAvailablePercent;
  const specs: ConditionSpec[] = [
    {
      type: 'MemoryPressure',
      bad: memoryPressure,
      good: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      badText: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
    },
    {
      type: 'DiskPressure',
      bad: diskPressure,
      good: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      badText: ['KubeletHasDiskPressure', 'kubelet has disk pressure'],
    },
    {
      type: 'PIDPressure',
      bad: pidPressure,
      good: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      badText: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
    },
  ];
  const stamp = rfc3339(now);
  const out: api.NodeCondition[] = specs.map((s) => {
    const status = s.bad ? 'True' : 'False';
    const [reason, message] = s.bad ? s.badText : s.good;
    return condition(s.type, status, reason, message, prev, stamp);
  });
  out.push(
    ready.ok
      ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', prev, stamp)
      : condition(
          'Ready',
          'False',
          'KubeletNotReady',
          ready.message ?? 'container runtime is down',
          prev,
          stamp,
        ),
  );
  return out;
}

function condition(
  type: string,
  status: string,
  reason: string,
  message: string,
  prev: readonly api.NodeCondition[] | undefined,
  now: string,
): api.NodeCondition {
  const p = prev?.find((c) => c.type === type);
  return {
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: p && p.status === status && p.lastTransitionTime ? p.lastTransitionTime : now,
    reason,
    message,
  };
}

/** status.nodeInfo. */
export function nodeInfo(machine: MachineInfo, config: NodeConfig): api.NodeSystemInfo {
  return {
    architecture: machine.architecture,
    bootID: machine.bootID,
    containerRuntimeVersion: config.containerRuntimeVersion,
    kernelVersion: machine.kernelVersion,
    kubeProxyVersion: '',
    kubeletVersion: KUBELET_VERSION,
    machineID: machine.machineID,
    operatingSystem: machine.operatingSystem,
    osImage: machine.osImage,
    systemUUID: machine.systemUUID,
  };
}

/** The whole status the kubelet reports. */
export function nodeStatus(
  machine: MachineInfo,
  config: NodeConfig,
  conditions: api.NodeCondition[],
): api.NodeStatus {
  return {
    capacity: nodeCapacity(machine, config),
    allocatable: nodeAllocatable(machine, config),
    conditions,
    addresses: [
      { type: 'InternalIP', address: machine.internalIP },
      { type: 'Hostname', address: machine.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: config.kubeletPort } },
    nodeInfo: nodeInfo(machine, config),
  };
}

/** The Node the kubelet registers. */
export function initialNode(machine: MachineInfo, config: NodeConfig, status: api.NodeStatus): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: config.nodeName, labels: nodeLabels(machine, config) },
    spec: config.taints?.length ? { taints: config.taints } : {},
    status,
  };
}

function withoutHeartbeats(s: api.NodeStatus | undefined): unknown {
  if (!s) return undefined;
  return { ...s, conditions: s.conditions?.map(({ lastHeartbeatTime: _h, ...c }) => c) };
}

export interface NodeStatusReporterOptions {
  client: KubeClient;
  clock: TimerClock;
  logger?: Logger;
  machine: MachineInfo;
  config: NodeConfig;
  sample(): ResourceSample;
  events?: AgentEvents;
  /** How often the status is computed (upstream's nodeStatusUpdateFrequency, 10 s). */
  updateFrequencyMs?: number;
  /** Longest time without a status write (upstream's nodeStatusReportFrequency, 5 min). */
  reportFrequencyMs?: number;
  /** Whether the runtime works (Ready condition). */
  runtimeReady?(): { ok: boolean; message?: string };
}

const CONDITION_EVENT: Record<string, [string, string]> = {
  MemoryPressure: ['NodeHasSufficientMemory', 'NodeHasInsufficientMemory'],
  DiskPressure: ['NodeHasNoDiskPressure', 'NodeHasDiskPressure'],
  PIDPressure: ['NodeHasSufficientPID', 'NodeHasInsufficientPID'],
  Ready: ['NodeNotReady', 'NodeReady'],
};

/** Registers the Node and keeps its status current. */
export class NodeStatusReporter {
  private last: api.NodeStatus | undefined;
  private lastReport = 0;
  private cancel: (() => void) | undefined;
  private stopped = false;
  private writing: Promise<void> | undefined;
  node: Node | undefined;
  /** Status writes done (for tests and benchmarks). */
  writes = 0;

  constructor(private readonly opts: NodeStatusReporterOptions) {}

  get name(): string {
    return this.opts.config.nodeName;
  }

  /** The allocatable the agent admits pods against. */
  allocatable(): Record<string, string> {
    return nodeAllocatable(this.opts.machine, this.opts.config);
  }

  hostIP(): string {
    return this.opts.machine.internalIP;
  }

  private nodeRef(): { apiVersion: string; kind: string; metadata: { name: string; uid: string } } {
    return { apiVersion: 'v1', kind: 'Node', metadata: { name: this.name, uid: this.name } };
  }

  private compute(): api.NodeStatus {
    const ev = this.opts.config.evictionHard ?? DEFAULT_EVICTION_HARD;
    const conditions = nodeConditions(
      this.opts.sample(),
      ev,
      this.last?.conditions,
      this.opts.clock.now(),
      this.opts.runtimeReady?.(),
    );
    return nodeStatus(this.opts.machine, this.opts.config, conditions);
  }

  /**
   * Creates the Node, or, when it exists, brings its labels and status up to date (upstream's
   * tryRegisterWithAPIServer and reconcile). Resolves with the stored Node.
   */
  async register(): Promise<Node> {
    const status = this.compute();
    const { client } = this.opts;
    const want = initialNode(this.opts.machine, this.opts.config, status);
    this.opts.events?.eventf(this.nodeRef(), 'Normal', 'Starting', 'Starting', 'Starting kubelet.');
    let node: Node;
    try {
      node = await client.create(NODES, want);
      node = await client.patch(NODES, this.name, { status }, { type: 'merge', subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err) || err.code !== 409) throw err;
      node = await client.patch(
        NODES,
        this.name,
        { metadata: { labels: want.metadata.labels } },
        { type: 'merge' },
      );
      node = await client.patch(NODES, this.name, { status }, { type: 'merge', subresource: 'status' });
    }
    this.writes++;
    this.recordTransitions(undefined, status);
    this.last = status;
    this.lastReport = this.opts.clock.now().getTime();
    this.node = node;
    return node;
  }

  /** Starts the periodic status loop (after {@link register}). */
  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancel = this.opts.clock.setTimer(this.opts.updateFrequencyMs ?? 10_000, () => {
      this.cancel = undefined;
      this.writing = this.sync().then(
        () => undefined,
        () => undefined,
      );
      void this.writing.finally(() => {
        this.writing = undefined;
        this.schedule();
      });
    });
  }

  /** One round: compute, and patch when something changed or the report is due. */
  async sync(): Promise<boolean> {
    const status = this.compute();
    const now = this.opts.clock.now().getTime();
    const due = now - this.lastReport >= (this.opts.reportFrequencyMs ?? 300_000);
    if (!due && deepEqual(withoutHeartbeats(status), withoutHeartbeats(this.last))) return false;
    try {
      this.node = await this.opts.client.patch(
        NODES,
        this.name,
        { status },
        { type: 'merge', subresource: 'status' },
      );
      this.writes++;
      this.recordTransitions(this.last, status);
      this.last = status;
      this.lastReport = now;
      return true;
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message, node: this.name }, 'node status update failed');
      if (isStatusError(err) && err.code === 404) {
        await this.register().catch(() => undefined);
      }
      return false;
    }
  }

  private recordTransitions(prev: api.NodeStatus | undefined, next: api.NodeStatus): void {
    const events = this.opts.events;
    if (!events) return;
    for (const c of next.conditions ?? []) {
      const before = prev?.conditions?.find((p) => p.type === c.type);
      if (before?.status === c.status) continue;
      const pair = CONDITION_EVENT[c.type];
      if (!pair) continue;
      const reason = c.status === 'True' ? pair[1] : pair[0];
      events.eventf(this.nodeRef(), 'Normal', reason, reason, `Node ${this.name} status is now: ${reason}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.writing;
  }
}
