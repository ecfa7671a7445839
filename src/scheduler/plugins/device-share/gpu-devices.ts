/**
 * @module GPU sharing arithmetic for DeviceShare: what a pod asks of a GPU, the devices a node
 * advertises, choosing devices, and Koordinator's `device-allocated` annotation.
 */
import { Quantity } from '../../../api/quantity.js';
import { Status } from '../../framework/status.js';
import { value, type Resource } from '../../framework/types.js';

export const RESOURCE_NVIDIA_GPU = 'nvidia.com/gpu';
export const RESOURCE_KOORD_GPU = 'koordinator.sh/gpu';
export const RESOURCE_GPU_CORE = 'koordinator.sh/gpu-core';
export const RESOURCE_GPU_MEMORY = 'koordinator.sh/gpu-memory';
export const RESOURCE_GPU_MEMORY_RATIO = 'koordinator.sh/gpu-memory-ratio';
/** Alibaba's gpushare: GPU memory in GiB. */
export const RESOURCE_ALIYUN_GPU_MEM = 'aliyun.com/gpu-mem';
export const RESOURCE_ALIYUN_GPU_COUNT = 'aliyun.com/gpu-count';
export const ANNOTATION_DEVICE_ALLOCATED = 'scheduling.koordinator.sh/device-allocated';

/**
 * Shared-GPU resource names DeviceShare accounts per device; NodeResourcesFit must ignore them
 * (its `ignoredResources`), or it rejects pods on nodes that do not list them.
 */
export const GPU_SHARE_RESOURCES: ReadonlySet<string> = new Set([
  RESOURCE_KOORD_GPU,
  RESOURCE_GPU_CORE,
  RESOURCE_GPU_MEMORY,
  RESOURCE_GPU_MEMORY_RATIO,
  RESOURCE_ALIYUN_GPU_MEM,
]);

const GIB = 1024 * 1024 * 1024;
/** gpu-core of one device. */
export const CORE_PER_DEVICE = 100;

export const REASON_INSUFFICIENT_DEVICES = 'Insufficient gpu devices';
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient gpu memory';
export const REASON_INSUFFICIENT_CORE = 'Insufficient gpu core';

/** What a pod asks of each of the `count` devices it needs. */
export interface GpuRequest {
  count: number;
  /** Percent of a device's compute (0-100). */
  core: number;
  /** Bytes per device; when undefined the pod asks `memoryRatio` percent of each device's memory. */
  memoryBytes: number | undefined;
  memoryRatio: number;
}

function isPercent(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && (v <= 100 || v % 100 === 0);
}

/**
 * Reads the GPU request from a pod's summed requests. Undefined request: the pod asks for no GPU.
 * Combinations follow Koordinator: whole `nvidia.com/gpu` or `koordinator.sh/gpu` alone; gpu-core
 * with either gpu-memory or gpu-memory-ratio; either memory form alone; a percentage above 100 must be
 * a multiple of 100 (that many whole devices). A lone gpu-core also takes that share of memory.
 */
export function parseGpuRequest(requests: Resource): { request?: GpuRequest; error?: string } {
  const nvidia = requests.scalar.get(RESOURCE_NVIDIA_GPU) ?? 0;
  const koord = requests.scalar.get(RESOURCE_KOORD_GPU) ?? 0;
  const core = requests.scalar.get(RESOURCE_GPU_CORE) ?? 0;
  const memory = requests.scalar.get(RESOURCE_GPU_MEMORY) ?? 0;
  const ratio = requests.scalar.get(RESOURCE_GPU_MEMORY_RATIO) ?? 0;
  const aliyun = requests.scalar.get(RESOURCE_ALIYUN_GPU_MEM) ?? 0;
  if (nvidia + koord + core + memory + ratio + aliyun <= 0) return {};
  const names = [
    [RESOURCE_NVIDIA_GPU, nvidia],
    [RESOURCE_KOORD_GPU, koord],
    [RESOURCE_GPU_CORE, core],
    [RESOURCE_GPU_MEMORY, memory],
    [RESOURCE_GPU_MEMORY_RATIO, ratio],
    [RESOURCE_ALIYUN_GPU_MEM, aliyun],
  ]
    .filter(([, v]) => (v as number) > 0)
    .map(([n]) => n as string);
  const invalid = { error: `invalid resource device requests: [${names.join(' ')}]` };

  if (nvidia > 0) {
    if (names.length > 1 || !Number.isInteger(nvidia)) return invalid;
    return { request: { count: nvidia, core: 100, memoryBytes: undefined, memoryRatio: 100 } };
  }
  let pctCore = core;
  let pctRatio = ratio;
  let bytes: number | undefined;
  if (koord > 0) {
    if (names.length > 1) return invalid;
    pctCore = pctRatio = koord;
  } else {
    if (memory > 0 && aliyun > 0) return invalid;
    if ((memory > 0 || aliyun > 0) && ratio > 0) return invalid;
    if (memory > 0) bytes = memory;
    else if (aliyun > 0) bytes = aliyun * GIB;
    else if (ratio === 0) pctRatio = core;
  }
  for (const [name, v] of [
    [RESOURCE_KOORD_GPU, koord],
    [RESOURCE_GPU_CORE, pctCore],
    [RESOURCE_GPU_MEMORY_RATIO, pctRatio],
  ] as const) {
    if (!isPercent(v)) return { error: `invalid resource unit ${name}: ${v}` };
  }
  let count = 1;
  if (bytes === undefined && pctRatio > 100) count = pctRatio / 100;
  else if (pctCore > 100) count = pctCore / 100;
  return {
    request: {
      count,
      core: Math.floor(pctCore / count),
      memoryBytes: bytes === undefined ? undefined : Math.floor(bytes / count),
      memoryRatio: bytes === undefined ? Math.floor(pctRatio / count) : 0,
    },
  };
}

