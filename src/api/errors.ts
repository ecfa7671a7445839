/**
 * @module API errors: {@link StatusError} carries a metav1 Status; the apiserver's single
 * error writer turns it into the HTTP response. Messages follow upstream's wording.
 */
import type { Status, StatusCause } from './object.js';

/** A group and resource, e.g. `{ group: 'apps', resource: 'deployments' }`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** Upstream's `deployments.apps` or plain `pods` for the core group. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** A Kind qualified like upstream's error messages: `Deployment.apps` or `Pod`. */
export function qualifiedKind(group: string, kind: string): string {
  return group ? `${kind}.${group}` : kind;
}

export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.name = 'StatusError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function isStatusError(err: unknown, reason?: string): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.status.reason === reason);
}

function failure(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) status.details = details;
  return new StatusError(status);
}

export function notFound(gr: GroupResource, name: string): StatusError {
  return failure(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

/** 404 for a path that names no resource at all. */
export function pathNotFound(): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

export function conflict(gr: GroupResource, name: string, detail: string): StatusError {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${detail}`,
    { name, group: gr.group, kind: gr.resource },
  );
}

export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** The 409 of a stale resourceVersion on update. */
export function optimisticLockConflict(gr: GroupResource, name: string): StatusError {
  return conflict(gr, name, OPTIMISTIC_LOCK_MESSAGE);
}

/** A single validation failure, as upstream's field.Error. */
export interface FieldError {
  type: FieldErrorType;
  /** Path in upstream's notation: `spec.template.spec.containers[0].image`, `metadata.labels[app]`. */
  field: string;
  badValue?: unknown;
  detail?: string;
}

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const FIELD_ERROR_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Types whose message omits the bad value, as upstream's field.Error.ErrorBody does. */
const OMIT_VALUE = new Set<FieldErrorType>([
  'FieldValueRequired',
  'FieldValueForbidden',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'InternalError',
]);

/** Formats a bad value roughly as Go's %#v does for the simple cases upstream prints. */
export function formatBadValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The message body of one field error without the field path (upstream's ErrorBody). */
export function fieldErrorBody(e: FieldError): string {
  let s = FIELD_ERROR_TEXT[e.type];
  if (!OMIT_VALUE.has(e.type) && e.badValue !== undefined) {
    s += `: ${formatBadValue(e.badValue)}`;
  }
  if (e.type === 'FieldValueNotSupported' && e.detail) {
    return `${s}: ${e.detail}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorString(e: FieldError): string {
  return e.field ? `${e.field}: ${fieldErrorBody(e)}` : fieldErrorBody(e);
}

/** 422 Invalid with details.causes, e.g. `Deployment.apps "web" is invalid: spec.replicas: ...`. */
export function invalid(group: string, kind: string, name: string, errs: readonly FieldError[]): StatusError {
  const causes: StatusCause[] = errs.map((e) => ({
    reason: e.type,
    message: fieldErrorBody(e),
    field: e.field,
  }));
  const parts = errs.map(fieldErrorString);
  const agg = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
  return failure(422, 'Invalid', `${qualifiedKind(group, kind)} "${name}" is invalid: ${agg}`, {
    name,
    group,
    kind,
    causes,
  });
}

export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return failure(400, 'BadRequest', message, causes ? { causes } : undefined);
}

export function forbidden(gr: GroupResource, name: string, reason: string): StatusError {
  const what = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  return failure(403, 'Forbidden', `${what} is forbidden: ${reason}`, {
    name: name || undefined,
    group: gr.group,
    kind: gr.resource,
  });
}

export function methodNotSupported(gr: GroupResource, verb: string): StatusError {
  return failure(
    405,
    'MethodNotAllowed',
    `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`,
    {
      group: gr.group,
      kind: gr.resource,
    },
  );
}

export function methodNotAllowed(): StatusError {
  return failure(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

export function notAcceptable(message: string): StatusError {
  return failure(406, 'NotAcceptable', message);
}

/** 410 Expired for a too-old resourceVersion or continue token. */
export function expired(message: string): StatusError {
  return failure(410, 'Expired', message);
}

export function gone(message: string): StatusError {
  return failure(410, 'Gone', message);
}

export function requestEntityTooLarge(limit: number): StatusError {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

export function unsupportedMediaType(contentType: string): StatusError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType || 'none'})`,
  );
}

export function tooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function internalError(message: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

export function serviceUnavailable(message: string): StatusError {
  return failure(503, 'ServiceUnavailable', message);
}

export function timeout(message: string): StatusError {
  return failure(504, 'Timeout', message);
}

/** A 'Success' Status, as returned by some deletes. */
export function successStatus(details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}
