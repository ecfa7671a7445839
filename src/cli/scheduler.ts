/**
 * @module `skiff scheduler`: the scheduler on its own, against any API server named by a kubeconfig; and
 * {@link startScheduler}, which `skiff up`/`skiff server` use to run it in-process, leader-elected on the
 * kube-system/kube-scheduler Lease.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { KubeClient } from '../client/client.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { LeaderElector } from '../client/leader-election.js';
import { HttpTransport } from '../client/transport.js';
import {
  defaultConfiguration,
  parseConfiguration,
  type KubeSchedulerConfiguration,
} from '../scheduler/config.js';
import { Scheduler, type SchedulerStats } from '../scheduler/scheduler.js';
import type { TimerClock } from '../util/clock.js';
import { errorText } from '../util/errors.js';

export interface SchedulerFlags {
  kubeconfig: string;
  context: string | undefined;
  /** A KubeSchedulerConfiguration file. */
  config: string | undefined;
  /** Overrides the configuration's leaderElection.leaderElect when given. */
  leaderElect: boolean | undefined;
  logLevel: string;
}

export const SCHEDULER_USAGE = `usage: skiff scheduler --kubeconfig FILE [flags]

flags:
  --kubeconfig FILE     the API server to schedule for
  --context NAME        kubeconfig context (default: its current-context)
  --config FILE         a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)
  --leader-elect        take part in leader election on the kube-system/kube-scheduler Lease
                        (--leader-elect=false to turn it off; default: the configuration's, true)
  --log-level LEVEL     trace, debug, info, warn, error (default info)
`;

export function parseSchedulerFlags(argv: string[]): SchedulerFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      config: { type: 'string' },
      'leader-elect': { type: 'string' },
      'log-level': { type: 'string', default: process.env['SKIFF_LOG_LEVEL'] ?? 'info' },
    },
    strict: true,
    allowPositionals: false,
  });
  // `--leader-elect` alone means true; parseArgs takes the next flag as its value, so normalize first.
  let leaderElect: boolean | undefined;
  const le = values['leader-elect'];
  if (le !== undefined) {
    if (le !== 'true' && le !== 'false') throw new Error(`--leader-elect must be true or false, got "${le}"`);
    leaderElect = le === 'true';
  }
  const kubeconfig = values.kubeconfig ?? process.env['KUBECONFIG'];
  if (!kubeconfig) throw new Error('--kubeconfig is required');
  return {
    kubeconfig,
    context: values.context,
    config: values.config,
    leaderElect,
    logLevel: values['log-level'],
  };
}

/** Parses a Go duration of the forms the leader election settings use ("15s", "1m30s", "500ms"). */
export function goDurationMs(s: string): number {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== s.length) throw new Error(`invalid duration "${s}"`);
  return total;
}

export interface StartSchedulerOptions {
  client: KubeClient;
  config?: KubeSchedulerConfiguration;
  logger: Logger;
  /** Campaign for the Lease before scheduling (default: the configuration's leaderElection.leaderElect). */
  leaderElect?: boolean;
  /** After losing the Lease: campaign again (in-process) or stop (a standalone scheduler exits). */
  rejoinAfterLoss?: boolean;
  clock?: TimerClock;
}

/** A running scheduler; `done` resolves when it stopped (by stop(), or by losing the lease without rejoining). */
export interface RunningScheduler {
  stop(): Promise<void>;
  /** The counters of the scheduler running now (undefined while not leading), with its dropped Events. */
  stats(): (SchedulerStats & { eventsDropped: number }) | undefined;
  readonly done: Promise<{ lostLease: boolean }>;
}

