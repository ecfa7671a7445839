/**
 * @module Command-line side of hollow nodes: `skiff agent --hollow N ...` (a pool in its own process, over
 * HTTP) and the `--hollow-*` flags of `skiff up` / `skiff server` (a pool inside the server process).
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import type * as api from '../../api/openapi/generated/types.js';
import { Quantity } from '../../api/quantity.js';
import { KubeClient } from '../../client/client.js';
import { loadKubeconfig } from '../../client/kubeconfig.js';
import { HttpTransport, InProcessTransport } from '../../client/transport.js';
import type { ApiServer } from '../../apiserver/server.js';
import { MAX_HOLLOW_NODES, podBlockBits } from './ip-pool.js';
import { loadNodeTemplates } from './node-template.js';
import { HollowPool, type HollowPoolOptions } from './pool.js';
import { parseUsage, resourceMetricsText } from './usage.js';

/** A pool's settings as flags give them (everything but the client). */
export type HollowFlags = Omit<HollowPoolOptions, 'client' | 'podInformer' | 'clock' | 'logger'> & {
  /** Port of the usage metrics endpoint, if any. */
  metricsPort?: number;
};

/** Flags shared by both forms; in `skiff up`/`server` each is spelled `--hollow-<name>`. */
const VALUE_FLAGS = [
  'name-prefix',
  'node-template',
  'zones',
  'cpu',
  'memory',
  'pods',
  'ephemeral-storage',
  'gpus',
  'gpu-memory',
  'node-labels',
  'register-with-taints',
  'usage-cpu',
  'usage-memory',
  'pod-workers',
  'node-workers',
  'metrics-port',
] as const;

type ValueFlag = (typeof VALUE_FLAGS)[number];

export const HOLLOW_AGENT_USAGE = `usage: skiff agent --hollow N [flags]

Runs N simulated nodes (hollow nodes) in this process against the API server of --kubeconfig. Each
registers a Node (label type=hollow, annotation skiff.dev/node=hollow) and renews its Lease; pods bound to
them go Running and Ready without processes.

flags:
  --kubeconfig FILE             cluster to join (default $KUBECONFIG, else ./.skiff/kubeconfig)
  --name-prefix P               node names are P0, P1, ... (default hollow-node-)
  --node-template FILE          YAML Node object(s) to start from; several documents are used round-robin
  --zones a,b,c                 topology.kubernetes.io/zone, round-robin
  --cpu Q --memory Q --pods N --ephemeral-storage Q
                                capacity (default 32, 256Gi, 110, 100Gi)
  --gpus N --gpu-memory Q       N GPUs of Q memory each (nvidia.com/gpu, koordinator.sh/gpu-memory, gpu-core)
  --node-labels k=v,...         extra labels
  --register-with-taints k=v:Effect,...  taints to register with
  --hollow-taint                add the taint skiff.dev/node=hollow:NoSchedule
  --usage-cpu X --usage-memory X  simulated usage of pods without skiff.dev/usage-* annotations:
                                a quantity or a percentage of requests (default 50%)
  --pod-workers N --node-workers N  concurrent pod / node+lease writes (default 32 / 16)
  --metrics-port P              serve /metrics/nodes/<node>/metrics/resource (simulated usage) on P
  --log-level LEVEL             trace, debug, info, warn, error (default info)

pod annotations: skiff.dev/complete-after, skiff.dev/fail-after (e.g. 30s): containers exit 0 / 1 after
running that long (restartPolicy decides what follows); skiff.dev/usage-cpu, skiff.dev/usage-memory.
`;

/** The `--hollow-*` flags of `skiff up` / `skiff server`, for their usage text. */
export const HOLLOW_SERVER_USAGE = `hollow nodes (up, server):
  --hollow-nodes N              run N hollow nodes in the server process (see skiff agent --help)
  --hollow-<flag> ...           any flag of skiff agent --hollow, e.g. --hollow-zones a,b --hollow-gpus 2
`;

function flagName(base: ValueFlag | 'taint' | 'count', server: boolean): string {
  if (base === 'count') return server ? 'hollow-nodes' : 'hollow';
  if (base === 'taint') return 'hollow-taint';
  return server ? `hollow-${base}` : base;
}

/**
 * Takes the `--hollow-*` flags out of a server command line: returns the rest, and the hollow settings
 * when `--hollow-nodes` asks for a pool (undefined otherwise).
 */
export function splitHollowFlags(argv: string[]): { hollow: HollowFlags | undefined; rest: string[] } {
  const rest: string[] = [];
  const mine: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--hollow-')) {
      rest.push(a);
      continue;
    }
    mine.push(a);
    if (a === '--hollow-taint' || a.includes('=')) continue;
    if (i + 1 < argv.length) mine.push(argv[++i]!);
  }
  if (mine.length === 0) return { hollow: undefined, rest };
  const values = parseFlagValues(mine, true);
  if (values.count === undefined) throw new Error('--hollow-* flags need --hollow-nodes N');
  return { hollow: hollowFlagsFrom(values, true), rest };
}

