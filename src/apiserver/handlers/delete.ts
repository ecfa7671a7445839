/** @module DELETE of one object and of a collection, with DeleteOptions from the body or the query. */
import { badRequest, type FieldError, invalid, isStatusError, successStatus } from '../../api/errors.js';
import { isObject } from '../../api/object.js';
import { decodeKubernetesProtobuf } from '../../api/protobuf/index.js';
import { parseListOptions, queryBool } from '../list-options.js';
import { bodyKindOf, type OutputForm } from '../negotiation.js';
import type { DeleteOptions, ObjectStore } from '../object-store.js';
import type { ResourceRequestInfo } from '../request-info.js';
import type { ApiRequest, ApiResponse } from '../transport.js';
import { writeJson } from '../transport.js';
import type { HandlerContext } from './context.js';
import { parseText } from './decode.js';
import { writeList, writeObject } from './output.js';
import { listPage, supportedFields } from './read.js';
import { dryRunOf } from './write.js';

const POLICIES = new Set(['Orphan', 'Background', 'Foreground']);

/** DeleteOptions from the body (JSON, YAML or protobuf) merged with query parameters, validated as upstream. */
export async function deleteOptionsOf(req: ApiRequest, ctx: HandlerContext): Promise<DeleteOptions> {
  const raw = await req.body(ctx.options.maxBodyBytes);
  let body: Record<string, unknown> = {};
  if (raw.length > 0) {
    const kind = bodyKindOf(req.header('content-type')) ?? 'json';
    let value: unknown;
    if (kind === 'protobuf') {
      try {
        value = decodeKubernetesProtobuf(raw);
      } catch (err) {
        throw badRequest(`the request body could not be decoded as protobuf: ${(err as Error).message}`);
      }
    } else {
      value = parseText(raw, kind === 'yaml' ? 'yaml' : 'json', false).value;
    }
    if (!isObject(value)) throw badRequest('DeleteOptions must be an object');
    body = value;
  }
  const q = req.query;
  const opts: DeleteOptions = { dryRun: dryRunOf(q) };
  const errs: FieldError[] = [];
  const grace = q.get('gracePeriodSeconds') ?? body['gracePeriodSeconds'];
  if (grace !== undefined && grace !== null && grace !== '') {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${JSON.stringify(grace)}`);
    opts.gracePeriodSeconds = n;
  }
  const policy = q.get('propagationPolicy') ?? body['propagationPolicy'];
  if (policy !== undefined && policy !== null && policy !== '') {
    if (typeof policy !== 'string' || !POLICIES.has(policy)) {
      errs.push({
        type: 'FieldValueNotSupported',
        field: 'propagationPolicy',
        badValue: policy,
        detail: 'supported values: "Foreground", "Background", "Orphan", "nil"',
      });
    } else {
      opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
    }
  }
  const orphan = q.get('orphanDependents') ?? body['orphanDependents'];
  if (orphan !== undefined && orphan !== null && orphan !== '') {
    opts.orphanDependents = typeof orphan === 'string' ? queryBool(orphan) === true : orphan === true;
    if (opts.propagationPolicy) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'propagationPolicy',
        badValue: opts.propagationPolicy,
        detail: 'orphanDependents and deletionPropagation cannot be both set',
      });
    }
  }
  const dry = body['dryRun'];
  if (Array.isArray(dry) && dry.length > 0) {
    if (dry.some((v) => v !== 'All')) throw badRequest(`Invalid dryRun value: ${JSON.stringify(dry)}`);
    opts.dryRun = true;
  }
  const pre = body['preconditions'];
  if (isObject(pre)) {
    opts.preconditions = {};
    if (typeof pre['uid'] === 'string') opts.preconditions.uid = pre['uid'];
    if (typeof pre['resourceVersion'] === 'string')
      opts.preconditions.resourceVersion = pre['resourceVersion'];
  }
  if (errs.length > 0) throw invalid('meta.k8s.io', 'DeleteOptions', '', errs);
  return opts;
}

export async function handleDelete(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
): Promise<void> {
  const options = await deleteOptionsOf(req, ctx);
  const result = await os.delete(info.namespace, info.name, options);
  if (result.deleted && !os.def.returnDeletedObject) {
    // StatusDetails fields are omitempty upstream: the core group leaves `group` out.
    const details = {
      name: info.name,
      ...(os.def.group ? { group: os.def.group } : {}),
      kind: os.def.plural,
    };
    writeJson(res, 200, successStatus({ ...details, uid: result.obj.metadata.uid }));
    return;
  }
  writeObject(res, 200, os.def, form, result.obj, { now: ctx.clock.now() });
}

export async function handleDeleteCollection(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
): Promise<void> {
  const options = await deleteOptionsOf(req, ctx);
  const listOpts = parseListOptions(req.query, info.namespace, supportedFields(os), false);
  const page = await listPage(os, info.namespace, { ...listOpts, limit: 0, continueFrom: undefined });
  const deleted = [];
  for (const e of page.entries) {
    try {
      const r = await os.delete(e.obj.metadata.namespace ?? '', e.obj.metadata.name ?? '', options);
      deleted.push({ ...e, obj: r.obj, json: undefined });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
  writeList(
    res,
    os.def,
    form,
    deleted,
    { resourceVersion: String(os.cache.currentRevision) },
    ctx.clock.now(),
  );
}
