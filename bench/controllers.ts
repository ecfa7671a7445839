/**
 * @module Controller benchmark (`npm run bench:controllers`). A child process runs the cluster: an ApiServer
 * on SQLite, the scheduler, and a pool of hollow nodes, all over the in-process transport. This process runs
 * only the ReplicaSet and Deployment controllers, over HTTP, so its CPU time is the controllers' (plus
 * their informers' decoding). Measured:
 *  1. a Deployment scaled from 0 to --replicas (default 10,000): time until every pod exists, until every
 *     pod is Running and Ready, until the rollout is complete; controller CPU; the cluster's CPU;
 *  2. a rolling update (image change, default maxSurge/maxUnavailable 25%) of a --rolling (1,000) replica
 *     Deployment: time until complete, controller CPU.
 *
 *   npm run bench:controllers -- [--replicas=10000] [--nodes=200] [--rolling=1000]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ApiServer } from '../src/apiserver/server.js';
import { KubeClient } from '../src/client/client.js';
import { SharedInformerFactory } from '../src/client/informer/factory.js';
import { deletedObject } from '../src/client/informer/shared-informer.js';
import { DEPLOYMENTS, NAMESPACES, type Deployment, type Pod } from '../src/client/resources.js';
import { HttpTransport, InProcessTransport } from '../src/client/transport.js';
import { DeploymentController } from '../src/controllers/deployment/deployment-controller.js';
import { ReplicaSetController } from '../src/controllers/replicaset/replicaset-controller.js';
import { clientEventSink, EventRecorder } from '../src/controllers/runtime/event-recorder.js';
import { HollowPool } from '../src/node/hollow/pool.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { openStore } from '../src/storage/index.js';
import { HEAP_FLAGS } from './heap.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const NODES = Number(args.get('nodes') ?? 200);
const REPLICAS = Number(args.get('replicas') ?? 10_000);
const ROLLING = Number(args.get('rolling') ?? 1_000);
const NS = 'bench';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The child: API server, scheduler and hollow nodes in one process; prints its URL once ready. */
async function runCluster(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-ctrl-'));
  const store = await openStore({
    kind: 'sqlite',
    path: join(dir, 'state.db'),
    options: { compactInterval: 0 },
  });
  const server = new ApiServer({ store, logger: pino({ level: 'silent' }) });
  await server.start();
  await server.ready();
  const { port } = await server.listen('127.0.0.1', 0);
  const inProcess = (fm: string): KubeClient =>
    new KubeClient(new InProcessTransport(server), { fieldManager: fm });
  const pool = new HollowPool({ client: inProcess('skiff-hollow'), count: NODES });
  pool.start();
  await pool.waitForRegistration();
  const stop = new AbortController();
  const scheduler = new Scheduler({ client: inProcess('skiff-scheduler') });
  const scheduling = scheduler.run(stop.signal);
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
  await new Promise<void>((done) => process.once('SIGTERM', () => done()));
  stop.abort();
  await scheduling;
  await pool.stop();
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function startCluster(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(
    process.execPath,
    [...HEAP_FLAGS, '--import', 'tsx', fileURLToPath(import.meta.url), '--role=cluster', `--nodes=${NODES}`],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolveUrl(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`cluster exited with ${code}`)));
  });
  return { url, proc };
}

function deployment(name: string, replicas: number): Deployment {
  return {
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.9' }] },
      },
    },
  };
}