/** One device's share held by a pod; memory in the node's memory unit (see {@link NodeGpus}). */
export interface DeviceShare {
  minor: number;
  memory: number;
  core: number;
}

/** One GPU of a node and what is left on it. */
export interface GpuDevice {
  minor: number;
  memoryFree: number;
  coreFree: number;
}

export type AllocationStrategy = 'binpack' | 'spread';

/**
 * The GPUs of one node. Memory is counted in bytes when the node advertises
 * `koordinator.sh/gpu-memory` (or `aliyun.com/gpu-mem`), otherwise in percent of a device.
 */
export class NodeGpus {
  readonly devices: GpuDevice[] = [];

  constructor(
    count: number,
    /** Per device: bytes, or 100 when the node does not say. */
    readonly memoryPerDevice: number,
    readonly memoryKnown: boolean,
  ) {
    for (let minor = 0; minor < count; minor++)
      this.devices.push({ minor, memoryFree: memoryPerDevice, coreFree: CORE_PER_DEVICE });
  }

  /** Devices from a node's allocatable resources. */
  static fromAllocatable(allocatable: Resource): NodeGpus {
    const count = Math.floor(
      allocatable.scalar.get(RESOURCE_NVIDIA_GPU) ?? allocatable.scalar.get(RESOURCE_ALIYUN_GPU_COUNT) ?? 0,
    );
    if (count <= 0) return new NodeGpus(0, 0, false);
    const bytes =
      allocatable.scalar.get(RESOURCE_GPU_MEMORY) ??
      (allocatable.scalar.has(RESOURCE_ALIYUN_GPU_MEM)
        ? allocatable.scalar.get(RESOURCE_ALIYUN_GPU_MEM)! * GIB
        : undefined);
    if (bytes === undefined || bytes <= 0) return new NodeGpus(count, 100, false);
    return new NodeGpus(count, Math.floor(bytes / count), true);
  }

  get count(): number {
    return this.devices.length;
  }

  /** What `req` needs of each device here; undefined when it asks bytes of a node that does not say. */
  need(req: GpuRequest): { memory: number; core: number } | undefined {
    if (req.memoryBytes !== undefined) {
      return this.memoryKnown ? { memory: req.memoryBytes, core: req.core } : undefined;
    }
    return { memory: Math.floor((req.memoryRatio * this.memoryPerDevice) / 100), core: req.core };
  }

  /** Takes (sign 1) or gives back (sign -1) shares; minors the node does not have are ignored. */
  apply(shares: readonly DeviceShare[], sign: 1 | -1): void {
    for (const s of shares) {
      const d = this.devices[s.minor];
      if (!d) continue;
      d.memoryFree -= sign * s.memory;
      d.coreFree -= sign * s.core;
    }
  }

  /** Whether `req` fits, with upstream-style reasons when it does not. */
  fit(req: GpuRequest): Status {
    if (this.count === 0) return Status.unresolvable(REASON_INSUFFICIENT_DEVICES);
    const need = this.need(req);
    if (!need || need.memory > this.memoryPerDevice) return Status.unresolvable(REASON_INSUFFICIENT_MEMORY);
    if (need.core > CORE_PER_DEVICE) return Status.unresolvable(REASON_INSUFFICIENT_CORE);
    if (req.count > this.count) return Status.unresolvable(REASON_INSUFFICIENT_DEVICES);
    let both = 0;
    let memOk = 0;
    let coreOk = 0;
    for (const d of this.devices) {
      const m = d.memoryFree >= need.memory;
      const c = d.coreFree >= need.core;
      if (m) memOk++;
      if (c) coreOk++;
      if (m && c) both++;
    }
    if (both >= req.count) return Status.success();
    const reasons: string[] = [];
    if (memOk < req.count) reasons.push(REASON_INSUFFICIENT_MEMORY);
    if (coreOk < req.count) reasons.push(REASON_INSUFFICIENT_CORE);
    if (reasons.length === 0) reasons.push(REASON_INSUFFICIENT_DEVICES);
    return Status.unschedulable(...reasons);
  }

