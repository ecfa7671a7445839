/**
 * @module The node agent (Skiff's kubelet): registers the Node, keeps its Lease and status, and runs the pods
 * bound to it through a {@link Runtime}. Many agents can share one process (hollow nodes): pods come from a
 * {@link PodSource} that may serve every agent, informers may come from a shared factory, and per-node
 * state is the pod workers' records and a few timers.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { KubeClient } from '../../client/client.js';
import { SharedInformerFactory } from '../../client/informer/index.js';
import { PODS, SERVICES, type Node, type Pod } from '../../client/resources.js';
import { systemClock, type TimerClock } from '../../util/clock.js';
import type { Runtime } from '../runtime/interface.js';
import { KubeletServer } from '../server/kubelet-server.js';
import { kubeletEventRecorder, type AgentEvents } from './events.js';
import { readMachineInfo, sampleResources, type MachineInfo, type ResourceSample } from './machine.js';
import { NodeLease } from './node-lease.js';
import { NodeStatusReporter, type NodeConfig } from './node-status.js';
import { ClientObjectSource } from './object-source.js';
import { InformerPodSource, type PodSource } from './pod-source.js';
import { PodWorkers } from './pod-workers.js';
import { Prober, type ProbeRunner } from './prober.js';
import { StatusManager, clientStatusWriter } from './status-manager.js';

export interface NodeAgentOptions {
  client: KubeClient;
  runtime: Runtime;
  nodeName: string;
  /** Agent state; pods live in `<dataDir>/pods/<uid>`; its filesystem is the node's ephemeral storage. */
  dataDir: string;
  clock?: TimerClock;
  logger?: Logger;
  /** Machine facts; default read from this machine. */
  machine?: MachineInfo;
  /** Free memory/disk/PIDs for the pressure conditions; default sampled from this machine. */
  sample?: () => ResourceSample;
  /** Node settings beyond the name (port, reservations, labels, taints, GPUs, ...). */
  node?: Omit<Partial<NodeConfig>, 'nodeName'>;
  /** A shared informer factory (for services, and pods when no podSource is given); default: the agent's own. */
  informers?: SharedInformerFactory;
  /** Where the node's pods come from; default an informer on pods with `spec.nodeName=<node>`. */
  podSource?: PodSource;
  events?: AgentEvents;
  probeRunner?: ProbeRunner;
  /** Least time between two status writes of one pod (default 100 ms). */
  statusBatchMs?: number;
  /** Periodic pod re-sync (default 60 s). */
  resyncMs?: number;
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  /** Delay before the first lease renewal (spreads many nodes' heartbeats). */
  leaseInitialDelayMs?: number;
  nodeStatusUpdateFrequencyMs?: number;
  nodeStatusReportFrequencyMs?: number;
  /** Stop every pod's processes when the agent stops (default false: pods keep running and are adopted). */
  stopPodsOnStop?: boolean;
  /**
   * Serve the kubelet endpoint (logs, exec, attach) on this address and port (0: any free port) and publish the
   * bound port as daemonEndpoints.kubeletEndpoint.Port. With `fallbackToAnyPort`, a port in use falls back to
   * a free one. Absent: no endpoint (node.kubeletPort is published as given).
   */
  kubeletServer?: { address: string; port: number; fallbackToAnyPort?: boolean };
}

/** One node's agent. `start()` registers and begins; `stop()` stops it and leaves the pods running. */
export class NodeAgent {
  readonly nodeName: string;
  readonly workers: PodWorkers;
  readonly statusManager: StatusManager;
  readonly reporter: NodeStatusReporter;
  private lease: NodeLease | undefined;
  private readonly log: Logger;
  private readonly clock: TimerClock;
  private readonly ownInformers: SharedInformerFactory | undefined;
  private readonly informers: SharedInformerFactory;
  private readonly podSource: PodSource;
  private readonly events: AgentEvents;
  private readonly controller = new AbortController();
  private detach: (() => void) | undefined;
  private cancelHousekeeping: (() => void) | undefined;
  private readonly config: NodeConfig;
  private server: KubeletServer | undefined;
  node: Node | undefined;

