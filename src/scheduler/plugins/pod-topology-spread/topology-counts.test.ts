import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeInfo, PodInfo } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { parseLabelSelector, selectorFromLabelSelector } from '../../../api/labels.js';
import {
  compileSelector,
  Contribution,
  CountTable,
  labelValue,
  NodeChangeLog,
  type NodeSource,
  TableCache,
} from './topology-counts.js';

/** A tiny stand-in for the scheduler cache: NodeInfos by name, mutated in place. */
class Cluster implements NodeSource {
  readonly infos = new Map<string, NodeInfo>();

  addNode(name: string, zone: string): NodeInfo {
    const ni = new NodeInfo(makeNode().name(name).label('zone', zone).obj());
    this.infos.set(name, ni);
    return ni;
  }
  addPod(node: string, name: string, labels: Record<string, string> = { app: 'a' }): void {
    this.infos.get(node)!.addPodInfo(new PodInfo(makePod().name(name).node(node).labels(labels).obj()));
  }
  list(): NodeInfo[] {
    return [...this.infos.values()];
  }
  get(name: string): NodeInfo | undefined {
    return this.infos.get(name);
  }
}

/** Pods with app=a per zone. */
const perZone = (ni: NodeInfo): Contribution | null => {
  const c = new Contribution();
  c.add(
    'zone',
    ni.node!.metadata.labels!.zone!,
    ni.pods.filter((p) => p.pod.metadata.labels?.app === 'a').length,
  );
  return c;
};

describe('NodeChangeLog', () => {
  const cases: Array<{ name: string; step: (c: Cluster) => void; changed: string[] }> = [
    { name: 'nothing changed', step: () => {}, changed: [] },
    { name: 'a pod added', step: (c) => c.addPod('n1', 'p9'), changed: ['n1'] },
    { name: 'a node added', step: (c) => void c.addNode('n4', 'z2'), changed: ['n4'] },
    { name: 'a node removed', step: (c) => void c.infos.delete('n2'), changed: ['n2'] },
    {
      name: 'a node replaced by a copy (same generation)',
      step: (c) => void c.infos.set('n3', c.infos.get('n3')!.clone()),
      changed: [],
    },
    {
      name: 'relabelled and reordered',
      step: (c) => {
        const n1 = c.infos.get('n1')!;
        c.infos.delete('n1');
        n1.setNode(makeNode().name('n1').label('zone', 'z9').obj());
        c.infos.set('n1', n1);
      },
      changed: ['n1'],
    },
    {
      name: 'a pod added and a later node replaced by another (same node count)',
      step: (c) => {
        c.addPod('n1', 'p9');
        c.infos.delete('n3');
        c.addNode('n4', 'z2');
      },
      changed: ['n1', 'n3', 'n4'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cluster = new Cluster();
      cluster.addNode('n1', 'z1');
      cluster.addNode('n2', 'z1');
      cluster.addNode('n3', 'z2');
      const log = new NodeChangeLog();
      const e0 = log.sync(cluster.list());
      assert.deepEqual([...log.changesSince(e0 - 1)!].sort(), ['n1', 'n2', 'n3']);
      c.step(cluster);
      const e1 = log.sync(cluster.list());
      assert.equal(e1, c.changed.length > 0 ? e0 + 1 : e0);
      assert.deepEqual([...log.changesSince(e0)!].sort(), c.changed);
    });
  }

  it('takes the changed nodes from a change journal instead of scanning, and scans when it falls behind', () => {
    const cluster = new Cluster();
    cluster.addNode('n1', 'z1');
    cluster.addNode('n2', 'z1');
    let told: string[][] = [];
    let base = 0;
    const journal = {
      get changeSeq() {
        return base + told.length;
      },
      changedSince: (seq: number) => (seq < base ? undefined : told.slice(seq - base).flat()),
    };
    const log = new NodeChangeLog();
    const e0 = log.sync(cluster.list(), journal);
    assert.deepEqual([...log.changesSince(e0 - 1)!].sort(), ['n1', 'n2'], 'the first look scans');
    // The journal is the authority: a change it does not name is not looked for.
    cluster.addPod('n1', 'p1');
    cluster.addPod('n2', 'p2');
    told.push(['n2']);
    const e1 = log.sync(cluster.list(), journal);
    assert.deepEqual([...log.changesSince(e0)!], ['n2']);
    assert.equal(log.sync(cluster.list(), journal), e1, 'nothing new in the journal');
    // Fallen behind the journal: a scan, which finds both nodes changed since its last scan.
    base = 10;
    told = [];
    const e2 = log.sync(cluster.list(), journal);
    assert.deepEqual([...log.changesSince(e1)!].sort(), ['n1', 'n2']);
    assert.equal(e2, e1 + 1);
    // Another journal (another snapshot) is never read against this one's sequence numbers.
    cluster.addPod('n1', 'p3');
    log.sync(cluster.list(), { changeSeq: base, changedSince: () => [] });
    assert.deepEqual([...log.changesSince(e2)!], ['n1']);
  });

  it('forgets epochs beyond its window', () => {
    const cluster = new Cluster();
    cluster.addNode('n1', 'z1');
    const log = new NodeChangeLog(2);
    const e0 = log.sync(cluster.list());
    for (let i = 0; i < 3; i++) {
      cluster.addPod('n1', `p${i}`);
      log.sync(cluster.list());
    }
    assert.equal(log.changesSince(e0), undefined);
    assert.deepEqual([...log.changesSince(log.epoch - 1)!], ['n1']);
    assert.equal(log.changesSince(-1), undefined);
  });
});

