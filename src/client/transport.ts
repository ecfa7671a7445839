/**
 * @module How the client reaches an API server: one request in, status + headers + body out, or a
 * streamed response read line by line (watches). Over HTTP, or in-process straight into `ApiServer.handle`.
 */
import http from 'node:http';
import { setMaxListeners } from 'node:events';
import { requestEntityTooLarge } from '../api/errors.js';
import type { ApiRequest, ApiResponse } from '../apiserver/transport.js';

/** One request to the API server. */
export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute path without the query, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  /** Query parameters; absent or empty for none. */
  query?: URLSearchParams;
  /** Request headers with lower-case names (`content-type`, `accept`). */
  headers?: Record<string, string>;
  /** The request body as text (JSON or YAML). */
  body?: string;
  /** Aborting cancels the request (a streamed response then ends). */
  signal?: AbortSignal;
}

/** A complete response. */
export interface TransportResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * A streamed response. When `status` is 2xx, `lines` yields the body's lines (without the newline) as they
 * arrive and ends when the server ends the response or the request's signal aborts; otherwise it yields the
 * whole (error) body. Leaving the iteration early cancels the request. Iterate it once.
 */
export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  lines: AsyncIterable<string>;
}

/**
 * Carries requests to one API server. `request` resolves with any HTTP status (it does not judge them) and
 * rejects with {@link TransportError} only when no response arrived; `stream` resolves once the response
 * headers are known.
 */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  stream(req: TransportRequest): Promise<StreamResponse>;
  /** Releases pooled connections; in-flight streams end. */
  close(): void;
}

/** No response from the server: connection refused or reset, timeout, or the request was aborted. */
export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export function isTransportError(err: unknown): err is TransportError {
  return err instanceof TransportError;
}

/** Collects text chunks, splits them into lines, and hands them to one async reader. */
export class LineQueue implements AsyncIterable<string> {
  private lines: string[] = [];
  private head = 0;
  private partial = '';
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  /** Characters received and not yet read. */
  pendingChars = 0;

  constructor(
    private readonly onCancel: () => void,
    private readonly onDrained?: () => void,
  ) {}

  push(chunk: string): void {
    if (this.ended || chunk.length === 0) return;
    this.pendingChars += chunk.length;
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl >= 0 && this.partial) {
      this.lines.push(this.partial + chunk.slice(0, nl));
      this.partial = '';
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    while (nl >= 0) {
      if (nl > start) this.lines.push(chunk.slice(start, nl));
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.partial += chunk.slice(start);
    this.notify();
  }

  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (this.partial.trim()) this.lines.push(this.partial);
    this.partial = '';
    this.notify();
  }

  /** Ends now, dropping lines not yet read: the reader asked to stop. */
  discard(): void {
    this.lines = [];
    this.head = 0;
    this.partial = '';
    this.pendingChars = 0;
    this.end();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return {
      next: async (): Promise<IteratorResult<string>> => {
        for (;;) {
          if (this.head < this.lines.length) {
            const line = this.lines[this.head]!;
            this.lines[this.head++] = '';
            this.pendingChars -= line.length + 1;
            if (this.head === this.lines.length) {
              this.lines = [];
              this.head = 0;
              // Blank lines are dropped on arrival; re-base the count on what is really left.
              this.pendingChars = this.partial.length;
              this.onDrained?.();
            }
            return { value: line, done: false };
          }
          if (this.ended) {
            if (this.error) {
              const err = this.error;
              this.error = undefined;
              throw err;
            }
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      },
      return: async (): Promise<IteratorResult<string>> => {
        const wasEnded = this.ended;
        this.discard();
        if (!wasEnded) this.onCancel();
        return { value: undefined, done: true };
      },
    };
  }
}

/** The headers with lower-case names, as responses carry them to callers. */
export function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) out[k.toLowerCase()] = headers[k]!;
  return out;
}

const NO_QUERY = new URLSearchParams();
const NO_HEADERS: Record<string, string> = {};

/** A signal that never aborts, shared by in-process requests that carry none. */
const NEVER = new AbortController().signal;
setMaxListeners(0, NEVER);

