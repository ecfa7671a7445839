/**
 * @module The garbage collector's dependency graph: one node per object uid, each owner pointing at its
 * dependents, plus the pure helpers the graph builder and the collector decide with.
 */
import type { OwnerReference } from '../../api/object.js';

/** Where an object is: an owner reference's identifying fields plus the namespace ('' when cluster-scoped). */
export interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
}

/** The identity an owner reference names, in the namespace of the dependent holding it. */
export function referenceOf(ref: OwnerReference, namespace: string): ObjectReference {
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace };
}

/** A string equal for equal references (for caches and sets). */
export function referenceKey(r: ObjectReference): string {
  return `${r.apiVersion}\u0000${r.kind}\u0000${r.namespace}\u0000${r.name}\u0000${r.uid}`;
}

export function sameReference(a: ObjectReference, b: ObjectReference): boolean {
  return (
    a.uid === b.uid &&
    a.name === b.name &&
    a.kind === b.kind &&
    a.apiVersion === b.apiVersion &&
    a.namespace === b.namespace
  );
}

/** Upstream's objectReference String(), used in logs and event messages. */
export function describeReference(r: ObjectReference): string {
  return `[${r.apiVersion}/${r.kind}, namespace: ${r.namespace}, name: ${r.name}, uid: ${r.uid}]`;
}

/** Whether an owner reference names exactly these coordinates (uid, name, kind, apiVersion). */
export function matchesCoordinates(
  ref: OwnerReference,
  id: Pick<ObjectReference, 'apiVersion' | 'kind' | 'name' | 'uid'>,
): boolean {
  return (
    ref.uid === id.uid && ref.name === id.name && ref.kind === id.kind && ref.apiVersion === id.apiVersion
  );
}

/** Upstream's referenceLessThan: cluster-scoped first, then namespace, apiVersion, kind, name, uid. */
export function referenceLessThan(a: ObjectReference, b: ObjectReference): boolean {
  const aCluster = a.namespace === '';
  const bCluster = b.namespace === '';
  if (aCluster !== bCluster) return aCluster;
  for (const k of ['namespace', 'apiVersion', 'kind', 'name', 'uid'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k];
  }
  return false;
}

/** One object (or a virtual stand-in for an owner not observed yet). */
export class GraphNode {
  identity: ObjectReference;
  /** Objects whose ownerReferences name this node's uid. */
  readonly dependents: Set<GraphNode>;
  /** This object's ownerReferences as last observed. */
  owners: readonly OwnerReference[];
  /** Being deleted with the foregroundDeletion finalizer: waits for its blocking dependents. */
  deletingDependents: boolean;
  /** Has a deletionTimestamp. */
  beingDeleted: boolean;
  /** Known only from a dependent's ownerReference, not (yet) from an informer. */
  virtual: boolean;

  constructor(init: {
    identity: ObjectReference;
    owners?: readonly OwnerReference[];
    dependents?: Iterable<GraphNode>;
    deletingDependents?: boolean;
    beingDeleted?: boolean;
    virtual?: boolean;
  }) {
    this.identity = init.identity;
    this.owners = init.owners ?? [];
    this.dependents = new Set(init.dependents);
    this.deletingDependents = init.deletingDependents ?? false;
    this.beingDeleted = init.beingDeleted ?? false;
    this.virtual = init.virtual ?? false;
  }

  isObserved(): boolean {
    return !this.virtual;
  }
  markObserved(): void {
    this.virtual = false;
  }

  /** Dependents whose reference to this node says blockOwnerDeletion: true. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents) {
      if (dep.owners.some((o) => o.uid === this.identity.uid && o.blockOwnerDeletion === true)) out.push(dep);
    }
    return out;
  }

  /** A copy sharing the dependent nodes (not the set). */
  clone(): GraphNode {
    return new GraphNode(this);
  }

  toString(): string {
    return describeReference(this.identity);
  }
}

/** How ownerReferences changed, matched by uid. */
export interface ReferenceDiffs {
  added: OwnerReference[];
  removed: OwnerReference[];
  changed: Array<{ oldRef: OwnerReference; newRef: OwnerReference }>;
}

