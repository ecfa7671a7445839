/** @module The Status errors the patch engines raise, shaped as kube-apiserver reports them. */
import { StatusError, badRequest } from '../../api/errors.js';

/**
 * The 422 kube-apiserver answers when a patch cannot be applied (a failed JSON patch operation, a
 * list of lists in a strategic merge patch): upstream's generic "rejected our request" Status, which
 * carries no detail. The underlying reason stays available as the error's `cause` for logs.
 */
export function patchRejected(detail: string): StatusError {
  const err = new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: {},
    code: 422,
  });
  (err as Error).cause = new Error(detail);
  return err;
}

/** 413 for a JSON patch with too many operations. */
export function tooManyOperations(limit: number, got: number): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Request entity too large: The allowed maximum operations in a JSON patch is ${limit}, got ${got}`,
    reason: 'RequestEntityTooLarge',
    code: 413,
  });
}

/**
 * 422 when the patched document is not an object and so cannot be decoded as a Kubernetes object,
 * worded as upstream's decode failure of the patched JSON.
 */
export function notAnObject(patched: unknown): StatusError {
  const what = Array.isArray(patched) ? 'array' : patched === null ? 'null' : typeof patched;
  const body = JSON.stringify(JSON.stringify(patched) ?? 'null');
  const detail =
    `couldn't get version/kind; json parse error: json: cannot unmarshal ${what} into Go value of type ` +
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: ` "" is invalid: patch: Invalid value: ${body}: ${detail}`,
    reason: 'Invalid',
    details: {
      causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${body}: ${detail}`, field: 'patch' }],
    },
    code: 422,
  });
}

export { badRequest };