describe('CountTable', () => {
  it('follows pods, nodes and labels incrementally, with the minimum', () => {
    const cluster = new Cluster();
    cluster.addNode('n1', 'z1');
    cluster.addNode('n2', 'z1');
    cluster.addNode('n3', 'z2');
    const log = new NodeChangeLog();
    const table = new CountTable(perZone, true);
    const steps: Array<{ step: (c: Cluster) => void; want: Record<string, number>; min: number }> = [
      { step: () => {}, want: { z1: 0, z2: 0 }, min: 0 },
      { step: (c) => c.addPod('n1', 'a1'), want: { z1: 1, z2: 0 }, min: 0 },
      { step: (c) => c.addPod('n3', 'a2'), want: { z1: 1, z2: 1 }, min: 1 },
      { step: (c) => c.addPod('n3', 'b1', { app: 'b' }), want: { z1: 1, z2: 1 }, min: 1 },
      { step: (c) => void c.addNode('n4', 'z3'), want: { z1: 1, z2: 1, z3: 0 }, min: 0 },
      { step: (c) => void c.infos.delete('n4'), want: { z1: 1, z2: 1 }, min: 1 },
      {
        step: (c) => c.infos.get('n3')!.setNode(makeNode().name('n3').label('zone', 'z1').obj()),
        want: { z1: 2 },
        min: 2,
      },
      { step: (c) => void c.infos.get('n1')!.removePod(makePod().name('a1').obj()), want: { z1: 1 }, min: 1 },
    ];
    let lastVersion = -1;
    for (const s of steps) {
      s.step(cluster);
      log.sync(cluster.list());
      table.sync(log, cluster, () => cluster.list());
      const got = Object.fromEntries([...(table.cellsOf('zone') ?? new Map())].map(([k, v]) => [k, v.sum]));
      assert.deepEqual(got, s.want);
      assert.equal(table.min(), s.min);
      assert.equal(table.size, Object.keys(s.want).length);
      assert.ok(table.version >= lastVersion);
      lastVersion = table.version;
    }
  });

  it('keeps its version while nothing it counts changed', () => {
    const cluster = new Cluster();
    cluster.addNode('n1', 'z1');
    const log = new NodeChangeLog();
    const table = new CountTable((ni) => (ni.pods.length > 0 ? perZone(ni) : null));
    log.sync(cluster.list());
    table.sync(log, cluster, () => cluster.list());
    const v = table.version;
    cluster.infos.get('n1')!.setNode(makeNode().name('n1').label('zone', 'z1').label('x', 'y').obj());
    log.sync(cluster.list());
    table.sync(log, cluster, () => cluster.list());
    assert.equal(table.version, v);
    assert.equal(table.size, 0);
  });

  it('merges contributions to the same pair', () => {
    const c = new Contribution();
    c.add('zone', 'z1', 1);
    c.add('zone', 'z2', 1);
    c.add('zone', 'z1', 2);
    assert.deepEqual(
      [c.keys, c.values, c.amounts],
      [
        ['zone', 'zone'],
        ['z1', 'z2'],
        [3, 1],
      ],
    );
  });
});

describe('TableCache', () => {
  it('evicts the least recently used table', () => {
    const cache = new TableCache(2);
    const mk = (): CountTable => new CountTable(() => null);
    const a = cache.get('a', mk);
    cache.get('b', mk);
    assert.equal(cache.get('a', mk), a);
    cache.get('c', mk);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a', mk), a);
    let created = false;
    cache.get('b', () => ((created = true), mk()));
    assert.ok(created);
  });
});

describe('compileSelector', () => {
  const selectors = [
    parseLabelSelector(''),
    parseLabelSelector('app=web'),
    parseLabelSelector('app in (web)'),
    parseLabelSelector('app in (web,db)'),
    parseLabelSelector('app!=web'),
    parseLabelSelector('app notin (web,db),tier'),
    parseLabelSelector('!tier'),
    parseLabelSelector('n>3'),
    parseLabelSelector('n<3,app=web'),
    parseLabelSelector('constructor'),
    parseLabelSelector('toString=x'),
    selectorFromLabelSelector(null),
  ];
  const labelSets: Array<Record<string, string> | undefined> = [
    undefined,
    {},
    { app: 'web' },
    { app: 'db', tier: 'fe' },
    { app: 'web', tier: '', n: '5' },
    { n: '2', app: 'web' },
    { n: 'x' },
    { constructor: 'c', toString: 'x' },
  ];
  for (const sel of selectors) {
    it(`matches as LabelSelector.matches: ${sel.isNothing() ? 'nothing' : JSON.stringify(sel.toString())}`, () => {
      const m = compileSelector(sel);
      for (const l of labelSets) assert.equal(m(l), sel.matches(l), JSON.stringify(l));
    });
  }

  it('labelValue ignores names inherited from Object.prototype', () => {
    assert.equal(labelValue({}, 'constructor'), undefined);
    assert.equal(labelValue({ constructor: 'x' }, 'constructor'), 'x');
    assert.equal(labelValue(undefined, 'a'), undefined);
    assert.equal(labelValue({ a: '' }, 'a'), '');
  });
});
