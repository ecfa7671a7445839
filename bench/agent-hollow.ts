/**
 * @module Hollow node benchmark (part of `npm run bench:agent`; alone: `npm run build && node --import tsx
 * bench/agent-hollow.ts`). Against `skiff server` from dist/ as a child process:
 *  1. heartbeat: N hollow nodes (default 10,000) in a separate agent process over HTTP; the agent's CPU and
 *     RSS from /proc over a steady window, and how fresh the Leases are;
 *  2. pods: M pods (default 100,000) over 1,000 hollow nodes, created with nodeName (or, with --schedule,
 *     bound by the scheduler); time from creation to Running as seen by a watch, with the agent's CPU and
 *     peak RSS; the agent either in its own process or inside the server (`--hollow-nodes`), per `--mode`.
 * Flags (each also spelled with a `hollow-` prefix, which wins; use that form through bench/agent.ts, whose
 * own --pods means something else): --only=heartbeat|pods, --nodes=10000, --window=30, --pod-nodes=1000,
 * --pods=100000, --clients=32, --mode=process|inprocess|both, --control-plane=full|bare (bare: the server
 * without controllers and scheduler), --schedule (a create, a binding and a status write per pod),
 * --profile=DIR (the server and agent write V8 CPU profiles there).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEAP_FLAGS } from './heap.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export interface HollowBenchOptions {
  only?: 'heartbeat' | 'pods';
  nodes: number;
  windowSeconds: number;
  podNodes: number;
  pods: number;
  clients: number;
  modes: Array<'process' | 'inprocess'>;
  /** `bare`: the server without controllers and scheduler (pods are bound by the bench itself). */
  controlPlane: 'full' | 'bare';
  /** Pods are created without nodeName, for the scheduler to bind. */
  schedule: boolean;
  /** Directory where the server and agent processes write `--cpu-prof` profiles. */
  profileDir?: string;
}

let profileArgs: string[] = [];

/** A child process's CPU time (s) and memory (MiB) from /proc. */
interface ProcSample {
  at: number;
  cpuSeconds: number;
  rssMiB: number;
  hwmMiB: number;
}

function sample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return {
    at: performance.now(),
    cpuSeconds: ticks / CLK_TCK,
    rssMiB: kib('VmRSS') / 1024,
    hwmMiB: kib('VmHWM') / 1024,
  };
}

function cores(a: ProcSample, b: ProcSample): number {
  return (b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000);
}

