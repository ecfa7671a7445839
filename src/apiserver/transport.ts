/**
 * @module The request/response seam between transports (HTTP, in-process) and the handlers.
 * Handlers see only these interfaces, so an in-process client takes the same path as an HTTP one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestEntityTooLarge, StatusError } from '../api/errors.js';
import type { Status } from '../api/object.js';

export interface ApiRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  header(name: string): string | undefined;
  /** Reads the whole body; throws a 413 StatusError past `limit` bytes. */
  body(limit: number): Promise<Buffer>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export interface ApiResponse {
  writeHead(status: number, headers: Record<string, string>): void;
  /** Returns false when the client is not keeping up (bytes are buffered). */
  write(chunk: string | Buffer): boolean;
  end(chunk?: string | Buffer): void;
  /** Bytes buffered and not yet sent. */
  readonly bufferedBytes: number;
  readonly headersSent: boolean;
}

/** The parts of a request's URL the handlers use; a `URL` is one. */
export interface RequestTarget {
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}

/** Path characters that `new URL` would keep as they are (no percent-encoding, no backslash). */
const PLAIN_PATH = /^\/[\w\-.~:@!$&'()*+,;=/]*$/;
/** Query characters that `new URL` would keep as they are. */
const PLAIN_QUERY = /^[\w\-.~:@!$&'()*+,;=/?%]*$/;

/**
 * The path and query of a request target as `new URL(target, base)` would give them, without building a
 * URL for the common plain `/path?query` form. Undefined when the target is not a valid URL.
 */
export function parseRequestTarget(target: string): RequestTarget | undefined {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  // Dot segments ("/./", "/../") are resolved by URL, so they take the slow path.
  if (PLAIN_PATH.test(path) && !path.includes('/.') && PLAIN_QUERY.test(query)) {
    return { pathname: path, searchParams: new URLSearchParams(query) };
  }
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
}

/** Adapts a node http request; `res` (its response) tells when the client leaves before the reply is done. */
export function httpRequest(req: IncomingMessage, url: RequestTarget, res?: ServerResponse): ApiRequest {
  // Created on first use: most requests never look at it. Listeners go on the request and response, not the
  // keep-alive socket, so requests on one connection don't pile up listeners.
  let controller: AbortController | undefined;
  const signal = (): AbortSignal => {
    if (controller) return controller.signal;
    const c = (controller = new AbortController());
    if (req.destroyed && !req.complete) c.abort();
    req.once('close', () => {
      if (!req.complete || req.readableAborted) c.abort();
    });
    if (res) {
      if (res.destroyed && !res.writableFinished) c.abort();
      res.once('close', () => {
        if (!res.writableFinished) c.abort();
      });
    }
    return c.signal;
  };
  let bodyPromise: Promise<Buffer> | undefined;
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    body: (limit) => (bodyPromise ??= readAll(req, limit)),
    get signal() {
      return signal();
    },
  };
}

function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      reject(requestEntityTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(requestEntityTooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
    req.on('aborted', () => {
      if (!failed) reject(new Error('request aborted'));
    });
  });
}

/** Adapts a node http response. */
export function httpResponse(res: ServerResponse): ApiResponse {
  return {
    writeHead: (status, headers) => {
      res.writeHead(status, headers);
    },
    write: (chunk) => res.write(chunk),
    end: (chunk) => {
      if (chunk === undefined) res.end();
      else res.end(chunk);
    },
    get bufferedBytes() {
      return res.writableLength;
    },
    get headersSent() {
      return res.headersSent;
    },
  };
}

/** Writes a JSON body with the status code. */
export function writeJson(
  res: ApiResponse,
  status: number,
  body: unknown,
  extraHeaders?: Record<string, string>,
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  // With the length known, node sends the body as is instead of in chunked encoding.
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    ...extraHeaders,
  });
  res.end(text);
}

/** The single error writer: a metav1 Status with its code. */
export function writeStatus(res: ApiResponse, status: Status): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  writeJson(res, status.code, status);
}

export function writeError(res: ApiResponse, err: StatusError): void {
  writeStatus(res, err.status);
}
