/** @module `skiff up` and `skiff server`: run the control plane (and, for `up`, a local node) in one process. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { ApiServer } from '../apiserver/server.js';
import { openStore } from '../storage/index.js';
import { kubeconfigYaml } from './kubeconfig.js';

export interface ServerFlags {
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
}

export function parseServerFlags(argv: string[]): ServerFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: './.skiff' },
      listen: { type: 'string', default: '127.0.0.1:6443' },
      'log-level': { type: 'string', default: process.env['SKIFF_LOG_LEVEL'] ?? 'info' },
    },
    strict: true,
    allowPositionals: false,
  });
  const listen = values.listen;
  const i = listen.lastIndexOf(':');
  if (i < 0) throw new Error(`--listen must be HOST:PORT, got "${listen}"`);
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(listen.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen has an invalid port: "${listen}"`);
  return { dataDir: resolve(values['data-dir']), host, port, logLevel: values['log-level'] };
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runServer(argv: string[], mode: { localNode: boolean }): Promise<number> {
  const flags = parseServerFlags(argv);
  const log: Logger = pino({ level: flags.logLevel, base: { component: 'skiff' } });
  mkdirSync(flags.dataDir, { recursive: true });
  const started = performance.now();
  const store = await openStore({ kind: 'sqlite', path: join(flags.dataDir, 'state.db') });
  const server = new ApiServer({ store, logger: log });
  await server.start();
  const bound = await server.listen(flags.host, flags.port);
  const clientHost = flags.host === '0.0.0.0' || flags.host === '::' ? '127.0.0.1' : flags.host;
  const serverUrl = `http://${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${bound.port}`;
  const kubeconfigPath = join(flags.dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml(serverUrl), { mode: 0o600 });
  log.info(
    { url: serverUrl, dataDir: flags.dataDir, ms: Math.round(performance.now() - started), localNode: mode.localNode },
    'skiff is serving',
  );
  process.stdout.write(`\nSkiff is ready at ${serverUrl}\n  kubectl --kubeconfig ${kubeconfigPath} get namespaces\n\n`);

  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      done();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.close();
  await store.close();
  log.info('stopped');
  return 0;
}
