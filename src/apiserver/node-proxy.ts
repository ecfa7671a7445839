/**
 * @module The API server's way to node agents: pods/log is fetched from the agent's `/containerLogs` and
 * streamed back; pods/exec and pods/attach upgrades are tunnelled byte for byte to the agent's `/exec` and
 * `/attach` (as upstream's upgrade-aware proxy does), after the API server's own checks.
 */
import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { connect, isIPv6, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import {
  StatusError,
  badRequest,
  internalError,
  invalid,
  isStatusError,
  methodNotAllowed,
  pathNotFound,
} from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type * as api from '../api/openapi/generated/types.js';
import { parsePodLogOptions, podLogQuery, queryFlag } from '../node/server/log-options.js';
import type { NodeProxy } from './handlers/context.js';
import { parseRequestInfo } from './request-info.js';
import type { ApiRequest, ApiResponse } from './transport.js';
import { errorText } from '../util/errors.js';

/** Where an agent's kubelet endpoint listens. */
export interface KubeletEndpoint {
  host: string;
  port: number;
}

export interface KubeletProxyOptions {
  /** The Pod; throws a 404 StatusError when absent. */
  getPod(namespace: string, name: string): Promise<KubeObject>;
  /** The Node; throws a 404 StatusError when absent. */
  getNode(name: string): Promise<KubeObject>;
  logger?: Logger;
}

/** Upstream's default kubelet port, used when a Node publishes none. */
export const DEFAULT_KUBELET_PORT = 10250;
/** Address types tried in order (InternalIP first: a Skiff node's Hostname need not resolve). */
const ADDRESS_PREFERENCE = ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalIP', 'ExternalDNS'];
/** How much of an agent's error body becomes the message (upstream reads at most this much). */
const MAX_ERROR_BODY = 50_000;
/** Past this many unsent bytes a log stream pauses until the client catches up. */
const HIGH_WATER = 256 * 1024;
/** How long connecting to an agent may take (a node's address may not answer at all, e.g. a hollow node's). */
const DIAL_TIMEOUT_MS = 10_000;
/** Headers that stay with the API server (client credentials, hop-by-hop proxy headers). */
const DROPPED_HEADERS = new Set([
  'host',
  'authorization',
  'proxy-authorization',
  'proxy-connection',
  'cookie',
]);

type PodObject = KubeObject & { spec?: api.PodSpec };

function names(list: Array<{ name: string }> | undefined): string[] {
  return (list ?? []).map((c) => c.name);
}

/**
 * The container a log/exec/attach request is for, as the API server checks it: a named container must exist
 * in the pod (init and ephemeral included); without a name the pod must have exactly one container.
 */
export function selectContainer(pod: PodObject, requested: string | undefined, forLogs: boolean): string {
  const spec = pod.spec;
  const podName = pod.metadata.name ?? '';
  const regular = names(spec?.containers);
  const init = names(spec?.initContainers);
  const ephemeral = names(spec?.ephemeralContainers);
  if (requested) {
    if (![...init, ...regular, ...ephemeral].includes(requested)) {
      throw badRequest(`container ${requested} is not valid for pod ${podName}`);
    }
    return requested;
  }
  if (regular.length === 1) return regular[0]!;
  if (regular.length === 0) throw badRequest(`a container name must be specified for pod ${podName}`);
  if (forLogs) {
    throw badRequest(
      `a container name must be specified for pod ${podName}, choose one of: [${[...init, ...regular, ...ephemeral].join(' ')}]`,
    );
  }
  let message = `a container name must be specified for pod ${podName}, choose one of: [${regular.join(' ')}]`;
  if (init.length > 0) message += ` or one of the init containers: [${init.join(' ')}]`;
  throw badRequest(message);
}

/** The kubelet endpoint a Node publishes: its preferred address and daemonEndpoints.kubeletEndpoint.Port. */
export function nodeEndpoint(node: KubeObject): KubeletEndpoint {
  const status = (node as { status?: api.NodeStatus }).status;
  const addresses = status?.addresses ?? [];
  const port = status?.daemonEndpoints?.kubeletEndpoint?.Port;
  for (const type of ADDRESS_PREFERENCE) {
    const a = addresses.find((x) => x.type === type && x.address);
    if (a) return { host: a.address, port: port && port > 0 ? port : DEFAULT_KUBELET_PORT };
  }
  const known = addresses.map((a) => `${a.type}:${a.address}`).join(' ');
  throw new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code: 500,
    reason: 'InternalError',
    message: `no preferred addresses found; known addresses: [${known}]`,
  });
}

