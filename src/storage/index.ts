/** @module Entry point of the storage layer: opens the configured Store backend. */
import type { Store } from './interface.js';
import { MemoryStore } from './memory/memory-store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

export * from './interface.js';
export { MemoryStore } from './memory/memory-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

/** Which backend to open: in-memory (nothing persists) or an SQLite file (created if missing). */
export type StoreSpec = { kind: 'memory' } | { kind: 'sqlite'; path: string; options?: SqliteStoreOptions };

export async function openStore(spec: StoreSpec): Promise<Store> {
  switch (spec.kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return SqliteStore.open(spec.path, spec.options);
    default:
      throw new Error(`unknown store kind ${(spec satisfies never as { kind: string }).kind}`);
  }
}
