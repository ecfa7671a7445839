import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conflict, notFound } from '../../api/errors.js';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import { FakeClock } from '../../util/clock.js';
import { StatusManager, stampConditions, statusPatch, type StatusWriter } from './status-manager.js';
import { testPod } from './testing.js';

class Recorder implements StatusWriter {
  readonly patches: Array<Record<string, unknown>> = [];
  readonly deletes: string[] = [];
  fail: Error | undefined;
  patchStatus(pod: Pod, patch: Record<string, unknown>): Promise<Pod> {
    if (this.fail) return Promise.reject(this.fail);
    this.patches.push(patch);
    const status = { ...pod.status, ...(patch['status'] as api.PodStatus) };
    return Promise.resolve({ ...pod, status });
  }
  deletePod(pod: Pod): Promise<void> {
    this.deletes.push(pod.metadata.name!);
    return Promise.resolve();
  }
}

async function settle(clock: FakeClock, ms = 0): Promise<void> {
  for (let i = 0; i < 10; i++) {
    clock.advance(i === 0 ? ms : 0);
    await new Promise((r) => setImmediate(r));
  }
}

const running: api.PodStatus = {
  phase: 'Running',
  conditions: [{ type: 'Ready', status: 'True' }],
  podIP: '10.0.0.1',
};

describe('statusPatch', () => {
  const cases: Array<{
    name: string;
    base: api.PodStatus | undefined;
    next: api.PodStatus;
    want: Record<string, unknown>;
  }> = [
    { name: 'nothing changed', base: { phase: 'Running' }, next: { phase: 'Running' }, want: {} },
    {
      name: 'phase changed',
      base: { phase: 'Pending' },
      next: { phase: 'Running' },
      want: { phase: 'Running' },
    },
    {
      name: 'field removed becomes null',
      base: { phase: 'Running', message: 'm' },
      next: { phase: 'Running' },
      want: { message: null },
    },
    {
      name: 'only changed kubelet conditions are sent',
      base: {
        conditions: [
          { type: 'Ready', status: 'False', lastTransitionTime: 't0' },
          { type: 'Initialized', status: 'True', lastTransitionTime: 't0' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
      next: {
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: 't1' },
          { type: 'Initialized', status: 'True', lastTransitionTime: 't0' },
        ],
      },
      want: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 't1' }] },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(statusPatch(c.base, c.next), c.want));
});

describe('stampConditions', () => {
  it('keeps lastTransitionTime while the status holds; stamps a change with now', () => {
    const now = new Date('2024-01-01T00:01:00Z');
    const old = [
      { type: 'Ready', status: 'False', lastTransitionTime: '2024-01-01T00:00:00Z' },
      { type: 'Initialized', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' },
    ];
    const got = stampConditions(
      [
        { type: 'Ready', status: 'True' },
        { type: 'Initialized', status: 'True', reason: 'x' },
      ],
      old,
      now,
    );
    assert.deepEqual(got, [
      { type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:01:00Z' },
      { type: 'Initialized', status: 'True', reason: 'x', lastTransitionTime: '2024-01-01T00:00:00Z' },
    ]);
  });
});

describe('StatusManager', () => {
  it('writes a strategic patch with the uid, only when something changed', async () => {
    const clock = new FakeClock();
    const w = new Recorder();
    const sm = new StatusManager({ writer: w, clock, batchMs: 100 });
    const pod = testPod('a');
    sm.setPodStatus(pod, running);
    await settle(clock);
    assert.equal(w.patches.length, 1);
    assert.deepEqual(w.patches[0]!['metadata'], { uid: 'uid-a' });
    assert.equal((w.patches[0]!['status'] as api.PodStatus).phase, 'Running');
    sm.setPodStatus(pod, running);
    await settle(clock, 1000);
    assert.equal(w.patches.length, 1, 'same status: no write');
  });

  it('batches a pod to one write per period, sending the latest status', async () => {
    const clock = new FakeClock();
    const w = new Recorder();
    const sm = new StatusManager({ writer: w, clock, batchMs: 100 });
    const pod = testPod('b');
    sm.setPodStatus(pod, { phase: 'Pending' });
    await settle(clock);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      sm.setPodStatus(pod, { phase: 'Pending', podIP: ip });
    await settle(clock, 50);
    assert.equal(w.patches.length, 1, 'within the batch period');
    await settle(clock, 60);
    assert.equal(w.patches.length, 2);
    assert.equal((w.patches[1]!['status'] as api.PodStatus).podIP, '10.0.0.3');
  });

  it('never turns a written terminal phase back', async () => {
    const clock = new FakeClock();
    const w = new Recorder();
    const sm = new StatusManager({ writer: w, clock, batchMs: 0 });
    const pod = testPod('c');
    sm.setPodStatus(pod, { phase: 'Succeeded' });
    await settle(clock);
    sm.setPodStatus(pod, { phase: 'Running' });
    await settle(clock);
    assert.equal(w.patches.length, 1);
    assert.equal(sm.getPodStatus('uid-c')?.phase, 'Succeeded');
  });

  it('deletes a pod after its final status is written; a vanished pod is dropped', async () => {
    const clock = new FakeClock();
    const w = new Recorder();
    const sm = new StatusManager({ writer: w, clock, batchMs: 0 });
    const pod = testPod('d');
    sm.setPodStatus(pod, { phase: 'Failed' });
    sm.requestDelete(pod);
    await settle(clock);
    assert.equal(w.patches.length, 1);
    assert.deepEqual(w.deletes, ['d']);
    const gone = testPod('e');
    w.fail = notFound({ group: '', resource: 'pods' }, 'e');
    sm.setPodStatus(gone, { phase: 'Running' });
    await settle(clock, 5000);
    assert.equal(sm.pending, 0);
  });

  it('retries other failures with back-off', async () => {
    const clock = new FakeClock();
    const w = new Recorder();
    const sm = new StatusManager({ writer: w, clock, batchMs: 0, retryMs: 1000 });
    w.fail = new Error('connection refused');
    sm.setPodStatus(testPod('f'), running);
    await settle(clock);
    w.fail = undefined;
    await settle(clock, 500);
    assert.equal(w.patches.length, 0);
    await settle(clock, 600);
    assert.equal(w.patches.length, 1);
    w.fail = conflict({ group: '', resource: 'pods' }, 'f', 'uid mismatch');
    sm.setPodStatus(testPod('f'), { ...running, podIP: '10.9.9.9' });
    await settle(clock, 100);
    assert.equal(sm.pending, 0, 'a replaced pod (409) is forgotten');
  });
});
