import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from '../../client/resources.js';
import { POD_DELETION_COST_ANNOTATION } from './constants.js';
import { calculateDiffs, DEFAULT_FEATURES } from './diffs.js';
import type { IntOrString } from './int-or-percent.js';
import {
  activePodsWithRanksLess,
  choosePodsToDelete,
  limitUpdateIndexes,
  PrioritySorter,
  type PodSpreadConstraint,
  sameNodeRanker,
  ScatterSorter,
  sortUpdateIndexes,
  spreadConstraintsRanker,
} from './pod-sort.js';
import { TEST_NOW, testCloneSet, testPod } from './testing.js';

function labelled(labels: Record<string, string> | undefined, i: number): Pod | undefined {
  if (labels === undefined) return undefined;
  return testPod({ name: String(i), labels });
}

describe('activePodsWithRanksLess (upstream TestSortingActivePods)', () => {
  const now = '2024-01-01T00:00:00Z';
  const then = '2023-12-01T00:00:00Z';
  const pod = (
    name: string,
    node: string,
    phase: string,
    ready: boolean,
    restarts: number,
    readySince: string | undefined,
    created: string | undefined,
    annotations?: Record<string, string>,
  ): Pod => {
    const p: Pod = {
      metadata: { name, annotations, ...(created ? { creationTimestamp: created } : {}) },
      spec: { nodeName: node || undefined, containers: [] },
      status: { phase },
    };
    if (ready) {
      p.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }];
      p.status!.containerStatuses = [
        { name: 'c', image: 'i', imageID: '', ready: true, restartCount: restarts },
      ];
    }
    return p;
  };
  const unscheduled = pod('unscheduled', '', 'Pending', false, 0, undefined, undefined);
  const pending = pod('pending', 'node', 'Pending', false, 0, undefined, undefined);
  const unknown = pod('unknown-phase', 'node', 'Unknown', false, 0, undefined, undefined);
  const notReady = pod('not-ready', 'node', 'Running', false, 0, undefined, undefined);
  const readyNoTime = pod('ready-no-last-transition-time', 'node', 'Running', true, 0, undefined, undefined);
  const readyNow = pod('ready-now', 'node', 'Running', true, 0, now, now);
  const readyThen = pod('ready-then', 'node', 'Running', true, 0, then, then);
  const highRestarts = pod('ready-high-restarts', 'node', 'Running', true, 9001, now, now);
  const createdThen = pod('ready-now-created-then', 'node', 'Running', true, 0, now, then);
  const lowCost = pod('low-deletion-cost', 'node', 'Running', true, 0, now, then, {
    [POD_DELETION_COST_ANNOTATION]: '10',
  });
  const highCost = pod('high-deletion-cost', 'node', 'Running', true, 0, now, then, {
    [POD_DELETION_COST_ANNOTATION]: '100',
  });

  it('no pod is less than itself', () => {
    for (const p of [
      unscheduled,
      pending,
      unknown,
      notReady,
      createdThen,
      readyNow,
      readyThen,
      highRestarts,
    ]) {
      assert.equal(activePodsWithRanksLess(p, p), false, p.metadata.name);
    }
  });

  const pairs: Array<[Pod, Pod]> = [
    [unscheduled, pending],
    [pending, unknown],
    [unknown, notReady],
    [notReady, readyNoTime],
    [readyNoTime, readyNow],
    [readyNow, readyThen],
    [highRestarts, readyNow],
    [readyNow, createdThen],
    [lowCost, highCost],
  ];
  for (const [lesser, greater] of pairs) {
    it(`${lesser.metadata.name} < ${greater.metadata.name}`, () => {
      assert.equal(activePodsWithRanksLess(lesser, greater), true);
      assert.equal(activePodsWithRanksLess(greater, lesser), false);
    });
  }
});

