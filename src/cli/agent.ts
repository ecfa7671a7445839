/**
 * @module `skiff agent`: a node agent for this machine talking to an API server over HTTP (with `--hollow N`,
 * a pool of simulated nodes instead), and the local agent `skiff up` runs in the server's process.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { Quantity } from '../api/quantity.js';
import type { ApiServer } from '../apiserver/server.js';
import { KubeClient } from '../client/client.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { HttpTransport, InProcessTransport, type Transport } from '../client/transport.js';
import { NodeAgent } from '../node/agent/agent.js';
import { readMachineInfo } from '../node/agent/machine.js';
import type { NodeConfig } from '../node/agent/node-status.js';
import { parseLabels, parseTaints, runHollowAgent } from '../node/hollow/cli.js';
import { ProcessRuntime } from '../node/runtime/process/process-runtime.js';

export const AGENT_USAGE = `usage: skiff agent --kubeconfig FILE [flags]
       skiff agent --hollow N [flags]      (simulated nodes: skiff agent --hollow 1 --help)

Runs this machine as a node: registers the Node, keeps its Lease, and runs the pods bound to it as host
processes (the image names nothing to fetch on this runtime; command and args run as given).

flags:
  --kubeconfig FILE            API server to join (default $KUBECONFIG, then ./.skiff/kubeconfig)
  --context NAME               kubeconfig context
  --name NAME                  node name (default: the host name)
  --data-dir DIR               agent state, pod volumes and logs (default ./.skiff-agent)
  --port PORT                  the agent's HTTP port (logs, exec), advertised as the kubelet endpoint (default 10250)
  --address IP                 address the agent's HTTP port listens on (default 0.0.0.0; it has no authentication)
  --node-ip IP                 InternalIP and pod IP (default: the first non-loopback address)
  --gpus N                     advertise N GPUs (nvidia.com/gpu, koordinator.sh/gpu-core = 100*N)
  --gpu-memory QUANTITY        memory per GPU for koordinator.sh/gpu-memory (e.g. 16Gi); default: nvidia-smi
  --system-reserved LIST       e.g. cpu=500m,memory=1Gi (subtracted from allocatable)
  --kube-reserved LIST         e.g. cpu=250m,memory=512Mi
  --max-pods N                 pods capacity (default 110)
  --instance-type TYPE         node.kubernetes.io/instance-type label
  --node-labels LIST           extra labels, k=v,...
  --register-with-taints LIST  taints, k=v:Effect,...
  --log-level LEVEL            trace, debug, info, warn, error (default info)

Stopping the agent leaves its pods running (the next start adopts them); with SKIFF_STOP_PODS_ON_EXIT=1 in the
environment (also for skiff up's local node) their processes are stopped too.
`;

/** Flags of `skiff agent` (the process runtime). */
export interface AgentFlags {
  kubeconfig: string;
  context?: string;
  name: string;
  dataDir: string;
  port: number;
  /** Listen address of the kubelet endpoint. */
  address: string;
  nodeIP?: string;
  node: Omit<Partial<NodeConfig>, 'nodeName'>;
  logLevel: string;
}

