/**
 * @module Running one probe or lifecycle hook against a container, as the kubelet's prober and handler runner
 * do: exec (through the runtime), httpGet, tcpSocket, grpc (grpc.health.v1), and the sleep hook. Outcomes and
 * messages follow upstream's wording.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import { Writable } from 'node:stream';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import type { Runtime } from '../runtime/interface.js';
import { formatPod } from './pod-status.js';
import { errorText } from '../../util/errors.js';

/** Success / Failure, or Error when the probe could not run (upstream throws such a result away). */
export type ProbeOutcomeResult = 'Success' | 'Failure' | 'Error';

export interface ProbeOutcome {
  result: ProbeOutcomeResult;
  /** The probe's output (exec) or failure description, for the Unhealthy event. */
  output: string;
}

/** The container a probe or hook runs against. */
export interface ProbeTarget {
  pod: Pod;
  container: api.Container;
  containerId: string;
  /** Where httpGet/tcpSocket/grpc connect when the action names no host. */
  podIP: string;
}

export interface HookOutcome {
  ok: boolean;
  /** Upstream's event message when the hook failed. */
  message: string;
}

/** Executes probes and hooks. The agent's default is {@link Prober}; tests use fakes. */
export interface ProbeRunner {
  probe(probe: api.Probe, target: ProbeTarget): Promise<ProbeOutcome>;
  hook(handler: api.LifecycleHandler, target: ProbeTarget, timeoutMs: number): Promise<HookOutcome>;
}

/** Output kept from a probe, as upstream's maxReadLength. */
const MAX_OUTPUT = 10 * 1024;

export const PROBE_USER_AGENT = 'kube-probe/1.32';

class Collector extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size < MAX_OUTPUT) {
      this.chunks.push(b.subarray(0, MAX_OUTPUT - this.size));
      this.size += Math.min(b.length, MAX_OUTPUT - this.size);
    }
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Resolves a named or numbered port against the container's ports. */
export function resolvePort(port: number | string, container: api.Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = (container.ports ?? []).find((x) => x.name === port);
  if (!p) throw new Error(`couldn't find port: ${port} in ${container.name}`);
  return p.containerPort;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function errno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connect: connection refused';
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'EHOSTUNREACH':
      return 'connect: no route to host';
    case 'ENETUNREACH':
      return 'connect: network is unreachable';
    default:
      return errorText(err);
  }
}

/** The default runner: exec through the runtime, the network probes from the agent's process. */
export class Prober implements ProbeRunner {
  constructor(private readonly runtime: Pick<Runtime, 'exec'>) {}