/** The Status for an agent's non-2xx answer (upstream's GenericHttpResponseChecker). */
export function agentError(code: number, body: string, podName: string): StatusError {
  const text = body.trim();
  if (code === 400) return badRequest(text);
  if (code === 500) return internalError(text);
  const reason = code === 404 ? 'NotFound' : code >= 500 ? 'InternalError' : 'Unknown';
  const base =
    code === 404
      ? 'the server could not find the requested resource'
      : code >= 500
        ? `an error on the server (${JSON.stringify(text)}) has prevented the request from succeeding`
        : `the server responded with the status code ${code} but did not return more information`;
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason,
    message: `${base} (get pods/log ${podName})`,
    details: {
      name: podName,
      kind: 'pods/log',
      causes: [{ reason: 'UnexpectedServerResponse', message: text }],
    },
  });
}

function hostPort(ep: KubeletEndpoint): string {
  return isIPv6(ep.host) ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

/** Writes a Status as the HTTP answer on a socket that will not be upgraded. */
function rejectUpgrade(socket: Duplex, err: StatusError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(err.status);
  const code = err.status.code;
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The {@link NodeProxy} that reaches agents over their kubelet endpoint. */
export class KubeletProxy implements NodeProxy {
  private readonly log: Logger;
  private readonly local = new Map<string, KubeletEndpoint>();

  constructor(private readonly opts: KubeletProxyOptions) {
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'node-proxy' });
  }

  /**
   * Pins a node to an endpoint instead of its Node's addresses (an agent in this process that listens on
   * loopback only); undefined removes the pin.
   */
  setLocalEndpoint(nodeName: string, endpoint: KubeletEndpoint | undefined): void {
    if (endpoint) this.local.set(nodeName, endpoint);
    else this.local.delete(nodeName);
  }

  /** Where the agent of a node listens. */
  async endpointOf(nodeName: string): Promise<KubeletEndpoint> {
    const pinned = this.local.get(nodeName);
    if (pinned) return pinned;
    return nodeEndpoint(await this.opts.getNode(nodeName));
  }

  async proxy(pod: KubeObject, subresource: string, req: ApiRequest, res: ApiResponse): Promise<void> {
    switch (subresource) {
      case 'log':
        return this.logs(pod, req, res);
      case 'exec':
      case 'attach':
        throw badRequest('Upgrade request required');
      default:
        throw badRequest(`pods/${subresource} is not supported by Skiff's node agents`);
    }
  }

  private async logs(pod: PodObject, req: ApiRequest, res: ApiResponse): Promise<void> {
    if (req.method !== 'GET') throw methodNotAllowed();
    const name = pod.metadata.name ?? '';
    const { options, errors } = parsePodLogOptions(req.query);
    if (errors.length > 0) throw invalid('', 'PodLogOptions', name, errors);
    const container = selectContainer(pod, options.container, true);
    const ep = await this.endpointOf(pod.spec?.nodeName ?? '');
    const path =
      `/containerLogs/${seg(pod.metadata.namespace ?? '')}/${seg(name)}/${seg(container)}` +
      `?${podLogQuery(options).toString()}`;
    await this.streamLogs(ep, path, name, req.signal, res);
  }

  private streamLogs(
    ep: KubeletEndpoint,
    path: string,
    podName: string,
    signal: AbortSignal,
    res: ApiResponse,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        if (err === undefined) resolve();
        else reject(err);
      };
      const up = httpRequest({
        host: ep.host,
        port: ep.port,
        path,
        method: 'GET',
        headers: { Accept: 'text/plain, */*' },
        signal,
      });
      const dial = setTimeout(() => up.destroy(new Error('dial timeout')), DIAL_TIMEOUT_MS);
      up.on('socket', (sock: Socket) => {
        if (!sock.connecting) clearTimeout(dial);
        else sock.once('connect', () => clearTimeout(dial));
      });
      up.on('close', () => clearTimeout(dial));
      up.on('response', (body: IncomingMessage) => {
        const code = body.statusCode ?? 500;
        if (code < 200 || code > 206) {
          const chunks: Buffer[] = [];
          let size = 0;
          body.on('data', (c: Buffer) => {
            if (size < MAX_ERROR_BODY) chunks.push(c);
            size += c.length;
          });
          body.on('end', () => {
            const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8');
            done(agentError(code, text, podName));
          });
          body.on('error', (e) => done(e));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        const finish = (): void => {
          if (!settled) res.end();
          done();
        };
        body.on('data', (c: Buffer) => {
          if (!res.write(c) || res.bufferedBytes > HIGH_WATER) {
            body.pause();
            void waitForDrain(res, signal).then(() => body.resume());
          }
        });
        body.on('end', finish);
        body.on('error', finish);
        body.on('close', finish);
      });
      up.on('error', (err) => {
        if (signal.aborted) {
          if (res.headersSent) res.end();
          done();
          return;
        }
        if (res.headersSent) {
          res.end();
          done();
          return;
        }
        done(internalError(`Get "http://${hostPort(ep)}${path}": ${err.message}`));
      });
      up.end();
    });
  }

  /**
   * Serves an upgrade request (websocket exec/attach) that arrived on the API server's HTTP port: checks the
   * pod and container, then tunnels the connection to the agent. Anything else is answered with a Status.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.prepareUpgrade(req).then(
      ({ ep, path }) => this.tunnel(req, socket, head, ep, path),
      (err: unknown) => {
        if (!isStatusError(err)) this.log.error({ err, path: req.url }, 'upgrade failed');
        rejectUpgrade(socket, isStatusError(err) ? err : internalError(errorText(err)));
      },
    );
  }

  private async prepareUpgrade(req: IncomingMessage): Promise<{ ep: KubeletEndpoint; path: string }> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw badRequest('malformed request URL');
    }
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, false);
    if (
      info.kind !== 'resource' ||
      info.group !== '' ||
      info.resource !== 'pods' ||
      !info.name ||
      (info.subresource !== 'exec' && info.subresource !== 'attach')
    ) {
      if (info.kind === 'resource' && info.resource === 'pods' && info.subresource === 'portforward') {
        throw badRequest("pods/portforward is not supported by Skiff's node agents");
      }
      throw info.kind === 'resource'
        ? badRequest('this resource does not accept upgrade requests')
        : pathNotFound();
    }
    const pod = (await this.opts.getPod(info.namespace, info.name)) as PodObject;
    const q = url.searchParams;
    const container = selectContainer(pod, q.get('container') || undefined, false);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw badRequest(`pod ${info.name} does not have a host assigned`);
    const ep = await this.endpointOf(nodeName);
    // The kubelet's query names (upstream's streamParams): input/output/error/tty=1, command repeated.
    const out = new URLSearchParams();
    if (queryFlag(q, 'stdin')) out.append('input', '1');
    if (queryFlag(q, 'stdout')) out.append('output', '1');
    if (queryFlag(q, 'stderr')) out.append('error', '1');
    if (queryFlag(q, 'tty')) out.append('tty', '1');
    if (info.subresource === 'exec') for (const c of q.getAll('command')) out.append('command', c);
    const path =
      `/${info.subresource}/${seg(info.namespace)}/${seg(info.name)}/${seg(container)}` +
      `?${out.toString()}`;
    return { ep, path };
  }

  private tunnel(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    ep: KubeletEndpoint,
    path: string,
  ): void {
    if (socket.destroyed) return;
    const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${hostPort(ep)}`];
    const raw = req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (!DROPPED_HEADERS.has(raw[i]!.toLowerCase())) lines.push(`${raw[i]}: ${raw[i + 1]}`);
    }
    const backend = connect({ host: ep.host, port: ep.port });
    let connected = false;
    const dial = setTimeout(() => backend.destroy(new Error('dial timeout')), DIAL_TIMEOUT_MS);
    backend.once('connect', () => {
      clearTimeout(dial);
      connected = true;
      backend.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length > 0) backend.write(head);
      backend.pipe(socket);
      socket.pipe(backend);
    });
    backend.on('error', (err) => {
      clearTimeout(dial);
      if (!connected) {
        rejectUpgrade(socket, internalError(`error dialing backend: ${err.message}`));
        return;
      }
      socket.destroy();
    });
    backend.on('close', () => {
      clearTimeout(dial);
      socket.destroy();
    });
    socket.on('close', () => backend.destroy());
  }
}

/** Resolves once the response's unsent bytes are low again, or the client is gone. */
function waitForDrain(res: ApiResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (signal.aborted || res.bufferedBytes < HIGH_WATER / 4) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
}
