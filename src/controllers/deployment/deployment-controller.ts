/**
 * @module The Deployment controller (upstream's pkg/controller/deployment): owns ReplicaSets named after the
 * pod-template-hash, rolls between them (RollingUpdate within maxSurge/maxUnavailable, or Recreate), scales
 * them proportionally, keeps revisions and revisionHistoryLimit, honours paused and the deprecated rollback
 * annotation, and reports status with the Progressing and Available conditions as `kubectl rollout` expects.
 */
import { pino, type Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import type { KubeClient } from '../../client/client.js';
import type { SharedInformerFactory } from '../../client/informer/factory.js';
import { NAMESPACE_INDEX, objectKey } from '../../client/informer/indexer.js';
import {
  deletedObject,
  type DeletedFinalStateUnknown,
  type SharedInformer,
} from '../../client/informer/shared-informer.js';
import {
  DEPLOYMENTS,
  PODS,
  REPLICA_SETS,
  type Deployment,
  type Pod,
  type ReplicaSet,
} from '../../client/resources.js';
import { systemClock, type TimerClock } from '../../util/clock.js';
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
import { CONTROLLER_UID_INDEX, ensureControllerUidIndex } from '../replicaset/replicaset-controller.js';
import { planNewReplicaSet, planOldReplicaSets, planScale, type ScaleStep } from './rollout-plan.js';
import {
  annotationsForRollback,
  byRevision,
  calculateStatus,
  canonicalJson,
  computeHash,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  DEPRECATED_ROLLBACK_TO,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  filterActive,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  lastRevision,
  maxRevision,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  POD_TEMPLATE_HASH_LABEL,
  Reason,
  removeCondition,
  replicasAnnotationsNeedUpdate,
  REVISION_ANNOTATION,
  revisionOf,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  actualReplicaCount,
} from './deployment-util.js';

/** Upstream's maxRetries for deployments: after this many failures a key waits for the next event. */
export const DEPLOYMENT_MAX_RETRIES = 15;

export interface DeploymentControllerOptions {
  client: KubeClient;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  workers?: number;
  clock?: TimerClock;
  logger?: Logger;
}

type DeploymentStatus = NonNullable<Deployment['status']>;

/** State of one sync: the deployment as last written, and a requeue the sync asks for. */
interface SyncContext {
  d: Deployment;
  requeueAfterMs?: number;
}

function isNamespaceTerminating(err: unknown): boolean {
  return (
    isStatusError(err) && (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating')
  );
}

function selectorIsEmpty(d: Deployment): boolean {
  const s = d.spec?.selector;
  return !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);
}

export class DeploymentController {
  readonly controller: Controller;
  readonly dInformer: SharedInformer<Deployment>;
  readonly rsInformer: SharedInformer<ReplicaSet>;
  readonly podInformer: SharedInformer<Pod>;
  private readonly client: KubeClient;
  private readonly recorder: EventRecorder;
  private readonly clock: TimerClock;
  private readonly log: Logger;
  private readonly owners: SelectorOwners<Deployment>;

  constructor(opts: DeploymentControllerOptions) {
    this.client = opts.client;
    this.recorder = opts.recorder;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ controller: 'deployment' });
    this.dInformer = opts.informers.informerFor(DEPLOYMENTS);
    this.owners = new SelectorOwners(this.dInformer.store, 'Deployment');
    this.rsInformer = opts.informers.informerFor(REPLICA_SETS);
    this.podInformer = opts.informers.informerFor(PODS);
    ensureControllerUidIndex(this.rsInformer);
    this.controller = new Controller({
      name: 'deployment',
      reconcile: (key) => this.sync(key),
      informers: [this.dInformer, this.rsInformer, this.podInformer],
      workers: opts.workers ?? 5,
      maxRetries: DEPLOYMENT_MAX_RETRIES,
      clock: this.clock,
      logger: opts.logger,
    });
    this.dInformer.addEventHandler({
      onAdd: (d) => this.controller.enqueueObject(d),
      onUpdate: (_old, cur) => this.controller.enqueueObject(cur),
      onDelete: (d) => this.controller.enqueueObject(d),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, cur) => this.updateReplicaSet(old, cur),
      onDelete: (rs) => this.deleteReplicaSet(rs),
    });
    this.podInformer.addEventHandler({ onDelete: (pod) => this.deletePod(pod) });
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  // ---- event handlers ----

  /** Deployments in the ReplicaSet's namespace whose (non-empty) selector matches it. */
  private deploymentsForReplicaSet(rs: ReplicaSet): Deployment[] {
    return this.owners.selecting(rs);
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) {
      this.deleteReplicaSet(rs);
      return;
    }
    const ref = getControllerOf(rs);
    if (ref) {
      const d = this.owners.resolveControllerRef(rs.metadata.namespace ?? '', ref);
      if (d) this.controller.enqueueObject(d);
      return;
    }
    for (const d of this.deploymentsForReplicaSet(rs)) this.controller.enqueueObject(d);
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const d = this.owners.resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (d) this.controller.enqueueObject(d);
    }
    if (curRef) {
      const d = this.owners.resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (d) this.controller.enqueueObject(d);
      return;
    }
    const labelChanged =
      JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (labelChanged || refChanged)
      for (const d of this.deploymentsForReplicaSet(cur)) this.controller.enqueueObject(d);
  }

  private deleteReplicaSet(obj: ReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const rs = deletedObject(obj);
    const ref = getControllerOf(rs);
    if (!ref) return;
    const d = this.owners.resolveControllerRef(rs.metadata.namespace ?? '', ref);
    if (d) this.controller.enqueueObject(d);
  }

  /** A Recreate deployment waits for its old pods to be gone: wake it when the last one goes. */
  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = deletedObject(obj);
    const rsRef = getControllerOf(pod);
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
    const ns = pod.metadata.namespace ?? '';
    const rs = this.rsInformer.store.getByName(ns, rsRef.name);
    if (!rs || rs.metadata.uid !== rsRef.uid) return;
    const dRef = getControllerOf(rs);
    const d = dRef && this.owners.resolveControllerRef(ns, dRef);
    if (!d || d.spec?.strategy?.type !== 'Recreate') return;
    const owned = this.rsInformer.store.byIndex(CONTROLLER_UID_INDEX, d.metadata.uid ?? '');
    const remaining = this.podMap(d, owned);
    let n = 0;
    for (const pods of remaining.values()) n += pods.length;
    if (n === 0) this.controller.enqueueObject(d);
  }

  // ---- sync ----

  /** One reconcile of a Deployment key (upstream's syncDeployment). */
  async sync(key: string): Promise<ReconcileResult | void> {
    const cached = this.dInformer.store.get(key);
    if (!cached) return;
    const ctx: SyncContext = { d: structuredClone(cached) };
    const d = ctx.d;
    if (selectorIsEmpty(d)) {
      this.recorder.event(
        DEPLOYMENTS,
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.writeStatus(ctx, { ...d.status, observedGeneration: d.metadata.generation });
      }
      return;
    }
    const rsList = await this.replicaSetsForDeployment(d);
    try {
      if (d.metadata.deletionTimestamp) {
        await this.syncStatusOnly(ctx, rsList);
      } else {
        await this.checkPausedConditions(ctx);
        if (ctx.d.spec?.paused) await this.syncScale(ctx, rsList);
        else if (rollbackTo(ctx.d) !== undefined) await this.rollback(ctx, rsList);
        else if (await this.isScalingEvent(ctx, rsList)) await this.syncScale(ctx, rsList);
        else if (isRollingUpdate(ctx.d)) await this.rolloutRolling(ctx, rsList);
        else await this.rolloutRecreate(ctx, rsList);
      }
    } catch (err) {
      // A terminating namespace refuses every create; nothing to retry.
      if (isNamespaceTerminating(err)) return;
      throw err;
    }
    return ctx.requeueAfterMs !== undefined ? { requeueAfterMs: ctx.requeueAfterMs } : undefined;
  }

  /** Claims the ReplicaSets of the deployment's namespace: adopts matching orphans, releases mismatches. */
  private async replicaSetsForDeployment(d: Deployment): Promise<ReplicaSet[]> {
    const selector = this.owners.selectorOf(d);
    if (!selector)
      throw new Error(
        `deployment ${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''} has invalid label selector`,
      );
    const candidates = this.rsInformer.store.byIndex(NAMESPACE_INDEX, d.metadata.namespace ?? '');
    const { claimed, errors } = await new ControllerRefManager({
      client: this.client,
      controller: d,
      controllerResource: DEPLOYMENTS,
      resource: REPLICA_SETS,
      selector,
      canAdopt: recheckDeletionTimestamp(this.client, DEPLOYMENTS, d),
    }).claim(candidates);
    if (errors.length > 0) throw errors[0]!;
    return claimed;
  }

  /** Non-terminal pods of the deployment, by the uid of their ReplicaSet. */
  private podMap(d: Deployment, rsList: readonly ReplicaSet[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) map.set(rs.metadata.uid ?? '', []);
    const selector = this.owners.selectorOf(d);
    if (!selector) return map;
    for (const pod of this.podInformer.store.byIndex(NAMESPACE_INDEX, d.metadata.namespace ?? '')) {
      if (!selector.matches(pod.metadata.labels)) continue;
      const ref = getControllerOf(pod);
      if (!ref) continue;
      map.get(ref.uid)?.push(pod);
    }
    return map;
  }

  private async writeStatus(ctx: SyncContext, status: DeploymentStatus): Promise<void> {
    ctx.d = await this.client.updateStatus(DEPLOYMENTS, { ...ctx.d, status });
  }

  /**
   * Writes the status and, if it changed, the revision annotation. Upstream writes both with one status
   * update; an API server that keeps annotations out of status writes gets a metadata patch as well.
   */
  private async writeStatusAndRevision(
    ctx: SyncContext,
    status: DeploymentStatus,
    revision: string | undefined,
  ): Promise<void> {
    const annotations = { ...ctx.d.metadata.annotations };
    if (revision !== undefined) annotations[REVISION_ANNOTATION] = revision;
    ctx.d = await this.client.updateStatus(DEPLOYMENTS, {
      ...ctx.d,
      metadata: { ...ctx.d.metadata, annotations },
      status,
    });
    if (revision !== undefined && ctx.d.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
      ctx.d = await this.client.patch(
        DEPLOYMENTS,
        ctx.d.metadata.name ?? '',
        { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } },
        { type: 'merge', namespace: ctx.d.metadata.namespace },
      );
    }
  }

  /** Old and new ReplicaSets, with the new one's revision synced (created first when `create`). */
  private async allReplicaSetsAndSyncRevision(
    ctx: SyncContext,
    rsList: ReplicaSet[],
    create: boolean,
  ): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(ctx.d, rsList);
    const newRS = await this.newReplicaSet(ctx, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  /** upstream's getNewReplicaSet. */
  private async newReplicaSet(
    ctx: SyncContext,
    rsList: ReplicaSet[],
    oldRSs: ReplicaSet[],
    create: boolean,
  ): Promise<ReplicaSet | undefined> {
    const d = ctx.d;
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    const now = this.clock.now();
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
        copy.spec = { ...copy.spec!, minReadySeconds: minReady };
        if (minReady === 0) delete copy.spec.minReadySeconds;
        return this.client.update(REPLICA_SETS, copy);
      }
      const rsRevision = copy.metadata.annotations?.[REVISION_ANNOTATION];
      const revision = d.metadata.annotations?.[REVISION_ANNOTATION] !== rsRevision ? rsRevision : undefined;
      const status: DeploymentStatus = structuredClone(d.status ?? {});
      let needsUpdate = revision !== undefined;
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        setCondition(
          status,
          newCondition(
            'Progressing',
            'True',
            Reason.FoundNewRS,
            `Found new replica set "${copy.metadata.name ?? ''}"`,
            now,
          ),
        );
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatusAndRevision(ctx, status, revision);
      return copy;
    }
    if (!create) return undefined;

    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash },
    };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata.name ?? ''}-${hash}`;
    const fresh: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        ownerReferences: [newControllerRef(d, groupVersionKindOf(DEPLOYMENTS))],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, selector, template },
    };
    if (d.spec?.minReadySeconds) fresh.spec!.minReadySeconds = d.spec.minReadySeconds;
    const newReplicas = newRSNewReplicas(d, [...oldRSs, fresh], fresh);
    fresh.spec!.replicas = newReplicas;
    setNewReplicaSetAnnotations(d, fresh, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.client.create(REPLICA_SETS, fresh);
    } catch (err) {
      if (isStatusError(err) && err.code === 409 && err.status.reason === 'AlreadyExists') {
        const rs =
          this.rsInformer.store.getByName(d.metadata.namespace ?? '', name) ??
          (await this.client.get(REPLICA_SETS, name, { namespace: d.metadata.namespace }));
        const ref = getControllerOf(rs);
        if (ref?.uid === d.metadata.uid && equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
          created = rs;
          alreadyExists = true;
        } else {
          // A hash collision: bump collisionCount so the next attempt hashes differently.
          const status = structuredClone(d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.writeStatus(ctx, status).catch(() => undefined);
          throw err;
        }
      } else if (isNamespaceTerminating(err)) {
        throw err;
      } else {
        const msg = `Failed to create new replica set "${name}": ${errorText(err)}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition('Progressing', 'False', Reason.FailedRSCreate, msg, now));
          await this.writeStatus(ctx, status).catch(() => undefined);
        }
        this.recorder.event(DEPLOYMENTS, d, 'Warning', Reason.FailedRSCreate, msg);
        throw err;
      }
    }
    if (!alreadyExists && newReplicas > 0) {
      this.recorder.event(
        DEPLOYMENTS,
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${name} to ${newReplicas}`,
      );
    }
    const revision = String(newRevision);
    const revisionChanged = ctx.d.metadata.annotations?.[REVISION_ANNOTATION] !== revision;
    const status = structuredClone(ctx.d.status ?? {});
    let needsUpdate = revisionChanged;
    if (!alreadyExists && hasProgressDeadline(d)) {
      setCondition(
        status,
        newCondition('Progressing', 'True', Reason.NewReplicaSet, `Created new replica set "${name}"`, now),
      );
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatusAndRevision(ctx, status, revisionChanged ? revision : undefined);
    return created;
  }

  /** Sets replicas (and the replicas annotations) on a ReplicaSet; records ScalingReplicaSet when the size changed. */
  private async scaleReplicaSet(
    ctx: SyncContext,
    rs: ReplicaSet,
    newScale: number,
  ): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = ctx.d;
    const oldScale = specReplicas(rs);
    const sizeNeedsUpdate = oldScale !== newScale;
    const desired = specReplicas(d);
    const max = desired + maxSurge(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec!, replicas: newScale };
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.client.update(REPLICA_SETS, copy);
    if (sizeNeedsUpdate) {
      const op = oldScale < newScale ? 'up' : 'down';
      this.recorder.event(
        DEPLOYMENTS,
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${op} replica set ${updated.metadata.name ?? ''} from ${oldScale} to ${newScale}`,
      );
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  private async scaleReplicaSetAndRecordEvent(
    ctx: SyncContext,
    rs: ReplicaSet,
    newScale: number,
  ): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(ctx, rs, newScale);
  }

  /** Applies plan steps in order; a later step for the same ReplicaSet starts from the earlier result. */
  private async applySteps(ctx: SyncContext, steps: readonly ScaleStep[]): Promise<ReplicaSet[]> {
    const latest = new Map<string, ReplicaSet>();
    let scaled = 0;
    for (const step of steps) {
      const uid = step.rs.metadata.uid ?? '';
      const rs = latest.get(uid) ?? step.rs;
      const r = step.always
        ? await this.scaleReplicaSet(ctx, rs, step.replicas)
        : await this.scaleReplicaSetAndRecordEvent(ctx, rs, step.replicas);
      if (r.scaled) scaled++;
      latest.set(uid, r.rs);
    }
    return scaled > 0 ? [...latest.values()] : [];
  }

  /** Keeps the newest revisionHistoryLimit old ReplicaSets; deletes older ones that are scaled to zero. */
  private async cleanupDeployment(ctx: SyncContext, oldRSs: ReplicaSet[]): Promise<void> {
    const d = ctx.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 10);
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        specReplicas(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) ||
        rs.metadata.deletionTimestamp
      ) {
        continue;
      }
      try {
        await this.client.delete(REPLICA_SETS, rs.metadata.name ?? '', { namespace: rs.metadata.namespace });
      } catch (err) {
        if (!(isStatusError(err) && err.code === 404)) throw err;
      }
    }
  }

  private async syncStatusOnly(ctx: SyncContext, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(ctx, rsList, false);
    await this.syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS);
  }

  /** upstream's sync: scaling events and paused deployments. */
  private async syncScale(ctx: SyncContext, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(ctx, rsList, false);
    await this.applySteps(ctx, planScale(ctx.d, newRS, oldRSs));
    if (ctx.d.spec?.paused && rollbackTo(ctx.d) === undefined) await this.cleanupDeployment(ctx, oldRSs);
    await this.syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS);
  }

  private async syncDeploymentStatus(
    ctx: SyncContext,
    allRSs: (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
  ): Promise<void> {
    const status = calculateStatus(allRSs, newRS, ctx.d, this.clock.now());
    if (canonicalJson(ctx.d.status ?? {}) === canonicalJson(status)) return;
    await this.writeStatus(ctx, status);
  }

  /** Adds the DeploymentPaused / DeploymentResumed Progressing condition when paused changes. */
  private async checkPausedConditions(ctx: SyncContext): Promise<void> {
    const d = ctx.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === Reason.TimedOut) return;
    const pausedCondExists = cond?.reason === Reason.PausedDeploy;
    const status = structuredClone(d.status ?? {});
    const now = this.clock.now();
    if (d.spec?.paused && !pausedCondExists) {
      setCondition(
        status,
        newCondition('Progressing', 'Unknown', Reason.PausedDeploy, 'Deployment is paused', now),
      );
    } else if (!d.spec?.paused && pausedCondExists) {
      setCondition(
        status,
        newCondition('Progressing', 'Unknown', Reason.ResumedDeploy, 'Deployment is resumed', now),
      );
    } else return;
    await this.writeStatus(ctx, status);
  }

  /** True when an active ReplicaSet was sized for another replica count (a scale, not a rollout). */
  private async isScalingEvent(ctx: SyncContext, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(ctx, rsList, false);
    for (const rs of filterActive([...oldRSs, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== specReplicas(ctx.d)) return true;
    }
    return false;
  }

  // ---- rolling update ----

  private async rolloutRolling(ctx: SyncContext, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(ctx, rsList, true);
    const allRSs = [...oldRSs, newRS!];
    if (await this.reconcileNewReplicaSet(ctx, allRSs, newRS!)) {
      await this.syncRolloutStatus(ctx, allRSs, newRS);
      return;
    }
    if (await this.reconcileOldReplicaSets(ctx, allRSs, filterActive(oldRSs), newRS!)) {
      await this.syncRolloutStatus(ctx, allRSs, newRS);
      return;
    }
    if (deploymentComplete(ctx.d, ctx.d.status ?? {})) await this.cleanupDeployment(ctx, oldRSs);
    await this.syncRolloutStatus(ctx, allRSs, newRS);
  }

  private async reconcileNewReplicaSet(
    ctx: SyncContext,
    allRSs: ReplicaSet[],
    newRS: ReplicaSet,
  ): Promise<boolean> {
    const next = planNewReplicaSet(ctx.d, allRSs, newRS);
    if (next === undefined) return false;
    return (await this.scaleReplicaSetAndRecordEvent(ctx, newRS, next)).scaled;
  }

  /** Errors are logged and count as "nothing scaled", as upstream. */
  private async reconcileOldReplicaSets(
    ctx: SyncContext,
    allRSs: ReplicaSet[],
    oldRSs: ReplicaSet[],
    newRS: ReplicaSet,
  ): Promise<boolean> {
    try {
      return (await this.applySteps(ctx, planOldReplicaSets(ctx.d, allRSs, oldRSs, newRS))).length > 0;
    } catch (err) {
      this.log.debug({ err: errorText(err) }, 'scaling down old replica sets failed');
      return false;
    }
  }

  // ---- recreate ----

  private async rolloutRecreate(ctx: SyncContext, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(ctx, rsList, false);
    let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) {
      if ((await this.scaleReplicaSetAndRecordEvent(ctx, rs, 0)).scaled) scaledDown = true;
    }
    if (scaledDown) {
      await this.syncRolloutStatus(ctx, allRSs, newRS);
      return;
    }
    if (this.oldPodsRunning(ctx.d, newRS, oldRSs, rsList)) {
      await this.syncRolloutStatus(ctx, allRSs, newRS);
      return;
    }
    if (!newRS) {
      ({ newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(ctx, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    if (newRS) await this.scaleReplicaSetAndRecordEvent(ctx, newRS, specReplicas(ctx.d));
    if (deploymentComplete(ctx.d, ctx.d.status ?? {})) await this.cleanupDeployment(ctx, oldRSs);
    await this.syncRolloutStatus(ctx, allRSs, newRS);
  }

  /** Old ReplicaSets still report pods, or a pod of theirs is not yet in a terminal phase. */
  private oldPodsRunning(
    d: Deployment,
    newRS: ReplicaSet | undefined,
    oldRSs: ReplicaSet[],
    rsList: ReplicaSet[],
  ): boolean {
    if (actualReplicaCount(oldRSs) > 0) return true;
    for (const [uid, pods] of this.podMap(d, rsList)) {
      if (newRS && newRS.metadata.uid === uid) continue;
      for (const pod of pods) {
        const phase = pod.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') continue;
        return true;
      }
    }
    return false;
  }

  // ---- progress ----

  /** upstream's syncRolloutStatus: status plus the Progressing condition and replica failures. */
  private async syncRolloutStatus(
    ctx: SyncContext,
    allRSs: (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
  ): Promise<void> {
    const d = ctx.d;
    const now = this.clock.now();
    const status = calculateStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const isComplete =
      (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === Reason.NewRSAvailable;
    if (hasProgressDeadline(d) && !isComplete) {
      const rsName = newRS?.metadata.name;
      if (deploymentComplete(d, status)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" has successfully progressed.`
          : `Deployment "${d.metadata.name ?? ''}" has successfully progressed.`;
        setCondition(status, newCondition('Progressing', 'True', Reason.NewRSAvailable, msg, now));
      } else if (deploymentProgressing(d, status)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" is progressing.`
          : `Deployment "${d.metadata.name ?? ''}" is progressing.`;
        const cond = newCondition('Progressing', 'True', Reason.ReplicaSetUpdated, msg, now);
        // Progress refreshes lastUpdateTime even with the same reason; the transition time stays.
        if (current) {
          if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, 'Progressing');
        }
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, now)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" has timed out progressing.`
          : `Deployment "${d.metadata.name ?? ''}" has timed out progressing.`;
        setCondition(status, newCondition('Progressing', 'False', Reason.TimedOut, msg, now));
      }
    }
    const failure = replicaFailure(allRSs, newRS);
    if (failure) setCondition(status, failure);
    else removeCondition(status, 'ReplicaFailure');
    if (canonicalJson(d.status ?? {}) === canonicalJson(status)) {
      this.requeueStuckDeployment(ctx, status);
      return;
    }
    await this.writeStatus(ctx, status);
  }

  /** A rollout without progress is looked at again when its deadline would pass. */
  private requeueStuckDeployment(ctx: SyncContext, status: DeploymentStatus): void {
    const d = ctx.d;
    const current = getCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !current) return;
    if (deploymentComplete(d, status) || current.reason === Reason.TimedOut) return;
    const last = Date.parse(current.lastUpdateTime ?? '');
    if (Number.isNaN(last)) return;
    const after = last + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - this.clock.now().getTime();
    if (after < 1000) this.controller.enqueueRateLimited(objectKey(d));
    // One more second against clock skew, as upstream.
    else ctx.requeueAfterMs = after + 1000;
  }

  // ---- deprecated rollback ----

  private async rollback(ctx: SyncContext, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(ctx, rsList, true);
    const allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
    let target = rollbackTo(ctx.d) ?? 0;
    if (target === 0) {
      target = lastRevision(allRSs);
      if (target === 0) {
        this.recorder.event(
          DEPLOYMENTS,
          ctx.d,
          'Warning',
          'DeploymentRollbackRevisionNotFound',
          'Unable to find last revision.',
        );
        await this.clearRollbackTo(ctx);
        return;
      }
    }
    for (const rs of allRSs) {
      if (revisionOf(rs) !== target) continue;
      const d = ctx.d;
      if (!equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
        const template = structuredClone(rs.spec?.template ?? {});
        if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH_LABEL];
        d.spec = { ...d.spec!, template };
        d.metadata.annotations = annotationsForRollback(d, rs);
        await this.clearRollbackTo(ctx);
        this.recorder.event(
          DEPLOYMENTS,
          d,
          'Normal',
          'DeploymentRollback',
          `Rolled back deployment "${d.metadata.name ?? ''}" to revision ${target}`,
        );
      } else {
        this.recorder.event(
          DEPLOYMENTS,
          d,
          'Warning',
          'DeploymentRollbackTemplateUnchanged',
          `The rollback revision contains the same template as current deployment "${d.metadata.name ?? ''}"`,
        );
        await this.clearRollbackTo(ctx);
      }
      return;
    }
    this.recorder.event(
      DEPLOYMENTS,
      ctx.d,
      'Warning',
      'DeploymentRollbackRevisionNotFound',
      'Unable to find the revision to rollback to.',
    );
    await this.clearRollbackTo(ctx);
  }

  private async clearRollbackTo(ctx: SyncContext): Promise<void> {
    const annotations = { ...ctx.d.metadata.annotations };
    delete annotations[DEPRECATED_ROLLBACK_TO];
    ctx.d = await this.client.update(DEPLOYMENTS, { ...ctx.d, metadata: { ...ctx.d.metadata, annotations } });
  }
}

/** The revision the deprecated rollback annotation asks for (0: the previous one), if any. */
function rollbackTo(d: Deployment): number | undefined {
  const v = d.metadata.annotations?.[DEPRECATED_ROLLBACK_TO];
  if (!v || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The ReplicaFailure condition of the new ReplicaSet, else of any other, as a deployment condition. */
function replicaFailure(
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): NonNullable<DeploymentStatus['conditions']>[number] | undefined {
  const toDeployment = (c: NonNullable<NonNullable<ReplicaSet['status']>['conditions']>[number]) => ({
    type: c.type,
    status: c.status,
    lastTransitionTime: c.lastTransitionTime,
    lastUpdateTime: c.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  });
  const fromNew = newRS?.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (fromNew) return toDeployment(fromNew);
  for (const rs of allRSs) {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    if (c) return toDeployment(c);
  }
  return undefined;
}

export const deploymentControllerDescriptor: ControllerDescriptor = {
  name: 'deployment',
  init: (ctx) =>
    new DeploymentController({
      client: ctx.client,
      informers: ctx.informers,
      recorder: ctx.recorder('deployment-controller'),
      workers: ctx.workers,
      clock: ctx.clock,
      logger: ctx.logger,
    }),
};
