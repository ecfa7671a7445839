/** @module Query parameters of list and watch requests: selectors, paging, resourceVersion semantics. */
import { badRequest, type FieldError, invalid, type StatusError } from '../api/errors.js';
import { parseFieldSelector } from '../api/fields.js';
import { parseLabelSelector } from '../api/labels.js';
import type { CacheEntry, CacheFilter } from './watch-cache.js';

export interface ListOptions {
  filter: CacheFilter;
  /** True when a label or field selector narrows the result. */
  selective: boolean;
  limit: number;
  /** Decoded continue token. */
  continueFrom?: ContinueToken;
  /** The raw resourceVersion parameter ('' when absent). */
  resourceVersion: string;
  resourceVersionMatch: '' | 'NotOlderThan' | 'Exact';
  watch: boolean;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean | undefined;
  timeoutSeconds: number | undefined;
}

/** Upstream's continue token: the revision of the first page and the key to start from. */
export interface ContinueToken {
  /** The snapshot's revision; negative for "the latest state" (an inconsistent continuation). */
  rv: number;
  /** Key relative to the resource prefix, after which the next page starts. */
  startAfter: string;
}

export function encodeContinue(rv: number, lastRelativeKey: string): string {
  const json = JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: `${lastRelativeKey}\u0000` });
  return Buffer.from(json).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidContinue('not a valid token');
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (p.v !== 'meta.k8s.io/v1' || typeof p.rv !== 'number' || typeof p.start !== 'string') {
    throw invalidContinue('not a valid token');
  }
  // A negative resourceVersion (upstream writes -1) continues at the latest state: the token a 410 hands out.
  if (p.rv === 0 || !Number.isInteger(p.rv)) {
    throw invalidContinue('incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  const start = p.start.endsWith('\u0000') ? p.start.slice(0, -1) : p.start;
  if (start.includes('..') || start.startsWith('/')) throw invalidContinue('continue key is not valid');
  return { rv: p.rv, startAfter: start };
}

function invalidContinue(detail: string): StatusError {
  return badRequest(`continue key is not valid: ${detail}`);
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v))
    throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
}

/**
 * A boolean query parameter as upstream converts it: absent is undefined, "0" and "false" (any case) are false,
 * any other value (even empty) is true.
 */
export function queryBool(v: string | null): boolean | undefined {
  if (v === null) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  return queryBool(q.get(name));
}

/** Upstream's ListOptions validation (the WatchList feature on): each problem is a field error of a 422. */
function validateListOptions(o: {
  watch: boolean;
  resourceVersion: string;
  rvm: string;
  token: string;
  sendInitialEvents: boolean | undefined;
}): FieldError[] {
  const errs: FieldError[] = [];
  const forbidden = (detail: string): void => {
    errs.push({ type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail });
  };
  const notSupported = (supported: string[]): void => {
    errs.push({
      type: 'FieldValueNotSupported',
      field: 'resourceVersionMatch',
      badValue: o.rvm,
      detail: `supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`,
    });
  };
  if (o.watch) {
    if (o.sendInitialEvents !== undefined && o.rvm !== 'NotOlderThan') {
      forbidden('sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (o.rvm) {
      if (o.sendInitialEvents === undefined) {
        forbidden('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
      }
      if (o.rvm !== 'NotOlderThan') notSupported(['NotOlderThan']);
      if (o.token) forbidden('resourceVersionMatch is forbidden when continue is provided');
    }
    return errs;
  }
  if (o.rvm) {
    if (!o.resourceVersion) forbidden('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (o.token) forbidden('resourceVersionMatch is forbidden when continue is provided');
    if (o.rvm !== 'Exact' && o.rvm !== 'NotOlderThan') notSupported(['Exact', 'NotOlderThan', '']);
    if (o.rvm === 'Exact' && o.resourceVersion === '0') {
      forbidden('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
  }
  if (o.sendInitialEvents !== undefined) {
    errs.push({
      type: 'FieldValueForbidden',
      field: 'sendInitialEvents',
      detail: 'sendInitialEvents is forbidden for list',
    });
  }
  return errs;
}

/**
 * Parses list/watch parameters. `supportedFields` are the field paths the resource can select on
 * (metadata.name, metadata.namespace and its own); anything else is a 400 as upstream.
 */
export function parseListOptions(
  q: URLSearchParams,
  namespace: string,
  supportedFields: ReadonlySet<string>,
  forceWatch: boolean,
): ListOptions {
  let labelSel;
  let fieldSel;
  try {
    labelSel = parseLabelSelector(q.get('labelSelector') ?? '');
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  try {
    fieldSel = parseFieldSelector(q.get('fieldSelector') ?? '');
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  for (const r of fieldSel.requirements) {
    if (!supportedFields.has(r.field)) {
      throw badRequest(`field label not supported: ${r.field}`);
    }
  }
  const equalities: Array<readonly ['label' | 'field', string, string]> = [];
  for (const [k, v] of labelSel.equalities()) equalities.push(['label', k, v]);
  for (const [k, v] of fieldSel.equalities()) equalities.push(['field', k, v]);
  const labelsEverything = labelSel.isEverything();
  const fieldsEverything = fieldSel.isEverything();
  const filter: CacheFilter = {
    namespace,
    equalities,
    matches:
      labelsEverything && fieldsEverything
        ? () => true
        : (e: CacheEntry) =>
            (labelsEverything || labelSel.matches(e.labels)) &&
            (fieldsEverything || fieldSel.matches(e.fields)),
  };

  const limit = intParam(q, 'limit') ?? 0;
  if (limit < 0) throw badRequest('limit must be a non-negative integer');
  const token = q.get('continue') || '';
  const resourceVersion = q.get('resourceVersion') ?? '';
  const rvm = q.get('resourceVersionMatch') ?? '';
  if (resourceVersion !== '' && !/^\d+$/.test(resourceVersion)) {
    throw badRequest(`invalid resource version: ${JSON.stringify(resourceVersion)}`);
  }
  const watch = forceWatch || (boolParam(q, 'watch') ?? false);
  const sendInitialEvents = boolParam(q, 'sendInitialEvents');
  const errs = validateListOptions({ watch, resourceVersion, rvm, token, sendInitialEvents });
  if (errs.length > 0) throw invalid('meta.k8s.io', 'ListOptions', '', errs);
  if (token && resourceVersion !== '' && resourceVersion !== '0') {
    throw badRequest('specifying resource version is not allowed when using continue');
  }
  const continueFrom = token ? decodeContinue(token) : undefined;
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  return {
    filter,
    selective: !labelsEverything || !fieldsEverything,
    limit,
    continueFrom,
    resourceVersion,
    resourceVersionMatch: rvm as ListOptions['resourceVersionMatch'],
    watch,
    allowWatchBookmarks: boolParam(q, 'allowWatchBookmarks') ?? false,
    sendInitialEvents,
    timeoutSeconds,
  };
}
