import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueuedPodInfo } from '../../framework/interface.js';
import { makePod } from '../../testing/wrappers.js';
import { PrioritySort } from './priority-sort.js';

function queued(priority: number | undefined, timestamp: number): QueuedPodInfo {
  const w = makePod().name(`p${priority}-${timestamp}`);
  if (priority !== undefined) w.priority(priority);
  return {
    podInfo: w.info(),
    timestamp,
    attempts: 0,
    initialAttemptTimestamp: undefined,
    unschedulablePlugins: new Set(),
    pendingPlugins: new Set(),
  };
}

describe('PrioritySort', () => {
  const cases: Array<[string, QueuedPodInfo, QueuedPodInfo, boolean]> = [
    ['higher priority first', queued(100, 2), queued(50, 1), true],
    ['lower priority later', queued(50, 1), queued(100, 2), false],
    ['equal priority: earlier first', queued(100, 1), queued(100, 2), true],
    ['equal priority: later second', queued(100, 2), queued(100, 1), false],
    ['equal priority and time: not less', queued(100, 1), queued(100, 1), false],
    ['unset priority counts as 0', queued(undefined, 1), queued(-1, 0), true],
  ];
  for (const [name, a, b, want] of cases) {
    it(name, () => assert.equal(new PrioritySort().less(a, b), want));
  }
});
