/** @module Request bodies: size limit, JSON/YAML/protobuf decoding, kind checks and field validation. */
import { badRequest, unsupportedMediaType } from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';
import {
  findDuplicateFields,
  hasDuplicateFields,
  parseYamlStrict,
  validateAgainstSchema,
} from '../../api/openapi/index.js';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from '../../api/protobuf/index.js';
import { apiVersionOf } from '../../api/resource.js';
import { bodyKindOf } from '../negotiation.js';
import type { ApiRequest } from '../transport.js';
import type { HandlerContext } from './context.js';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw badRequest(
    `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

/** The kind a body must be (or may omit). */
export interface ExpectedKind {
  group: string;
  version: string;
  kind: string;
  /** OpenAPI definition used for field validation. */
  schema: string;
}

export interface Decoded {
  obj: KubeObject;
  warnings: string[];
}

/** Parses raw bytes of a JSON or YAML body into a value; returns duplicate-field paths too. */
export function parseText(
  raw: Buffer,
  kind: 'json' | 'yaml',
  wantDuplicates: boolean,
): { value: unknown; duplicates: string[] } {
  const text = raw.toString('utf8');
  if (kind === 'yaml') {
    const parsed = parseYamlStrict(text);
    if (!parsed.ok) throw badRequest(`error converting YAML to JSON: ${parsed.error}`);
    return { value: parsed.value, duplicates: parsed.duplicates };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  const duplicates = wantDuplicates && hasDuplicateFields(text, value) ? findDuplicateFields(text) : [];
  return { value, duplicates };
}

/** Reads and decodes an object body for create/update. */
export async function decodeObjectBody(
  req: ApiRequest,
  ctx: HandlerContext,
  expected: ExpectedKind,
): Promise<Decoded> {
  const contentType = req.header('content-type');
  const kind = bodyKindOf(contentType);
  if (kind !== 'json' && kind !== 'yaml' && kind !== 'protobuf')
    throw unsupportedMediaType(contentType ?? '');
  const raw = await req.body(ctx.options.maxBodyBytes);
  if (raw.length === 0) throw badRequest('the request body is empty');
  const validation = fieldValidationOf(req.query);
  let value: unknown;
  let duplicates: string[] = [];
  if (kind === 'protobuf') {
    try {
      value = decodeKubernetesProtobuf(raw, { apiVersion: apiVersionOf(expected), kind: expected.kind });
    } catch (err) {
      if (err instanceof ProtobufDecodeError && err.reason === 'UnsupportedKind') {
        throw unsupportedMediaType(`${contentType ?? ''} (${err.message})`);
      }
      throw badRequest(`the request body could not be decoded as protobuf: ${(err as Error).message}`);
    }
  } else {
    ({ value, duplicates } = parseText(raw, kind, validation !== 'Ignore'));
  }
  return checkObject(value, expected, validation, duplicates);
}

/**
 * Checks a decoded value is an object of the expected kind, fills apiVersion/kind when absent, and applies
 * field validation: type errors are always 400; unknown and duplicate fields are 400 (Strict), warnings (Warn)
 * or ignored.
 */
export function checkObject(
  value: unknown,
  expected: ExpectedKind,
  validation: FieldValidation,
  duplicates: readonly string[],
): Decoded {
  const apiVersion = apiVersionOf(expected);
  if (!isObject(value)) throw badRequest('the request body must be a JSON or YAML object');
  const obj = value as KubeObject;
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== expected.kind) {
    throw badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${expected.kind})`,
    );
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isObject(obj.metadata)) throw badRequest(`${typeErrorPrefix(expected)}metadata must be an object`);
  // Unknown fields are reported below and, as upstream's typed decoding does, never stored.
  const result = validateAgainstSchema(obj, expected.schema, { prune: true });
  if (result.typeErrors.length > 0) {
    const first = result.typeErrors[0]!;
    throw badRequest(`${typeErrorPrefix(expected)}${typeof first === 'string' ? first : first.message}`);
  }
  const problems = [
    ...duplicates.map((p) => `duplicate field "${p}"`),
    ...result.unknownFields.map((p) => `unknown field "${p.replace(/^\./, '')}"`),
  ];
  const warnings: string[] = [];
  if (problems.length > 0) {
    if (validation === 'Strict') {
      throw badRequest(`${typeErrorPrefix(expected)}strict decoding error: ${problems.join(', ')}`);
    }
    if (validation === 'Warn') warnings.push(...problems);
  }
  obj.apiVersion = apiVersion;
  obj.kind = expected.kind;
  return { obj, warnings };
}

function typeErrorPrefix(expected: ExpectedKind): string {
  return `${expected.kind} in version "${expected.version}" cannot be handled as a ${expected.kind}: `;
}

/** Formats warnings as HTTP Warning headers (code 299, as upstream). */
export function warningHeaders(warnings: readonly string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}
