import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../util/clock.js';
import { type NamespaceCondition, NamespaceConditionUpdater } from './conditions.js';

const ALL_OK: Array<[string, string, string, string]> = [
  [
    'NamespaceDeletionDiscoveryFailure',
    'False',
    'ResourcesDiscovered',
    'All resources successfully discovered',
  ],
  [
    'NamespaceDeletionGroupVersionParsingFailure',
    'False',
    'ParsedGroupVersions',
    'All legacy kube types successfully parsed',
  ],
  [
    'NamespaceDeletionContentFailure',
    'False',
    'ContentDeleted',
    'All content successfully deleted, may be waiting on finalization',
  ],
  ['NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'],
  [
    'NamespaceFinalizersRemaining',
    'False',
    'ContentHasNoFinalizers',
    'All content-preserving finalizers finished',
  ],
];

function summary(conditions: NamespaceCondition[] | undefined): Array<[string, string, string, string]> {
  return (conditions ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']);
}

/** ALL_OK with some rows replaced. */
function okExcept(...rows: Array<[string, string, string, string]>): Array<[string, string, string, string]> {
  return ALL_OK.map((ok) => rows.find((r) => r[0] === ok[0]) ?? ok);
}

describe('NamespaceConditionUpdater', () => {
  const cases: Array<{
    name: string;
    feed: (u: NamespaceConditionUpdater) => void;
    want: Array<[string, string, string, string]>;
  }> = [
    { name: 'nothing wrong: every condition False with its ok text', feed: () => {}, want: ALL_OK },
    {
      name: 'discovery failed for some groups',
      feed: (u) =>
        u.processDiscoverResourcesErr(
          new Error('unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale'),
          1,
        ),
      want: okExcept([
        'NamespaceDeletionDiscoveryFailure',
        'True',
        'DiscoveryFailed',
        'Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale',
      ]),
    },
    {
      name: 'discovery failed entirely',
      feed: (u) => u.processDiscoverResourcesErr(new Error('connection refused')),
      want: okExcept(['NamespaceDeletionDiscoveryFailure', 'True', 'DiscoveryFailed', 'connection refused']),
    },
    {
      name: 'a group version that does not parse',
      feed: (u) => u.processGroupVersionErr(new Error('unexpected GroupVersion string: a/b/c')),
      want: okExcept([
        'NamespaceDeletionGroupVersionParsingFailure',
        'True',
        'GroupVersionParsingFailed',
        'unexpected GroupVersion string: a/b/c',
      ]),
    },
    {
      name: 'content errors are sorted and counted',
      feed: (u) => {
        u.processDeleteContentErr(new Error('z failed'));
        u.processDeleteContentErr(new Error('a failed'));
      },
      want: okExcept([
        'NamespaceDeletionContentFailure',
        'True',
        'ContentDeletionFailed',
        'Failed to delete all resource types, 2 remaining: a failed, z failed',
      ]),
    },
    {
      name: 'remaining content by resource and by finalizer, sorted, zero counts left out',
      feed: (u) =>
        u.processContentTotals({
          remainingByResource: new Map([
            ['pods.', 2],
            ['deployments.apps', 1],
            ['secrets.', 0],
          ]),
          remainingByFinalizer: new Map([
            ['example.com/b', 1],
            ['example.com/a', 2],
            ['example.com/none', 0],
          ]),
        }),
      want: okExcept(
        [
          'NamespaceContentRemaining',
          'True',
          'SomeResourcesRemain',
          'Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances',
        ],
        [
          'NamespaceFinalizersRemaining',
          'True',
          'SomeFinalizersRemain',
          'Some content in the namespace has finalizers remaining: example.com/a in 2 resource instances, example.com/b in 1 resource instances',
        ],
      ),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const u = new NamespaceConditionUpdater(new FakeClock());
      c.feed(u);
      const status: { conditions?: NamespaceCondition[] } = {};
      assert.equal(u.update(status), true);
      assert.deepEqual(summary(status.conditions), c.want);
    });
  }

  it('keeps lastTransitionTime unless the status flips, and reports no change when nothing changed', () => {
    const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
    const status: { conditions?: NamespaceCondition[] } = {};
    const remaining = (n: number) => (u: NamespaceConditionUpdater) =>
      u.processContentTotals({
        remainingByResource: new Map([['pods.', n]]),
        remainingByFinalizer: new Map(),
      });

    let u = new NamespaceConditionUpdater(clock);
    remaining(2)(u);
    assert.equal(u.update(status), true);
    const at = (type: string) => status.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    assert.equal(at('NamespaceContentRemaining'), '2024-01-01T00:00:00Z');

    clock.advance(60_000);
    u = new NamespaceConditionUpdater(clock);
    remaining(2)(u);
    assert.equal(u.update(status), false, 'same pass, no change');

    clock.advance(60_000);
    u = new NamespaceConditionUpdater(clock);
    remaining(1)(u);
    assert.equal(u.update(status), true, 'the message changed');
    assert.equal(at('NamespaceContentRemaining'), '2024-01-01T00:00:00Z', 'still True: same transition');

    clock.advance(60_000);
    u = new NamespaceConditionUpdater(clock);
    assert.equal(u.update(status), true);
    assert.equal(at('NamespaceContentRemaining'), '2024-01-01T00:03:00Z', 'flipped to False');
    assert.equal(at('NamespaceFinalizersRemaining'), '2024-01-01T00:00:00Z', 'untouched');
    assert.equal(status.conditions?.length, 5);
  });
});
