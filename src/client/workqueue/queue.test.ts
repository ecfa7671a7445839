import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue } from './queue.js';

/** Steps on one queue: add, get (expecting an item), done, shutDown, len. */
type Step = ['add', string] | ['get', string | undefined] | ['done', string] | ['shutDown'] | ['len', number];

describe('Queue', () => {
  const cases: Array<{ name: string; steps: Step[] }> = [
    {
      name: 'FIFO, duplicates collapse',
      steps: [
        ['add', 'a'],
        ['add', 'b'],
        ['add', 'a'],
        ['len', 2],
        ['get', 'a'],
        ['get', 'b'],
        ['len', 0],
      ],
    },
    {
      name: 'an item re-added while processing waits for done',
      steps: [
        ['add', 'a'],
        ['get', 'a'],
        ['add', 'a'],
        ['add', 'a'],
        ['len', 0],
        ['done', 'a'],
        ['len', 1],
        ['get', 'a'],
        ['done', 'a'],
        ['len', 0],
      ],
    },
    {
      name: 'done without a re-add does not queue',
      steps: [
        ['add', 'a'],
        ['get', 'a'],
        ['done', 'a'],
        ['done', 'a'],
        ['len', 0],
      ],
    },
    {
      name: 'after shut down: queued items still come out, adds are refused, then undefined',
      steps: [
        ['add', 'a'],
        ['add', 'b'],
        ['shutDown'],
        ['add', 'c'],
        ['get', 'a'],
        ['get', 'b'],
        ['get', undefined],
      ],
    },
    {
      name: 'a dirty item still comes back at done after shut down',
      steps: [
        ['add', 'a'],
        ['get', 'a'],
        ['add', 'a'],
        ['shutDown'],
        ['done', 'a'],
        ['get', 'a'],
        ['get', undefined],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const q = new Queue<string>();
      for (const [i, step] of c.steps.entries()) {
        switch (step[0]) {
          case 'add':
            q.add(step[1]);
            break;
          case 'get':
            assert.equal(await q.get(), step[1], `step ${i}`);
            break;
          case 'done':
            q.done(step[1]);
            break;
          case 'shutDown':
            q.shutDown();
            break;
          case 'len':
            assert.equal(q.len(), step[1], `step ${i}`);
            break;
        }
      }
    });
  }

  it('never hands one item to two workers at once', async () => {
    const q = new Queue<string>();
    const active = new Set<string>();
    const processed: string[] = [];
    let overlaps = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const item = await q.get();
        if (item === undefined) return;
        if (active.has(item)) overlaps++;
        active.add(item);
        await new Promise((r) => setImmediate(r));
        // Re-adds while processing must wait for done.
        if (processed.length < 40) q.add(item);
        processed.push(item);
        active.delete(item);
        q.done(item);
      }
    };
    for (const k of ['a', 'b', 'c']) q.add(k);
    const workers = [worker(), worker(), worker(), worker()];
    while (processed.length < 40) await new Promise((r) => setImmediate(r));
    await q.shutDownWithDrain();
    await Promise.all(workers);
    assert.equal(overlaps, 0);
    assert.equal(q.len(), 0);
  });

  it('wakes waiting workers in order, and releases them at shut down', async () => {
    const q = new Queue<string>();
    const first = q.get();
    const second = q.get();
    const third = q.get();
    q.add('x');
    q.add('y');
    assert.equal(await first, 'x');
    assert.equal(await second, 'y');
    q.shutDown();
    assert.equal(await third, undefined);
    assert.equal(q.shuttingDown(), true);
  });

  it('shutDownWithDrain waits for items being processed', async () => {
    const q = new Queue<string>();
    q.add('a');
    const item = (await q.get())!;
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false);
    q.done(item);
    await drain;
    assert.equal(drained, true);
  });
});
