/**
 * @module The Node objects hollow nodes register: KWOK-style markers (label `type: hollow`, annotation
 * `skiff.dev/node: hollow`, optional taint `skiff.dev/node=hollow:NoSchedule`), capacity, labels, zones,
 * taints and GPUs from flags or from Node templates (YAML), and fake addresses.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { isObject } from '../../api/object.js';
import { Quantity } from '../../api/quantity.js';
import type * as api from '../../api/openapi/generated/types.js';
import type { Node } from '../../client/resources.js';
import { rfc3339 } from '../../util/clock.js';
import { hollowNodeIP, hollowPodCIDR } from './ip-pool.js';

/** Every hollow node carries this label (as KWOK's carry `type: kwok`). */
export const HOLLOW_LABEL_KEY = 'type';
export const HOLLOW_LABEL_VALUE = 'hollow';
/** Marks the node as simulated (as KWOK's `kwok.x-k8s.io/node: fake`); also the key of the optional taint. */
export const HOLLOW_NODE_KEY = 'skiff.dev/node';
export const HOLLOW_NODE_VALUE = 'hollow';
/** Keeps pods that do not tolerate it off hollow nodes (added with `--taint`). */
export const HOLLOW_TAINT: Readonly<api.Taint> = Object.freeze({
  key: HOLLOW_NODE_KEY,
  value: HOLLOW_NODE_VALUE,
  effect: 'NoSchedule',
});
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export const HOLLOW_KUBELET_VERSION = 'v1.32.4-skiff';
export const HOLLOW_RUNTIME_VERSION = 'skiff-hollow://0.1.0';

/** Capacity of a hollow node when neither a template nor a flag says otherwise (KWOK's example node). */
export const DEFAULT_CAPACITY: Readonly<Record<string, string>> = Object.freeze({
  cpu: '32',
  memory: '256Gi',
  pods: '110',
  'ephemeral-storage': '100Gi',
  'hugepages-1Gi': '0',
  'hugepages-2Mi': '0',
});

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_MEMORY_RESOURCE = 'koordinator.sh/gpu-memory';
export const GPU_CORE_RESOURCE = 'koordinator.sh/gpu-core';

/** What every hollow node of a pool is made of. */
export interface HollowNodeOptions {
  /** Node names are `${namePrefix}${index}`. */
  namePrefix: string;
  /** Node templates (YAML Node objects); node i starts from templates[i % length]. Empty: defaults only. */
  templates: Node[];
  /** Capacity (and allocatable) entries given explicitly; they win over templates. */
  capacity: Record<string, string>;
  /** Whole GPUs per node and memory per device (`--gpus N --gpu-memory 16Gi`). */
  gpus?: { count: number; memoryPerDevice: string };
  /** Zones assigned round-robin as `topology.kubernetes.io/zone`. */
  zones: string[];
  labels: Record<string, string>;
  taints: api.Taint[];
  /** Adds {@link HOLLOW_TAINT}. */
  taintHollow: boolean;
  /** Host bits of each node's pod CIDR (see podBlockBits). */
  podBlockBits: number;
  /** Written as status.daemonEndpoints.kubeletEndpoint.Port when the pool serves metrics. */
  kubeletPort?: number;
}

/** Node conditions of a healthy kubelet, in upstream's order, with its reasons and messages. */
const HEALTHY_CONDITIONS: ReadonlyArray<Omit<api.NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>> =
  [
    {
      type: 'MemoryPressure',
      status: 'False',
      reason: 'KubeletHasSufficientMemory',
      message: 'kubelet has sufficient memory available',
    },
    {
      type: 'DiskPressure',
      status: 'False',
      reason: 'KubeletHasNoDiskPressure',
      message: 'kubelet has no disk pressure',
    },
    {
      type: 'PIDPressure',
      status: 'False',
      reason: 'KubeletHasSufficientPID',
      message: 'kubelet has sufficient PID available',
    },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];

/** The four node conditions with a heartbeat at `now`; transition times come from `previous` when unchanged. */
export function hollowNodeConditions(now: Date, previous?: api.NodeCondition[]): api.NodeCondition[] {
  const t = rfc3339(now);
  return HEALTHY_CONDITIONS.map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    const since = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : t;
    return { ...c, lastHeartbeatTime: t, lastTransitionTime: since };
  });
}

