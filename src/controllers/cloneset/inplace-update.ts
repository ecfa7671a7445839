/**
 * @module OpenKruise's in-place update, the pure part: whether two revisions differ only in container images
 * (and template labels/annotations), the UpdateSpec to apply, patching it into a pod with the
 * apps.kruise.io/inplace-update-state record, and deciding when the node has finished the update.
 */
import jsonpatch from 'fast-json-patch';
import type { ControllerRevision, Pod } from '../../client/resources.js';
import { rfc3339 } from '../../util/clock.js';
import {
  INPLACE_UPDATE_GRACE_KEY,
  INPLACE_UPDATE_GRACE_KEY_OLD,
  INPLACE_UPDATE_READY,
  INPLACE_UPDATE_STATE_KEY,
  INPLACE_UPDATE_STATE_KEY_OLD,
} from './constants.js';
import { getPodCondition, type PodCondition } from './pod-util.js';
import { templateFromRevision } from './revision.js';

/** Changes to template labels/annotations (null removes a key); other metadata fields replaced or removed. */
export interface MetadataPatch {
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
  [field: string]: unknown;
}

/** What an in-place update changes in a pod (upstream's UpdateSpec). */
export interface UpdateSpec {
  /** The revision name the pod moves to. */
  revision: string;
  /** New image by container name. */
  containerImages: Record<string, string>;
  metadataPatch?: MetadataPatch;
  graceSeconds?: number;
}

/** The apps.kruise.io/inplace-update-state record (upstream's InPlaceUpdateState; JSON field names as upstream). */
export interface InPlaceUpdateState {
  revision: string;
  updateTimestamp: string;
  /** imageID of each updated container before the update. */
  lastContainerStatuses: Record<string, { imageID?: string }> | null;
  updateEnvFromMetadata?: boolean;
  updateResources?: boolean;
  updateImages?: boolean;
  nextContainerImages?: Record<string, string>;
  nextContainerRefMetadata?: Record<string, unknown>;
  nextContainerResources?: Record<string, unknown>;
  preCheckBeforeNext?: { containersRequiredReady?: string[] } | null;
  containerBatchesRecord?: Array<{ timestamp: string; containers: string[] }>;
}

const CONTAINER_IMAGE_PATH = /^\/spec\/containers\/(\d+)\/image$/;

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A two-way merge patch from one template metadata to another. */
export function metadataPatchOf(
  oldMeta: Record<string, any>,
  newMeta: Record<string, any>,
): MetadataPatch | undefined {
  const patch: MetadataPatch = {};
  const keys = new Set([...Object.keys(oldMeta), ...Object.keys(newMeta)]);
  for (const key of keys) {
    const a = oldMeta[key];
    const b = newMeta[key];
    if (key === 'labels' || key === 'annotations') {
      const from = (a ?? {}) as Record<string, string>;
      const to = (b ?? {}) as Record<string, string>;
      const m: Record<string, string | null> = {};
      for (const k of Object.keys(from)) if (!(k in to)) m[k] = null;
      for (const [k, v] of Object.entries(to)) if (from[k] !== v) m[k] = v;
      if (Object.keys(m).length > 0) patch[key] = m;
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      patch[key] = b === undefined ? null : b;
    }
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/**
 * upstream defaultCalculateInPlaceUpdateSpec: undefined (recreate) unless every difference between the two
 * revisions' templates is a replaced container image or a change of template metadata.
 */
export function calculateInPlaceUpdateSpec(
  oldRevision: ControllerRevision | undefined,
  newRevision: ControllerRevision | undefined,
  graceSeconds = 0,
): UpdateSpec | undefined {
  if (!oldRevision || !newRevision) return undefined;
  const ops = jsonpatch.compare(
    (oldRevision.data ?? {}) as Record<string, unknown>,
    (newRevision.data ?? {}) as Record<string, unknown>,
  );
  const oldTemplate = templateFromRevision(oldRevision);
  const newTemplate = templateFromRevision(newRevision);
  const spec: UpdateSpec = { revision: newRevision.metadata.name ?? '', containerImages: {} };
  if (graceSeconds > 0) spec.graceSeconds = graceSeconds;
  let metadataChanged = false;
  for (const op of ops) {
    const path = op.path.replace('/spec/template', '');
    if (!path.startsWith('/spec/')) {
      if (path.startsWith('/metadata/')) {
        metadataChanged = true;
        continue;
      }
      return undefined;
    }
    if (op.op !== 'replace') return undefined;
    const m = CONTAINER_IMAGE_PATH.exec(unescapePointer(path));
    if (!m) return undefined;
    const container = oldTemplate.spec?.containers[Number(m[1])];
    if (!container || typeof op.value !== 'string') return undefined;
    spec.containerImages[container.name] = op.value;
  }
  if (metadataChanged) {
    spec.metadataPatch = metadataPatchOf(
      (oldTemplate.metadata ?? {}) as Record<string, any>,
      (newTemplate.metadata ?? {}) as Record<string, any>,
    );
  }
  return spec;
}

/** Applies a metadata patch to a pod (in place). */
export function applyMetadataPatch(pod: Pod, patch: MetadataPatch): void {
  const meta = pod.metadata as Record<string, any>;
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'labels' || key === 'annotations') {
      const map: Record<string, string> = { ...(meta[key] ?? {}) };
      for (const [k, v] of Object.entries(value as Record<string, string | null>)) {
        if (v === null) delete map[k];
        else map[k] = v;
      }
      meta[key] = map;
    } else if (value === null) delete meta[key];
    else meta[key] = structuredClone(value);
  }
}

