/** @module Prometheus metrics of the apiserver, named as upstream's where an equivalent exists. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Labels of a request's metrics, as upstream's (dry_run and component aside). */
export type RequestLabel = 'verb' | 'group' | 'version' | 'resource' | 'subresource' | 'scope';

export type RequestLabels = Record<RequestLabel, string>;

const REQUEST_LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope'] as const;
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ApiMetrics {
  registry: Registry;
  /**
   * Counts a finished request in apiserver_request_total and, unless `seconds` is undefined (watches),
   * observes its latency in apiserver_request_duration_seconds.
   */
  recordRequest(labels: RequestLabels, code: number, seconds: number | undefined): void;
  storageDuration: Histogram<'operation'>;
  watchers: Gauge;
}

/** One line of a metric as the registry prints it. */
interface ExportedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** One label set of the request metrics, accumulated here and read at scrape time. */
interface RequestSeries {
  readonly labels: RequestLabels;
  readonly code: string;
  /** Requests not yet added to the prom-client counter. */
  uncounted: number;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly buckets: number[];
  sum: number;
  observations: number;
}

/**
 * Request metrics cost a Map lookup per request: prom-client hashes and validates the labels on every
 * call, a few µs each that every write paid. The counter takes the accumulated counts when scraped;
 * the latency histogram is read straight from the series.
 */
class RequestMetrics {
  private readonly series = new Map<string, RequestSeries>();

  record(labels: RequestLabels, code: number, seconds: number | undefined): void {
    const key = `${labels.verb} ${labels.group} ${labels.version} ${labels.resource} ${labels.subresource} ${labels.scope} ${code}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = {
        labels: { ...labels },
        code: String(code),
        uncounted: 0,
        buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
        sum: 0,
        observations: 0,
      };
      this.series.set(key, s);
    }
    s.uncounted++;
    if (seconds === undefined) return;
    let b = 0;
    while (b < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[b]!) b++;
    s.buckets[b]!++;
    s.sum += seconds;
    s.observations++;
  }

  /** Moves the counts accumulated since the last scrape into `counter`. */
  flushCounts(counter: Counter<RequestLabel | 'code'>): void {
    for (const s of this.series.values()) {
      if (s.uncounted === 0) continue;
      counter.inc({ ...s.labels, code: s.code }, s.uncounted);
      s.uncounted = 0;
    }
  }

  /** The latency histogram in prom-client's metric shape (as its Histogram reports, codes merged). */
  durationValues(name: string): ExportedValue[] {
    const merged = new Map<
      string,
      { labels: RequestLabels; buckets: number[]; sum: number; count: number }
    >();
    for (const s of this.series.values()) {
      if (s.observations === 0) continue;
      const { verb, group, version, resource, subresource, scope } = s.labels;
      const key = `${verb} ${group} ${version} ${resource} ${subresource} ${scope}`;
      let m = merged.get(key);
      if (m === undefined) {
        m = { labels: s.labels, buckets: new Array<number>(s.buckets.length).fill(0), sum: 0, count: 0 };
        merged.set(key, m);
      }
      for (let i = 0; i < s.buckets.length; i++) m.buckets[i]! += s.buckets[i]!;
      m.sum += s.sum;
      m.count += s.observations;
    }
    const values: ExportedValue[] = [];
    for (const m of merged.values()) {
      let cumulative = 0;
      for (let i = 0; i < m.buckets.length; i++) {
        cumulative += m.buckets[i]!;
        const le = i < DURATION_BUCKETS.length ? DURATION_BUCKETS[i]! : '+Inf';
        values.push({ metricName: `${name}_bucket`, labels: { le, ...m.labels }, value: cumulative });
      }
      values.push({ metricName: `${name}_sum`, labels: m.labels, value: m.sum });
      values.push({ metricName: `${name}_count`, labels: m.labels, value: m.count });
    }
    return values;
  }
}

export function createMetrics(watcherCount: () => number): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestMetrics = new RequestMetrics();
  new Counter({
    name: 'apiserver_request_total',
    help: 'Requests by verb, group, version, resource, subresource, scope and HTTP code.',
    labelNames: [...REQUEST_LABELS, 'code'] as const,
    registers: [registry],
    collect() {
      requestMetrics.flushCounts(this);
    },
  });
  const durationName = 'apiserver_request_duration_seconds';
  registry.registerMetric({
    name: durationName,
    help: 'Request latency by verb, group, version, resource, subresource and scope (watches excluded).',
    type: 'histogram',
    aggregator: 'sum',
    get: () =>
      Promise.resolve({
        name: durationName,
        help: 'Request latency by verb, group, version, resource, subresource and scope (watches excluded).',
        type: 'histogram',
        aggregator: 'sum',
        values: requestMetrics.durationValues(durationName),
      }),
  } as unknown as Parameters<Registry['registerMetric']>[0]);
  const storageDuration = new Histogram({
    name: 'skiff_storage_operation_duration_seconds',
    help: 'Store operation latency by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const watchers = new Gauge({
    name: 'apiserver_registered_watchers',
    help: 'Open watches.',
    registers: [registry],
    collect() {
      this.set(watcherCount());
    },
  });
  return {
    registry,
    recordRequest: (labels, code, seconds) => requestMetrics.record(labels, code, seconds),
    storageDuration,
    watchers,
  };
}