  constructor(private readonly opts: NodeAgentOptions) {
    this.nodeName = opts.nodeName;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'agent', node: opts.nodeName });
    if (opts.informers) this.informers = opts.informers;
    else {
      this.ownInformers = new SharedInformerFactory(opts.client, { clock: this.clock, logger: this.log });
      this.informers = this.ownInformers;
    }
    this.podSource =
      opts.podSource ??
      new InformerPodSource(
        this.informers.informerFor(PODS, { fieldSelector: `spec.nodeName=${opts.nodeName}` }),
      );
    const services = this.informers.informerFor(SERVICES, {
      namespace: '',
      fieldSelector: '',
      labelSelector: '',
    });
    this.events =
      opts.events ??
      kubeletEventRecorder({
        client: opts.client,
        nodeName: opts.nodeName,
        clock: this.clock,
        logger: this.log,
      });
    const machine = opts.machine ?? readMachineInfo(opts.dataDir);
    const config: NodeConfig = {
      kubeletPort: 10250,
      containerRuntimeVersion: `skiff-${opts.runtime.name}://0.1.0`,
      ...opts.node,
      nodeName: opts.nodeName,
    };
    this.config = config;
    this.reporter = new NodeStatusReporter({
      client: opts.client,
      clock: this.clock,
      logger: this.log,
      machine,
      config,
      sample: opts.sample ?? (() => sampleResources(opts.dataDir)),
      events: this.events,
      updateFrequencyMs: opts.nodeStatusUpdateFrequencyMs,
      reportFrequencyMs: opts.nodeStatusReportFrequencyMs,
    });
    this.statusManager = new StatusManager({
      writer: clientStatusWriter(opts.client),
      clock: this.clock,
      logger: this.log,
      batchMs: opts.statusBatchMs,
    });
    const allocatable = this.reporter.allocatable();
    this.workers = new PodWorkers({
      nodeName: opts.nodeName,
      runtime: opts.runtime,
      clock: this.clock,
      logger: this.log,
      podsDir: join(opts.dataDir, 'pods'),
      statusManager: this.statusManager,
      events: this.events,
      probeRunner: opts.probeRunner ?? new Prober(opts.runtime),
      source: new ClientObjectSource({ client: opts.client, clock: this.clock, services: services.store }),
      hostIP: () => machine.internalIP,
      allocatable: () => allocatable,
      resyncMs: opts.resyncMs,
    });
  }

  /** Registers the Node, starts the heartbeat and status loops, then runs the node's pods. */
  async start(): Promise<void> {
    await mkdir(join(this.opts.dataDir, 'pods'), { recursive: true });
    if (this.opts.kubeletServer) this.config.kubeletPort = await this.startServer(this.opts.kubeletServer);
    this.node = await this.reporter.register();
    this.lease = new NodeLease({
      client: this.opts.client,
      clock: this.clock,
      nodeName: this.nodeName,
      nodeUid: this.node.metadata.uid,
      logger: this.log,
      leaseDurationSeconds: this.opts.leaseDurationSeconds,
      renewIntervalMs: this.opts.leaseRenewIntervalMs,
      initialDelayMs: this.opts.leaseInitialDelayMs,
    });
    await this.lease.start();
    this.reporter.start();
    this.informers.start(this.controller.signal);
    const { synced, detach } = await this.podSource.attach(
      this.nodeName,
      {
        podUpdated: (p: Pod) => this.workers.updatePod(p),
        podRemoved: (p: Pod) => this.workers.removePod(p),
      },
      this.controller.signal,
    );
    this.detach = detach;
    if (synced) {
      const removed = await this.workers.cleanupOrphans();
      if (removed) this.log.info({ removed }, 'removed pods no longer bound to this node');
    }
    this.scheduleHousekeeping();
    this.log.info('node agent started');
  }

  /** The port the kubelet endpoint listens on (the one published in the Node), once started. */
  get kubeletPort(): number {
    return this.config.kubeletPort;
  }

  private async startServer(o: NonNullable<NodeAgentOptions['kubeletServer']>): Promise<number> {
    const server = new KubeletServer({
      host: {
        runtime: this.opts.runtime,
        getPodByName: (namespace, name) => {
          const pod = this.podSource.get(namespace, name);
          return pod?.spec?.nodeName === this.nodeName ? pod : undefined;
        },
        getPodStatus: (uid) => this.statusManager.getPodStatus(uid),
      },
      logger: this.log,
      clock: this.clock,
    });
    let port: number;
    try {
      port = await server.listen(o.address, o.port);
    } catch (err) {
      if (!o.fallbackToAnyPort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      this.log.info({ port: o.port }, 'kubelet port in use; listening on a free port');
      port = await server.listen(o.address, 0);
    }
    this.server = server;
    this.log.info({ address: o.address, port }, 'kubelet endpoint listening');
    return port;
  }

  private scheduleHousekeeping(): void {
    if (this.controller.signal.aborted) return;
    this.cancelHousekeeping = this.clock.setTimer(60_000, () => {
      this.workers.housekeeping();
      this.scheduleHousekeeping();
    });
  }

  /**
   * Stops heartbeats, pod workers and probes, writes what status is pending (briefly), and stops the
   * informers it owns. Pods keep running unless `stopPodsOnStop`; the runtime stays open (its owner closes it).
   */
  async stop(): Promise<void> {
    this.controller.abort();
    this.cancelHousekeeping?.();
    this.detach?.();
    await this.workers.stop();
    if (this.opts.stopPodsOnStop) await this.workers.stopAllPods();
    await Promise.all([this.lease?.stop(), this.reporter.stop(), this.server?.close()]);
    await withTimeout(this.statusManager.flush(), 2000);
    this.statusManager.stop();
    await withTimeout(this.events.flush(), 1000);
    await this.ownInformers?.shutdown();
    this.log.info('node agent stopped');
  }
}

async function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}
