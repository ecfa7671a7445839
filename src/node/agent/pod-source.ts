/**
 * @module Where an agent learns about the pods bound to its node. One {@link InformerPodSource} can serve many
 * agents in a process (hollow nodes): one pod informer, indexed and dispatched by spec.nodeName.
 */
import type { Pod } from '../../client/resources.js';
import { deletedObject, type SharedInformer } from '../../client/informer/index.js';

/** Receives a node's pods. Calls are synchronous and in event order; pods are shared, never mutate them. */
export interface PodHandler {
  /** A pod bound to the node appeared or changed. */
  podUpdated(pod: Pod): void;
  /** The pod is gone from the API (its last known state). */
  podRemoved(pod: Pod): void;
}

/** A source of pods by node. */
export interface PodSource {
  /**
   * Attaches a node's handler. Once the source has its initial list, the node's current pods are delivered
   * (oldest first, as upstream admits them), then every change. Resolves after that first delivery (false if
   * `signal` aborted first); the returned detach stops deliveries.
   */
  attach(
    nodeName: string,
    handler: PodHandler,
    signal?: AbortSignal,
  ): Promise<{ synced: boolean; detach: () => void }>;
  /** A pod of the node by namespace and name, from the source's cache. */
  get(namespace: string, name: string): Pod | undefined;
}

const NODE_INDEX = 'skiff.node/nodeName';

function byCreation(a: Pod, b: Pod): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** A {@link PodSource} over a pod informer (its scope may be one node or all bound pods). */
export class InformerPodSource implements PodSource {
  private readonly handlers = new Map<string, PodHandler>();

  constructor(private readonly informer: SharedInformer<Pod>) {
    try {
      informer.addIndexers({ [NODE_INDEX]: (p) => p.spec?.nodeName ?? '' });
    } catch {
      // Another source over the same informer added it already.
    }
    informer.addEventHandler({
      onAdd: (p) => this.dispatch(p, false),
      onUpdate: (_o, p) => this.dispatch(p, false),
      onDelete: (p) => this.dispatch(deletedObject(p), true),
    });
  }

  private dispatch(pod: Pod, gone: boolean): void {
    const node = pod.spec?.nodeName;
    if (!node) return;
    const h = this.handlers.get(node);
    if (!h) return;
    if (gone) h.podRemoved(pod);
    else h.podUpdated(pod);
  }

  async attach(
    nodeName: string,
    handler: PodHandler,
    signal?: AbortSignal,
  ): Promise<{ synced: boolean; detach: () => void }> {
    const detach = (): void => {
      if (this.handlers.get(nodeName) === handler) this.handlers.delete(nodeName);
    };
    const synced = await this.informer.waitForSync(signal);
    if (!synced) return { synced, detach };
    // Snapshot and switch to live delivery in one turn, so no event falls between them.
    const pods = this.informer.store.byIndex(NODE_INDEX, nodeName).sort(byCreation);
    this.handlers.set(nodeName, handler);
    for (const p of pods) handler.podUpdated(p);
    return { synced, detach };
  }

  get(namespace: string, name: string): Pod | undefined {
    return this.informer.store.getByName(namespace, name);
  }
}