/** The in-memory `ApiRequest`: the body is the caller's text, encoded once. */
export class InProcessRequest implements ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly signal: AbortSignal;
  private readonly headers: Record<string, string>;
  private readonly text: string | undefined;

  constructor(req: TransportRequest, signal: AbortSignal) {
    this.method = req.method;
    this.path = req.path;
    this.query = req.query ?? NO_QUERY;
    this.headers = req.headers ?? NO_HEADERS;
    this.text = req.body;
    this.signal = signal;
  }
  header(name: string): string | undefined {
    return this.headers[name];
  }
  body(limit: number): Promise<Buffer> {
    if (this.text === undefined || this.text.length === 0) return Promise.resolve(Buffer.alloc(0));
    // A UTF-8 byte is at most one char; at most three per char.
    if (this.text.length > limit || (this.text.length * 3 > limit && Buffer.byteLength(this.text) > limit)) {
      return Promise.reject(requestEntityTooLarge(limit));
    }
    return Promise.resolve(Buffer.from(this.text, 'utf8'));
  }
}

/** The in-memory `ApiResponse`: whole bodies are kept as written; streamed ones go to a {@link LineQueue}. */
class InProcessResponse implements ApiResponse {
  status = 0;
  headers: Record<string, string> = NO_HEADERS;
  headersSent = false;
  ended = false;
  private chunks: string[] = [];
  private lines: LineQueue | undefined;
  private onHead: (() => void) | undefined;
  private onEnd: (() => void) | undefined;

  writeHead(status: number, headers: Record<string, string>): void {
    this.status = status;
    this.headers = lowerCaseHeaders(headers);
    this.headersSent = true;
    this.onHead?.();
  }
  write(chunk: string | Buffer): boolean {
    if (this.ended) return false;
    if (!this.headersSent) this.writeHead(200, {});
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.lines) this.lines.push(text);
    else if (text) this.chunks.push(text);
    return true;
  }
  end(chunk?: string | Buffer): void {
    if (this.ended) return;
    if (chunk !== undefined) this.write(chunk);
    else if (!this.headersSent) this.writeHead(200, {});
    this.ended = true;
    this.lines?.end();
    this.onEnd?.();
  }
  get bufferedBytes(): number {
    return this.lines ? this.lines.pendingChars : 0;
  }

  body(): string {
    return this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join('');
  }
  whenEnded(): Promise<void> {
    return this.ended ? Promise.resolve() : new Promise((resolve) => (this.onEnd = resolve));
  }
  whenHead(): Promise<void> {
    return this.headersSent ? Promise.resolve() : new Promise((resolve) => (this.onHead = resolve));
  }
  /** Switches to streaming: what was written so far and everything after goes to `lines`. */
  streamTo(lines: LineQueue): void {
    this.lines = lines;
    for (const c of this.chunks) lines.push(c);
    this.chunks = [];
    if (this.ended) lines.end();
  }
}

/** The part of `ApiServer` the in-process transport calls. */
export interface RequestHandler {
  handle(req: ApiRequest, res: ApiResponse): Promise<void>;
}

/**
 * Calls the API server's handler directly: no sockets, no HTTP parsing, the same admission, validation and
 * storage path as an HTTP client. Bodies stay text; watch output is streamed as the server writes it, and a
 * reader that falls behind counts against the server's slow-watcher buffer limit as over HTTP.
 */
export class InProcessTransport implements Transport {
  private readonly streams = new Set<AbortController>();

  constructor(private readonly server: RequestHandler) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    if (req.signal?.aborted) throw abortError(req);
    const res = new InProcessResponse();
    await this.server.handle(new InProcessRequest(req, req.signal ?? NEVER), res);
    if (!res.ended) {
      if (!req.signal) await res.whenEnded();
      else {
        const signal = req.signal;
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(abortError(req));
          signal.addEventListener('abort', onAbort, { once: true });
          void res.whenEnded().then(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      }
    }
    return { status: res.status, headers: res.headers, body: res.body() };
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    if (req.signal?.aborted) throw abortError(req);
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const outer = req.signal;
    const release = (): void => {
      outer?.removeEventListener('abort', cancel);
      this.streams.delete(controller);
    };
    const cancel = (): void => {
      release();
      controller.abort();
    };
    outer?.addEventListener('abort', cancel, { once: true });
    this.streams.add(controller);
    const res = new InProcessResponse();
    const lines = new LineQueue(cancel);
    controller.signal.addEventListener('abort', () => lines.discard(), { once: true });
    const done = this.server.handle(new InProcessRequest(req, controller.signal), res);
    // The handler answers errors before it returns and writes a watch's head before it waits for events.
    await Promise.race([res.whenHead(), done]);
    res.streamTo(lines);
    void res.whenEnded().then(release);
    return { status: res.status, headers: res.headers, lines };
  }

  close(): void {
    for (const c of [...this.streams]) c.abort();
    this.streams.clear();
  }
}

