import { runStoreConformance } from '../conformance.case.js';
import { MemoryStore } from './memory-store.js';

runStoreConformance('memory', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));
