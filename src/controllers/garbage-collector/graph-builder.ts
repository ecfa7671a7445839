/**
 * @module GraphBuilder: folds object events (from informers, plus virtual deletes the collector produces)
 * into the dependency graph and queues the nodes the collector must look at, as upstream's GraphBuilder.
 */
import type { ObjectMeta, OwnerReference } from '../../api/object.js';
import { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS } from '../../api/validation/meta.js';
import {
  alternateOwnerIdentity,
  GraphNode,
  matchesCoordinates,
  type ObjectReference,
  partitionDependents,
  ReferenceCache,
  referenceOf,
  referencesDiffs,
  sameReference,
} from './graph.js';

/** An object as the graph sees it: its type (from the resource it was listed as) and its metadata. */
export interface GraphObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/**
 * A change to fold into the graph. `virtual` deletes come from the collector when the API server says an
 * identity does not exist; their object carries only name, namespace and uid.
 */
export type GraphEvent =
  | { type: 'add'; obj: GraphObject }
  | { type: 'update'; obj: GraphObject; old: GraphObject }
  | { type: 'delete'; obj: GraphObject; virtual?: boolean };

/**
 * Where the builder sends work. `attemptToDelete` gets nodes that may be garbage (or whose owner waits for
 * them); `attemptToOrphan` gets owners deleted with the orphan finalizer.
 */
export interface GraphQueues {
  attemptToDelete(node: GraphNode, rateLimited?: boolean): void;
  attemptToOrphan(node: GraphNode): void;
}

export interface GraphBuilderOptions {
  queues: GraphQueues;
  /** Called when a dependent names an observed namespaced owner from another namespace. */
  onInvalidNamespaceOwnerRef?: (dependent: GraphNode, ownerRef: OwnerReference) => void;
  absentOwnerCacheSize?: number;
}

/**
 * The uid-keyed graph. `process` applies one event synchronously and in order; every decision that needs
 * the API server is left to the collector through the queues.
 */
export class GraphBuilder {
  readonly uidToNode = new Map<string, GraphNode>();
  /** Owners verified absent (by identity, namespace included for namespaced owners). */
  readonly absentOwnerCache: ReferenceCache;
  private readonly queues: GraphQueues;
  private readonly onInvalidNamespaceOwnerRef: GraphBuilderOptions['onInvalidNamespaceOwnerRef'];

  constructor(opts: GraphBuilderOptions) {
    this.queues = opts.queues;
    this.onInvalidNamespaceOwnerRef = opts.onInvalidNamespaceOwnerRef;
    this.absentOwnerCache = new ReferenceCache(opts.absentOwnerCacheSize ?? 500);
  }

  node(uid: string): GraphNode | undefined {
    return this.uidToNode.get(uid);
  }

  /** The API server says `identity` does not exist: fold that in as a delete event. */
  enqueueVirtualDeleteEvent(identity: ObjectReference): void {
    this.process({
      type: 'delete',
      virtual: true,
      obj: {
        apiVersion: identity.apiVersion,
        kind: identity.kind,
        metadata: {
          name: identity.name,
          uid: identity.uid,
          ...(identity.namespace ? { namespace: identity.namespace } : {}),
        },
      },
    });
  }

  process(event: GraphEvent): void {
    const meta = event.obj.metadata;
    const uid = meta.uid;
    if (!uid) return;
    const virtual = event.type === 'delete' && event.virtual === true;
    let existing = this.uidToNode.get(uid);

    if (existing && !virtual && !existing.isObserved()) {
      // An informer now shows the object a virtual node stood for.
      const observed = identityOf(event.obj);
      if (!sameReference(observed, existing.identity)) {
        const { nonmatching } = partitionDependents(existing.dependents, observed);
        for (const dep of nonmatching) {
          if (observed.namespace !== '' && dep.identity.namespace !== observed.namespace) {
            this.reportInvalidNamespaceOwnerRef(dep, uid);
          }
          this.queues.attemptToDelete(dep);
        }
        existing = existing.clone();
        existing.identity = observed;
        this.uidToNode.set(uid, existing);
      }
      existing.markObserved();
    }

    if (event.type !== 'delete') {
      const old = event.type === 'update' ? event.old : undefined;
      const owners = meta.ownerReferences ?? [];
      if (!existing) {
        const node = new GraphNode({
          identity: identityOf(event.obj),
          owners,
          deletingDependents: beingDeleted(meta) && hasFinalizer(meta, FINALIZER_DELETE_DEPENDENTS),
          beingDeleted: beingDeleted(meta),
        });
        this.insertNode(node);
        this.processTransitions(old, meta, node);
        return;
      }
      const diffs = referencesDiffs(existing.owners, owners);
      if (diffs.added.length > 0 || diffs.removed.length > 0 || diffs.changed.length > 0) {
        this.addUnblockedOwnersToDeleteQueue(diffs.removed, diffs.changed);
        existing.owners = owners;
        this.addDependentToOwners(existing, diffs.added);
        this.removeDependentFromOwners(existing, diffs.removed);
      }
      if (beingDeleted(meta)) existing.beingDeleted = true;
      this.processTransitions(old, meta, existing);
      return;
    }

    if (!existing) return;
    let remove = true;
    if (virtual) {
      const deleted = identityOf(event.obj);
      if (!existing.isObserved()) {
        // Dependents may name this uid with other coordinates: only the ones naming `deleted` are settled.
        const { matching, nonmatching } = partitionDependents(existing.dependents, deleted);
        if (nonmatching.length > 0) {
          remove = false;
          if (matching.length > 0) {
            this.absentOwnerCache.add(deleted);
            for (const dep of matching) this.queues.attemptToDelete(dep);
          }
          if (sameReference(existing.identity, deleted)) {
            const replacement = alternateOwnerIdentity(nonmatching, deleted);
            if (replacement) {
              const node = existing.clone();
              node.identity = replacement;
              this.uidToNode.set(uid, node);
              this.queues.attemptToDelete(node, true);
            }
          }
        }
      } else if (!sameReference(existing.identity, deleted)) {
        // The observed object exists under other coordinates; dependents naming `deleted` are dangling.
        remove = false;
        const { matching } = partitionDependents(existing.dependents, deleted);
        if (matching.length > 0) {
          this.absentOwnerCache.add(deleted);
          for (const dep of matching) this.queues.attemptToDelete(dep);
        }
      }
    }
    if (!remove) return;
    this.removeNode(existing);
    if (existing.dependents.size > 0) this.absentOwnerCache.add(identityOf(event.obj));
    for (const dep of existing.dependents) this.queues.attemptToDelete(dep);
    for (const ref of existing.owners) {
      const owner = this.uidToNode.get(ref.uid);
      if (owner?.deletingDependents) this.queues.attemptToDelete(owner);
    }
  }