/** The state annotation's JSON, with upstream's field order. */
export function stateJSON(s: InPlaceUpdateState): string {
  const out: Record<string, unknown> = {
    revision: s.revision,
    updateTimestamp: s.updateTimestamp,
    lastContainerStatuses: s.lastContainerStatuses,
  };
  if (s.updateEnvFromMetadata) out['updateEnvFromMetadata'] = true;
  if (s.updateResources) out['updateResources'] = true;
  if (s.updateImages) out['updateImages'] = true;
  if (s.nextContainerImages && Object.keys(s.nextContainerImages).length)
    out['nextContainerImages'] = s.nextContainerImages;
  if (s.nextContainerRefMetadata && Object.keys(s.nextContainerRefMetadata).length)
    out['nextContainerRefMetadata'] = s.nextContainerRefMetadata;
  if (s.nextContainerResources && Object.keys(s.nextContainerResources).length)
    out['nextContainerResources'] = s.nextContainerResources;
  if (s.preCheckBeforeNext) out['preCheckBeforeNext'] = s.preCheckBeforeNext;
  if (s.containerBatchesRecord?.length) out['containerBatchesRecord'] = s.containerBatchesRecord;
  return JSON.stringify(out);
}

/** The UpdateSpec as the grace annotation stores it (upstream field names; the metadata patch base64 JSON). */
export function updateSpecJSON(spec: UpdateSpec): string {
  const out: Record<string, unknown> = { revision: spec.revision };
  if (Object.keys(spec.containerImages).length) out['containerImages'] = spec.containerImages;
  if (spec.metadataPatch) {
    out['metaDataPatch'] = Buffer.from(JSON.stringify({ metadata: spec.metadataPatch })).toString('base64');
  }
  if (spec.graceSeconds) out['graceSeconds'] = spec.graceSeconds;
  return JSON.stringify(out);
}

export function parseUpdateSpec(json: string): UpdateSpec {
  const v = JSON.parse(json) as {
    revision?: string;
    containerImages?: Record<string, string>;
    metaDataPatch?: string;
    graceSeconds?: number;
  };
  const spec: UpdateSpec = { revision: v.revision ?? '', containerImages: v.containerImages ?? {} };
  if (v.metaDataPatch) {
    const decoded = JSON.parse(Buffer.from(v.metaDataPatch, 'base64').toString('utf8')) as {
      metadata?: MetadataPatch;
    };
    if (decoded.metadata) spec.metadataPatch = decoded.metadata;
  }
  if (v.graceSeconds) spec.graceSeconds = v.graceSeconds;
  return spec;
}

