import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, sleepUnlessAborted } from './clock.js';

describe('FakeClock timers', () => {
  const cases: Array<{ name: string; timers: Array<[number, string]>; advance: number[]; want: string[] }> = [
    { name: 'nothing due', timers: [[100, 'a']], advance: [99], want: [] },
    { name: 'due exactly', timers: [[100, 'a']], advance: [100], want: ['a@100'] },
    {
      name: 'in due order',
      timers: [
        [30, 'b'],
        [10, 'a'],
        [30, 'c'],
      ],
      advance: [50],
      want: ['a@10', 'b@30', 'c@30'],
    },
    {
      name: 'over several moves',
      timers: [
        [10, 'a'],
        [25, 'b'],
      ],
      advance: [15, 15],
      want: ['a@10', 'b@25'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const clock = new FakeClock(0);
      const fired: string[] = [];
      for (const [ms, name] of c.timers)
        clock.setTimer(ms, () => fired.push(`${name}@${clock.now().getTime()}`));
      for (const ms of c.advance) clock.advance(ms);
      assert.deepEqual(fired, c.want);
    });
  }

  it('cancels, and fires timers set by callbacks within the same move', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const cancel = clock.setTimer(5, () => fired.push(-1));
    clock.setTimer(10, () => clock.setTimer(10, () => fired.push(clock.now().getTime())));
    cancel();
    clock.advance(30);
    assert.deepEqual(fired, [20]);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(clock.now().getTime(), 30);
  });

  it('set moves backwards without firing', () => {
    const clock = new FakeClock(1000);
    let fired = false;
    clock.setTimer(10, () => (fired = true));
    clock.set(new Date(0));
    assert.equal(clock.now().getTime(), 0);
    assert.equal(fired, false);
  });
});

describe('sleepUnlessAborted', () => {
  const settled = async (p: Promise<void>): Promise<boolean> => {
    let done = false;
    void p.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    return done;
  };

  it('resolves when the clock passes the delay', async () => {
    const clock = new FakeClock();
    const p = sleepUnlessAborted(clock, 100, new AbortController().signal);
    clock.advance(99);
    assert.equal(await settled(p), false);
    clock.advance(1);
    assert.equal(await settled(p), true);
  });

  it('resolves at once when the signal aborts, before or during the wait', async () => {
    const clock = new FakeClock();
    const early = new AbortController();
    early.abort();
    assert.equal(await settled(sleepUnlessAborted(clock, 100, early.signal)), true);
    const late = new AbortController();
    const p = sleepUnlessAborted(clock, 100, late.signal);
    late.abort();
    assert.equal(await settled(p), true);
  });
});