export function referencesDiffs(
  old: readonly OwnerReference[],
  next: readonly OwnerReference[],
): ReferenceDiffs {
  const oldByUid = new Map(old.map((r) => [r.uid, r]));
  const out: ReferenceDiffs = { added: [], removed: [], changed: [] };
  for (const r of next) {
    const o = oldByUid.get(r.uid);
    if (!o) out.added.push(r);
    else {
      if (!sameOwnerReference(o, r)) out.changed.push({ oldRef: o, newRef: r });
      oldByUid.delete(r.uid);
    }
  }
  out.removed.push(...oldByUid.values());
  return out;
}

/** Field-by-field equality; an absent flag differs from an explicit false, as upstream compares pointers. */
function sameOwnerReference(a: OwnerReference, b: OwnerReference): boolean {
  return (
    matchesCoordinates(a, b) && a.controller === b.controller && a.blockOwnerDeletion === b.blockOwnerDeletion
  );
}

/**
 * Splits dependents by whether their reference to `owner.uid` agrees with `owner`'s coordinates. A
 * dependent in another namespace than a namespaced owner never matches. One dependent may land in both
 * lists when it holds two references to the uid.
 */
export function partitionDependents(
  dependents: Iterable<GraphNode>,
  owner: ObjectReference,
): { matching: GraphNode[]; nonmatching: GraphNode[] } {
  const matching: GraphNode[] = [];
  const nonmatching: GraphNode[] = [];
  const ownerNamespaced = owner.namespace !== '';
  for (const dep of dependents) {
    let match = false;
    let mismatch = false;
    if (ownerNamespaced && dep.identity.namespace !== owner.namespace) {
      mismatch = true;
    } else {
      for (const ref of dep.owners) {
        if (ref.uid !== owner.uid) continue;
        if (matchesCoordinates(ref, owner)) match = true;
        else mismatch = true;
      }
    }
    if (match) matching.push(dep);
    if (mismatch) nonmatching.push(dep);
  }
  return { matching, nonmatching };
}

/**
 * Another identity dependents give the uid of an owner verified absent under `absent`: the first one
 * ordered after `absent` (so retries walk through every candidate), else the first seen.
 */
export function alternateOwnerIdentity(
  dependents: Iterable<GraphNode>,
  absent: ObjectReference,
): ObjectReference | undefined {
  const absentClusterScoped = absent.namespace === '';
  const seen = new Set([referenceKey(absent)]);
  let first: ObjectReference | undefined;
  let firstFollowing: ObjectReference | undefined;
  for (const dep of dependents) {
    for (const ref of dep.owners) {
      if (ref.uid !== absent.uid) continue;
      if (
        matchesCoordinates(ref, absent) &&
        (absentClusterScoped || absent.namespace === dep.identity.namespace)
      ) {
        continue;
      }
      let candidate = referenceOf(ref, dep.identity.namespace);
      // The absent identity proved this apiVersion/kind cluster-scoped.
      if (
        absentClusterScoped &&
        candidate.apiVersion === absent.apiVersion &&
        candidate.kind === absent.kind
      ) {
        candidate = { ...candidate, namespace: '' };
      }
      const key = referenceKey(candidate);
      if (seen.has(key)) continue;
      seen.add(key);
      first ??= candidate;
      if (!firstFollowing && referenceLessThan(absent, candidate)) firstFollowing = candidate;
    }
  }
  return firstFollowing ?? first;
}

/** A bounded set of references known absent (least recently used entries go first). */
export class ReferenceCache {
  private readonly entries = new Set<string>();

  constructor(private readonly capacity = 500) {}

  add(r: ObjectReference): void {
    const key = referenceKey(r);
    this.entries.delete(key);
    this.entries.add(key);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.values().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  has(r: ObjectReference): boolean {
    const key = referenceKey(r);
    if (!this.entries.has(key)) return false;
    this.entries.delete(key);
    this.entries.add(key);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}
