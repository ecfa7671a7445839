/**
 * @module The API server: routes every request (resource or not) to its handler, over any transport,
 * and serves HTTP. Resource behaviour comes from the registry's declarations.
 */
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import {
  internalError,
  isStatusError,
  methodNotAllowed,
  methodNotSupported,
  pathNotFound,
} from '../api/errors.js';
import { openapiV3DocumentJson, openapiV3PathOf, openapiV3Root } from '../api/openapi/index.js';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_RESPONSE, openapiV2Document } from '../api/openapi/v2.js';
import { allResources } from '../api/resources/index.js';
import type { ResourceDef, Verb } from '../api/resource.js';
import { ALL_VERBS } from '../api/resource.js';
import type { Store } from '../storage/interface.js';
import { type Clock, systemClock } from '../util/clock.js';
import { NamespaceLifecycle } from './admission/namespace-lifecycle.js';
import {
  DEFAULT_NODE_PORT_RANGE,
  DEFAULT_SERVICE_CIDR,
  ServiceAllocator,
} from './admission/service-allocator.js';
import { LimitRanger } from './admission/limit-ranger.js';
import { PodDefaults } from './admission/pod-defaults.js';
import type { AdmissionPlugin } from './admission/types.js';
import { bootstrap } from './bootstrap.js';
import { aggregatedContentType, aggregatedDiscoveryVersion, Discovery } from './discovery.js';
import {
  DEFAULT_HANDLER_OPTIONS,
  type HandlerContext,
  type HandlerOptions,
  type NodeProxy,
} from './handlers/context.js';
import { handleDelete, handleDeleteCollection } from './handlers/delete.js';
import { handleGet, handleList } from './handlers/read.js';
import {
  handleBinding,
  handleEviction,
  handleFinalize,
  handleNodeSubresource,
  handleScale,
} from './handlers/subresources.js';
import { handleCreate, handlePatch, handleUpdate } from './handlers/write.js';
import { fieldTracker } from './handlers/patch-engines.js';
import { createMetrics, type ApiMetrics } from './metrics.js';
import { negotiateOutput } from './negotiation.js';
import { KubeletProxy } from './node-proxy.js';
import { type ObjectStore } from './object-store.js';
import { parseRequestInfo, type ResourceRequestInfo } from './request-info.js';
import { ResourceRegistry } from './resource-registry.js';
import { queryBool } from './list-options.js';
import { instrumentStore } from './instrumented-store.js';
import {
  type ApiRequest,
  type ApiResponse,
  httpRequest,
  httpResponse,
  parseRequestTarget,
  writeError,
  writeJson,
} from './transport.js';
import { errorText } from '../util/errors.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-skiff.0.1.0',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'skiff',
  platform: `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface ApiServerOptions {
  store: Store;
  clock?: Clock;
  logger?: Logger;
  /** The served resources; defaults to every built-in one. */
  resources?: readonly ResourceDef[];
  handlerOptions?: Partial<HandlerOptions>;
  serviceCIDR?: string;
  nodePortRange?: [number, number];
  /** Create the built-in namespaces, the kubernetes Service and system priority classes (default true). */
  bootstrap?: boolean;
  /** Events kept for watches that resume from an older resourceVersion, per resource. */
  watchHistorySize?: number;
}

/** Subresources whose requests go to a node agent. */
const NODE_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

export class ApiServer {
  readonly registry: ResourceRegistry;
  readonly log: Logger;
  readonly metrics: ApiMetrics;
  /** The default node proxy: reaches agents through the kubelet endpoint their Node publishes. */
  readonly kubelets: KubeletProxy;
  private readonly discovery: Discovery;
  private readonly ctx: HandlerContext;
  private readonly shutdownController = newUnboundedAbortController();
  private readonly options: ApiServerOptions;
  private http: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private started = false;
  private readyPromise: Promise<void> | undefined;
  private stopping = false;
  private address = '127.0.0.1:6443';

  constructor(opts: ApiServerOptions) {
    this.options = opts;
    const clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? pino({ level: 'silent' });
    // Admission plugins look resources up lazily, once the registry below exists.
    const lookup = (group: string, kind: string): ObjectStore | undefined =>
      this.registry.forKind(group, kind);
    const admission: AdmissionPlugin[] = [
      new NamespaceLifecycle(() => lookup('', 'Namespace')),
      new LimitRanger(() => lookup('', 'LimitRange')),
      new PodDefaults(lookup),
      new ServiceAllocator(() => lookup('', 'Service'), {
        serviceCIDR: opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR,
        nodePortRange: opts.nodePortRange ?? DEFAULT_NODE_PORT_RANGE,
      }),
    ];
    this.metrics = createMetrics(() => this.registry.watcherCount);
    const registry = new ResourceRegistry({
      defs: opts.resources ?? allResources,
      store: instrumentStore(opts.store, this.metrics.storageDuration),
      clock,
      admission,
      fieldTracker,
      watchHistorySize: opts.watchHistorySize,
      onError: (err) => this.log.error({ err }, 'watch cache error'),
    });
    this.registry = registry;
    this.discovery = new Discovery(registry);
    const core = (plural: string): ObjectStore => {
      const os = registry.lookup('', 'v1', plural);
      if (!os) throw pathNotFound();
      return os;
    };
    this.kubelets = new KubeletProxy({
      getPod: async (namespace, name) => (await core('pods').get(namespace, name)).obj,
      getNode: async (name) => (await core('nodes').get('', name)).obj,
      logger: this.log,
    });
    this.ctx = {
      registry,
      clock,
      log: this.log,
      options: { ...DEFAULT_HANDLER_OPTIONS, ...opts.handlerOptions },
      nodeProxy: this.kubelets,
      shutdown: this.shutdownController.signal,
    };
    this.onUpgrade = (req, socket, _server, head) => this.kubelets.upgrade(req, socket, head);
  }

  /** Registers how node-side subresources (log, exec, ...) reach node agents. */
  setNodeProxy(proxy: NodeProxy): void {
    this.ctx.nodeProxy = proxy;
  }

  /** Loads every watch cache. Call before `listen` (or before `ready` when not serving HTTP). */
  async start(): Promise<void> {
    await this.registry.start();
  }

  /**
   * Creates the built-in objects (once) and marks the server ready. `listen` calls it after binding,
   * so the kubernetes Service points at the bound port.
   */
  ready(): Promise<void> {
    this.readyPromise ??= (async () => {
      if (this.options.bootstrap !== false) {
        await bootstrap(this.registry, {
          serviceCIDR: this.options.serviceCIDR ?? DEFAULT_SERVICE_CIDR,
          apiserverAddress: this.address,
          log: this.log,
        });
      }
      this.started = true;
    })();
    return this.readyPromise;
  }

  /** Starts serving HTTP; resolves with the bound address. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const server = createServer(
      { keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 },
      (req, res) => {
        this.serveHttp(req, res);
      },
    );
    server.keepAliveTimeout = 65_000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      // Websocket exec/attach arrive as upgrades; they are served by the node proxy when present.
      this.serveUpgrade(req, socket, head);
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.http = server;
    const addr = server.address();
    const bound = typeof addr === 'object' && addr ? { host, port: addr.port } : { host, port };
    this.address = `${bound.host}:${bound.port}`;
    await this.ready();
    return bound;
  }

  /** The upgrade hook (websocket exec/attach); by default the {@link kubelets} proxy. */
  onUpgrade: ((req: IncomingMessage, socket: Socket, server: ApiServer, head: Buffer) => void) | undefined;

  private serveUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (this.onUpgrade) {
      this.onUpgrade(req, socket, this, head);
      return;
    }
    const body = JSON.stringify(methodNotAllowed().status);
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  private serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = parseRequestTarget(req.url ?? '/');
    if (!url) {
      res.writeHead(400).end();
      return;
    }
    void this.handle(httpRequest(req, url, res), httpResponse(res));
  }

  /** Serves one request over any transport. Never throws. */
  async handle(req: ApiRequest, res: ApiResponse): Promise<void> {
    const start = performance.now();
    this.inFlight++;
    // Labels as upstream's apiserver_request_total: canonical upper-case verb, group/version/resource/subresource, scope.
    const labels = {
      verb: req.method.toUpperCase(),
      group: '',
      version: '',
      resource: '',
      subresource: '',
      scope: '',
    };
    let code = 200;
    const wrapped: ApiResponse = {
      writeHead: (status, headers) => {
        code = status;
        res.writeHead(status, headers);
      },
      write: (c) => res.write(c),
      end: (c) => res.end(c),
      get bufferedBytes() {
        return res.bufferedBytes;
      },
      get headersSent() {
        return res.headersSent;
      },
    };
    try {
      const info = parseRequestInfo(req.method, req.path, false);
      if (info.kind === 'nonResource') {
        await this.handleNonResource(req, wrapped, info.parts);
      } else {
        const watch = info.verb === 'watch' || (info.verb === 'list' && isTrue(req.query.get('watch')));
        labels.verb = metricsVerb(info.verb, watch, req.header('content-type'));
        labels.group = info.group;
        labels.version = info.version;
        labels.resource = info.resource;
        labels.subresource = info.subresource;
        labels.scope = info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster';
        await this.handleResource(req, wrapped, info);
      }
    } catch (err) {
      if (isStatusError(err)) {
        writeError(wrapped, err);
      } else {
        this.log.error({ err, path: req.path, method: req.method }, 'internal error');
        writeError(wrapped, internalError(errorText(err)));
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      const seconds = (performance.now() - start) / 1000;
      this.metrics.recordRequest(labels, code, labels.verb === 'WATCH' ? undefined : seconds);
      if (this.log.isLevelEnabled('debug')) {
        const { verb, resource } = labels;
        this.log.debug(
          { verb, method: req.method, path: req.path, resource, code, ms: seconds * 1000 },
          'request',
        );
      }
    }
  }

  private async handleNonResource(req: ApiRequest, res: ApiResponse, parts: string[]): Promise<void> {
    const [p0, p1, p2, p3] = parts;
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
    switch (p0) {
      case 'version':
        if (parts.length === 1) return writeJson(res, 200, SERVER_VERSION);
        break;
      case 'healthz':
      case 'livez':
      case 'readyz': {
        const ok = p0 === 'livez' ? true : this.started && !this.stopping;
        res.writeHead(ok ? 200 : 500, {
          'Content-Type': 'text/plain; charset=utf-8',
          'X-Content-Type-Options': 'nosniff',
        });
        res.end(ok ? 'ok' : `[-]${p0} failed: ${this.stopping ? 'shutting down' : 'starting'}\n`);
        return;
      }
      case 'metrics':
        if (parts.length === 1) {
          const text = await this.metrics.registry.metrics();
          res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType });
          res.end(text);
          return;
        }
        break;
      case 'api':
        if (parts.length === 1) return this.writeDiscovery(req, res, true);
        if (parts.length === 2) {
          const doc = this.discovery.resourceList(p1!);
          if (doc) return writeJson(res, 200, doc);
        }
        break;
      case 'apis':
        if (parts.length === 1) return this.writeDiscovery(req, res, false);
        if (parts.length === 2) {
          const doc = this.discovery.apiGroup(p1!);
          if (doc) return writeJson(res, 200, doc);
        }
        if (parts.length === 3) {
          const doc = this.discovery.resourceList(`${p1}/${p2}`);
          if (doc) return writeJson(res, 200, doc);
        }
        break;
      case 'openapi':
        if (p1 === 'v2' && parts.length === 2) return this.writeOpenapiV2(req, res);
        if (p1 === 'v3') {
          const defs = this.registry.stores.map((s) => s.def);
          if (parts.length === 2) {
            return writeJson(res, 200, openapiV3Root(this.registry.groupVersions(), defs), {
              'Cache-Control': 'no-cache, private',
            });
          }
          const gv = parts[2] === 'api' ? p3 : parts.length === 5 ? `${p3}/${parts[4]}` : undefined;
          if (
            gv &&
            this.registry.groupVersions().includes(gv) &&
            openapiV3PathOf(gv) === parts.slice(2).join('/')
          ) {
            const doc = openapiV3DocumentJson(gv, defs);
            const immutable = req.query.get('hash') === doc.hash;
            return writeJson(res, 200, doc.json, {
              'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
              Etag: `"${doc.hash}"`,
            });
          }
        }
        break;
      default:
        break;
    }
    throw pathNotFound();
  }

  private writeOpenapiV2(req: ApiRequest, res: ApiResponse): void {
    const doc = openapiV2Document(SERVER_VERSION.gitVersion);
    const accept = req.header('accept') ?? '';
    const wantsProtobuf = accept.includes(OPENAPI_V2_PROTOBUF);
    const headers = { Vary: 'Accept', 'Cache-Control': 'no-cache, private' };
    if (wantsProtobuf) {
      res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_RESPONSE, ...headers });
      res.end(doc.protobuf);
      return;
    }
    writeJson(res, 200, doc.json, headers);
  }

  private writeDiscovery(req: ApiRequest, res: ApiResponse, core: boolean): void {
    const aggregated = aggregatedDiscoveryVersion(req.header('accept'));
    if (aggregated) {
      res.writeHead(200, { 'Content-Type': aggregatedContentType(aggregated), Vary: 'Accept' });
      res.end(this.discovery.aggregatedList(core, aggregated));
      return;
    }
    writeJson(res, 200, core ? this.discovery.apiVersions(this.address) : this.discovery.apiGroupList(), {
      Vary: 'Accept',
    });
  }

  private async handleResource(req: ApiRequest, res: ApiResponse, info: ResourceRequestInfo): Promise<void> {
    const ctx = this.ctx;
    // The create-only bindings resource binds a pod, like pods/binding.
    if (info.group === '' && info.resource === 'bindings' && info.version === 'v1') {
      const pods = this.registry.lookup('', 'v1', 'pods');
      if (!pods) throw pathNotFound();
      return handleBinding(ctx, req, res, pods, { ...info, name: '' });
    }
    const os = this.registry.lookup(info.group, info.version, info.resource);
    if (!os) throw pathNotFound();
    const def = os.def;
    if (!def.namespaced && info.namespace) throw pathNotFound();
    if (info.verb === 'list' && isTrue(req.query.get('watch'))) info = { ...info, verb: 'watch' };
    const form = negotiateOutput(req.header('accept'), req.query.get('includeObject'));
    const sub = info.subresource;
    if (sub === '') {
      if (!(def.verbs ?? ALL_VERBS).includes(info.verb as Verb)) throw methodNotSupported(os.gr, info.verb);
      switch (info.verb) {
        case 'get':
          return handleGet(ctx, res, os, info, form);
        case 'list':
        case 'watch':
          return handleList(ctx, req, res, os, info, form);
        case 'create':
          return handleCreate(ctx, req, res, os, info, form);
        case 'update':
          return handleUpdate(ctx, req, res, os, info, form);
        case 'patch':
          return handlePatch(ctx, req, res, os, info, form);
        case 'delete':
          return handleDelete(ctx, req, res, os, info, form);
        case 'deletecollection':
          return handleDeleteCollection(ctx, req, res, os, info, form);
        default:
          throw methodNotAllowed();
      }
    }
    if (!info.name) throw pathNotFound();
    const others = def.subresources?.others ?? [];
    if (sub === 'status' && def.subresources?.status) {
      switch (info.verb) {
        case 'get':
          return handleGet(ctx, res, os, info, form);
        case 'update':
          return handleUpdate(ctx, req, res, os, info, form);
        case 'patch':
          return handlePatch(ctx, req, res, os, info, form);
        default:
          throw methodNotAllowed();
      }
    }
    if (sub === 'scale' && def.subresources?.scale) return handleScale(ctx, req, res, os, info);
    // proxy subresources carry a path after their name: pods/x/proxy/some/path
    const subName = sub.split('/')[0]!;
    if (!others.includes(subName)) throw pathNotFound();
    if (sub === 'binding') return handleBinding(ctx, req, res, os, info);
    if (sub === 'eviction') return handleEviction(ctx, req, res, os, info);
    if (sub === 'finalize') return handleFinalize(ctx, req, res, os, info, form);
    if (NODE_SUBRESOURCES.has(subName)) return handleNodeSubresource(ctx, req, res, os, info);
    throw pathNotFound();
  }

  /**
   * Graceful stop: refuse new connections, end watches, wait for in-flight requests (writes finish),
   * stop the caches. The store is the caller's to close.
   */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.shutdownController.abort();
    const server = this.http;
    if (server) {
      server.close();
      server.closeIdleConnections();
    }
    if (this.inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref()),
      ]);
    }
    this.registry.stop();
    for (const s of this.sockets) s.destroy();
  }
}

/** Every open watch listens on the shutdown signal, so it may have any number of listeners. */
function newUnboundedAbortController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

/** Upstream's canonical verb for metrics: LIST for collection reads, WATCH, APPLY for apply patches. */
function metricsVerb(verb: string, watch: boolean, contentType: string | undefined): string {
  if (watch) return 'WATCH';
  switch (verb) {
    case 'get':
      return 'GET';
    case 'list':
      return 'LIST';
    case 'create':
      return 'POST';
    case 'update':
      return 'PUT';
    case 'patch':
      return contentType?.split(';')[0]?.trim() === 'application/apply-patch+yaml' ? 'APPLY' : 'PATCH';
    case 'delete':
    case 'deletecollection':
      return 'DELETE';
    default:
      return 'CONNECT';
  }
}

function isTrue(v: string | null): boolean {
  return queryBool(v) === true;
}
