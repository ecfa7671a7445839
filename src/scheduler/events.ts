/**
 * @module The scheduler's event recorder: core/v1 Events (Scheduled, FailedScheduling) written in the
 * background through a bounded queue, as client-go's broadcaster does: repeats of the same event on the same
 * object are counted on one Event, and events are dropped (counted) when the queue is full.
 */
import type { Logger } from 'pino';
import type { Event, ObjectReference } from '../api/openapi/generated/types.js';
import { rfc3339, type Clock } from '../util/clock.js';

/** Upstream's NoteLengthLimit: longer messages are cut with " ...". */
export const MESSAGE_LENGTH_LIMIT = 1024;

/** Cuts a message to the event note limit as upstream's truncateMessage. */
export function truncateMessage(message: string): string {
  if (message.length <= MESSAGE_LENGTH_LIMIT) return message;
  const suffix = ' ...';
  return message.slice(0, MESSAGE_LENGTH_LIMIT - suffix.length) + suffix;
}

/** Where events go: create a new Event, or bump one already written. */
export interface EventSink {
  create(event: Event): Promise<Event>;
  update(namespace: string, name: string, count: number, lastTimestamp: string): Promise<void>;
}

export interface EventRecorderOptions {
  sink: EventSink;
  clock: Clock;
  /** source.component and reportingComponent, e.g. 'default-scheduler'. */
  component: string;
  /** reportingInstance, e.g. 'default-scheduler-myhost'. */
  instance: string;
  /** Events waiting to be written before new ones are dropped (client-go's maxQueuedEvents: 1000). */
  maxQueued?: number;
  /** Writes in flight at once. */
  concurrency?: number;
  logger?: Logger;
}

/** The object an event is about. */
export interface EventSubject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

interface Pending {
  key: string;
  event: Event;
  /** Name of an Event already written for the same key (the write then bumps its count). */
  existing: string | undefined;
}

const RECENT_LIMIT = 4096;

export class EventRecorder {
  private readonly queue: Pending[] = [];
  private readonly pendingByKey = new Map<string, Pending>();
  /** Events written, by aggregation key: their name and count. */
  private readonly recent = new Map<string, { name: string; count: number }>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly maxQueued: number;
  private readonly concurrency: number;
  /** Events dropped because the queue was full. */
  dropped = 0;
  /** Events whose write failed. */
  failed = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.maxQueued = opts.maxQueued ?? 1000;
    this.concurrency = opts.concurrency ?? 2;
  }

  /** Records an event about `obj`; returns at once (the write happens in the background). */
  eventf(
    obj: EventSubject,
    type: 'Normal' | 'Warning',
    reason: string,
    action: string,
    message: string,
  ): void {
    const msg = truncateMessage(message);
    const key = `${obj.metadata.uid ?? ''}\u0000${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}\u0000${reason}\u0000${type}\u0000${msg}`;
    const queued = this.pendingByKey.get(key);
    if (queued) {
      queued.event.count = (queued.event.count ?? 1) + 1;
      queued.event.lastTimestamp = rfc3339(this.opts.clock.now());
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    const nowTime = this.opts.clock.now();
    const now = rfc3339(nowTime);
    const ref: ObjectReference = {
      apiVersion: obj.apiVersion ?? 'v1',
      kind: obj.kind ?? 'Pod',
      name: obj.metadata.name ?? '',
      namespace: obj.metadata.namespace ?? '',
      ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
    };
    const prev = this.recent.get(key);
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${ref.name}.${(BigInt(nowTime.getTime()) * 1_000_000n + BigInt(uniq++ % 1_000_000)).toString(16)}`,
        namespace: ref.namespace || 'default',
      },
      involvedObject: ref,
      reason,
      message: msg,
      type,
      action,
      source: { component: this.opts.component },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: (prev?.count ?? 0) + 1,
    };
    const p: Pending = { key, event, existing: prev?.name };
    this.queue.push(p);
    this.pendingByKey.set(key, p);
    this.pump();
  }

  /** Resolves once every queued event has been written (or failed). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const p = this.queue.shift()!;
      this.pendingByKey.delete(p.key);
      this.inFlight++;
      void this.write(p).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0) {
          const w = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of w) resolve();
        }
      });
    }
  }

  private async write(p: Pending): Promise<void> {
    const e = p.event;
    try {
      if (p.existing) {
        try {
          await this.opts.sink.update(e.metadata.namespace!, p.existing, e.count ?? 1, e.lastTimestamp!);
          this.remember(p.key, p.existing, e.count ?? 1);
          return;
        } catch {
          // The earlier Event is gone (or unwritable): write a new one.
          e.count = 1;
        }
      }
      const created = await this.opts.sink.create(e);
      this.remember(p.key, created.metadata.name ?? e.metadata.name!, e.count ?? 1);
    } catch (err) {
      this.failed++;
      this.opts.logger?.debug(
        { err, reason: e.reason, object: e.involvedObject.name },
        'could not write event',
      );
    }
  }

  private remember(key: string, name: string, count: number): void {
    this.recent.delete(key);
    this.recent.set(key, { name, count });
    if (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}

let uniq = 0;
