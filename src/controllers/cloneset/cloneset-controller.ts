/**
 * @module The CloneSet controller (OpenKruise's pkg/controller/cloneset): keeps `replicas` pods named
 * `<cloneset>-<instance id>` with their PVCs, records templates as ControllerRevisions, scales with
 * podsToDelete, specified-delete and the lifecycle hooks, updates pods to the update revision in Kruise's
 * order within partition, maxUnavailable and maxSurge — in place when only images (and template
 * labels/annotations) changed — and reports status.
 */
import { randomInt } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import { selectorFromLabelSelector, type LabelSelector } from '../../api/labels.js';
import type { KubeClient } from '../../client/client.js';
import type { SharedInformerFactory } from '../../client/informer/factory.js';
import { NAMESPACE_INDEX, objectKey } from '../../client/informer/indexer.js';
import {
  deletedObject,
  type DeletedFinalStateUnknown,
  type SharedInformer,
} from '../../client/informer/shared-informer.js';
import { ItemExponentialFailureRateLimiter } from '../../client/workqueue/rate-limiter.js';
import {
  CLONE_SETS,
  CONTROLLER_REVISIONS,
  NODES,
  PERSISTENT_VOLUME_CLAIMS,
  PODS,
  type CloneSet,
  type ControllerRevision,
  type Node,
  type PersistentVolumeClaim,
  type Pod,
} from '../../client/resources.js';
import { systemClock, type TimerClock } from '../../util/clock.js';
import { Controller, errorText, type ReconcileResult } from '../runtime/controller.js';
import type { ControllerDescriptor } from '../runtime/controller-manager.js';
import { getControllerOf, releasePatch } from '../runtime/controller-ref.js';
import type { EventRecorder, EventType } from '../runtime/event-recorder.js';
import {
  CLONESET_GROUP,
  CLONESET_INSTANCE_ID,
  CLONESET_KIND,
  CONDITION_FAILED_SCALE,
  CONDITION_FAILED_UPDATE,
  CONTROLLER_REVISION_HASH_LABEL,
  DEFAULT_REVISION_HISTORY_LIMIT,
  INSTANCE_ID_LENGTH,
  POD_TEMPLATE_HASH_LABEL,
  VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION,
} from './constants.js';
import { calculateDiffs, type CloneSetFeatures, DEFAULT_FEATURES, isPodUpdateFor } from './diffs.js';
import { ResourceVersionExpectations, ScaleExpectations } from './expectations.js';
import {
  calculateInPlaceUpdateSpec,
  checkPodUpdateCompleted,
  getInPlaceUpdateGrace,
  injectReadinessGate,
} from './inplace-update.js';
import { isLifecycleMarkPodNotReady, isPodAllHooked, isPodHooked, setPodLifecycle } from './lifecycle.js';
import { PodControl } from './pod-control.js';
import {
  choosePodsToDelete,
  limitUpdateIndexes,
  podSpreadConstraints,
  sortUpdateIndexes,
} from './pod-sort.js';
import {
  equalToRevisionHash,
  isCloneSetPodReady,
  isPodActive,
  isSpecifiedDelete,
  lifecycleState,
  shortHash,
  writeRevisionHash,
} from './pod-util.js';
import {
  applyRevision,
  equalRevision,
  findEqualRevisions,
  nameRevision,
  newRevision,
  nextRevisionNumber,
  revisionRaw,
  sortRevisions,
} from './revision.js';
import { calculateStatus, type CloneSetStatus, setCondition, statusChanged } from './status.js';

/** Upstream's ExpectationTimeout: expectations older than this are given up on. */
export const EXPECTATION_TIMEOUT_MS = 5 * 60 * 1000;
/** Index of pods and PVCs by the uid of each owner. */
export const OWNER_UID_INDEX = 'cloneset:ownerUID';
/** Kruise's cloneset-workers default. */
export const DEFAULT_WORKERS = 3;

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** apimachinery rand.String: `n` characters of consonants and digits. */
export function randomInstanceId(n = INSTANCE_ID_LENGTH): string {
  let s = '';
  for (let i = 0; i < n; i++) s += SAFE_ALPHANUMS[randomInt(SAFE_ALPHANUMS.length)];
  return s;
}

export interface CloneSetControllerOptions {
  client: KubeClient;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  /** Concurrent reconciles (Kruise's --cloneset-workers, default 3). */
  workers?: number;
  features?: Partial<CloneSetFeatures>;
  /** Instance ids for new pods (default: 5 random safe characters, as Kruise). */
  newInstanceId?: () => string;
  clock?: TimerClock;
  logger?: Logger;
}

type PodTemplate = NonNullable<CloneSet['spec']>['template'];

/** Kruise's DoItSlowly: batches of 1, 2, 4, ... run concurrently; stops after the first batch with a failure. */
async function doItSlowly(
  count: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, 1); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= size;
  }
  return { successes };
}

function ownerUids(obj: { metadata: { ownerReferences?: Array<{ uid: string }> } }): string[] {
  return (obj.metadata.ownerReferences ?? []).map((r) => r.uid);
}

