/** @module Test builders for pods and nodes (in the spirit of upstream's st.MakePod / st.MakeNode). */
import type {
  Container,
  NodeSelectorRequirement,
  PodAffinityTerm,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from '../../api/openapi/generated/types.js';
import { NodeInfo, PodInfo, type Node, type Pod } from '../framework/types.js';

type ResourceList = Record<string, string | number>;

export class PodWrapper {
  readonly pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'default' },
    spec: { containers: [] },
  };

  name(n: string): this {
    this.pod.metadata.name = n;
    this.pod.metadata.uid ??= `uid-${n}`;
    return this;
  }
  namespace(ns: string): this {
    this.pod.metadata.namespace = ns;
    return this;
  }
  uid(uid: string): this {
    this.pod.metadata.uid = uid;
    return this;
  }
  labels(labels: Record<string, string>): this {
    this.pod.metadata.labels = { ...this.pod.metadata.labels, ...labels };
    return this;
  }
  label(k: string, v: string): this {
    return this.labels({ [k]: v });
  }
  annotation(k: string, v: string): this {
    this.pod.metadata.annotations = { ...this.pod.metadata.annotations, [k]: v };
    return this;
  }
  node(nodeName: string): this {
    this.pod.spec!.nodeName = nodeName;
    return this;
  }
  nominatedNode(nodeName: string): this {
    this.pod.status = { ...this.pod.status, nominatedNodeName: nodeName };
    return this;
  }
  schedulerName(n: string): this {
    this.pod.spec!.schedulerName = n;
    return this;
  }
  priority(p: number): this {
    this.pod.spec!.priority = p;
    return this;
  }
  phase(phase: string): this {
    this.pod.status = { ...this.pod.status, phase };
    return this;
  }
  creationTimestamp(t: string): this {
    this.pod.metadata.creationTimestamp = t;
    return this;
  }
  /** Adds a container requesting `requests` (and limiting `limits`). */
  container(requests: ResourceList = {}, limits?: ResourceList, name?: string): this {
    const c: Container = { name: name ?? `c${this.pod.spec!.containers.length}`, image: 'image' };
    if (Object.keys(requests).length > 0 || limits) c.resources = { requests, ...(limits ? { limits } : {}) };
    this.pod.spec!.containers.push(c);
    return this;
  }
  initContainer(requests: ResourceList, restartPolicy?: 'Always'): this {
    const c: Container = {
      name: `init${this.pod.spec!.initContainers?.length ?? 0}`,
      image: 'image',
      resources: { requests },
    };
    if (restartPolicy) c.restartPolicy = restartPolicy;
    (this.pod.spec!.initContainers ??= []).push(c);
    return this;
  }
  overhead(o: ResourceList): this {
    this.pod.spec!.overhead = o;
    return this;
  }
  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    if (this.pod.spec!.containers.length === 0) this.container();
    const c = this.pod.spec!.containers[0]!;
    (c.ports ??= []).push({ containerPort: port, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) });
    return this;
  }
  nodeSelector(sel: Record<string, string>): this {
    this.pod.spec!.nodeSelector = sel;
    return this;
  }
  requiredNodeAffinity(terms: NodeSelectorRequirement[][]): this {
    const affinity = (this.pod.spec!.affinity ??= {});
    affinity.nodeAffinity = {
      ...affinity.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })),
      },
    };
    return this;
  }
  preferredNodeAffinity(weight: number, matchExpressions: NodeSelectorRequirement[]): this {
    const affinity = (this.pod.spec!.affinity ??= {});
    const na = (affinity.nodeAffinity ??= {});
    (na.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({
      weight,
      preference: { matchExpressions },
    });
    return this;
  }
  podAffinity(term: PodAffinityTerm, weight?: number): this {
    const affinity = (this.pod.spec!.affinity ??= {});
    const pa = (affinity.podAffinity ??= {});
    if (weight === undefined) (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(term);
    else (pa.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, podAffinityTerm: term });
    return this;
  }
  podAntiAffinity(term: PodAffinityTerm, weight?: number): this {
    const affinity = (this.pod.spec!.affinity ??= {});
    const pa = (affinity.podAntiAffinity ??= {});
    if (weight === undefined) (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(term);
    else (pa.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, podAffinityTerm: term });
    return this;
  }
  toleration(t: Toleration): this {
    (this.pod.spec!.tolerations ??= []).push(t);
    return this;
  }
  spreadConstraint(c: TopologySpreadConstraint): this {
    (this.pod.spec!.topologySpreadConstraints ??= []).push(c);
    return this;
  }
  obj(): Pod {
    return this.pod;
  }
  info(): PodInfo {
    return new PodInfo(this.pod);
  }
}

export class NodeWrapper {
  readonly node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {},
    spec: {},
    status: { capacity: {}, allocatable: {} },
  };

  name(n: string): this {
    this.node.metadata.name = n;
    this.node.metadata.uid ??= `uid-${n}`;
    this.node.metadata.labels = { 'kubernetes.io/hostname': n, ...this.node.metadata.labels };
    return this;
  }
  labels(labels: Record<string, string>): this {
    this.node.metadata.labels = { ...this.node.metadata.labels, ...labels };
    return this;
  }
  label(k: string, v: string): this {
    return this.labels({ [k]: v });
  }
  /** Sets capacity and allocatable to `res` (e.g. `{cpu: '4', memory: '8Gi', pods: 110}`). */
  capacity(res: ResourceList): this {
    this.node.status!.capacity = { ...res };
    this.node.status!.allocatable = { ...res };
    return this;
  }
  allocatable(res: ResourceList): this {
    this.node.status!.allocatable = { ...res };
    return this;
  }
  taint(t: Taint): this {
    (this.node.spec!.taints ??= []).push(t);
    return this;
  }
  unschedulable(u = true): this {
    this.node.spec!.unschedulable = u;
    return this;
  }
  obj(): Node {
    return this.node;
  }
}

export function makePod(): PodWrapper {
  return new PodWrapper();
}

export function makeNode(): NodeWrapper {
  return new NodeWrapper();
}

/** A NodeInfo for `node` holding `pods`. */
export function nodeInfoWith(node: Node, ...pods: Pod[]): NodeInfo {
  const ni = new NodeInfo(node);
  for (const p of pods) ni.addPodInfo(new PodInfo(p));
  return ni;
}
