/**
 * @module A transport between threads: a control loop in a worker thread reaches the API server of the main
 * thread over a MessagePort. {@link PortTransport} is the worker's side; {@link servePort} the server's, which
 * hands each request to the server's handler exactly as the in-process transport does (same admission,
 * validation and storage path), so only bodies and watch output cross the thread boundary, as text.
 *
 * Flow control: the server's side counts the watch output posted and not yet read by the worker as buffered,
 * so a worker that falls behind meets the server's slow-watcher limit as an HTTP client would.
 */
import { setMaxListeners } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import type { ApiResponse } from '../apiserver/transport.js';
import { errorText } from '../util/errors.js';
import {
  abortError,
  InProcessRequest,
  LineQueue,
  lowerCaseHeaders,
  TransportError,
  type RequestHandler,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';

/** Worker → server. */
type ClientMessage =
  | {
      t: 'req';
      id: number;
      method: TransportRequest['method'];
      path: string;
      query: string;
      headers: Record<string, string> | undefined;
      body: string | undefined;
      stream: boolean;
    }
  | { t: 'cancel'; id: number }
  /** The worker has read `chars` characters of stream `id` in all. */
  | { t: 'ack'; id: number; chars: number };

/** Server → worker. */
type ServerMessage =
  | { t: 'res'; id: number; status: number; headers: Record<string, string>; body: string }
  | { t: 'head'; id: number; status: number; headers: Record<string, string> }
  | { t: 'data'; id: number; text: string }
  | { t: 'end'; id: number }
  | { t: 'fail'; id: number; message: string };

interface PendingRequest {
  resolve(res: TransportResponse): void;
  reject(err: Error): void;
}

interface PendingStream {
  req: TransportRequest;
  resolve(res: StreamResponse): void;
  reject(err: Error): void;
  /** Ends the stream from the worker's side: the reader left or the request's signal aborted. */
  cancel: () => void;
  lines: LineQueue | undefined;
  received: number;
}

/** The worker's side: requests go to the server over `port`. */
export class PortTransport implements Transport {
  private nextId = 1;
  private readonly requests = new Map<number, PendingRequest>();
  private readonly streams = new Map<number, PendingStream>();
  private closed = false;

  constructor(private readonly port: MessagePort) {
    port.on('message', (m: ServerMessage) => this.onMessage(m));
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    const refused = this.refusal(req);
    if (refused) return Promise.reject(refused);
    const id = this.nextId++;
    return new Promise<TransportResponse>((resolve, reject) => {
      const signal = req.signal;
      const onAbort = (): void => {
        if (!this.requests.delete(id)) return;
        this.post({ t: 'cancel', id });
        reject(abortError(req));
      };
      this.requests.set(id, {
        resolve: (res) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(res);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.post(requestMessage(id, req, false));
    });
  }

  stream(req: TransportRequest): Promise<StreamResponse> {
    const refused = this.refusal(req);
    if (refused) return Promise.reject(refused);
    const id = this.nextId++;
    return new Promise<StreamResponse>((resolve, reject) => {
      const signal = req.signal;
      const entry: PendingStream = {
        req,
        resolve,
        reject,
        lines: undefined,
        received: 0,
        cancel: () => {
          signal?.removeEventListener('abort', entry.cancel);
          if (!this.streams.delete(id)) return;
          this.post({ t: 'cancel', id });
          if (entry.lines) entry.lines.discard();
          else reject(abortError(req));
        },
      };
      this.streams.set(id, entry);
      signal?.addEventListener('abort', entry.cancel, { once: true });
      this.post(requestMessage(id, req, true));
    });
  }

  /** Fails what is in flight and ends open streams; the port stays open (its owner closes it). */
  close(): void {
    this.closed = true;
    for (const [id, r] of this.requests) {
      this.post({ t: 'cancel', id });
      r.reject(new TransportError('transport closed'));
    }
    this.requests.clear();
    for (const [id, s] of this.streams) {
      this.post({ t: 'cancel', id });
      if (s.lines) s.lines.discard();
      else s.reject(new TransportError('transport closed'));
    }
    this.streams.clear();
  }

  /** Why a request cannot even be sent: its signal already aborted, or this transport is closed. */
  private refusal(req: TransportRequest): TransportError | undefined {
    if (req.signal?.aborted) return abortError(req);
    if (this.closed) return new TransportError(`${req.method} ${req.path}: transport closed`);
    return undefined;
  }

  private post(m: ClientMessage): void {
    this.port.postMessage(m);
  }

  private onMessage(m: ServerMessage): void {
    switch (m.t) {
      case 'res': {
        const r = this.requests.get(m.id);
        if (!r) return;
        this.requests.delete(m.id);
        r.resolve({ status: m.status, headers: m.headers, body: m.body });
        return;
      }
      case 'fail': {
        const r = this.requests.get(m.id);
        if (r) {
          this.requests.delete(m.id);
          r.reject(new TransportError(m.message));
          return;
        }
        const s = this.streams.get(m.id);
        if (!s) return;
        this.streams.delete(m.id);
        s.req.signal?.removeEventListener('abort', s.cancel);
        if (s.lines) s.lines.end(new TransportError(m.message));
        else s.reject(new TransportError(m.message));
        return;
      }
      case 'head': {
        const s = this.streams.get(m.id);
        if (!s) return;
        s.lines = new LineQueue(s.cancel, () => this.post({ t: 'ack', id: m.id, chars: s.received }));
        s.resolve({ status: m.status, headers: m.headers, lines: s.lines });
        return;
      }
      case 'data': {
        const s = this.streams.get(m.id);
        if (!s?.lines) return;
        s.received += m.text.length;
        s.lines.push(m.text);
        return;
      }
      case 'end': {
        const s = this.streams.get(m.id);
        if (!s) return;
        this.streams.delete(m.id);
        s.req.signal?.removeEventListener('abort', s.cancel);
        s.lines?.end();
        return;
      }
    }
  }
}

function requestMessage(id: number, req: TransportRequest, stream: boolean): ClientMessage {
  return {
    t: 'req',
    id,
    method: req.method,
    path: req.path,
    query: req.query ? req.query.toString() : '',
    headers: req.headers,
    body: req.body,
    stream,
  };
}

/**
 * The server's `ApiResponse` for one request from a port. A whole response is posted once, when it ends; a
 * streamed one posts its head on the first write and then each chunk as written (the watch handler writes
 * one chunk per batch of events).
 */
class PortResponse implements ApiResponse {
  status = 0;
  headers: Record<string, string> = {};
  headersSent = false;
  ended = false;
  private chunks: string[] = [];
  private headPosted = false;
  private sent = 0;
  acked = 0;

  constructor(
    private readonly id: number,
    private readonly streamed: boolean,
    private readonly post: (m: ServerMessage) => void,
    private readonly onEnd: () => void,
  ) {}

  writeHead(status: number, headers: Record<string, string>): void {
    this.status = status;
    this.headers = lowerCaseHeaders(headers);
    this.headersSent = true;
  }

  write(chunk: string | Buffer): boolean {
    if (this.ended) return false;
    if (!this.headersSent) this.writeHead(200, {});
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (!this.streamed) {
      if (text) this.chunks.push(text);
      return true;
    }
    this.postHead();
    if (text) {
      this.sent += text.length;
      this.post({ t: 'data', id: this.id, text });
    }
    return true;
  }

  end(chunk?: string | Buffer): void {
    if (this.ended) return;
    if (chunk !== undefined) this.write(chunk);
    else if (!this.headersSent) this.writeHead(200, {});
    this.ended = true;
    if (this.streamed) {
      this.postHead();
      this.post({ t: 'end', id: this.id });
    } else {
      const body = this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join('');
      this.post({ t: 'res', id: this.id, status: this.status, headers: this.headers, body });
    }
    this.onEnd();
  }

  /** Characters posted and not yet read by the worker. */
  get bufferedBytes(): number {
    return this.sent - this.acked;
  }

  private postHead(): void {
    if (this.headPosted) return;
    this.headPosted = true;
    this.post({ t: 'head', id: this.id, status: this.status, headers: this.headers });
  }
}

/**
 * Serves the requests a {@link PortTransport} sends over `port` with `server`'s handler, until the port
 * closes. Returns a function that aborts every request still open.
 */
export function servePort(port: MessagePort, server: RequestHandler): () => void {
  const open = new Map<number, { controller: AbortController; res: PortResponse }>();
  const post = (m: ServerMessage): void => port.postMessage(m);
  const abortAll = (): void => {
    for (const { controller } of open.values()) controller.abort();
    open.clear();
  };
  port.on('message', (m: ClientMessage) => {
    switch (m.t) {
      case 'req': {
        const controller = new AbortController();
        setMaxListeners(0, controller.signal);
        const res = new PortResponse(m.id, m.stream, post, () => open.delete(m.id));
        open.set(m.id, { controller, res });
        const req: TransportRequest = {
          method: m.method,
          path: m.path,
          ...(m.query ? { query: new URLSearchParams(m.query) } : {}),
          ...(m.headers ? { headers: m.headers } : {}),
          ...(m.body !== undefined ? { body: m.body } : {}),
        };
        server.handle(new InProcessRequest(req, controller.signal), res).catch((err: unknown) => {
          if (res.ended) return;
          open.delete(m.id);
          post({ t: 'fail', id: m.id, message: errorText(err) });
        });
        return;
      }
      case 'cancel': {
        const o = open.get(m.id);
        if (!o) return;
        open.delete(m.id);
        o.controller.abort();
        return;
      }
      case 'ack': {
        const o = open.get(m.id);
        if (o) o.res.acked = m.chars;
        return;
      }
    }
  });
  port.on('close', abortAll);
  return abortAll;
}
