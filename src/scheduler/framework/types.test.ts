import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeNode, makePod, nodeInfoWith } from '../testing/wrappers.js';
import { HostPortInfo, PodInfo, podNonZeroRequests, podRequests, termMatches } from './types.js';

describe('podRequests', () => {
  const cases: Array<[string, ReturnType<typeof makePod>, { cpu: number; mem: number }]> = [
    [
      'sum of containers',
      makePod().container({ cpu: '100m', memory: '1Gi' }).container({ cpu: '1' }),
      { cpu: 1100, mem: 1 << 30 },
    ],
    [
      'init container larger than the sum',
      makePod().container({ cpu: '100m' }).initContainer({ cpu: '2' }),
      { cpu: 2000, mem: 0 },
    ],
    [
      'sidecar adds to everything after it',
      makePod().container({ cpu: '1' }).initContainer({ cpu: '500m' }, 'Always').initContainer({ cpu: '1' }),
      { cpu: 1500, mem: 0 },
    ],
    [
      'overhead',
      makePod().container({ cpu: '1', memory: '1Mi' }).overhead({ cpu: '250m', memory: '1Mi' }),
      { cpu: 1250, mem: 2 << 20 },
    ],
  ];
  for (const [name, w, want] of cases) {
    it(name, () => {
      const r = podRequests(w.obj());
      assert.equal(r.milliCPU, want.cpu);
      assert.equal(r.memory, want.mem);
    });
  }
  it('non-zero defaults for containers without requests', () => {
    const r = podNonZeroRequests(makePod().container().container({ cpu: '300m' }).obj());
    assert.equal(r.milliCPU, 100 + 300);
    assert.equal(r.memory, 2 * 200 * 1024 * 1024);
  });
  it('extended resources as scalars', () => {
    const r = podRequests(makePod().container({ 'nvidia.com/gpu': 2, 'hugepages-2Mi': '4Mi' }).obj());
    assert.equal(r.get('nvidia.com/gpu'), 2);
    assert.equal(r.get('hugepages-2Mi'), 4 << 20);
  });
});

describe('NodeInfo', () => {
  it('adds and removes pods with their requests, ports and affinity lists', () => {
    const node = makeNode().name('n1').capacity({ cpu: '4', memory: '8Gi', pods: 110 }).obj();
    const anti = makePod()
      .name('a')
      .container({ cpu: '1' })
      .podAntiAffinity({
        topologyKey: 'kubernetes.io/hostname',
        labelSelector: { matchLabels: { app: 'x' } },
      })
      .obj();
    const web = makePod().name('w').container({ cpu: '500m', memory: '1Gi' }).hostPort(8080).obj();
    const ni = nodeInfoWith(node, anti, web);
    assert.equal(ni.allocatable.milliCPU, 4000);
    assert.equal(ni.allocatable.allowedPodNumber, 110);
    assert.equal(ni.requested.milliCPU, 1500);
    assert.equal(ni.podsWithAffinity.length, 1);
    assert.equal(ni.podsWithRequiredAntiAffinity.length, 1);
    assert.ok(ni.usedPorts.conflicts('0.0.0.0', 'TCP', 8080));
    const gen = ni.generation;
    const copy = ni.clone();
    assert.ok(ni.removePod(anti));
    assert.ok(ni.generation > gen);
    assert.equal(ni.requested.milliCPU, 500);
    assert.equal(ni.podsWithRequiredAntiAffinity.length, 0);
    assert.equal(copy.requested.milliCPU, 1500, 'a clone is independent');
    assert.ok(ni.removePod(web));
    assert.ok(!ni.usedPorts.conflicts('0.0.0.0', 'TCP', 8080));
    assert.ok(!ni.removePod(web));
  });
});

describe('HostPortInfo', () => {
  const cases: Array<
    [string, [string | undefined, string, number], [string | undefined, string, number], boolean]
  > = [
    ['same port any ip', [undefined, 'TCP', 80], [undefined, 'TCP', 80], true],
    ['other protocol', [undefined, 'TCP', 80], [undefined, 'UDP', 80], false],
    ['specific ip vs wildcard', ['10.0.0.1', 'TCP', 80], ['0.0.0.0', 'TCP', 80], true],
    ['two specific ips', ['10.0.0.1', 'TCP', 80], ['10.0.0.2', 'TCP', 80], false],
    ['wildcard in use, specific asked', ['0.0.0.0', 'TCP', 80], ['10.0.0.2', 'TCP', 80], true],
  ];
  for (const [name, used, asked, want] of cases) {
    it(name, () => {
      const h = new HostPortInfo();
      h.add(...used);
      assert.equal(h.conflicts(...asked), want);
    });
  }
});

describe('affinity terms', () => {
  it('default to the pod namespace and honour namespaceSelector and matchLabelKeys', () => {
    const owner = makePod()
      .name('o')
      .namespace('ns1')
      .label('rev', 'r1')
      .podAffinity({
        topologyKey: 'zone',
        labelSelector: { matchLabels: { app: 'db' } },
        matchLabelKeys: ['rev'],
      })
      .podAntiAffinity({
        topologyKey: 'zone',
        labelSelector: { matchLabels: { app: 'db' } },
        namespaceSelector: { matchLabels: { team: 'a' } },
      })
      .obj();
    const pi = new PodInfo(owner);
    const [aff] = pi.requiredAffinityTerms;
    const [anti] = pi.requiredAntiAffinityTerms;
    const db = (ns: string, rev: string) =>
      makePod().name('d').namespace(ns).labels({ app: 'db', rev }).obj();
    assert.ok(termMatches(aff!, db('ns1', 'r1'), {}));
    assert.ok(!termMatches(aff!, db('ns1', 'r2'), {}), 'matchLabelKeys narrows to the same revision');
    assert.ok(!termMatches(aff!, db('ns2', 'r1'), {}), 'other namespaces need namespaces or a selector');
    assert.ok(termMatches(anti!, db('ns2', 'x'), { team: 'a' }));
    assert.ok(!termMatches(anti!, db('ns1', 'x'), { team: 'b' }));
  });
});
