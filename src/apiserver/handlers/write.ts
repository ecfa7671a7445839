/** @module POST (create), PUT (update) and PATCH (all four patch types, including server-side apply). */
import {
  badRequest,
  methodNotAllowed,
  methodNotSupported,
  optimisticLockConflict,
  unsupportedMediaType,
} from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import { rfc3339 } from '../../util/clock.js';
import { bodyKindOf } from '../negotiation.js';
import { queryBool } from '../list-options.js';
import { namespaceMismatch, type ObjectStore, type WriteOptions } from '../object-store.js';
import { applyPatch, serverSideApply } from './patch-engines.js';
import type { ResourceRequestInfo } from '../request-info.js';
import type { ApiRequest, ApiResponse } from '../transport.js';
import type { OutputForm } from '../negotiation.js';
import type { HandlerContext } from './context.js';
import {
  checkObject,
  decodeObjectBody,
  type ExpectedKind,
  fieldValidationOf,
  parseText,
  warningHeaders,
} from './decode.js';
import { writeObject } from './output.js';

export function expectedKindOf(os: ObjectStore): ExpectedKind {
  const d = os.def;
  return { group: d.group, version: d.version, kind: d.kind, schema: d.schema };
}

/** dryRun=All or nothing, as upstream. */
export function dryRunOf(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  if (values.length === 0) return false;
  for (const v of values) {
    if (v !== 'All') throw badRequest(`Invalid dryRun value: ${JSON.stringify(v)}: valid values are "All"`);
  }
  return true;
}

/** The field manager: the fieldManager parameter, else the user agent's first word, as upstream. */
export function fieldManagerOf(req: ApiRequest, required: boolean): string {
  const explicit = req.query.get('fieldManager');
  if (explicit !== null && explicit !== '') {
    if (explicit.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    if (!/^[\x20-\x7e]*$/.test(explicit)) {
      throw badRequest(
        `fieldManager: Invalid value: ${JSON.stringify(explicit)}: must consist of printable characters`,
      );
    }
    return explicit;
  }
  if (required) throw badRequest('PATCH, fieldManager: Required value: is required for apply patch');
  const ua = req.header('user-agent') ?? '';
  return (ua.split('/')[0] ?? '').slice(0, 128);
}

function writeOptions(req: ApiRequest, subresource: string, applyRequest = false): WriteOptions {
  return { dryRun: dryRunOf(req.query), fieldManager: fieldManagerOf(req, applyRequest), subresource };
}

export async function handleCreate(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
): Promise<void> {
  if (info.name) throw methodNotSupported(os.gr, 'create');
  if (os.def.namespaced && !info.namespace) throw methodNotSupported(os.gr, 'create');
  const opts = writeOptions(req, '');
  const { obj, warnings } = await decodeObjectBody(req, ctx, expectedKindOf(os));
  if (os.def.namespaced && obj.metadata.namespace && obj.metadata.namespace !== info.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const created = await os.create(info.namespace, obj, opts);
  writeObject(res, 201, os.def, form, created, { now: ctx.clock.now(), headers: warningHeaders(warnings) });
}

export async function handleUpdate(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
): Promise<void> {
  // Collections take no PUT or PATCH upstream: there is no such route.
  if (!info.name) throw methodNotAllowed();
  const opts = writeOptions(req, info.subresource);
  const { obj, warnings } = await decodeObjectBody(req, ctx, expectedKindOf(os));
  if (obj.metadata.name !== undefined && obj.metadata.name !== info.name) {
    throw badRequest(
      `the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`,
    );
  }
  if (os.def.namespaced && obj.metadata.namespace && obj.metadata.namespace !== info.namespace) {
    throw namespaceMismatch(obj.metadata.namespace, info.namespace);
  }
  const precondition = obj.metadata.resourceVersion || undefined;
  const result = await os.guaranteedUpdate(
    info.namespace,
    info.name,
    {
      ...opts,
      allowCreate: info.subresource === '' && os.def.allowCreateOnUpdate === true,
      precondition,
      requirePrecondition: true,
    },
    () => structuredClone(obj),
  );
  writeObject(res, result.created ? 201 : 200, os.def, form, result.obj, {
    now: ctx.clock.now(),
    headers: warningHeaders(warnings),
  });
}

export async function handlePatch(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
): Promise<void> {
  if (!info.name) throw methodNotAllowed();
  const contentType = req.header('content-type');
  const kind = bodyKindOf(contentType);
  if (
    kind !== 'json-patch' &&
    kind !== 'merge-patch' &&
    kind !== 'strategic-merge-patch' &&
    kind !== 'apply-patch'
  ) {
    throw unsupportedMediaType(contentType ?? '');
  }
  const isApply = kind === 'apply-patch';
  const opts = writeOptions(req, info.subresource, isApply);
  const validation = fieldValidationOf(req.query);
  const raw = await req.body(ctx.options.maxBodyBytes);
  if (raw.length === 0) throw badRequest('the request body is empty');
  const expected = expectedKindOf(os);
  const { value: patch, duplicates } = parseText(raw, isApply ? 'yaml' : 'json', validation !== 'Ignore');
  if (kind === 'json-patch' ? !Array.isArray(patch) : !isObject(patch)) {
    throw badRequest(
      kind === 'json-patch'
        ? 'the request body of a JSON patch must be an array of operations'
        : 'the request body of a merge patch must be a JSON object',
    );
  }
  let warnings: string[] = [];
  const now = ctx.clock.now();

  if (isApply) {
    // As every boolean query parameter upstream: only "false" and "0" are false (python sends "True").
    const force = queryBool(req.query.get('force')) === true;
    const applied = checkObject(patch, expected, validation, duplicates);
    warnings = applied.warnings;
    const result = await os.guaranteedUpdate(
      info.namespace,
      info.name,
      { ...opts, allowCreate: info.subresource === '', managedFieldsDone: true },
      (current) =>
        serverSideApply(current, structuredClone(applied.obj), {
          manager: opts.fieldManager,
          force,
          rootDefinition: expected.schema,
          apiVersion: apiVersionOf(os.def),
          kind: os.def.kind,
          name: info.name,
          time: rfc3339(now),
          subresource: info.subresource,
          resetFields: os.resetFields(applied.obj, info.subresource),
        }),
    );
    writeObject(res, result.created ? 201 : 200, os.def, form, result.obj, {
      now,
      headers: warningHeaders(warnings),
    });
    return;
  }

  const result = await os.guaranteedUpdate(info.namespace, info.name, opts, (current) => {
    const cur = current as KubeObject;
    const currentRv = cur.metadata.resourceVersion;
    const patched = applyPatch(kind, cur, patch, expected.schema);
    const checked = checkObject(patched, expected, validation, duplicates);
    warnings = checked.warnings;
    const rv = checked.obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== currentRv) throw optimisticLockConflict(os.gr, info.name);
    return checked.obj;
  });
  writeObject(res, 200, os.def, form, result.obj, { now, headers: warningHeaders(warnings) });
}