export function getInPlaceUpdateState(pod: Pod): string | undefined {
  const a = pod.metadata.annotations;
  return a?.[INPLACE_UPDATE_STATE_KEY] ?? a?.[INPLACE_UPDATE_STATE_KEY_OLD];
}

export function getInPlaceUpdateGrace(pod: Pod): string | undefined {
  const a = pod.metadata.annotations;
  return a?.[INPLACE_UPDATE_GRACE_KEY] ?? a?.[INPLACE_UPDATE_GRACE_KEY_OLD];
}

export function removeInPlaceUpdateGrace(pod: Pod): void {
  const a = pod.metadata.annotations;
  if (!a) return;
  delete a[INPLACE_UPDATE_GRACE_KEY];
  delete a[INPLACE_UPDATE_GRACE_KEY_OLD];
}

export function parseState(json: string): InPlaceUpdateState {
  const s = JSON.parse(json) as InPlaceUpdateState;
  s.lastContainerStatuses ??= null;
  return s;
}

/**
 * upstream defaultPatchUpdateSpecToPod: applies the metadata patch, sets the new images, records each updated
 * container's current imageID and this batch in `state`, and writes the state annotation. Mutates `pod`.
 */
export function patchUpdateSpecToPod(pod: Pod, spec: UpdateSpec, state: InPlaceUpdateState, now: Date): Pod {
  state.nextContainerImages = {};
  state.nextContainerRefMetadata = {};
  state.nextContainerResources = {};
  if (spec.metadataPatch) applyMetadataPatch(pod, spec.metadataPatch);
  pod.metadata.labels ??= {};
  pod.metadata.annotations ??= {};
  const changed = new Set<string>();
  for (const c of pod.spec?.containers ?? []) {
    const image = spec.containerImages[c.name];
    if (image === undefined) continue;
    c.image = image;
    changed.add(c.name);
  }
  for (const cs of pod.status?.containerStatuses ?? []) {
    if (!changed.has(cs.name)) continue;
    state.lastContainerStatuses ??= {};
    if (!(cs.name in state.lastContainerStatuses))
      state.lastContainerStatuses[cs.name] = { imageID: cs.imageID };
  }
  state.preCheckBeforeNext = null;
  state.containerBatchesRecord = [
    ...(state.containerBatchesRecord ?? []),
    { timestamp: rfc3339(now), containers: [...changed].sort() },
  ];
  pod.metadata.annotations[INPLACE_UPDATE_STATE_KEY] = stateJSON(state);
  return pod;
}

/**
 * Starts an in-place update of a (fresh, copied) pod: the revision labels are written by the caller; this
 * records the state and either patches the spec now or, with a grace period, stores it in the grace
 * annotation for later. Mutates `pod`.
 */
export function beginInPlaceUpdate(pod: Pod, spec: UpdateSpec, now: Date): Pod {
  pod.metadata.annotations ??= {};
  const state: InPlaceUpdateState = {
    revision: spec.revision,
    updateTimestamp: rfc3339(now),
    lastContainerStatuses: null,
    updateImages: Object.keys(spec.containerImages).length > 0,
  };
  pod.metadata.annotations[INPLACE_UPDATE_STATE_KEY] = stateJSON(state);
  delete pod.metadata.annotations[INPLACE_UPDATE_STATE_KEY_OLD];
  if (!spec.graceSeconds || spec.graceSeconds <= 0) {
    patchUpdateSpecToPod(pod, spec, state, now);
    removeInPlaceUpdateGrace(pod);
  } else {
    pod.metadata.annotations[INPLACE_UPDATE_GRACE_KEY] = updateSpecJSON(spec);
  }
  return pod;
}

function imageWithTag(image: string): string {
  return image.split(':').length <= 1 ? `${image}:latest` : image;
}