/** `cpu=500m,memory=1Gi` as a resource list (quantities validated). */
export function parseResourceList(flag: string, v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',').filter(Boolean)) {
    const i = part.indexOf('=');
    const k = part.slice(0, i).trim();
    const q = part.slice(i + 1).trim();
    if (i <= 0 || !q) throw new Error(`--${flag}: expected name=quantity, got "${part}"`);
    try {
      Quantity.parse(q);
    } catch {
      throw new Error(`--${flag}: invalid quantity "${q}" for ${k}`);
    }
    out[k] = q;
  }
  return out;
}

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`--${flag} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

export function parseAgentFlags(argv: string[]): AgentFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      name: { type: 'string' },
      'data-dir': { type: 'string', default: './.skiff-agent' },
      port: { type: 'string', default: '10250' },
      address: { type: 'string', default: '0.0.0.0' },
      'node-ip': { type: 'string' },
      gpus: { type: 'string' },
      'gpu-memory': { type: 'string' },
      'system-reserved': { type: 'string' },
      'kube-reserved': { type: 'string' },
      'max-pods': { type: 'string' },
      'instance-type': { type: 'string' },
      'node-labels': { type: 'string' },
      'register-with-taints': { type: 'string' },
      'log-level': { type: 'string', default: process.env['SKIFF_LOG_LEVEL'] ?? 'info' },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = positiveInt('port', values.port);
  if (port > 65535) throw new Error(`--port is out of range: ${port}`);
  const node: AgentFlags['node'] = { kubeletPort: port };
  if (values.gpus !== undefined) {
    const count = positiveInt('gpus', values.gpus);
    const mem = values['gpu-memory'];
    if (count > 0 && mem === undefined)
      throw new Error('--gpus needs --gpu-memory (memory per device, e.g. 16Gi)');
    let bytes = 0;
    if (mem !== undefined) {
      try {
        bytes = Number(Quantity.parse(mem).value());
      } catch {
        throw new Error(`--gpu-memory: invalid quantity "${mem}"`);
      }
    }
    node.gpus = { count, memoryBytesPerDevice: bytes };
  } else if (values['gpu-memory'] !== undefined) {
    throw new Error('--gpu-memory needs --gpus');
  }
  if (values['system-reserved'])
    node.systemReserved = parseResourceList('system-reserved', values['system-reserved']);
  if (values['kube-reserved'])
    node.kubeReserved = parseResourceList('kube-reserved', values['kube-reserved']);
  if (values['max-pods'] !== undefined) node.maxPods = positiveInt('max-pods', values['max-pods']);
  if (values['instance-type']) node.instanceType = values['instance-type'];
  if (values['node-labels']) node.labels = parseLabels('node-labels', values['node-labels']);
  if (values['register-with-taints']) {
    node.taints = parseTaints('register-with-taints', values['register-with-taints']);
  }
  return {
    kubeconfig: values.kubeconfig ?? process.env['KUBECONFIG'] ?? './.skiff/kubeconfig',
    ...(values.context ? { context: values.context } : {}),
    name: (values.name ?? hostname()).toLowerCase(),
    dataDir: resolve(values['data-dir']),
    port,
    address: values.address,
    ...(values['node-ip'] ? { nodeIP: values['node-ip'] } : {}),
    node,
    logLevel: values['log-level'],
  };
}

/** A running agent with its runtime; `stop()` leaves the pods running. */
export interface RunningAgent {
  agent: NodeAgent;
  runtime: ProcessRuntime;
  stop(): Promise<void>;
}

/** Starts an agent with the process runtime on a client. */
export async function startAgent(opts: {
  client: KubeClient;
  nodeName: string;
  dataDir: string;
  node?: AgentFlags['node'];
  nodeIP?: string;
  /** The kubelet endpoint; default all addresses on node.kubeletPort (10250). */
  kubeletServer?: { address: string; port: number; fallbackToAnyPort?: boolean };
  logger: Logger;
}): Promise<RunningAgent> {
  const machine = readMachineInfo(opts.dataDir, opts.nodeIP ? { nodeIP: opts.nodeIP } : {});
  const runtime = new ProcessRuntime({
    stateDir: join(opts.dataDir, 'runtime'),
    hostIP: machine.internalIP,
    logger: opts.logger,
  });
  const agent = new NodeAgent({
    client: opts.client,
    runtime,
    nodeName: opts.nodeName,
    dataDir: opts.dataDir,
    machine: { ...machine, hostname: hostname().toLowerCase() },
    logger: opts.logger,
    ...(opts.node ? { node: opts.node } : {}),
    stopPodsOnStop: process.env['SKIFF_STOP_PODS_ON_EXIT'] === '1',
    kubeletServer: opts.kubeletServer ?? { address: '0.0.0.0', port: opts.node?.kubeletPort ?? 10250 },
  });
  try {
    await agent.start();
  } catch (err) {
    await agent.stop().catch(() => undefined);
    await runtime.close();
    throw err;
  }
  return {
    agent,
    runtime,
    async stop() {
      await agent.stop();
      await runtime.close();
    },
  };
}

/**
 * The local node of `skiff up`: an agent named after the host in the server's process, over the in-process
 * transport, with its state under `<dataDir>/node`.
 */
export async function startLocalAgent(
  server: ApiServer,
  dataDir: string,
  log: Logger,
): Promise<RunningAgent> {
  const transport: Transport = new InProcessTransport(server);
  const client = new KubeClient(transport, { fieldManager: 'kubelet' });
  const nodeName = (process.env['SKIFF_NODE_NAME'] ?? hostname()).toLowerCase();
  // The endpoint has no authentication: it listens on loopback only, and the API server is told to use that.
  const running = await startAgent({
    client,
    nodeName,
    dataDir: join(dataDir, 'node'),
    kubeletServer: { address: '127.0.0.1', port: 10250, fallbackToAnyPort: true },
    logger: log,
  });
  server.kubelets.setLocalEndpoint(nodeName, { host: '127.0.0.1', port: running.agent.kubeletPort });
  return {
    ...running,
    async stop() {
      server.kubelets.setLocalEndpoint(nodeName, undefined);
      await running.stop();
      transport.close();
    },
  };
}

/** `skiff agent ...`: runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runAgent(argv: string[]): Promise<number> {
  if (argv.includes('--hollow') || argv.some((a) => a.startsWith('--hollow='))) return runHollowAgent(argv);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(AGENT_USAGE);
    return 0;
  }
  const flags = parseAgentFlags(argv);
  const log = pino({ level: flags.logLevel, base: { program: 'skiff-agent' } });
  const kc = loadKubeconfig(flags.kubeconfig, flags.context);
  const transport = new HttpTransport(kc.server, { userAgent: `skiff-agent/${flags.name}` });
  const client = new KubeClient(transport, { fieldManager: 'kubelet' });
  const stopSignal = new Promise<string>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
  const running = await startAgent({
    client,
    nodeName: flags.name,
    dataDir: flags.dataDir,
    node: flags.node,
    ...(flags.nodeIP ? { nodeIP: flags.nodeIP } : {}),
    kubeletServer: { address: flags.address, port: flags.port },
    logger: log,
  });
  process.stdout.write(`Skiff node agent ${flags.name} joined ${kc.server}\n`);
  const signal = await stopSignal;
  log.info(
    { signal },
    process.env['SKIFF_STOP_PODS_ON_EXIT'] === '1'
      ? 'stopping the node agent and its pods'
      : 'stopping the node agent (pods keep running)',
  );
  await running.stop();
  transport.close();
  return 0;
}
