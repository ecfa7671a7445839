/**
 * @module The node heartbeat Lease (upstream's nodelease controller): `kube-node-lease/<node>`, holder the
 * node's name, 40 s duration, renewed every 10 s with a conditional update, owned by the Node.
 */
import type { Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import type { KubeClient } from '../../client/client.js';
import { LEASES, type Lease } from '../../client/resources.js';
import { rfc3339Micro, type TimerClock } from '../../util/clock.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLeaseOptions {
  client: KubeClient;
  clock: TimerClock;
  nodeName: string;
  /** The Node's uid, for the owner reference (the Lease goes away with its Node). */
  nodeUid?: string;
  logger?: Logger;
  leaseDurationSeconds?: number;
  /** Default: a quarter of the duration (10 s). */
  renewIntervalMs?: number;
  /** Delay of the first renewal after start (hollow nodes spread theirs over the interval). */
  initialDelayMs?: number;
}

/** Keeps one node's Lease renewed until stopped. */
export class NodeLease {
  private lease: Lease | undefined;
  private cancel: (() => void) | undefined;
  private stopped = false;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  /** Successful renewals (for tests and benchmarks). */
  renewals = 0;

  constructor(private readonly opts: NodeLeaseOptions) {}

  private get duration(): number {
    return this.opts.leaseDurationSeconds ?? 40;
  }

  private get interval(): number {
    return this.opts.renewIntervalMs ?? (this.duration * 1000) / 4;
  }

  /** Renews once now (creating the Lease if needed), then keeps renewing. */
  async start(): Promise<void> {
    if (this.opts.initialDelayMs) this.schedule(this.opts.initialDelayMs);
    else {
      await this.renew();
      this.schedule(this.failures ? this.retryDelay() : this.interval);
    }
  }

  private retryDelay(): number {
    // Upstream retries 200 ms, doubling up to 7 s.
    return Math.min(7000, 200 * 2 ** Math.max(0, this.failures - 1));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancel = this.opts.clock.setTimer(ms, () => {
      this.cancel = undefined;
      this.inFlight = this.renew().finally(() => {
        this.inFlight = undefined;
        this.schedule(this.failures ? this.retryDelay() : this.interval);
      });
    });
  }

  private desired(base: Lease | undefined): Lease {
    const now = rfc3339Micro(this.opts.clock.now());
    const lease: Lease = base
      ? structuredClone(base)
      : {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.opts.nodeName, namespace: NODE_LEASE_NAMESPACE },
        };
    lease.spec = {
      ...lease.spec,
      holderIdentity: this.opts.nodeName,
      leaseDurationSeconds: this.duration,
      renewTime: now,
    };
    if (this.opts.nodeUid && !lease.metadata.ownerReferences?.length) {
      lease.metadata.ownerReferences = [
        { apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid: this.opts.nodeUid },
      ];
    }
    return lease;
  }

  /** One renewal: update the known Lease, or get/create it. */
  async renew(): Promise<void> {
    const { client } = this.opts;
    try {
      if (this.lease) {
        try {
          this.lease = await client.update(LEASES, this.desired(this.lease));
        } catch (err) {
          if (!isStatusError(err) || (err.code !== 409 && err.code !== 404)) throw err;
          this.lease = undefined;
        }
      }
      if (!this.lease) {
        let current: Lease | undefined;
        try {
          current = await client.get(LEASES, this.opts.nodeName, { namespace: NODE_LEASE_NAMESPACE });
        } catch (err) {
          if (!isStatusError(err) || err.code !== 404) throw err;
        }
        this.lease = current
          ? await client.update(LEASES, this.desired(current))
          : await client.create(LEASES, this.desired(undefined));
      }
      this.renewals++;
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.lease = undefined;
      this.opts.logger?.warn(
        { err: (err as Error).message, node: this.opts.nodeName },
        'node lease renewal failed',
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.inFlight;
  }
}
