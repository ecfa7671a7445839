/**
 * @module Child process for the crash test: writes to a SqliteStore until killed, printing
 * `<key> <modRevision>` for every write whose promise resolved.
 */
import { SqliteStore } from './sqlite-store.js';

const store = await SqliteStore.open(process.argv[2]!, { compactInterval: 0 });
let counter = await store.create('/crash/counter', '0');
for (let round = 0; ; round++) {
  const writes = [
    ...Array.from({ length: 8 }, (_, i) => store.create(`/crash/k${round * 8 + i}`, `v${round}`)),
    store.update('/crash/counter', String(round), counter.modRevision),
  ];
  const kvs = await Promise.all(writes);
  counter = kvs[kvs.length - 1]!;
  process.stdout.write(kvs.map((kv) => `${kv.key} ${kv.modRevision} ${kv.value}\n`).join(''));
}
