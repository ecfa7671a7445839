import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { MemoryStore, openStore, SqliteStore, type StoreSpec } from './index.js';

void it('openStore opens each kind of backend', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-open-'));
  try {
    const cases: Array<[StoreSpec, (store: object) => boolean]> = [
      [{ kind: 'memory' }, (s) => s instanceof MemoryStore],
      [{ kind: 'sqlite', path: join(dir, 'state.db') }, (s) => s instanceof SqliteStore],
    ];
    for (const [spec, isExpected] of cases) {
      const store = await openStore(spec);
      try {
        assert.ok(isExpected(store), spec.kind);
        const kv = await store.create('/registry/x', '{}');
        assert.deepEqual((await store.get('/registry/x')).kv, kv, spec.kind);
      } finally {
        await store.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
