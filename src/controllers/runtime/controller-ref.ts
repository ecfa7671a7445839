/**
 * @module Owner references and upstream's ControllerRefManager: a controller claims the objects it owns, adopts
 * orphans that match its selector (unless it is being deleted), and releases owned objects that stopped matching.
 */
import { isStatusError } from '../../api/errors.js';
import type { LabelSelector } from '../../api/labels.js';
import type { KubeObject, OwnerReference } from '../../api/object.js';
import type { KubeClient } from '../../client/client.js';
import { apiVersionOf, type ResourceDescriptor } from '../../client/resources.js';

/** The owner reference that says `controller: true`, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  for (const ref of obj.metadata.ownerReferences ?? []) if (ref.controller === true) return ref;
  return undefined;
}

/** Whether `owner` (by uid) is the controller of `obj`. */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(obj);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}

/** A controller reference to `owner` (upstream's NewControllerRef: controller and blockOwnerDeletion true). */
export function newControllerRef(
  owner: KubeObject,
  kind: { apiVersion: string; kind: string },
): OwnerReference {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The apiVersion and kind of a resource, for owner references. */
export function groupVersionKindOf(res: ResourceDescriptor): { apiVersion: string; kind: string } {
  return { apiVersion: apiVersionOf(res), kind: res.kind };
}

/** Strategic merge patch that adds a controller reference, guarded by the object's uid (as upstream). */
export function adoptPatch(ref: OwnerReference, uid: string): object {
  return { metadata: { ownerReferences: [ref], uid } };
}

/** Strategic merge patch that removes the owner reference with `ownerUid`, guarded by the object's uid. */
export function releasePatch(ownerUid: string, uid: string): object {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid } };
}

export interface ControllerRefManagerOptions<O extends KubeObject, T extends KubeObject> {
  client: KubeClient;
  /** The controller object (e.g. a ReplicaSet) as in the informer cache. */
  controller: O;
  /** The controller's resource, for its owner references. */
  controllerResource: ResourceDescriptor<O>;
  /** The resource of the claimed objects (e.g. PODS). */
  resource: ResourceDescriptor<T>;
  selector: LabelSelector;
  /**
   * Checked once before the first adoption: throws if the controller is gone or being deleted. Upstream reads
   * the controller fresh from the API server here ({@link recheckDeletionTimestamp}).
   */
  canAdopt: () => Promise<void>;
}

/**
 * Decides, object by object, which of the candidates (usually every object of the kind in the controller's
 * namespace) belong to the controller, adopting and releasing as it goes; the ClaimObject rules of upstream.
 */
export class ControllerRefManager<O extends KubeObject, T extends KubeObject> {
  private adoptCheck: Promise<void> | undefined;
  private readonly ref: OwnerReference;

  constructor(private readonly opts: ControllerRefManagerOptions<O, T>) {
    this.ref = newControllerRef(opts.controller, groupVersionKindOf(opts.controllerResource));
  }

  /**
   * Objects the controller owns after adoption/release, in the order given. Per-object failures do not stop
   * the others; if any failed, the claimed ones are still returned and `errors` lists the failures.
   */
  async claim(
    candidates: readonly T[],
    filter?: (obj: T) => boolean,
  ): Promise<{ claimed: T[]; errors: Error[] }> {
    const claimed: T[] = [];
    const errors: Error[] = [];
    for (const obj of candidates) {
      try {
        const owned = await this.claimObject(
          obj,
          (o) => this.opts.selector.matches(o.metadata.labels) && (filter?.(o) ?? true),
        );
        if (owned) claimed.push(owned);
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return { claimed, errors };
  }

  /** One object: the (possibly adopted) object if the controller owns it, else undefined. */
  async claimObject(obj: T, match: (o: T) => boolean): Promise<T | undefined> {
    const controller = this.opts.controller;
    const ref = getControllerOf(obj);
    if (ref) {
      if (ref.uid !== controller.metadata.uid) return undefined;
      if (match(obj)) return obj;
      // Owned but no longer selected: let it go, unless the controller itself is going away.
      if (controller.metadata.deletionTimestamp) return undefined;
      await ignoreNotFound(this.release(obj));
      return undefined;
    }
    if (controller.metadata.deletionTimestamp || !match(obj)) return undefined;
    if (obj.metadata.deletionTimestamp) return undefined;
    if (controller.metadata.namespace && controller.metadata.namespace !== obj.metadata.namespace)
      return undefined;
    const adopted = await ignoreNotFound(this.adopt(obj));
    return adopted;
  }

  private async adopt(obj: T): Promise<T> {
    this.adoptCheck ??= this.opts.canAdopt();
    try {
      await this.adoptCheck;
    } catch (err) {
      const what = `${this.opts.resource.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
      throw new Error(`can't adopt ${what} (${obj.metadata.uid ?? ''}): ${(err as Error).message}`);
    }
    return this.opts.client.patch(
      this.opts.resource,
      obj.metadata.name ?? '',
      adoptPatch(this.ref, obj.metadata.uid ?? ''),
      {
        type: 'strategic',
        namespace: obj.metadata.namespace,
      },
    );
  }

  private async release(obj: T): Promise<void> {
    try {
      await this.opts.client.patch(
        this.opts.resource,
        obj.metadata.name ?? '',
        releasePatch(this.opts.controller.metadata.uid ?? '', obj.metadata.uid ?? ''),
        { type: 'strategic', namespace: obj.metadata.namespace },
      );
    } catch (err) {
      // Invalid: the object was deleted and recreated (uid differs); nothing to release.
      if (isStatusError(err) && err.code === 422) return;
      throw err;
    }
  }
}

/** Resolves undefined instead of rejecting with NotFound. */
async function ignoreNotFound<R>(p: Promise<R>): Promise<R | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isStatusError(err) && err.code === 404) return undefined;
    throw err;
  }
}

/**
 * upstream's RecheckDeletionTimestamp: reads the controller fresh (not from a cache) and throws if it was
 * replaced (another uid) or is being deleted, so a stale cache never adopts for a dying controller.
 */
export function recheckDeletionTimestamp<O extends KubeObject>(
  client: KubeClient,
  res: ResourceDescriptor<O>,
  controller: O,
): () => Promise<void> {
  return async () => {
    const { namespace, name, uid } = controller.metadata;
    const fresh = await client.get(res, name ?? '', { namespace });
    if (fresh.metadata.uid !== uid) {
      throw new Error(
        `original ${namespace ?? ''}/${name ?? ''} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${uid ?? ''}`,
      );
    }
    if (fresh.metadata.deletionTimestamp) {
      throw new Error(
        `${namespace ?? ''}/${name ?? ''} has just been deleted at ${fresh.metadata.deletionTimestamp}`,
      );
    }
  };
}
