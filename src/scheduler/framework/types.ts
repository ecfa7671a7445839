/**
 * @module What the scheduler knows about pods and nodes (upstream's framework/types.go): resources as
 * numbers, pods with their affinity terms parsed once, and nodes with the pods on them and what they use.
 */
import { type LabelSelector, selectorFromLabelSelector, type LabelSelectorSpec } from '../../api/labels.js';
import type {
  Node as ApiNode,
  ObjectMeta,
  Pod as ApiPod,
  PodAffinityTerm,
  Taint,
  WeightedPodAffinityTerm,
} from '../../api/openapi/generated/types.js';
import { Quantity } from '../../api/quantity.js';

/** A pod as the scheduler handles it: metadata is always present. */
export type Pod = ApiPod & { metadata: ObjectMeta };
/** A node as the scheduler handles it: metadata is always present. */
export type Node = ApiNode & { metadata: ObjectMeta };

export const RESOURCE_CPU = 'cpu';
export const RESOURCE_MEMORY = 'memory';
export const RESOURCE_EPHEMERAL_STORAGE = 'ephemeral-storage';
export const RESOURCE_PODS = 'pods';

/** Upstream's defaults for scoring pods that request nothing (DefaultMilliCPURequest, DefaultMemoryRequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/**
 * Compute resources as plain numbers: CPU in millicores, memory and storage in bytes, pods as a count,
 * and every other resource (extended, hugepages, GPU) by name in its base unit.
 */
const NO_SCALARS: ReadonlyMap<string, number> = new Map();

export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Created on the first scalar resource: most pods and nodes have none, and a Resource is made per cycle. */
  private scalars: Map<string, number> | undefined = undefined;

  /** Extended and hugepages resources by name (read-only; change them through the methods). */
  get scalar(): ReadonlyMap<string, number> {
    return this.scalars ?? NO_SCALARS;
  }

  private addScalar(name: string, v: number): void {
    const m = (this.scalars ??= new Map());
    m.set(name, (m.get(name) ?? 0) + v);
  }

  /** Builds a Resource from a ResourceList (`{cpu: '500m', memory: '1Gi', ...}`). */
  static fromList(list: Record<string, string | number> | undefined): Resource {
    const r = new Resource();
    if (list) for (const name in list) r.addQuantity(name, list[name]!);
    return r;
  }

  /** Adds one named quantity. */
  addQuantity(name: string, q: string | number): void {
    switch (name) {
      case RESOURCE_CPU:
        this.milliCPU += milliValue(q);
        break;
      case RESOURCE_MEMORY:
        this.memory += value(q);
        break;
      case RESOURCE_EPHEMERAL_STORAGE:
        this.ephemeralStorage += value(q);
        break;
      case RESOURCE_PODS:
        this.allowedPodNumber += value(q);
        break;
      default:
        this.addScalar(name, value(q));
    }
  }

  add(o: Resource): void {
    this.milliCPU += o.milliCPU;
    this.memory += o.memory;
    this.ephemeralStorage += o.ephemeralStorage;
    this.allowedPodNumber += o.allowedPodNumber;
    if (o.scalars) for (const [k, v] of o.scalars) this.addScalar(k, v);
  }

  sub(o: Resource): void {
    this.milliCPU -= o.milliCPU;
    this.memory -= o.memory;
    this.ephemeralStorage -= o.ephemeralStorage;
    this.allowedPodNumber -= o.allowedPodNumber;
    if (o.scalars) for (const [k, v] of o.scalars) this.addScalar(k, -v);
  }

  /** Each field becomes the larger of the two (for init containers). */
  setMax(o: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    this.allowedPodNumber = Math.max(this.allowedPodNumber, o.allowedPodNumber);
    if (o.scalars) {
      const m = (this.scalars ??= new Map());
      for (const [k, v] of o.scalars) m.set(k, Math.max(m.get(k) ?? 0, v));
    }
  }

  /** The amount of a resource by name, in the unit of {@link addQuantity}. */
  get(name: string): number {
    switch (name) {
      case RESOURCE_CPU:
        return this.milliCPU;
      case RESOURCE_MEMORY:
        return this.memory;
      case RESOURCE_EPHEMERAL_STORAGE:
        return this.ephemeralStorage;
      case RESOURCE_PODS:
        return this.allowedPodNumber;
      default:
        return this.scalars?.get(name) ?? 0;
    }
  }

  clone(): Resource {
    const r = new Resource();
    r.add(this);
    return r;
  }
}

const quantityCache = new Map<string, { milli: number; value: number }>();

