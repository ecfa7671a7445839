/** @module Parses a request path into what it addresses, like upstream's RequestInfoFactory. */
import { badRequest } from '../api/errors.js';

export type RequestVerb =
  'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect';

/** A request for a resource: `/api/v1/namespaces/ns/pods/name/status` and the like. */
export interface ResourceRequestInfo {
  kind: 'resource';
  verb: RequestVerb;
  /** '' for the core group. */
  group: string;
  version: string;
  /** '' for cluster-scoped requests and for lists across all namespaces. */
  namespace: string;
  resource: string;
  /** '' for collection requests. */
  name: string;
  subresource: string;
}

/** Any other path: discovery, openapi, health, metrics. */
export interface NonResourceRequestInfo {
  kind: 'nonResource';
  path: string;
  /** The path split on '/', without empty segments. */
  parts: string[];
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/** Subresources of a namespace itself: `/api/v1/namespaces/{name}/status`. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Decodes one path segment; a malformed escape is the client's error (400), as Go's URL parsing. */
function unescapeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    const bad = /%(?![0-9a-fA-F]{2}).{0,2}/.exec(segment)?.[0] ?? segment;
    throw badRequest(`invalid URL escape ${JSON.stringify(bad)}`);
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0);
}

/**
 * Parses the path and method. Returns a non-resource info for discovery paths (`/api`, `/apis/apps/v1`)
 * and anything outside the API prefixes.
 */
export function parseRequestInfo(method: string, path: string, watchParam: boolean): RequestInfo {
  const parts = splitPath(path).map(unescapeSegment);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: 'nonResource', path, parts };
  }

  let isWatch = watchParam;
  // Deprecated /watch/ prefix.
  if (rest[0] === 'watch') {
    isWatch = true;
    rest = rest.slice(1);
  }

  let namespace = '';
  // /namespaces/{ns}/{resource}... ; /namespaces and /namespaces/{name}[/{sub}] address namespaces themselves.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  const name = rest[1] ?? '';
  const subresource = rest.slice(2).join('/');

  let verb: RequestVerb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name ? (isWatch ? 'watch' : 'get') : isWatch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'connect';
  }
  return { kind: 'resource', verb, group, version, namespace, resource, name, subresource };
}
