/**
 * @module DeviceShare: GPU sharing with Koordinator's resource names and `device-allocated` annotation.
 * Picks the device(s) of a node for a pod's GPU share, never over-commits a device's memory or core,
 * and records the choice on the pod so the node agent and a restarted scheduler can read it.
 */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type {
  ClusterEvent,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PluginFactory,
  PostBindPlugin,
  PreBindPlugin,
  PreFilterPlugin,
  PreScorePlugin,
  ReservePlugin,
  ScorePlugin,
} from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import { podKey, podRequests, type NodeInfo, type Pod, type PodInfo } from '../../framework/types.js';
import {
  ANNOTATION_DEVICE_ALLOCATED,
  formatDeviceAllocated,
  NodeGpus,
  parseDeviceAllocated,
  parseGpuRequest,
  REASON_INSUFFICIENT_DEVICES,
  type AllocationStrategy,
  type DeviceShare as Share,
  type GpuRequest,
} from './gpu-devices.js';

export {
  ANNOTATION_DEVICE_ALLOCATED,
  GPU_SHARE_RESOURCES,
  REASON_INSUFFICIENT_CORE,
  REASON_INSUFFICIENT_DEVICES,
  REASON_INSUFFICIENT_MEMORY,
} from './gpu-devices.js';

export const NAME = 'DeviceShare';

/** Koordinator's ScoringStrategy types: MostAllocated packs (binpack), LeastAllocated spreads. */
export type DeviceShareScoringType = 'MostAllocated' | 'LeastAllocated';

/** DeviceShare's args (Koordinator's DeviceShareArgs, scoring only). */
export interface DeviceShareArgs {
  scoringStrategy: {
    /** Default MostAllocated (binpack), Skiff's default; Koordinator defaults to LeastAllocated. */
    type: DeviceShareScoringType;
    /** Weights of gpu-memory (gpu-memory-ratio counts as memory) and gpu-core in the node score. */
    resources: Array<{ name: string; weight: number }>;
  };
}

export const DEFAULT_DEVICE_SHARE_ARGS: DeviceShareArgs = {
  scoringStrategy: {
    type: 'MostAllocated',
    resources: [
      { name: 'koordinator.sh/gpu-memory', weight: 1 },
      { name: 'koordinator.sh/gpu-core', weight: 1 },
    ],
  },
};

/** How long an allocation made here is kept after binding for a pod whose annotation has not been seen. */
const SETTLED_TTL_MS = 2 * 60 * 1000;

class PreFilterState implements StateData {
  /** Set by Reserve. */
  nodeName: string | undefined;
  shares: Share[] | undefined;

  constructor(readonly request: GpuRequest) {}

  clone(): PreFilterState {
    const c = new PreFilterState(this.request);
    c.nodeName = this.nodeName;
    c.shares = this.shares;
    return c;
  }
}

/** An allocation this process reserved, found by pod uid until the pod's annotation is seen. */
interface Reservation {
  nodeName: string;
  shares: Share[];
  /** When the pod was bound (ms since epoch); undefined while binding is under way. */
  boundAt: number | undefined;
}

interface CachedNode {
  generation: number;
  version: number;
  gpus: NodeGpus;
}

function podUid(pod: Pod): string {
  return pod.metadata.uid ?? podKey(pod);
}

