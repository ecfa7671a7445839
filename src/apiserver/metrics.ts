/** @module Prometheus metrics of the apiserver, named as upstream's where an equivalent exists. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Labels of a request's metrics, as upstream's (dry_run and component aside). */
export type RequestLabel = 'verb' | 'group' | 'version' | 'resource' | 'subresource' | 'scope';

const REQUEST_LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope'] as const;

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<RequestLabel | 'code'>;
  requestDuration: Histogram<RequestLabel>;
  storageDuration: Histogram<'operation'>;
  watchers: Gauge;
}

export function createMetrics(watcherCount: () => number): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Requests by verb, group, version, resource, subresource, scope and HTTP code.',
    labelNames: [...REQUEST_LABELS, 'code'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Request latency by verb, group, version, resource, subresource and scope (watches excluded).',
    labelNames: REQUEST_LABELS,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
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
  return { registry, requests, requestDuration, storageDuration, watchers };
}