interface Child {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function startChild(
  args: string[],
  ready: RegExp,
  timeoutMs: number,
): Promise<Child & { match: RegExpExecArray }> {
  const proc = spawn(process.execPath, [...HEAP_FLAGS, ...profileArgs, ...args], {
    cwd: ROOT,
    env: { ...process.env, SKIFF_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const child: Child = {
    proc,
    output: () => out,
    stop: () =>
      new Promise((done) => {
        if (proc.exitCode !== null) return done();
        const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        proc.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        proc.kill('SIGTERM');
      }),
  };
  return new Promise((resolveChild, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = (): void => {
      const m = ready.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout.off('data', check);
      resolveChild({ ...child, match: m });
    };
    proc.stdout.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
}

/** Rejects with the tail of the child's output if it exits (a crash mid-run, say out of memory). */
function exited(c: Child, what: string): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (code: number | null): void =>
      reject(new Error(`${what} exited (${code}) during the run:\n${c.output().slice(-4000)}`));
    if (c.proc.exitCode !== null) fail(c.proc.exitCode);
    else c.proc.once('exit', fail);
  });
}

interface Server extends Child {
  url: URL;
  kubeconfig: string;
  dataDir: string;
}

async function startServer(extra: string[] = []): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-hollow-'));
  const c = await startChild(
    [
      join(ROOT, 'dist/cli/main.js'),
      'server',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      '--log-level',
      'warn',
      ...extra,
    ],
    /Skiff is ready at (http:\/\/\S+)/,
    120_000,
  );
  return {
    ...c,
    url: new URL(c.match[1]!),
    kubeconfig: join(dataDir, 'kubeconfig'),
    dataDir,
    stop: async () => {
      await c.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `skiff agent --hollow N`, from dist/. */
async function startAgent(
  kubeconfig: string,
  nodes: number,
  timeoutMs: number,
): Promise<Child & { readyMs: number }> {
  const started = performance.now();
  const c = await startChild(
    [
      join(ROOT, 'dist/cli/main.js'),
      'agent',
      '--hollow',
      String(nodes),
      '--kubeconfig',
      kubeconfig,
      '--log-level',
      'warn',
    ],
    /Hollow nodes ready/,
    timeoutMs,
  );
  return { ...c, readyMs: performance.now() - started };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(
  base: URL,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolveReply, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: body
          ? { 'content-type': 'application/json', accept: 'application/json' }
          : { accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolveReply({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 1): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Every Lease in kube-node-lease, read in pages. */
async function leaseAges(base: URL): Promise<number[]> {
  const ages: number[] = [];
  let cont = '';
  const now = Date.now();
  do {
    const r = await request(
      base,
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?limit=2000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
    );
    const list = JSON.parse(r.body) as {
      items: Array<{ spec?: { renewTime?: string } }>;
      metadata: { continue?: string };
    };
    for (const l of list.items)
      ages.push((now - Date.parse(l.spec?.renewTime ?? '1970-01-01T00:00:00Z')) / 1000);
    cont = list.metadata.continue ?? '';
  } while (cont);
  return ages.sort((a, b) => a - b);
}

async function heartbeat(o: HollowBenchOptions): Promise<string[]> {
  const server = await startServer();
  let hollow: Awaited<ReturnType<typeof startAgent>> | undefined;
  try {
    hollow = await startAgent(server.kubeconfig, o.nodes, 600_000);
    const pid = hollow.proc.pid!;
    // One full renewal round plus a little, so the window sees steady state.
    await sleep(12_000);
    const a = sample(pid);
    const sa = sample(server.proc.pid!);
    await sleep(o.windowSeconds * 1000);
    const b = sample(pid);
    const sb = sample(server.proc.pid!);
    const ages = await leaseAges(server.url);
    const fresh = ages.filter((x) => x <= 15).length;
    return [
      `| ${fmt(o.nodes, 0)} hollow nodes registered (agent start → all Nodes created) | ${fmt(hollow.readyMs / 1000)} s | | |`,
      `| agent CPU over ${o.windowSeconds} s of heartbeats | ${fmt(cores(a, b), 2)} cores | < 1 core | ${cores(a, b) < 1 ? 'met' : 'missed'} |`,
      `| agent RSS (peak) | ${fmt(b.rssMiB, 0)} MiB (${fmt(b.hwmMiB, 0)} MiB) | < 1 GiB | ${b.hwmMiB < 1024 ? 'met' : 'missed'} |`,
      `| Leases renewed in the last 15 s / max age | ${fmt(fresh, 0)} of ${fmt(ages.length, 0)} / ${fmt(ages[ages.length - 1] ?? NaN)} s | | |`,
      `| server CPU for ${fmt(o.nodes / 10, 0)} lease renewals/s | ${fmt(cores(sa, sb), 2)} cores | | |`,
    ];
  } finally {
    await hollow?.stop();
    await server.stop();
  }
}

function podBody(i: number, nodes: number, schedule: boolean): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `hp-${i}`, labels: { app: 'hollow-bench' } },
    spec: {
      ...(schedule ? {} : { nodeName: `hollow-node-${i % nodes}` }),
      containers: [
        {
          name: 'main',
          image: 'registry.example/app:1.0',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
  });
}

/** Watches pods entering status.phase=Running and records when each was first seen. */
function watchRunning(base: URL, rv: string, runningAt: Float64Array, onRunning: () => void): () => void {
  const req = http.request({
    host: base.hostname,
    port: base.port,
    path: `/api/v1/pods?watch=true&allowWatchBookmarks=true&fieldSelector=status.phase%3DRunning&resourceVersion=${rv}`,
    headers: { accept: 'application/json' },
  });
  req.on('response', (res) => {
    let partial = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const now = performance.now();
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const m = /"name":"hp-(\d+)"/.exec(line);
        if (!m) continue;
        const i = Number(m[1]);
        if (runningAt[i] === 0) {
          runningAt[i] = now;
          onRunning();
        }
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

async function podsRun(o: HollowBenchOptions, mode: 'process' | 'inprocess'): Promise<string[]> {
  const started = performance.now();
  const server = await startServer([
    ...(o.controlPlane === 'bare' ? ['--controllers=', '--scheduler=false'] : []),
    ...(mode === 'inprocess' ? ['--hollow-nodes', String(o.podNodes)] : []),
  ]);
  let hollow: Awaited<ReturnType<typeof startAgent>> | undefined;
  try {
    let readyMs: number;
    if (mode === 'process') {
      hollow = await startAgent(server.kubeconfig, o.podNodes, 300_000);
      readyMs = hollow.readyMs;
    } else {
      // A list with a selector reports no remainingItemCount (as upstream), so the whole list is counted.
      for (;;) {
        const r = await request(server.url, 'GET', '/api/v1/nodes?labelSelector=type%3Dhollow');
        if ((JSON.parse(r.body) as { items: unknown[] }).items.length >= o.podNodes) break;
        await sleep(500);
      }
      readyMs = performance.now() - started;
    }
    await sleep(2000);
    const pid = hollow ? hollow.proc.pid! : server.proc.pid!;
    const list = JSON.parse(
      (await request(server.url, 'GET', '/api/v1/namespaces/default/pods?limit=1')).body,
    ) as {
      metadata: { resourceVersion: string };
    };
    const createdAt = new Float64Array(o.pods);
    const runningAt = new Float64Array(o.pods);
    let running = 0;
    let allRunning: () => void = () => {};
    const done = new Promise<void>((r) => (allRunning = r));
    const stopWatch = watchRunning(server.url, list.metadata.resourceVersion, runningAt, () => {
      if (++running === o.pods) allRunning();
    });
    await sleep(500);
    const a = sample(pid);
    const sa = sample(server.proc.pid!);
    let peak = a.rssMiB;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, sample(pid).rssMiB);
      } catch {
        /* the process ended */
      }
    }, 1000);
    const t0 = performance.now();
    let next = 0;
    let failures = 0;
    await Promise.all(
      Array.from({ length: o.clients }, async () => {
        for (;;) {
          const i = next++;
          if (i >= o.pods) return;
          createdAt[i] = performance.now();
          const r = await request(
            server.url,
            'POST',
            '/api/v1/namespaces/default/pods',
            podBody(i, o.podNodes, o.schedule),
          );
          if (r.status !== 201) failures++;
        }
      }),
    );
    const createdMs = performance.now() - t0;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>(
      (r) => (timer = setTimeout(() => r('timeout'), Math.max(120_000, createdMs * 3))),
    );
    const crash = Promise.race([exited(server, 'server'), ...(hollow ? [exited(hollow, 'agent')] : [])]);
    crash.catch(() => {}); // the normal stop below ends both too
    const outcome = await Promise.race([done.then(() => 'done'), timeout, crash]);
    clearTimeout(timer);
    clearInterval(sampler);
    const b = sample(pid);
    const sb = sample(server.proc.pid!);
    stopWatch();
    const lat: number[] = [];
    let within60 = 0;
    let last = 0;
    for (let i = 0; i < o.pods; i++) {
      if (runningAt[i] === 0) continue;
      const l = runningAt[i]! - createdAt[i]!;
      lat.push(l);
      if (l <= 60_000) within60++;
      last = Math.max(last, runningAt[i]!);
    }
    lat.sort((x, y) => x - y);
    const where = mode === 'process' ? 'agent process' : 'server process (with the pool)';
    return [
      `| **${mode === 'process' ? 'agent in its own process, over HTTP' : 'agent inside the server (skiff server --hollow-nodes)'}** | | | |`,
      `| ${fmt(o.podNodes, 0)} hollow nodes ready | ${fmt(readyMs / 1000)} s | | |`,
      `| ${fmt(o.pods, 0)} pod creates (${o.clients} clients${o.schedule ? ', bound by the scheduler' : ', with nodeName'}) | ${fmt(createdMs / 1000)} s (${fmt(o.pods / (createdMs / 1000), 0)}/s)${failures ? `, ${failures} failed` : ''} | | |`,
      `| all Running, from the first create | ${outcome === 'done' ? `${fmt((last - t0) / 1000)} s` : `timeout: ${fmt(running, 0)} Running`} | | |`,
      `| create → Running (watch) p50 / p99 / max | ${fmt(pct(lat, 50) / 1000, 2)} s / ${fmt(pct(lat, 99) / 1000, 2)} s / ${fmt((lat[lat.length - 1] ?? NaN) / 1000, 2)} s | | |`,
      `| pods Running within 60 s of their creation | ${fmt(within60, 0)} of ${fmt(o.pods, 0)} | all | ${within60 === o.pods ? 'met' : 'missed'} |`,
      `| ${where} CPU during the run / RSS peak | ${fmt(cores(a, b), 2)} cores / ${fmt(Math.max(peak, b.rssMiB), 0)} MiB | | |`,
      ...(mode === 'process'
        ? [
            `| server CPU during the run / RSS peak | ${fmt(cores(sa, sb), 2)} cores / ${fmt(sb.hwmMiB, 0)} MiB | | |`,
          ]
        : []),
    ];
  } finally {
    await hollow?.stop();
    await server.stop();
  }
}

/** Runs the selected parts and returns Markdown table rows. */
export async function runHollowBench(o: HollowBenchOptions): Promise<string[]> {
  if (o.schedule && o.controlPlane === 'bare') throw new Error('--schedule needs --control-plane=full');
  profileArgs = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [];
  const rows = ['| measure | result | target | |', '|---|---|---|---|'];
  if (o.only !== 'pods') rows.push(...(await heartbeat(o)));
  if (o.only !== 'heartbeat') for (const mode of o.modes) rows.push(...(await podsRun(o, mode)));
  return rows;
}

export function hollowBenchOptions(argv: string[]): HollowBenchOptions {
  const args = new Map(
    argv.map((a) => {
      const [k, v] = a.replace(/^--/, '').split('=');
      return [k!, v ?? 'true'] as const;
    }),
  );
  const get = (k: string): string | undefined => args.get(`hollow-${k}`) ?? args.get(k);
  const mode = get('mode') ?? 'process';
  const only = get('only');
  const profileDir = get('profile');
  return {
    ...(only === 'heartbeat' || only === 'pods' ? { only } : {}),
    nodes: Number(get('nodes') ?? 10_000),
    windowSeconds: Number(get('window') ?? 30),
    podNodes: Number(get('pod-nodes') ?? 1000),
    pods: Number(get('pods') ?? 100_000),
    clients: Number(get('clients') ?? 32),
    modes: mode === 'both' ? ['process', 'inprocess'] : mode === 'inprocess' ? ['inprocess'] : ['process'],
    controlPlane: get('control-plane') === 'bare' ? 'bare' : 'full',
    schedule: get('schedule') === 'true',
    ...(profileDir ? { profileDir } : {}),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const o = hollowBenchOptions(process.argv.slice(2));
  const rows = await runHollowBench(o);
  process.stdout.write(
    `\n## Hollow nodes — ${new Date().toISOString().slice(0, 10)}\n\n${rows.join('\n')}\n`,
  );
  agent.destroy();
}
