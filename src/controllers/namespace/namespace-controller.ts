/**
 * @module The namespace controller (upstream's pkg/controller/namespace): watches namespaces and, for each
 * one with a deletionTimestamp, runs the namespaced-resources deleter until the namespace is empty and
 * finalized; content still going away is looked at again after half its estimate.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../client/client.js';
import { objectKey } from '../../client/informer/indexer.js';
import type { SharedInformer } from '../../client/informer/shared-informer.js';
import type { Namespace } from '../../client/resources.js';
import type { TimerClock } from '../../util/clock.js';
import { Controller, type ReconcileResult } from '../runtime/controller.js';
import type { DiscoveryResult } from '../garbage-collector/discovery.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError } from './namespaced-resources-deleter.js';

/** Upstream waits this long after a namespace event, so HA API servers and etcd members see the deletion. */
export const NAMESPACE_DELETION_GRACE_PERIOD_MS = 5_000;

/** Upstream's namespace informer resync: terminating namespaces are looked at again this often. */
export const NAMESPACE_RESYNC_PERIOD_MS = 5 * 60_000;

export interface NamespaceControllerOptions {
  client: KubeClient;
  /** The namespaces informer (not started here). */
  informer: SharedInformer<Namespace>;
  /** Concurrent namespaces (upstream's ConcurrentNamespaceSyncs, default 10). */
  workers?: number;
  /** Delay after an event before a terminating namespace is processed (default 5 s). */
  deletionGracePeriodMs?: number;
  resyncPeriodMs?: number;
  discover?: () => Promise<DiscoveryResult>;
  clock?: TimerClock;
  logger?: Logger;
}

/** Queues terminating namespaces and runs {@link NamespacedResourcesDeleter} on them. */
export class NamespaceController {
  readonly controller: Controller;
  readonly deleter: NamespacedResourcesDeleter;
  private readonly informer: SharedInformer<Namespace>;
  private readonly delayMs: number;

  constructor(opts: NamespaceControllerOptions) {
    this.informer = opts.informer;
    this.delayMs = opts.deletionGracePeriodMs ?? NAMESPACE_DELETION_GRACE_PERIOD_MS;
    this.deleter = new NamespacedResourcesDeleter({
      client: opts.client,
      discover: opts.discover,
      clock: opts.clock,
      logger: opts.logger,
    });
    this.controller = new Controller({
      name: 'namespace',
      reconcile: (key) => this.sync(key),
      informers: [opts.informer],
      workers: opts.workers ?? 10,
      maxRetries: Infinity,
      clock: opts.clock,
      logger: opts.logger,
    });
    const enqueue = (ns: KubeObject): void => {
      if (ns.metadata.deletionTimestamp) this.controller.enqueueAfter(objectKey(ns), this.delayMs);
    };
    opts.informer.addEventHandler(
      { onAdd: (ns) => enqueue(ns), onUpdate: (_old, ns) => enqueue(ns) },
      opts.resyncPeriodMs ?? NAMESPACE_RESYNC_PERIOD_MS,
    );
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  private async sync(key: string): Promise<ReconcileResult | void> {
    if (!this.informer.store.get(key)) return;
    try {
      await this.deleter.delete(key);
    } catch (err) {
      if (err instanceof ResourcesRemainingError) {
        return { requeueAfterMs: (Math.floor(err.estimate / 2) + 1) * 1000 };
      }
      throw err;
    }
  }
}
