/** @module SharedInformerFactory: one informer per resource and selector, shared by every consumer, started together. */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { TimerClock } from '../../util/clock.js';
import type { KubeClient } from '../client.js';
import type { ResourceDescriptor } from '../resources.js';
import { SharedInformer, type SharedInformerOptions } from './shared-informer.js';

/** What distinguishes two informers of one resource. */
export interface InformerScope {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface SharedInformerFactoryOptions extends InformerScope {
  /** Default handler resync period; 0 for none. */
  resyncPeriodMs?: number;
  clock?: TimerClock;
  logger?: Logger;
  /** Passed to every informer (page size, watch timeout, back-off). */
  informerOptions?: Omit<SharedInformerOptions, 'clock' | 'logger' | 'resyncPeriodMs' | keyof InformerScope>;
}

/**
 * Hands out one {@link SharedInformer} per resource and scope (namespace, label and field selector).
 * `start()` runs every informer not yet running (call it again after asking for more); `shutdown()` stops
 * them all and waits.
 */
export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly controller = new AbortController();

  constructor(
    readonly client: KubeClient,
    private readonly opts: SharedInformerFactoryOptions = {},
  ) {}

  /** The informer for a resource in the factory's scope, or in `scope` (which overrides it). */
  informerFor<T extends KubeObject>(
    res: ResourceDescriptor<T>,
    scope: InformerScope = {},
  ): SharedInformer<T> {
    const namespace = res.namespaced ? (scope.namespace ?? this.opts.namespace ?? '') : '';
    const labelSelector = scope.labelSelector ?? this.opts.labelSelector ?? '';
    const fieldSelector = scope.fieldSelector ?? this.opts.fieldSelector ?? '';
    const key = [res.group, res.version, res.resource, namespace, labelSelector, fieldSelector].join(
      '\u0000',
    );
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new SharedInformer<KubeObject>(this.client, res, {
        ...this.opts.informerOptions,
        namespace,
        labelSelector,
        fieldSelector,
        resyncPeriodMs: this.opts.resyncPeriodMs,
        clock: this.opts.clock,
        logger: this.opts.logger,
      });
      this.informers.set(key, inf);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts the informers that are not running; `signal` stops them too. */
  start(signal?: AbortSignal): void {
    if (this.controller.signal.aborted) throw new Error('informer factory is shut down');
    const stop = signal ? AbortSignal.any([signal, this.controller.signal]) : this.controller.signal;
    for (const [key, inf] of this.informers) {
      if (!this.running.has(key)) this.running.set(key, inf.run(stop));
    }
  }

  /** Resolves true when every started informer has synced, false if stopped first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const started = [...this.informers].filter(([k]) => this.running.has(k)).map(([, inf]) => inf);
    const results = await Promise.all(started.map((inf) => inf.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Stops every informer and waits for them to finish. */
  async shutdown(): Promise<void> {
    this.controller.abort();
    for (const inf of this.informers.values()) inf.stop();
    await Promise.all(this.running.values());
  }
}
