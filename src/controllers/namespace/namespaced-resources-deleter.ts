/**
 * @module Deletes everything in a terminating namespace (upstream's namespacedResourcesDeleter): phase
 * Terminating, every object of every namespaced resource deleted (deletecollection where served, else one
 * by one), status conditions about what remains, and, once nothing does, the namespace's `kubernetes`
 * finalizer removed through namespaces/{name}/finalize so the API server can delete it.
 */
import { pino, type Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../client/client.js';
import { NAMESPACES, type Namespace, PODS } from '../../client/resources.js';
import { systemClock, type Clock } from '../../util/clock.js';
import {
  type ApiResource,
  discoverResources,
  type DiscoveryResult,
  GroupDiscoveryFailedError,
  groupVersionOf,
  metadataClientOf,
  parseGroupVersion,
  supportsVerbs,
} from '../garbage-collector/discovery.js';
import { type NamespaceCondition, NamespaceConditionUpdater } from './conditions.js';

/** The finalizer the namespace controller owns. */
export const FINALIZER_KUBERNETES = 'kubernetes';

/** Default wait, in seconds, for content held by finalizers (upstream's finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** Content remains that should go by itself within `estimate` seconds: look again later. */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimate: number) {
    super(`some content remains in the namespace, estimate ${estimate} seconds before it is removed`);
    this.name = 'ResourcesRemainingError';
  }
}

export interface NamespacedResourcesDeleterOptions {
  client: KubeClient;
  /** The spec finalizer removed when the namespace is empty (default `kubernetes`). */
  finalizerToken?: string;
  /** Which resources exist (default: the server's aggregated discovery). */
  discover?: () => Promise<DiscoveryResult>;
  clock?: Clock;
  logger?: Logger;
}

/** What one resource's deletion left. */
interface ResourceDeletion {
  /** Seconds to wait before looking again; 0 for no estimate. */
  estimate: number;
  remaining: number;
  byFinalizer: Map<string, number>;
  error?: Error;
}

/**
 * `delete(name)` moves one terminating namespace one pass toward gone. It resolves when there is nothing
 * (more) to do, throws {@link ResourcesRemainingError} when content should disappear by itself soon, and
 * throws anything else to be retried with back-off. Safe to call again at any time.
 */
export class NamespacedResourcesDeleter {
  private readonly client: KubeClient;
  private readonly metadataClient: KubeClient;
  private readonly token: string;
  private readonly discover: () => Promise<DiscoveryResult>;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** `verb resource.group/version` the server turned out not to support despite discovery. */
  private readonly unsupported = new Set<string>();

  constructor(opts: NamespacedResourcesDeleterOptions) {
    this.client = opts.client;
    this.metadataClient = metadataClientOf(opts.client);
    this.token = opts.finalizerToken ?? FINALIZER_KUBERNETES;
    this.discover = opts.discover ?? (() => discoverResources(opts.client));
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? pino({ level: 'silent' });
  }

  async delete(name: string): Promise<void> {
    let ns = await this.getNamespace(name);
    if (!ns?.metadata.deletionTimestamp) return;
    try {
      ns = await this.retryOnConflict(ns, (n) => this.markTerminating(n));
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return;
      throw err;
    }
    if (!ns.metadata.deletionTimestamp) return;
    // Finalized: nothing is left for any namespace finalizer to do.
    if ((ns.spec?.finalizers ?? []).length === 0) return;

    const pass = await this.deleteAllContent(ns);
    ns = pass.ns;
    const estimate = pass.estimate;
    if (estimate > 0) throw new ResourcesRemainingError(estimate);

    try {
      await this.retryOnConflict(ns, (n) => this.finalize(n));
    } catch (err) {
      // Another controller with the same token may have finished first.
      if (isStatusError(err) && err.code === 404) return;
      throw err;
    }
  }