  async probe(probe: api.Probe, target: ProbeTarget): Promise<ProbeOutcome> {
    const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
    try {
      if (probe.exec) return await this.execProbe(probe.exec.command ?? [], target, timeoutMs);
      if (probe.httpGet) return await httpProbe(probe.httpGet, target, timeoutMs);
      if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket, target, timeoutMs);
      if (probe.grpc) return await grpcProbe(probe.grpc, target, timeoutMs);
      return { result: 'Error', output: 'missing probe handler' };
    } catch (err) {
      return { result: 'Error', output: errorText(err) };
    }
  }

  private async execProbe(argv: string[], target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
    const r = await this.runExec(argv, target, timeoutMs);
    if (r.timedOut) return { result: 'Failure', output: `command ${goQuote(argv.join(' '))} timed out` };
    return { result: r.code === 0 ? 'Success' : 'Failure', output: r.output };
  }

  private async runExec(
    argv: string[],
    target: ProbeTarget,
    timeoutMs: number,
  ): Promise<{ code: number; output: string; timedOut: boolean }> {
    const out = new Collector();
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    try {
      const code = await this.runtime.exec(target.containerId, argv, {
        stdout: out,
        stderr: out,
        tty: false,
        timeoutMs,
        signal: ac.signal,
      });
      return { code, output: out.text(), timedOut };
    } catch (err) {
      if (timedOut) return { code: -1, output: out.text(), timedOut };
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async hook(handler: api.LifecycleHandler, target: ProbeTarget, timeoutMs: number): Promise<HookOutcome> {
    const pod = formatPod(target.pod);
    const cname = target.container.name;
    if (handler.exec) {
      const argv = handler.exec.command ?? [];
      let r: { code: number; output: string; timedOut: boolean };
      try {
        r = await this.runExec(argv, target, timeoutMs);
      } catch (err) {
        r = { code: -1, output: errorText(err), timedOut: false };
      }
      if (r.code === 0) return { ok: true, message: '' };
      const err = r.timedOut
        ? `command '${argv.join(' ')}' timed out`
        : `command '${argv.join(' ')}' exited with ${r.code}: ${r.output}`;
      return {
        ok: false,
        message: `Exec lifecycle hook ([${argv.join(' ')}]) for Container ${goQuote(cname)} in Pod ${goQuote(pod)} failed - error: ${err}, message: ${goQuote(r.output)}`,
      };
    }
    if (handler.httpGet) {
      const path = handler.httpGet.path ?? '';
      try {
        const r = await httpProbe(handler.httpGet, target, timeoutMs);
        if (r.result === 'Success') return { ok: true, message: '' };
        return {
          ok: false,
          message: `HTTP lifecycle hook (${path}) for Container ${goQuote(cname)} in Pod ${goQuote(pod)} failed - error: ${r.output}`,
        };
      } catch (err) {
        return {
          ok: false,
          message: `HTTP lifecycle hook (${path}) for Container ${goQuote(cname)} in Pod ${goQuote(pod)} failed - error: ${errorText(err)}`,
        };
      }
    }
    if (handler.sleep) {
      await new Promise((r) =>
        setTimeout(r, Math.min(timeoutMs, Math.max(0, handler.sleep!.seconds) * 1000)),
      );
      return { ok: true, message: '' };
    }
    // tcpSocket hooks are accepted and do nothing, as upstream.
    return { ok: true, message: '' };
  }
}

/** An HTTP(S) GET: 2xx and 3xx succeed (redirects are not followed). */
export function httpProbe(
  action: api.HTTPGetAction,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const host = action.host || target.podIP || '127.0.0.1';
  const port = resolvePort(action.port, target.container);
  let path = action.path ?? '';
  if (!path.startsWith('/')) path = `/${path}`;
  const url = `${scheme}://${hostPort(host, port)}${path}`;
  const headers: Record<string, string> = { 'user-agent': PROBE_USER_AGENT, accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolve) => {
    const mod = scheme === 'https' ? https : http;
    const req = mod.request(
      url,
      {
        method: 'GET',
        headers,
        timeout: timeoutMs,
        ...(scheme === 'https' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_OUTPUT) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          const body = Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 400) resolve({ result: 'Success', output: body });
          else resolve({ result: 'Failure', output: `HTTP probe failed with statuscode: ${code}` });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          resolve({ result: 'Failure', output: `Get ${goQuote(url)}: ${errno(err)}` });
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
      resolve({
        result: 'Failure',
        output: `Get ${goQuote(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      resolve({
        result: 'Failure',
        output: `Get ${goQuote(url)}: dial tcp ${hostPort(host, port)}: ${errno(err)}`,
      });
    });
    req.end();
  });
}

/** A TCP connect. */
export function tcpProbe(
  action: api.TCPSocketAction,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const host = action.host || target.podIP || '127.0.0.1';
  const port = resolvePort(action.port, target.container);
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ result: 'Failure', output: `dial tcp ${hostPort(host, port)}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: 'Success', output: '' });
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve({ result: 'Failure', output: `dial tcp ${hostPort(host, port)}: ${errno(err)}` });
    });
  });
}

const GRPC_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function encodeHealthRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const msg = s.length ? Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]) : Buffer.alloc(0);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(msg.length, 1);
  return Buffer.concat([frame, msg]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** The `status` (field 1) of a HealthCheckResponse frame; undefined when absent (UNKNOWN). */
export function decodeHealthStatus(body: Buffer): number {
  if (body.length < 5) return 0;
  const msg = body.subarray(5, 5 + body.readUInt32BE(1));
  let i = 0;
  while (i < msg.length) {
    const tag = msg[i++]!;
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = msg[i++] ?? 0;
      v |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (tag === 0x08) return v;
    if ((tag & 7) === 2) i += v;
  }
  return 0;
}

/** grpc.health.v1.Health/Check over plaintext HTTP/2. */
export function grpcProbe(
  action: api.GRPCAction,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const host = target.podIP || '127.0.0.1';
  const addr = hostPort(host, action.port);
  const secs = `${timeoutMs / 1000}s`;
  return new Promise((resolve) => {
    let done = false;
    let connected = false;
    const connectFailure = (): ProbeOutcome => ({
      result: 'Failure',
      output: `timeout: failed to connect service ${goQuote(addr)} within ${secs}`,
    });
    const session = http2.connect(`http://${addr}`);
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () =>
        finish(
          connected
            ? { result: 'Failure', output: `timeout: health rpc did not complete within ${secs}` }
            : connectFailure(),
        ),
      timeoutMs,
    );
    session.on('connect', () => (connected = true));
    session.on('error', () => finish(connectFailure()));
    const req = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': PROBE_USER_AGENT,
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
    });
    req.on('trailers', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (grpcStatus !== undefined && grpcStatus !== '0') {
        finish({
          result: 'Failure',
          output: `error: health rpc probe failed: rpc error: code = ${grpcStatus} desc = ${grpcMessage}`,
        });
        return;
      }
      const status = decodeHealthStatus(Buffer.concat(chunks));
      if (status === 1) finish({ result: 'Success', output: '' });
      else {
        finish({
          result: 'Failure',
          output: `service unhealthy (responded with ${goQuote(GRPC_STATUS[status] ?? String(status))})`,
        });
      }
    });
    req.on('error', (err) =>
      finish(
        connected
          ? { result: 'Failure', output: `error: health rpc probe failed: ${err.message}` }
          : connectFailure(),
      ),
    );
    req.end(encodeHealthRequest(action.service ?? ''));
  });
}
