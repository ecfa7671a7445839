/**
 * @module Subresources with their own semantics: scale, pods/binding (and the bindings resource),
 * pods/eviction, namespaces/finalize, and the node-side ones (log, exec, attach, portforward, proxy).
 */
import {
  badRequest,
  conflict,
  type FieldError,
  internalError,
  invalid,
  isStatusError,
  methodNotAllowed,
  serviceUnavailable,
  successStatus,
  tooManyRequests,
  unsupportedMediaType,
} from '../../api/errors.js';
import { selectorFromLabelSelector, selectorFromSet } from '../../api/labels.js';
import { isObject, type KubeObject } from '../../api/object.js';
import type { ScaleDef } from '../../api/resource.js';
import { rfc3339 } from '../../util/clock.js';
import { bodyKindOf, type OutputForm } from '../negotiation.js';
import type { ObjectStore } from '../object-store.js';
import type { ResourceRequestInfo } from '../request-info.js';
import type { ApiRequest, ApiResponse } from '../transport.js';
import { writeJson } from '../transport.js';
import type { HandlerContext } from './context.js';
import { checkObject, decodeObjectBody, fieldValidationOf, parseText } from './decode.js';
import { writeObject } from './output.js';
import { applyPatch } from './patch-engines.js';
import { dryRunOf, fieldManagerOf } from './write.js';

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

const SCALE_DEFINITION = 'io.k8s.api.autoscaling.v1.Scale';

/** The autoscaling/v1 Scale view of an object. */
export function scaleOf(obj: KubeObject, scale: ScaleDef): KubeObject {
  let selector = '';
  if (scale.labelSelectorPath) {
    const s = getPath(obj, scale.labelSelectorPath);
    if (typeof s === 'string') selector = s;
  } else {
    const sel = getPath(obj, 'spec.selector');
    if (isObject(sel)) {
      try {
        // A LabelSelector, or (ReplicationController) a plain map of labels.
        const plainMap = !('matchLabels' in sel) && !('matchExpressions' in sel);
        selector = (
          plainMap ? selectorFromSet(sel as Record<string, string>) : selectorFromLabelSelector(sel)
        ).toString();
      } catch {
        selector = '';
      }
    }
  }
  const m = obj.metadata;
  const status: Record<string, unknown> = { replicas: Number(getPath(obj, scale.statusReplicasPath) ?? 0) };
  if (selector) status['selector'] = selector;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: Number(getPath(obj, scale.specReplicasPath) ?? 0) },
    status,
  };
}

function validateScale(scale: KubeObject): FieldError[] {
  const r = getPath(scale, 'spec.replicas');
  if (r === undefined) return [];
  if (typeof r !== 'number' || !Number.isInteger(r)) {
    return [{ type: 'FieldValueInvalid', field: 'spec.replicas', badValue: r, detail: 'must be an integer' }];
  }
  if (r < 0) {
    return [
      {
        type: 'FieldValueInvalid',
        field: 'spec.replicas',
        badValue: r,
        detail: 'must be greater than or equal to 0',
      },
    ];
  }
  return [];
}

