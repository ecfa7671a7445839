/**
 * @module Scheduler benchmark (`npm run bench:scheduler`): an ApiServer on SQLite and the scheduler in one
 * process, as `skiff server` runs them: the scheduler in a worker thread over a MessagePort transport
 * (`--threads=false`: on the server's thread over the in-process transport). Creates N nodes, starts the
 * scheduler, then creates M pods (plain, with pod anti-affinity, or with topology spread) and reports pods/s
 * from the first create to the last bind, create-to-bound latency percentiles (as a pod watch on the server's
 * thread sees the binding), process CPU and the time spent in scheduling cycles. `--precreate` creates the pods
 * first and starts the scheduler afterwards, which measures scheduling and binding alone. `--cpu-prof` writes
 * a CPU profile of the measured part, `--alloc-prof` a sampling profile of what it allocated (collected
 * objects included).
 *
 *   npm run bench:scheduler                          # the matrix: 500/5,000 nodes × 10,000/50,000 pods × plain/anti-affinity
 *   npm run bench:scheduler -- --nodes=5000 --pods=50000 --mode=plain [--precreate] [--threads=false] [--cpu-prof|--alloc-prof]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { ApiServer } from '../src/apiserver/server.js';
import { KubeClient } from '../src/client/client.js';
import { NODES, PODS, type Node, type Pod } from '../src/client/resources.js';
import { InProcessTransport } from '../src/client/transport.js';
import { SchedulerCache } from '../src/scheduler/cache/cache.js';
import { Snapshot } from '../src/scheduler/cache/snapshot.js';
import { defaultConfiguration } from '../src/scheduler/config.js';
import { CycleState } from '../src/scheduler/framework/cycle-state.js';
import { inTreeRegistry } from '../src/scheduler/framework/registry.js';
import type { Pod as SchedPod } from '../src/scheduler/framework/types.js';
import { newProfiles } from '../src/scheduler/profile.js';
import { Nominator } from '../src/scheduler/queue/nominator.js';
import { PodScheduler } from '../src/scheduler/schedule-one.js';
import { EventRecorder } from '../src/scheduler/events.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { systemClock } from '../src/util/clock.js';
import { startThread, type RunningThread } from '../src/cli/threads.js';
import type { SchedulerStats } from '../src/scheduler/scheduler.js';
import { openStore } from '../src/storage/index.js';

type Mode = 'plain' | 'anti-affinity' | 'spread';
/** The scheduler's counters; with the scheduler in a thread, that thread's CPU time so far as well. */
type SchedStats = SchedulerStats & { eventsDropped: number; threadCpuMs?: number };

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const CONCURRENCY = Number(args.get('concurrency') ?? 256);
/** The scheduler in a worker thread, as `skiff server` runs it; `--threads=false` on the server's thread. */
const THREADS = args.get('threads') !== 'false';
const GROUP = Number(args.get('group') ?? 20);
const ZONES = 10;

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function nodeObject(i: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `node-${i}`,
      labels: {
        'kubernetes.io/hostname': `node-${i}`,
        'topology.kubernetes.io/zone': `zone-${i % ZONES}`,
        'kubernetes.io/os': 'linux',
      },
    },
    spec: {},
  };
}

const NODE_STATUS = {
  capacity: { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '500Gi' },
  allocatable: { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '500Gi' },
  conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
};