function complete(d: Deployment | undefined, replicas: number): boolean {
  const s = d?.status;
  return (
    !!d &&
    (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (s?.updatedReplicas ?? 0) === replicas &&
    (s?.replicas ?? 0) === replicas &&
    (s?.availableReplicas ?? 0) === replicas
  );
}

function isRunningReady(p: Pod): boolean {
  return (
    p.status?.phase === 'Running' &&
    (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

async function waitFor(what: string, pred: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!pred()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now();
}

async function main(): Promise<void> {
  if (args.get('role') === 'cluster') {
    await runCluster();
    return;
  }
  console.log(
    `controllers benchmark: ${NODES} hollow nodes, scale 0 -> ${REPLICAS}, rolling update of ${ROLLING}`,
  );
  const { url, proc } = await startCluster();
  const transport = new HttpTransport(url);
  const client = new KubeClient(transport, { fieldManager: 'kube-controller-manager' });
  const informers = new SharedInformerFactory(client);
  const recorder = (c: string): EventRecorder =>
    new EventRecorder({ sink: clientEventSink(client), component: c });
  const rsc = new ReplicaSetController({ client, informers, recorder: recorder('replicaset-controller') });
  const dc = new DeploymentController({ client, informers, recorder: recorder('deployment-controller') });

  // Pod counters per app label, from the controllers' own pod informer.
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  const bump = (m: Map<string, number>, app: string | undefined, by: number): void => {
    if (app) m.set(app, (m.get(app) ?? 0) + by);
  };
  rsc.podInformer.addEventHandler({
    onAdd: (p) => {
      bump(created, p.metadata.labels?.['app'], 1);
      if (isRunningReady(p)) bump(running, p.metadata.labels?.['app'], 1);
    },
    onUpdate: (o, p) => {
      const was = isRunningReady(o);
      const is = isRunningReady(p);
      if (is && !was) bump(running, p.metadata.labels?.['app'], 1);
      if (was && !is) bump(running, p.metadata.labels?.['app'], -1);
    },
    onDelete: (obj) => {
      const p = deletedObject(obj);
      bump(created, p.metadata.labels?.['app'], -1);
      if (isRunningReady(p)) bump(running, p.metadata.labels?.['app'], -1);
    },
  });

  const stop = new AbortController();
  informers.start(stop.signal);
  await informers.waitForCacheSync();
  const runs = [rsc.run(stop.signal), dc.run(stop.signal)];
  await client.create(NAMESPACES, { metadata: { name: NS } });
  const get = (name: string): Deployment | undefined => dc.dInformer.store.getByName(NS, name);

  try {
    // 1. scale 0 -> REPLICAS
    await client.create(DEPLOYMENTS, deployment('big', 0));
    await waitFor('big observed', () => complete(get('big'), 0), 30_000);
    const cpu0 = ownCpuSeconds();
    const cluster0 = cpuSecondsOf(proc.pid!);
    const t0 = performance.now();
    await client.patch(
      DEPLOYMENTS,
      'big',
      { spec: { replicas: REPLICAS } },
      { type: 'merge', namespace: NS },
    );
    const tCreated = await waitFor(
      'all pods created',
      () => (created.get('big') ?? 0) >= REPLICAS,
      1_800_000,
    );
    const cpuCreated = ownCpuSeconds();
    const tRunning = await waitFor(
      'all pods running',
      () => (running.get('big') ?? 0) >= REPLICAS,
      1_800_000,
    );
    const tComplete = await waitFor('rollout complete', () => complete(get('big'), REPLICAS), 1_800_000);
    const cpu1 = ownCpuSeconds();
    const cluster1 = cpuSecondsOf(proc.pid!);
    const s = (a: number, b: number): string => ((b - a) / 1000).toFixed(1);
    console.log(`\nscale 0 -> ${REPLICAS}`);
    console.log(
      `  all pods created      ${s(t0, tCreated)} s  (${(REPLICAS / ((tCreated - t0) / 1000)).toFixed(0)} pods/s)`,
    );
    console.log(`  all pods Running      ${s(t0, tRunning)} s`);
    console.log(`  rollout complete      ${s(t0, tComplete)} s`);
    console.log(
      `  controllers CPU       ${(cpu1 - cpu0).toFixed(1)} s (${(cpuCreated - cpu0).toFixed(1)} s until created; ${((cpu1 - cpu0) / ((tComplete - t0) / 1000)).toFixed(2)} cores)`,
    );
    console.log(
      `  cluster CPU           ${(cluster1 - cluster0).toFixed(1)} s (API server, scheduler, hollow nodes)`,
    );

    // 2. rolling update of ROLLING pods
    await client.create(DEPLOYMENTS, deployment('roll', ROLLING));
    await waitFor('roll ready', () => complete(get('roll'), ROLLING), 1_800_000);
    const cpu2 = ownCpuSeconds();
    const cluster2 = cpuSecondsOf(proc.pid!);
    const t2 = performance.now();
    await client.patch(
      DEPLOYMENTS,
      'roll',
      {
        spec: { template: { spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] } } },
      },
      { type: 'strategic', namespace: NS },
    );
    await waitFor('new generation observed', () => (get('roll')?.metadata.generation ?? 0) > 1, 30_000);
    const t3 = await waitFor('rolling update complete', () => complete(get('roll'), ROLLING), 1_800_000);
    const cpu3 = ownCpuSeconds();
    const cluster3 = cpuSecondsOf(proc.pid!);
    console.log(`\nrolling update of ${ROLLING} (maxSurge 25%, maxUnavailable 25%)`);
    console.log(`  rollout complete      ${s(t2, t3)} s`);
    console.log(`  controllers CPU       ${(cpu3 - cpu2).toFixed(1)} s`);
    console.log(`  cluster CPU           ${(cluster3 - cluster2).toFixed(1)} s`);
    console.log(`\ncontroller process RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  } finally {
    stop.abort();
    await Promise.all(runs);
    await informers.shutdown();
    transport.close();
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