/**
 * upstream defaultCheckContainersInPlaceUpdateCompleted: undefined once every updated container reports a
 * different imageID than before (or already runs the new image); else why not.
 */
export function checkContainersUpdateCompleted(pod: Pod, state: InPlaceUpdateState): string | undefined {
  if (state.updateEnvFromMetadata) {
    return 'waiting for all containers hash consistent, but runtime-container-meta not found';
  }
  const images = new Map<string, string>();
  for (const c of pod.spec?.containers ?? []) images.set(c.name, imageWithTag(c.image ?? ''));
  const waiting = new Map(Object.entries(state.lastContainerStatuses ?? {}));
  for (const cs of pod.status?.containerStatuses ?? []) {
    const old = waiting.get(cs.name);
    if (!old) continue;
    if (old.imageID === cs.imageID && images.get(cs.name) !== cs.image) {
      return `container ${cs.name} imageID not changed`;
    }
    waiting.delete(cs.name);
  }
  if (waiting.size > 0) return `not found statuses of containers ${[...waiting.keys()].join(', ')}`;
  return undefined;
}

/** upstream DefaultCheckInPlaceUpdateCompleted: no grace period pending, no next batch, containers done. */
export function checkPodUpdateCompleted(pod: Pod): string | undefined {
  if (getInPlaceUpdateGrace(pod) !== undefined) return 'still in grace period of in-place update';
  const raw = getInPlaceUpdateState(pod);
  if (raw === undefined) return undefined;
  let state: InPlaceUpdateState;
  try {
    state = parseState(raw);
  } catch (err) {
    return (err as Error).message;
  }
  if (
    Object.keys(state.nextContainerImages ?? {}).length ||
    Object.keys(state.nextContainerRefMetadata ?? {}).length ||
    Object.keys(state.nextContainerResources ?? {}).length
  ) {
    return 'existing containers to in-place update in next batches';
  }
  return checkContainersUpdateCompleted(pod, state);
}

/** Adds the InPlaceUpdateReady readiness gate unless present. Mutates `pod`. */
export function injectReadinessGate(pod: Pod): void {
  pod.spec ??= { containers: [] };
  const gates = (pod.spec.readinessGates ??= []);
  if (!gates.some((g) => g.conditionType === INPLACE_UPDATE_READY))
    gates.push({ conditionType: INPLACE_UPDATE_READY });
}

/** Same status, reason and message (upstream's hasEqualCondition). */
export function hasEqualCondition(pod: Pod, c: PodCondition): boolean {
  const old = getPodCondition(pod, c.type);
  return (
    old !== undefined &&
    old.status === c.status &&
    (old.reason ?? '') === (c.reason ?? '') &&
    (old.message ?? '') === (c.message ?? '')
  );
}

/** upstream util.SetPodCondition: adds the condition, or replaces one of the same type whose status differs. */
export function setPodCondition(pod: Pod, c: PodCondition): void {
  pod.status ??= {};
  const conditions = (pod.status.conditions ??= []);
  const i = conditions.findIndex((x) => x.type === c.type);
  if (i < 0) conditions.push(c);
  else if (conditions[i]!.status !== c.status) conditions[i] = c;
}

/**
 * upstream util.SetPodReadyCondition: when containers are ready, Ready follows the readiness gates (False
 * with ReadinessGatesNotReady and upstream's message while a gate is not True).
 */
export function setPodReadyCondition(pod: Pod, now: Date): void {
  if (!getPodCondition(pod, 'Ready')) return;
  if (getPodCondition(pod, 'ContainersReady')?.status !== 'True') return;
  const unready: string[] = [];
  for (const g of pod.spec?.readinessGates ?? []) {
    const c = getPodCondition(pod, g.conditionType);
    if (!c)
      unready.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
    else if (c.status !== 'True') {
      unready.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
    }
  }
  setPodCondition(
    pod,
    unready.length === 0
      ? { type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) }
      : { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: unready.join(', ') },
  );
}

/** Rounds a delay up to whole seconds. */
export function roundUpSeconds(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}
