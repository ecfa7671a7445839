import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { threadCpuMs } from './thread-cpu.js';

test("a thread's CPU time grows with its own work, not with another thread's", async () => {
  const before = threadCpuMs();
  if (before === undefined) return assert.equal(process.platform === 'linux', false);
  // Another thread spins for 300 ms; this one waits.
  const worker = new Worker(
    'const end = Date.now() + 300; while (Date.now() < end); require("worker_threads").parentPort.postMessage(1);',
    { eval: true },
  );
  await new Promise((r) => worker.once('message', r));
  await worker.terminate();
  const waited = threadCpuMs()! - before;
  assert.ok(waited < 150, `this thread used ${waited} ms while the other spun`);
  // Spinning here shows up, however busy the machine (the spin is bounded by wall time, not by CPU).
  const start = threadCpuMs()!;
  const deadline = Date.now() + 10_000;
  while (threadCpuMs()! - start < 100 && Date.now() < deadline) for (let i = 0; i < 1e5; i++);
  const spun = threadCpuMs()! - start;
  assert.ok(spun >= 100, `this thread used ${spun} ms spinning`);
});
