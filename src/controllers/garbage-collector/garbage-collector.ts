/**
 * @module The garbage collector (upstream's pkg/controller/garbagecollector): metadata-only informers on every
 * deletable resource feed the dependency graph; attemptToDelete workers delete objects whose owners are all
 * gone (or wait in foreground deletion) and finish foreground deletions, attemptToOrphan workers strip
 * owner references from the dependents of owners deleted with the orphan finalizer.
 */
import { setMaxListeners } from 'node:events';
import { pino, type Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import type { KubeObject, OwnerReference } from '../../api/object.js';
import { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS } from '../../api/validation/meta.js';
import type { DeleteOptions, KubeClient } from '../../client/client.js';
import {
  deletedObject,
  type HandlerRegistration,
  SharedInformer,
  stripManagedFields,
  type SharedInformerOptions,
} from '../../client/informer/shared-informer.js';
import { sleepUnlessAborted, systemClock, type TimerClock } from '../../util/clock.js';
import { Controller, errorText } from '../runtime/controller.js';
import type { EventRecorder } from '../runtime/event-recorder.js';
import {
  type ApiResource,
  discoverResources,
  groupVersionOf,
  metadataClientOf,
  RestMapper,
  supportsVerbs,
} from './discovery.js';
import { describeReference, type GraphNode, type ObjectReference, referenceOf } from './graph.js';
import { type GraphObject, GraphBuilder, hasFinalizer } from './graph-builder.js';

/** Resources the collector never watches (upstream's default ignored resources). */
export const DEFAULT_IGNORED_RESOURCES: ReadonlyArray<{ group: string; resource: string }> = [
  { group: '', resource: 'events' },
  { group: 'events.k8s.io', resource: 'events' },
];

/** Verbs a resource needs for the collector to watch it. */
const MONITOR_VERBS = ['delete', 'list', 'watch'];

/** An owner reference names an apiVersion/kind the server does not serve (yet): retried. */
export class RestMappingError extends Error {
  constructor(apiVersion: string, kind: string) {
    super(`unable to get REST mapping for ${apiVersion}/${kind}`);
    this.name = 'RestMappingError';
  }
}

/** A cluster-scoped object names a namespaced owner: never valid, not retried. */
export class NamespacedOwnerOfClusterScopedObjectError extends Error {
  constructor() {
    super('cluster-scoped objects cannot refer to namespaced owners');
    this.name = 'NamespacedOwnerOfClusterScopedObjectError';
  }
}

/** A virtual node that exists at the API but has not come through an informer yet: looked at again. */
class NotObservedError extends Error {
  constructor(n: GraphNode) {
    super(`item ${n.toString()} hasn't been observed via informer yet`);
  }
}

/** What attemptToDeleteItem did. */
export type AttemptOutcome =
  /** Nothing (more) to do for now. */
  | 'done'
  /** The API server does not have the node's identity: a virtual delete event went into the graph. */
  | 'virtual-delete';

export interface GarbageCollectorOptions {
  /** Writes (deletes, patches) go through it; reads use a metadata-only client on its transport. */
  client: KubeClient;
  /** Workers per queue (upstream's ConcurrentGCSyncs, default 20). */
  workers?: number;
  /** How often discovery is re-read to watch new resources (default 30 s, as upstream). */
  discoveryResyncMs?: number;
  ignoredResources?: ReadonlyArray<{ group: string; resource: string }>;
  /** Records OwnerRefInvalidNamespace warnings. */
  recorder?: Pick<EventRecorder, 'record'>;
  clock?: TimerClock;
  logger?: Logger;
  /** Passed to every informer (page size, watch timeout, back-off). */
  informerOptions?: Omit<SharedInformerOptions, 'clock' | 'logger' | 'indexers'>;
}

interface Monitor {
  resource: ApiResource;
  informer: SharedInformer<KubeObject>;
  registration: HandlerRegistration;
  running?: Promise<void>;
}

/** Retries of a conditional patch that keeps hitting conflicts (upstream's retry.DefaultBackoff steps). */
const CONFLICT_RETRIES = 5;

/**
 * The collector. `run(signal)` discovers resources, starts one metadata informer per deletable resource,
 * waits for them to sync, then works both queues until the signal aborts.
 */
export class GarbageCollector {
  readonly graph: GraphBuilder;
  readonly attemptToDelete: Controller;
  readonly attemptToOrphan: Controller;
  private readonly client: KubeClient;
  private readonly metadataClient: KubeClient;
  private readonly clock: TimerClock;
  private readonly log: Logger;
  private readonly ignored: ReadonlyArray<{ group: string; resource: string }>;
  private readonly resyncMs: number;
  private readonly monitors = new Map<string, Monitor>();
  private readonly stopped: Array<Promise<void>> = [];
  private mapper = new RestMapper([]);
  /** Set while running: monitors added then start at once. */
  private runSignal: AbortSignal | undefined;

  constructor(private readonly opts: GarbageCollectorOptions) {
    this.client = opts.client;
    this.metadataClient = metadataClientOf(opts.client);
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ controller: 'garbagecollector' });
    this.ignored = opts.ignoredResources ?? DEFAULT_IGNORED_RESOURCES;
    this.resyncMs = opts.discoveryResyncMs ?? 30_000;
    const workers = opts.workers ?? 20;
    const synced = {
      hasSynced: () => this.hasSynced(),
      waitForSync: (s?: AbortSignal) => this.waitForSync(s),
    };
    this.attemptToDelete = new Controller({
      name: 'garbagecollector-attempt-to-delete',
      reconcile: (uid) => this.processAttemptToDelete(uid),
      informers: [synced],
      workers,
      maxRetries: Infinity,
      clock: this.clock,
      logger: opts.logger,
    });
    this.attemptToOrphan = new Controller({
      name: 'garbagecollector-attempt-to-orphan',
      reconcile: (uid) => this.processAttemptToOrphan(uid),
      informers: [synced],
      workers,
      maxRetries: Infinity,
      clock: this.clock,
      logger: opts.logger,
    });
    this.graph = new GraphBuilder({
      queues: {
        attemptToDelete: (n, rateLimited) => {
          if (rateLimited) this.attemptToDelete.enqueueRateLimited(n.identity.uid);
          else this.attemptToDelete.enqueue(n.identity.uid);
        },
        attemptToOrphan: (n) => this.attemptToOrphan.enqueue(n.identity.uid),
      },
      onInvalidNamespaceOwnerRef: (dep, ref) => this.reportInvalidNamespaceOwnerRef(dep, ref),
    });
  }

  /** True once every watched resource's informer has synced. */
  hasSynced(): boolean {
    if (this.monitors.size === 0) return false;
    for (const m of this.monitors.values()) if (!m.informer.hasSynced()) return false;
    return true;
  }

  /** Resources watched now, as `resource.group`. */
  monitoredResources(): string[] {
    return [...this.monitors.keys()].sort();
  }

  async run(outer: AbortSignal): Promise<void> {
    this.log.info('starting garbage collector');
    // One informer per resource listens on this signal.
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const onAbort = (): void => stop.abort();
    outer.addEventListener('abort', onAbort, { once: true });
    if (outer.aborted) stop.abort();
    const signal = stop.signal;
    try {
      while (!signal.aborted) {
        try {
          await this.syncMonitors(signal);
          break;
        } catch (err) {
          this.log.warn({ err: errorText(err) }, 'discovery failed; retrying');
          await sleepUnlessAborted(this.clock, Math.min(this.resyncMs, 5_000), signal);
        }
      }
      if (signal.aborted) return;
      this.runSignal = signal;
      for (const m of this.monitors.values()) this.startMonitor(m, signal);
      await Promise.all([
        this.attemptToDelete.run(signal),
        this.attemptToOrphan.run(signal),
        this.resyncLoop(signal),
      ]);
    } finally {
      outer.removeEventListener('abort', onAbort);
      this.runSignal = undefined;
      for (const m of this.monitors.values()) this.stopMonitor(m);
      await Promise.all(this.stopped);
      this.log.info('stopped garbage collector');
    }
  }

  private async waitForSync(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      const pending = [...this.monitors.values()].filter((m) => !m.informer.hasSynced());
      if (pending.length === 0) return this.monitors.size > 0;
      const results = await Promise.all(pending.map((m) => m.informer.waitForSync(signal)));
      if (!results.every(Boolean)) return false;
    }
  }

  private async resyncLoop(signal: AbortSignal): Promise<void> {
    if (this.resyncMs <= 0) return;
    while (!signal.aborted) {
      await sleepUnlessAborted(this.clock, this.resyncMs, signal);
      if (signal.aborted) return;
      try {
        await this.syncMonitors(signal);
      } catch (err) {
        this.log.warn({ err: errorText(err) }, 'discovery failed; keeping the current monitors');
      }
    }
  }

  /**
   * Reads discovery, refreshes the REST mapper and watches every deletable resource not ignored (and stops
   * watching resources no longer served).
   */
  async syncMonitors(signal?: AbortSignal): Promise<void> {
    const found = await discoverResources(this.client, signal);
    if (found.failed.size > 0) {
      this.log.warn({ groups: [...found.failed.keys()] }, 'discovery failed for some groups');
    }
    this.mapper = new RestMapper(found.all);
    const wanted = new Map<string, ApiResource>();
    for (const r of found.preferred) {
      if (!supportsVerbs(r, MONITOR_VERBS)) continue;
      if (this.ignored.some((i) => i.group === r.group && i.resource === r.resource)) continue;
      wanted.set(monitorKey(r), r);
    }
    for (const [key, m] of this.monitors) {
      // A group whose discovery failed keeps its monitors.
      if (wanted.has(key) || found.failed.has(groupVersionOf(m.resource))) continue;
      this.stopMonitor(m);
      this.monitors.delete(key);
    }
    for (const [key, r] of wanted) {
      const current = this.monitors.get(key);
      if (current && current.resource.version === r.version) continue;
      if (current) this.stopMonitor(current);
      const m = this.newMonitor(r);
      this.monitors.set(key, m);
      if (this.runSignal) this.startMonitor(m, this.runSignal);
    }
  }

  private startMonitor(m: Monitor, signal: AbortSignal): void {
    m.running ??= m.informer.run(signal);
  }

  private stopMonitor(m: Monitor): void {
    m.registration.remove();
    m.informer.stop();
    if (m.running) this.stopped.push(m.running);
  }

  private newMonitor(resource: ApiResource): Monitor {
    const informer = new SharedInformer<KubeObject>(this.metadataClient, resource, {
      transform: stripManagedFields,
      ...this.opts.informerOptions,
      clock: this.clock,
      logger: this.log,
    });
    const apiVersion = groupVersionOf(resource);
    const kind = resource.kind;
    const toGraph = (o: KubeObject): GraphObject => ({ apiVersion, kind, metadata: o.metadata });
    const registration = informer.addEventHandler({
      onAdd: (o) => this.graph.process({ type: 'add', obj: toGraph(o) }),
      onUpdate: (old, o) => this.graph.process({ type: 'update', obj: toGraph(o), old: toGraph(old) }),
      onDelete: (o) => this.graph.process({ type: 'delete', obj: toGraph(deletedObject(o)) }),
    });
    return { resource, informer, registration };
  }

  private async processAttemptToDelete(uid: string): Promise<void> {
    const n = this.graph.node(uid);
    if (!n) return;
    let outcome: AttemptOutcome;
    try {
      outcome = await this.attemptToDeleteItem(n);
    } catch (err) {
      if (err instanceof NamespacedOwnerOfClusterScopedObjectError) return;
      throw err;
    }
    if (outcome === 'virtual-delete') return;
    const current = this.graph.node(uid);
    if (current && !current.isObserved()) throw new NotObservedError(current);
  }

  private async processAttemptToOrphan(uid: string): Promise<void> {
    const owner = this.graph.node(uid);
    if (!owner) return;
    await this.orphanDependents(owner.identity, [...owner.dependents]);
    await this.removeFinalizer(owner, FINALIZER_ORPHAN_DEPENDENTS);
  }

  /**
   * Looks up the live object of `item` and deletes it when none of its owners is solid (all gone, or
   * waiting for their dependents in foreground deletion); removes dangling references when a solid owner
   * remains; finishes the item's own foreground deletion once no dependent blocks it.
   */
  async attemptToDeleteItem(item: GraphNode): Promise<AttemptOutcome> {
    // Being deleted is a one-way trip: the final delete event brings the dependents in.
    if (item.beingDeleted && !item.deletingDependents) return 'done';
    const latest = await this.getObject(item.identity);
    if (!latest || latest.metadata.uid !== item.identity.uid) {
      this.graph.enqueueVirtualDeleteEvent(item.identity);
      return 'virtual-delete';
    }
    if (item.deletingDependents) {
      await this.processDeletingDependentsItem(item);
      return 'done';
    }
    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return 'done';
    const { solid, dangling, waiting } = await this.classifyReferences(item, refs);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return 'done';
      // References to owners waiting in foreground deletion must go too, or those owners wait forever.
      const uids = new Set([...dangling, ...waiting].map((r) => r.uid));
      this.log.debug({ item: item.toString(), uids: [...uids] }, 'removing dangling and waiting references');
      await this.patchOwnerReferences(item.identity, (r) => (uids.has(r.uid) ? undefined : r));
      return 'done';
    }
    if (waiting.length > 0 && item.dependents.size > 0) {
      for (const dep of item.dependents) {
        if (!dep.deletingDependents) continue;
        // Owner and dependent both wait for dependents: make the item's references non-blocking to break a
        // possible cycle, then delete it in the foreground.
        this.log.debug({ item: item.toString(), dependent: dep.toString() }, 'unblocking owner references');
        await this.patchOwnerReferences(item.identity, (r) => ({ ...r, blockOwnerDeletion: false }));
        break;
      }
      await this.deleteObject(item.identity, 'Foreground');
      return 'done';
    }
    const policy = hasFinalizer(latest.metadata, FINALIZER_ORPHAN_DEPENDENTS)
      ? 'Orphan'
      : hasFinalizer(latest.metadata, FINALIZER_DELETE_DEPENDENTS)
        ? 'Foreground'
        : 'Background';
    this.log.debug({ item: item.toString(), policy }, 'deleting object');
    await this.deleteObject(item.identity, policy);
    return 'done';
  }

  private async processDeletingDependentsItem(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      await this.removeFinalizer(item, FINALIZER_DELETE_DEPENDENTS);
      return;
    }
    for (const dep of blocking) {
      if (!dep.deletingDependents) this.attemptToDelete.enqueue(dep.identity.uid);
    }
  }

  /** Sorts references into solid owners, dangling ones, and owners waiting for their dependents. */
  private async classifyReferences(
    item: GraphNode,
    refs: readonly OwnerReference[],
  ): Promise<{ solid: OwnerReference[]; dangling: OwnerReference[]; waiting: OwnerReference[] }> {
    const out = {
      solid: [] as OwnerReference[],
      dangling: [] as OwnerReference[],
      waiting: [] as OwnerReference[],
    };
    for (const ref of refs) {
      const owner = await this.liveOwner(ref, item);
      if (!owner) out.dangling.push(ref);
      else if (
        owner.metadata.deletionTimestamp &&
        hasFinalizer(owner.metadata, FINALIZER_DELETE_DEPENDENTS)
      ) {
        out.waiting.push(ref);
      } else out.solid.push(ref);
    }
    return out;
  }

  /** The owner a reference names, or undefined when it is absent (not found, or another uid by that name). */
  private async liveOwner(ref: OwnerReference, item: GraphNode): Promise<KubeObject | undefined> {
    const cache = this.graph.absentOwnerCache;
    const clusterKey = referenceOf(ref, '');
    if (cache.has(clusterKey)) return undefined;
    const namespacedKey = referenceOf(ref, item.identity.namespace);
    if (cache.has(namespacedKey)) return undefined;
    const res = this.mapper.resourceFor(ref.apiVersion, ref.kind);
    if (!res) throw new RestMappingError(ref.apiVersion, ref.kind);
    if (item.identity.namespace === '' && res.namespaced)
      throw new NamespacedOwnerOfClusterScopedObjectError();
    const key = res.namespaced ? namespacedKey : clusterKey;
    const owner = await this.getByName(res, key.namespace, ref.name);
    if (!owner || owner.metadata.uid !== ref.uid) {
      cache.add(key);
      return undefined;
    }
    return owner;
  }

  /** The live object (metadata only) at an identity's coordinates, whatever its uid; undefined if none. */
  private async getObject(id: ObjectReference): Promise<KubeObject | undefined> {
    const res = this.mapper.resourceFor(id.apiVersion, id.kind);
    if (!res) throw new RestMappingError(id.apiVersion, id.kind);
    if (res.namespaced && !id.namespace) return undefined;
    return this.getByName(res, res.namespaced ? id.namespace : '', id.name);
  }

  private async getByName(
    res: ApiResource,
    namespace: string,
    name: string,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.metadataClient.get(res, name, { namespace });
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return undefined;
      throw err;
    }
  }

  private async deleteObject(id: ObjectReference, policy: NonNullable<DeleteOptions['propagationPolicy']>) {
    const res = this.mapper.resourceFor(id.apiVersion, id.kind);
    if (!res) throw new RestMappingError(id.apiVersion, id.kind);
    await this.metadataClient.delete(res, id.name, {
      namespace: id.namespace,
      propagationPolicy: policy,
      preconditions: { uid: id.uid },
    });
  }

  /**
   * Rewrites the ownerReferences of the object at `id` (when it still has that uid) with a merge patch
   * guarded by its resourceVersion; `edit` returns the replacement of a reference or undefined to drop it.
   * Conflicts retry from a fresh read.
   */
  private patchOwnerReferences(
    id: ObjectReference,
    edit: (ref: OwnerReference) => OwnerReference | undefined,
  ): Promise<void> {
    return this.patchMetadata(id, (latest) => {
      const next: OwnerReference[] = [];
      for (const r of latest.metadata.ownerReferences ?? []) {
        const e = edit(r);
        if (e) next.push(e);
      }
      return { ownerReferences: next.length > 0 ? next : null };
    });
  }

  /** Removes `finalizer` from the object of `owner`; nothing to do when it is gone or already lacks it. */
  private removeFinalizer(owner: GraphNode, finalizer: string): Promise<void> {
    const id = owner.identity;
    return this.patchMetadata(
      id,
      (latest) => {
        const finalizers = latest.metadata.finalizers ?? [];
        if (!finalizers.includes(finalizer)) return undefined;
        const rest = finalizers.filter((f) => f !== finalizer);
        return { finalizers: rest.length > 0 ? rest : null };
      },
      {
        onGetError: (err) =>
          new Error(
            `cannot finalize owner ${describeReference(id)}, because cannot get it: ${errorText(err)}. The garbage collector will retry later`,
          ),
        onConflicts: () =>
          new Error(
            `updateMaxRetries(${CONFLICT_RETRIES}) has reached. The garbage collector will retry later for owner ${describeReference(id)}`,
          ),
      },
    );
  }

  /**
   * Merge-patches metadata fields of the object at `id` (while it still has that uid), guarded by the
   * resourceVersion it was read at; `change` computes the fields from that read, or undefined for nothing to
   * do. A conflict retries from a fresh read, up to {@link CONFLICT_RETRIES} times; a 404 means done. Errors
   * of the read and running out of retries are reported through `errors` when given.
   */
  private async patchMetadata(
    id: ObjectReference,
    change: (latest: KubeObject) => Record<string, unknown> | undefined,
    errors: { onGetError?: (err: unknown) => Error; onConflicts?: () => Error } = {},
  ): Promise<void> {
    const res = this.mapper.resourceFor(id.apiVersion, id.kind);
    if (!res) throw new RestMappingError(id.apiVersion, id.kind);
    for (let attempt = 0; ; attempt++) {
      let latest: KubeObject | undefined;
      try {
        latest = await this.getObject(id);
      } catch (err) {
        throw errors.onGetError ? errors.onGetError(err) : err;
      }
      if (!latest || latest.metadata.uid !== id.uid) return;
      const fields = change(latest);
      if (!fields) return;
      try {
        await this.metadataClient.patch(
          res,
          id.name,
          { metadata: { resourceVersion: latest.metadata.resourceVersion, ...fields } },
          { type: 'merge', namespace: id.namespace },
        );
        return;
      } catch (err) {
        if (isStatusError(err) && err.code === 404) return;
        if (isStatusError(err) && err.code === 409) {
          if (attempt + 1 < CONFLICT_RETRIES) continue;
          if (errors.onConflicts) throw errors.onConflicts();
        }
        throw err;
      }
    }
  }

  /** Drops the reference to `owner` from every dependent, concurrently; dependents already gone are fine. */
  private async orphanDependents(owner: ObjectReference, dependents: readonly GraphNode[]): Promise<void> {
    const results = await Promise.allSettled(
      dependents.map((dep) =>
        this.patchOwnerReferences(dep.identity, (r) => (r.uid === owner.uid ? undefined : r)),
      ),
    );
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
    if (errors.length > 0) {
      throw new Error(
        `failed to orphan dependents of owner ${describeReference(owner)}, got errors: ${errors.join(', ')}`,
      );
    }
  }

  private reportInvalidNamespaceOwnerRef(dep: GraphNode, ref: OwnerReference): void {
    const id = dep.identity;
    const invalid = referenceOf(ref, id.namespace);
    this.log.info(
      { item: dep.toString(), owner: describeReference(invalid) },
      'owner reference names another namespace',
    );
    this.opts.recorder?.record(
      { apiVersion: id.apiVersion, kind: id.kind, name: id.name, namespace: id.namespace, uid: id.uid },
      'Warning',
      'OwnerRefInvalidNamespace',
      `ownerRef ${describeReference(invalid)} does not exist in namespace "${id.namespace}"`,
    );
  }
}

function monitorKey(r: { group: string; resource: string }): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}
