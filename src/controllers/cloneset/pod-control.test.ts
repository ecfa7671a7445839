import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NAMESPACES, PODS, type Pod } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { FakeClock } from '../../util/clock.js';
import { INPLACE_UPDATE_READY, KRUISE_POD_READY, LIFECYCLE_STATE_KEY } from './constants.js';
import { ResourceVersionExpectations } from './expectations.js';
import { PodControl } from './pod-control.js';

describe('PodControl', () => {
  let ts: TestServer;
  let control: PodControl;
  let versions: ResourceVersionExpectations;
  const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
  let seq = 0;

  before(async () => {
    ts = await startTestServer();
    await ts.client.create(NAMESPACES, { metadata: { name: 'pc' } });
    versions = new ResourceVersionExpectations(clock);
    control = new PodControl(ts.client, clock, versions);
  });
  after(async () => ts.close());

  async function readyPod(gates: string[]): Promise<Pod> {
    const pod = await ts.client.create(PODS, {
      metadata: { name: `p${seq++}`, namespace: 'pc', labels: { [LIFECYCLE_STATE_KEY]: 'Normal' } },
      spec: {
        containers: [{ name: 'c', image: 'img:1' }],
        readinessGates: gates.map((conditionType) => ({ conditionType })),
      },
    });
    pod.status = {
      phase: 'Running',
      conditions: [
        { type: 'ContainersReady', status: 'True' },
        { type: 'Ready', status: 'True' },
        ...gates.map((type) => ({ type, status: 'True' })),
      ],
      containerStatuses: [{ name: 'c', image: 'img:1', imageID: 'img:1', ready: true, restartCount: 0 }],
    };
    return ts.client.updateStatus(PODS, pod);
  }

  const condition = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type);

  it('markPodNotReady adds and removes its key on KruisePodReady, and Ready follows', async () => {
    const pod = await readyPod([KRUISE_POD_READY]);
    assert.equal(await control.updateLifecycle(pod, 'PreparingUpdate', true), true);
    let fresh = await ts.client.get(PODS, pod.metadata.name!, { namespace: 'pc' });
    assert.equal(fresh.metadata.labels![LIFECYCLE_STATE_KEY], 'PreparingUpdate');
    assert.equal(condition(fresh, KRUISE_POD_READY)?.status, 'False');
    assert.equal(
      condition(fresh, KRUISE_POD_READY)?.message,
      '[{"userAgent":"Lifecycle","key":"preUpdateHook"}]',
    );
    assert.equal(condition(fresh, 'Ready')?.status, 'False');
    assert.equal(condition(fresh, 'Ready')?.reason, 'ReadinessGatesNotReady');

    assert.equal(await control.updateLifecycle(fresh, 'Updated', true), true);
    fresh = await ts.client.get(PODS, pod.metadata.name!, { namespace: 'pc' });
    assert.equal(condition(fresh, KRUISE_POD_READY)?.status, 'True');
    assert.equal(condition(fresh, KRUISE_POD_READY)?.message, '[]');
  });

  it('does not touch readiness without the KruisePodReady gate', async () => {
    const pod = await readyPod([]);
    await control.updateLifecycle(pod, 'PreparingDelete', true);
    const fresh = await ts.client.get(PODS, pod.metadata.name!, { namespace: 'pc' });
    assert.equal(condition(fresh, KRUISE_POD_READY), undefined);
    assert.equal(condition(fresh, 'Ready')?.status, 'True');
    assert.equal(
      await control.updateLifecycle(fresh, 'PreparingDelete', true),
      false,
      'already in that state',
    );
  });

  it('updates in place: gate False, images patched, writes tracked until the cache sees them', async () => {
    const pod = await readyPod([INPLACE_UPDATE_READY]);
    const delay = await control.updateInPlace(
      pod,
      { revision: 'web-abc', containerImages: { c: 'img:2' } },
      () => {},
    );
    assert.equal(delay, 0);
    const fresh = await ts.client.get(PODS, pod.metadata.name!, { namespace: 'pc' });
    assert.equal(fresh.spec!.containers[0]!.image, 'img:2');
    assert.equal(fresh.metadata.labels!['controller-revision-hash'], 'web-abc');
    assert.equal(condition(fresh, INPLACE_UPDATE_READY)?.status, 'False');
    assert.equal(condition(fresh, INPLACE_UPDATE_READY)?.reason, 'StartInPlaceUpdate');
    assert.equal(condition(fresh, 'Ready')?.status, 'False');
    assert.equal(versions.satisfied(pod.metadata.uid!, pod.metadata.resourceVersion).ok, false);
    assert.equal(versions.satisfied(pod.metadata.uid!, fresh.metadata.resourceVersion).ok, true);

    // The node has not reported the new image yet: nothing changes.
    await control.refresh(fresh);
    assert.equal(
      condition(await ts.client.get(PODS, pod.metadata.name!, { namespace: 'pc' }), INPLACE_UPDATE_READY)
        ?.status,
      'False',
    );
    fresh.status!.containerStatuses = [
      { name: 'c', image: 'img:2', imageID: 'img:2', ready: true, restartCount: 1 },
    ];
    const reported = await ts.client.updateStatus(PODS, fresh);
    await control.refresh(reported);
    const done = await ts.client.get(PODS, pod.metadata.name!, { namespace: 'pc' });
    assert.equal(condition(done, INPLACE_UPDATE_READY)?.status, 'True');
  });

  it('parks the spec for the grace period and patches it once due', async () => {
    const pod = await readyPod([INPLACE_UPDATE_READY]);
    pod.metadata.labels!['controller-revision-hash'] = 'web-old';
    const delay = await control.updateInPlace(
      pod,
      { revision: 'web-new', containerImages: { c: 'img:3' }, graceSeconds: 5 },
      () => {},
    );
    assert.equal(delay, 5000);
    let fresh = await ts.client.get(PODS, pod.metadata.name!, { namespace: 'pc' });
    assert.equal(fresh.spec!.containers[0]!.image, 'img:1');
    clock.advance(2000);
    assert.equal(await control.refresh(fresh), 3000);
    clock.advance(3000);
    assert.equal(await control.refresh(fresh), 0);
    fresh = await ts.client.get(PODS, pod.metadata.name!, { namespace: 'pc' });
    assert.equal(fresh.spec!.containers[0]!.image, 'img:3');
    assert.equal(fresh.metadata.annotations!['apps.kruise.io/inplace-update-grace'], undefined);
  });
});
