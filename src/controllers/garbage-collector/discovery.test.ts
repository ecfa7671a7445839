import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../client/client.js';
import { CONFIG_MAPS, NAMESPACES } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import type { Transport, TransportRequest, TransportResponse } from '../../client/transport.js';
import {
  discoverResources,
  GroupDiscoveryFailedError,
  metadataClientOf,
  parseGroupVersion,
  RestMapper,
  supportsVerbs,
} from './discovery.js';

describe('discoverResources', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
  });
  after(async () => {
    await ts.close();
  });

  it('lists resources with scope and verbs, without subresources', async () => {
    const found = await discoverResources(ts.client);
    assert.equal(found.failed.size, 0);
    const pods = found.preferred.find((r) => r.group === '' && r.resource === 'pods');
    assert.ok(pods);
    assert.equal(pods.kind, 'Pod');
    assert.equal(pods.namespaced, true);
    assert.ok(supportsVerbs(pods, ['delete', 'deletecollection', 'list', 'watch']));
    assert.ok(!found.all.some((r) => r.resource.includes('/')));
    const ns = found.preferred.find((r) => r.resource === 'namespaces');
    assert.equal(ns?.namespaced, false);
    assert.ok(ns && !supportsVerbs(ns, ['deletecollection']));
    assert.ok(found.preferred.some((r) => r.group === 'apps.kruise.io' && r.resource === 'clonesets'));
  });

  it('RestMapper maps apiVersion and kind to the resource', async () => {
    const mapper = new RestMapper((await discoverResources(ts.client)).all);
    const cases: Array<[string, string, string | undefined]> = [
      ['v1', 'Pod', 'pods'],
      ['apps/v1', 'Deployment', 'deployments'],
      ['apps/v1', 'Pod', undefined],
      ['apps/v2', 'Deployment', undefined],
      ['apps.kruise.io/v1alpha1', 'CloneSet', 'clonesets'],
      ['events.k8s.io/v1', 'Event', 'events'],
    ];
    for (const [apiVersion, kind, want] of cases) {
      assert.equal(mapper.resourceFor(apiVersion, kind)?.resource, want, `${apiVersion} ${kind}`);
    }
  });

  it('a metadata client reads PartialObjectMetadata', async () => {
    await ts.client.create(NAMESPACES, { metadata: { name: 'meta' } });
    await ts.client.create(CONFIG_MAPS, { metadata: { name: 'c', namespace: 'meta' }, data: { big: 'x' } });
    const mc = metadataClientOf(ts.client);
    const one = await mc.get(CONFIG_MAPS, 'c', { namespace: 'meta' });
    assert.equal(one.kind, 'PartialObjectMetadata');
    assert.equal(one['data'], undefined);
    const list = await mc.list(CONFIG_MAPS, { namespace: 'meta' });
    assert.equal(list.kind, 'PartialObjectMetadataList');
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['c'],
    );
  });

  it('reports stale group versions as failed', async () => {
    const doc = (items: unknown[]) => JSON.stringify({ kind: 'APIGroupDiscoveryList', items });
    const fake: Transport = {
      request: (req: TransportRequest): Promise<TransportResponse> =>
        Promise.resolve({
          status: 200,
          headers: {},
          body:
            req.path === '/api'
              ? doc([
                  {
                    metadata: {},
                    versions: [
                      {
                        version: 'v1',
                        resources: [
                          {
                            resource: 'pods',
                            scope: 'Namespaced',
                            responseKind: { kind: 'Pod' },
                            verbs: ['list'],
                          },
                        ],
                      },
                    ],
                  },
                ])
              : doc([
                  {
                    metadata: { name: 'metrics.k8s.io' },
                    versions: [{ version: 'v1beta1', freshness: 'Stale', resources: [] }],
                  },
                  {
                    metadata: { name: 'apps' },
                    versions: [
                      {
                        version: 'v2',
                        resources: [
                          { resource: 'things', scope: 'Cluster', responseKind: { kind: 'Thing' } },
                        ],
                      },
                      {
                        version: 'v1',
                        resources: [{ resource: 'olds', scope: 'Cluster', responseKind: { kind: 'Old' } }],
                      },
                    ],
                  },
                ]),
        }),
      stream: () => Promise.reject(new Error('no streams')),
      close: () => {},
    };
    const found = await discoverResources(new KubeClient(fake));
    assert.deepEqual([...found.failed.keys()], ['metrics.k8s.io/v1beta1']);
    assert.deepEqual(
      found.preferred.map((r) => `${r.group}/${r.version}/${r.resource}`),
      ['/v1/pods', 'apps/v2/things'],
    );
    assert.equal(found.all.length, 3);
    assert.equal(
      new GroupDiscoveryFailedError(found.failed).message,
      'unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server reports stale discovery information',
    );
  });
});

describe('parseGroupVersion', () => {
  const cases: Array<[string, ReturnType<typeof parseGroupVersion>]> = [
    ['v1', { group: '', version: 'v1' }],
    ['apps/v1', { group: 'apps', version: 'v1' }],
    ['a/b/c', undefined],
    ['', undefined],
    ['apps/', undefined],
  ];
  for (const [input, want] of cases)
    it(JSON.stringify(input), () => assert.deepEqual(parseGroupVersion(input), want));
});
