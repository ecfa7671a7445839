/**
 * @module Controllers' event recorder: core/v1 Events written in the background, correlated as client-go's
 * EventCorrelator does — identical events bump count/lastTimestamp on one Event, more than ten similar events
 * (same reason, different messages) within ten minutes collapse into a "(combined from similar events)" Event,
 * and a per-object token bucket (burst 25, one more every five minutes) drops spam.
 */
import { pino, type Logger } from 'pino';
import { isStatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { Event, ObjectReference } from '../../api/openapi/generated/types.js';
import type { KubeClient } from '../../client/client.js';
import { apiVersionOf, EVENTS, type ResourceDescriptor } from '../../client/resources.js';
import { rfc3339, systemClock, type Clock } from '../../util/clock.js';
import { errorText } from '../../util/errors.js';

export type EventType = 'Normal' | 'Warning';

/** Where events go. `patch` updates count, lastTimestamp and message of an Event written before. */
export interface EventSink {
  create(event: Event): Promise<Event>;
  patch(
    namespace: string,
    name: string,
    change: Pick<Event, 'count' | 'lastTimestamp' | 'message'>,
  ): Promise<Event>;
}

/** An EventSink over the API (strategic merge patch for repeats, as upstream). */
export function clientEventSink(client: KubeClient): EventSink {
  return {
    create: (event) => client.create(EVENTS, event as never),
    patch: (namespace, name, change) => client.patch(EVENTS, name, change, { type: 'strategic', namespace }),
  };
}

export interface EventRecorderOptions {
  sink: EventSink;
  /** source.component and reportingComponent, e.g. 'replicaset-controller'. */
  component: string;
  /** source.host and reportingInstance (empty for controllers, as upstream). */
  host?: string;
  clock?: Clock;
  /** Events waiting to be written before new ones are dropped (client-go: 1000). */
  maxQueued?: number;
  /** Writes in flight at once (default 4). */
  concurrency?: number;
  /** Spam filter per source and object: burst (25) and refill per second (1/300). */
  spamBurst?: number;
  spamQps?: number;
  logger?: Logger;
}

const LRU_SIZE = 4096;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const MESSAGE_LIMIT = 1024;

/** Cuts messages to upstream's note length limit. */
function truncate(message: string): string {
  return message.length <= MESSAGE_LIMIT ? message : message.slice(0, MESSAGE_LIMIT - 4) + ' ...';
}

/** An object reference for an event about `obj` of resource `res`. */
export function objectReference(res: ResourceDescriptor, obj: KubeObject): ObjectReference {
  const ref: ObjectReference = {
    apiVersion: apiVersionOf(res),
    kind: res.kind,
    name: obj.metadata.name ?? '',
  };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata.uid) ref.uid = obj.metadata.uid;
  if (obj.metadata.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}

/** A Map used as an LRU cache. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}

interface Bucket {
  tokens: number;
  last: number;
}

interface EventLog {
  count: number;
  firstTimestamp: string;
  name: string;
}

interface Write {
  event: Event;
  /** First write of this Event name: create it; else patch. */
  create: boolean;
}

/**
 * Records Events for one component. `event()` returns at once; writes happen in the background in order per
 * Event (a repeat waits for the write before it). `flush()` waits for everything queued so far.
 */
