/**
 * @module The ReplicaSet controller (upstream's pkg/controller/replicaset): keeps `spec.replicas` active pods
 * from the template, creating in slow-start batches and deleting the pods upstream's ranking prefers, adopts
 * and releases pods by selector, and reports replicas, fullyLabeledReplicas, readyReplicas,
 * availableReplicas, observedGeneration and the ReplicaFailure condition.
 */
import { pino, type Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import { selectorFromSet } from '../../api/labels.js';
import type { ReplicaSetCondition, ReplicaSetStatus } from '../../api/openapi/generated/types.js';
import type { KubeClient } from '../../client/client.js';
import type { SharedInformerFactory } from '../../client/informer/factory.js';
import { NAMESPACE_INDEX, objectKey, splitKey } from '../../client/informer/indexer.js';
import {
  deletedObject,
  type DeletedFinalStateUnknown,
  type SharedInformer,
} from '../../client/informer/shared-informer.js';
import { PODS, REPLICA_SETS, type Pod, type ReplicaSet } from '../../client/resources.js';
import { rfc3339, systemClock, type TimerClock } from '../../util/clock.js';
import { Controller, errorText, type ReconcileResult } from '../runtime/controller.js';
import type { ControllerDescriptor } from '../runtime/controller-manager.js';
import {
  ControllerRefManager,
  getControllerOf,
  groupVersionKindOf,
  newControllerRef,
  recheckDeletionTimestamp,
} from '../runtime/controller-ref.js';
import type { EventRecorder } from '../runtime/event-recorder.js';
import { SelectorOwners } from '../runtime/selector-owners.js';
import { UIDTrackingControllerExpectations } from '../runtime/expectations.js';
import {
  filterActivePods,
  isPodAvailable,
  isPodReady,
  podFromTemplate,
  podsToDelete,
} from '../runtime/pod-util.js';

/** Upstream's BurstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;
/** Upstream's SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** Index of ReplicaSets by the uid of their controller (e.g. a Deployment). */
export const CONTROLLER_UID_INDEX = 'controllerUID';

export interface ReplicaSetControllerOptions {
  client: KubeClient;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  workers?: number;
  burstReplicas?: number;
  clock?: TimerClock;
  logger?: Logger;
}

/**
 * upstream's slowStartBatch: calls `fn` `count` times in batches of 1, 2, 4, ... (each batch concurrently);
 * stops after the first batch with a failure. Returns the successes and the first error.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += size - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]!.reason };
    remaining -= size;
  }
  return { successes };
}

/** upstream's calculateStatus: counts over the claimed active pods, and the ReplicaFailure condition. */
export function calculateReplicaSetStatus(
  rs: ReplicaSet,
  pods: readonly Pod[],
  manageError: unknown,
  now: Date,
): ReplicaSetStatus {
  const status: ReplicaSetStatus = { ...(rs.status ?? { replicas: 0 }) };
  const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  const failure = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (manageError !== undefined && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const cond: ReplicaSetCondition = {
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: rfc3339(now),
      reason: diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '',
      message: errorText(manageError),
    };
    status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure'), cond];
  } else if (manageError === undefined && failure) {
    const rest = (status.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
    if (rest.length > 0) status.conditions = rest;
    else delete status.conditions;
  }
  status.replicas = pods.length;
  status.fullyLabeledReplicas = fullyLabeled;
  status.readyReplicas = ready;
  status.availableReplicas = available;
  // Zero counts are omitted on the wire (omitempty), except replicas.
  for (const k of [
    'fullyLabeledReplicas',
    'readyReplicas',
    'availableReplicas',
    'observedGeneration',
  ] as const) {
    if (status[k] === 0) delete status[k];
  }
  return status;
}

function sameStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  return (
    (a?.replicas ?? 0) === b.replicas &&
    (a?.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a?.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a?.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    JSON.stringify(a?.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The namespace-is-terminating cause the API server adds to refused creates. */
function isNamespaceTerminating(err: unknown): boolean {
  return (
    isStatusError(err) && (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating')
  );
}

export class ReplicaSetController {
  readonly controller: Controller;
  readonly expectations: UIDTrackingControllerExpectations;
  readonly rsInformer: SharedInformer<ReplicaSet>;
  readonly podInformer: SharedInformer<Pod>;
  private readonly client: KubeClient;
  private readonly recorder: EventRecorder;
  private readonly clock: TimerClock;
  private readonly log: Logger;
  private readonly burstReplicas: number;
  private readonly owners: SelectorOwners<ReplicaSet>;

  constructor(opts: ReplicaSetControllerOptions) {
    this.client = opts.client;
    this.recorder = opts.recorder;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ controller: 'replicaset' });
    this.burstReplicas = opts.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new UIDTrackingControllerExpectations(this.clock);
    this.rsInformer = opts.informers.informerFor(REPLICA_SETS);
    this.podInformer = opts.informers.informerFor(PODS);
    this.owners = new SelectorOwners(this.rsInformer.store, 'ReplicaSet');
    ensureControllerUidIndex(this.rsInformer);
    this.controller = new Controller({
      name: 'replicaset',
      reconcile: (key) => this.sync(key),
      informers: [this.rsInformer, this.podInformer],
      workers: opts.workers ?? 5,
      maxRetries: Infinity,
      clock: this.clock,
      logger: opts.logger,
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.controller.enqueueObject(rs),
      onUpdate: (old, cur) => {
        if (old.metadata.uid !== cur.metadata.uid) this.deleteRS(old);
        this.controller.enqueueObject(cur);
      },
      onDelete: (obj) => this.deleteRS(deletedObject(obj)),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (pod) => this.deletePod(pod),
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  private deleteRS(rs: ReplicaSet): void {
    const key = objectKey(rs);
    this.expectations.deleteExpectations(key);
    this.controller.enqueue(key);
  }

  /** ReplicaSets in the pod's namespace whose selector matches it. */
  private podReplicaSets(pod: Pod): ReplicaSet[] {
    return this.owners.selecting(pod);
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.owners.resolveControllerRef(pod.metadata.namespace ?? '', ref);
      if (!rs) return;
      const key = objectKey(rs);
      this.expectations.creationObserved(key);
      this.controller.enqueue(key);
      return;
    }
    for (const rs of this.podReplicaSets(pod)) this.controller.enqueueObject(rs);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelChanged =
      JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const rs = this.owners.resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (rs) this.controller.enqueueObject(rs);
    }
    if (curRef) {
      const rs = this.owners.resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (!rs) return;
      this.controller.enqueueObject(rs);
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
        // One extra second against clock skew, as upstream.
        this.controller.enqueueAfter(objectKey(rs), minReady * 1000 + 1000);
      }
      return;
    }
    if (labelChanged || refChanged)
      for (const rs of this.podReplicaSets(cur)) this.controller.enqueueObject(rs);
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = deletedObject(obj);
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.owners.resolveControllerRef(pod.metadata.namespace ?? '', ref);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObservedOf(key, objectKey(pod));
    this.controller.enqueue(key);
  }

  /** One reconcile of a ReplicaSet key (upstream's syncReplicaSet). */
  async sync(key: string): Promise<ReconcileResult | void> {
    const rs = this.rsInformer.store.get(key);
    if (!rs) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    const selector = this.owners.selectorOf(rs);
    if (!selector) {
      this.log.warn({ key }, 'invalid selector; skipping');
      return;
    }
    const { namespace } = splitKey(key);
    const active = filterActivePods(this.podInformer.store.byIndex(NAMESPACE_INDEX, namespace));
    const claim = await new ControllerRefManager({
      client: this.client,
      controller: rs,
      controllerResource: REPLICA_SETS,
      resource: PODS,
      selector,
      canAdopt: recheckDeletionTimestamp(this.client, REPLICA_SETS, rs),
    }).claim(active);
    if (claim.errors.length > 0) throw claim.errors[0]!;
    const pods = claim.claimed;

    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, pods, rs);
      } catch (err) {
        manageError = err;
      }
    }
    const now = this.clock.now();
    const status = calculateReplicaSetStatus(rs, pods, manageError, now);
    const updated = await this.updateStatus(rs, status);
    const replicas = updated.spec?.replicas ?? 1;
    const minReady = updated.spec?.minReadySeconds ?? 0;
    if (manageError !== undefined) throw asError(manageError);
    if (
      minReady > 0 &&
      (updated.status?.readyReplicas ?? 0) === replicas &&
      (updated.status?.availableReplicas ?? 0) !== replicas
    ) {
      return { requeueAfterMs: minReady * 1000 };
    }
  }

  private async manageReplicas(key: string, pods: Pod[], rs: ReplicaSet): Promise<void> {
    const want = rs.spec?.replicas ?? 1;
    let diff = pods.length - want;
    if (diff < 0) {
      diff = Math.min(-diff, this.burstReplicas);
      this.expectations.expectCreations(key, diff);
      const ref = newControllerRef(rs, groupVersionKindOf(REPLICA_SETS));
      const template = rs.spec?.template ?? {};
      const namespace = rs.metadata.namespace ?? '';
      const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        try {
          await this.createPod(rs, namespace, template, ref);
        } catch (err) {
          if (isNamespaceTerminating(err)) return;
          throw err;
        }
      });
      for (let skipped = diff - successes; skipped > 0; skipped--) this.expectations.creationObserved(key);
      if (error !== undefined) throw asError(error);
    } else if (diff > 0) {
      diff = Math.min(diff, this.burstReplicas);
      const victims = podsToDelete(pods, this.relatedPods(rs), diff, this.clock.now());
      this.expectations.expectDeletionsOf(key, victims.map(objectKey));
      const results = await Promise.allSettled(victims.map((p) => this.deletePodOf(rs, p)));
      let firstError: unknown;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        this.expectations.deletionObservedOf(key, objectKey(victims[i]!));
        if (!(isStatusError(r.reason) && r.reason.code === 404)) firstError ??= r.reason;
      });
      if (firstError !== undefined) throw asError(firstError);
    }
  }

  /** Every pod owned by a ReplicaSet that shares this one's controller (for the per-node ranks). */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const ref = getControllerOf(rs);
    const siblings = ref ? this.rsInformer.store.byIndex(CONTROLLER_UID_INDEX, ref.uid) : [rs];
    const seen = new Set<string>();
    const out: Pod[] = [];
    const inNamespace = this.podInformer.store.byIndex(NAMESPACE_INDEX, rs.metadata.namespace ?? '');
    for (const sibling of siblings) {
      const sel = this.owners.selectorOf(sibling);
      if (!sel) continue;
      for (const pod of inNamespace) {
        const uid = pod.metadata.uid ?? '';
        if (seen.has(uid) || !sel.matches(pod.metadata.labels)) continue;
        seen.add(uid);
        out.push(pod);
      }
    }
    return out;
  }

  private async createPod(
    rs: ReplicaSet,
    namespace: string,
    template: NonNullable<NonNullable<ReplicaSet['spec']>['template']>,
    ref: ReturnType<typeof newControllerRef>,
  ): Promise<void> {
    const pod = podFromTemplate(template, namespace, `${rs.metadata.name ?? ''}-`, ref);
    if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) {
      throw new Error('unable to create pods, no labels');
    }
    try {
      const created = await this.client.create(PODS, pod);
      this.recorder.event(
        REPLICA_SETS,
        rs,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${created.metadata.name ?? ''}`,
      );
    } catch (err) {
      this.recorder.event(REPLICA_SETS, rs, 'Warning', 'FailedCreate', `Error creating: ${errorText(err)}`);
      throw err;
    }
  }

  private async deletePodOf(rs: ReplicaSet, pod: Pod): Promise<void> {
    const name = pod.metadata.name ?? '';
    try {
      await this.client.delete(PODS, name, {
        namespace: pod.metadata.namespace,
        preconditions: pod.metadata.uid ? { uid: pod.metadata.uid } : undefined,
      });
      this.recorder.event(REPLICA_SETS, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      if (isStatusError(err) && err.code === 404) throw err;
      this.recorder.event(REPLICA_SETS, rs, 'Warning', 'FailedDelete', `Error deleting: ${errorText(err)}`);
      throw err;
    }
  }

  /** Writes the status unless it is unchanged; one retry on conflict with a fresh read (as upstream). */
  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
    const generation = rs.metadata.generation ?? 0;
    if (sameStatus(rs.status, status) && (rs.status?.observedGeneration ?? 0) === generation) return rs;
    let base = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.updateStatus(REPLICA_SETS, {
          ...base,
          status: { ...status, observedGeneration: base.metadata.generation ?? generation },
        });
      } catch (err) {
        if (attempt >= 1 || !isStatusError(err) || err.code !== 409) throw err;
        base = await this.client.get(REPLICA_SETS, rs.metadata.name ?? '', {
          namespace: rs.metadata.namespace,
        });
      }
    }
  }
}

/** Adds the controllerUID index to a ReplicaSet informer (once; shared with the deployment controller). */
export function ensureControllerUidIndex(inf: SharedInformer<ReplicaSet>): void {
  try {
    inf.addIndexers({ [CONTROLLER_UID_INDEX]: (rs) => getControllerOf(rs)?.uid });
  } catch {
    // already added by another controller sharing the informer
  }
}

export const replicaSetControllerDescriptor: ControllerDescriptor = {
  name: 'replicaset',
  init: (ctx) =>
    new ReplicaSetController({
      client: ctx.client,
      informers: ctx.informers,
      recorder: ctx.recorder('replicaset-controller'),
      workers: ctx.workers,
      clock: ctx.clock,
      logger: ctx.logger,
    }),
};
