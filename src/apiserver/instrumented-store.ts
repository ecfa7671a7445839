/** @module Wraps a Store to time each operation into a histogram. */
import type { Histogram } from 'prom-client';
import type { Store } from '../storage/interface.js';

const TIMED = ['get', 'list', 'count', 'create', 'update', 'delete', 'currentRevision'] as const;

export function instrumentStore(store: Store, histogram: Histogram<'operation'>): Store {
  const wrapped: Store = Object.create(store) as Store;
  for (const op of TIMED) {
    const fn = store[op].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[op] = async (...args: unknown[]) => {
      const end = histogram.startTimer({ operation: op });
      try {
        return await fn(...args);
      } finally {
        end();
      }
    };
  }
  wrapped.watch = store.watch.bind(store);
  wrapped.compact = store.compact.bind(store);
  wrapped.compactedRevision = store.compactedRevision.bind(store);
  wrapped.close = store.close.bind(store);
  return wrapped;
}