function parsed(q: string | number): { milli: number; value: number } {
  const key = typeof q === 'number' ? `#${q}` : q;
  let p = quantityCache.get(key);
  if (!p) {
    const parsedQ = Quantity.parse(q);
    p = { milli: Number(parsedQ.milliValue()), value: Number(parsedQ.value()) };
    if (quantityCache.size > 10_000) quantityCache.clear();
    quantityCache.set(key, p);
  }
  return p;
}

/** A quantity in thousandths (CPU millicores), rounded up as upstream's MilliValue. */
export function milliValue(q: string | number): number {
  return parsed(q).milli;
}

/** A quantity in base units, rounded up as upstream's Value. */
export function value(q: string | number): number {
  return parsed(q).value;
}

type ContainerLike = { resources?: { requests?: Record<string, string | number> }; restartPolicy?: string };

/**
 * Upstream's pod-level aggregation: the sum over containers, then the larger of that and each init
 * container in turn (restartable "sidecar" init containers add to everything after them), plus overhead.
 */
function aggregate(
  pod: Pod,
  perContainer: (c: ContainerLike) => Resource,
  overhead: (o: Resource) => Resource,
): Resource {
  const spec = pod.spec;
  const reqs = new Resource();
  for (const c of spec?.containers ?? []) reqs.add(perContainer(c));
  const restartable = new Resource();
  const initMax = new Resource();
  for (const c of spec?.initContainers ?? []) {
    const r = perContainer(c);
    if (c.restartPolicy === 'Always') {
      reqs.add(r);
      restartable.add(r);
      initMax.setMax(restartable);
    } else {
      const withSidecars = restartable.clone();
      withSidecars.add(r);
      initMax.setMax(withSidecars);
    }
  }
  reqs.setMax(initMax);
  if (spec?.overhead) reqs.add(overhead(Resource.fromList(spec.overhead)));
  return reqs;
}

/** What a pod requests (upstream's resource.PodRequests), init containers, sidecars and overhead included. */
export function podRequests(pod: Pod): Resource {
  return aggregate(
    pod,
    (c) => Resource.fromList(c.resources?.requests),
    (o) => o,
  );
}

/**
 * Requests with upstream's non-zero defaults for scoring: a container without a CPU or memory request
 * counts as 100m / 200 MiB (upstream's GetNonzeroRequests); only CPU and memory are counted.
 */
export function podNonZeroRequests(pod: Pod): Resource {
  return aggregate(
    pod,
    (c) => {
      const r = new Resource();
      const req = c.resources?.requests;
      r.milliCPU =
        req?.[RESOURCE_CPU] !== undefined ? milliValue(req[RESOURCE_CPU]) : DEFAULT_MILLI_CPU_REQUEST;
      r.memory = req?.[RESOURCE_MEMORY] !== undefined ? value(req[RESOURCE_MEMORY]) : DEFAULT_MEMORY_REQUEST;
      return r;
    },
    (o) => {
      const r = new Resource();
      r.milliCPU = o.milliCPU;
      r.memory = o.memory;
      return r;
    },
  );
}

/** A pod affinity term with its selectors parsed (upstream's framework.AffinityTerm). */
export interface AffinityTerm {
  /** Namespaces the term applies to; when empty and namespaceSelector is undefined: the pod's own. */
  namespaces: ReadonlySet<string>;
  selector: LabelSelector;
  topologyKey: string;
  /** Selects namespaces by their labels; undefined when the term has none. */
  namespaceSelector: LabelSelector | undefined;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/**
 * Whether `term` selects `pod`, given the labels of `pod`'s namespace (upstream's AffinityTerm.Matches).
 */
export function termMatches(
  term: AffinityTerm,
  pod: Pod,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): boolean {
  const ns = pod.metadata.namespace ?? '';
  const inNamespace =
    term.namespaces.has(ns) ||
    (term.namespaceSelector !== undefined && term.namespaceSelector.matches(namespaceLabels ?? {}));
  return inNamespace && term.selector.matches(pod.metadata.labels ?? {});
}

/** Parses a PodAffinityTerm of `pod` (upstream's newAffinityTerm with matchLabelKeys/mismatchLabelKeys merged). */
export function parseAffinityTerm(pod: Pod, term: PodAffinityTerm): AffinityTerm {
  const spec: LabelSelectorSpec = {
    matchLabels: { ...(term.labelSelector?.matchLabels ?? {}) },
    matchExpressions: [...(term.labelSelector?.matchExpressions ?? [])],
  };
  const labels = pod.metadata.labels ?? {};
  for (const key of term.matchLabelKeys ?? []) {
    if (labels[key] !== undefined)
      spec.matchExpressions!.push({ key, operator: 'In', values: [labels[key]] });
  }
  for (const key of term.mismatchLabelKeys ?? []) {
    if (labels[key] !== undefined)
      spec.matchExpressions!.push({ key, operator: 'NotIn', values: [labels[key]] });
  }
  // A nil labelSelector selects nothing.
  const selector = term.labelSelector ? selectorFromLabelSelector(spec) : selectorFromLabelSelector(null);
  const namespaces = new Set(term.namespaces ?? []);
  const namespaceSelector = term.namespaceSelector
    ? selectorFromLabelSelector(term.namespaceSelector)
    : undefined;
  if (namespaces.size === 0 && namespaceSelector === undefined) namespaces.add(pod.metadata.namespace ?? '');
  return { namespaces, selector, topologyKey: term.topologyKey, namespaceSelector };
}

function parseWeighted(pod: Pod, terms: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return (terms ?? []).map((t) => ({ ...parseAffinityTerm(pod, t.podAffinityTerm), weight: t.weight }));
}

/** A pod with what the scheduler derives from it once. */
export class PodInfo {
  readonly requiredAffinityTerms: AffinityTerm[];
  readonly requiredAntiAffinityTerms: AffinityTerm[];
  readonly preferredAffinityTerms: WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: WeightedAffinityTerm[];
  private requestsMemo: Resource | undefined;
  private nonZeroMemo: Resource | undefined;

