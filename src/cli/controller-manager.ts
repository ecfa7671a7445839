/**
 * @module `skiff controller-manager`: the built-in controllers on their own, against any API server named by a
 * kubeconfig, leader-elected on the kube-system/kube-controller-manager Lease (it exits when it loses it,
 * as upstream's kube-controller-manager does).
 */
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import type { ApiServer } from '../apiserver/server.js';
import { KubeClient } from '../client/client.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { HttpTransport, InProcessTransport } from '../client/transport.js';
import { CONTROLLERS, startControllerManager } from '../controllers/manager.js';
import { errorText } from '../util/errors.js';

export interface ControllerManagerFlags {
  kubeconfig: string;
  context: string | undefined;
  /** Controller names to run; undefined for all. */
  controllers: string[] | undefined;
  leaderElect: boolean;
  workers: number | undefined;
  logLevel: string;
}

export const CONTROLLER_MANAGER_USAGE = `usage: skiff controller-manager --kubeconfig FILE [flags]

flags:
  --kubeconfig FILE      the API server to manage
  --context NAME         kubeconfig context (default: its current-context)
  --controllers A,B      controllers to run (default: all of ${CONTROLLERS.map((c) => c.name).join(', ')})
  --leader-elect BOOL    take part in leader election on the kube-system/kube-controller-manager Lease
                         (default true)
  --concurrent-syncs N   workers per controller (default: each controller's own, 5 for replicaset/deployment)
  --log-level LEVEL      trace, debug, info, warn, error (default info)
`;

export function parseControllerManagerFlags(argv: string[]): ControllerManagerFlags {
  const { values } = parseArgs({
    args: argv.map((a) => (a === '--leader-elect' ? '--leader-elect=true' : a)),
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      controllers: { type: 'string' },
      'leader-elect': { type: 'string', default: 'true' },
      'concurrent-syncs': { type: 'string' },
      'log-level': { type: 'string', default: process.env['SKIFF_LOG_LEVEL'] ?? 'info' },
    },
    strict: true,
    allowPositionals: false,
  });
  const kubeconfig = values.kubeconfig ?? process.env['KUBECONFIG'];
  if (!kubeconfig) throw new Error('--kubeconfig is required');
  const le = values['leader-elect'];
  if (le !== 'true' && le !== 'false') throw new Error(`--leader-elect must be true or false, got "${le}"`);
  const controllers = parseControllerList(values.controllers);
  let workers: number | undefined;
  const cs = values['concurrent-syncs'];
  if (cs !== undefined) {
    if (!/^\d+$/.test(cs) || Number(cs) < 1)
      throw new Error(`--concurrent-syncs must be a positive integer, got "${cs}"`);
    workers = Number(cs);
  }
  return {
    kubeconfig,
    context: values.context,
    controllers,
    leaderElect: le === 'true',
    workers,
    logLevel: values['log-level'],
  };
}

/**
 * The controller manager inside `skiff up`/`skiff server`: in-process transport, leader-elected so several
 * servers on one store run one set of controllers, campaigning again after a lost lease. `stop()` stops the
 * controllers, releases the lease and closes the transport.
 */
export function startInProcessControllerManager(
  server: ApiServer,
  logger: Logger,
  controllers?: readonly string[],
): { stop(): Promise<void> } {
  if (controllers?.length === 0) return { stop: async () => {} };
  const transport = new InProcessTransport(server);
  const manager = startControllerManager({
    client: new KubeClient(transport, { fieldManager: 'kube-controller-manager' }),
    logger,
    controllers,
  });
  return {
    async stop() {
      await manager.stop();
      transport.close();
    },
  };
}

/**
 * The `--controllers` value: undefined or `*` for all, else a comma-separated list of names ('' for none).
 */
export function parseControllerList(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '*') return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !CONTROLLERS.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`unknown controllers: ${unknown.join(', ')}`);
  return names;
}

/** Runs until SIGTERM/SIGINT (exit 0) or a lost lease (exit 1). */
export async function runControllerManagerCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(CONTROLLER_MANAGER_USAGE);
    return 0;
  }
  let flags: ControllerManagerFlags;
  try {
    flags = parseControllerManagerFlags(argv);
  } catch (err) {
    process.stderr.write(`skiff controller-manager: ${errorText(err)}\n\n${CONTROLLER_MANAGER_USAGE}`);
    return 2;
  }
  const log = pino({ level: flags.logLevel, base: { program: 'skiff-controller-manager' } });
  const kc = loadKubeconfig(flags.kubeconfig, flags.context);
  const transport = new HttpTransport(kc.server);
  const manager = startControllerManager({
    client: new KubeClient(transport, { fieldManager: 'kube-controller-manager' }),
    controllers: flags.controllers,
    leaderElection: flags.leaderElect ? {} : false,
    workers: flags.workers,
    rejoinAfterLoss: false,
    logger: log,
  });
  log.info({ server: kc.server, identity: manager.identity }, 'skiff controller-manager starting');
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const outcome = await Promise.race([signalled.then((signal) => ({ signal })), manager.done]);
  if ('signal' in outcome) {
    log.info({ signal: outcome.signal }, 'shutting down');
    await manager.stop();
  }
  transport.close();
  log.info('stopped');
  return 'lostLease' in outcome && outcome.lostLease ? 1 : 0;
}
