/**
 * @module The agent's kubelet-style HTTP endpoint: `/containerLogs/{ns}/{pod}/{container}` streams a
 * container's log, `/exec/...` and `/attach/...` serve websocket sessions (the `*.channel.k8s.io` protocols).
 * The API server forwards pods/log, pods/exec and pods/attach here.
 */
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type * as api from '../../api/openapi/generated/types.js';
import { fieldErrorString } from '../../api/errors.js';
import type { Pod } from '../../client/resources.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { ContainerStatus, Runtime } from '../runtime/interface.js';
import { logContainerId, podContainerNames, runtimeContainerId } from './container-logs.js';
import { parsePodLogOptions, queryFlag } from './log-options.js';
import { serveChannelSession, type SessionStreams, type StreamOptions } from './remote-command.js';
import {
  SUPPORTED_PROTOCOLS,
  exitCodeStatus,
  internalErrorStatus,
  negotiateProtocol,
  offeredProtocols,
  successStatus,
  type ChannelStatus,
} from './stream-protocol.js';
import { errorText } from '../../util/errors.js';

/** What the endpoint needs from the agent. */
export interface KubeletHost {
  readonly runtime: Runtime;
  /** A pod bound to this node, by namespace and name (the agent's pod cache); undefined when unknown. */
  getPodByName(namespace: string, name: string): Pod | undefined;
  /** The agent's newest status of a pod (maybe not written yet); undefined falls back to the pod's own. */
  getPodStatus(uid: string): api.PodStatus | undefined;
}

/**
 * Optional runtime capability: attach to a running container's own stdio. Without it, attach serves the
 * container's output from its log and cannot write to its stdin.
 */
export interface AttachCapable {
  attach(containerId: string, streams: SessionStreams): Promise<void>;
}

export interface KubeletServerOptions {
  host: KubeletHost;
  logger?: Logger;
  clock?: Clock;
}

class HttpFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface StreamRequest {
  kind: 'exec' | 'attach';
  pod: Pod;
  containerName: string;
  containerId: string;
  command: string[];
  streams: StreamOptions;
}

function hasAttach(r: Runtime): r is Runtime & AttachCapable {
  return typeof (r as Partial<AttachCapable>).attach === 'function';
}

/** Path segments after the first, decoded; undefined for a malformed escape. */
function segments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** The kubelet's and the API's names for the stream flags are both accepted (`input=1` or `stdin=true`). */
function streamOptions(q: URLSearchParams): StreamOptions {
  const flag = (kubelet: string, api: string): boolean => queryFlag(q, kubelet) || queryFlag(q, api);
  const tty = queryFlag(q, 'tty');
  const stderr = flag('error', 'stderr');
  return { stdin: flag('input', 'stdin'), stdout: flag('output', 'stdout'), stderr: stderr && !tty, tty };
}