/** Runs the scheduler until stopped, leader-elected unless turned off. */
export function startScheduler(opts: StartSchedulerOptions): RunningScheduler {
  const config = opts.config ?? defaultConfiguration();
  const log = opts.logger.child({ component: 'scheduler' });
  const stop = new AbortController();
  const le = config.leaderElection;
  const leaderElect = opts.leaderElect ?? le.leaderElect;
  let current: Scheduler | undefined;
  const newScheduler = (): Scheduler =>
    (current = new Scheduler({
      client: opts.client,
      config,
      logger: opts.logger, // the scheduler names its own component
      ...(opts.clock ? { clock: opts.clock } : {}),
    }));

  const done = (async (): Promise<{ lostLease: boolean }> => {
    if (!leaderElect) {
      await newScheduler().run(stop.signal);
      return { lostLease: false };
    }
    const identity = `${hostname()}_${randomBytes(6).toString('hex')}`;
    while (!stop.signal.aborted) {
      let leading: Promise<void> | undefined;
      let led = false;
      const elector = new LeaderElector({
        client: opts.client,
        lease: { namespace: le.resourceNamespace, name: le.resourceName },
        identity,
        leaseDurationMs: goDurationMs(le.leaseDuration),
        renewDeadlineMs: goDurationMs(le.renewDeadline),
        retryPeriodMs: goDurationMs(le.retryPeriod),
        logger: log,
        ...(opts.clock ? { clock: opts.clock } : {}),
        callbacks: {
          onStartedLeading: (signal) => {
            led = true;
            log.info({ identity }, 'leading: scheduling');
            leading = newScheduler()
              .run(signal)
              .catch((err: unknown) => log.error({ err }, 'scheduler stopped with an error'));
          },
          onNewLeader: (leader) => {
            if (leader !== identity) log.info({ leader }, 'new leader elected');
          },
        },
      });
      await elector.run(stop.signal);
      await leading;
      if (stop.signal.aborted) break;
      if (led) {
        log.error('leaderelection lost');
        if (!opts.rejoinAfterLoss) return { lostLease: true };
      }
    }
    return { lostLease: false };
  })();

  return {
    done,
    async stop() {
      stop.abort();
      await done;
    },
    stats: () => current && { ...current.stats, eventsDropped: current.events.dropped },
  };
}

/** `skiff scheduler`: runs until SIGTERM/SIGINT (exit 0) or until it loses the lease (exit 1). */
export async function runSchedulerCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SCHEDULER_USAGE);
    return 0;
  }
  let flags: SchedulerFlags;
  let config: KubeSchedulerConfiguration;
  try {
    flags = parseSchedulerFlags(normalizeBoolFlag(argv, 'leader-elect'));
    config = flags.config ? parseConfiguration(readFileSync(flags.config, 'utf8')) : defaultConfiguration();
  } catch (err) {
    process.stderr.write(`skiff scheduler: ${errorText(err)}\n\n${SCHEDULER_USAGE}`);
    return 2;
  }
  const log = pino({ level: flags.logLevel, base: { program: 'skiff-scheduler' } });
  const kc = loadKubeconfig(flags.kubeconfig, flags.context);
  const transport = new HttpTransport(kc.server);
  const client = new KubeClient(transport, { fieldManager: 'skiff-scheduler' });
  const running = startScheduler({
    client,
    config,
    logger: log,
    ...(flags.leaderElect !== undefined ? { leaderElect: flags.leaderElect } : {}),
  });
  log.info(
    { server: kc.server, profiles: config.profiles.map((p) => p.schedulerName) },
    'skiff scheduler starting',
  );
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const outcome = await Promise.race([signalled.then((s) => ({ signal: s })), running.done]);
  if ('signal' in outcome) {
    log.info({ signal: outcome.signal }, 'shutting down');
    await running.stop();
  }
  transport.close();
  const lost = 'lostLease' in outcome && outcome.lostLease;
  log.info('stopped');
  return lost ? 1 : 0;
}

/** `--flag` with no value (or followed by another flag) becomes `--flag=true`, so parseArgs can read it. */
function normalizeBoolFlag(argv: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) {
      const next = argv[i + 1];
      if (next === 'true' || next === 'false') {
        out.push(`--${name}=${next}`);
        i++;
      } else out.push(`--${name}=true`);
    } else out.push(a);
  }
  return out;
}
