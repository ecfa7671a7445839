/**
 * @module API server benchmark (`npm run bench:api`): raw SQLite baseline, pod creates over HTTP from
 * 64 concurrent clients, gets, label-selector LIST over 100k pods, watch fan-out to 1,000 watchers,
 * cold start and idle RSS. Runs skiff from dist/ as a child process, as a user would.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEAP_FLAGS } from './heap.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const PODS = Number(args.get('pods') ?? 100_000);
const CLIENTS = Number(args.get('clients') ?? 64);
const WATCHERS = Number(args.get('watchers') ?? 1000);
const BASELINE_ROWS = Number(args.get('baseline-rows') ?? 20_000);
/** The API server alone by default; --control-loops adds the in-process scheduler and controllers. */
const CONTROL_LOOPS = args.get('control-loops') === 'true';
/** --creates-only stops after the create measurement (quick iterations). */
const CREATES_ONLY = args.get('creates-only') === 'true';
/** --cpu-prof=DIR writes a CPU profile of the server to DIR when it exits. */
const CPU_PROF = args.get('cpu-prof');

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function ms(n: number): string {
  return `${n.toFixed(2)} ms`;
}

function rate(n: number, seconds: number): string {
  return `${Math.round(n / seconds).toLocaleString('en-US')}/s`;
}

/** ~2 KB pod, like a small real one. */
function podBody(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `p${i}`,
      labels: { app: 'bench', group: `g${i % 100}`, tier: i % 2 ? 'web' : 'db' },
      annotations: { 'bench.skiff.dev/note': 'x'.repeat(600) },
    },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'registry.example/app:1.0',
          command: ['/bin/app', '--port=8080'],
          ports: [{ containerPort: 8080, name: 'http' }],
          env: [
            { name: 'MODE', value: 'bench' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
        },
      ],
      automountServiceAccountToken: false,
    },
  });
}

interface Reply {
  status: number;
  body: string;
}