/** The Node object hollow node `index` registers (status included, as the kubelet creates it). */
export function buildHollowNode(index: number, opts: HollowNodeOptions, now: Date): Node {
  const name = `${opts.namePrefix}${index}`;
  const template = opts.templates.length > 0 ? opts.templates[index % opts.templates.length] : undefined;
  const ip = hollowNodeIP(index);

  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/os': 'linux',
    ...template?.metadata.labels,
    ...opts.labels,
    'kubernetes.io/hostname': name,
    [HOLLOW_LABEL_KEY]: HOLLOW_LABEL_VALUE,
  };
  if (opts.zones.length > 0) labels[ZONE_LABEL] = opts.zones[index % opts.zones.length]!;
  const annotations: Record<string, string> = {
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
    ...template?.metadata.annotations,
    [HOLLOW_NODE_KEY]: HOLLOW_NODE_VALUE,
  };

  const taints: api.Taint[] = [];
  const addTaint = (t: api.Taint): void => {
    if (!taints.some((x) => x.key === t.key && x.effect === t.effect)) taints.push({ ...t });
  };
  for (const t of template?.spec?.taints ?? []) addTaint(t);
  for (const t of opts.taints) addTaint(t);
  if (opts.taintHollow) addTaint(HOLLOW_TAINT);

  const capacity: Record<string, string> = { ...DEFAULT_CAPACITY, ...quantities(template?.status?.capacity) };
  const templateAllocatable = quantities(template?.status?.allocatable);
  const allocatable: Record<string, string> = { ...capacity, ...templateAllocatable };
  const explicit = { ...opts.capacity, ...gpuResources(opts.gpus) };
  Object.assign(capacity, explicit);
  Object.assign(allocatable, explicit);

  const podCIDR = hollowPodCIDR(index, opts.podBlockBits);
  const spec: api.NodeSpec = { ...template?.spec, podCIDR, podCIDRs: [podCIDR] };
  if (taints.length > 0) spec.taints = taints;
  else delete spec.taints;

  const id = createHash('md5').update(name).digest('hex');
  const nodeInfo: api.NodeSystemInfo = {
    architecture: 'amd64',
    bootID: uuidFrom(id),
    containerRuntimeVersion: HOLLOW_RUNTIME_VERSION,
    kernelVersion: 'hollow',
    kubeProxyVersion: '',
    kubeletVersion: HOLLOW_KUBELET_VERSION,
    machineID: id,
    operatingSystem: 'linux',
    osImage: 'Skiff hollow node',
    systemUUID: uuidFrom(createHash('md5').update(`${name}/system`).digest('hex')),
    ...template?.status?.nodeInfo,
  };
  const status: api.NodeStatus = {
    capacity,
    allocatable,
    conditions: hollowNodeConditions(now),
    addresses: [
      { type: 'InternalIP', address: ip },
      { type: 'Hostname', address: name },
    ],
    nodeInfo,
  };
  if (opts.kubeletPort) status.daemonEndpoints = { kubeletEndpoint: { Port: opts.kubeletPort } };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, annotations },
    spec,
    status,
  };
}

/** GPUs as the scheduler's DeviceShare plugin reads them: whole devices, total memory, 100 cores each. */
export function gpuResources(gpus: HollowNodeOptions['gpus']): Record<string, string> {
  if (!gpus || gpus.count <= 0) return {};
  return {
    [GPU_RESOURCE]: String(gpus.count),
    [GPU_MEMORY_RESOURCE]: Quantity.parse(gpus.memoryPerDevice).mul(gpus.count).toString(),
    [GPU_CORE_RESOURCE]: String(100 * gpus.count),
  };
}

function quantities(list: Record<string, api.Quantity> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(list ?? {})) out[k] = Quantity.parse(v).toString();
  return out;
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Node templates from YAML text: one or more documents, each a Node (kind may be left out). Names,
 * addresses and pod CIDRs in a template are ignored; each node gets its own.
 */
export function parseNodeTemplates(text: string, source = 'node template'): Node[] {
  const out: Node[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (!isObject(v)) throw new Error(`${source}: a document is not a YAML mapping`);
    if (v['kind'] !== undefined && v['kind'] !== 'Node') {
      throw new Error(`${source}: expected kind Node, got ${JSON.stringify(v['kind'])}`);
    }
    const node = v as unknown as Node;
    node.metadata = isObject(node.metadata) ? node.metadata : {};
    for (const list of [node.status?.capacity, node.status?.allocatable]) {
      for (const [k, q] of Object.entries(list ?? {})) {
        try {
          Quantity.parse(q);
        } catch {
          throw new Error(`${source}: ${k}: invalid quantity ${JSON.stringify(q)}`);
        }
      }
    }
    out.push(node);
  }
  if (out.length === 0) throw new Error(`${source}: no Node document`);
  return out;
}

export function loadNodeTemplates(path: string): Node[] {
  return parseNodeTemplates(readFileSync(path, 'utf8'), path);
}
