import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isStatusError } from '../../api/errors.js';
import { LIMIT_RANGES, PODS } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';

const cpu = (limit: string): Record<string, unknown> => ({ resources: { limits: { cpu: limit } } });

describe('LimitRanger', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
    await ts.client.create(LIMIT_RANGES, {
      metadata: { name: 'pod-cpu', namespace: 'default' },
      spec: { limits: [{ type: 'Pod', max: { cpu: '1' } }] },
    });
  });
  after(() => ts.close());

  const create = (name: string, spec: Record<string, unknown>) =>
    ts.client.create(PODS, { metadata: { name, namespace: 'default' }, spec } as never);

  it('counts sidecars with the containers and a plain init container with the sidecars started before it', async () => {
    // Containers 400m + sidecar 400m = 800m; the init container after the sidecar needs 900m + 400m = 1300m.
    await assert.rejects(
      create('init-heavy', {
        containers: [{ name: 'app', image: 'i', ...cpu('400m') }],
        initContainers: [
          { name: 'sidecar', image: 'i', restartPolicy: 'Always', ...cpu('400m') },
          { name: 'setup', image: 'i', ...cpu('900m') },
        ],
      }),
      (err: unknown) => {
        assert.ok(isStatusError(err) && err.code === 403);
        assert.equal(
          err.status.message,
          'pods "init-heavy" is forbidden: maximum cpu usage per Pod is 1, but limit is 1300m',
        );
        return true;
      },
    );
    // The init container before the sidecar runs alone: 900m; the steady state is 800m.
    await create('init-first', {
      containers: [{ name: 'app', image: 'i', ...cpu('400m') }],
      initContainers: [
        { name: 'setup', image: 'i', ...cpu('900m') },
        { name: 'sidecar', image: 'i', restartPolicy: 'Always', ...cpu('400m') },
      ],
    });
  });

  it('a range with a min only fills in requests and leaves limits absent', async () => {
    await ts.client.create(LIMIT_RANGES, {
      metadata: { name: 'min-only', namespace: 'kube-public' },
      spec: { limits: [{ type: 'Container', min: { memory: '64Mi' } }] },
    });
    const p = await ts.client.create(PODS, {
      metadata: { name: 'floor', namespace: 'kube-public' },
      spec: { containers: [{ name: 'app', image: 'i' }] },
    });
    assert.deepEqual(p.spec?.containers[0]?.resources, { requests: { memory: '64Mi' } });
    assert.equal(
      p.metadata.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: memory request for container app',
    );
  });

  it('leaves pod updates alone: their containers cannot change', async () => {
    const p = await create('updatable', { containers: [{ name: 'app', image: 'i', ...cpu('500m') }] });
    await ts.client.create(LIMIT_RANGES, {
      metadata: { name: 'tight', namespace: 'default' },
      spec: { limits: [{ type: 'Container', max: { cpu: '100m' } }] },
    });
    try {
      const updated = await ts.client.update(PODS, {
        ...p,
        metadata: { ...p.metadata, labels: { touched: 'yes' } },
      });
      assert.equal(updated.metadata.labels?.['touched'], 'yes');
    } finally {
      await ts.client.delete(LIMIT_RANGES, 'tight', { namespace: 'default' });
    }
  });
});