  /**
   * Picks devices for `req`: binpack takes the fullest devices that fit, spread the emptiest; ties go
   * to the lower minor. Undefined when it does not fit.
   */
  choose(req: GpuRequest, strategy: AllocationStrategy): DeviceShare[] | undefined {
    const need = this.need(req);
    if (!need) return undefined;
    const fitting = this.devices.filter((d) => d.memoryFree >= need.memory && d.coreFree >= need.core);
    if (fitting.length < req.count) return undefined;
    const dir = strategy === 'binpack' ? 1 : -1;
    fitting.sort(
      (a, b) => dir * (a.memoryFree - b.memoryFree) || dir * (a.coreFree - b.coreFree) || a.minor - b.minor,
    );
    const out: DeviceShare[] = [];
    for (let i = 0; i < req.count; i++)
      out.push({ minor: fitting[i]!.minor, memory: need.memory, core: need.core });
    return out;
  }

  /**
   * Share of the node's GPU memory and core in use once `shares` are added, each in [0, 1]
   * (for MostAllocated / LeastAllocated scoring).
   */
  usageWith(shares: readonly DeviceShare[]): { memory: number; core: number } {
    if (this.count === 0) return { memory: 0, core: 0 };
    let memFree = 0;
    let coreFree = 0;
    for (const d of this.devices) {
      memFree += Math.max(0, d.memoryFree);
      coreFree += Math.max(0, d.coreFree);
    }
    for (const s of shares) {
      memFree -= s.memory;
      coreFree -= s.core;
    }
    const memTotal = this.memoryPerDevice * this.count;
    const coreTotal = CORE_PER_DEVICE * this.count;
    const clamp = (v: number): number => Math.min(1, Math.max(0, v));
    return {
      memory: memTotal > 0 ? clamp(1 - memFree / memTotal) : 0,
      core: clamp(1 - coreFree / coreTotal),
    };
  }

  /** The shares an annotation records, in this node's units. */
  sharesOf(recorded: readonly RecordedShare[]): DeviceShare[] {
    return recorded.map((r) => ({
      minor: r.minor,
      memory:
        this.memoryKnown && r.memoryBytes !== undefined
          ? r.memoryBytes
          : Math.floor(((r.memoryRatio ?? 0) * this.memoryPerDevice) / 100),
      core: r.core,
    }));
  }
}

/** One device entry of the annotation, as numbers. */
export interface RecordedShare {
  minor: number;
  core: number;
  memoryBytes: number | undefined;
  memoryRatio: number | undefined;
}

const recordedMemo = new Map<string, RecordedShare[] | null>();

/** Reads the GPU entries of a `device-allocated` annotation; null when it is absent or unreadable. */
export function parseDeviceAllocated(annotation: string | undefined): RecordedShare[] | null {
  if (annotation === undefined) return null;
  let r = recordedMemo.get(annotation);
  if (r !== undefined) return r;
  r = null;
  try {
    const doc = JSON.parse(annotation) as { gpu?: unknown };
    if (Array.isArray(doc.gpu)) {
      r = [];
      for (const e of doc.gpu as Array<{ minor?: unknown; resources?: Record<string, unknown> }>) {
        if (typeof e?.minor !== 'number') continue;
        const res = e.resources ?? {};
        const num = (name: string): number | undefined => {
          const v = res[name];
          return typeof v === 'string' || typeof v === 'number' ? value(v) : undefined;
        };
        r.push({
          minor: e.minor,
          core: num(RESOURCE_GPU_CORE) ?? 0,
          memoryBytes: num(RESOURCE_GPU_MEMORY),
          memoryRatio: num(RESOURCE_GPU_MEMORY_RATIO),
        });
      }
    }
  } catch {
    r = null;
  }
  if (recordedMemo.size > 10_000) recordedMemo.clear();
  recordedMemo.set(annotation, r);
  return r;
}

/**
 * The `device-allocated` annotation for `shares` on `node` (Koordinator's JSON: per device its minor
 * and gpu-core, gpu-memory, gpu-memory-ratio as quantity strings, keys in Go's sorted order).
 */
export function formatDeviceAllocated(
  node: NodeGpus,
  req: GpuRequest,
  shares: readonly DeviceShare[],
): string {
  const gpu = shares.map((s) => {
    const resources: Record<string, string> = {};
    if (s.core > 0) resources[RESOURCE_GPU_CORE] = String(s.core);
    let ratio: number;
    if (node.memoryKnown) {
      resources[RESOURCE_GPU_MEMORY] = Quantity.fromValue(s.memory, 'BinarySI').toString();
      ratio =
        req.memoryBytes === undefined ? req.memoryRatio : Math.trunc((s.memory / node.memoryPerDevice) * 100);
    } else {
      ratio = s.memory;
    }
    resources[RESOURCE_GPU_MEMORY_RATIO] = String(ratio);
    return { minor: s.minor, resources };
  });
  return JSON.stringify({ gpu });
}
