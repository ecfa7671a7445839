import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ItemExponentialFailureRateLimiter } from '../../client/workqueue/rate-limiter.js';
import { FakeClock } from '../../util/clock.js';
import { Controller, type ReconcileResult, type Syncable } from './controller.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function until(what: string, pred: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !pred(); i++) await tick();
  assert.ok(pred(), `timed out waiting for ${what}`);
}

/** A controller whose reconcile follows a script of outcomes per call. */
function scripted(outcomes: Array<'ok' | 'fail' | ReconcileResult>, maxRetries = 15) {
  const clock = new FakeClock();
  const calls: string[] = [];
  let i = 0;
  const c = new Controller({
    name: 'test',
    clock,
    maxRetries,
    rateLimiter: new ItemExponentialFailureRateLimiter<string>(5, 1000),
    reconcile: async (key) => {
      calls.push(key);
      const o = outcomes[i++] ?? 'ok';
      if (o === 'fail') throw new Error('boom');
      return o === 'ok' ? undefined : o;
    },
  });
  return { c, clock, calls };
}

describe('Controller', () => {
  const cases: Array<{
    name: string;
    outcomes: Array<'ok' | 'fail' | ReconcileResult>;
    maxRetries?: number;
    /** Clock advances (ms) after which the call count is checked. */
    steps: Array<[advanceMs: number, calls: number]>;
    requeues: number;
  }> = [
    {
      name: 'success: one call, back-off forgotten',
      outcomes: ['ok'],
      steps: [
        [0, 1],
        [10_000, 1],
      ],
      requeues: 0,
    },
    {
      name: 'failures retry after 5 ms, 10 ms, then succeed and forget',
      outcomes: ['fail', 'fail', 'ok'],
      steps: [
        [0, 1],
        [4, 1],
        [1, 2],
        [9, 2],
        [1, 3],
        [10_000, 3],
      ],
      requeues: 0,
    },
    {
      name: 'dropped after maxRetries failures',
      outcomes: ['fail', 'fail', 'fail', 'fail'],
      maxRetries: 2,
      steps: [
        [0, 1],
        [5, 2],
        [10, 3],
        [10_000, 3],
      ],
      requeues: 0,
    },
    {
      name: 'requeueAfter brings the key back after that long',
      outcomes: [{ requeueAfterMs: 1000 }, 'ok'],
      steps: [
        [0, 1],
        [999, 1],
        [1, 2],
        [10_000, 2],
      ],
      requeues: 0,
    },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const { c, clock, calls } = scripted(tc.outcomes, tc.maxRetries);
      const stop = new AbortController();
      const done = c.run(stop.signal);
      c.enqueue('ns/a');
      for (const [ms, want] of tc.steps) {
        clock.advance(ms);
        await until(`${want} calls`, () => calls.length >= want);
        for (let i = 0; i < 20; i++) await tick();
        assert.equal(calls.length, want, `after +${ms} ms`);
      }
      assert.equal(c.queue.numRequeues('ns/a'), tc.requeues);
      stop.abort();
      await done;
    });
  }

  it('never reconciles one key in two workers at once, and de-duplicates queued keys', async () => {
    let active = 0;
    let overlaps = 0;
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const c = new Controller({
      name: 'test',
      workers: 4,
      reconcile: async (key) => {
        if (active > 0 && key === 'ns/a') overlaps++;
        if (key === 'ns/a') active++;
        seen.push(key);
        await gate;
        if (key === 'ns/a') active--;
      },
    });
    const stop = new AbortController();
    const done = c.run(stop.signal);
    c.enqueue('ns/a');
    await until('first call', () => seen.length === 1);
    c.enqueue('ns/a');
    c.enqueue('ns/a');
    c.enqueue('ns/b');
    await until('b', () => seen.includes('ns/b'));
    assert.deepEqual(seen, ['ns/a', 'ns/b']);
    release();
    await until('a again', () => seen.length === 3);
    assert.deepEqual(seen, ['ns/a', 'ns/b', 'ns/a']);
    assert.equal(overlaps, 0);
    stop.abort();
    await done;
  });

  it('waits for its informers to sync before the first reconcile', async () => {
    let synced = false;
    let markSynced: (ok: boolean) => void = () => undefined;
    const informer: Syncable = {
      hasSynced: () => synced,
      waitForSync: () => new Promise((r) => (markSynced = r)),
    };
    const calls: string[] = [];
    const c = new Controller({
      name: 'test',
      informers: [informer],
      reconcile: async (key) => {
        calls.push(key);
      },
    });
    const stop = new AbortController();
    const done = c.run(stop.signal);
    c.enqueue('k');
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(calls.length, 0);
    assert.equal(c.hasSynced(), false);
    synced = true;
    markSynced(true);
    await until('call', () => calls.length === 1);
    assert.equal(c.hasSynced(), true);
    stop.abort();
    await done;
  });

  it('stops at abort: queued keys are not reconciled, in-flight ones finish', async () => {
    const calls: string[] = [];
    let finish: () => void = () => undefined;
    const c = new Controller({
      name: 'test',
      reconcile: async (key) => {
        calls.push(key);
        if (key === 'slow') await new Promise<void>((r) => (finish = r));
      },
    });
    const stop = new AbortController();
    let resolved = false;
    const done = c.run(stop.signal).then(() => (resolved = true));
    c.enqueue('slow');
    c.enqueue('next');
    await until('slow', () => calls.length === 1);
    stop.abort();
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(resolved, false);
    finish();
    await done;
    assert.deepEqual(calls, ['slow']);
    await assert.rejects(c.run(new AbortController().signal), /already started/);
  });
});
