/** @module `skiff up` and `skiff server`: run the control plane (and, for `up`, a local node) in one process. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { ApiServer } from '../apiserver/server.js';
import { KubeClient } from '../client/client.js';
import { InProcessTransport } from '../client/transport.js';
import { splitHollowFlags, startHollowPoolInProcess } from '../node/hollow/cli.js';
import { openStore } from '../storage/index.js';
import { startLocalAgent, type RunningAgent } from './agent.js';
import { parseControllerList, startInProcessControllerManager } from './controller-manager.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { startScheduler } from './scheduler.js';
import { startThread, type RunningThread, type ThreadJob } from './threads.js';

export interface ServerFlags {
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
  /** How often a watch that allows bookmarks gets one (test knob; upstream sends one about every minute). */
  bookmarkIntervalMs: number;
  /** Automatic storage compaction: interval (0 = off) and revisions kept behind the current one. */
  compactionIntervalMs: number;
  compactionRetain: number;
  /** Past events each watch cache keeps for watches that resume from an older resourceVersion. */
  watchHistorySize: number | undefined;
  /** Controllers to run in-process (undefined: all; []: none). */
  controllers: string[] | undefined;
  /** Whether the scheduler runs in-process. */
  scheduler: boolean;
  /** Whether the scheduler, controllers and hollow nodes run in worker threads (else on the server's thread). */
  threads: boolean;
}

function seconds(flag: string, v: string): number {
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n < 0) {
    throw new Error(`--${flag} must be a non-negative number of seconds, got "${v}"`);
  }
  return Math.round(n * 1000);
}

function count(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new Error(`--${flag} must be a positive integer, got "${v}"`);
  return n;
}

export function parseServerFlags(argv: string[]): ServerFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: './.skiff' },
      listen: { type: 'string', default: '127.0.0.1:6443' },
      'log-level': { type: 'string', default: process.env['SKIFF_LOG_LEVEL'] ?? 'info' },
      'watch-bookmark-interval': { type: 'string', default: '60' },
      'storage-compaction-interval': { type: 'string', default: '300' },
      'storage-compaction-retain': { type: 'string', default: '10000' },
      'watch-history-size': { type: 'string' },
      controllers: { type: 'string', default: '*' },
      scheduler: { type: 'string', default: 'true' },
      threads: { type: 'string', default: 'true' },
    },
    strict: true,
    allowPositionals: false,
  });
  const listen = values.listen;
  const i = listen.lastIndexOf(':');
  if (i < 0) throw new Error(`--listen must be HOST:PORT, got "${listen}"`);
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(listen.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--listen has an invalid port: "${listen}"`);
  const history = values['watch-history-size'];
  for (const flag of ['scheduler', 'threads'] as const) {
    if (values[flag] !== 'true' && values[flag] !== 'false') {
      throw new Error(`--${flag} must be true or false, got "${values[flag]}"`);
    }
  }
  return {
    dataDir: resolve(values['data-dir']),
    host,
    port,
    logLevel: values['log-level'],
    bookmarkIntervalMs: Math.max(1, seconds('watch-bookmark-interval', values['watch-bookmark-interval'])),
    compactionIntervalMs: seconds('storage-compaction-interval', values['storage-compaction-interval']),
    compactionRetain: count('storage-compaction-retain', values['storage-compaction-retain']),
    watchHistorySize: history === undefined ? undefined : count('watch-history-size', history),
    controllers: parseControllerList(values.controllers),
    scheduler: values.scheduler === 'true',
    threads: values.threads === 'true',
  };
}

/**
 * The scheduler and the controller manager, each in a worker thread of its own (or, with --threads=false, on
 * the API server's thread over the in-process transport).
 */
function startControlLoops(server: ApiServer, flags: ServerFlags, log: Logger): { stop(): Promise<void> } {
  const running: Array<{ stop(): Promise<void> }> = [];
  if (flags.threads) {
    const thread = (job: ThreadJob): RunningThread =>
      startThread({ job, server, logger: log, logLevel: flags.logLevel });
    if (flags.scheduler) running.push(thread({ kind: 'scheduler' }));
    if (flags.controllers?.length !== 0) {
      running.push(thread({ kind: 'controllers', controllers: flags.controllers }));
    }
  } else {
    const transport = new InProcessTransport(server);
    if (flags.scheduler) {
      const scheduler = startScheduler({
        client: new KubeClient(transport, { fieldManager: 'skiff-scheduler' }),
        logger: log,
        rejoinAfterLoss: true,
      });
      running.push({ stop: () => scheduler.stop().finally(() => transport.close()) });
    }
    running.push(startInProcessControllerManager(server, log, flags.controllers));
  }
  return {
    async stop() {
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runServer(argv: string[], mode: { localNode: boolean }): Promise<number> {
  const { hollow, rest } = splitHollowFlags(argv);
  const flags = parseServerFlags(rest);
  const log: Logger = pino({ level: flags.logLevel, base: { program: 'skiff' } });
  mkdirSync(flags.dataDir, { recursive: true });
  const started = performance.now();
  const store = await openStore({
    kind: 'sqlite',
    path: join(flags.dataDir, 'state.db'),
    options: { compactInterval: flags.compactionIntervalMs, retainRevisions: flags.compactionRetain },
  });
  const server = new ApiServer({
    store,
    logger: log,
    handlerOptions: { bookmarkIntervalMs: flags.bookmarkIntervalMs },
    watchHistorySize: flags.watchHistorySize,
  });
  await server.start();
  const bound = await server.listen(flags.host, flags.port);
  const hollowPool = !hollow
    ? undefined
    : flags.threads
      ? startThread({ job: { kind: 'hollow', flags: hollow }, server, logger: log, logLevel: flags.logLevel })
      : await startHollowPoolInProcess(server, hollow, log);
  let localAgent: RunningAgent | undefined;
  if (mode.localNode) {
    try {
      localAgent = await startLocalAgent(server, flags.dataDir, log);
    } catch (err) {
      log.error({ err }, 'the local node agent did not start; serving without a local node');
    }
  }
  const controlLoops = startControlLoops(server, flags, log);
  const clientHost = flags.host === '0.0.0.0' || flags.host === '::' ? '127.0.0.1' : flags.host;
  const serverUrl = `http://${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${bound.port}`;
  const kubeconfigPath = join(flags.dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml(serverUrl), { mode: 0o600 });
  log.info(
    {
      url: serverUrl,
      dataDir: flags.dataDir,
      ms: Math.round(performance.now() - started),
      localNode: mode.localNode,
    },
    'skiff is serving',
  );
  process.stdout.write(
    `\nSkiff is ready at ${serverUrl}\n  kubectl --kubeconfig ${kubeconfigPath} get namespaces\n\n`,
  );

  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      done();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await controlLoops.stop();
  await localAgent?.stop();
  await hollowPool?.stop();
  await server.close();
  await store.close();
  log.info('stopped');
  return 0;
}