interface RawValues {
  count?: string;
  taint: boolean;
  values: Partial<Record<ValueFlag, string>>;
  extra: Record<string, string | boolean | undefined>;
}

function parseFlagValues(
  argv: string[],
  server: boolean,
  extra: Record<string, 'string' | 'boolean'> = {},
): RawValues {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    [flagName('count', server)]: { type: 'string' },
    [flagName('taint', server)]: { type: 'boolean' },
  };
  for (const f of VALUE_FLAGS) options[flagName(f, server)] = { type: 'string' };
  for (const [k, type] of Object.entries(extra)) options[k] = { type };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const v = values as Record<string, string | boolean | undefined>;
  const out: RawValues = {
    count: v[flagName('count', server)] as string | undefined,
    taint: v[flagName('taint', server)] === true,
    values: {},
    extra: {},
  };
  for (const f of VALUE_FLAGS) {
    const x = v[flagName(f, server)];
    if (typeof x === 'string') out.values[f] = x;
  }
  for (const k of Object.keys(extra)) out.extra[k] = v[k];
  return out;
}

function positiveInt(flag: string, v: string, min = 1): number {
  if (!/^\d+$/.test(v) || Number(v) < min) {
    throw new Error(`--${flag} must be an integer of at least ${min}, got "${v}"`);
  }
  return Number(v);
}

function quantity(flag: string, v: string): string {
  try {
    return Quantity.parse(v).toString();
  } catch {
    throw new Error(`--${flag} must be a quantity (e.g. 16Gi, 500m), got "${v}"`);
  }
}

/** `k=v,k2=v2`. */
export function parseLabels(flag: string, v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    if (!part) continue;
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`--${flag}: expected key=value, got "${part}"`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

const TAINT_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** The kubelet's --register-with-taints form: `key[=value]:Effect,...`. */
export function parseTaints(flag: string, v: string): api.Taint[] {
  const out: api.Taint[] = [];
  for (const part of v.split(',')) {
    if (!part) continue;
    const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(part);
    if (!m || !TAINT_EFFECTS.has(m[3]!)) {
      throw new Error(`--${flag}: expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute, got "${part}"`);
    }
    out.push({ key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3]! });
  }
  return out;
}

function hollowFlagsFrom(raw: RawValues, server: boolean): HollowFlags {
  const name = (f: ValueFlag | 'count'): string => flagName(f, server);
  const v = raw.values;
  const count = positiveInt(name('count'), raw.count ?? '', 0);
  if (count > MAX_HOLLOW_NODES)
    throw new Error(`--${name('count')}: at most ${MAX_HOLLOW_NODES} hollow nodes`);
  const capacity: Record<string, string> = {};
  for (const r of ['cpu', 'memory', 'ephemeral-storage'] as const) {
    const x = v[r];
    if (x !== undefined) capacity[r] = quantity(name(r), x);
  }
  if (v.pods !== undefined) capacity['pods'] = String(positiveInt(name('pods'), v.pods));
  const out: HollowFlags = {
    count,
    namePrefix: v['name-prefix'] ?? 'hollow-node-',
    templates: v['node-template'] ? loadNodeTemplates(v['node-template']) : [],
    capacity,
    zones: v.zones ? v.zones.split(',').filter(Boolean) : [],
    labels: v['node-labels'] ? parseLabels(name('node-labels'), v['node-labels']) : {},
    taints: v['register-with-taints']
      ? parseTaints(name('register-with-taints'), v['register-with-taints'])
      : [],
    taintHollow: raw.taint,
    podBlockBits: podBlockBits(count),
  };
  if (!/^[a-z0-9]([-a-z0-9.]*)?$/.test(out.namePrefix ?? '')) {
    throw new Error(`--${name('name-prefix')}: "${out.namePrefix}" cannot start a node name`);
  }
  if (v.gpus !== undefined) {
    out.gpus = {
      count: positiveInt(name('gpus'), v.gpus, 0),
      memoryPerDevice: quantity(name('gpu-memory'), v['gpu-memory'] ?? '16Gi'),
    };
  } else if (v['gpu-memory'] !== undefined)
    throw new Error(`--${name('gpu-memory')} needs --${name('gpus')}`);
  const usageCpu = v['usage-cpu'];
  const usageMemory = v['usage-memory'];
  if (usageCpu !== undefined || usageMemory !== undefined) {
    for (const [f, x, unit] of [
      ['usage-cpu', usageCpu, 'milli'],
      ['usage-memory', usageMemory, 'value'],
    ] as const) {
      if (x !== undefined && !parseUsage(x, unit)) {
        throw new Error(`--${name(f)} must be a quantity or a percentage, got "${x}"`);
      }
    }
    out.usage = { cpu: usageCpu ?? '50%', memory: usageMemory ?? '50%' };
  }
  if (v['pod-workers'] !== undefined) out.podWorkers = positiveInt(name('pod-workers'), v['pod-workers']);
  if (v['node-workers'] !== undefined) out.nodeWorkers = positiveInt(name('node-workers'), v['node-workers']);
  if (v['metrics-port'] !== undefined)
    out.metricsPort = positiveInt(name('metrics-port'), v['metrics-port'], 0);
  return out;
}

