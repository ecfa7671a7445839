/**
 * @module Storage write throughput: raw better-sqlite3 (one transaction per row, then batched)
 * against SqliteStore creates from concurrent writers. Run with `npx tsx bench/storage.ts [rows]`.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';

const rows = Number(process.argv[2] ?? 50_000);
const writers = 64;
const value = JSON.stringify({ kind: 'Pod', pad: 'x'.repeat(2000) });

function rawDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL)');
  return db;
}

function rate(n: number, start: bigint): string {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return `${Math.round(n / seconds).toLocaleString('en-US')}/s`;
}

function rawPerRow(dir: string, n: number): string {
  const db = rawDb(join(dir, 'raw-row.db'));
  const insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) insert.run(`/registry/pods/default/p${i}`, value);
  const out = rate(n, start);
  db.close();
  return out;
}

function rawBatched(dir: string, n: number, batch: number): string {
  const db = rawDb(join(dir, 'raw-batch.db'));
  const insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
  const insertMany = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(`/registry/pods/default/p${i}`, value);
  });
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += batch) insertMany(i, Math.min(n, i + batch));
  const out = rate(n, start);
  db.close();
  return out;
}

async function storeCreates(dir: string, n: number): Promise<string> {
  const store = await SqliteStore.open(join(dir, 'store.db'));
  let next = 0;
  const writer = async () => {
    while (next < n) await store.create(`/registry/pods/default/p${next++}`, value);
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: writers }, writer));
  const out = rate(n, start);
  const listStart = process.hrtime.bigint();
  const listed = (await store.list('/registry/pods/')).kvs.length;
  const listRate = rate(listed, listStart);
  await store.close();
  return `${out} (then listing ${listed.toLocaleString('en-US')} keys: ${listRate})`;
}

const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
try {
  const perRow = Math.min(rows, 20_000);
  console.log(`value size ${value.length} bytes`);
  console.log(`raw better-sqlite3, one transaction per row (${perRow} rows): ${rawPerRow(dir, perRow)}`);
  console.log(`raw better-sqlite3, 1000 rows per transaction (${rows} rows): ${rawBatched(dir, rows, 1000)}`);
  console.log(
    `SqliteStore.create, ${writers} concurrent writers (${rows} keys): ${await storeCreates(dir, rows)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
