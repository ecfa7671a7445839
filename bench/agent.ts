/**
 * @module `npm run bench:agent`: pod startup latency on the process runtime — `skiff up` (local agent in the
 * server process) as a child, N pods (default 100) created with nodeName over HTTP — all at once (20 create
 * calls in flight) and paced (10 pods/s) — the time from each create call to phase Running (and to Ready) as
 * seen by a watch, p50/p99/max, plus the server's CPU and RSS; then the hollow node figures of
 * bench/agent-hollow.ts. Flags: --pods=100, --concurrency=20, --rates=0,10 (pods/s, 0 = all at once),
 * --only=process|hollow, --warmup=N (pods started and deleted before the measured ones, so that the first
 * creates do not pay for the server's and agent's first-use costs; default 0), --profile=<dir> (the server
 * writes a CPU profile there when it stops), and
 * agent-hollow's flags for the hollow part.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../src/client/client.js';
import { NODES, PODS, type Pod } from '../src/client/resources.js';
import { HttpTransport } from '../src/client/transport.js';
import { HEAP_FLAGS } from './heap.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const N = Number(args.get('pods') ?? 100);
const CONCURRENCY = Number(args.get('concurrency') ?? 20);
const ONLY = args.get('only');
const RATES = (args.get('rates') ?? '0,10').split(',').map(Number);
const PROFILE_DIR = args.get('profile');
const WARMUP = Number(args.get('warmup') ?? 0);

function procSample(pid: number): { cpu: number; rssMiB: number; hwmMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return {
    cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK,
    rssMiB: kib('VmRSS') / 1024,
    hwmMiB: kib('VmHWM') / 1024,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function startUp(dataDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    [
      ...HEAP_FLAGS,
      ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE_DIR)}`] : []),
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'up',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, SKIFF_LOG_LEVEL: 'warn', SKIFF_STOP_PODS_ON_EXIT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`skiff up not ready:\n${out}`)), 60_000);
    proc.stdout.on('data', () => {
      const m = /Skiff is ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    proc.once('exit', (code) => rej(new Error(`skiff up exited with ${code}:\n${out}`)));
  });
  return { proc, url };
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (proc.exitCode !== null) return done();
    const t = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.once('exit', () => {
      clearTimeout(t);
      done();
    });
    proc.kill('SIGTERM');
  });
}

function benchPod(name: string, node: string, labels: Record<string, string>): Pod {
  return {
    metadata: { name, namespace: 'default', labels },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }],
    },
  };
}

/** Starts WARMUP pods (all at once), waits until they run, and deletes them. */
async function warmUp(client: KubeClient, node: string): Promise<void> {
  const selector = { namespace: 'default', labelSelector: 'bench=warmup' };
  await Promise.all(
    Array.from({ length: WARMUP }, (_, i) =>
      client.create(PODS, benchPod(`warmup-${i}`, node, { bench: 'warmup' })),
    ),
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const pods = await client.list(PODS, selector);
    if (pods.items.filter((p) => p.status?.phase === 'Running').length >= WARMUP) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await client.deleteCollection(PODS, { ...selector, gracePeriodSeconds: 1 });
  while (Date.now() < deadline && (await client.list(PODS, selector)).items.length > 0) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function processPods(rate: number): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-agent-'));
  const { proc, url } = await startUp(dataDir);
  const transport = new HttpTransport(url, { maxSockets: CONCURRENCY + 4 });
  const client = new KubeClient(transport, { fieldManager: 'bench' });
  try {
    const node = await (async () => {
      for (;;) {
        const nodes = await client.list(NODES);
        const n = nodes.items[0]?.metadata.name;
        if (n) return n;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    if (WARMUP > 0) await warmUp(client, node);
    const list = await client.list(PODS, { namespace: 'default' });
    const watch = await client.watch(PODS, {
      namespace: 'default',
      resourceVersion: list.metadata.resourceVersion,
      labelSelector: 'bench=agent',
    });
    const created = new Map<string, number>();
    const running = new Map<string, number>();
    const ready = new Map<string, number>();
    const watching = (async () => {
      for await (const ev of watch) {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
        const p = ev.object;
        const name = p.metadata.name!;
        const now = performance.now();
        if (p.status?.phase === 'Running' && !running.has(name)) running.set(name, now);
        if (
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
          !ready.has(name)
        ) {
          ready.set(name, now);
        }
        if (ready.size >= N) break;
      }
    })();
    const before = procSample(proc.pid!);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          const i = next++;
          if (rate > 0) {
            const due = t0 + (i * 1000) / rate;
            const wait = due - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          }
          const name = `bench-${i}`;
          const pod = benchPod(name, node, { bench: 'agent' });
          created.set(name, performance.now());
          await client.create(PODS, pod);
        }
      }),
    );
    const deadline = Date.now() + 120_000;
    while (ready.size < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const allMs = performance.now() - t0;
    const after = procSample(proc.pid!);
    watch.stop();
    await watching.catch(() => undefined);
    const lat = (m: Map<string, number>): number[] =>
      [...m].map(([name, t]) => t - created.get(name)!).sort((a, b) => a - b);
    const toRunning = lat(running);
    const toReady = lat(ready);
    const fmt = (v: number): string => `${Math.round(v)} ms`;
    const row = `| ${toRunning.length}/${N} | ${rate > 0 ? `${rate}/s` : `all at once (${CONCURRENCY} in flight)`} | ${fmt(percentile(toRunning, 50))} | ${fmt(percentile(toRunning, 99))} | ${fmt(toRunning.at(-1) ?? NaN)} | ${fmt(percentile(toReady, 99))} | ${fmt(allMs)} | ${(after.cpu - before.cpu).toFixed(1)} s | ${Math.round(after.rssMiB)} MiB (${Math.round(after.hwmMiB)} MiB) |`;
    // Clean up: every pod's processes end before the server stops (a stopped agent leaves pods running).
    await client.deleteCollection(PODS, {
      namespace: 'default',
      labelSelector: 'bench=agent',
      gracePeriodSeconds: 1,
    });
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      const left = await client.list(PODS, { namespace: 'default', labelSelector: 'bench=agent' });
      if (left.items.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return row;
  } finally {
    transport.close();
    await stop(proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const sections: string[] = [];
if (ONLY !== 'hollow') {
  const rows = [
    '| pods | created | Running p50 | Running p99 | Running max | Ready p99 | all Ready after | server CPU | server RSS (peak) |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const rate of RATES) rows.push(await processPods(rate));
  sections.push(`## Process pods: startup latency (create → Running, watched)\n\n${rows.join('\n')}`);
  process.stdout.write(`${sections.at(-1)}\n\n`);
}
if (ONLY !== 'process') {
  // The hollow node part lives beside this file; loaded by name so this part runs without it.
  const hollowModule = './agent-hollow.js';
  const hollow = (await import(hollowModule)) as {
    hollowBenchOptions(argv: string[]): unknown;
    runHollowBench(o: unknown): Promise<string[]>;
  };
  const rows = await hollow.runHollowBench(hollow.hollowBenchOptions(process.argv.slice(2)));
  sections.push(`## Hollow nodes\n\n${rows.join('\n')}`);
  process.stdout.write(`${sections.at(-1)}\n\n`);
}
process.stdout.write(
  `\n# bench:agent — ${new Date().toISOString().slice(0, 10)}\n\n${sections.join('\n\n')}\n`,
);