/** Flags of `skiff agent --hollow N`. */
export interface HollowAgentFlags {
  hollow: HollowFlags;
  kubeconfig: string;
  context?: string;
  logLevel: string;
}

export function parseHollowAgentFlags(argv: string[]): HollowAgentFlags {
  const raw = parseFlagValues(argv, false, {
    kubeconfig: 'string',
    context: 'string',
    'log-level': 'string',
  });
  if (raw.count === undefined) throw new Error('skiff agent --hollow N: the number of nodes is missing');
  const kubeconfig = raw.extra['kubeconfig'];
  const context = raw.extra['context'];
  const level = raw.extra['log-level'];
  return {
    hollow: hollowFlagsFrom(raw, false),
    kubeconfig:
      typeof kubeconfig === 'string' ? kubeconfig : (process.env['KUBECONFIG'] ?? './.skiff/kubeconfig'),
    ...(typeof context === 'string' ? { context } : {}),
    logLevel: typeof level === 'string' ? level : (process.env['SKIFF_LOG_LEVEL'] ?? 'info'),
  };
}

/** A running pool with what serves it; `stop()` ends both. */
export interface RunningHollowPool {
  pool: HollowPool;
  /** Resolves true once every node registered (false if stopped first). */
  registered: Promise<boolean>;
  /** The bound metrics port, when one was asked for. */
  metricsPort?: number;
  stop(): Promise<void>;
}

/** Starts a pool on `client` and, when asked, its metrics endpoint; registration goes on in the background. */
export async function startHollowPool(
  client: KubeClient,
  flags: HollowFlags,
  log: Logger,
): Promise<RunningHollowPool> {
  const { metricsPort, ...options } = flags;
  const pool = new HollowPool({ ...options, client, logger: log });
  const started = performance.now();
  pool.start();
  let server: http.Server | undefined;
  let port: number | undefined;
  if (metricsPort !== undefined) {
    server = http.createServer((req, res) => serveMetrics(pool, req, res));
    port = await new Promise<number>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(metricsPort, '127.0.0.1', () => {
        const addr = server!.address();
        resolve(typeof addr === 'object' && addr ? addr.port : metricsPort);
      });
    });
  }
  const registered = pool.waitForRegistration().then((ok) => {
    if (ok) {
      log.info(
        { nodes: flags.count, ms: Math.round(performance.now() - started), metricsPort: port },
        'hollow nodes registered',
      );
    }
    return ok;
  });
  return {
    pool,
    registered,
    ...(port !== undefined ? { metricsPort: port } : {}),
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await pool.stop();
    },
  };
}

/** A pool inside the API server's process (`skiff up --hollow-nodes N`), talking to it in-process. */
export async function startHollowPoolInProcess(
  server: ApiServer,
  flags: HollowFlags,
  log: Logger,
): Promise<RunningHollowPool> {
  const transport = new InProcessTransport(server);
  const running = await startHollowPool(
    new KubeClient(transport, { fieldManager: 'skiff-hollow' }),
    flags,
    log,
  );
  return {
    ...running,
    async stop() {
      await running.stop();
      transport.close();
    },
  };
}

function serveMetrics(pool: HollowPool, req: http.IncomingMessage, res: http.ServerResponse): void {
  const m = /^\/metrics\/nodes\/([^/]+)\/metrics\/resource$/.exec(req.url?.split('?')[0] ?? '');
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  const usage = m ? pool.nodeUsage(decodeURIComponent(m[1]!)) : undefined;
  if (!usage) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res
    .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
    .end(resourceMetricsText(usage, Date.now()));
}

/** `skiff agent --hollow N ...`: runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runHollowAgent(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HOLLOW_AGENT_USAGE);
    return 0;
  }
  const flags = parseHollowAgentFlags(argv);
  const log = pino({ level: flags.logLevel, base: { program: 'skiff-agent' } });
  const kc = loadKubeconfig(flags.kubeconfig, flags.context);
  const transport = new HttpTransport(kc.server, {
    maxSockets: (flags.hollow.podWorkers ?? 128) + (flags.hollow.nodeWorkers ?? 16) + 4,
    userAgent: 'skiff-agent/hollow',
  });
  const client = new KubeClient(transport, { fieldManager: 'skiff-hollow' });
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const running = await startHollowPool(client, flags.hollow, log);
  const first = await Promise.race([running.registered, stopSignal]);
  if (first === true) {
    process.stdout.write(
      `Hollow nodes ready: ${flags.hollow.count} nodes (${flags.hollow.namePrefix ?? 'hollow-node-'}0..) on ${kc.server}` +
        (running.metricsPort !== undefined ? `, metrics on 127.0.0.1:${running.metricsPort}` : '') +
        '\n',
    );
  }
  const signal = typeof first === 'string' ? first : await stopSignal;
  log.info({ signal }, 'stopping hollow nodes');
  await running.stop();
  transport.close();
  return 0;
}
