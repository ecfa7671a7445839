/**
 * @module ControllerManager: runs a set of controllers while holding a coordination.k8s.io Lease
 * (kube-system/kube-controller-manager by default), so of several managers on one cluster only one acts.
 * Each term of leadership gets fresh informers, queues and controllers; losing the lease stops them all and
 * the manager campaigns again.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { KubeClient } from '../../client/client.js';
import { SharedInformerFactory, type SharedInformerFactoryOptions } from '../../client/informer/factory.js';
import { stripManagedFields } from '../../client/informer/shared-informer.js';
import { LeaderElector } from '../../client/leader-election.js';
import { sleepUnlessAborted, systemClock, type TimerClock } from '../../util/clock.js';
import { errorText } from './controller.js';
import { clientEventSink, EventRecorder } from './event-recorder.js';

/** What a controller gets to build itself for one term of leadership. */
export interface ControllerContext {
  client: KubeClient;
  /** Shared by every controller of the term; started after every controller's `init`. */
  informers: SharedInformerFactory;
  clock: TimerClock;
  logger: Logger;
  /** The event recorder of a component, e.g. 'replicaset-controller' (one per component and term). */
  recorder(component: string): EventRecorder;
  /** Workers per controller, if the operator set it. */
  workers?: number;
}

/** A built controller: runs until the signal aborts, then resolves. */
export interface Runnable {
  run(signal: AbortSignal): Promise<void>;
}

/**
 * One controller the manager runs. `init` registers the informers and handlers it needs on
 * `ctx.informers` and returns the runnable; it must not start informers itself.
 */
export interface ControllerDescriptor {
  /** As upstream's --controllers names, e.g. 'replicaset', 'deployment'. */
  name: string;
  init(ctx: ControllerContext): Runnable | Promise<Runnable>;
}

export interface LeaderElectionOptions {
  namespace?: string;
  name?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ControllerManagerOptions {
  client: KubeClient;
  controllers: readonly ControllerDescriptor[];
  /** Unique per manager (default: host name plus a random suffix, as upstream). */
  identity?: string;
  /** `false` runs the controllers at once without a lease (single-process setups and tests). */
  leaderElection?: LeaderElectionOptions | false;
  workers?: number;
  clock?: TimerClock;
  logger?: Logger;
  informerOptions?: Omit<SharedInformerFactoryOptions, 'clock' | 'logger'>;
  /** After losing the lease: campaign again (default, in-process use) or stop (a standalone manager exits). */
  rejoinAfterLoss?: boolean;
}

/** Starts, leads, stops. `start()` returns at once; `stop()` stops the controllers and releases the lease. */
export class ControllerManager {
  readonly identity: string;
  private readonly clock: TimerClock;
  private readonly log: Logger;
  private readonly stopper = new AbortController();
  private loop: Promise<{ lostLease: boolean }> | undefined;
  private leading = false;
  private terms = 0;
  private termWaiters: Array<() => void> = [];

  constructor(private readonly opts: ControllerManagerOptions) {
    this.identity = opts.identity ?? `${hostname()}_${randomBytes(8).toString('hex')}`;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'controller-manager' });
  }

  /** True while this manager's controllers run (it holds the lease, or leader election is off). */
  isLeading(): boolean {
    return this.leading;
  }

  /** How many times this manager has started leading. */
  get leadershipTerms(): number {
    return this.terms;
  }

  /** Resolves when this manager next starts leading (at once if it leads now). */
  whenLeading(): Promise<void> {
    if (this.leading) return Promise.resolve();
    return new Promise((resolve) => this.termWaiters.push(resolve));
  }

  start(): void {
    if (this.loop) throw new Error('controller manager already started');
    this.loop = this.campaign().catch((err: unknown) => {
      this.log.error({ err: errorText(err) }, 'controller manager failed');
      return { lostLease: false };
    });
  }

  /** Resolves when the manager has stopped: by `stop()`, or by losing the lease without rejoining. */
  get done(): Promise<{ lostLease: boolean }> {
    if (!this.loop) throw new Error('controller manager not started');
    return this.loop;
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  private async campaign(): Promise<{ lostLease: boolean }> {
    const stop = this.stopper.signal;
    const le = this.opts.leaderElection;
    if (le === false) {
      await this.lead(stop);
      return { lostLease: false };
    }
    const retryPeriodMs = le?.retryPeriodMs ?? 2_000;
    while (!stop.aborted) {
      let term: Promise<void> | undefined;
      const elector = new LeaderElector({
        client: this.opts.client,
        lease: { namespace: le?.namespace ?? 'kube-system', name: le?.name ?? 'kube-controller-manager' },
        identity: this.identity,
        leaseDurationMs: le?.leaseDurationMs,
        renewDeadlineMs: le?.renewDeadlineMs,
        retryPeriodMs,
        clock: this.clock,
        logger: this.log,
        callbacks: {
          onStartedLeading: (signal) => {
            term = this.lead(signal);
          },
          onNewLeader: (who) => this.log.info({ leader: who }, 'new leader'),
        },
      });
      await elector.run(stop);
      await term;
      if (stop.aborted) break;
      if (this.opts.rejoinAfterLoss === false) {
        this.log.error('lost leadership; stopping');
        return { lostLease: true };
      }
      this.log.warn('lost leadership; campaigning again');
      await sleepUnlessAborted(this.clock, retryPeriodMs, stop);
    }
    return { lostLease: false };
  }

  /** One term: build every controller, start informers, run until `signal` aborts, then tear down. */
  private async lead(signal: AbortSignal): Promise<void> {
    // Every controller, informer and worker of the term listens for its end: more than the default 10.
    setMaxListeners(0, signal);
    const informers = new SharedInformerFactory(this.opts.client, {
      ...this.opts.informerOptions,
      // Controllers never read managedFields: drop them from the caches, as upstream's controller manager does.
      informerOptions: { transform: stripManagedFields, ...this.opts.informerOptions?.informerOptions },
      clock: this.clock,
      logger: this.log,
    });
    const recorders = new Map<string, EventRecorder>();
    const ctx: ControllerContext = {
      client: this.opts.client,
      informers,
      clock: this.clock,
      logger: this.log,
      workers: this.opts.workers,
      recorder: (component) => {
        let r = recorders.get(component);
        if (!r) {
          r = new EventRecorder({
            sink: clientEventSink(this.opts.client),
            component,
            clock: this.clock,
            logger: this.log,
          });
          recorders.set(component, r);
        }
        return r;
      },
    };
    this.leading = true;
    this.terms++;
    for (const w of this.termWaiters.splice(0)) w();
    this.log.info({ identity: this.identity }, 'started leading; starting controllers');
    const runs: Promise<void>[] = [];
    try {
      for (const d of this.opts.controllers) {
        try {
          const c = await d.init(ctx);
          runs.push(
            c
              .run(signal)
              .catch((err: unknown) =>
                this.log.error({ controller: d.name, err: errorText(err) }, 'controller failed'),
              ),
          );
          this.log.info({ controller: d.name }, 'started controller');
        } catch (err) {
          this.log.error({ controller: d.name, err: errorText(err) }, 'error starting controller');
        }
      }
      if (!signal.aborted) informers.start(signal);
      await Promise.all([...runs, aborted(signal)]);
    } finally {
      this.leading = false;
      await informers.shutdown();
      await Promise.all([...recorders.values()].map((r) => r.flush()));
      this.log.info('stopped controllers');
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