  private insertNode(n: GraphNode): void {
    this.uidToNode.set(n.identity.uid, n);
    this.addDependentToOwners(n, n.owners);
  }

  private removeNode(n: GraphNode): void {
    this.uidToNode.delete(n.identity.uid);
    this.removeDependentFromOwners(n, n.owners);
  }

  /**
   * Links `n` under each owner, creating virtual owners for uids not in the graph (queued so the collector
   * checks they exist). A reference whose coordinates disagree with a known owner queues `n` for a check.
   */
  private addDependentToOwners(n: GraphNode, owners: readonly OwnerReference[]): void {
    let suspicious = false;
    for (const ref of owners) {
      let owner = this.uidToNode.get(ref.uid);
      const known = owner !== undefined;
      if (!owner) {
        owner = new GraphNode({ identity: referenceOf(ref, n.identity.namespace), virtual: true });
        this.uidToNode.set(ref.uid, owner);
      }
      owner.dependents.add(n);
      if (!known) {
        this.queues.attemptToDelete(owner);
        continue;
      }
      if (suspicious) continue;
      const ownerNamespaced = owner.identity.namespace !== '';
      if (ownerNamespaced && owner.identity.namespace !== n.identity.namespace) {
        if (owner.isObserved()) this.reportInvalidNamespaceOwnerRef(n, ref.uid);
        suspicious = true;
      } else if (!matchesCoordinates(ref, owner.identity)) {
        suspicious = true;
      } else if (
        !ownerNamespaced &&
        owner.identity.namespace !== n.identity.namespace &&
        !owner.isObserved()
      ) {
        // A virtual cluster-scoped owner named from elsewhere may really be a namespaced kind: verify.
        suspicious = true;
      }
    }
    if (suspicious) this.queues.attemptToDelete(n);
  }

  private removeDependentFromOwners(n: GraphNode, owners: readonly OwnerReference[]): void {
    for (const ref of owners) this.uidToNode.get(ref.uid)?.dependents.delete(n);
  }

  /** Owners that a dependent stopped blocking may be able to finish a foreground deletion. */
  private addUnblockedOwnersToDeleteQueue(
    removed: readonly OwnerReference[],
    changed: ReadonlyArray<{ oldRef: OwnerReference; newRef: OwnerReference }>,
  ): void {
    for (const ref of removed) {
      if (ref.blockOwnerDeletion !== true) continue;
      const owner = this.uidToNode.get(ref.uid);
      if (owner) this.queues.attemptToDelete(owner);
    }
    for (const { oldRef, newRef } of changed) {
      if (oldRef.blockOwnerDeletion === true && newRef.blockOwnerDeletion !== true) {
        const owner = this.uidToNode.get(newRef.uid);
        if (owner) this.queues.attemptToDelete(owner);
      }
    }
  }

  private processTransitions(old: GraphObject | undefined, meta: ObjectMeta, n: GraphNode): void {
    if (startsWaitingFor(old?.metadata, meta, FINALIZER_ORPHAN_DEPENDENTS)) {
      this.queues.attemptToOrphan(n);
      return;
    }
    if (startsWaitingFor(old?.metadata, meta, FINALIZER_DELETE_DEPENDENTS)) {
      // A node first seen as virtual lacks the flag: set it here.
      n.deletingDependents = true;
      for (const dep of n.dependents) this.queues.attemptToDelete(dep);
      this.queues.attemptToDelete(n);
    }
  }

  private reportInvalidNamespaceOwnerRef(dependent: GraphNode, ownerUid: string): void {
    const ref = dependent.owners.find((o) => o.uid === ownerUid);
    if (ref) this.onInvalidNamespaceOwnerRef?.(dependent, ref);
  }
}

/** The identity of an event's object. */
export function identityOf(obj: GraphObject): ObjectReference {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? '',
    uid: obj.metadata.uid ?? '',
    namespace: obj.metadata.namespace ?? '',
  };
}

export function beingDeleted(meta: ObjectMeta): boolean {
  return meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null;
}

export function hasFinalizer(meta: ObjectMeta, finalizer: string): boolean {
  return (meta.finalizers ?? []).includes(finalizer);
}

/** The object now is being deleted with `finalizer`, and before it was not (or was not seen). */
function startsWaitingFor(old: ObjectMeta | undefined, meta: ObjectMeta, finalizer: string): boolean {
  if (!beingDeleted(meta) || !hasFinalizer(meta, finalizer)) return false;
  if (!old) return true;
  return !beingDeleted(old) || !hasFinalizer(old, finalizer);
}
