/**
 * @module The CloneSet controller's writes to existing pods: lifecycle state moves, the InPlaceUpdateReady and
 * KruisePodReady conditions, the in-place update itself and finishing its grace period. Every write of pod
 * metadata or spec is tracked in the resourceVersion expectations so the next reconcile waits for the cache.
 */
import { isStatusError } from '../../api/errors.js';
import type { KubeClient } from '../../client/client.js';
import { PODS, type Pod } from '../../client/resources.js';
import { rfc3339, type Clock } from '../../util/clock.js';
import {
  INPLACE_UPDATE_READY,
  KRUISE_POD_READY,
  SPECIFIED_DELETE_KEY,
  type LifecycleState,
} from './constants.js';
import type { ResourceVersionExpectations } from './expectations.js';
import {
  beginInPlaceUpdate,
  checkContainersUpdateCompleted,
  getInPlaceUpdateGrace,
  getInPlaceUpdateState,
  hasEqualCondition,
  parseState,
  parseUpdateSpec,
  patchUpdateSpecToPod,
  removeInPlaceUpdateGrace,
  roundUpSeconds,
  setPodCondition,
  setPodReadyCondition,
  type UpdateSpec,
} from './inplace-update.js';
import {
  LIFECYCLE_USER_AGENT,
  lifecyclePatch,
  type LifecycleHook,
  notReadyPolicy,
  type NotReadyMessage,
  parseNotReadyMessages,
} from './lifecycle.js';
import {
  equalToRevisionHash,
  getPodCondition,
  hasReadinessGate,
  lifecycleState,
  writeRevisionHash,
} from './pod-util.js';

/** upstream retry.DefaultBackoff's attempts for conflicting writes. */
const CONFLICT_RETRIES = 4;

function isConflict(err: unknown): boolean {
  return isStatusError(err) && err.code === 409;
}

/** Pod writes with conflict retries and resourceVersion tracking. */
export class PodControl {
  constructor(
    private readonly client: KubeClient,
    private readonly clock: Clock,
    private readonly versions: ResourceVersionExpectations,
  ) {}

  private async get(pod: Pod): Promise<Pod> {
    return this.client.get(PODS, pod.metadata.name ?? '', { namespace: pod.metadata.namespace });
  }

  /**
   * Applies `mutate` to a copy of the pod (first the cached one, then a fresh read after each conflict) and
   * PUTs it; `mutate` returning false means nothing to write. Returns the written pod, if any.
   */
  async update(pod: Pod, mutate: (p: Pod) => boolean): Promise<Pod | undefined> {
    const uid = pod.metadata.uid ?? '';
    let current = structuredClone(pod);
    for (let attempt = 0; ; attempt++) {
      if (!mutate(current)) return undefined;
      this.versions.beginWrite(uid);
      let written: Pod | undefined;
      try {
        written = await this.client.update(PODS, current);
        return written;
      } catch (err) {
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
        current = await this.get(pod);
      } finally {
        this.versions.endWrite(uid, written?.metadata.resourceVersion);
      }
    }
  }

  /** Like {@link update} for pods/status (not tracked: the controller never waits for its status writes). */
  async updateStatus(pod: Pod, mutate: (p: Pod) => boolean): Promise<Pod | undefined> {
    let current = structuredClone(pod);
    for (let attempt = 0; ; attempt++) {
      if (!mutate(current)) return undefined;
      try {
        return await this.client.updateStatus(PODS, current);
      } catch (err) {
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
        current = await this.get(pod);
      }
    }
  }

  /** A strategic merge patch of pod metadata, tracked. */
  async patch(pod: Pod, body: object): Promise<Pod> {
    const uid = pod.metadata.uid ?? '';
    this.versions.beginWrite(uid);
    let written: Pod | undefined;
    try {
      written = await this.client.patch(PODS, pod.metadata.name ?? '', body, {
        type: 'strategic',
        namespace: pod.metadata.namespace,
      });
      return written;
    } finally {
      this.versions.endWrite(uid, written?.metadata.resourceVersion);
    }
  }

  /** Sets a condition (as upstream's updateCondition); a False one also turns Ready False. */
  async setCondition(pod: Pod, type: string, status: 'True' | 'False', reason?: string): Promise<void> {
    const now = this.clock.now();
    const condition = { type, status, lastTransitionTime: rfc3339(now), ...(reason ? { reason } : {}) };
    if (hasEqualCondition(pod, condition)) return;
    await this.updateStatus(pod, (p) => {
      if (hasEqualCondition(p, condition)) return false;
      setPodCondition(p, condition);
      if (status === 'False') setPodReadyCondition(p, now);
      return true;
    });
  }

  /**
   * upstream UpdatePodLifecycle / UpdatePodLifecycleWithHandler: applies markPodNotReady's KruisePodReady key
   * for the state, then moves the state label (re-adding the hook's labels and finalizers when `hook` is
   * given). Returns whether the label was written.
   */
  async updateLifecycle(
    pod: Pod,
    state: LifecycleState,
    markPodNotReady: boolean,
    hook?: LifecycleHook,
  ): Promise<boolean> {
    if (markPodNotReady) await this.applyNotReadyPolicy(pod, state);
    if (lifecycleState(pod) === state) return false;
    await this.patch(pod, lifecyclePatch(state, this.clock.now(), hook));
    return true;
  }

