import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../util/clock.js';
import { Backoff } from './backoff.js';

describe('Backoff (flowcontrol semantics)', () => {
  it('first failure restarts at once, then 10 s doubling to 5 min', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      const failedAt = clock.now();
      if (i === 0) assert.equal(b.isInBackOffSince('k', failedAt), false, 'no entry yet');
      b.next('k', failedAt);
      seen.push(b.get('k'));
      assert.equal(b.isInBackOffSince('k', failedAt), true);
      assert.equal(b.remainingMs('k', failedAt), b.get('k'));
      clock.advance(b.get('k'));
      assert.equal(b.isInBackOffSince('k', failedAt), false, 'free once the period passed');
    }
    assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  const resetCases = [
    {
      name: 'a container that ran 9 minutes keeps its back-off',
      ranMs: 9 * 60_000,
      inBackOff: true,
      want: 20_000,
    },
    {
      name: 'a container that ran over 10 minutes starts over',
      ranMs: 10 * 60_000 + 1,
      inBackOff: false,
      want: 10_000,
    },
  ];
  for (const c of resetCases) {
    it(c.name, () => {
      const clock = new FakeClock();
      const b = new Backoff(clock);
      b.next('k', clock.now());
      clock.advance(c.ranMs);
      const failedAt = clock.now();
      assert.equal(b.isInBackOffSince('k', failedAt), c.inBackOff);
      b.next('k', failedAt);
      assert.equal(b.get('k'), c.want);
    });
  }

  it('gc drops long-quiet keys; forgetPrefix drops a pod', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    b.next('u1/a', clock.now());
    b.next('u2/a', clock.now());
    b.forgetPrefix('u1/');
    assert.equal(b.get('u1/a'), 0);
    assert.equal(b.size, 1);
    clock.advance(600_001);
    b.gc();
    assert.equal(b.size, 0);
  });
});
