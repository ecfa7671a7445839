import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import type { ClusterEvent, QueuedPodInfo } from '../framework/interface.js';
import { Status } from '../framework/status.js';
import { PodInfo, type Pod } from '../framework/types.js';
import { makePod } from '../testing/wrappers.js';
import {
  AssignedPodDelete,
  NodeAdd,
  NodeLabelChange,
  NodeTaintChange,
  UnschedulableTimeout,
  eventMatches,
  type QueueEvent,
} from './events.js';
import { KeyedHeap } from './heap.js';
import { SchedulingQueue, isPodUpdated, type SchedulingQueueOptions } from './scheduling-queue.js';

const prioritySort = (a: QueuedPodInfo, b: QueuedPodInfo): boolean => {
  const pa = a.podInfo.pod.spec?.priority ?? 0;
  const pb = b.podInfo.pod.spec?.priority ?? 0;
  return pa > pb || (pa === pb && a.timestamp < b.timestamp);
};

function newQueue(clock: FakeClock, opts: Partial<SchedulingQueueOptions> = {}): SchedulingQueue {
  return new SchedulingQueue({ clock, less: prioritySort, ...opts });
}

const pod = (name: string, priority = 0): Pod => makePod().name(name).priority(priority).obj();

test('heap: pops in order, updates and deletes by key', () => {
  const h = new KeyedHeap<{ k: string; v: number }>(
    (x) => x.k,
    (a, b) => a.v < b.v,
  );
  const values = [5, 3, 9, 1, 7, 2, 8, 6, 4, 0];
  for (const v of values) h.addOrUpdate({ k: `k${v}`, v });
  h.addOrUpdate({ k: 'k9', v: -1 });
  h.delete('k0');
  h.delete('missing');
  const out: number[] = [];
  for (let x = h.pop(); x; x = h.pop()) out.push(x.v);
  assert.deepEqual(out, [-1, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test('pop order: higher priority first, then earlier arrival', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  const cases: Array<[string, number]> = [
    ['low', 0],
    ['high', 100],
    ['mid', 50],
    ['high2', 100],
  ];
  for (const [name, prio] of cases) {
    q.add(pod(name, prio));
    clock.advance(1);
  }
  const order: string[] = [];
  for (let i = 0; i < cases.length; i++) order.push((await q.pop())!.pod.metadata.name!);
  assert.deepEqual(order, ['high', 'high2', 'mid', 'low']);
  assert.equal(q.schedulingCycle(), 4);
});

test('pop waits for a pod, and close() releases waiters with undefined', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  const waiting = q.pop();
  q.add(pod('a'));
  assert.equal((await waiting)!.pod.metadata.name, 'a');
  const second = q.pop();
  q.close();
  assert.equal(await second, undefined);
});

test('backoff duration doubles from 1s up to 10s', () => {
  const q = newQueue(new FakeClock());
  const table: Array<[number, number]> = [
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 10000],
    [12, 10000],
  ];
  for (const [attempts, ms] of table) assert.equal(q.backoffDuration(attempts), ms, `attempts ${attempts}`);
});

test('unschedulable pods move on registered events only, via backoff while it lasts', () => {
  const events = new Map<string, ClusterEvent[]>([
    ['NodeAffinity', [{ resource: 'Node', actions: ['Add', 'UpdateNodeLabel'] }]],
    ['TaintToleration', [{ resource: 'Node', actions: ['Add', 'UpdateNodeTaint'] }]],
    [
      'NodeResourcesFit',
      [
        { resource: 'Pod', actions: ['Delete'] },
        { resource: 'Node', actions: ['Add', 'Update'] },
      ],
    ],
  ]);
  const cases: Array<{ name: string; plugins: string[]; event: QueueEvent; moved: boolean }> = [
    {
      name: 'label change wakes NodeAffinity',
      plugins: ['NodeAffinity'],
      event: NodeLabelChange,
      moved: true,
    },
    {
      name: 'taint change does not wake NodeAffinity',
      plugins: ['NodeAffinity'],
      event: NodeTaintChange,
      moved: false,
    },
    {
      name: 'assigned pod delete wakes Fit (Pod covers AssignedPod)',
      plugins: ['NodeResourcesFit'],
      event: AssignedPodDelete,
      moved: true,
    },
    {
      name: 'generic Update registration hears label change',
      plugins: ['NodeResourcesFit'],
      event: NodeLabelChange,
      moved: true,
    },
    {
      name: 'one of two plugins is enough',
      plugins: ['NodeAffinity', 'TaintToleration'],
      event: NodeTaintChange,
      moved: true,
    },
    { name: 'unknown plugin hears everything', plugins: ['Custom'], event: AssignedPodDelete, moved: true },
    { name: 'no plugin recorded: always moves', plugins: [], event: NodeAdd, moved: true },
    {
      name: 'wildcard timeout event moves anything',
      plugins: ['NodeAffinity'],
      event: UnschedulableTimeout,
      moved: true,
    },
  ];
  for (const c of cases) {
    const clock = new FakeClock();
    const q = newQueue(clock, { pluginEvents: events });
    q.add(pod('p'));
    const p = q.tryPop()!;
    p.unschedulablePlugins = new Set(c.plugins);
    if (c.plugins.length === 0) {
      // A pod without rejecting plugins goes straight to backoff.
      q.addUnschedulableIfNotPresent(p, q.schedulingCycle());
      assert.equal(q.whereIs(p.pod), 'backoff', c.name);
      continue;
    }
    q.addUnschedulableIfNotPresent(p, q.schedulingCycle());
    assert.equal(q.whereIs(p.pod), 'unschedulable', c.name);
    q.moveAllToActiveOrBackoffQueue(c.event);
    assert.equal(q.whereIs(p.pod), c.moved ? 'backoff' : 'unschedulable', c.name);
    if (c.moved) {
      clock.advance(1000);
      q.flushBackoffQCompleted();
      assert.equal(q.whereIs(p.pod), 'active', c.name);
    }
  }
});

test('an event during the cycle sends the failed pod to backoff instead of unschedulable', () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  q.add(pod('p'));
  const p = q.tryPop()!;
  const cycle = q.schedulingCycle();
  q.moveAllToActiveOrBackoffQueue(NodeAdd);
  p.unschedulablePlugins.add('NodeResourcesFit');
  q.addUnschedulableIfNotPresent(p, cycle);
  assert.equal(q.whereIs(p.pod), 'backoff');
});