/** The kubelet endpoint of one agent. `listen` starts it, `close` ends every open stream. */
export class KubeletServer {
  private readonly log: Logger;
  private readonly clock: Clock;
  private http: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => negotiateProtocol([...offered])?.name ?? false,
  });

  constructor(private readonly opts: KubeletServerOptions) {
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'kubelet-server' });
    this.clock = opts.clock ?? systemClock;
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer({ requestTimeout: 0 }, (req, res) => {
      void this.serveHttp(req, res);
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.serveUpgrade(req, socket, head);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'kubelet endpoint error'));
    this.http = server;
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  /** Stops listening and ends every open log stream and exec session. */
  async close(): Promise<void> {
    const server = this.http;
    this.http = undefined;
    for (const ws of this.wss.clients) ws.terminate();
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.wss.close();
  }

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = segments(url.pathname);
      if (!parts) throw new HttpFailure(400, 'invalid URL escape');
      const [root] = parts;
      if (root === 'healthz' && parts.length === 1) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
        return;
      }
      if (root === 'containerLogs' && parts.length === 4) {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpFailure(405, 'Method Not Allowed');
        await this.serveLogs(req, res, parts[1]!, parts[2]!, parts[3]!, url.searchParams);
        return;
      }
      if (root === 'exec' || root === 'attach') {
        this.streamRequest(root, parts, url.searchParams);
        throw new HttpFailure(400, 'Upgrade request required');
      }
      throw new HttpFailure(404, '404 page not found');
    } catch (err) {
      const f = err instanceof HttpFailure ? err : new HttpFailure(500, errorText(err));
      if (f.code >= 500) this.log.warn({ err, path: req.url }, 'kubelet endpoint request failed');
      if (res.headersSent) res.end();
      else res.writeHead(f.code, { 'Content-Type': 'text/plain; charset=utf-8' }).end(f.message);
    }
  }

  private async serveLogs(
    req: IncomingMessage,
    res: ServerResponse,
    namespace: string,
    podName: string,
    containerName: string,
    query: URLSearchParams,
  ): Promise<void> {
    const { host } = this.opts;
    const pod = host.getPodByName(namespace, podName);
    if (!pod) throw new HttpFailure(404, `pod ${JSON.stringify(podName)} does not exist`);
    if (!podContainerNames(pod).includes(containerName)) {
      throw new HttpFailure(
        404,
        `container ${JSON.stringify(containerName)} not found in pod ${JSON.stringify(podName)}`,
      );
    }
    const { options, errors } = parsePodLogOptions(query);
    if (errors.length > 0) throw new HttpFailure(422, errors.map(fieldErrorString).join(', '));
    const status = host.getPodStatus(pod.metadata.uid ?? '') ?? pod.status ?? {};
    const found = logContainerId(podName, status, containerName, options.previous);
    if ('error' in found) throw new HttpFailure(400, found.error);
    const id = runtimeContainerId(found.id);
    if (!host.runtime.containerStatus(id)) {
      throw new HttpFailure(
        400,
        `container ${JSON.stringify(containerName)} in pod ${JSON.stringify(podName)}: log of container ${id} is gone`,
      );
    }
    let since: Date | undefined;
    if (options.sinceSeconds !== undefined) {
      since = new Date(this.clock.now().getTime() - options.sinceSeconds * 1000);
    } else if (options.sinceTime !== undefined) {
      since = new Date(Date.parse(options.sinceTime));
    }
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    req.once('close', () => {
      if (!req.complete) stop();
    });
    res.once('close', stop);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.flushHeaders();
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await host.runtime.logs(
        id,
        {
          follow: options.follow,
          timestamps: options.timestamps,
          ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
          ...(options.limitBytes !== undefined ? { limitBytes: options.limitBytes } : {}),
          ...(since ? { since } : {}),
        },
        res,
        abort.signal,
      );
    } catch (err) {
      if (!abort.signal.aborted) this.log.warn({ err, container: id }, 'reading a container log failed');
    } finally {
      res.off('close', stop);
      if (!res.writableEnded) res.end();
    }
  }

  /** Checks an exec/attach request as the kubelet does before any upgrade; throws an HttpFailure. */
  private streamRequest(kind: 'exec' | 'attach', parts: string[], q: URLSearchParams): StreamRequest {
    // /exec/{ns}/{pod}/{container} or /exec/{ns}/{pod}/{uid}/{container}
    if (parts.length !== 4 && parts.length !== 5) throw new HttpFailure(404, '404 page not found');
    const namespace = parts[1]!;
    const podName = parts[2]!;
    const uid = parts.length === 5 ? parts[3]! : undefined;
    const containerName = parts[parts.length - 1]!;
    const streams = streamOptions(q);
    if (!streams.stdin && !streams.stdout && !streams.stderr) {
      throw new HttpFailure(400, 'you must specify at least 1 of stdin, stdout, stderr');
    }
    const command = q.getAll('command');
    if (kind === 'exec' && command.length === 0) throw new HttpFailure(400, 'you must specify a command');
    const pod = this.opts.host.getPodByName(namespace, podName);
    if (!pod || (uid !== undefined && pod.metadata.uid !== uid)) {
      throw new HttpFailure(404, 'pod does not exist');
    }
    const running = this.runningContainer(pod, containerName);
    if (!running) throw new HttpFailure(500, `container not found (${JSON.stringify(containerName)})`);
    return { kind, pod, containerName, containerId: running.id, command, streams };
  }

  /** The running container of that name in the pod (the newest attempt). */
  private runningContainer(pod: Pod, name: string): ContainerStatus | undefined {
    if (!podContainerNames(pod).includes(name)) return undefined;
    return this.opts.host.runtime
      .listContainers(pod.metadata.uid ?? '')
      .filter((c) => c.name === name && c.state === 'running')
      .sort((a, b) => b.attempt - a.attempt)[0];
  }

  private serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    let prepared: StreamRequest;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = segments(url.pathname);
      if (!parts) throw new HttpFailure(400, 'invalid URL escape');
      const root = parts[0];
      if (root !== 'exec' && root !== 'attach') throw new HttpFailure(404, '404 page not found');
      prepared = this.streamRequest(root, parts, url.searchParams);
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        throw new HttpFailure(
          400,
          `unable to upgrade: this node agent serves ${root} over websockets only (${SUPPORTED_PROTOCOLS.join(', ')})`,
        );
      }
      const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
      if (!negotiateProtocol(offered)) {
        throw new HttpFailure(
          400,
          `unable to upgrade: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${SUPPORTED_PROTOCOLS.join(' ')}]`,
        );
      }
    } catch (err) {
      const f = err instanceof HttpFailure ? err : new HttpFailure(500, errorText(err));
      writeRawResponse(socket, f.code, f.message);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const protocol = negotiateProtocol(offeredProtocols(req.headers['sec-websocket-protocol']))!;
      this.log.debug(
        { kind: prepared.kind, pod: prepared.pod.metadata.name, container: prepared.containerName },
        'stream session',
      );
      void serveChannelSession(ws, protocol, prepared.streams, (s) => this.runSession(prepared, s)).catch(
        (err: unknown) => this.log.warn({ err }, 'stream session failed'),
      );
    });
  }

  private async runSession(r: StreamRequest, s: SessionStreams): Promise<ChannelStatus> {
    const runtime = this.opts.host.runtime;
    if (r.kind === 'exec') {
      let code: number;
      try {
        code = await runtime.exec(r.containerId, r.command, {
          ...(s.stdin ? { stdin: s.stdin } : {}),
          ...(s.stdout ? { stdout: s.stdout } : {}),
          ...(s.stderr ? { stderr: s.stderr } : {}),
          tty: s.tty,
          signal: s.signal,
        });
      } catch (err) {
        return internalErrorStatus(`error executing command in container: ${errorText(err)}`);
      }
      return code === 0 ? successStatus() : exitCodeStatus(r.command, code);
    }
    if (hasAttach(runtime)) {
      await runtime.attach(r.containerId, s);
      return successStatus();
    }
    // No stdio attach on this runtime: follow the container's output from its log until it stops.
    const out = s.stdout ?? s.stderr;
    if (out) {
      await runtime.logs(r.containerId, { follow: true, tailLines: 0, timestamps: false }, out, s.signal);
    }
    return successStatus();
  }
}

/** An HTTP error answer on a socket that was not upgraded. */
function writeRawResponse(socket: Duplex, code: number, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
