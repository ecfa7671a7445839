import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import type { Node, Pod } from '../framework/types.js';
import { makeNode, makePod } from '../testing/wrappers.js';
import { SchedulerCache } from './cache.js';
import { NodeTree } from './node-tree.js';
import { Snapshot } from './snapshot.js';

const node = (name: string, zone?: string): Node => {
  const w = makeNode().name(name).capacity({ cpu: '4', memory: '8Gi', pods: 110 });
  if (zone) w.label('topology.kubernetes.io/zone', zone);
  return w.obj();
};
const pod = (name: string, nodeName: string, cpu = '100m'): Pod =>
  makePod().name(name).container({ cpu, memory: '100Mi' }).node(nodeName).obj();

function newCache(ttlMs = 0): { cache: SchedulerCache; clock: FakeClock } {
  const clock = new FakeClock();
  return { cache: new SchedulerCache({ clock, assumedPodTtlMs: ttlMs }), clock };
}

function snapshotOf(cache: SchedulerCache): Snapshot {
  const s = new Snapshot();
  cache.updateSnapshot(s);
  return s;
}

test('pod lifecycle: assume, confirm, update, remove; forget; errors out of order', () => {
  type Step = (c: SchedulerCache) => void;
  const cases: Array<{
    name: string;
    steps: Step[];
    cpu: number;
    pods: number;
    assumed: number;
    err?: RegExp;
  }> = [
    {
      name: 'assumed pod counts',
      steps: [(c) => c.assumePod(pod('a', 'n1', '500m'))],
      cpu: 500,
      pods: 1,
      assumed: 1,
    },
    {
      name: 'informer confirms the assumed pod',
      steps: [
        (c) => c.assumePod(pod('a', 'n1', '500m')),
        (c) => c.finishBinding(pod('a', 'n1')),
        (c) => c.addPod(pod('a', 'n1', '500m')),
      ],
      cpu: 500,
      pods: 1,
      assumed: 0,
    },
    {
      name: 'forget releases the assumed pod',
      steps: [(c) => c.assumePod(pod('a', 'n1', '500m')), (c) => c.forgetPod(pod('a', 'n1'))],
      cpu: 0,
      pods: 0,
      assumed: 0,
    },
    {
      name: 'update replaces requests',
      steps: [
        (c) => c.addPod(pod('a', 'n1', '500m')),
        (c) => c.updatePod(pod('a', 'n1', '500m'), pod('a', 'n1', '1')),
      ],
      cpu: 1000,
      pods: 1,
      assumed: 0,
    },
    {
      name: 'remove',
      steps: [
        (c) => c.addPod(pod('a', 'n1')),
        (c) => c.addPod(pod('b', 'n1')),
        (c) => c.removePod(pod('a', 'n1')),
      ],
      cpu: 100,
      pods: 1,
      assumed: 0,
    },
    {
      name: 'assume twice fails',
      steps: [(c) => c.assumePod(pod('a', 'n1')), (c) => c.assumePod(pod('a', 'n1'))],
      cpu: 100,
      pods: 1,
      assumed: 1,
      err: /can't be assumed/,
    },
    {
      name: 'forget a pod that was not assumed fails',
      steps: [(c) => c.addPod(pod('a', 'n1')), (c) => c.forgetPod(pod('a', 'n1'))],
      cpu: 100,
      pods: 1,
      assumed: 0,
      err: /wasn't assumed/,
    },
    {
      name: 'adding twice fails',
      steps: [(c) => c.addPod(pod('a', 'n1')), (c) => c.addPod(pod('a', 'n1'))],
      cpu: 100,
      pods: 1,
      assumed: 0,
      err: /already in added state/,
    },
    {
      name: 'updating an assumed pod fails',
      steps: [(c) => c.assumePod(pod('a', 'n1')), (c) => c.updatePod(pod('a', 'n1'), pod('a', 'n1'))],
      cpu: 100,
      pods: 1,
      assumed: 1,
      err: /cannot be updated/,
    },
  ];
  for (const c of cases) {
    const { cache } = newCache();
    cache.addNode(node('n1'));
    let err: unknown;
    try {
      for (const step of c.steps) step(cache);
    } catch (e) {
      err = e;
    }
    if (c.err) assert.match(String(err), c.err, c.name);
    else assert.equal(err, undefined, c.name);
    const ni = snapshotOf(cache).get('n1')!;
    assert.equal(ni.requested.milliCPU, c.cpu, c.name);
    assert.equal(ni.pods.length, c.pods, c.name);
    assert.equal(cache.assumedPodCount(), c.assumed, c.name);
  }
});

