import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../api/openapi/generated/types.js';
import { FakeClock } from '../util/clock.js';
import { EventRecorder, MESSAGE_LENGTH_LIMIT, truncateMessage, type EventSink } from './events.js';

function recorder(opts: { maxQueued?: number; failCreate?: boolean } = {}): {
  rec: EventRecorder;
  created: Event[];
  updates: Array<{ name: string; count: number }>;
  release: () => void;
} {
  const created: Event[] = [];
  const updates: Array<{ name: string; count: number }> = [];
  let gate: Promise<void> = new Promise(() => {});
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  const sink: EventSink = {
    create: async (e) => {
      await gate;
      if (opts.failCreate) throw new Error('nope');
      created.push(structuredClone(e));
      return e;
    },
    update: async (_ns, name, count) => {
      updates.push({ name, count });
    },
  };
  const rec = new EventRecorder({
    sink,
    clock: new FakeClock(),
    component: 'default-scheduler',
    instance: 'default-scheduler-host',
    concurrency: 1,
    ...(opts.maxQueued !== undefined ? { maxQueued: opts.maxQueued } : {}),
  });
  return { rec, created, updates, release: open };
}

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' } };

test('events carry the object, reason, type and the scheduler as source', async () => {
  const { rec, created, release } = recorder();
  rec.eventf(
    pod,
    'Warning',
    'FailedScheduling',
    'Scheduling',
    '0/1 nodes are available: 1 Insufficient cpu.',
  );
  release();
  await rec.flush();
  assert.equal(created.length, 1);
  const e = created[0]!;
  assert.deepEqual(
    [e.reason, e.type, e.action, e.source?.component, e.reportingComponent, e.count],
    ['FailedScheduling', 'Warning', 'Scheduling', 'default-scheduler', 'default-scheduler', 1],
  );
  assert.deepEqual(e.involvedObject, {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'p',
    namespace: 'ns',
    uid: 'u1',
  });
  assert.equal(e.metadata.namespace, 'ns');
  assert.match(e.metadata.name!, /^p\.[0-9a-f]+$/);
});

test('repeats are counted: while queued on the queued event, afterwards by updating the written one', async () => {
  const { rec, created, updates, release } = recorder();
  rec.eventf(pod, 'Normal', 'Other', 'X', 'first');
  rec.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', 'same');
  rec.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', 'same');
  release();
  await rec.flush();
  assert.equal(created.length, 2);
  assert.equal(created[1]!.count, 2);
  rec.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', 'same');
  await rec.flush();
  assert.deepEqual(updates, [{ name: created[1]!.metadata.name, count: 3 }]);
});

test('a full queue drops events; failed writes are counted', async () => {
  const { rec, release } = recorder({ maxQueued: 2 });
  for (let i = 0; i < 5; i++) rec.eventf(pod, 'Normal', 'R', 'A', `m${i}`);
  assert.equal(rec.dropped, 2, 'one in flight, two queued');
  release();
  await rec.flush();
  const failing = recorder({ failCreate: true });
  failing.rec.eventf(pod, 'Normal', 'R', 'A', 'x');
  failing.release();
  await failing.rec.flush();
  assert.equal(failing.rec.failed, 1);
});

test('long messages are cut as upstream', () => {
  const long = 'x'.repeat(2000);
  const cut = truncateMessage(long);
  assert.equal(cut.length, MESSAGE_LENGTH_LIMIT);
  assert.ok(cut.endsWith(' ...'));
  assert.equal(truncateMessage('short'), 'short');
});