test('periodic flushes with the fake clock: backoff each second, leftovers after 5 minutes', () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  q.run();
  q.add(pod('a'));
  q.add(pod('b'));
  const a = q.tryPop()!;
  const b = q.tryPop()!;
  // a: no reason -> backoff (1 s for the first attempt).
  q.addUnschedulableIfNotPresent(a, q.schedulingCycle());
  b.unschedulablePlugins.add('NodeAffinity');
  q.addUnschedulableIfNotPresent(b, q.schedulingCycle());
  assert.deepEqual(q.counts(), { active: 0, backoff: 1, unschedulable: 1 });
  clock.advance(999);
  assert.equal(q.whereIs(a.pod), 'backoff');
  clock.advance(1001);
  assert.equal(q.whereIs(a.pod), 'active');
  clock.advance(4 * 60_000);
  assert.equal(q.whereIs(b.pod), 'unschedulable');
  clock.advance(61_000 + 30_000);
  assert.equal(q.whereIs(b.pod), 'active');
  q.close();
  assert.equal(clock.pendingTimers, 0);
});

test('second attempt backs off 2 s', () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  q.add(pod('a'));
  let a = q.tryPop()!;
  q.addUnschedulableIfNotPresent(a, q.schedulingCycle());
  clock.advance(1000);
  q.flushBackoffQCompleted();
  a = q.tryPop()!;
  assert.equal(a.attempts, 2);
  q.addUnschedulableIfNotPresent(a, q.schedulingCycle());
  clock.advance(1999);
  q.flushBackoffQCompleted();
  assert.equal(q.whereIs(a.pod), 'backoff');
  clock.advance(1);
  q.flushBackoffQCompleted();
  assert.equal(q.whereIs(a.pod), 'active');
});

test('adding twice is an error', () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  q.add(pod('a'));
  const a = q.tryPop()!;
  a.unschedulablePlugins.add('X');
  q.addUnschedulableIfNotPresent(a, q.schedulingCycle());
  assert.throws(
    () => q.addUnschedulableIfNotPresent(a, q.schedulingCycle()),
    /already present in unschedulable queue/,
  );
});

test('PreEnqueue gates keep a pod out of the active queue until an update lifts them', () => {
  const clock = new FakeClock();
  const preEnqueue = (p: Pod): Status =>
    (p.spec?.schedulingGates?.length ?? 0) > 0
      ? Status.unresolvable('waiting for scheduling gates').withPlugin('SchedulingGates')
      : Status.success();
  const q = newQueue(clock, { preEnqueue });
  const gated = makePod().name('g').obj();
  gated.spec!.schedulingGates = [{ name: 'example.com/gate' }];
  q.add(gated);
  assert.equal(q.whereIs(gated), 'unschedulable');
  assert.equal(q.tryPop(), undefined);
  const ungated = makePod().name('g').obj();
  q.update(gated, ungated);
  assert.equal(q.whereIs(ungated), 'active');
});