  private async applyNotReadyPolicy(pod: Pod, state: LifecycleState): Promise<void> {
    const policy = notReadyPolicy(state);
    if (!policy || !hasReadinessGate(pod, KRUISE_POD_READY)) return;
    const msg: NotReadyMessage = { userAgent: LIFECYCLE_USER_AGENT, key: policy.key };
    const has = (list: NotReadyMessage[]) =>
      list.some((m) => m.userAgent === msg.userAgent && m.key === msg.key);
    const cached = getPodCondition(pod, KRUISE_POD_READY);
    if (policy.add && cached && cached.status !== 'True' && has(parseNotReadyMessages(cached.message)))
      return;
    const now = this.clock.now();
    await this.updateStatus(pod, (p) => {
      const c = getPodCondition(p, KRUISE_POD_READY);
      const messages = parseNotReadyMessages(c?.message);
      if (policy.add) {
        if (c && has(messages)) return false;
        const next = JSON.stringify([...messages, msg]);
        if (!c) {
          p.status!.conditions = [
            ...(p.status?.conditions ?? []),
            { type: KRUISE_POD_READY, status: '', message: next, lastTransitionTime: rfc3339(now) },
          ];
        } else {
          c.status = 'False';
          c.message = next;
          c.lastTransitionTime = rfc3339(now);
        }
        setPodReadyCondition(p, now);
        return true;
      }
      if (!c || !has(messages)) return false;
      const rest = messages.filter((m) => !(m.userAgent === msg.userAgent && m.key === msg.key));
      if (rest.length === 0) c.status = 'True';
      c.message = JSON.stringify(rest);
      c.lastTransitionTime = rfc3339(now);
      return true;
    });
  }

  /** Labels the pod for deletion by its CloneSet (how ReCreate updates a pod). Returns whether it patched. */
  async markSpecifiedDelete(pod: Pod): Promise<boolean> {
    if (pod.metadata.labels && SPECIFIED_DELETE_KEY in pod.metadata.labels) return false;
    await this.patch(pod, { metadata: { labels: { [SPECIFIED_DELETE_KEY]: 'true' } } });
    return true;
  }

  /**
   * upstream inplaceupdate Update: InPlaceUpdateReady goes False (when the pod has the gate), then the pod
   * moves to the revision with its images patched (or parked in the grace annotation). `extra` runs on the
   * pod before it is written. Returns the delay until the grace period ends (0 without one).
   */
  async updateInPlace(pod: Pod, spec: UpdateSpec, extra: (p: Pod) => void): Promise<number> {
    if (hasReadinessGate(pod, INPLACE_UPDATE_READY)) {
      await this.setCondition(pod, INPLACE_UPDATE_READY, 'False', 'StartInPlaceUpdate');
    }
    let fresh = pod;
    try {
      fresh = await this.get(pod);
    } catch {
      // The cached pod will do; a conflict re-reads it.
    }
    await this.update(fresh, (p) => {
      p.metadata.labels ??= {};
      writeRevisionHash(p.metadata.labels, spec.revision);
      extra(p);
      beginInPlaceUpdate(p, spec, this.clock.now());
      return true;
    });
    return (spec.graceSeconds ?? 0) > 0 ? (spec.graceSeconds ?? 0) * 1000 : 0;
  }

  /**
   * upstream Refresh: finishes a due grace period (or returns how long until it is due), or, once the node
   * reports the updated containers, turns InPlaceUpdateReady True. Returns a requeue delay (0 for none).
   */
  async refresh(pod: Pod): Promise<number> {
    if (getInPlaceUpdateGrace(pod) !== undefined) return this.finishGracePeriod(pod);
    const raw = getInPlaceUpdateState(pod);
    if (raw !== undefined) {
      const state = parseState(raw);
      if (checkContainersUpdateCompleted(pod, state) !== undefined) return 0;
    }
    if (!hasReadinessGate(pod, INPLACE_UPDATE_READY)) return 0;
    await this.setCondition(pod, INPLACE_UPDATE_READY, 'True');
    return 0;
  }

  private async finishGracePeriod(pod: Pod): Promise<number> {
    let delay = 0;
    await this.update(pod, (p) => {
      delay = 0;
      const graceJSON = getInPlaceUpdateGrace(p);
      if (graceJSON === undefined) return false;
      const spec = parseUpdateSpec(graceJSON);
      const stateJSON = getInPlaceUpdateState(p);
      if (stateJSON === undefined) {
        throw new Error(
          'pod has apps.kruise.io/inplace-update-grace but apps.kruise.io/inplace-update-state not found',
        );
      }
      const state = parseState(stateJSON);
      if (equalToRevisionHash(p, spec.revision)) {
        const elapsed = this.clock.now().getTime() - Date.parse(state.updateTimestamp);
        const grace = (spec.graceSeconds ?? 0) * 1000;
        if (elapsed < grace) {
          delay = roundUpSeconds(grace - elapsed);
          return false;
        }
        patchUpdateSpecToPod(p, spec, state, this.clock.now());
      }
      // A changed revision drops the parked spec; the normal update starts over.
      removeInPlaceUpdateGrace(p);
      return true;
    });
    return delay;
  }
}
