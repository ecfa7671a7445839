/** @module A minimal in-memory Handle for plugin tests: a fixed snapshot, a recording client, no-op nominator. */
import type { KubeObject } from '../../../api/object.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type {
  Handle,
  NamespaceLister,
  NodeInfoLister,
  PodNominator,
  SchedulerClient,
  SharedLister,
} from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { NodeInfo, Pod, PodInfo } from '../../framework/types.js';

/** What a test may configure on a {@link FakeHandle}. */
export interface FakeHandleOptions {
  nodes?: NodeInfo[];
  namespaces?: KubeObject[];
  /** Replaces the default bind, which records the call and succeeds. */
  bind?: (pod: Pod, nodeName: string) => Promise<void>;
  now?: Date;
}

/**
 * A Handle over a fixed list of NodeInfos. Records binds, patches and deletes; the filter runners
 * succeed. Only for tests.
 */
export class FakeHandle implements Handle {
  readonly binds: Array<{ pod: Pod; nodeName: string }> = [];
  readonly patches: Array<{ pod: Pod; patch: Record<string, unknown>; subresource?: 'status' }> = [];
  readonly deletes: Pod[] = [];
  readonly namespaces: NamespaceLister;
  readonly client: SchedulerClient;
  readonly nominator: PodNominator;
  private nodes: NodeInfo[];

  constructor(private readonly opts: FakeHandleOptions = {}) {
    this.nodes = opts.nodes ?? [];
    const namespaces = opts.namespaces ?? [];
    this.namespaces = {
      get: (name) => namespaces.find((n) => n.metadata?.name === name),
      list: () => namespaces,
    };
    this.client = {
      bind: async (pod, nodeName) => {
        if (opts.bind) await opts.bind(pod, nodeName);
        this.binds.push({ pod, nodeName });
      },
      patchPod: async (pod, patch, subresource) => {
        this.patches.push({ pod, patch, ...(subresource ? { subresource } : {}) });
        return pod;
      },
      deletePod: async (pod) => {
        this.deletes.push(pod);
      },
    };
    const nominated = new Map<string, PodInfo[]>();
    this.nominator = {
      addNominatedPod: (pi, nodeName) => {
        nominated.set(nodeName, [...(nominated.get(nodeName) ?? []), pi]);
      },
      deleteNominatedPodIfExists: (pod) => {
        for (const [n, list] of nominated)
          nominated.set(
            n,
            list.filter((p) => p.pod !== pod),
          );
      },
      nominatedPodsForNode: (nodeName) => nominated.get(nodeName) ?? [],
    };
  }

  setNodes(nodes: NodeInfo[]): void {
    this.nodes = nodes;
  }

  snapshotSharedLister(): SharedLister {
    const nodes = this.nodes;
    const lister: NodeInfoLister = {
      list: () => nodes,
      get: (name) => nodes.find((n) => n.name === name),
      havePodsWithAffinityList: () => nodes.filter((n) => n.podsWithAffinity.length > 0),
      havePodsWithRequiredAntiAffinityList: () =>
        nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0),
    };
    return { nodeInfos: () => lister };
  }

  podDisruptionBudgets(): readonly KubeObject[] {
    return [];
  }

  runFilterPluginsWithNominatedPods(_state: CycleState, _pod: Pod, _nodeInfo: NodeInfo): Status {
    return Status.success();
  }

  runPreFilterExtensionAddPod(_s: CycleState, _p: Pod, _a: PodInfo, _n: NodeInfo): Status {
    return Status.success();
  }

  runPreFilterExtensionRemovePod(_s: CycleState, _p: Pod, _r: PodInfo, _n: NodeInfo): Status {
    return Status.success();
  }

  now(): Date {
    return this.opts.now ?? new Date(0);
  }
}