function request(base: URL, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: body
          ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolveReply({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function baseline(dir: string): { perRow: number } {
  const db = new Database(join(dir, 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
  const value = 'x'.repeat(2048);
  const start = performance.now();
  for (let i = 0; i < BASELINE_ROWS; i++) insert.run(`/registry/core/pods/bench/p${i}`, value);
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return { perRow: BASELINE_ROWS / seconds };
}

async function startSkiff(dataDir: string): Promise<{ child: ChildProcess; url: URL; coldStartMs: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...HEAP_FLAGS,
      ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(CPU_PROF)}`] : []),
      join(ROOT, 'dist/cli/main.js'),
      'server',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      ...(CONTROL_LOOPS ? [] : ['--controllers=', '--scheduler=false']),
    ],
    {
      env: { ...process.env, SKIFF_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const url = await new Promise<URL>((resolveUrl, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m) resolveUrl(new URL(m[1]!));
    });
    child.once('exit', (code) => reject(new Error(`skiff exited ${code}`)));
  });
  for (;;) {
    const r = await request(url, 'GET', '/readyz').catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((r2) => setTimeout(r2, 2));
  }
  return { child, url, coldStartMs: performance.now() - started };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

async function createPods(url: URL, ns: string, from: number, to: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next++;
      const body = podBody(i);
      const t = performance.now();
      const r = await request(url, 'POST', `/api/v1/namespaces/${ns}/pods`, body);
      latencies.push(performance.now() - t);
      if (r.status !== 201) throw new Error(`create p${i}: ${r.status} ${r.body.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return latencies.sort((a, b) => a - b);
}

async function gets(
  url: URL,
  ns: string,
  count: number,
  seconds: number,
): Promise<{ n: number; lat: number[] }> {
  const lat: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const i = Math.floor(Math.random() * count);
      const t = performance.now();
      const r = await request(url, 'GET', `/api/v1/namespaces/${ns}/pods/p${i}`);
      lat.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`get p${i}: ${r.status}`);
      n++;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return { n, lat: lat.sort((a, b) => a - b) };
}

/** Opens `count` watches and measures, for `changes` writes, the delay until every watcher saw each. */
async function watchFanout(url: URL, ns: string, count: number, changes: number): Promise<number[]> {
  const list = await request(url, 'GET', `/api/v1/namespaces/${ns}/configmaps`);
  const rv = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const waiting = new Map<string, { sent: number; pending: number; resolve: () => void }>();
  const delays: number[] = [];
  const requests: http.ClientRequest[] = [];
  let open = 0;
  await new Promise<void>((allOpen) => {
    for (let w = 0; w < count; w++) {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`,
        },
        (res) => {
          if (++open === count) allOpen();
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              const name = (JSON.parse(line) as { object: { metadata: { name: string } } }).object.metadata
                .name;
              const wait = waiting.get(name);
              if (wait) {
                delays.push(performance.now() - wait.sent);
                if (--wait.pending === 0) wait.resolve();
              }
            }
          });
        },
      );
      req.on('error', () => {});
      req.end();
      requests.push(req);
    }
  });
  for (let c = 0; c < changes; c++) {
    const name = `fanout-${c}`;
    const done = new Promise<void>((resolveDone) => {
      waiting.set(name, { sent: performance.now(), pending: count, resolve: resolveDone });
    });
    const r = await request(
      url,
      'POST',
      `/api/v1/namespaces/${ns}/configmaps`,
      JSON.stringify({ metadata: { name }, data: { k: 'v' } }),
    );
    if (r.status !== 201) throw new Error(`fan-out create: ${r.status}`);
    await done;
  }
  for (const r of requests) r.destroy();
  return delays.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
  const lines: string[] = [];
  const report = (label: string, value: string): void => {
    const line = `${label.padEnd(48)} ${value}`;
    lines.push(line);
    console.log(line);
  };
  try {
    console.log(
      `bench:api  pods=${PODS} clients=${CLIENTS} watchers=${WATCHERS}` +
        `${CONTROL_LOOPS ? ' with control loops' : ''}  (${new Date().toISOString()})`,
    );
    const base = baseline(dir);
    report('raw SQLite 2 KB writes, one txn per row', rate(base.perRow, 1));

    const { child, url, coldStartMs } = await startSkiff(join(dir, 'data'));
    report('cold start to /readyz', ms(coldStartMs));
    await new Promise((r) => setTimeout(r, 2000));
    report('idle RSS after start', `${rssMb(child.pid!).toFixed(0)} MB`);

    const ns = 'bench';
    await request(url, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: ns } }));
    const warm = 2000;
    await createPods(url, ns, 0, warm);
    const cpu0 = cpuSeconds(child.pid!);
    const gen0 = process.cpuUsage();
    const t0 = performance.now();
    const createCount = Math.min(PODS, 40_000) - warm;
    const lat = await createPods(url, ns, warm, warm + createCount);
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(child.pid!) - cpu0;
    const gen = process.cpuUsage(gen0);
    const creates = createCount / secs;
    report(
      `pod creates over HTTP, ${CLIENTS} clients`,
      `${rate(createCount, secs)} (${((creates / base.perRow) * 100).toFixed(0)} % of raw SQLite)`,
    );
    report('  create latency p50 / p99', `${ms(pct(lat, 50))} / ${ms(pct(lat, 99))}`);
    report('  server CPU per create', `${((cpu / createCount) * 1e6).toFixed(0)} µs`);
    report('  load generator CPU per create', `${((gen.user + gen.system) / createCount).toFixed(0)} µs`);
    if (CREATES_ONLY) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      return;
    }

    if (PODS > warm + createCount) {
      const t1 = performance.now();
      await createPods(url, ns, warm + createCount, PODS);
      report(
        `  filled to ${PODS.toLocaleString('en-US')} pods`,
        `${((performance.now() - t1) / 1000).toFixed(1)} s more`,
      );
    }

    const g = await gets(url, ns, PODS, 5);
    report(
      `gets over HTTP, ${CLIENTS} clients`,
      `${rate(g.n, 5)} (p50 ${ms(pct(g.lat, 50))}, p99 ${ms(pct(g.lat, 99))})`,
    );

    const listLat: number[] = [];
    let listed = 0;
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      const r = await request(url, 'GET', `/api/v1/namespaces/${ns}/pods?labelSelector=group%3Dg${i % 100}`);
      listLat.push(performance.now() - t);
      listed = (JSON.parse(r.body) as { items: unknown[] }).items.length;
    }
    listLat.sort((a, b) => a - b);
    report(
      `LIST by label of ${PODS.toLocaleString('en-US')} pods (${listed} match)`,
      `p50 ${ms(pct(listLat, 50))}, p99 ${ms(pct(listLat, 99))}`,
    );
    const fullLat: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await request(url, 'GET', `/api/v1/namespaces/${ns}/pods?limit=500`);
      fullLat.push(performance.now() - t);
    }
    fullLat.sort((a, b) => a - b);
    report('LIST first page (limit=500) of all pods', `p50 ${ms(pct(fullLat, 50))}`);

    const fan = await watchFanout(url, ns, WATCHERS, 10);
    report(
      `watch delivery to ${WATCHERS} watchers (10 changes)`,
      `p50 ${ms(pct(fan, 50))}, p99 ${ms(pct(fan, 99))}`,
    );
    report('RSS with data loaded', `${rssMb(child.pid!).toFixed(0)} MB`);

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
