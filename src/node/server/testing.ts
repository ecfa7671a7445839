/**
 * @module Test support for the kubelet endpoint: a runtime whose exec runs a few built-in commands and whose
 * logs describe the request, a host over plain maps, and a websocket exec client that collects channels.
 */
import type { Writable } from 'node:stream';
import { WebSocket } from 'ws';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import { FakeClock } from '../../util/clock.js';
import { FakeRuntime } from '../agent/testing.js';
import type { ExecOptions, LogOptions } from '../runtime/interface.js';
import type { KubeletHost } from './kubelet-server.js';

/**
 * exec knows `echo ARGS...`, `cat` (stdin to stdout), `err TEXT` (to stderr), `exit N`, `fail` (throws) and
 * `hang` (until aborted); logs writes one line naming the container and the options.
 */
export class CommandRuntime extends FakeRuntime {
  readonly logCalls: Array<{ id: string; opts: LogOptions }> = [];
  /** `hang` commands ended by their signal. */
  aborted = 0;
  /** With this set, a follow request keeps its stream open until aborted (counted in followsEnded). */
  holdFollow = false;
  followsEnded = 0;

  constructor() {
    super(new FakeClock());
  }

  override async exec(id: string, argv: string[], opts: ExecOptions): Promise<number> {
    if (this.containerStatus(id)?.state !== 'running') throw new Error(`container ${id} is not running`);
    const [cmd, ...args] = argv;
    switch (cmd) {
      case 'echo':
        opts.stdout?.write(`${args.join(' ')}\n`);
        return 0;
      case 'err':
        opts.stderr?.write(`${args.join(' ')}\n`);
        return 0;
      case 'exit':
        return Number(args[0]);
      case 'cat': {
        const stdin = opts.stdin;
        if (!stdin) return 0;
        for await (const chunk of stdin) opts.stdout?.write(chunk as Buffer);
        return 0;
      }
      case 'hang':
        return new Promise((_resolve, reject) => {
          opts.signal?.addEventListener('abort', () => {
            this.aborted++;
            reject(new Error('aborted'));
          });
        });
      case 'fail':
        throw new Error('boom');
      default:
        return 127;
    }
  }

  override async logs(id: string, opts: LogOptions, out: Writable, signal: AbortSignal): Promise<void> {
    this.logCalls.push({ id, opts });
    out.write(`log of ${id}\n`);
    if (!opts.follow || !this.holdFollow) return;
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve());
    });
    this.followsEnded++;
  }
}

/** A {@link KubeletHost} over maps the test fills. */
export class MapHost implements KubeletHost {
  readonly pods = new Map<string, Pod>();
  readonly statuses = new Map<string, api.PodStatus>();
  constructor(readonly runtime: CommandRuntime) {}
  add(pod: Pod): void {
    this.pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
  }
  getPodByName(namespace: string, name: string): Pod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }
  getPodStatus(uid: string): api.PodStatus | undefined {
    return this.statuses.get(uid);
  }
}

/** A pod with the given containers (and init containers). */
export function testPod(name: string, containers: string[], init: string[] = []): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      nodeName: 'node-a',
      containers: containers.map((c) => ({ name: c, image: 'busybox' })),
      ...(init.length ? { initContainers: init.map((c) => ({ name: c, image: 'busybox' })) } : {}),
    },
  };
}

/** What a websocket exec session delivered, channel by channel. */
export interface SessionResult {
  protocol: string;
  stdout: string;
  stderr: string;
  /** The error channel's payload. */
  error: string;
  /** Channels that received an empty frame first. */
  emptyFrames: number[];
  closeCode: number;
}

/**
 * Runs one session: opens `url` offering `protocols`, sends each stdin chunk (then the v5 close-stdin frame when
 * `closeStdin`), and collects the channels until the server closes.
 */
export function wsSession(
  url: string,
  protocols: string[],
  stdin: string[] = [],
  closeStdin = false,
): Promise<SessionResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const r: SessionResult = {
      protocol: '',
      stdout: '',
      stderr: '',
      error: '',
      emptyFrames: [],
      closeCode: 0,
    };
    ws.on('open', () => {
      r.protocol = ws.protocol;
      for (const s of stdin) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(s)]));
      if (closeStdin) ws.send(Buffer.from([255, 0]));
    });
    ws.on('message', (data: Buffer) => {
      const ch = data[0]!;
      const body = data.subarray(1).toString('utf8');
      if (body === '') r.emptyFrames.push(ch);
      if (ch === 1) r.stdout += body;
      else if (ch === 2) r.stderr += body;
      else if (ch === 3) r.error += body;
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => reject(new Error(`${res.statusCode}: ${body}`)));
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      r.closeCode = code;
      resolve(r);
    });
  });
}
