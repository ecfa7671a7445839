/** @module Content negotiation: which response form an Accept header asks for, and what a body's Content-Type is. */
import { notAcceptable } from '../api/errors.js';

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** Parses `a/b;k=v, c/d` into media types, in the client's order. */
export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  const out: MediaType[] = [];
  for (const part of header.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    if (!type) continue;
    const p: Record<string, string> = {};
    for (const kv of params) {
      const eq = kv.indexOf('=');
      if (eq > 0) p[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim();
    }
    out.push({ type: type.toLowerCase(), params: p });
  }
  return out;
}

/** The form of an object or list response. */
export type OutputForm =
  | { kind: 'json'; yaml: boolean }
  | { kind: 'table'; includeObject: 'None' | 'Metadata' | 'Object'; version: 'v1' | 'v1beta1' }
  | { kind: 'metadata'; version: 'v1' | 'v1beta1' };

const JSON_TYPES = new Set(['application/json', '*/*', 'application/*']);

/**
 * Chooses the response form for a resource request. Table and PartialObjectMetadata forms are honoured
 * when asked for; protobuf is not served, so clients that also accept JSON get JSON. Throws 406 when
 * nothing acceptable remains.
 */
export function negotiateOutput(accept: string | undefined, includeObjectParam: string | null): OutputForm {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { kind: 'json', yaml: false };
  for (const mt of types) {
    const as = mt.params['as'];
    if (as) {
      if (mt.type !== 'application/json' || mt.params['g'] !== 'meta.k8s.io') continue;
      const v = mt.params['v'];
      if (v !== 'v1' && v !== 'v1beta1') continue;
      if (as === 'Table') {
        const inc = includeObjectParam ?? 'Metadata';
        if (inc !== 'None' && inc !== 'Metadata' && inc !== 'Object') continue;
        return { kind: 'table', includeObject: inc, version: v };
      }
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
        return { kind: 'metadata', version: v };
      }
      continue;
    }
    if (JSON_TYPES.has(mt.type)) return { kind: 'json', yaml: false };
    if (mt.type === 'application/yaml') return { kind: 'json', yaml: true };
  }
  throw notAcceptable(
    'only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io',
  );
}

/** The request body encodings the server decodes. */
export type BodyKind =
  'json' | 'yaml' | 'protobuf' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

/** Maps a Content-Type header to a body kind; undefined when unsupported. */
export function bodyKindOf(contentType: string | undefined): BodyKind | undefined {
  const mt = parseMediaTypes(contentType)[0];
  if (!mt) return undefined;
  switch (mt.type) {
    case 'application/json':
      return 'json';
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return 'yaml';
    case 'application/vnd.kubernetes.protobuf':
      return 'protobuf';
    case 'application/json-patch+json':
      return 'json-patch';
    case 'application/merge-patch+json':
      return 'merge-patch';
    case 'application/strategic-merge-patch+json':
      return 'strategic-merge-patch';
    case 'application/apply-patch+yaml':
      return 'apply-patch';
    default:
      return undefined;
  }
}
