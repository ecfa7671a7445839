/**
 * @module The entry of a control-loop worker thread ({@link startThread}): runs its job against the API
 * server of the main thread over the MessagePort it was given, until the main thread says stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { KubeClient } from '../client/client.js';
import { PortTransport } from '../client/port-transport.js';
import { startControllerManager } from '../controllers/manager.js';
import { startHollowPool } from '../node/hollow/cli.js';
import { threadCpuMs } from '../util/thread-cpu.js';
import { startScheduler } from './scheduler.js';
import type { ThreadCommand, ThreadData, ThreadReply } from './threads.js';

const data = workerData as ThreadData;
const log = pino({ level: data.logLevel, base: { program: 'skiff' } });
const transport = new PortTransport(data.port);

let running: { stop(): Promise<void> };
let stats: () => object | undefined = () => undefined;
if (data.job.kind === 'scheduler') {
  const scheduler = startScheduler({
    client: new KubeClient(transport, { fieldManager: 'skiff-scheduler' }),
    logger: log,
    rejoinAfterLoss: true,
  });
  running = scheduler;
  stats = () => scheduler.stats();
} else if (data.job.kind === 'hollow') {
  const pool = startHollowPool(
    new KubeClient(transport, { fieldManager: 'skiff-hollow' }),
    data.job.flags,
    log,
  );
  running = { stop: async () => (await pool).stop() };
} else {
  running = startControllerManager({
    client: new KubeClient(transport, { fieldManager: 'kube-controller-manager' }),
    logger: log,
    ...(data.job.controllers ? { controllers: data.job.controllers } : {}),
  });
}

parentPort!.on('message', (m: ThreadCommand) => {
  if (m.t === 'stats') {
    const reply = { ...stats(), threadCpuMs: threadCpuMs() };
    parentPort!.postMessage({ t: 'stats', id: m.id, stats: reply } satisfies ThreadReply);
    return;
  }
  void running.stop().finally(() => {
    transport.close();
    // Ends this thread only; whatever the job left scheduled (a retry timer) goes with it.
    process.exit(0);
  });
});