  private async getNamespace(name: string): Promise<Namespace | undefined> {
    try {
      return await this.client.get(NAMESPACES, name);
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Runs `fn` on the latest namespace until it stops conflicting; the uid must not change meanwhile. */
  private async retryOnConflict(
    ns: Namespace,
    fn: (ns: Namespace) => Promise<Namespace>,
  ): Promise<Namespace> {
    let latest = ns;
    for (;;) {
      try {
        return await fn(latest);
      } catch (err) {
        if (!isStatusError(err) || err.code !== 409) throw err;
      }
      const prev = latest;
      latest = await this.client.get(NAMESPACES, prev.metadata.name!);
      if (latest.metadata.uid !== prev.metadata.uid)
        throw new Error('namespace uid has changed across retries');
    }
  }

  private async markTerminating(ns: Namespace): Promise<Namespace> {
    if (!ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return ns;
    const next = structuredClone(ns);
    next.status = { ...next.status, phase: 'Terminating' };
    return this.client.updateStatus(NAMESPACES, next);
  }

  /** Drops this controller's token from spec.finalizers (the rest sorted and de-duplicated, as upstream). */
  private async finalize(ns: Namespace): Promise<Namespace> {
    const rest = [...new Set((ns.spec?.finalizers ?? []).filter((f) => f !== this.token))].sort();
    const next: Namespace = { ...ns, spec: { ...ns.spec, finalizers: rest } };
    try {
      return await this.client.updateSubresource(NAMESPACES, 'finalize', next);
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return ns;
      throw err;
    }
  }

  /**
   * One pass over every namespaced resource; records the namespace conditions. Returns the estimate in
   * seconds (0 when the namespace is empty) and the namespace as last written; throws when some resource
   * could not be processed.
   */
  private async deleteAllContent(ns: Namespace): Promise<{ estimate: number; ns: Namespace }> {
    const namespace = ns.metadata.name!;
    const deletedAt = Date.parse(ns.metadata.deletionTimestamp!);
    const updater = new NamespaceConditionUpdater(this.clock);
    const errors: Error[] = [];

    let resources: ApiResource[] = [];
    try {
      const found = await this.discover();
      resources = found.preferred.filter((r) => r.namespaced);
      if (found.failed.size > 0) {
        const err = new GroupDiscoveryFailedError(found.failed);
        errors.push(err);
        updater.processDiscoverResourcesErr(err, found.failed.size);
      }
    } catch (err) {
      const e = asError(err);
      errors.push(e);
      updater.processDiscoverResourcesErr(e);
    }

    const deletable: ApiResource[] = [];
    const badGroupVersions: string[] = [];
    for (const r of resources) {
      if (!supportsVerbs(r, ['delete'])) continue;
      if (parseGroupVersion(groupVersionOf(r))) deletable.push(r);
      else badGroupVersions.push(`unexpected GroupVersion string: ${groupVersionOf(r)}`);
    }
    if (badGroupVersions.length > 0) {
      const err = new Error(aggregate(badGroupVersions));
      errors.push(err);
      updater.processGroupVersionErr(err);
    }

    let estimate = 0;
    const remainingByResource = new Map<string, number>();
    const remainingByFinalizer = new Map<string, number>();
    for (const r of deletable) {
      const d = await this.deleteAllContentFor(r, namespace, deletedAt);
      if (d.error) {
        errors.push(d.error);
        updater.processDeleteContentErr(d.error);
      }
      estimate = Math.max(estimate, d.estimate);
      if (d.remaining > 0) {
        remainingByResource.set(`${r.resource}.${r.group}`, d.remaining);
        for (const [f, n] of d.byFinalizer)
          remainingByFinalizer.set(f, (remainingByFinalizer.get(f) ?? 0) + n);
      }
    }
    updater.processContentTotals({ remainingByResource, remainingByFinalizer });

    // Conditions are written whatever happened: a condition that cleared must say so.
    const status = structuredClone(ns.status ?? {}) as { conditions?: NamespaceCondition[] };
    let latest = ns;
    if (updater.update(status)) {
      try {
        const next = { ...ns, status: { ...ns.status, conditions: status.conditions } } as Namespace;
        latest = await this.client.updateStatus(NAMESPACES, next);
      } catch (err) {
        this.log.warn(
          { namespace, err: asError(err).message },
          "couldn't update status conditions for namespace",
        );
      }
    }
    if (errors.length > 0) throw new Error(aggregate(errors.map((e) => e.message)));
    return { estimate, ns: latest };
  }

  private async deleteAllContentFor(
    res: ApiResource,
    namespace: string,
    deletedAt: number,
  ): Promise<ResourceDeletion> {
    const out: ResourceDeletion = { estimate: 0, remaining: 0, byFinalizer: new Map() };
    try {
      out.estimate = await this.estimateGracefulTermination(res, namespace, deletedAt);
    } catch (err) {
      return { ...out, error: asError(err) };
    }
    try {
      if (!(await this.deleteCollection(res, namespace))) await this.deleteEachItem(res, namespace);
      const items = await this.listCollection(res, namespace);
      if (!items) return out;
      if (items.length === 0) return { ...out, estimate: 0 };
      out.remaining = items.length;
      for (const item of items) {
        for (const f of item.metadata.finalizers ?? [])
          out.byFinalizer.set(f, (out.byFinalizer.get(f) ?? 0) + 1);
      }
      if (out.estimate !== 0) return out;
      // Finalizers are an expected reason to wait; give their owners some time.
      if (out.byFinalizer.size > 0) return { ...out, estimate: FINALIZER_ESTIMATE_SECONDS };
      return {
        estimate: out.estimate,
        remaining: out.remaining,
        byFinalizer: new Map(),
        error: new Error(
          `unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(res)}`,
        ),
      };
    } catch (err) {
      return { ...out, error: asError(err) };
    }
  }

  /**
   * Seconds until gracefully terminating content should be gone: for pods, the longest grace period of
   * those not yet terminal, or 0 once that long has passed since the namespace's deletion.
   */
  private async estimateGracefulTermination(
    res: ApiResource,
    namespace: string,
    deletedAt: number,
  ): Promise<number> {
    if (res.group !== '' || res.resource !== 'pods') return 0;
    let estimate = 0;
    const { items } = await this.client.listAll(PODS, { namespace });
    for (const pod of items) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const grace = pod.spec?.terminationGracePeriodSeconds;
      if (grace !== undefined && grace > estimate) estimate = grace;
    }
    const elapsedMs = this.clock.now().getTime() - deletedAt;
    return elapsedMs >= estimate * 1000 ? 0 : estimate;
  }

  /** Deletes the whole collection; false when the resource does not support it. */
  private async deleteCollection(res: ApiResource, namespace: string): Promise<boolean> {
    const key = `deletecollection ${gvrString(res)}`;
    if (!supportsVerbs(res, ['deletecollection']) || this.unsupported.has(key)) return false;
    try {
      // Background: the namespace controller must not get orphan finalizers added to what it deletes.
      await this.metadataClient.deleteCollection(res, { namespace, propagationPolicy: 'Background' });
      return true;
    } catch (err) {
      if (isStatusError(err) && (err.code === 405 || err.code === 404)) {
        this.unsupported.add(key);
        return false;
      }
      throw err;
    }
  }

  private async deleteEachItem(res: ApiResource, namespace: string): Promise<void> {
    const items = await this.listCollection(res, namespace);
    for (const item of items ?? []) {
      try {
        await this.metadataClient.delete(res, item.metadata.name!, {
          namespace,
          propagationPolicy: 'Background',
        });
      } catch (err) {
        if (isStatusError(err) && (err.code === 404 || err.code === 405)) continue;
        throw err;
      }
    }
  }

  /** The resource's objects in the namespace (metadata only); undefined when it cannot be listed. */
  private async listCollection(res: ApiResource, namespace: string): Promise<KubeObject[] | undefined> {
    const key = `list ${gvrString(res)}`;
    if (!supportsVerbs(res, ['list']) || this.unsupported.has(key)) return undefined;
    try {
      return (await this.metadataClient.listAll(res, { namespace })).items;
    } catch (err) {
      if (isStatusError(err) && (err.code === 405 || err.code === 404)) {
        this.unsupported.add(key);
        return undefined;
      }
      throw err;
    }
  }
}

/** Upstream's GroupVersionResource String(): `apps/v1, Resource=deployments`, `/v1, Resource=pods`. */
function gvrString(r: ApiResource): string {
  return `${r.group}/${r.version}, Resource=${r.resource}`;
}

/** Upstream's aggregate error text: the one message, or all of them in brackets. */
function aggregate(messages: readonly string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
