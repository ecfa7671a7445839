import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../util/clock.js';
import { LIFECYCLE_STATE_KEY, LIFECYCLE_TIMESTAMP_KEY } from './constants.js';
import { ResourceVersionExpectations, ScaleExpectations } from './expectations.js';
import {
  isPodAllHooked,
  isPodHooked,
  lifecyclePatch,
  notReadyPolicy,
  parseNotReadyMessages,
  setPodLifecycle,
} from './lifecycle.js';
import { testPod } from './testing.js';

describe('lifecycle hooks', () => {
  const hook = { labelsHandler: { hold: 'true', other: 'x' }, finalizersHandler: ['example.com/f'] };
  const table: Array<{
    name: string;
    labels: Record<string, string>;
    finalizers: string[];
    any: boolean;
    all: boolean;
  }> = [
    { name: 'nothing', labels: {}, finalizers: [], any: false, all: false },
    { name: 'one label', labels: { hold: 'true' }, finalizers: [], any: true, all: false },
    { name: 'label with another value', labels: { hold: 'false' }, finalizers: [], any: false, all: false },
    { name: 'the finalizer', labels: {}, finalizers: ['example.com/f'], any: true, all: false },
    {
      name: 'everything',
      labels: { hold: 'true', other: 'x' },
      finalizers: ['example.com/f'],
      any: true,
      all: true,
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      const pod = testPod({ labels: t.labels });
      pod.metadata.finalizers = t.finalizers;
      assert.equal(isPodHooked(hook, pod), t.any);
      assert.equal(isPodAllHooked(hook, pod), t.all);
    });
  }

  it('without a hook, nothing is hooked', () => {
    assert.equal(isPodHooked(undefined, testPod()), false);
    assert.equal(isPodAllHooked(undefined, testPod()), false);
  });

  it('moves the state label with a timestamp', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    const pod = testPod({ state: 'Normal' });
    setPodLifecycle(pod, 'PreparingDelete', now);
    assert.equal(pod.metadata.labels![LIFECYCLE_STATE_KEY], 'PreparingDelete');
    assert.equal(pod.metadata.annotations![LIFECYCLE_TIMESTAMP_KEY], '2024-01-01T00:00:00Z');
    assert.deepEqual(lifecyclePatch('Updated', now), {
      metadata: {
        labels: { [LIFECYCLE_STATE_KEY]: 'Updated' },
        annotations: { [LIFECYCLE_TIMESTAMP_KEY]: '2024-01-01T00:00:00Z' },
      },
    });
    assert.deepEqual(lifecyclePatch('PreparingUpdate', now, hook), {
      metadata: {
        labels: { [LIFECYCLE_STATE_KEY]: 'PreparingUpdate', hold: 'true', other: 'x' },
        annotations: { [LIFECYCLE_TIMESTAMP_KEY]: '2024-01-01T00:00:00Z' },
        finalizers: ['example.com/f'],
      },
    });
  });

  it('marks pods not ready in PreparingDelete/PreparingUpdate and ready again when Updated', () => {
    assert.deepEqual(notReadyPolicy('PreparingDelete'), { key: 'preDeleteHook', add: true });
    assert.deepEqual(notReadyPolicy('PreparingUpdate'), { key: 'preUpdateHook', add: true });
    assert.deepEqual(notReadyPolicy('Updated'), { key: 'preUpdateHook', add: false });
    assert.equal(notReadyPolicy('Normal'), undefined);
    assert.deepEqual(parseNotReadyMessages('[{"userAgent":"Lifecycle","key":"preDeleteHook"}]'), [
      { userAgent: 'Lifecycle', key: 'preDeleteHook' },
    ]);
    assert.deepEqual(parseNotReadyMessages('not json'), []);
  });
});

describe('ScaleExpectations', () => {
  it('is unsatisfied until every expected name is observed, and times how long', () => {
    const clock = new FakeClock();
    const e = new ScaleExpectations(clock);
    assert.equal(e.satisfied('ns/cs').ok, true);
    e.expect('ns/cs', 'create', 'cs-abcde');
    e.expect('ns/cs', 'delete', 'cs-fghij');
    assert.deepEqual(e.satisfied('ns/cs'), {
      ok: false,
      unsatisfiedMs: 0,
      pending: ['create cs-abcde', 'delete cs-fghij'],
    });
    clock.advance(1500);
    e.observe('ns/cs', 'create', 'cs-abcde');
    assert.equal(e.satisfied('ns/cs').unsatisfiedMs, 1500);
    e.observe('ns/cs', 'create', 'cs-fghij');
    assert.equal(e.satisfied('ns/cs').ok, false);
    e.observe('ns/cs', 'delete', 'cs-fghij');
    assert.equal(e.satisfied('ns/cs').ok, true);
    e.expect('ns/cs', 'create', 'x');
    e.delete('ns/cs');
    assert.equal(e.satisfied('ns/cs').ok, true);
  });
});

describe('ResourceVersionExpectations', () => {
  it('waits until the cache shows the version a write produced', () => {
    const e = new ResourceVersionExpectations(new FakeClock());
    e.beginWrite('u');
    e.endWrite('u', '12');
    assert.equal(e.satisfied('u', '10').ok, false);
    e.observe('u', '11');
    assert.equal(e.satisfied('u', '11').ok, false);
    e.observe('u', '12');
    assert.equal(e.satisfied('u', '11').ok, true);
    assert.equal(e.size, 0);
  });

  it('counts a version the informer delivered before the write returned', () => {
    const e = new ResourceVersionExpectations(new FakeClock());
    e.beginWrite('u');
    e.observe('u', '12');
    e.observe('u', '13');
    e.endWrite('u', '12');
    assert.equal(e.satisfied('u', '13').ok, true);
    assert.equal(e.size, 0);
  });

  it('is satisfied when the cached object has the version, and after a failed write', () => {
    const e = new ResourceVersionExpectations(new FakeClock());
    e.beginWrite('u');
    e.endWrite('u', '7');
    assert.equal(e.satisfied('u', '7').ok, true);
    e.beginWrite('v');
    e.endWrite('v', undefined);
    assert.equal(e.satisfied('v', '1').ok, true);
    assert.equal(e.size, 0);
  });
});