export async function handleScale(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
): Promise<void> {
  const scaleDef = os.def.subresources?.scale;
  if (!scaleDef) throw methodNotAllowed();
  if (info.verb === 'get') {
    const entry = await os.get(info.namespace, info.name);
    writeJson(res, 200, scaleOf(entry.obj, scaleDef));
    return;
  }
  if (info.verb !== 'update' && info.verb !== 'patch') throw methodNotAllowed();
  const dryRun = dryRunOf(req.query);
  const fieldManager = fieldManagerOf(req, false);
  const expected = { group: 'autoscaling', version: 'v1', kind: 'Scale', schema: SCALE_DEFINITION };
  let computeScale: (current: KubeObject) => KubeObject;
  let precondition: string | undefined;
  if (info.verb === 'update') {
    const { obj } = await decodeObjectBody(req, ctx, expected);
    precondition = obj.metadata.resourceVersion || undefined;
    computeScale = () => obj;
  } else {
    const kind = bodyKindOf(req.header('content-type'));
    if (kind !== 'json-patch' && kind !== 'merge-patch' && kind !== 'strategic-merge-patch') {
      throw unsupportedMediaType(req.header('content-type') ?? '');
    }
    const validation = fieldValidationOf(req.query);
    const raw = await req.body(ctx.options.maxBodyBytes);
    const { value: patch, duplicates } = parseText(raw, 'json', validation !== 'Ignore');
    computeScale = (current) => {
      const patched = applyPatch(kind, scaleOf(current, scaleDef), patch, SCALE_DEFINITION);
      return checkObject(patched, expected, validation, duplicates).obj;
    };
  }
  const result = await os.guaranteedUpdate(
    info.namespace,
    info.name,
    { dryRun, fieldManager, subresource: 'scale', precondition },
    (current) => {
      const cur = current!;
      const scale = computeScale(cur);
      const errs = validateScale(scale);
      if (errs.length > 0) throw invalid('autoscaling', 'Scale', info.name, errs);
      const rv = scale.metadata.resourceVersion;
      if (rv && rv !== cur.metadata.resourceVersion) {
        throw conflict(
          os.gr,
          info.name,
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      const replicas = getPath(scale, 'spec.replicas');
      if (typeof replicas === 'number') setPath(cur, scaleDef.specReplicasPath, replicas);
      return cur;
    },
  );
  writeJson(res, 200, scaleOf(result.obj, scaleDef));
}

/** pods/{name}/binding and the bindings resource: assigns a pending pod to a node. */
export async function handleBinding(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  pods: ObjectStore,
  info: ResourceRequestInfo,
): Promise<void> {
  if (info.verb !== 'create') throw methodNotAllowed();
  const { obj: binding } = await decodeObjectBody(req, ctx, {
    group: '',
    version: 'v1',
    kind: 'Binding',
    schema: 'io.k8s.api.core.v1.Binding',
  });
  const podName = info.name || binding.metadata.name || '';
  if (binding.metadata.name && info.name && binding.metadata.name !== info.name) {
    throw badRequest(
      `the name of the object (${binding.metadata.name}) does not match the name on the URL (${info.name})`,
    );
  }
  const target = isObject(binding['target']) ? binding['target'] : {};
  const errs: FieldError[] = [];
  if (!podName) errs.push({ type: 'FieldValueRequired', field: 'metadata.name' });
  if (typeof target['name'] !== 'string' || target['name'] === '') {
    errs.push({ type: 'FieldValueRequired', field: 'target.name' });
  }
  if (target['kind'] !== undefined && target['kind'] !== '' && target['kind'] !== 'Node') {
    errs.push({
      type: 'FieldValueNotSupported',
      field: 'target.kind',
      badValue: target['kind'],
      detail: 'supported values: "Node", "<empty>"',
    });
  }
  if (errs.length > 0) throw invalid('', 'Binding', podName, errs);
  const nodeName = target['name'] as string;
  const dryRun = dryRunOf(req.query);
  const now = rfc3339(ctx.clock.now());
  await pods.guaranteedUpdate(
    info.namespace,
    podName,
    {
      dryRun,
      fieldManager: fieldManagerOf(req, false),
      subresource: 'binding',
      bypassStrategy: true,
      // As upstream, a binding writes the pod in storage directly: its managedFields stay as they are (no
      // scheduler entry), which also spares the tracking cost on every bind.
      managedFieldsDone: true,
      precondition: binding.metadata.resourceVersion || undefined,
    },
    (current) => {
      const pod = current!;
      const spec = (pod['spec'] ??= {}) as Record<string, unknown>;
      // The binding's uid (and resourceVersion, above), when set, are preconditions on the pod, as upstream's.
      const uid = binding.metadata.uid;
      if (uid && uid !== pod.metadata.uid) {
        throw conflict(
          pods.gr,
          podName,
          `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid ?? ''}`,
        );
      }
      if (pod.metadata.deletionTimestamp) {
        throw conflict(pods.gr, podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
      }
      if (spec['nodeName']) {
        throw conflict(
          pods.gr,
          podName,
          `pod ${podName} is already assigned to node ${JSON.stringify(spec['nodeName'])}`,
        );
      }
      spec['nodeName'] = nodeName;
      const annotations = binding.metadata.annotations;
      if (annotations) pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations };
      const status = (pod['status'] ??= {}) as Record<string, unknown>;
      const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []) as Array<
        Record<string, unknown>
      >;
      const existing = conditions.find((c) => c['type'] === 'PodScheduled');
      if (existing) {
        if (existing['status'] !== 'True') existing['lastTransitionTime'] = now;
        existing['status'] = 'True';
        delete existing['reason'];
        delete existing['message'];
      } else {
        conditions.push({
          type: 'PodScheduled',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: now,
        });
      }
      status['conditions'] = conditions;
      return pod;
    },
  );
  // As upstream's create handler, a Status without a code takes the response's.
  writeJson(res, 201, { ...successStatus(), code: 201 });
}

/** pods/{name}/eviction: a delete that honours PodDisruptionBudgets. */
export async function handleEviction(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  pods: ObjectStore,
  info: ResourceRequestInfo,
): Promise<void> {
  if (info.verb !== 'create') throw methodNotAllowed();
  const { obj: eviction } = await decodeObjectBody(req, ctx, {
    group: 'policy',
    version: 'v1',
    kind: 'Eviction',
    schema: 'io.k8s.api.policy.v1.Eviction',
  });
  if (eviction.metadata.name && eviction.metadata.name !== info.name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const deleteOptions = isObject(eviction['deleteOptions']) ? eviction['deleteOptions'] : {};
  const dryRun = dryRunOf(req.query);
  const pod = (await pods.get(info.namespace, info.name)).obj;
  const phase = (pod['status'] as Record<string, unknown> | undefined)?.['phase'];
  const pdbs = ctx.registry.forKind('policy', 'PodDisruptionBudget');
  if (
    pdbs &&
    phase !== 'Succeeded' &&
    phase !== 'Failed' &&
    phase !== 'Pending' &&
    !pod.metadata.deletionTimestamp
  ) {
    await pdbs.waitFresh();
    const matching = pdbs.cache
      .list({ namespace: info.namespace, equalities: [], matches: () => true })
      .filter((e) => {
        const sel = getPath(e.obj, 'spec.selector');
        if (!isObject(sel)) return false;
        try {
          const s = selectorFromLabelSelector(sel);
          return !s.isEverything() && s.matches(pod.metadata.labels ?? {});
        } catch {
          return false;
        }
      });
    if (matching.length > 1) {
      throw internalError(
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    }
    const pdb = matching[0];
    if (pdb) {
      const status = (pdb.obj['status'] ?? {}) as Record<string, unknown>;
      const allowed = Number(status['disruptionsAllowed'] ?? 0);
      const observed = Number(status['observedGeneration'] ?? 0);
      if (observed < (pdb.obj.metadata.generation ?? 0)) {
        throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10);
      }
      if (allowed <= 0) {
        const err = tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10);
        err.status.details!.causes = [
          {
            reason: 'DisruptionBudget',
            message: `The disruption budget ${pdb.obj.metadata.name ?? ''} needs ${Number(status['desiredHealthy'] ?? 0)} healthy pods and has ${Number(status['currentHealthy'] ?? 0)} currently`,
          },
        ];
        throw err;
      }
      if (!dryRun) {
        try {
          await pdbs.guaranteedUpdate(
            info.namespace,
            pdb.obj.metadata.name!,
            {
              dryRun,
              fieldManager: 'eviction',
              subresource: 'status',
              precondition: pdb.obj.metadata.resourceVersion,
            },
            (cur) => {
              const c = cur!;
              const st = (c['status'] ??= {}) as Record<string, unknown>;
              st['disruptionsAllowed'] = Number(st['disruptionsAllowed'] ?? 0) - 1;
              const disrupted = (isObject(st['disruptedPods']) ? st['disruptedPods'] : {}) as Record<
                string,
                string
              >;
              disrupted[info.name] = rfc3339(ctx.clock.now());
              st['disruptedPods'] = disrupted;
              return c;
            },
          );
        } catch (err) {
          if (isStatusError(err, 'Conflict')) {
            throw tooManyRequests('Cannot evict pod as the disruption budget changed; please retry.', 1);
          }
          throw err;
        }
      }
    }
  }
  const grace = deleteOptions['gracePeriodSeconds'];
  const pre = isObject(deleteOptions['preconditions']) ? deleteOptions['preconditions'] : undefined;
  await pods.delete(info.namespace, info.name, {
    dryRun,
    gracePeriodSeconds: typeof grace === 'number' ? grace : undefined,
    propagationPolicy:
      typeof deleteOptions['propagationPolicy'] === 'string'
        ? (deleteOptions['propagationPolicy'] as 'Orphan' | 'Background' | 'Foreground')
        : undefined,
    preconditions: pre,
  });
  // As upstream's create handler, a Status without a code takes the response's.
  writeJson(res, 201, { ...successStatus(), code: 201 });
}

/** namespaces/{name}/finalize: replaces spec.finalizers only. */
export async function handleFinalize(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
): Promise<void> {
  if (info.verb !== 'update') throw methodNotAllowed();
  const { obj } = await decodeObjectBody(req, ctx, {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    schema: os.def.schema,
  });
  const finalizers = getPath(obj, 'spec.finalizers');
  const result = await os.guaranteedUpdate(
    '',
    info.name,
    {
      dryRun: dryRunOf(req.query),
      fieldManager: fieldManagerOf(req, false),
      subresource: 'finalize',
      precondition: obj.metadata.resourceVersion || undefined,
      bypassStrategy: true,
    },
    (current) => {
      const cur = current!;
      const spec = (cur['spec'] ??= {}) as Record<string, unknown>;
      if (Array.isArray(finalizers) && finalizers.length > 0) spec['finalizers'] = finalizers;
      else delete spec['finalizers'];
      return cur;
    },
  );
  writeObject(res, 200, os.def, form, result.obj, { now: ctx.clock.now() });
}

/** log, exec, attach, portforward, proxy: forwarded to the node agent of the pod's node. */
export async function handleNodeSubresource(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
): Promise<void> {
  const obj = (await os.get(info.namespace, info.name)).obj;
  if (os.def.kind === 'Pod') {
    const nodeName = getPath(obj, 'spec.nodeName');
    if (typeof nodeName !== 'string' || nodeName === '') {
      throw badRequest(`pod ${info.name} does not have a host assigned`);
    }
    if (!ctx.nodeProxy) {
      throw serviceUnavailable(`no node agent is reachable for node "${nodeName}"`);
    }
    await ctx.nodeProxy.proxy(obj, info.subresource, req, res);
    return;
  }
  throw serviceUnavailable(`${info.subresource} is not available for ${os.def.plural}`);
}