function podObject(i: number, mode: Mode): Pod {
  const group = `g${Math.floor(i / GROUP)}`;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${i}`, namespace: 'default', labels: { app: 'bench', group } },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'registry.example/app:1.0',
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
        },
      ],
    },
  };
  if (mode === 'anti-affinity') {
    pod.spec!.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { group } }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    };
  } else if (mode === 'spread') {
    pod.spec!.topologySpreadConstraints = [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { group } },
      },
    ];
  }
  return pod;
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

interface Result {
  nodes: number;
  pods: number;
  mode: Mode;
  precreate: boolean;
  podsPerSec: number;
  p50: number;
  p99: number;
  wallS: number;
  cpuS: number;
  /** With --precreate: process CPU from the scheduler's start to the last bind. */
  schedCpuS: number;
  cycleS: number;
  bindingInFlightMax: number;
  createPerSec: number;
  eventsDropped: number;
  /** CPU of the scheduler's thread over the measured run (NaN when it shares the server's thread). */
  schedulerThreadCpuS: number;
}

async function run(nodes: number, pods: number, mode: Mode, precreate: boolean): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-sched-'));
  const store = await openStore({
    kind: 'sqlite',
    path: join(dir, 'state.db'),
    options: { compactInterval: 0 },
  });
  const server = new ApiServer({ store, logger: pino({ level: 'silent' }) });
  await server.start();
  await server.ready();
  const client = new KubeClient(new InProcessTransport(server));
  try {
    await pool(nodes, 64, async (i) => {
      const created = await client.create(NODES, nodeObject(i));
      await client.updateStatus(NODES, { ...created, status: NODE_STATUS });
    });

    // Times create → bound as a pod watch on the server's thread sees the binding. Lines are scanned, not
    // parsed, to keep the measurement's own cost off the thread it measures.
    const created = new Float64Array(pods);
    const bound = new Float64Array(pods);
    let boundCount = 0;
    let allBound!: () => void;
    const done = new Promise<void>((r) => (allBound = r));
    const seenLine = (line: string): void => {
      if (!line.includes('"nodeName":"')) return;
      const m = /"name":"p(\d+)"/.exec(line);
      if (!m) return;
      const i = Number(m[1]);
      if (bound[i] !== 0) return;
      bound[i] = performance.now();
      if (++boundCount === pods) allBound();
    };
    const watchAbort = new AbortController();
    const watchTransport = new InProcessTransport(server);
    const watchStream = await watchTransport.stream({
      method: 'GET',
      path: '/api/v1/namespaces/default/pods',
      query: new URLSearchParams({ watch: 'true' }),
      signal: watchAbort.signal,
    });
    const watching = (async () => {
      try {
        for await (const line of watchStream.lines) seenLine(line);
      } catch {
        // Aborted at the end.
      }
    })();

    const stop = new AbortController();
    let running: Promise<void> | undefined;
    let stats: () => Promise<SchedStats | undefined>;
    let whereIs: (name: string) => string = () => 'unknown (the scheduler runs in a worker thread)';
    let startScheduler: () => Promise<void>;
    if (THREADS) {
      let thread: RunningThread | undefined;
      stats = async () => (await thread?.stats()) as SchedStats | undefined;
      startScheduler = async () => {
        thread = startThread({
          job: { kind: 'scheduler' },
          server,
          logger: pino({ level: 'silent' }),
          logLevel: 'silent',
        });
        running = stop.signal.aborted
          ? Promise.resolve()
          : new Promise<void>((r) =>
              stop.signal.addEventListener('abort', () => void thread!.stop().then(r)),
            );
        // Scheduling starts once its informers have synced; it has stats from then on.
        while ((await stats())?.cycleMs === undefined) await new Promise((r) => setTimeout(r, 10));
      };
    } else {
      const sched = new Scheduler({
        client,
        maxInFlightBindings: Number(args.get('in-flight') ?? 1000),
        ...(args.has('no-events')
          ? {
              events: new EventRecorder({
                sink: { create: async (e) => e, update: async () => {} },
                clock: systemClock,
                component: 'default-scheduler',
                instance: 'bench',
              }),
            }
          : {}),
      });
      stats = async () => ({ ...sched.stats, eventsDropped: sched.events.dropped });
      whereIs = (name) => {
        const pod = { metadata: { name, namespace: 'default' } } as SchedPod;
        return sched.queue.whereIs(pod) ?? 'not queued';
      };
      startScheduler = async () => {
        running = sched.run(stop.signal);
        while (sched.cache.nodeCount() < nodes) await new Promise((r) => setTimeout(r, 10));
      };
    }
    if (!precreate) await startScheduler();

    const profiler = args.has('cpu-prof') ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const allocProfiler = args.has('alloc-prof') ? new Session() : undefined;
    if (allocProfiler) {
      allocProfiler.connect();
      await allocProfiler.post('HeapProfiler.enable');
      await allocProfiler.post('HeapProfiler.startSampling', {
        samplingInterval: 32768,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    const cpu0 = process.cpuUsage();
    const threadCpu0 = (await stats())?.threadCpuMs;
    const t0 = performance.now();
    await pool(pods, CONCURRENCY, async (i) => {
      created[i] = performance.now();
      await client.create(PODS, podObject(i, mode));
    });
    const tCreated = performance.now();
    const cpuCreated = process.cpuUsage();
    if (precreate) {
      created.fill(tCreated);
      await startScheduler();
    }
    const tSched = precreate ? performance.now() : t0;
    // Fails with a diagnosis when binding stalls for 30 s.
    let lastCount = -1;
    let lastProgress = performance.now();
    let stallTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((_, reject) => {
        stallTimer = setInterval(() => {
          if (boundCount !== lastCount) {
            lastCount = boundCount;
            lastProgress = performance.now();
            return;
          }
          if (performance.now() - lastProgress < 30_000) return;
          const unbound: string[] = [];
          for (let i = 0; i < pods && unbound.length < 5; i++) if (bound[i] === 0) unbound.push(`p${i}`);
          const where = unbound.map((n) => `${n}: ${whereIs(n)}`);
          void stats().then((st) =>
            reject(
              new Error(
                `stalled at ${boundCount}/${pods} bound; stats ${JSON.stringify(st)}; ${where.join(', ')}`,
              ),
            ),
          );
        }, 1000);
      }),
    ]).finally(() => clearInterval(stallTimer));
    const tEnd = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const cpuSched = process.cpuUsage(cpuCreated);
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      const file = `scheduler-${nodes}-${pods}-${mode}.cpuprofile`;
      writeFileSync(file, JSON.stringify(profile));
      console.error(`CPU profile written to ${file}`);
    }
    if (allocProfiler) {
      const { profile } = await allocProfiler.post('HeapProfiler.stopSampling');
      const file = `scheduler-${nodes}-${pods}-${mode}.heapprofile`;
      writeFileSync(file, JSON.stringify(profile));
      console.error(`allocation profile written to ${file}`);
    }
    const st = await stats();
    const lat: number[] = [];
    for (let i = 0; i < pods; i++) lat.push(bound[i]! - created[i]!);
    lat.sort((a, b) => a - b);
    const wall = (tEnd - tSched) / 1000;
    const result: Result = {
      nodes,
      pods,
      mode,
      precreate,
      podsPerSec: pods / wall,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      wallS: wall,
      cpuS: (cpu.user + cpu.system) / 1e6,
      schedCpuS: (cpuSched.user + cpuSched.system) / 1e6,
      cycleS: (st?.cycleMs ?? NaN) / 1000,
      bindingInFlightMax: st?.maxInFlightBindings ?? NaN,
      createPerSec: pods / ((tCreated - t0) / 1000),
      eventsDropped: st?.eventsDropped ?? NaN,
      schedulerThreadCpuS:
        st?.threadCpuMs !== undefined && threadCpu0 !== undefined
          ? (st.threadCpuMs - threadCpu0) / 1000
          : NaN,
    };
    stop.abort();
    await running;
    watchAbort.abort();
    await watching;
    watchTransport.close();
    return result;
  } finally {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The scheduling cycle alone, without an API server: a cache of `nodes` nodes, `pods` cycles each assuming
 * its pod (as the scheduler does before binding). Prints cycles per second and µs per cycle.
 */
async function cyclesOnly(nodes: number, pods: number, mode: Mode): Promise<void> {
  const cache = new SchedulerCache({ clock: systemClock });
  for (let i = 0; i < nodes; i++) cache.addNode({ ...nodeObject(i), status: NODE_STATUS });
  const snapshot = new Snapshot();
  const profiles = newProfiles(defaultConfiguration(), inTreeRegistry(), {
    client: { bind: async () => {}, patchPod: async (p) => p, deletePod: async () => {} },
    snapshot: () => snapshot,
    namespaces: { get: () => undefined, list: () => [] },
    podDisruptionBudgets: () => [],
    nominator: new Nominator(),
    clock: systemClock,
  });
  const fwk = profiles.get('default-scheduler')!;
  const sched = new PodScheduler(snapshot);
  const profiler = args.has('cpu-prof') ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const t0 = performance.now();
  for (let i = 0; i < pods; i++) {
    const pod = {
      ...podObject(i, mode),
      metadata: { ...podObject(i, mode).metadata, uid: `u${i}` },
    } as unknown as SchedPod;
    cache.updateSnapshot(snapshot);
    const state = new CycleState();
    const r = sched.schedulePod(fwk, state, pod);
    const assumed = { ...pod, spec: { ...pod.spec!, nodeName: r.suggestedHost } };
    cache.assumePod(assumed);
    fwk.runReservePluginsReserve(state, assumed, r.suggestedHost);
  }
  const s = (performance.now() - t0) / 1000;
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    const file = `cycles-${nodes}-${pods}-${mode}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    console.error(`CPU profile written to ${file}`);
  }
  console.log(
    `cycles only: ${nodes.toLocaleString('en-US')} nodes | ${pods.toLocaleString('en-US')} pods | ${mode} | ${Math.round(pods / s).toLocaleString('en-US')} cycles/s | ${((s * 1e6) / pods).toFixed(0)} µs/cycle`,
  );
}

