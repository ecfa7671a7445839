import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { notFound } from '../../api/errors.js';
import type { Event } from '../../api/openapi/generated/types.js';
import { EVENTS, NAMESPACES, REPLICA_SETS, type ReplicaSet } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { FakeClock } from '../../util/clock.js';
import { clientEventSink, EventRecorder, type EventSink } from './event-recorder.js';

/** A sink that keeps Events by name and logs each call. */
function memorySink(): EventSink & { events: Map<string, Event>; calls: string[] } {
  const events = new Map<string, Event>();
  const calls: string[] = [];
  return {
    events,
    calls,
    async create(e) {
      calls.push(`create ${e.count}`);
      events.set(e.metadata.name!, structuredClone(e));
      return e;
    },
    async patch(_ns, name, change) {
      calls.push(`patch ${change.count}`);
      const e = events.get(name);
      if (!e) throw notFound({ group: '', resource: 'events' }, name);
      Object.assign(e, change);
      return e;
    },
  };
}

const rs = (name: string, uid = 'u1'): ReplicaSet => ({
  metadata: { name, namespace: 'ns', uid, resourceVersion: '7' },
});

describe('EventRecorder correlation', () => {
  const cases: Array<{
    name: string;
    /** Messages recorded, in order, for one object and reason; '+N' advances the clock N ms. */
    script: string[];
    want: Array<{ count: number; message: string }>;
    dropped?: number;
  }> = [
    {
      name: 'identical events collapse into one with a count',
      script: ['Created pod: a', '+1000', 'Created pod: a', 'Created pod: a'],
      want: [{ count: 3, message: 'Created pod: a' }],
    },
    {
      name: 'different messages are different events',
      script: ['m1', 'm2', 'm1'],
      want: [
        { count: 2, message: 'm1' },
        { count: 1, message: 'm2' },
      ],
    },
    {
      name: 'the tenth distinct message in ten minutes starts a combined event',
      script: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12'],
      want: [
        ...['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'].map((m) => ({ count: 1, message: m })),
        { count: 3, message: '(combined from similar events): m12' },
      ],
    },
    {
      name: 'similar events spread over more than ten minutes are not combined',
      script: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', '+600001', 'm10'],
      want: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10'].map((m) => ({
        count: 1,
        message: m,
      })),
    },
    {
      name: 'spam filter: 25 events per object, then one per five minutes (the count includes dropped ones)',
      script: [...Array.from({ length: 27 }, () => 'same'), '+300000', 'same', 'same'],
      want: [{ count: 28, message: 'same' }],
      dropped: 3,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const clock = new FakeClock();
      const sink = memorySink();
      const r = new EventRecorder({ sink, component: 'replicaset-controller', clock });
      for (const s of c.script) {
        if (s.startsWith('+')) clock.advance(Number(s.slice(1)));
        else r.event(REPLICA_SETS, rs('web'), 'Normal', 'SuccessfulCreate', s);
      }
      await r.flush();
      const got = [...sink.events.values()]
        .map((e) => ({ count: e.count!, message: e.message! }))
        .sort((a, b) => a.message.localeCompare(b.message, 'en', { numeric: true }));
      const want = [...c.want].sort((a, b) => a.message.localeCompare(b.message, 'en', { numeric: true }));
      assert.deepEqual(got, want);
      assert.equal(r.dropped, c.dropped ?? 0);
    });
  }

  it('writes repeats after the first write, in order, and re-creates an Event that vanished', async () => {
    const sink = memorySink();
    const r = new EventRecorder({ sink, component: 'c', clock: new FakeClock() });
    r.event(REPLICA_SETS, rs('web'), 'Warning', 'FailedCreate', 'x');
    r.event(REPLICA_SETS, rs('web'), 'Warning', 'FailedCreate', 'x');
    await r.flush();
    assert.deepEqual(sink.calls, ['create 1', 'patch 2']);
    sink.events.clear();
    r.event(REPLICA_SETS, rs('web'), 'Warning', 'FailedCreate', 'x');
    await r.flush();
    assert.deepEqual(sink.calls, ['create 1', 'patch 2', 'patch 3', 'create 3']);
  });

  it('events about different objects do not share counts or spam budgets', async () => {
    const sink = memorySink();
    const r = new EventRecorder({ sink, component: 'c', clock: new FakeClock(), spamBurst: 1 });
    r.event(REPLICA_SETS, rs('a', 'ua'), 'Normal', 'R', 'm');
    r.event(REPLICA_SETS, rs('b', 'ub'), 'Normal', 'R', 'm');
    r.event(REPLICA_SETS, rs('b', 'ub'), 'Normal', 'R', 'm');
    await r.flush();
    assert.equal(sink.events.size, 2);
    assert.equal(r.dropped, 1);
  });
});

describe('EventRecorder against the API server', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
    await ts.client.create(NAMESPACES, { metadata: { name: 'ns' } });
  });
  after(async () => {
    await ts.close();
  });

  it('writes core/v1 Events with source, reporting component, involved object and counts', async () => {
    const r = new EventRecorder({ sink: clientEventSink(ts.client), component: 'replicaset-controller' });
    const obj = rs('web');
    r.event(REPLICA_SETS, obj, 'Normal', 'SuccessfulCreate', 'Created pod: web-abcde');
    r.event(REPLICA_SETS, obj, 'Normal', 'SuccessfulCreate', 'Created pod: web-abcde');
    await r.flush();
    const list = await ts.client.list(EVENTS, { namespace: 'ns' });
    assert.equal(list.items.length, 1);
    const e = list.items[0]!;
    assert.match(e.metadata.name ?? '', /^web\.[0-9a-f]+$/);
    assert.equal(e.count, 2);
    assert.equal(e.reason, 'SuccessfulCreate');
    assert.equal(e.type, 'Normal');
    assert.deepEqual(e.source, { component: 'replicaset-controller' });
    assert.equal(e.reportingComponent, 'replicaset-controller');
    assert.deepEqual(e.involvedObject, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web',
      namespace: 'ns',
      uid: 'u1',
      resourceVersion: '7',
    });
    assert.ok(e.firstTimestamp && e.lastTimestamp);
    assert.equal(r.failed, 0);
  });
});