export class EventRecorder {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly spam = new Lru<Bucket>(LRU_SIZE);
  private readonly aggregates = new Lru<{ localKeys: Set<string>; last: number }>(LRU_SIZE);
  private readonly observed = new Lru<EventLog>(LRU_SIZE);
  private readonly pending = new Map<string, Write>();
  private readonly order: string[] = [];
  private readonly inFlight = new Set<string>();
  private idleWaiters: Array<() => void> = [];
  private seq = 0;
  /** Events dropped by the spam filter or a full queue. */
  dropped = 0;
  /** Writes that failed. */
  failed = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ events: opts.component });
  }

  /** Records an event about `obj` (a `res` object). */
  event(res: ResourceDescriptor, obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.record(objectReference(res, obj), type, reason, message);
  }

  /** Records an event about a referenced object. */
  record(ref: ObjectReference, type: EventType, reason: string, message: string): void {
    const now = this.clock.now();
    const ts = rfc3339(now);
    const host = this.opts.host ?? '';
    const fresh: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: this.eventName(ref.name ?? '', now), namespace: ref.namespace || 'default' },
      involvedObject: ref,
      reason,
      message: truncate(message),
      source: host ? { component: this.opts.component, host } : { component: this.opts.component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      reportingComponent: this.opts.component,
      reportingInstance: host,
    };
    const { event: aggregated, key } = this.aggregate(fresh, now.getTime());
    const event = this.observe(aggregated, key);
    if (this.isSpam(event, now.getTime())) {
      this.dropped++;
      return;
    }
    this.enqueue(event);
  }

  /** Resolves once every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    if (this.pending.size === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private eventName(objName: string, now: Date): string {
    // Unix nanoseconds in hex, as upstream; the sequence keeps names of one millisecond apart.
    const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return `${objName}.${nanos.toString(16)}`;
  }

  private aggregate(e: Event, now: number): { event: Event; key: string } {
    const eventKey = fullKey(e);
    const aggregateKey = [
      e.source?.component,
      e.source?.host,
      refKey(e.involvedObject),
      e.type,
      e.reason,
      e.reportingComponent,
      e.reportingInstance,
    ].join('\u0000');
    let rec = this.aggregates.get(aggregateKey);
    if (!rec || now - rec.last > AGGREGATE_INTERVAL_MS) rec = { localKeys: new Set(), last: now };
    rec.localKeys.add(e.message ?? '');
    rec.last = now;
    this.aggregates.set(aggregateKey, rec);
    if (rec.localKeys.size < AGGREGATE_MAX_EVENTS) return { event: e, key: eventKey };
    const any = rec.localKeys.values().next().value;
    if (any !== undefined) rec.localKeys.delete(any);
    const combined: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: e.metadata.name, namespace: e.metadata.namespace },
      involvedObject: e.involvedObject,
      reason: e.reason,
      message: `(combined from similar events): ${e.message ?? ''}`,
      source: e.source,
      firstTimestamp: e.firstTimestamp,
      lastTimestamp: e.lastTimestamp,
      count: 1,
      type: e.type,
    };
    return { event: combined, key: aggregateKey };
  }

  private observe(e: Event, key: string): Event {
    const last = this.observed.get(key);
    let event = e;
    if (last) {
      event = {
        ...e,
        metadata: { ...e.metadata, name: last.name },
        firstTimestamp: last.firstTimestamp,
        count: last.count + 1,
      };
    }
    this.observed.set(key, {
      count: event.count ?? 1,
      firstTimestamp: event.firstTimestamp ?? '',
      name: event.metadata?.name ?? '',
    });
    return event;
  }

  private isSpam(e: Event, now: number): boolean {
    const key = [e.source?.component, e.source?.host, refKey(e.involvedObject)].join('\u0000');
    const burst = this.opts.spamBurst ?? 25;
    const qps = this.opts.spamQps ?? 1 / 300;
    const b = this.spam.get(key) ?? { tokens: burst, last: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.last) / 1000) * qps);
    b.last = now;
    this.spam.set(key, b);
    if (b.tokens < 1) return true;
    b.tokens -= 1;
    return false;
  }

  private enqueue(event: Event): void {
    const name = event.metadata?.name ?? '';
    const queued = this.pending.get(name);
    if (queued) {
      queued.event = event;
      return;
    }
    if (this.pending.size >= (this.opts.maxQueued ?? 1000)) {
      this.dropped++;
      return;
    }
    this.pending.set(name, { event, create: (event.count ?? 1) <= 1 });
    if (!this.inFlight.has(name)) this.order.push(name);
    this.pump();
  }

  private pump(): void {
    const concurrency = this.opts.concurrency ?? 4;
    while (this.inFlight.size < concurrency && this.order.length > 0) {
      const name = this.order.shift()!;
      const w = this.pending.get(name);
      if (!w) continue;
      this.pending.delete(name);
      this.inFlight.add(name);
      void this.write(w).finally(() => {
        this.inFlight.delete(name);
        // A repeat recorded while this write was in flight goes next.
        if (this.pending.has(name)) this.order.push(name);
        this.pump();
        if (this.pending.size === 0 && this.inFlight.size === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  private async write(w: Write): Promise<void> {
    const e = w.event;
    const ns = e.metadata?.namespace ?? 'default';
    const name = e.metadata?.name ?? '';
    try {
      if (!w.create) {
        try {
          await this.opts.sink.patch(ns, name, {
            count: e.count,
            lastTimestamp: e.lastTimestamp,
            message: e.message,
          });
          return;
        } catch (err) {
          if (!isStatusError(err) || err.code !== 404) throw err;
          // The earlier Event is gone (expired, deleted): write it anew.
        }
      }
      await this.opts.sink.create(e);
    } catch (err) {
      if (isStatusError(err) && err.code === 409) return;
      this.failed++;
      this.log.debug({ err: errorText(err), reason: e.reason }, 'could not write event');
    }
  }
}

function refKey(r: ObjectReference): string {
  return [r.kind, r.namespace, r.name, r.uid, r.apiVersion].join('\u0000');
}

function fullKey(e: Event): string {
  return [
    e.source?.component,
    e.source?.host,
    refKey(e.involvedObject),
    e.involvedObject.fieldPath,
    e.type,
    e.reason,
    e.message,
  ].join('\u0000');
}
