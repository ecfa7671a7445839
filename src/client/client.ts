/**
 * @module KubeClient: typed REST calls (get, list, watch, create, update, patch, delete, subresources) over
 * any {@link Transport}. Non-2xx answers throw the server's Status as a `StatusError`.
 */
import { StatusError } from '../api/errors.js';
import { isObject, type KubeObject, type ListMeta, type Status } from '../api/object.js';
import { apiVersionOf, type ResourceDescriptor } from './resources.js';
import type { Transport, TransportRequest } from './transport.js';

/** Options every call takes. */
export interface RequestOptions {
  /** Aborting cancels the call; it then rejects with a TransportError. */
  signal?: AbortSignal;
}

/** Where a single-object call goes. */
export interface ScopeOptions extends RequestOptions {
  /** For namespaced resources; defaults to the object's namespace, then the client's default namespace. */
  namespace?: string;
}

export interface GetOptions extends ScopeOptions {
  resourceVersion?: string;
}

export interface ListOptions extends RequestOptions {
  /** Absent or '' lists across all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

/** A list response (e.g. PodList). */
export interface ObjectList<T extends KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface WatchOptions extends RequestOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** '' starts from the current state with synthetic ADDED events; '0' likewise from any state; else resumes after it. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long. */
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
  resourceVersionMatch?: 'NotOlderThan';
}

/** A BOOKMARK's object: only the resourceVersion (and annotations) matter. */
export interface BookmarkObject {
  kind?: string;
  apiVersion?: string;
  metadata: { resourceVersion: string; annotations?: Record<string, string> };
}

export type WatchEvent<T extends KubeObject> =
  | { type: 'ADDED'; object: T }
  | { type: 'MODIFIED'; object: T }
  | { type: 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: BookmarkObject }
  | { type: 'ERROR'; object: Status };

/**
 * An open watch: iterate its events in order. Iteration ends when the server ends the watch (timeout,
 * shutdown) or the call's signal aborts, and throws a TransportError if the connection breaks.
 * `stop()` (or leaving the loop) closes it. Iterate once.
 */
export interface Watch<T extends KubeObject> extends AsyncIterable<WatchEvent<T>> {
  stop(): void;
}

export interface WriteOptions extends ScopeOptions {
  dryRun?: boolean;
  /** Defaults to the client's fieldManager. */
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  type: PatchType;
  /** Apply patches: take over fields other managers own. */
  force?: boolean;
  /** e.g. 'status'. */
  subresource?: string;
}

export interface DeleteOptions extends ScopeOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface KubeClientOptions {
  /** Namespace of namespaced single-object calls that name none (default 'default'). */
  defaultNamespace?: string;
  /** fieldManager of writes that set none. */
  fieldManager?: string;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ accept: 'application/json' });
const JSON_BODY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  accept: 'application/json',
  'content-type': 'application/json',
});

/** Reasons for statuses that come back without a Status body, as upstream's client names them. */
const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The StatusError of a non-2xx response: its Status body, or one made up from the code. */
export function statusErrorFrom(code: number, body: string): StatusError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isObject(parsed) && parsed['kind'] === 'Status') {
    const s = parsed as unknown as Status;
    if (typeof s.code !== 'number' || s.code === 0) s.code = code;
    s.metadata ??= {};
    return new StatusError(s);
  }
  const text = body.trim();
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason: REASON_BY_CODE[code] ?? 'Unknown',
    message: text
      ? `the server answered ${code}: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}`
      : `the server answered ${code} with no body`,
  });
}

/** A 'Status' object, as some deletes and subresources answer. */
export function isStatus(v: unknown): v is Status {
  return isObject(v) && v['kind'] === 'Status' && v['apiVersion'] === 'v1';
}

/** The REST client. Stateless apart from its transport; share one per process. */
export class KubeClient {
  readonly defaultNamespace: string;
  readonly fieldManager: string | undefined;

  constructor(
    readonly transport: Transport,
    opts: KubeClientOptions = {},
  ) {
    this.defaultNamespace = opts.defaultNamespace ?? 'default';
    this.fieldManager = opts.fieldManager;
  }