function fmt(r: Result): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return [
    `${n(r.nodes)} nodes`,
    `${n(r.pods)} pods`,
    r.mode + (r.precreate ? ' (pre-created)' : ''),
    `${n(r.podsPerSec)} pods/s`,
    `p50 ${r.p50.toFixed(0)} ms`,
    `p99 ${r.p99.toFixed(0)} ms`,
    `wall ${r.wallS.toFixed(1)} s`,
    `process CPU ${r.cpuS.toFixed(1)} s` +
      (r.precreate ? ` (${((r.schedCpuS * 1e6) / r.pods).toFixed(0)} µs/pod after the creates)` : ''),
    ...(Number.isNaN(r.schedulerThreadCpuS)
      ? []
      : [
          `scheduler thread CPU ${r.schedulerThreadCpuS.toFixed(1)} s (${((r.schedulerThreadCpuS * 1e6) / r.pods).toFixed(0)} µs/pod)`,
        ]),
    `scheduling cycles ${r.cycleS.toFixed(1)} s (${((r.cycleS * 1e6) / r.pods).toFixed(0)} µs/pod)`,
    `creates ${n(r.createPerSec)}/s`,
    `max bindings in flight ${n(r.bindingInFlightMax)}`,
    `events dropped ${n(r.eventsDropped)}`,
  ].join(' | ');
}

async function main(): Promise<void> {
  const precreate = args.has('precreate');
  const cases: Array<[number, number, Mode]> = [];
  if (args.has('nodes') || args.has('pods') || args.has('mode')) {
    cases.push([
      Number(args.get('nodes') ?? 5000),
      Number(args.get('pods') ?? 50_000),
      (args.get('mode') ?? 'plain') as Mode,
    ]);
  } else {
    for (const [nodes, pods] of [
      [500, 10_000],
      [5000, 50_000],
    ] as const) {
      for (const mode of ['plain', 'anti-affinity'] as const) cases.push([nodes, pods, mode]);
    }
  }
  for (const [nodes, pods, mode] of cases) {
    if (args.has('cycles-only')) {
      await cyclesOnly(nodes, pods, mode);
      continue;
    }
    const r = await run(nodes, pods, mode, precreate);
    console.log(fmt(r));
  }
}

await main();
