/** @module Wraps a Store to time each operation into a histogram. */
import type { Histogram } from 'prom-client';
import type { Store } from '../storage/interface.js';

const TIMED = ['get', 'list', 'count', 'create', 'update', 'delete', 'currentRevision'] as const;

export function instrumentStore(store: Store, histogram: Histogram<'operation'>): Store {
  const wrapped: Store = Object.create(store) as Store;
  for (const op of TIMED) {
    const fn = store[op].bind(store) as (...args: unknown[]) => Promise<unknown>;
    // Bound once: a child observes without hashing its labels on every call.
    const timer = histogram.labels({ operation: op });
    (wrapped as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
      const start = performance.now();
      const observe = (): void => timer.observe((performance.now() - start) / 1000);
      let result: Promise<unknown>;
      try {
        result = fn(...args);
      } catch (err) {
        observe();
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      // The caller gets the store's own promise (no extra hop); timing hangs off it.
      result.then(observe, observe);
      return result;
    };
  }
  wrapped.watch = store.watch.bind(store);
  wrapped.compact = store.compact.bind(store);
  wrapped.compactedRevision = store.compactedRevision.bind(store);
  wrapped.close = store.close.bind(store);
  return wrapped;
}