test('an assumed pod confirmed on another node moves there', () => {
  const { cache } = newCache();
  cache.addNode(node('n1'));
  cache.addNode(node('n2'));
  cache.assumePod(pod('a', 'n1'));
  cache.addPod(pod('a', 'n2'));
  const s = snapshotOf(cache);
  assert.equal(s.get('n1')!.pods.length, 0);
  assert.equal(s.get('n2')!.pods.length, 1);
});

test('assumed pods expire after the TTL once binding finished', () => {
  const { cache, clock } = newCache(30_000);
  cache.addNode(node('n1'));
  cache.assumePod(pod('a', 'n1'));
  cache.assumePod(pod('b', 'n1'));
  cache.finishBinding(pod('a', 'n1'));
  clock.advance(29_000);
  assert.deepEqual(cache.cleanupAssumedPods(), []);
  clock.advance(2_000);
  assert.deepEqual(
    cache.cleanupAssumedPods().map((p) => p.metadata.name),
    ['a'],
  );
  assert.equal(cache.assumedPodCount(), 1, 'b never finished binding');
});

test('pods arriving before their node; node removal keeps the NodeInfo out of the snapshot', () => {
  const { cache } = newCache();
  cache.addPod(pod('a', 'n1'));
  let s = snapshotOf(cache);
  assert.equal(s.numNodes(), 0, 'no node object yet');
  cache.addNode(node('n1'));
  cache.updateSnapshot(s);
  assert.equal(s.numNodes(), 1);
  assert.equal(s.get('n1')!.pods.length, 1);
  cache.removeNode(node('n1'));
  cache.updateSnapshot(s);
  assert.equal(s.numNodes(), 0);
  assert.equal(s.get('n1'), undefined);
  assert.equal(cache.nodeCount(), 0);
  // The pod goes; the node comes back empty.
  cache.removePod(pod('a', 'n1'));
  cache.addNode(node('n1'));
  s = snapshotOf(cache);
  assert.equal(s.get('n1')!.pods.length, 0);
});

test('incremental snapshot: only changed NodeInfos are copied, in place', () => {
  const { cache } = newCache();
  for (let i = 0; i < 5; i++) cache.addNode(node(`n${i}`));
  const s = snapshotOf(cache);
  const before = s.list().map((ni) => ({ ni, gen: ni.generation, pods: ni.pods }));
  cache.addPod(pod('a', 'n3'));
  cache.updateSnapshot(s);
  for (const [i, b] of before.entries()) {
    assert.equal(s.list()[i], b.ni, 'same NodeInfo objects in the list');
    if (b.ni.name === 'n3') {
      assert.notEqual(b.ni.generation, b.gen);
      assert.equal(b.ni.pods.length, 1);
    } else {
      assert.equal(b.ni.generation, b.gen);
      assert.equal(b.ni.pods, b.pods, 'unchanged nodes are not copied');
    }
  }
  // The snapshot copy is independent of the cache.
  cache.addPod(pod('b', 'n3'));
  assert.equal(s.get('n3')!.pods.length, 1);
});

test('affinity lists follow pods with (anti-)affinity', () => {
  const { cache } = newCache();
  cache.addNode(node('n1'));
  cache.addNode(node('n2'));
  const s = snapshotOf(cache);
  assert.equal(s.havePodsWithAffinityList().length, 0);
  const anti = makePod()
    .name('anti')
    .node('n2')
    .podAntiAffinity({ labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'kubernetes.io/hostname' })
    .obj();
  const pref = makePod()
    .name('pref')
    .node('n1')
    .podAffinity({ labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'zone' }, 10)
    .obj();
  cache.addPod(anti);
  cache.addPod(pref);
  cache.updateSnapshot(s);
  assert.deepEqual(
    s
      .havePodsWithAffinityList()
      .map((n) => n.name)
      .sort(),
    ['n1', 'n2'],
  );
  assert.deepEqual(
    s.havePodsWithRequiredAntiAffinityList().map((n) => n.name),
    ['n2'],
  );
  cache.removePod(anti);
  cache.updateSnapshot(s);
  assert.deepEqual(
    s.havePodsWithAffinityList().map((n) => n.name),
    ['n1'],
  );
  assert.equal(s.havePodsWithRequiredAntiAffinityList().length, 0);
});