describe('rankers (upstream cases)', () => {
  it('sameNodeRanker ranks all but the best pod on each crowded node', () => {
    const nodes = ['a', '', '', 'b', 'a', 'c', 'b', 'd', 'd', 'd', 'a'];
    const pods = nodes.map((n, i) => ({
      metadata: { uid: String(i) },
      spec: { nodeName: n || undefined, containers: [] },
    }));
    const { ranks } = sameNodeRanker(pods);
    assert.deepEqual(Object.fromEntries(ranks), { '0': 2, '4': 1, '3': 1, '7': 2, '8': 1 });
  });

  const zone = 'failure-domain.beta.kubernetes.io/zone';
  const host = 'kubernetes.io/hostname';
  const nodes: Node[] = [
    { metadata: { name: 'a', labels: {} } },
    ...[
      ['b', 'z1'],
      ['c', 'z1'],
      ['d', 'z1'],
      ['e', 'z2'],
      ['f', 'z2'],
      ['g', 'z2'],
      ['h', 'z3'],
      ['i', 'z3'],
    ].map(([n, z]) => ({ metadata: { name: n!, labels: { [host]: n!, [zone]: z! } } })),
  ];
  const pods: Pod[] = [];
  for (const [node, n] of [
    ['a', 2],
    ['b', 2],
    ['c', 3],
    ['d', 5],
    ['e', 5],
    ['f', 3],
    ['i', 5],
  ] as const) {
    for (let i = 0; i < n; i++)
      pods.push({ metadata: { uid: `${node}-${i}` }, spec: { nodeName: node, containers: [] } });
  }
  const cases: Array<{ name: string; constraints: PodSpreadConstraint[]; want: string[] }> = [
    {
      name: 'zone{no limit}',
      constraints: [{ topologyKey: zone }],
      want: 'd-0 d-1 c-0 e-0 d-2 e-1 b-0 e-2 c-1 f-0 i-0 d-3 e-3 i-1 b-1 f-1 i-2 c-2 e-4 i-3 d-4 f-2 i-4'.split(
        ' ',
      ),
    },
    {
      name: 'zone{limited (z2, z3)}',
      constraints: [{ topologyKey: zone, limitedValues: ['z2', 'z3'] }],
      want: 'e-0 e-1 e-2 f-0 i-0 e-3 i-1 f-1 i-2 e-4 i-3 f-2 i-4'.split(' '),
    },
    {
      name: 'zone{no limit}, host',
      constraints: [{ topologyKey: zone }, { topologyKey: host }],
      want: 'd-0 e-0 d-1 e-1 c-0 i-0 d-2 e-2 i-1 f-0 b-0 c-1 i-2 d-3 e-3 f-1 i-3 b-1 c-2 e-4 d-4 f-2 i-4'.split(
        ' ',
      ),
    },
  ];
  for (const c of cases) {
    it(`spreadConstraintsRanker: ${c.name}`, () => {
      const ranker = spreadConstraintsRanker(pods, c.constraints, (n) =>
        nodes.find((x) => x.metadata.name === n),
      );
      const got = pods
        .filter((p) => ranker.rank(p) > 0)
        .map((p) => ({ uid: p.metadata.uid!, r: ranker.rank(p) }))
        .sort((a, b) => b.r - a.r)
        .map((x) => x.uid);
      assert.deepEqual(got, c.want);
    });
  }
});

describe('PrioritySorter.compare (upstream TestCompare)', () => {
  const weights = (...terms: Array<[number, Record<string, string>]>) => ({
    weightPriority: terms.map(([weight, matchLabels]) => ({ weight, matchSelector: { matchLabels } })),
  });
  const orders = { orderPriority: [{ orderedKey: 'key1' }, { orderedKey: 'key2' }] };
  const fooBar = weights([20, { key: 'foo' }], [10, { key: 'bar' }]);
  const cases: Array<[object, Record<string, string>, Record<string, string>, boolean]> = [
    [fooBar, {}, {}, true],
    [fooBar, { key: 'foo' }, { key: 'foo' }, true],
    [fooBar, { key: 'bar' }, { key: 'foo' }, false],
    [fooBar, {}, { key: 'bar' }, false],
    [fooBar, {}, { key: 'foo' }, false],
    [
      weights([20, { key1: 'foo' }], [10, { key2: 'bar' }], [15, { key3: 'baz' }]),
      { key1: 'foo' },
      { key2: 'bar', key3: 'baz' },
      false,
    ],
    [
      weights([20, { key1: 'foo' }], [10, { key2: 'bar' }], [5, { key3: 'baz' }]),
      { key2: 'bar', key3: 'baz' },
      { key1: 'foo' },
      false,
    ],
    [orders, {}, {}, true],
    [orders, { key1: 'o-10' }, { key1: 'o-5' }, true],
    [orders, { key1: 'o-10' }, { key1: 'o-10' }, true],
    [orders, { key1: 'o-10' }, { key1: 'o-20' }, false],
    [orders, { key2: 'o-20' }, { key1: 'o-10' }, false],
    [orders, { key2: 'o-20' }, { key2: 'o-10' }, true],
  ];
  cases.forEach(([strategy, i, j, want], n) => {
    it(`case #${n}`, () => assert.equal(new PrioritySorter(strategy).compare(i, j, true), want));
  });

  it('sorts by weight, ties by descending pod index', () => {
    const pods = ([{ a: '1' }, {}, { a: '1' }, {}] as Array<Record<string, string>>).map((l, i) =>
      labelled(l, i)!,
    );
    const sorter = new PrioritySorter(weights([50, { a: '1' }]));
    assert.deepEqual(sorter.sort(pods, [0, 1, 2, 3]), [2, 0, 3, 1]);
  });
});

