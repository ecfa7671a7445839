import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../util/clock.js';
import { DelayingQueue } from './delaying-queue.js';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from './rate-limiter.js';
import { RateLimitingQueue } from './rate-limiting-queue.js';

describe('ItemExponentialFailureRateLimiter', () => {
  const cases = [
    { name: 'doubles from the base', base: 5, max: 1000, calls: 5, want: [5, 10, 20, 40, 80] },
    { name: 'caps at the max', base: 5, max: 30, calls: 5, want: [5, 10, 20, 30, 30] },
    { name: 'huge exponents stay at the max', base: 1, max: 1e6, calls: 1100, want: [1e6] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rl = new ItemExponentialFailureRateLimiter<string>(c.base, c.max);
      const got = Array.from({ length: c.calls }, () => rl.when('x'));
      assert.deepEqual(got.slice(-c.want.length), c.want);
      assert.equal(rl.numRequeues('x'), c.calls);
      assert.equal(rl.when('other'), c.base, 'per item');
      rl.forget('x');
      assert.equal(rl.numRequeues('x'), 0);
      assert.equal(rl.when('x'), c.base);
    });
  }
});

describe('BucketRateLimiter', () => {
  it('lets a burst through, then spaces items at the rate, and refills over time', () => {
    const clock = new FakeClock(0);
    const rl = new BucketRateLimiter<string>(10, 3, clock);
    assert.deepEqual(
      [rl.when('a'), rl.when('b'), rl.when('c'), rl.when('d'), rl.when('e')].map(Math.round),
      [0, 0, 0, 100, 200],
    );
    clock.advance(1000);
    // 2 tokens were owed; one second refills 10, capped at the burst of 3.
    assert.deepEqual(
      [rl.when('f'), rl.when('g'), rl.when('h'), rl.when('i')].map(Math.round),
      [0, 0, 0, 100],
    );
    assert.equal(rl.numRequeues('a'), 0);
  });
});

describe('defaultControllerRateLimiter', () => {
  it('is the max of 5 ms → 1000 s per item and 10 qps / 100 burst overall', () => {
    const clock = new FakeClock(0);
    const rl = defaultControllerRateLimiter<string>(clock);
    assert.ok(rl instanceof MaxOfRateLimiter);
    assert.deepEqual([rl.when('a'), rl.when('a'), rl.when('a')], [5, 10, 20]);
    for (let i = 0; i < 97; i++) rl.when(`k${i}`);
    assert.equal(Math.round(rl.when('fresh')), 100, 'the bucket is empty: one token per 100 ms');
    for (let i = 0; i < 30; i++) rl.when('a');
    clock.advance(3_600_000);
    assert.equal(rl.when('a'), 1_000_000, 'capped at 1000 s');
    assert.equal(rl.numRequeues('a'), 34);
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
  });
});

describe('DelayingQueue', () => {
  type Step = ['addAfter', string, number] | ['advance', number] | ['ready', string[]];
  const cases: Array<{ name: string; steps: Step[] }> = [
    {
      name: 'items come out at their time, in time order',
      steps: [
        ['addAfter', 'b', 20],
        ['addAfter', 'a', 10],
        ['addAfter', 'now', 0],
        ['ready', ['now']],
        ['advance', 10],
        ['ready', ['a']],
        ['advance', 10],
        ['ready', ['b']],
      ],
    },
    {
      name: 'an earlier time wins, a later one is ignored',
      steps: [
        ['addAfter', 'a', 50],
        ['addAfter', 'a', 10],
        ['addAfter', 'a', 100],
        ['advance', 10],
        ['ready', ['a']],
        ['advance', 200],
        ['ready', []],
      ],
    },
    {
      name: 'a direct add does not cancel a waiting one, as upstream',
      steps: [
        ['addAfter', 'a', 10],
        ['addAfter', 'a', 0],
        ['ready', ['a']],
        ['advance', 10],
        ['ready', ['a']],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const clock = new FakeClock(0);
      const q = new DelayingQueue<string>({ clock });
      for (const step of c.steps) {
        switch (step[0]) {
          case 'addAfter':
            q.addAfter(step[1], step[2]);
            break;
          case 'advance':
            clock.advance(step[1]);
            break;
          case 'ready': {
            const got: string[] = [];
            while (q.len() > 0) {
              const item = (await q.get())!;
              got.push(item);
              q.done(item);
            }
            assert.deepEqual(got, step[1]);
            break;
          }
        }
      }
    });
  }

  it('shut down drops waiting items and their timer', () => {
    const clock = new FakeClock(0);
    const q = new DelayingQueue<string>({ clock });
    q.addAfter('a', 10);
    assert.equal(q.waitingLen(), 1);
    q.shutDown();
    q.addAfter('b', 10);
    assert.equal(clock.pendingTimers, 0);
    clock.advance(100);
    assert.equal(q.len(), 0);
  });
});

describe('RateLimitingQueue', () => {
  it('retries failures with growing delays until forgotten', async () => {
    const clock = new FakeClock(0);
    const q = new RateLimitingQueue<string>({
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000),
    });
    const readyAt: number[] = [];
    q.add('key');
    for (let attempt = 0; attempt < 4; attempt++) {
      while (q.len() === 0) clock.advance(1);
      const item = (await q.get())!;
      readyAt.push(clock.now().getTime());
      q.addRateLimited(item);
      q.done(item);
    }
    assert.deepEqual(readyAt, [0, 5, 15, 35]);
    assert.equal(q.numRequeues('key'), 4);
    q.forget('key');
    assert.equal(q.numRequeues('key'), 0);
    q.shutDown();
  });

  it('uses the default controller limiter unless given one', () => {
    const clock = new FakeClock(0);
    const q = new RateLimitingQueue<string>({ clock });
    q.addRateLimited('a');
    q.addRateLimited('a');
    assert.equal(q.len(), 0);
    clock.advance(5);
    assert.equal(q.len(), 1, 'the earlier (5 ms) retry wins over the later (10 ms) one');
    q.shutDown();
  });
});