  async get<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    name: string,
    opts: GetOptions = {},
  ): Promise<T> {
    const query = new URLSearchParams();
    if (opts.resourceVersion) query.set('resourceVersion', opts.resourceVersion);
    return this.json<T>({
      method: 'GET',
      path: this.itemPath(res, this.namespaceOf(res, opts.namespace), name),
      query,
      headers: JSON_HEADERS,
      signal: opts.signal,
    });
  }

  /** One page (or all, without `limit`) of a collection. */
  async list<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    opts: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const query = new URLSearchParams();
    setSelectors(query, opts);
    if (opts.limit) query.set('limit', String(opts.limit));
    if (opts.continue) query.set('continue', opts.continue);
    if (opts.resourceVersion) query.set('resourceVersion', opts.resourceVersion);
    if (opts.resourceVersionMatch) query.set('resourceVersionMatch', opts.resourceVersionMatch);
    return this.json<ObjectList<T>>({
      method: 'GET',
      path: this.collectionPath(res, opts.namespace ?? ''),
      query,
      headers: JSON_HEADERS,
      signal: opts.signal,
    });
  }

  /**
   * Every item of a collection, read `limit` (default 500) at a time following continue tokens; the first
   * page takes `resourceVersion`, and the result's resourceVersion is that snapshot's. A token that expires
   * midway falls back to one unpaged list, as upstream's pager does.
   */
  async listAll<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    opts: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const limit = opts.limit ?? 500;
    const first = await this.list(res, { ...opts, limit, continue: undefined });
    const items = first.items;
    let next = first.metadata.continue;
    while (next) {
      let page: ObjectList<T>;
      try {
        page = await this.list(res, {
          ...opts,
          limit,
          continue: next,
          resourceVersion: undefined,
          resourceVersionMatch: undefined,
        });
      } catch (err) {
        if (!(err instanceof StatusError) || err.code !== 410) throw err;
        const full = await this.list(res, { ...opts, limit: undefined, continue: undefined });
        return { items: full.items, resourceVersion: full.metadata.resourceVersion ?? '' };
      }
      for (const item of page.items) items.push(item);
      next = page.metadata.continue;
    }
    return { items, resourceVersion: first.metadata.resourceVersion ?? '' };
  }

  /** Opens a watch; resolves once the server accepted it (a refusal throws its StatusError). */
  async watch<T extends KubeObject>(res: ResourceDescriptor<T>, opts: WatchOptions = {}): Promise<Watch<T>> {
    const query = new URLSearchParams();
    query.set('watch', 'true');
    setSelectors(query, opts);
    if (opts.resourceVersion) query.set('resourceVersion', opts.resourceVersion);
    if (opts.resourceVersionMatch) query.set('resourceVersionMatch', opts.resourceVersionMatch);
    if (opts.allowWatchBookmarks) query.set('allowWatchBookmarks', 'true');
    if (opts.timeoutSeconds !== undefined) query.set('timeoutSeconds', String(opts.timeoutSeconds));
    if (opts.sendInitialEvents !== undefined) query.set('sendInitialEvents', String(opts.sendInitialEvents));
    const s = await this.transport.stream({
      method: 'GET',
      path: this.collectionPath(res, opts.namespace ?? ''),
      query,
      headers: JSON_HEADERS,
      signal: opts.signal,
    });
    if (s.status < 200 || s.status > 299) {
      let body = '';
      for await (const line of s.lines) body += line + '\n';
      throw statusErrorFrom(s.status, body);
    }
    return new EventStream<T>(s.lines);
  }

  /** POST; the namespace comes from the options, else the object, else the client's default. */
  async create<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    const ns = this.namespaceOf(res, opts.namespace ?? obj.metadata.namespace);
    return this.json<T>({
      method: 'POST',
      path: this.collectionPath(res, ns),
      query: this.writeQuery(opts),
      headers: JSON_BODY_HEADERS,
      body: JSON.stringify(obj),
      signal: opts.signal,
    });
  }

  /** PUT of the whole object; its metadata.resourceVersion makes it conditional (409 Conflict when stale). */
  async update<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.updateSubresource(res, '', obj, opts);
  }

  /** PUT to /status. */
  async updateStatus<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.updateSubresource(res, 'status', obj, opts);
  }

  /** PUT to a subresource ('' for the object itself). */
  async updateSubresource<T extends KubeObject, R extends KubeObject = T>(
    res: ResourceDescriptor<T>,
    subresource: string,
    obj: R,
    opts: WriteOptions = {},
  ): Promise<R> {
    const name = obj.metadata.name;
    if (!name) throw new Error(`update of ${res.resource}: the object has no metadata.name`);
    const ns = this.namespaceOf(res, opts.namespace ?? obj.metadata.namespace);
    return this.json<R>({
      method: 'PUT',
      path: this.itemPath(res, ns, name, subresource),
      query: this.writeQuery(opts),
      headers: JSON_BODY_HEADERS,
      body: JSON.stringify(obj),
      signal: opts.signal,
    });
  }

  /**
   * PATCH with a JSON patch (an array of operations), a merge or strategic merge patch, or a server-side
   * apply configuration (needs a fieldManager). A string patch is sent as is.
   */
  async patch<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    name: string,
    patch: unknown,
    opts: PatchOptions,
  ): Promise<T> {
    const query = this.writeQuery(opts);
    if (opts.force !== undefined) query.set('force', String(opts.force));
    return this.json<T>({
      method: 'PATCH',
      path: this.itemPath(res, this.namespaceOf(res, opts.namespace), name, opts.subresource),
      query,
      headers: { accept: 'application/json', 'content-type': PATCH_CONTENT_TYPES[opts.type] },
      body: typeof patch === 'string' ? patch : JSON.stringify(patch),
      signal: opts.signal,
    });
  }

  /** Server-side apply of a (partial) object; name and namespace come from it. */
  async apply<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    obj: Partial<T> & { metadata: { name?: string; namespace?: string } },
    opts: Omit<PatchOptions, 'type'> = {},
  ): Promise<T> {
    const name = obj.metadata.name;
    if (!name) throw new Error(`apply of ${res.resource}: the object has no metadata.name`);
    const withKind = { apiVersion: apiVersionOf(res), kind: res.kind, ...obj };
    return this.patch(res, name, withKind, {
      ...opts,
      namespace: opts.namespace ?? obj.metadata.namespace,
      type: 'apply',
    });
  }

  /**
   * DELETE. Resolves with what the server answers: the object (still present with a deletionTimestamp while
   * finalizers or a grace period hold it, or as deleted for some kinds) or a Success Status.
   */
  async delete<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<T | Status> {
    return this.json<T | Status>({
      method: 'DELETE',
      path: this.itemPath(res, this.namespaceOf(res, opts.namespace), name),
      query: opts.dryRun ? new URLSearchParams({ dryRun: 'All' }) : undefined,
      ...deleteBody(opts),
      signal: opts.signal,
    });
  }

  /** DELETE of every matching object in a namespace (or cluster-wide). */
  async deleteCollection<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    opts: DeleteOptions & Pick<ListOptions, 'labelSelector' | 'fieldSelector'> = {},
  ): Promise<ObjectList<T> | Status> {
    const query = new URLSearchParams();
    setSelectors(query, opts);
    if (opts.dryRun) query.set('dryRun', 'All');
    return this.json<ObjectList<T> | Status>({
      method: 'DELETE',
      path: this.collectionPath(res, res.namespaced ? (opts.namespace ?? '') : ''),
      query,
      ...deleteBody(opts),
      signal: opts.signal,
    });
  }

  /** GET of a subresource, e.g. 'scale'. */
  async getSubresource<R = unknown>(
    res: ResourceDescriptor,
    name: string,
    subresource: string,
    opts: ScopeOptions = {},
  ): Promise<R> {
    return this.json<R>({
      method: 'GET',
      path: this.itemPath(res, this.namespaceOf(res, opts.namespace), name, subresource),
      headers: JSON_HEADERS,
      signal: opts.signal,
    });
  }

  /**
   * POST to a subresource: pods/binding (a Binding), pods/eviction (an Eviction). Resolves with the answer,
   * usually a Success Status.
   */
  async createSubresource<R = Status>(
    res: ResourceDescriptor,
    name: string,
    subresource: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<R> {
    return this.json<R>({
      method: 'POST',
      path: this.itemPath(res, this.namespaceOf(res, opts.namespace), name, subresource),
      query: this.writeQuery(opts),
      headers: JSON_BODY_HEADERS,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: opts.signal,
    });
  }

  /** Binds a pending pod to a node through pods/binding. */
  async bindPod(
    namespace: string,
    name: string,
    nodeName: string,
    opts: RequestOptions & { uid?: string } = {},
  ): Promise<void> {
    const uid = opts.uid ? `,"uid":${JSON.stringify(opts.uid)}` : '';
    await this.createSubresource(
      { group: '', version: 'v1', resource: 'pods', namespaced: true, kind: 'Pod' },
      name,
      'binding',
      `{"apiVersion":"v1","kind":"Binding","metadata":{"name":${JSON.stringify(name)}${uid}},"target":{"kind":"Node","name":${JSON.stringify(nodeName)}}}`,
      { namespace, signal: opts.signal },
    );
  }

  private async json<R>(req: TransportRequest): Promise<R> {
    const res = await this.transport.request(req);
    if (res.status < 200 || res.status > 299) throw statusErrorFrom(res.status, res.body);
    return JSON.parse(res.body) as R;
  }

  private writeQuery(opts: WriteOptions): URLSearchParams {
    const q = new URLSearchParams();
    if (opts.dryRun) q.set('dryRun', 'All');
    const fm = opts.fieldManager ?? this.fieldManager;
    if (fm) q.set('fieldManager', fm);
    if (opts.fieldValidation) q.set('fieldValidation', opts.fieldValidation);
    return q;
  }

  private namespaceOf(res: ResourceDescriptor, ns: string | undefined): string {
    if (!res.namespaced) return '';
    return ns || this.defaultNamespace;
  }

  /** `/api/v1/namespaces/ns/pods` or `/apis/apps/v1/deployments`. */
  collectionPath(res: ResourceDescriptor, namespace: string): string {
    const prefix = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
    return res.namespaced && namespace
      ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${res.resource}`
      : `${prefix}/${res.resource}`;
  }

  /** The path of one object, or of its subresource. */
  itemPath(res: ResourceDescriptor, namespace: string, name: string, subresource?: string): string {
    if (!name) throw new Error(`${res.resource}: a name is required`);
    const p = `${this.collectionPath(res, namespace)}/${encodeURIComponent(name)}`;
    return subresource ? `${p}/${subresource}` : p;
  }
}

function setSelectors(q: URLSearchParams, o: { labelSelector?: string; fieldSelector?: string }): void {
  if (o.labelSelector) q.set('labelSelector', o.labelSelector);
  if (o.fieldSelector) q.set('fieldSelector', o.fieldSelector);
}

function deleteBody(opts: DeleteOptions): Pick<TransportRequest, 'headers' | 'body'> {
  const body: Record<string, unknown> = {};
  if (opts.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = opts.gracePeriodSeconds;
  if (opts.propagationPolicy) body['propagationPolicy'] = opts.propagationPolicy;
  if (opts.preconditions) body['preconditions'] = opts.preconditions;
  if (Object.keys(body).length === 0) return { headers: JSON_HEADERS };
  return {
    headers: JSON_BODY_HEADERS,
    body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', ...body }),
  };
}

/** Parses watch lines into events, one at a time, as the reader asks. */
class EventStream<T extends KubeObject> implements Watch<T> {
  private readonly it: AsyncIterator<string>;
  private iterated = false;

  constructor(lines: AsyncIterable<string>) {
    this.it = lines[Symbol.asyncIterator]();
  }

  stop(): void {
    void this.it.return?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.iterated) throw new Error('a watch can be iterated only once');
    this.iterated = true;
    const it = this.it;
    return {
      next: async (): Promise<IteratorResult<WatchEvent<T>>> => {
        const r = await it.next();
        if (r.done) return { value: undefined, done: true };
        try {
          return { value: parseWatchEvent<T>(r.value), done: false };
        } catch (err) {
          // A loop does not close an iterator whose next() threw: close the stream here.
          await it.return?.();
          throw err;
        }
      },
      return: async (): Promise<IteratorResult<WatchEvent<T>>> => {
        await it.return?.();
        return { value: undefined, done: true };
      },
    };
  }
}

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** One line of a watch response; throws on anything that is not a watch event. */
export function parseWatchEvent<T extends KubeObject>(line: string): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new Error(`malformed watch event: ${(err as Error).message}`);
  }
  if (
    !isObject(v) ||
    typeof v['type'] !== 'string' ||
    !EVENT_TYPES.has(v['type']) ||
    !isObject(v['object'])
  ) {
    throw new Error(`malformed watch event: ${line.length > 200 ? line.slice(0, 200) + '...' : line}`);
  }
  return v as unknown as WatchEvent<T>;
}