test('node list interleaves zones', () => {
  const { cache } = newCache();
  const nodes = [
    node('a1', 'a'),
    node('a2', 'a'),
    node('a3', 'a'),
    node('b1', 'b'),
    node('c1', 'c'),
    node('c2', 'c'),
  ];
  for (const n of nodes) cache.addNode(n);
  assert.deepEqual(
    snapshotOf(cache)
      .list()
      .map((n) => n.name),
    ['a1', 'b1', 'c1', 'a2', 'c2', 'a3'],
  );
  const tree = new NodeTree();
  for (const n of nodes) tree.addNode(n);
  tree.updateNode(nodes[0], node('a1', 'b'));
  tree.removeNode(nodes[4]!);
  assert.deepEqual(tree.list(), ['a2', 'b1', 'c2', 'a3', 'a1']);
});

test('node update keeps pods and changes allocatable', () => {
  const { cache } = newCache();
  const old = node('n1');
  cache.addNode(old);
  cache.addPod(pod('a', 'n1'));
  const bigger = makeNode().name('n1').capacity({ cpu: '8', memory: '8Gi', pods: 110 }).obj();
  cache.updateNode(old, bigger);
  const ni = snapshotOf(cache).get('n1')!;
  assert.equal(ni.allocatable.milliCPU, 8000);
  assert.equal(ni.pods.length, 1);
  assert.equal(Snapshot.of([bigger], [pod('x', 'n1'), pod('y', 'n1')]).get('n1')!.pods.length, 2);
});

test('incremental affinity lists match a full rebuild after random changes', () => {
  const { cache } = newCache();
  const s = new Snapshot();
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 16807) % 2147483647;
    return seed % n;
  };
  const live = new Map<string, Pod>();
  for (let i = 0; i < 20; i++) cache.addNode(node(`n${i}`));
  for (let step = 0; step < 500; step++) {
    const name = `p${rand(60)}`;
    const existing = live.get(name);
    if (existing) {
      cache.removePod(existing);
      live.delete(name);
    } else {
      const w = makePod()
        .name(name)
        .node(`n${rand(20)}`);
      if (rand(2) === 0)
        w.podAntiAffinity({ labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'zone' });
      else if (rand(2) === 0)
        w.podAffinity({ labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'zone' }, 5);
      const p = w.obj();
      cache.addPod(p);
      live.set(name, p);
    }
    if (rand(3) === 0) {
      cache.updateSnapshot(s);
      const fresh = snapshotOf(cache);
      const names = (l: readonly { name: string }[]): string[] => l.map((n) => n.name).sort();
      assert.deepEqual(
        names(s.havePodsWithAffinityList()),
        names(fresh.havePodsWithAffinityList()),
        `step ${step}`,
      );
      assert.deepEqual(
        names(s.havePodsWithRequiredAntiAffinityList()),
        names(fresh.havePodsWithRequiredAntiAffinityList()),
        `step ${step}`,
      );
    }
  }
});

test('the snapshot journal names the nodes each update changed, and gives up on a rebuild', () => {
  const { cache } = newCache();
  for (let i = 0; i < 4; i++) cache.addNode(node(`n${i}`));
  const s = snapshotOf(cache);
  const seq0 = s.changeSeq;
  assert.deepEqual(s.changedSince(seq0), []);
  cache.addPod(pod('a', 'n1'));
  cache.updateSnapshot(s);
  cache.updateSnapshot(s); // nothing changed: no entry
  cache.addPod(pod('b', 'n3'));
  cache.addPod(pod('c', 'n1'));
  cache.updateSnapshot(s);
  assert.equal(s.changeSeq, seq0 + 2);
  assert.deepEqual([...s.changedSince(seq0)!].sort(), ['n1', 'n1', 'n3']);
  assert.deepEqual([...s.changedSince(seq0 + 1)!].sort(), ['n1', 'n3']);
  const seq1 = s.changeSeq;
  cache.addNode(node('n9'));
  cache.updateSnapshot(s);
  assert.equal(s.changedSince(seq1), undefined, 'a new node rebuilds the lists');
  assert.equal(s.changedSince(seq0), undefined);
  assert.deepEqual(s.changedSince(s.changeSeq), []);
  assert.equal(s.changedSince(s.changeSeq + 1), undefined, 'a sequence number from elsewhere');
});

test('the snapshot journal reaches back a bounded number of updates', () => {
  const { cache } = newCache();
  cache.addNode(node('n1'));
  const s = snapshotOf(cache);
  const seq0 = s.changeSeq;
  for (let i = 0; i < 300; i++) {
    cache.addPod(pod(`p${i}`, 'n1', '1m'));
    cache.updateSnapshot(s);
  }
  assert.equal(s.changedSince(seq0), undefined);
  assert.deepEqual(s.changedSince(s.changeSeq - 1), ['n1']);
});
