#!/usr/bin/env -S node --max-old-space-size=8192 --max-semi-space-size=64
/** @module The `skiff` command: dispatches to one file per subcommand. */
import { runAgent } from './agent.js';
import { runControllerManagerCommand } from './controller-manager.js';
import { runSchedulerCommand } from './scheduler.js';
import { runServer } from './server.js';

const USAGE = `usage: skiff <command> [flags]

commands:
  up       API server, scheduler, controllers and a local node agent in one process
  server   API server and control loops, without a local node
  agent    a node agent for this machine joining a cluster (skiff agent --help)
  controller-manager  the controllers alone, against the API server of --kubeconfig
                      (skiff controller-manager --help)
  scheduler  the scheduler alone, against the API server of --kubeconfig (skiff scheduler --help)
  help     this text

flags (up, server):
  --data-dir DIR        state and kubeconfig directory (default ./.skiff)
  --listen HOST:PORT    address to serve on (default 127.0.0.1:6443)
  --log-level LEVEL     trace, debug, info, warn, error (default info)
  --controllers LIST    in-process controllers: * (default), a comma-separated list, or '' for none
  --scheduler BOOL      run the in-process scheduler (default true)
  --threads BOOL        run the scheduler, the controllers and the hollow nodes each in a worker thread of
                        their own, on other cores than the API server's (default true); false runs them on
                        its thread

tuning flags (mostly for tests):
  --watch-bookmark-interval SECONDS      bookmark period of watches that allow them (default 60)
  --storage-compaction-interval SECONDS  automatic compaction period, 0 turns it off (default 300)
  --storage-compaction-retain N          revisions kept behind the current one on compaction (default 10000)
  --watch-history-size N                 events per resource kept for watches resuming from an older
                                         resourceVersion (default 10000)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      return runServer(rest, { localNode: true });
    case 'server':
      return runServer(rest, { localNode: false });
    case 'agent':
      return runAgent(rest);
    case 'controller-manager':
      return runControllerManagerCommand(rest);
    case 'scheduler':
      return runSchedulerCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`skiff: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`skiff: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