test('update and delete find the pod in any sub-queue', () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  q.add(pod('a', 1));
  q.add(pod('b', 2));
  const updated = pod('a', 10);
  q.update(pod('a', 1), updated);
  assert.equal(q.tryPop()!.pod.spec!.priority, 10);
  q.delete(pod('b'));
  assert.equal(q.tryPop(), undefined);
  // An update of an unschedulable pod that changes its spec moves it.
  q.add(pod('c'));
  const c = q.tryPop()!;
  c.unschedulablePlugins.add('X');
  q.addUnschedulableIfNotPresent(c, q.schedulingCycle());
  const statusOnly = { ...pod('c'), status: { phase: 'Pending' } };
  q.update(pod('c'), statusOnly);
  assert.equal(q.whereIs(statusOnly), 'unschedulable');
  q.update(statusOnly, makePod().name('c').label('x', 'y').obj());
  assert.equal(q.whereIs(statusOnly), 'backoff');
});

test('assigned pod with matching labels wakes pods with required affinity to it', () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  const wants = makePod()
    .name('w')
    .podAffinity({ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' })
    .obj();
  const other = makePod().name('o').obj();
  for (const p of [wants, other]) {
    q.add(p);
    const qp = q.tryPop()!;
    qp.unschedulablePlugins.add('InterPodAffinity');
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
  }
  clock.advance(5000);
  q.assignedPodAdded(makePod().name('db').label('app', 'web').node('n1').obj());
  assert.equal(q.counts().active, 0);
  q.assignedPodAdded(makePod().name('db').label('app', 'db').node('n1').obj());
  assert.equal(q.whereIs(wants), 'active');
  assert.equal(q.whereIs(other), 'unschedulable');
});

test('nominator: nominations follow status, override and clearing', () => {
  const clock = new FakeClock();
  const bound = new Set<string>();
  const q = newQueue(clock, {
    podLister: (_ns, name) =>
      bound.has(name) ? makePod().name(name).node('n').obj() : makePod().name(name).obj(),
  });
  const p = makePod().name('p').priority(10).nominatedNode('n1').obj();
  q.add(p);
  assert.equal(q.nominator.nominatedPodsForNode('n1').length, 1);
  q.addNominatedPod(new PodInfo(p), { mode: 'override', nominatedNodeName: 'n2' });
  assert.equal(q.nominator.nominatedPodsForNode('n1').length, 0);
  assert.equal(q.nominator.nominatedPodsForNode('n2').length, 1);
  // An update that neither sets nor clears the field keeps the nomination.
  const plain = makePod().name('p').priority(10).obj();
  q.nominator.update(plain, new PodInfo(makePod().name('p').priority(10).label('a', 'b').obj()));
  assert.equal(q.nominator.nominatedNodeOf(plain), 'n2');
  q.addNominatedPod(new PodInfo(p), { mode: 'override', nominatedNodeName: '' });
  assert.equal(q.nominator.size, 0);
  bound.add('p');
  q.addNominatedPod(new PodInfo(p));
  assert.equal(q.nominator.size, 0, 'bound pods are not nominated');
  q.delete(p);
});

test('event matching', () => {
  const table: Array<[ClusterEvent, QueueEvent, boolean]> = [
    [{ resource: '*', actions: ['All'] }, NodeAdd, true],
    [{ resource: 'Node', actions: ['All'] }, NodeLabelChange, true],
    [{ resource: 'Node', actions: ['Update'] }, NodeTaintChange, true],
    [{ resource: 'Node', actions: ['UpdateNodeTaint'] }, NodeLabelChange, false],
    [{ resource: 'AssignedPod', actions: ['Delete'] }, AssignedPodDelete, true],
    [{ resource: 'Pod', actions: ['Delete'] }, AssignedPodDelete, true],
    [{ resource: 'Node', actions: ['Delete'] }, AssignedPodDelete, false],
    [{ resource: 'Node', actions: ['Add'] }, UnschedulableTimeout, false],
  ];
  for (const [reg, ev, want] of table)
    assert.equal(eventMatches(reg, ev), want, `${JSON.stringify(reg)} ${ev.label}`);
});

test('isPodUpdated ignores status, resourceVersion and managedFields', () => {
  const a = makePod().name('a').obj();
  const b = { ...a, metadata: { ...a.metadata, resourceVersion: '9' }, status: { phase: 'Pending' } };
  assert.equal(isPodUpdated(a, b), false);
  assert.equal(isPodUpdated(a, makePod().name('a').label('k', 'v').obj()), true);
});