function isAlreadyExists(err: unknown): boolean {
  return isStatusError(err) && err.code === 409 && err.status.reason === 'AlreadyExists';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function isNotFound(err: unknown): boolean {
  return isStatusError(err) && err.code === 404;
}

/** The CloneSet a controller reference names, as `namespace/name`, if it names a CloneSet. */
function cloneSetKeyOf(
  namespace: string,
  ref: { apiVersion: string; kind: string; name: string } | undefined,
): string | undefined {
  if (!ref || ref.kind !== CLONESET_KIND) return undefined;
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
  return group === CLONESET_GROUP ? `${namespace}/${ref.name}` : undefined;
}

/** The PVCs a pod of `cs` gets: `<template>-<cloneset>-<instance id>`, labelled and owned like the pod. */
export function claimsForPod(cs: CloneSet, pod: Pod): Map<string, PersistentVolumeClaim> {
  const id = pod.metadata.labels?.[CLONESET_INSTANCE_ID] ?? '';
  const claims = new Map<string, PersistentVolumeClaim>();
  for (const t of cs.spec?.volumeClaimTemplates ?? []) {
    const claim = structuredClone(t) as PersistentVolumeClaim;
    const templateName = t.metadata?.name ?? '';
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = {
      ...claim.metadata,
      name: `${templateName}-${cs.metadata.name}-${id}`,
      namespace: cs.metadata.namespace,
    };
    claim.metadata.labels = {
      ...claim.metadata.labels,
      ...cs.spec?.selector.matchLabels,
      [CLONESET_INSTANCE_ID]: id,
    };
    const ref = getControllerOf(pod);
    if (ref) claim.metadata.ownerReferences = [...(claim.metadata.ownerReferences ?? []), ref];
    delete claim.status;
    claims.set(templateName, claim);
  }
  return claims;
}

/** Kruise's UpdateStorage: the claim volumes first, then the template's other volumes. */
function addClaimVolumes(cs: CloneSet, pod: Pod): void {
  const claims = claimsForPod(cs, pod);
  if (claims.size === 0) return;
  const volumes = [...claims].map(([name, claim]) => ({
    name,
    persistentVolumeClaim: { claimName: claim.metadata.name ?? '', readOnly: false },
  }));
  for (const v of pod.spec?.volumes ?? [])
    if (!claims.has(v.name)) volumes.push(v as (typeof volumes)[number]);
  pod.spec!.volumes = volumes;
}

/** A new pod of `cs` at `revision` with instance id `id` (Kruise's newVersionedPods, one pod). */
export function newVersionedPod(cs: CloneSet, revision: string, id: string): Pod {
  const template: PodTemplate = cs.spec!.template;
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${cs.metadata.name}-${id}`,
      generateName: `${cs.metadata.name}-`,
      namespace: cs.metadata.namespace,
      labels: { ...meta.labels },
      ownerReferences: [
        {
          apiVersion: 'apps.kruise.io/v1alpha1',
          kind: CLONESET_KIND,
          name: cs.metadata.name ?? '',
          uid: cs.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(template.spec) ?? { containers: [] },
  };
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) pod.metadata.finalizers = [...meta.finalizers];
  writeRevisionHash(pod.metadata.labels!, revision);
  pod.metadata.labels![CLONESET_INSTANCE_ID] = id;
  injectReadinessGate(pod);
  addClaimVolumes(cs, pod);
  return pod;
}

/** Instance ids for `n` new pods: first those of PVCs whose pod is gone (reusing the PVCs), then random ones. */
export function availableInstanceIds(
  n: number,
  pods: readonly Pod[],
  pvcs: readonly PersistentVolumeClaim[],
  random: () => string,
): string[] {
  const existing = new Set<string>();
  const free = new Set<string>();
  for (const pvc of pvcs) {
    const id = pvc.metadata.labels?.[CLONESET_INSTANCE_ID];
    if (id) {
      existing.add(id);
      free.add(id);
    }
  }
  for (const pod of pods) {
    const id = pod.metadata.labels?.[CLONESET_INSTANCE_ID];
    if (id) {
      existing.add(id);
      free.delete(id);
    }
  }
  const out = new Set<string>();
  for (let i = 0; i < n; i++) {
    let id = free.values().next().value;
    if (id !== undefined) free.delete(id);
    else {
      do id = random();
      while (existing.has(id) || out.has(id));
    }
    out.add(id);
  }
  return [...out];
}

interface SyncContext {
  cs: CloneSet;
  key: string;
  now: Date;
  /** Shortest requeue anyone asked for this round (ms). */
  requeueMs?: number;
}

function requeue(ctx: SyncContext, ms: number): void {
  if (ms > 0 && (ctx.requeueMs === undefined || ms < ctx.requeueMs)) ctx.requeueMs = ms;
}

/** The CloneSet controller: informers, queue and reconcile. */
export class CloneSetController {
  readonly controller: Controller;
  readonly scaleExpectations: ScaleExpectations;
  readonly resourceVersions: ResourceVersionExpectations;
  private readonly client: KubeClient;
  private readonly recorder: EventRecorder;
  private readonly clock: TimerClock;
  private readonly log: Logger;
  private readonly features: CloneSetFeatures;
  private readonly newInstanceId: () => string;
  private readonly cloneSets: SharedInformer<CloneSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly pvcs: SharedInformer<PersistentVolumeClaim>;
  private readonly revisions: SharedInformer<ControllerRevision>;
  private readonly podControl: PodControl;
  /** Delays syncs triggered by pods the controller did not wait for (e.g. the initial list). */
  private readonly initialingRateLimiter = new ItemExponentialFailureRateLimiter<string>(3000, 30000);

  constructor(opts: CloneSetControllerOptions) {
    this.client = opts.client;
    this.recorder = opts.recorder;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ controller: 'cloneset' });
    this.features = { ...DEFAULT_FEATURES, ...opts.features };
    this.newInstanceId = opts.newInstanceId ?? (() => randomInstanceId());
    this.scaleExpectations = new ScaleExpectations(this.clock);
    this.resourceVersions = new ResourceVersionExpectations(this.clock);
    this.podControl = new PodControl(this.client, this.clock, this.resourceVersions);

    this.cloneSets = opts.informers.informerFor(CLONE_SETS);
    this.pods = opts.informers.informerFor(PODS);
    this.pvcs = opts.informers.informerFor(PERSISTENT_VOLUME_CLAIMS);
    this.revisions = opts.informers.informerFor(CONTROLLER_REVISIONS);
    for (const inf of [this.pods, this.pvcs] as Array<SharedInformer<Pod | PersistentVolumeClaim>>) {
      try {
        inf.addIndexers({ [OWNER_UID_INDEX]: ownerUids });
      } catch {
        // Another controller registered the same index on this shared informer.
      }
    }

    this.controller = new Controller({
      name: 'cloneset',
      reconcile: (key) => this.reconcile(key),
      informers: [this.cloneSets, this.pods, this.pvcs, this.revisions],
      workers: opts.workers ?? DEFAULT_WORKERS,
      clock: this.clock,
      logger: opts.logger, // the runtime adds controller=cloneset itself
    });

    this.cloneSets.addEventHandler({
      onAdd: (cs) => this.controller.enqueueObject(cs),
      onUpdate: (_old, cs) => this.controller.enqueueObject(cs),
      onDelete: (obj) => {
        const cs = deletedObject(obj);
        this.scaleExpectations.delete(objectKey(cs));
        this.controller.enqueueObject(cs);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (old, cur) => this.onPodUpdate(old, cur),
      onDelete: (obj) => this.onPodDelete(obj),
    });
    this.pvcs.addEventHandler({
      onAdd: (pvc) => {
        if (pvc.metadata.deletionTimestamp) return this.onPvcDelete(pvc);
        const key = cloneSetKeyOf(pvc.metadata.namespace ?? '', getControllerOf(pvc));
        if (!key) return;
        const satisfied = this.scaleExpectations.satisfied(key).ok;
        this.scaleExpectations.observe(key, 'create', pvc.metadata.name ?? '');
        this.enqueueAfterObserving(key, satisfied);
      },
      onUpdate: (_old, pvc) => {
        if (pvc.metadata.deletionTimestamp) this.onPvcDelete(pvc);
      },
      onDelete: (obj) => this.onPvcDelete(deletedObject(obj)),
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  // ---- event handlers (Kruise's podEventHandler / pvcEventHandler) ----

  private enqueueAfterObserving(key: string, wasSatisfied: boolean): void {
    if (wasSatisfied) this.controller.enqueueAfter(key, this.initialingRateLimiter.when(key));
    else {
      this.initialingRateLimiter.forget(key);
      this.controller.enqueue(key);
    }
  }

  private onPodAdd(pod: Pod): void {
    this.resourceVersions.observe(pod.metadata.uid ?? '', pod.metadata.resourceVersion);
    if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
    const ref = getControllerOf(pod);
    if (ref) {
      const key = cloneSetKeyOf(pod.metadata.namespace ?? '', ref);
      if (!key) return;
      const satisfied = this.scaleExpectations.satisfied(key).ok;
      this.scaleExpectations.observe(key, 'create', pod.metadata.name ?? '');
      this.enqueueAfterObserving(key, satisfied);
      return;
    }
    for (const cs of this.cloneSetsSelecting(pod)) this.controller.enqueueObject(cs);
  }

  private onPodUpdate(old: Pod, cur: Pod): void {
    this.resourceVersions.observe(cur.metadata.uid ?? '', cur.metadata.resourceVersion);
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelChanged =
      JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      this.onPodDelete(cur);
      if (labelChanged) this.onPodDelete(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const key = cloneSetKeyOf(old.metadata.namespace ?? '', oldRef);
      if (key) this.controller.enqueue(key);
    }
    if (curRef) {
      const key = cloneSetKeyOf(cur.metadata.namespace ?? '', curRef);
      if (key) this.controller.enqueue(key);
      return;
    }
    if (labelChanged || refChanged) {
      for (const cs of this.cloneSetsSelecting(cur)) this.controller.enqueueObject(cs);
    }
  }

  private onPodDelete(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = deletedObject(obj);
    this.resourceVersions.delete(pod.metadata.uid ?? '');
    const key = cloneSetKeyOf(pod.metadata.namespace ?? '', getControllerOf(pod));
    if (!key) return;
    this.scaleExpectations.observe(key, 'delete', pod.metadata.name ?? '');
    this.controller.enqueue(key);
  }

  private onPvcDelete(pvc: PersistentVolumeClaim): void {
    const key = cloneSetKeyOf(pvc.metadata.namespace ?? '', getControllerOf(pvc));
    if (!key) return;
    this.scaleExpectations.observe(key, 'delete', pvc.metadata.name ?? '');
    this.controller.enqueue(key);
  }

  /** CloneSets in the pod's namespace with a non-empty selector matching it. */
  private cloneSetsSelecting(pod: Pod): CloneSet[] {
    const out: CloneSet[] = [];
    for (const cs of this.cloneSets.store.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) {
      try {
        const sel = selectorFromLabelSelector(cs.spec?.selector);
        if (!sel.isEverything() && sel.matches(pod.metadata.labels)) out.push(cs);
      } catch {
        // An invalid selector selects nothing.
      }
    }
    return out;
  }

  private event(cs: CloneSet, type: EventType, reason: string, message: string): void {
    this.recorder.event(CLONE_SETS, cs, type, reason, message);
  }

  // ---- reconcile ----

  /** Kruise's doReconcile for one CloneSet. */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.cloneSets.store.get(key);
    if (!cached) {
      this.scaleExpectations.delete(key);
      return;
    }
    const cs = structuredClone(cached);
    let selector: LabelSelector;
    try {
      selector = selectorFromLabelSelector(cs.spec?.selector);
    } catch (err) {
      this.log.warn({ key, err: errorText(err) }, 'invalid CloneSet selector');
      return;
    }
    const ctx: SyncContext = { cs, key, now: this.clock.now() };

    const scale = this.scaleExpectations.satisfied(key);
    if (!scale.ok) {
      if (scale.unsatisfiedMs < EXPECTATION_TIMEOUT_MS) {
        return { requeueAfterMs: EXPECTATION_TIMEOUT_MS - scale.unsatisfiedMs };
      }
      this.log.warn(
        { key, pending: scale.pending },
        'scale expectations unsatisfied for too long; dropping them',
      );
      this.scaleExpectations.delete(key);
    }

    const uid = cs.metadata.uid ?? '';
    const owned = this.pods.store
      .byIndex(OWNER_UID_INDEX, uid)
      .filter((p) => p.metadata.namespace === cs.metadata.namespace);
    let active = owned.filter(isPodActive);
    const inactive = owned.filter((p) => !isPodActive(p));
    let pvcs = this.pvcs.store
      .byIndex(OWNER_UID_INDEX, uid)
      .filter((p) => p.metadata.namespace === cs.metadata.namespace && !p.metadata.deletionTimestamp);
    if (cs.spec?.scaleStrategy?.disablePVCReuse) pvcs = await this.cleanupPVCs(cs, active, inactive, pvcs);
    active = await this.claimPods(cs, selector, active);

    const revisions = sortRevisions(
      this.revisions.store.byIndex(NAMESPACE_INDEX, cs.metadata.namespace ?? '').filter((r) => {
        const ref = getControllerOf(r);
        return selector.matches(r.metadata.labels) && (!ref || ref.uid === uid);
      }),
    );
    const { current, update, collisionCount } = await this.activeRevisions(cs, revisions);

    for (const pod of active) {
      const v = this.resourceVersions.satisfied(pod.metadata.uid ?? '', pod.metadata.resourceVersion);
      if (v.ok) continue;
      if (v.unsatisfiedMs >= EXPECTATION_TIMEOUT_MS) {
        this.log.warn({ key, pod: pod.metadata.name }, 'pod update not seen for too long; going on');
        this.resourceVersions.delete(pod.metadata.uid ?? '');
        continue;
      }
      return { requeueAfterMs: EXPECTATION_TIMEOUT_MS - v.unsatisfiedMs };
    }

    const status: CloneSetStatus = {
      observedGeneration: cs.metadata.generation,
      currentRevision: current.metadata.name,
      updateRevision: update.metadata.name,
      collisionCount,
      labelSelector: selector.toString(),
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      updatedReplicas: 0,
      updatedReadyReplicas: 0,
    };
    if (cs.status?.conditions) status.conditions = structuredClone(cs.status.conditions);

    let syncErr: unknown;
    try {
      await this.syncCloneSet(ctx, status, current, update, revisions, active, pvcs);
    } catch (err) {
      syncErr = err;
    }
    calculateStatus(cs, status, active, ctx.now);
    if (statusChanged(cs.status, status)) await this.writeStatus(cs, status);

    try {
      await this.truncatePodsToDelete(cs, active);
    } catch (err) {
      this.log.warn({ key, err: errorText(err) }, 'failed to truncate podsToDelete');
    }
    try {
      await this.truncateHistory(cs, active, revisions, current, update);
    } catch (err) {
      this.log.warn({ key, err: errorText(err) }, 'failed to truncate history');
    }

    if (syncErr !== undefined) throw asError(syncErr);
    const minReady = cs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== status.readyReplicas) requeue(ctx, minReady * 1000);
    return ctx.requeueMs !== undefined ? { requeueAfterMs: ctx.requeueMs } : undefined;
  }

  private async writeStatus(cs: CloneSet, status: CloneSetStatus): Promise<void> {
    let current = cs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.updateStatus(CLONE_SETS, { ...current, status });
        return;
      } catch (err) {
        if (!isStatusError(err) || err.code !== 409 || attempt >= 4) throw err;
        current = await this.client.get(CLONE_SETS, cs.metadata.name ?? '', {
          namespace: cs.metadata.namespace,
        });
      }
    }
  }

  /** Owned pods that stopped matching the selector lose their owner reference (unless the CloneSet is going). */
  private async claimPods(cs: CloneSet, selector: LabelSelector, pods: Pod[]): Promise<Pod[]> {
    const claimed: Pod[] = [];
    const errors: unknown[] = [];
    for (const pod of pods) {
      const ref = getControllerOf(pod);
      if (!ref || ref.uid !== cs.metadata.uid) continue;
      if (selector.matches(pod.metadata.labels)) {
        claimed.push(pod);
        continue;
      }
      if (cs.metadata.deletionTimestamp) continue;
      try {
        await this.client.patch(
          PODS,
          pod.metadata.name ?? '',
          releasePatch(cs.metadata.uid ?? '', pod.metadata.uid ?? ''),
          {
            type: 'strategic',
            namespace: pod.metadata.namespace,
          },
        );
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    if (errors.length > 0) throw asError(errors[0]);
    return claimed;
  }

  /** PVCs of pods that are gone are deleted; those of finished pods go to the pod (Kruise's cleanupPVCs). */
  private async cleanupPVCs(
    cs: CloneSet,
    active: readonly Pod[],
    inactive: readonly Pod[],
    pvcs: readonly PersistentVolumeClaim[],
  ): Promise<PersistentVolumeClaim[]> {
    const idOf = (o: Pod | PersistentVolumeClaim) => o.metadata.labels?.[CLONESET_INSTANCE_ID] ?? '';
    const activeIds = new Set(active.map(idOf).filter(Boolean));
    const inactiveById = new Map(inactive.filter((p) => idOf(p)).map((p) => [idOf(p), p]));
    const keep: PersistentVolumeClaim[] = [];
    for (const pvc of pvcs) {
      if (activeIds.has(idOf(pvc))) {
        keep.push(pvc);
        continue;
      }
      const pod = inactiveById.get(idOf(pvc));
      try {
        if (pod) {
          const updated = structuredClone(pvc);
          updated.metadata.ownerReferences = [
            ...(updated.metadata.ownerReferences ?? []).filter((r) => r.uid !== cs.metadata.uid),
            { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
          ];
          await this.client.update(PERSISTENT_VOLUME_CLAIMS, updated);
        } else {
          this.scaleExpectations.expect(objectKey(cs), 'delete', pvc.metadata.name ?? '');
          await this.client.delete(PERSISTENT_VOLUME_CLAIMS, pvc.metadata.name ?? '', {
            namespace: pvc.metadata.namespace,
          });
        }
      } catch (err) {
        if (!pod) this.scaleExpectations.observe(objectKey(cs), 'delete', pvc.metadata.name ?? '');
        if (isNotFound(err)) continue;
        this.event(
          cs,
          'Warning',
          pod ? 'FailedUpdate' : 'FailedDelete',
          pod
            ? `failed to update PVC ${pvc.metadata.name}: ${errorText(err)}`
            : `failed to clean up PVC ${pvc.metadata.name}: ${errorText(err)}`,
        );
        throw err;
      }
    }
    return keep;
  }

  /** Kruise's getActiveRevisions: finds or creates the update revision, and finds the current one. */
  private async activeRevisions(
    cs: CloneSet,
    revisions: ControllerRevision[],
  ): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    let collisionCount = cs.status?.collisionCount ?? 0;
    let update = newRevision(cs, nextRevisionNumber(revisions), collisionCount);
    const equal = findEqualRevisions(revisions, update);
    const last = revisions[revisions.length - 1];
    const lastEqual = equal[equal.length - 1];
    if (lastEqual && last && equalRevision(last, lastEqual)) {
      update = last;
    } else if (lastEqual) {
      // Rolling back to an older template: that revision becomes the newest.
      const bumped = structuredClone(lastEqual);
      const hash = update.metadata.annotations?.[VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION];
      if (
        bumped.metadata.annotations?.[VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION] !== hash &&
        hash !== undefined
      ) {
        bumped.metadata.annotations = {
          ...bumped.metadata.annotations,
          [VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION]: hash,
        };
      }
      bumped.revision = update.revision;
      update = await this.client.update(CONTROLLER_REVISIONS, bumped);
    } else {
      for (;;) {
        const candidate = structuredClone(update);
        candidate.metadata.name = nameRevision(cs, candidate, collisionCount);
        try {
          update = await this.client.create(CONTROLLER_REVISIONS, candidate);
          break;
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          const existing = await this.client.get(CONTROLLER_REVISIONS, candidate.metadata.name, {
            namespace: cs.metadata.namespace,
          });
          if (revisionRaw(existing) === revisionRaw(candidate)) {
            update = existing;
            break;
          }
          collisionCount++;
        }
      }
    }
    const current = revisions.find((r) => r.metadata.name === cs.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async syncCloneSet(
    ctx: SyncContext,
    status: CloneSetStatus,
    current: ControllerRevision,
    update: ControllerRevision,
    revisions: readonly ControllerRevision[],
    pods: Pod[],
    pvcs: readonly PersistentVolumeClaim[],
  ): Promise<void> {
    const cs = ctx.cs;
    if (cs.metadata.deletionTimestamp) return;
    const currentSet = applyRevision(cs, current);
    const updateSet = applyRevision(cs, update);
    let err: unknown;
    let scaling = false;
    try {
      scaling = await this.scale(
        ctx,
        currentSet,
        updateSet,
        current.metadata.name ?? '',
        update.metadata.name ?? '',
        pods,
        pvcs,
      );
    } catch (e) {
      err = e;
      scaling = e instanceof ScaleError ? e.modified : false;
      setCondition(status, CONDITION_FAILED_SCALE, errorText(e), ctx.now);
    }
    if (scaling) {
      if (err !== undefined) throw asError(err);
      return;
    }
    try {
      await this.update(ctx, updateSet, current, update, revisions, pods);
    } catch (e) {
      setCondition(status, CONDITION_FAILED_UPDATE, errorText(e), ctx.now);
      err ??= e;
    }
    if (err !== undefined) throw asError(err);
  }

  // ---- scale (Kruise's sync/cloneset_scale.go) ----

  private async scale(
    ctx: SyncContext,
    currentCS: CloneSet,
    updateCS: CloneSet,
    currentRevision: string,
    updateRevision: string,
    pods: Pod[],
    pvcs: readonly PersistentVolumeClaim[],
  ): Promise<boolean> {
    if (updateCS.spec?.replicas === undefined) throw new Error('spec.Replicas is nil');
    const names = new Set<string>();
    const specified: Pod[] = [];
    const preDeleting: Pod[] = [];
    for (const pod of pods) {
      if (isSpecifiedDelete(updateCS, pod)) {
        names.add(pod.metadata.name ?? '');
        specified.push(pod);
      }
      if (lifecycleState(pod) === 'PreparingDelete') {
        names.add(pod.metadata.name ?? '');
        preDeleting.push(pod);
      }
    }
    const numToDelete = names.size;
    if (await this.managePreparingDelete(updateCS, pods, preDeleting, numToDelete)) return true;

    const isPodUpdate = isPodUpdateFor(this.features);
    const diffs = calculateDiffs(updateCS, pods, currentRevision, updateRevision, {
      now: ctx.now,
      features: this.features,
      isPodUpdate,
    });
    const updated = pods.filter((p) => isPodUpdate(p, updateRevision));
    const notUpdated = pods.filter((p) => !isPodUpdate(p, updateRevision));

    if (diffs.scaleUpNum > diffs.scaleUpLimit) {
      this.event(
        updateCS,
        'Warning',
        'ScaleUpLimited',
        `scaleUp is limited because of scaleStrategy.maxUnavailable, limit: ${diffs.scaleUpLimit}`,
      );
    }

    if (diffs.scaleUpNum > 0) {
      const ids = availableInstanceIds(diffs.scaleUpLimit, pods, pvcs, this.newInstanceId);
      const existingPVCs = new Set(pvcs.map((p) => p.metadata.name ?? ''));
      return this.createPods(
        ctx,
        diffs.scaleUpLimit,
        diffs.scaleUpNumOldRevision,
        currentCS,
        updateCS,
        currentRevision,
        updateRevision,
        ids,
        existingPVCs,
      );
    }

    if (preDeleting.length > 0 && (await this.deletePods(updateCS, preDeleting, pvcs))) return true;

    const preDeletingNames = new Set(preDeleting.map((p) => p.metadata.name));
    const toDelete = specified.filter((p) => !preDeletingNames.has(p.metadata.name));
    if (toDelete.length > 0) {
      const canDelete: Pod[] = [];
      for (const pod of toDelete) {
        if (!isCloneSetPodReady(pod, ctx.now)) canDelete.push(pod);
        else if (diffs.deleteReadyLimit > 0) {
          canDelete.push(pod);
          diffs.deleteReadyLimit--;
        }
      }
      if (await this.deletePods(updateCS, canDelete, pvcs)) return true;
    }

    if (diffs.scaleDownNum > 0) {
      if (numToDelete > 0) return false;
      const chosen = choosePodsToDelete(
        updateCS,
        diffs.scaleDownNum,
        diffs.scaleDownNumOldRevision,
        notUpdated,
        updated,
        ctx.now,
        await this.nodeGetter(updateCS, pods),
      );
      const deleting: Pod[] = [];
      for (const pod of chosen) {
        if (!isCloneSetPodReady(pod, ctx.now)) deleting.push(pod);
        else if (diffs.deleteReadyLimit > 0) {
          deleting.push(pod);
          diffs.deleteReadyLimit--;
        }
      }
      return this.deletePods(updateCS, deleting, pvcs);
    }
    return false;
  }

  /** Nodes of the pods, read once, for the topology-spread scale-in ranking (only with spread constraints). */
  private async nodeGetter(cs: CloneSet, pods: readonly Pod[]): Promise<(name: string) => Node | undefined> {
    if (podSpreadConstraints(cs).length === 0) return () => undefined;
    const names = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))];
    const nodes = new Map<string, Node>();
    await Promise.all(
      names.map(async (n) => {
        try {
          nodes.set(n, await this.client.get(NODES, n));
        } catch {
          // A node that cannot be read does not rank its pods.
        }
      }),
    );
    return (n) => nodes.get(n);
  }

  /** PreparingDelete pods go back to PreparingNormal while replicas want them (unless markPodNotReady is set). */
  private async managePreparingDelete(
    cs: CloneSet,
    pods: readonly Pod[],
    preDeleting: readonly Pod[],
    numToDelete: number,
  ): Promise<boolean> {
    if (isLifecycleMarkPodNotReady(cs)) return false;
    let diff = (cs.spec?.replicas ?? 1) - pods.length + numToDelete;
    let modified = false;
    for (const pod of preDeleting) {
      if (diff <= 0) return modified;
      if (isSpecifiedDelete(cs, pod)) continue;
      if (await this.podControl.updateLifecycle(pod, 'PreparingNormal', false)) modified = true;
      diff--;
    }
    return modified;
  }

  private async createPods(
    ctx: SyncContext,
    expectedCreations: number,
    expectedCurrentCreations: number,
    currentCS: CloneSet,
    updateCS: CloneSet,
    currentRevision: string,
    updateRevision: string,
    ids: string[],
    existingPVCs: ReadonlySet<string>,
  ): Promise<boolean> {
    const newPods: Pod[] = [];
    const fromCurrent = Math.min(expectedCreations, expectedCurrentCreations);
    for (let i = 0; i < expectedCreations && ids.length > 0; i++) {
      const id = ids.shift()!;
      newPods.push(
        i < fromCurrent
          ? newVersionedPod(currentCS, currentRevision, id)
          : newVersionedPod(updateCS, updateRevision, id),
      );
    }
    const key = ctx.key;
    for (const p of newPods) this.scaleExpectations.expect(key, 'create', p.metadata.name ?? '');
    const queue = [...newPods];
    const succeeded = new Set<string>();
    const { successes, error } = await doItSlowly(newPods.length, async () => {
      const pod = queue.shift()!;
      const cs = equalToRevisionHash(pod, currentRevision) ? currentCS : updateCS;
      setPodLifecycle(pod, 'PreparingNormal', ctx.now);
      await this.createOnePod(cs, pod, existingPVCs);
      succeeded.add(pod.metadata.name ?? '');
    });
    for (const p of newPods) {
      if (!succeeded.has(p.metadata.name ?? ''))
        this.scaleExpectations.observe(key, 'create', p.metadata.name ?? '');
    }
    if (error !== undefined) {
      if (successes === 0) throw asError(error);
      throw new ScaleError(errorText(error), true);
    }
    return successes > 0;
  }

  private async createOnePod(cs: CloneSet, pod: Pod, existingPVCs: ReadonlySet<string>): Promise<void> {
    const key = objectKey(cs);
    for (const claim of claimsForPod(cs, pod).values()) {
      const name = claim.metadata.name ?? '';
      if (existingPVCs.has(name)) continue;
      this.scaleExpectations.expect(key, 'create', name);
      try {
        await this.client.create(PERSISTENT_VOLUME_CLAIMS, claim);
      } catch (err) {
        this.scaleExpectations.observe(key, 'create', name);
        if (isAlreadyExists(err)) continue;
        this.event(
          cs,
          'Warning',
          'FailedCreate',
          `failed to create pvc: ${errorText(err)}, pvc: ${JSON.stringify(claim)}`,
        );
        throw err;
      }
    }
    try {
      await this.client.create(PODS, pod);
    } catch (err) {
      this.event(
        cs,
        'Warning',
        'FailedCreate',
        `failed to create pod: ${errorText(err)}, pod: ${JSON.stringify(pod)}`,
      );
      throw err;
    }
    this.event(cs, 'Normal', 'SuccessfulCreate', `succeed to create pod ${pod.metadata.name}`);
  }

  /** Deletes pods (and their PVCs), or moves hooked ones to PreparingDelete. Returns whether anything changed. */
  private async deletePods(
    cs: CloneSet,
    pods: readonly Pod[],
    pvcs: readonly PersistentVolumeClaim[],
  ): Promise<boolean> {
    const key = objectKey(cs);
    const preDelete = cs.spec?.lifecycle?.preDelete;
    let modified = false;
    for (const pod of pods) {
      if (preDelete && isPodHooked(preDelete, pod)) {
        if (await this.podControl.updateLifecycle(pod, 'PreparingDelete', !!preDelete.markPodNotReady))
          modified = true;
        continue;
      }
      const name = pod.metadata.name ?? '';
      this.scaleExpectations.expect(key, 'delete', name);
      try {
        await this.client.delete(PODS, name, { namespace: pod.metadata.namespace });
      } catch (err) {
        this.scaleExpectations.observe(key, 'delete', name);
        if (isNotFound(err)) continue;
        this.event(cs, 'Warning', 'FailedDelete', `failed to delete pod ${name}: ${errorText(err)}`);
        throw new ScaleError(errorText(err), modified);
      }
      modified = true;
      this.event(cs, 'Normal', 'SuccessfulDelete', `succeed to delete pod ${name}`);
      const id = pod.metadata.labels?.[CLONESET_INSTANCE_ID];
      for (const pvc of pvcs) {
        if (pvc.metadata.labels?.[CLONESET_INSTANCE_ID] !== id) continue;
        const pvcName = pvc.metadata.name ?? '';
        this.scaleExpectations.expect(key, 'delete', pvcName);
        try {
          await this.client.delete(PERSISTENT_VOLUME_CLAIMS, pvcName, { namespace: pvc.metadata.namespace });
        } catch (err) {
          this.scaleExpectations.observe(key, 'delete', pvcName);
          if (isNotFound(err)) continue;
          this.event(cs, 'Warning', 'FailedDelete', `failed to delete pvc ${pvcName}: ${errorText(err)}`);
          throw new ScaleError(errorText(err), modified);
        }
      }
    }
    return modified;
  }

  // ---- update (Kruise's sync/cloneset_update.go) ----

  private async update(
    ctx: SyncContext,
    cs: CloneSet,
    currentRevision: ControllerRevision,
    updateRevision: ControllerRevision,
    revisions: readonly ControllerRevision[],
    pods: Pod[],
  ): Promise<void> {
    let modified = false;
    for (const pod of pods) {
      if (await this.refreshPodState(ctx, cs, pod, updateRevision.metadata.name ?? '')) modified = true;
      if (await this.fixPodTemplateHashLabel(pod)) modified = true;
    }
    if (modified || cs.spec?.updateStrategy?.paused) return;

    const diffs = calculateDiffs(
      cs,
      pods,
      currentRevision.metadata.name ?? '',
      updateRevision.metadata.name ?? '',
      {
        now: ctx.now,
        features: this.features,
      },
    );
    if (diffs.updateNum === 0) return;
    const target = diffs.updateNum < 0 ? currentRevision : updateRevision;
    const updateName = updateRevision.metadata.name ?? '';
    const wait: number[] = [];
    pods.forEach((pod, i) => {
      const waiting =
        diffs.updateNum > 0 ? !equalToRevisionHash(pod, updateName) : equalToRevisionHash(pod, updateName);
      if (!waiting) return;
      switch (lifecycleState(pod)) {
        case 'PreparingDelete':
          return;
        case 'Updated':
          wait.push(i);
          return;
        default:
          if (getInPlaceUpdateGrace(pod) === undefined) wait.push(i);
      }
    });
    const sorted = sortUpdateIndexes(cs, pods, wait);
    const limited = limitUpdateIndexes(
      cs.spec?.minReadySeconds ?? 0,
      diffs,
      sorted,
      pods,
      target.metadata.name ?? '',
      ctx.now,
    );
    for (const i of limited) {
      requeue(ctx, await this.updatePod(cs, target, revisions, pods[i]!));
    }
  }

  /** Kruise's refreshPodState: in-place update progress and lifecycle moves. Returns whether the label moved. */
  private async refreshPodState(
    ctx: SyncContext,
    cs: CloneSet,
    pod: Pod,
    updateRevision: string,
  ): Promise<boolean> {
    requeue(ctx, await this.podControl.refresh(pod));
    const lifecycle = cs.spec?.lifecycle;
    let state: 'Normal' | 'Updated' | undefined;
    switch (lifecycleState(pod)) {
      case 'PreparingNormal':
        if (!lifecycle?.preNormal || isPodAllHooked(lifecycle.preNormal, pod)) state = 'Normal';
        break;
      case 'PreparingUpdate':
        if (equalToRevisionHash(pod, updateRevision)) {
          state = lifecycle && !isPodAllHooked(lifecycle.inPlaceUpdate, pod) ? 'Updated' : 'Normal';
        }
        break;
      case 'Updating':
        if (checkPodUpdateCompleted(pod) === undefined) {
          state = lifecycle && !isPodAllHooked(lifecycle.inPlaceUpdate, pod) ? 'Updated' : 'Normal';
        }
        break;
      case 'Updated':
        if (!lifecycle?.inPlaceUpdate || isPodAllHooked(lifecycle.inPlaceUpdate, pod)) state = 'Normal';
        break;
      default:
    }
    if (!state) return false;
    return this.podControl.updateLifecycle(pod, state, !!lifecycle?.inPlaceUpdate?.markPodNotReady);
  }

  /** Pods from before pod-template-hash existed get it from their revision label. */
  private async fixPodTemplateHashLabel(pod: Pod): Promise<boolean> {
    if (pod.metadata.labels && POD_TEMPLATE_HASH_LABEL in pod.metadata.labels) return false;
    const hash = shortHash(pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '');
    await this.podControl.patch(pod, { metadata: { labels: { [POD_TEMPLATE_HASH_LABEL]: hash } } });
    return true;
  }

  /** Kruise's updatePod: in place when allowed and possible, else marks the pod for re-creation. */
  private async updatePod(
    cs: CloneSet,
    target: ControllerRevision,
    revisions: readonly ControllerRevision[],
    pod: Pod,
  ): Promise<number> {
    const type = cs.spec?.updateStrategy?.type ?? 'ReCreate';
    const targetName = target.metadata.name ?? '';
    const podName = pod.metadata.name ?? '';
    if (type === 'InPlaceIfPossible' || type === 'InPlaceOnly') {
      const oldRevision = revisions.find((r) => equalToRevisionHash(pod, r.metadata.name ?? ''));
      const grace = cs.spec?.updateStrategy?.inPlaceUpdateStrategy?.gracePeriodSeconds ?? 0;
      const spec = calculateInPlaceUpdateSpec(oldRevision, target, grace);
      if (spec) {
        const hook = cs.spec?.lifecycle?.inPlaceUpdate;
        const state = lifecycleState(pod);
        switch (state) {
          case '':
          case 'PreparingNormal':
          case 'Normal':
            if (hook && isPodHooked(hook, pod)) {
              await this.podControl.updateLifecycle(pod, 'PreparingUpdate', !!hook.markPodNotReady);
              return 0;
            }
            break;
          case 'Updated':
            if (hook)
              await this.podControl.updateLifecycle(pod, 'PreparingUpdate', !!hook.markPodNotReady, hook);
            return 0;
          case 'PreparingUpdate':
            if (hook && isPodHooked(hook, pod)) return 0;
            break;
          case 'Updating':
            break;
          default:
            throw new Error(`not allowed to in-place update pod ${podName} in state ${state}`);
        }
        try {
          const delay = await this.podControl.updateInPlace(pod, spec, (p) =>
            setPodLifecycle(p, 'Updating', this.clock.now()),
          );
          this.event(
            cs,
            'Normal',
            'SuccessfulUpdatePodInPlace',
            `successfully update pod ${podName} in-place(revision ${targetName})`,
          );
          return delay;
        } catch (err) {
          this.event(
            cs,
            'Warning',
            'FailedUpdatePodInPlace',
            `failed to update pod ${podName} in-place(revision ${targetName}): ${errorText(err)}`,
          );
          throw err;
        }
      }
      if (type === 'InPlaceOnly') {
        throw new Error(`find Pod ${podName} update strategy is InPlaceOnly but can not update in-place`);
      }
      this.log.info({ cloneset: objectKey(cs), pod: podName }, 'cannot update pod in place; re-creating it');
    }
    try {
      await this.podControl.markSpecifiedDelete(pod);
    } catch (err) {
      this.event(
        cs,
        'Warning',
        'FailedUpdatePodReCreate',
        `failed to patch pod specified-delete ${podName} for update(revision ${targetName}): ${errorText(err)}`,
      );
      throw err;
    }
    this.event(
      cs,
      'Normal',
      'SuccessfulUpdatePodReCreate',
      `successfully patch pod ${podName} specified-delete for update(revision ${targetName})`,
    );
    return 0;
  }

  // ---- housekeeping ----

  /** Drops names of pods that no longer exist from scaleStrategy.podsToDelete. */
  private async truncatePodsToDelete(cs: CloneSet, pods: readonly Pod[]): Promise<void> {
    const list = cs.spec?.scaleStrategy?.podsToDelete ?? [];
    if (list.length === 0) return;
    const existing = new Set(pods.map((p) => p.metadata.name));
    const kept = list.filter((n) => existing.has(n));
    if (kept.length === list.length) return;
    const next = structuredClone(cs);
    delete next.status;
    next.spec!.scaleStrategy!.podsToDelete = kept;
    await this.client.update(CLONE_SETS, next);
  }

  /** Deletes the oldest revisions no pod uses beyond revisionHistoryLimit. */
  private async truncateHistory(
    cs: CloneSet,
    pods: readonly Pod[],
    revisions: readonly ControllerRevision[],
    current: ControllerRevision,
    update: ControllerRevision,
  ): Promise<void> {
    const unused = revisions.filter(
      (r) =>
        r.metadata.name !== current.metadata.name &&
        r.metadata.name !== update.metadata.name &&
        !pods.some((p) => equalToRevisionHash(p, r.metadata.name ?? '')),
    );
    const limit = cs.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
    if (unused.length <= limit) return;
    for (const r of unused.slice(0, unused.length - limit)) {
      try {
        await this.client.delete(CONTROLLER_REVISIONS, r.metadata.name ?? '', {
          namespace: r.metadata.namespace,
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

/** A scale failure that may still have changed something (then the round counts as scaling). */
class ScaleError extends Error {
  constructor(
    message: string,
    readonly modified: boolean,
  ) {
    super(message);
  }
}

/** Registers the CloneSet controller with the controller manager (upstream's name 'cloneset'). */
export const cloneSetControllerDescriptor: ControllerDescriptor = {
  name: 'cloneset',
  init(ctx) {
    return new CloneSetController({
      client: ctx.client,
      informers: ctx.informers,
      recorder: ctx.recorder('cloneset-controller'),
      workers: ctx.workers,
      clock: ctx.clock,
      logger: ctx.logger,
    });
  },
};
