/**
 * @module Control loops in worker threads. `skiff up`/`skiff server` run the scheduler, the controller
 * manager and the hollow nodes each in a worker thread of its own, so they use other cores than the API
 * server's thread. A worker reaches the server through a {@link PortTransport} over a MessagePort: the
 * server's handler serves its requests as it serves in-process ones, and its informers decode watch events on
 * the worker's thread.
 * A worker that dies is started again, after 1 s doubling up to a minute while it keeps dying young; the
 * Lease it held lapses and it campaigns anew.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import { servePort } from '../client/port-transport.js';
import type { RequestHandler } from '../client/transport.js';
import type { HollowFlags } from '../node/hollow/cli.js';
import { errorText } from '../util/errors.js';

/** What a worker thread runs. */
export type ThreadJob =
  | { kind: 'scheduler' }
  | { kind: 'controllers'; controllers: readonly string[] | undefined }
  | { kind: 'hollow'; flags: HollowFlags };

/** What the worker's entry receives as workerData. */
export interface ThreadData {
  job: ThreadJob;
  logLevel: string;
  port: MessagePort;
}

/** Main thread → worker. */
export type ThreadCommand = { t: 'stop' } | { t: 'stats'; id: number };
/** Worker → main thread. */
export type ThreadReply = { t: 'stats'; id: number; stats: Record<string, unknown> };

export interface RunningThread {
  /** Asks the job to stop, waits for the thread to exit (terminating it after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /**
   * The job's counters (the scheduler's stats, once it schedules) with the thread's CPU time so far
   * (`threadCpuMs`, where the system tells it); undefined when the thread is not running.
   */
  stats(): Promise<Record<string, unknown> | undefined>;
}

/** The entry module: JavaScript when built; under tsx (tests), the source, loaded through tsx's loader. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './thread-entry.ts' : './thread-entry.js', import.meta.url);

function newWorker(options: ConstructorParameters<typeof Worker>[1]): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, options);
  // A worker does not inherit the parent's `--import tsx` loader hooks, so it registers them first.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ENTRY.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

const RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 60_000;
/** A worker that ran this long before it died is restarted after the first delay again. */
const HEALTHY_RUN_MS = 60_000;

export interface StartThreadOptions {
  job: ThreadJob;
  /** Serves the worker's requests: the API server. */
  server: RequestHandler;
  logger: Logger;
  logLevel: string;
  /** V8 old-space limit of the worker (MB); it holds informer caches of every pod at scale. */
  maxOldGenerationSizeMb?: number;
}

/** Starts `job` in a worker thread whose requests `server` serves. */
export function startThread(opts: StartThreadOptions): RunningThread {
  const log = opts.logger.child({ thread: opts.job.kind });
  let stopping = false;
  let worker: Worker | undefined;
  let abortRequests: (() => void) | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();
  let nextQuery = 1;
  let restartDelay = RESTART_DELAY_MS;
  const queries = new Map<number, (stats: Record<string, unknown> | undefined) => void>();

  const spawn = (): void => {
    const started = performance.now();
    const { port1, port2 } = new MessageChannel();
    abortRequests = servePort(port1, opts.server);
    const data: ThreadData = { job: opts.job, logLevel: opts.logLevel, port: port2 };
    const w = newWorker({
      workerData: data,
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb ?? 8192 },
    });
    worker = w;
    w.on('message', (m: ThreadReply) => {
      if (m.t !== 'stats') return;
      queries.get(m.id)?.(m.stats);
      queries.delete(m.id);
    });
    w.on('error', (err) => log.error({ err: errorText(err) }, 'worker thread failed'));
    exited = new Promise<void>((resolve) => {
      w.once('exit', (code) => {
        abortRequests?.();
        port1.close();
        for (const answer of queries.values()) answer(undefined);
        queries.clear();
        if (worker === w) worker = undefined;
        resolve();
        if (stopping) return;
        if (performance.now() - started > HEALTHY_RUN_MS) restartDelay = RESTART_DELAY_MS;
        log.error({ code, restartInMs: restartDelay }, 'worker thread exited; starting it again');
        restartTimer = setTimeout(spawn, restartDelay);
        restartDelay = Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
      });
    });
  };
  spawn();

  return {
    async stop(graceMs = 10_000) {
      stopping = true;
      clearTimeout(restartTimer);
      const w = worker;
      if (!w) return;
      w.postMessage({ t: 'stop' } satisfies ThreadCommand);
      const timer = setTimeout(() => void w.terminate(), graceMs);
      await exited;
      clearTimeout(timer);
    },
    stats() {
      const w = worker;
      if (!w) return Promise.resolve(undefined);
      const id = nextQuery++;
      return new Promise<Record<string, unknown> | undefined>((resolve) => {
        queries.set(id, resolve);
        w.postMessage({ t: 'stats', id } satisfies ThreadCommand);
      });
    },
  };
}