describe('ScatterSorter (upstream cases)', () => {
  const term = { key: 'labelA', value: 'AAA' };
  const byRule: Array<[string, string[], number[]]> = [
    ['no label', [''], [0]],
    ['only one scattered pod', ['labelA=AAA'], [0]],
    ['odd scattered pod + odd ordinary pod', ['labelA=AAA', 'bbb'], [0, 1]],
    [
      'even scattered pods + even ordinary pods',
      ['', '', '', '', 'labelA=AAA', 'labelA=AAA'],
      [4, 0, 1, 2, 3, 5],
    ],
    [
      'odd scattered pods + odd ordinary pods',
      ['', '', '', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA'],
      [3, 0, 1, 4, 2, 5],
    ],
    [
      'even scattered pods + odd ordinary pods',
      ['', '', '', 'labelA=AAA', '', '', 'labelA=AAA'],
      [3, 0, 1, 2, 4, 5, 6],
    ],
    [
      'odd scattered pods + even ordinary pods',
      ['', '', '', '', '', '', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA'],
      [6, 0, 1, 2, 7, 3, 4, 5, 8],
    ],
    [
      'even scattered + even ordinary, more scattered',
      ['', '', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA'],
      [2, 3, 0, 4, 1, 5],
    ],
    [
      'odd scattered + odd ordinary, more scattered',
      ['', '', '', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA'],
      [3, 0, 1, 4, 2, 5],
    ],
    [
      'even scattered + odd ordinary, more scattered',
      ['', '', 'labelA=AAA', '', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA'],
      [2, 4, 0, 5, 6, 1, 7, 3, 8],
    ],
    [
      'odd scattered + even ordinary, more scattered',
      ['', 'labelA=AAA', '', 'labelA=AAA', '', '', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA'],
      [1, 0, 3, 2, 6, 4, 7, 5, 8],
    ],
    [
      'invalid label',
      ['', '', '', '', 'ee', 'a', '', 'labelA=AAA', 'labelA=AAA', 'labelA=AAA,labelB=BBB'],
      [7, 0, 1, 2, 3, 8, 4, 5, 6, 9],
    ],
  ];
  for (const [desc, specs, want] of byRule) {
    it(`scatterByTerm: ${desc}`, () => {
      const pods = want.map((_, i) => {
        const labels: Record<string, string> = {};
        for (const kv of (specs[i] ?? '').split(',')) {
          const [k, v] = kv.split('=');
          if (k !== undefined && v !== undefined) labels[k] = v;
        }
        return labelled(labels, i)!;
      });
      const indexes = pods.map((_, i) => i);
      assert.deepEqual(new ScatterSorter([term]).scatterByTerm(term, pods, indexes), want);
    });
  }

  const A = { labelA: 'AAA' };
  const B = { labelB: 'BBB' };
  const C = { labelC: 'CCC' };
  const tA = { key: 'labelA', value: 'AAA' };
  const tB = { key: 'labelB', value: 'BBB' };
  const tC = { key: 'labelC', value: 'CCC' };
  const sortCases: Array<[string, Array<Record<string, string> | undefined>, Array<typeof tA>, number[]]> = [
    ['a scattered pod', [{ ...A, ...B }], [tA], [0]],
    ['all ordinary pods', [{}, {}, {}, {}, {}, {}], [], [0, 1, 2, 3, 4, 5]],
    ['one pod one label', [{}, {}, {}, {}, A, A], [tA], [4, 0, 1, 2, 3, 5]],
    [
      'one pod more labels',
      [{}, {}, {}, {}, { sdfb: 'eee' }, { dsf: 'same' }, B, A, A, { ...A, ...B }],
      [tB],
      [6, 0, 1, 2, 3, 4, 5, 7, 8, 9],
    ],
    ['2 dimensions + one pod one label', [B, B, {}, {}, A, A], [tA, tB], [0, 4, 2, 3, 5, 1]],
    ['2 dimensions + one pod more labels', [{}, {}, {}, B, { ...A, ...B }, A], [tA, tB], [4, 0, 1, 2, 5, 3]],
    [
      '2 dimensions + same label + sequence: A + B',
      [{}, {}, {}, {}, { sdfb: 'eee' }, { dsf: 'same' }, B, A, A, B],
      [tB, tA],
      [7, 6, 0, 1, 2, 3, 4, 5, 9, 8],
    ],
    [
      '2 dimensions + same label + sequence: B + A',
      [{}, {}, {}, {}, { sdfb: 'eee' }, { dsf: 'same' }, B, A, A, B],
      [tA, tB],
      [6, 7, 0, 1, 2, 3, 4, 5, 8, 9],
    ],
    [
      '3 dimensions + one pod one label',
      [{}, A, A, B, B, C, C, C, C, C],
      [tA, tB, tC],
      [3, 1, 5, 0, 6, 7, 8, 9, 2, 4],
    ],
    [
      '3 dimensions + one pod more label',
      [{}, A, { ...A, ...C }, { ...B, ...C }, B, {}, {}, C, C, C],
      [tA, tB, tC],
      [3, 2, 0, 7, 8, 5, 6, 9, 1, 4],
    ],
    ['continuous sort 1', [{}, {}, {}, {}, A, A, A], [tA], [0, 1, 4, 2, 3, 5]],
    ['continuous sort 2', [A, A, {}, {}, {}, {}, {}, {}, {}, A], [tA], [2, 0, 3, 4, 5, 6, 1]],
    [
      'reserveOrdinals nil in slice',
      [{}, A, { ...A, ...C }, { ...B, ...C }, B, undefined, {}, {}, C, C, C],
      [tA, tB, tC],
      [3, 2, 0, 8, 9, 6, 7, 10, 1, 4],
    ],
  ];
  for (const [desc, labels, strategy, want] of sortCases) {
    it(`sort: ${desc}`, () => {
      // As upstream's test: the first len(want)+holes pods are to update, the rest only count.
      const pods = labels.map((l, i) => labelled(l, i));
      const indexes: number[] = [];
      let holes = 0;
      for (let i = 0; i < want.length + holes; i++) {
        if (pods[i]) indexes.push(i);
        else holes++;
      }
      assert.deepEqual(new ScatterSorter(strategy).sort(pods, indexes), want);
    });
  }
});

describe('sortUpdateIndexes and limitUpdateIndexes', () => {
  it('puts not-ready and pending pods first (upstream TestSortUpdateIndexes)', () => {
    const pods: Pod[] = [
      { metadata: {}, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'True' }] } },
      { metadata: {}, status: { phase: 'Pending' } },
      { metadata: {}, status: { phase: 'Pending' } },
      { metadata: {}, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
      { metadata: {}, status: { phase: 'Running' } },
    ];
    assert.deepEqual(sortUpdateIndexes(testCloneSet(5, 0, 1, 0), pods, [0, 1, 3, 4]), [1, 0, 4, 3]);
  });

  it('puts PreparingUpdate pods first', () => {
    const pods = [
      testPod({ state: 'Normal', ready: true }),
      testPod({ state: 'PreparingUpdate', ready: true }),
      testPod({ state: 'Normal' }),
    ];
    assert.deepEqual(sortUpdateIndexes(testCloneSet(3, 0, 1, 0), pods, [0, 1, 2]), [1, 2, 0]);
  });

  // Upstream TestCalculateUpdateCount: (replicas, partition, maxUnavailable, maxSurge), old indexes, ready flags.
  const R = true;
  const U = false;
  const cases: Array<
    [
      number,
      IntOrString | undefined,
      IntOrString | undefined,
      IntOrString | undefined,
      number[],
      boolean[],
      number,
    ]
  > = [
    [3, undefined, undefined, undefined, [0, 1, 2], [R, R, R], 1],
    [3, undefined, undefined, undefined, [0, 1, 2], [R, U, R], 0],
    [3, undefined, undefined, undefined, [0, 1, 2], [U, R, R], 1],
    [10, undefined, undefined, undefined, [0, 1, 2, 3, 4, 5, 6, 7, 8], [U, R, R, R, R, R, R, R, U, R], 1],
    [3, 2, 3, undefined, [0, 1], [U, R, R], 0],
    [8, 2, '50%', undefined, [0, 1, 2, 3, 4, 5, 6], [U, R, U, R, R, R, R, U], 3],
    [5, 0, 2, undefined, [0, 1, 2, 3, 4], [U, U, U, U, U], 2],
    [5, 0, 2, undefined, [0, 1, 2], [U, U, U, U, U], 0],
    [5, 0, 2, undefined, [0, 1, 2], [U, U, U, R, U], 1],
    [5, 0, 2, 1, [0, 1, 2, 3, 4], [U, U, U, U, U, U], 2],
    [5, 0, 2, 1, [0, 1, 2, 3], [U, U, U, U, R, U], 2],
    [5, 0, 2, 1, [0, 1, 2], [U, U, U, U, R, U], 1],
    [5, 0, 2, 1, [0, 1, 2], [U, U, U, U, U, U], 0],
    [8, 7, 2, undefined, [0, 1, 2], [R, R, R, U, U, U, U, U], 2],
    [4, undefined, 0, 2, [0, 1], [R, R, R, R, R], 1],
    [4, undefined, 0, 2, [0, 1, 2, 3], [R, R, R, R, R, R], 2],
  ];
  cases.forEach(([replicas, partition, maxUnavailable, maxSurge, oldIndexes, ready, want], n) => {
    it(`limits updates (upstream TestCalculateUpdateCount #${n})`, () => {
      const cs = testCloneSet(replicas, 0, 0, 0);
      cs.spec!.updateStrategy = { partition, maxUnavailable, maxSurge };
      const old = new Set(oldIndexes);
      const pods = ready.map((r, i) => testPod({ revision: old.has(i) ? 'current' : 'updated', ready: r }));
      const diffs = calculateDiffs(cs, pods, 'current', 'updated', {
        now: TEST_NOW,
        features: { ...DEFAULT_FEATURES, partitionRollback: true },
      });
      const newIndexes = pods.map((_, i) => i).filter((i) => !old.has(i));
      const [wait, target] =
        diffs.updateNum > 0
          ? [oldIndexes, 'updated']
          : diffs.updateNum < 0
            ? [newIndexes, 'current']
            : [[], ''];
      assert.equal(limitUpdateIndexes(0, diffs, wait, pods, target, TEST_NOW).length, want);
    });
  });
});

describe('choosePodsToDelete', () => {
  it('takes old-revision pods first, each group in scale-in order', () => {
    const cs = testCloneSet(3, 0, 1, 0);
    const old = [
      testPod({ name: 'old-ready', revision: 'r1', ready: true, nodeName: 'n1' }),
      testPod({ name: 'old-pending', revision: 'r1', phase: 'Pending', nodeName: 'n1' }),
    ];
    const updated = [
      testPod({ name: 'new-ready', revision: 'r2', ready: true, nodeName: 'n2' }),
      testPod({ name: 'new-unscheduled', revision: 'r2', phase: 'Pending' }),
    ];
    const names = (pods: Pod[]) => pods.map((p) => p.metadata.name);
    const none = () => undefined;
    assert.deepEqual(names(choosePodsToDelete(cs, 1, 1, old, updated, TEST_NOW, none)), ['old-pending']);
    assert.deepEqual(names(choosePodsToDelete(cs, 3, 1, old, updated, TEST_NOW, none)), [
      'old-pending',
      // All of a group: taken as they are, unsorted.
      'new-ready',
      'new-unscheduled',
    ]);
    assert.deepEqual(names(choosePodsToDelete(cs, 1, 0, old, updated, TEST_NOW, none)), ['new-unscheduled']);
  });

  it('spreads scale-in across nodes', () => {
    const cs = testCloneSet(2, 0, 1, 0);
    const pods = [
      testPod({ name: 'a1', ready: true, nodeName: 'a', readySince: '2024-01-01T00:00:00Z' }),
      testPod({ name: 'b1', ready: true, nodeName: 'b', readySince: '2024-01-01T00:00:00Z' }),
      testPod({ name: 'a2', ready: true, nodeName: 'a', readySince: '2024-01-01T00:00:00Z' }),
    ];
    const got = choosePodsToDelete(cs, 1, 0, [], pods, TEST_NOW, () => undefined);
    assert.equal(got[0]!.spec!.nodeName, 'a');
  });
});