export function abortError(req: TransportRequest): TransportError {
  return new TransportError(`${req.method} ${req.path}: request aborted`);
}

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Most connections kept open for ordinary requests (watches use their own pool); default 64. */
  maxSockets?: number;
  /** An ordinary request that gets no complete response in this time fails; default 60 s, 0 for none. */
  requestTimeoutMs?: number;
  /** Sent as User-Agent. */
  userAgent?: string;
  /** Extra headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
}

/** Requests over HTTP/1.1 with keep-alive connections. Plain http only for now. */
export class HttpTransport implements Transport {
  readonly baseUrl: URL;
  private readonly agent: http.Agent;
  private readonly streamAgent: http.Agent;
  private readonly timeoutMs: number;
  private readonly baseHeaders: Record<string, string>;
  private readonly pathPrefix: string;

  constructor(serverUrl: string, opts: HttpTransportOptions = {}) {
    const url = new URL(serverUrl);
    if (url.protocol !== 'http:') {
      throw new Error(`unsupported server URL ${serverUrl}: only http is supported by this client for now`);
    }
    this.baseUrl = url;
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 64 });
    this.streamAgent = new http.Agent({ keepAlive: false });
    this.timeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.baseHeaders = { 'user-agent': opts.userAgent ?? 'skiff-client', ...opts.headers };
  }

  private options(req: TransportRequest, agent: http.Agent): http.RequestOptions {
    const q = req.query && req.query.size > 0 ? `?${req.query.toString()}` : '';
    const headers: Record<string, string> = { ...this.baseHeaders, ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    return {
      method: req.method,
      host: this.baseUrl.hostname,
      port: this.baseUrl.port || 80,
      path: this.pathPrefix + req.path + q,
      headers,
      agent,
    };
  }

  private describe(req: TransportRequest): string {
    return `${req.method} ${this.baseUrl.origin}${this.pathPrefix}${req.path}`;
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) {
        reject(new TransportError(`${this.describe(req)}: request aborted`));
        return;
      }
      let settled = false;
      const fail = (msg: string, cause?: unknown): void => {
        if (settled) return;
        settled = true;
        req.signal?.removeEventListener('abort', onAbort);
        reject(new TransportError(`${this.describe(req)}: ${msg}`, { cause }));
      };
      const r = http.request(this.options(req, this.agent), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          req.signal?.removeEventListener('abort', onAbort);
          resolve({
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res.headers),
            body: (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'),
          });
        });
        res.on('error', (err) => fail(err.message, err));
        res.on('aborted', () => fail('response aborted'));
      });
      const onAbort = (): void => {
        fail('request aborted');
        r.destroy();
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      if (this.timeoutMs > 0) {
        r.setTimeout(this.timeoutMs, () => {
          fail(`no response within ${this.timeoutMs} ms`);
          r.destroy();
        });
      }
      r.on('error', (err) => fail(err.message, err));
      r.end(req.body);
    });
  }

  stream(req: TransportRequest): Promise<StreamResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) {
        reject(new TransportError(`${this.describe(req)}: request aborted`));
        return;
      }
      let responded = false;
      let lines: LineQueue | undefined;
      const r = http.request(this.options(req, this.streamAgent));
      const cancel = (): void => {
        req.signal?.removeEventListener('abort', cancel);
        lines?.discard();
        r.destroy();
      };
      const fail = (err: Error): void => {
        req.signal?.removeEventListener('abort', cancel);
        if (!responded) {
          responded = true;
          reject(new TransportError(`${this.describe(req)}: ${err.message}`, { cause: err }));
        } else if (!req.signal?.aborted) {
          lines?.end(new TransportError(`${this.describe(req)}: ${err.message}`, { cause: err }));
        }
      };
      req.signal?.addEventListener('abort', cancel, { once: true });
      r.on('error', fail);
      r.on('response', (res) => {
        responded = true;
        res.setEncoding('utf8');
        // Reading pauses while more than this many characters wait for the reader.
        const highWater = 1 << 20;
        const queue = new LineQueue(cancel, () => {
          if (res.isPaused()) res.resume();
        });
        lines = queue;
        res.on('data', (c: string) => {
          queue.push(c);
          if (queue.pendingChars > highWater) res.pause();
        });
        res.on('end', () => {
          req.signal?.removeEventListener('abort', cancel);
          queue.end();
        });
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('response aborted')));
        resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), lines: queue });
      });
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
    this.streamAgent.destroy();
  }
}

function flattenHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