  constructor(readonly pod: Pod) {
    const affinity = pod.spec?.affinity;
    this.requiredAffinityTerms = (
      affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    ).map((t) => parseAffinityTerm(pod, t));
    this.requiredAntiAffinityTerms = (
      affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    ).map((t) => parseAffinityTerm(pod, t));
    this.preferredAffinityTerms = parseWeighted(
      pod,
      affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    );
    this.preferredAntiAffinityTerms = parseWeighted(
      pod,
      affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    );
  }

  get key(): string {
    return podKey(this.pod);
  }

  /** What the pod requests ({@link podRequests}), computed once. */
  get requests(): Resource {
    return (this.requestsMemo ??= podRequests(this.pod));
  }

  /** Requests with the scoring defaults ({@link podNonZeroRequests}), computed once. */
  get nonZeroRequests(): Resource {
    return (this.nonZeroMemo ??= podNonZeroRequests(this.pod));
  }
}

/** `namespace/name`, the key pods go by in the cache and queue. */
export function podKey(pod: { metadata?: { namespace?: string; name?: string } }): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** Host ports in use on a node: ip → "protocol/port" (upstream's HostPortInfo; 0.0.0.0 conflicts with every ip). */
export class HostPortInfo {
  private readonly byIp = new Map<string, Map<string, number>>();

  private static norm(ip: string | undefined, protocol: string | undefined): [string, string] {
    return [ip || '0.0.0.0', protocol || 'TCP'];
  }

  add(ip: string | undefined, protocol: string | undefined, port: number): void {
    if (port <= 0) return;
    const [i, p] = HostPortInfo.norm(ip, protocol);
    let m = this.byIp.get(i);
    if (!m) this.byIp.set(i, (m = new Map()));
    const k = `${p}/${port}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(ip: string | undefined, protocol: string | undefined, port: number): void {
    if (port <= 0) return;
    const [i, p] = HostPortInfo.norm(ip, protocol);
    const m = this.byIp.get(i);
    if (!m) return;
    const k = `${p}/${port}`;
    const n = (m.get(k) ?? 0) - 1;
    if (n > 0) m.set(k, n);
    else m.delete(k);
    if (m.size === 0) this.byIp.delete(i);
  }

  /** Whether a container port (ip, protocol, port) conflicts with one in use. */
  conflicts(ip: string | undefined, protocol: string | undefined, port: number): boolean {
    if (port <= 0) return false;
    const [i, p] = HostPortInfo.norm(ip, protocol);
    const k = `${p}/${port}`;
    if (i === '0.0.0.0') {
      for (const m of this.byIp.values()) if (m.has(k)) return true;
      return false;
    }
    return (this.byIp.get(i)?.has(k) ?? false) || (this.byIp.get('0.0.0.0')?.has(k) ?? false);
  }

  get size(): number {
    let n = 0;
    for (const m of this.byIp.values()) n += m.size;
    return n;
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.byIp) c.byIp.set(ip, new Map(m));
    return c;
  }
}

/**
 * Host ports a pod holds, as upstream's GetHostPorts counts them: its containers' and its sidecar
 * (restartPolicy Always) init containers'; run-once init containers have exited before the pod runs.
 */
export function podHostPorts(
  pod: Pod,
): Array<{ ip: string | undefined; protocol: string | undefined; port: number }> {
  const out: Array<{ ip: string | undefined; protocol: string | undefined; port: number }> = [];
  const spec = pod.spec;
  const sidecars = (spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const list of [spec?.containers, sidecars]) {
    for (const c of list ?? []) {
      for (const p of c.ports ?? []) {
        if (p.hostPort !== undefined && p.hostPort > 0)
          out.push({ ip: p.hostIP, protocol: p.protocol, port: p.hostPort });
      }
    }
  }
  return out;
}

let generationCounter = 0;

/** The next value of the global NodeInfo generation counter (upstream's nextGeneration). */
export function nextGeneration(): number {
  return ++generationCounter;
}

/**
 * A node and the pods assigned to it (bound or assumed), with what they request. Mutated only by the
 * scheduler cache; scheduling cycles read snapshot copies.
 */
/** Where `pod` is in `list`: by uid, or by namespace/name when it has none. */
function indexOfPod(list: readonly PodInfo[], pod: Pod): number {
  const uid = pod.metadata.uid;
  if (uid) {
    for (let i = 0; i < list.length; i++) if (list[i]!.pod.metadata.uid === uid) return i;
    return -1;
  }
  const key = podKey(pod);
  for (let i = 0; i < list.length; i++) if (list[i]!.key === key) return i;
  return -1;
}

export class NodeInfo {
  /** Set through setNode/removeNode, which keep the copies of its fields below in step. */
  node: Node | undefined;
  /**
   * Copies of the node's name, labels, spec.unschedulable and spec.taints, read by Filter and Score plugins
   * for every node of every cycle. A
   * field of the NodeInfo is in a cache line the filters load anyway; the node object's nested fields each
   * cost a memory load of their own, and cycles walk hundreds of nodes.
   */
  name = '';
  labels: Readonly<Record<string, string>> | undefined = undefined;
  unschedulable = false;
  taints: readonly Taint[] | undefined = undefined;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  /** Sum of the pods' requests. */
  requested = new Resource();
  /** Sum with the non-zero defaults, for scoring. */
  nonZeroRequested = new Resource();
  allocatable = new Resource();
  /** Bumped on every change; snapshots copy only nodes whose generation moved. */
  generation = nextGeneration();

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata.name ?? '';
    this.labels = node.metadata.labels;
    this.unschedulable = node.spec?.unschedulable ?? false;
    this.taints = node.spec?.taints;
    this.allocatable = Resource.fromList(node.status?.allocatable);
    this.generation = nextGeneration();
  }

  removeNode(): void {
    this.node = undefined;
    this.name = '';
    this.labels = undefined;
    this.unschedulable = false;
    this.taints = undefined;
    this.generation = nextGeneration();
  }

  addPodInfo(pi: PodInfo): void {
    this.pods.push(pi);
    if (
      pi.requiredAffinityTerms.length > 0 ||
      pi.requiredAntiAffinityTerms.length > 0 ||
      pi.preferredAffinityTerms.length > 0 ||
      pi.preferredAntiAffinityTerms.length > 0
    ) {
      this.podsWithAffinity.push(pi);
    }
    if (pi.requiredAntiAffinityTerms.length > 0) this.podsWithRequiredAntiAffinity.push(pi);
    this.requested.add(pi.requests);
    this.nonZeroRequested.add(pi.nonZeroRequests);
    for (const p of podHostPorts(pi.pod)) this.usedPorts.add(p.ip, p.protocol, p.port);
    this.generation = nextGeneration();
  }

  /** Removes a pod by uid (or key when it has no uid); returns whether it was there. */
  removePod(pod: Pod): boolean {
    const i = indexOfPod(this.pods, pod);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods.splice(i, 1);
    const j = indexOfPod(this.podsWithAffinity, pod);
    if (j >= 0) this.podsWithAffinity.splice(j, 1);
    const k = indexOfPod(this.podsWithRequiredAntiAffinity, pod);
    if (k >= 0) this.podsWithRequiredAntiAffinity.splice(k, 1);
    this.requested.sub(pi.requests);
    this.nonZeroRequested.sub(pi.nonZeroRequests);
    for (const p of podHostPorts(pi.pod)) this.usedPorts.remove(p.ip, p.protocol, p.port);
    this.generation = nextGeneration();
    return true;
  }

  /** A copy whose lists and sums can change without touching this one (PodInfos are shared). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.name = this.name;
    c.labels = this.labels;
    c.unschedulable = this.unschedulable;
    c.taints = this.taints;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.usedPorts = this.usedPorts.clone();
    c.requested = this.requested.clone();
    c.nonZeroRequested = this.nonZeroRequested.clone();
    c.allocatable = this.allocatable.clone();
    c.generation = this.generation;
    return c;
  }
}

/** A node's score from one plugin or in total. */
export interface NodeScore {
  name: string;
  score: number;
}

/** Upstream's MaxNodeScore / MinNodeScore: the range every score plugin normalizes into. */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;