export class DeviceShare
  implements
    PreFilterPlugin,
    FilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    ReservePlugin,
    PreBindPlugin,
    PostBindPlugin,
    EnqueueExtensions
{
  readonly name = NAME;
  private readonly strategy: AllocationStrategy;
  private readonly memoryWeight: number;
  private readonly coreWeight: number;
  /** Allocations made here whose pods may not carry the annotation yet, by pod uid. */
  private readonly reservations = new Map<string, Reservation>();
  /** Bumped per node whenever its reservations change, so cached device state is rebuilt. */
  private readonly nodeVersions = new Map<string, number>();
  private readonly cache = new Map<string, CachedNode>();
  private readonly requestMemo = new WeakMap<PodInfo, GpuRequest | null>();
  private lastSweep = 0;

  constructor(
    args: DeviceShareArgs,
    private readonly handle: Handle,
  ) {
    this.strategy = args.scoringStrategy.type === 'LeastAllocated' ? 'spread' : 'binpack';
    let mem = 0;
    let core = 0;
    for (const r of args.scoringStrategy.resources) {
      if (r.name === 'koordinator.sh/gpu-core') core += r.weight;
      else if (r.name === 'koordinator.sh/gpu-memory' || r.name === 'koordinator.sh/gpu-memory-ratio')
        mem += r.weight;
    }
    this.memoryWeight = mem;
    this.coreWeight = core;
  }

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    const { request, error } = parseGpuRequest(podRequests(pod));
    if (error !== undefined) return { status: Status.unresolvable(error) };
    if (!request) return { status: Status.skip() };
    state.write(NAME, new PreFilterState(request));
    this.sweep();
    return { status: Status.success() };
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read<PreFilterState>(NAME);
    if (!s) return Status.error(`${NAME}: no PreFilter state`);
    return this.nodeGpus(nodeInfo).fit(s.request);
  }

  preScore(state: CycleState): Status {
    return state.read<PreFilterState>(NAME) ? Status.success() : Status.skip();
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreFilterState>(NAME);
    if (!s) return Status.error(`${NAME}: no PreFilter state`);
    const gpus = this.nodeGpus(nodeInfo);
    const shares = gpus.choose(s.request, this.strategy);
    const total = this.memoryWeight + this.coreWeight;
    if (!shares || total <= 0) return 0;
    const usage = gpus.usageWith(shares);
    const used = (usage.memory * this.memoryWeight + usage.core * this.coreWeight) / total;
    return Math.round((this.strategy === 'binpack' ? used : 1 - used) * 100);
  }

  reserve(state: CycleState, pod: Pod, nodeName: string): Status {
    const s = state.read<PreFilterState>(NAME);
    if (!s) return Status.success();
    const nodeInfo = this.handle.snapshotSharedLister().nodeInfos().get(nodeName);
    if (!nodeInfo) return Status.error(`${NAME}: node ${nodeName} not found`);
    const gpus = this.nodeGpus(nodeInfo);
    const shares = gpus.choose(s.request, this.strategy);
    if (!shares) {
      const fit = gpus.fit(s.request);
      return fit.isSuccess() ? Status.unschedulable(REASON_INSUFFICIENT_DEVICES) : fit;
    }
    s.nodeName = nodeName;
    s.shares = shares;
    this.reservations.set(podUid(pod), { nodeName, shares, boundAt: undefined });
    this.bump(nodeName);
    return Status.success();
  }

  unreserve(state: CycleState, pod: Pod, nodeName: string): void {
    const s = state.read<PreFilterState>(NAME);
    if (!s) return;
    const uid = podUid(pod);
    const r = this.reservations.get(uid);
    if (r && r.nodeName === nodeName) {
      this.reservations.delete(uid);
      this.bump(nodeName);
    }
    s.nodeName = undefined;
    s.shares = undefined;
  }

  async preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    const s = state.read<PreFilterState>(NAME);
    if (!s) return Status.success();
    if (!s.shares || s.nodeName !== nodeName)
      return Status.error(`${NAME}: no device reserved on ${nodeName}`);
    const nodeInfo = this.handle.snapshotSharedLister().nodeInfos().get(nodeName);
    const gpus = nodeInfo ? NodeGpus.fromAllocatable(nodeInfo.allocatable) : undefined;
    if (!gpus) return Status.error(`${NAME}: node ${nodeName} not found`);
    const annotation = formatDeviceAllocated(gpus, s.request, s.shares);
    try {
      await this.handle.client.patchPod(pod, {
        metadata: { annotations: { [ANNOTATION_DEVICE_ALLOCATED]: annotation } },
      });
    } catch (err) {
      return Status.error(err instanceof Error ? err : String(err));
    }
    return Status.success();
  }

  postBind(state: CycleState, pod: Pod, _nodeName: string): void {
    if (!state.read<PreFilterState>(NAME)) return;
    const r = this.reservations.get(podUid(pod));
    if (r) r.boundAt = this.handle.now().getTime();
  }

  eventsToRegister(): ClusterEvent[] {
    return [
      { resource: 'AssignedPod', actions: ['Delete'] },
      { resource: 'Node', actions: ['Add', 'UpdateNodeAllocatable'] },
    ];
  }

  /** The GPUs of a node with what its pods hold (memoized per node generation). */
  nodeGpus(nodeInfo: NodeInfo): NodeGpus {
    const name = nodeInfo.name;
    const version = this.nodeVersions.get(name) ?? 0;
    const cached = this.cache.get(name);
    if (cached && cached.generation === nodeInfo.generation && cached.version === version) return cached.gpus;
    const gpus = this.build(nodeInfo);
    this.cache.set(name, { generation: nodeInfo.generation, version, gpus });
    return gpus;
  }

  private build(nodeInfo: NodeInfo): NodeGpus {
    const gpus = NodeGpus.fromAllocatable(nodeInfo.allocatable);
    if (gpus.count === 0) return gpus;
    let unrecorded: GpuRequest[] | undefined;
    for (const pi of nodeInfo.pods) {
      const pod = pi.pod;
      const recorded = parseDeviceAllocated(pod.metadata.annotations?.[ANNOTATION_DEVICE_ALLOCATED]);
      const uid = podUid(pod);
      if (recorded) {
        gpus.apply(gpus.sharesOf(recorded), 1);
        if (this.reservations.has(uid)) this.reservations.delete(uid);
        continue;
      }
      const r = this.reservations.get(uid);
      if (r && r.nodeName === nodeInfo.name) {
        gpus.apply(r.shares, 1);
        continue;
      }
      const req = this.requestOf(pi);
      if (req) (unrecorded ??= []).push(req);
    }
    // Pods with a GPU request but no recorded device (nominated, or bound elsewhere): place them as
    // this scheduler would, so their share is not handed out twice.
    for (const req of unrecorded ?? []) {
      const shares = gpus.choose(req, this.strategy);
      if (shares) gpus.apply(shares, 1);
    }
    return gpus;
  }

  private requestOf(pi: PodInfo): GpuRequest | null {
    let r = this.requestMemo.get(pi);
    if (r === undefined) {
      r = parseGpuRequest(pi.requests).request ?? null;
      this.requestMemo.set(pi, r);
    }
    return r;
  }

  private bump(nodeName: string): void {
    this.nodeVersions.set(nodeName, (this.nodeVersions.get(nodeName) ?? 0) + 1);
  }

  /** Forgets allocations of pods bound long ago (their annotation has long been readable). */
  private sweep(): void {
    const now = this.handle.now().getTime();
    if (now - this.lastSweep < SETTLED_TTL_MS / 4) return;
    this.lastSweep = now;
    for (const [uid, r] of this.reservations) {
      if (r.boundAt !== undefined && now - r.boundAt > SETTLED_TTL_MS) {
        this.reservations.delete(uid);
        this.bump(r.nodeName);
      }
    }
  }
}

function parseArgs(args: Record<string, unknown> | undefined): DeviceShareArgs {
  const s = (args?.scoringStrategy ?? {}) as Partial<DeviceShareArgs['scoringStrategy']>;
  const type = s.type ?? DEFAULT_DEVICE_SHARE_ARGS.scoringStrategy.type;
  if (type !== 'MostAllocated' && type !== 'LeastAllocated')
    throw new Error(`${NAME}: scoringStrategy.type: Unsupported value: "${String(type)}"`);
  return {
    scoringStrategy: {
      type,
      resources: s.resources ?? DEFAULT_DEVICE_SHARE_ARGS.scoringStrategy.resources,
    },
  };
}

export const newDeviceShare: PluginFactory = (args, handle) => new DeviceShare(parseArgs(args), handle);
