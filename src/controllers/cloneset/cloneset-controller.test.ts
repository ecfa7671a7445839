import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  CLONE_SETS,
  CONTROLLER_REVISIONS,
  EVENTS,
  PERSISTENT_VOLUME_CLAIMS,
  PODS,
  type CloneSet,
  type Pod,
} from '../../client/resources.js';
import { startControllerTestEnv, until, type ControllerTestEnv } from '../runtime/testing.js';
import { CloneSetController, availableInstanceIds, newVersionedPod } from './cloneset-controller.js';
import {
  CLONESET_INSTANCE_ID,
  CONTROLLER_REVISION_HASH_LABEL,
  INPLACE_UPDATE_GRACE_KEY,
  INPLACE_UPDATE_READY,
  INPLACE_UPDATE_STATE_KEY,
  LIFECYCLE_STATE_KEY,
  POD_TEMPLATE_HASH_LABEL,
  SPECIFIED_DELETE_KEY,
} from './constants.js';
import { reportPodStatus, testCloneSet } from './testing.js';

describe('pod and instance id construction', () => {
  it('builds pods as Kruise: name, labels, owner, readiness gate, claim volumes', () => {
    const cs = testCloneSet(1, 0, 1, 0);
    cs.spec!.volumeClaimTemplates = [
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } },
    ];
    cs.spec!.template.spec!.volumes = [{ name: 'tmp', emptyDir: {} }];
    const pod = newVersionedPod(cs, 'cs-abc12', 'x7k2q');
    assert.equal(pod.metadata.name, 'cs-x7k2q');
    assert.deepEqual(pod.metadata.labels, {
      app: 'demo',
      [CONTROLLER_REVISION_HASH_LABEL]: 'cs-abc12',
      [POD_TEMPLATE_HASH_LABEL]: 'abc12',
      [CLONESET_INSTANCE_ID]: 'x7k2q',
    });
    assert.deepEqual(pod.spec!.readinessGates, [{ conditionType: INPLACE_UPDATE_READY }]);
    assert.deepEqual(pod.spec!.volumes, [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-cs-x7k2q', readOnly: false } },
      { name: 'tmp', emptyDir: {} },
    ]);
    assert.equal(pod.metadata.ownerReferences![0]!.kind, 'CloneSet');
  });

  it('reuses instance ids of PVCs whose pod is gone, then random ones', () => {
    const pods: Pod[] = [
      { metadata: { labels: { [CLONESET_INSTANCE_ID]: 'a' } } },
      { metadata: { labels: { [CLONESET_INSTANCE_ID]: 'b' } } },
    ];
    const pvcs = ['b', 'c'].map((id) => ({ metadata: { labels: { [CLONESET_INSTANCE_ID]: id } } }));
    const randoms = ['a', 'zzzzz'];
    const ids = availableInstanceIds(2, pods, pvcs, () => randoms.shift()!);
    assert.deepEqual(ids, ['c', 'zzzzz']);
  });
});

describe('CloneSetController', () => {
  let env: ControllerTestEnv;
  let csc: CloneSetController;
  let stop: AbortController;
  let running: Promise<void>;
  const ns = 'test';

  beforeEach(async () => {
    env = await startControllerTestEnv(ns);
    csc = new CloneSetController({
      client: env.client,
      informers: env.informers,
      recorder: env.recorder('cloneset-controller'),
    });
    await env.startInformers();
    stop = new AbortController();
    running = csc.run(stop.signal);
  });

  afterEach(async () => {
    stop.abort();
    await running;
    await env.close();
  });

  async function createCloneSet(
    replicas: number,
    spec: Partial<NonNullable<CloneSet['spec']>> = {},
  ): Promise<CloneSet> {
    return env.client.create(CLONE_SETS, {
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'main', image: 'nginx:1' }] },
        },
        ...spec,
      },
    });
  }

  const getCS = () => env.client.get(CLONE_SETS, 'web', { namespace: ns });
  const livePods = async (): Promise<Pod[]> =>
    (await env.client.list(PODS, { namespace: ns })).items.filter((p) => !p.metadata.deletionTimestamp);

  async function patchCS(spec: object): Promise<void> {
    await env.client.patch(CLONE_SETS, 'web', { spec }, { type: 'merge', namespace: ns });
  }

  /** Reports every pod ready (as the node agent would) until the CloneSet says all are ready. */
  async function allReady(n: number, restarted: (p: Pod) => string[] = () => []): Promise<void> {
    await until(`${n} pods ready`, async () => {
      const pods = await livePods();
      for (const p of pods) {
        const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        const reported = p.status?.containerStatuses?.every(
          (c, i) => c.imageID === p.spec!.containers[i]!.image,
        );
        if (!ready || !reported)
          await reportPodStatus(env.client, p, { ready: true, restarted: restarted(p) });
      }
      const s = (await getCS()).status;
      return pods.length === n && s?.readyReplicas === n && s.replicas === n;
    });
  }

  async function eventReasons(): Promise<string[]> {
    return (await env.client.list(EVENTS, { namespace: ns })).items.map((e) => e.reason ?? '');
  }

  it('creates pods as Kruise names and labels them, records a revision, and reports status', async () => {
    await createCloneSet(3);
    await until('3 pods', async () => (await livePods()).length === 3);
    const cs = await getCS();
    await until('status', async () => (await getCS()).status?.replicas === 3);
    const status = (await getCS()).status!;
    assert.equal(status.labelSelector, 'app=web');
    assert.equal(status.observedGeneration, cs.metadata.generation);
    assert.equal(status.expectedUpdatedReplicas, 3);
    assert.equal(status.currentRevision, status.updateRevision);
    const rev = await env.client.get(CONTROLLER_REVISIONS, status.updateRevision!, { namespace: ns });
    assert.equal(rev.revision, 1);
    assert.match(rev.metadata.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    for (const p of await livePods()) {
      const id = p.metadata.labels![CLONESET_INSTANCE_ID]!;
      assert.match(id, /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(p.metadata.name, `web-${id}`);
      assert.equal(p.metadata.labels![CONTROLLER_REVISION_HASH_LABEL], status.updateRevision);
      assert.equal(p.metadata.labels![POD_TEMPLATE_HASH_LABEL], status.updateRevision!.slice('web-'.length));
      assert.ok(['PreparingNormal', 'Normal'].includes(p.metadata.labels![LIFECYCLE_STATE_KEY]!));
      assert.deepEqual(p.spec!.readinessGates, [{ conditionType: INPLACE_UPDATE_READY }]);
      assert.equal(p.metadata.ownerReferences![0]!.uid, cs.metadata.uid);
    }
    await allReady(3);
    const ready = (await getCS()).status!;
    assert.equal(ready.availableReplicas, 3);
    assert.equal(ready.updatedReadyReplicas, 3);
    for (const p of await livePods()) {
      assert.equal(p.metadata.labels![LIFECYCLE_STATE_KEY], 'Normal');
      assert.equal(p.status!.conditions!.find((c) => c.type === INPLACE_UPDATE_READY)?.status, 'True');
    }
    assert.ok((await eventReasons()).includes('SuccessfulCreate'));
    const scale = await env.client.getSubresource<{ status: { selector?: string; replicas: number } }>(
      CLONE_SETS,
      'web',
      'scale',
      {
        namespace: ns,
      },
    );
    assert.deepEqual(scale.status, { replicas: 3, selector: 'app=web' });
  });

  it('scales down not-ready pods first and deletes the pods podsToDelete names', async () => {
    await createCloneSet(3);
    await until('3 pods', async () => (await livePods()).length === 3);
    await allReady(3);
    const [first, second] = await livePods();
    await reportPodStatus(env.client, first!, { ready: false });
    await patchCS({ replicas: 2 });
    await until('2 pods', async () => (await livePods()).length === 2);
    assert.ok(!(await livePods()).some((p) => p.metadata.uid === first!.metadata.uid));

    await allReady(2);
    await patchCS({ scaleStrategy: { podsToDelete: [second!.metadata.name] } });
    await until('named pod replaced', async () => {
      const pods = await livePods();
      return pods.length === 2 && !pods.some((p) => p.metadata.uid === second!.metadata.uid);
    });
    await until(
      'podsToDelete truncated',
      async () => ((await getCS()).spec?.scaleStrategy?.podsToDelete ?? []).length === 0,
    );
    assert.ok((await eventReasons()).includes('SuccessfulDelete'));
  });

  it('updates images in place with InPlaceIfPossible, one pod at a time, keeping uid and name', async () => {
    await createCloneSet(2, { updateStrategy: { type: 'InPlaceIfPossible', maxUnavailable: 1 } });
    await until('2 pods', async () => (await livePods()).length === 2);
    await allReady(2);
    const before = new Map((await livePods()).map((p) => [p.metadata.uid, p]));
    const oldRevision = (await getCS()).status!.updateRevision!;

    await patchCS({ template: { spec: { containers: [{ name: 'main', image: 'nginx:2' }] } } });
    await until('one pod updating', async () =>
      (await livePods()).some((p) => p.spec!.containers[0]!.image === 'nginx:2'),
    );
    const pods = await livePods();
    const updating = pods.find((p) => p.spec!.containers[0]!.image === 'nginx:2')!;
    assert.equal(
      pods.filter((p) => p.spec!.containers[0]!.image === 'nginx:2').length,
      1,
      'maxUnavailable 1',
    );
    assert.ok(before.has(updating.metadata.uid));
    assert.equal(updating.metadata.name, before.get(updating.metadata.uid)!.metadata.name);
    assert.equal(updating.metadata.labels![LIFECYCLE_STATE_KEY], 'Updating');
    assert.equal(updating.status!.conditions!.find((c) => c.type === INPLACE_UPDATE_READY)?.status, 'False');
    const state = JSON.parse(updating.metadata.annotations![INPLACE_UPDATE_STATE_KEY]!) as {
      revision: string;
      lastContainerStatuses: Record<string, { imageID: string }>;
    };
    const newRevision = (await getCS()).status!.updateRevision!;
    assert.notEqual(newRevision, oldRevision);
    assert.equal(state.revision, newRevision);
    assert.deepEqual(state.lastContainerStatuses, { main: { imageID: 'nginx:1' } });

    // The node agent restarts the container with the new image.
    await allReady(2, (p) => (p.status?.containerStatuses?.[0]?.image === 'nginx:2' ? [] : ['main']));
    await until('all updated', async () => {
      const s = (await getCS()).status!;
      const live = await livePods();
      for (const p of live) {
        if (p.spec!.containers[0]!.image !== p.status?.containerStatuses?.[0]?.image) {
          await reportPodStatus(env.client, p, { ready: true, restarted: ['main'] });
        } else if (p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') {
          await reportPodStatus(env.client, p, { ready: true });
        }
      }
      return s.updatedReadyReplicas === 2 && s.currentRevision === newRevision;
    });
    for (const p of await livePods()) {
      assert.ok(before.has(p.metadata.uid), 'same pods');
      assert.equal(p.status!.containerStatuses![0]!.restartCount, 1);
      assert.equal(p.metadata.labels![LIFECYCLE_STATE_KEY], 'Normal');
    }
    assert.ok((await eventReasons()).includes('SuccessfulUpdatePodInPlace'));
  });

  it('stops the rollout at the partition, and finishes it when the partition drops', async () => {
    await createCloneSet(4, {
      updateStrategy: { type: 'InPlaceIfPossible', partition: 3, maxUnavailable: '100%' },
    });
    await until('4 pods', async () => (await livePods()).length === 4);
    await allReady(4);
    await patchCS({ template: { spec: { containers: [{ name: 'main', image: 'nginx:2' }] } } });
    const updated = async () =>
      (await livePods()).filter((p) => p.spec!.containers[0]!.image === 'nginx:2').length;
    await until('1 pod updated', async () => (await updated()) === 1);
    await allReady(4, (p) =>
      p.spec!.containers[0]!.image !== p.status?.containerStatuses?.[0]?.image ? ['main'] : [],
    );
    await until('status', async () => (await getCS()).status?.updatedReadyReplicas === 1);
    assert.equal((await getCS()).status!.expectedUpdatedReplicas, 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await updated(), 1, 'partition holds');

    await patchCS({ updateStrategy: { partition: '50%' } });
    await until('2 pods updated', async () => (await updated()) === 2);
    assert.equal((await getCS()).status!.expectedUpdatedReplicas, 2);
  });

  it('re-creates pods when more than images changed, even with InPlaceIfPossible', async () => {
    await createCloneSet(2, { updateStrategy: { type: 'InPlaceIfPossible', maxUnavailable: 1 } });
    await until('2 pods', async () => (await livePods()).length === 2);
    await allReady(2);
    const before = new Set((await livePods()).map((p) => p.metadata.uid));
    await patchCS({
      template: {
        spec: { containers: [{ name: 'main', image: 'nginx:1', env: [{ name: 'MODE', value: 'x' }] }] },
      },
    });
    await until('all pods re-created', async () => {
      const pods = await livePods();
      for (const p of pods) {
        if (p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
          await reportPodStatus(env.client, p, { ready: true });
      }
      return (
        pods.length === 2 &&
        pods.every((p) => !before.has(p.metadata.uid) && p.spec!.containers[0]!.env?.[0]?.value === 'x')
      );
    });
    const reasons = await eventReasons();
    assert.ok(reasons.includes('SuccessfulUpdatePodReCreate'));
    assert.ok(!reasons.includes('SuccessfulUpdatePodInPlace'));
  });

  it('waits out gracePeriodSeconds before patching images', async () => {
    await createCloneSet(1, {
      updateStrategy: {
        type: 'InPlaceIfPossible',
        maxUnavailable: 1,
        inPlaceUpdateStrategy: { gracePeriodSeconds: 1 },
      },
    });
    await until('1 pod', async () => (await livePods()).length === 1);
    await allReady(1);
    await patchCS({ template: { spec: { containers: [{ name: 'main', image: 'nginx:2' }] } } });
    await until(
      'grace annotation',
      async () => !!(await livePods())[0]?.metadata.annotations?.[INPLACE_UPDATE_GRACE_KEY],
    );
    const parked = (await livePods())[0]!;
    assert.equal(parked.spec!.containers[0]!.image, 'nginx:1');
    assert.equal(parked.status!.conditions!.find((c) => c.type === INPLACE_UPDATE_READY)?.status, 'False');
    await until(
      'image patched after the grace period',
      async () => (await livePods())[0]?.spec!.containers[0]!.image === 'nginx:2',
      5000,
    );
    assert.equal((await livePods())[0]!.metadata.annotations?.[INPLACE_UPDATE_GRACE_KEY], undefined);
  });

  it('holds pods in PreparingDelete while the preDelete hook label is on them', async () => {
    await createCloneSet(2, {
      template: {
        metadata: { labels: { app: 'web', hold: 'true' } },
        spec: { containers: [{ name: 'main', image: 'nginx:1' }] },
      },
      lifecycle: { preDelete: { labelsHandler: { hold: 'true' } } },
    });
    await until('2 pods', async () => (await livePods()).length === 2);
    await allReady(2);
    await patchCS({ replicas: 1 });
    await until('one pod PreparingDelete', async () =>
      (await livePods()).some((p) => p.metadata.labels?.[LIFECYCLE_STATE_KEY] === 'PreparingDelete'),
    );
    const held = (await livePods()).find(
      (p) => p.metadata.labels?.[LIFECYCLE_STATE_KEY] === 'PreparingDelete',
    )!;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await livePods()).length, 2, 'not deleted while hooked');
    await env.client.patch(
      PODS,
      held.metadata.name!,
      { metadata: { labels: { hold: null } } },
      { type: 'merge', namespace: ns },
    );
    await until(
      'held pod deleted',
      async () => !(await livePods()).some((p) => p.metadata.uid === held.metadata.uid),
    );
  });

  it('creates a PVC per pod from volumeClaimTemplates and deletes it with the pod', async () => {
    await createCloneSet(1, {
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    });
    await until('1 pod', async () => (await livePods()).length === 1);
    const pod = (await livePods())[0]!;
    const id = pod.metadata.labels![CLONESET_INSTANCE_ID]!;
    const pvc = await env.client.get(PERSISTENT_VOLUME_CLAIMS, `data-web-${id}`, { namespace: ns });
    assert.equal(pvc.metadata.labels![CLONESET_INSTANCE_ID], id);
    assert.equal(pvc.metadata.labels!['app'], 'web');
    assert.equal(pod.spec!.volumes?.[0]?.persistentVolumeClaim?.claimName, `data-web-${id}`);
    await patchCS({ replicas: 0 });
    await until('pod and pvc gone', async () => {
      const pvcs = (await env.client.list(PERSISTENT_VOLUME_CLAIMS, { namespace: ns })).items.filter(
        (p) => !p.metadata.deletionTimestamp,
      );
      return (await livePods()).length === 0 && pvcs.length === 0;
    });
  });

  it('keeps revisionHistoryLimit unused revisions and rolls back to an equal old revision', async () => {
    await createCloneSet(1, { revisionHistoryLimit: 1 });
    await until('1 pod', async () => (await livePods()).length === 1);
    for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
      await patchCS({ template: { spec: { containers: [{ name: 'main', image }] } } });
      await until(`pod at ${image}`, async () => {
        const pods = await livePods();
        for (const p of pods)
          if (p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
            await reportPodStatus(env.client, p, { ready: true });
        return pods.length === 1 && pods[0]!.spec!.containers[0]!.image === image;
      });
    }
    await until(
      'history truncated',
      async () => (await env.client.list(CONTROLLER_REVISIONS, { namespace: ns })).items.length <= 2,
    );
    const revisions = (await env.client.list(CONTROLLER_REVISIONS, { namespace: ns })).items;
    const latest = (await getCS()).status!.updateRevision;
    assert.ok(revisions.some((r) => r.metadata.name === latest));

    const oldRev = revisions.find((r) => r.metadata.name !== latest)!;
    await patchCS({ template: { spec: { containers: [{ name: 'main', image: 'nginx:3' }] } } });
    await until(
      'rolled back to the old revision object',
      async () => (await getCS()).status?.updateRevision === oldRev.metadata.name,
    );
    const bumped = await env.client.get(CONTROLLER_REVISIONS, oldRev.metadata.name!, { namespace: ns });
    assert.ok(bumped.revision > oldRev.revision);
  });

  it('does not scale in ready pods beyond maxUnavailable (upstream TestScale, minReadySeconds=9999)', async () => {
    await createCloneSet(5, { minReadySeconds: 9999, updateStrategy: { maxUnavailable: '20%' } });
    await until('5 pods', async () => (await livePods()).length === 5);
    await allReady(5);
    await patchCS({ replicas: 3 });
    await until(
      'observed',
      async () => (await getCS()).status?.observedGeneration === (await getCS()).metadata.generation,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(
      (await livePods()).length,
      5,
      'none is available, so deleting a ready pod would exceed maxUnavailable',
    );
    await patchCS({ minReadySeconds: 0 });
    await until('3 pods', async () => (await livePods()).length === 3);
  });

  it('creates surge pods before deleting old ones with maxSurge', async () => {
    await createCloneSet(2, { updateStrategy: { maxSurge: 1, maxUnavailable: 0 } });
    await until('2 pods', async () => (await livePods()).length === 2);
    await allReady(2);
    await patchCS({ template: { spec: { containers: [{ name: 'main', image: 'nginx:2' }] } } });
    await until('a surge pod', async () => (await livePods()).length === 3);
    const images = (await livePods()).map((p) => p.spec!.containers[0]!.image).sort();
    assert.deepEqual(images, ['nginx:1', 'nginx:1', 'nginx:2']);
    await until('rolled out', async () => {
      const pods = await livePods();
      for (const p of pods) {
        if (p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
          await reportPodStatus(env.client, p, { ready: true });
      }
      const s = (await getCS()).status!;
      return pods.length === 2 && s.updatedReadyReplicas === 2;
    });
  });

  it('blocks a change InPlaceOnly cannot make in place, with a FailedUpdate condition', async () => {
    await createCloneSet(1, { updateStrategy: { partition: 1 } });
    await until('1 pod', async () => (await livePods()).length === 1);
    await allReady(1);
    const pod = (await livePods())[0]!;
    await patchCS({
      template: {
        spec: { containers: [{ name: 'main', image: 'nginx:1', env: [{ name: 'A', value: '1' }] }] },
      },
    });
    await until(
      'new revision',
      async () => (await getCS()).status?.updateRevision !== (await getCS()).status?.currentRevision,
    );
    await patchCS({ updateStrategy: { type: 'InPlaceOnly', partition: 0 } });
    await until('FailedUpdate', async () =>
      ((await getCS()).status?.conditions ?? []).some(
        (c) => c.type === 'FailedUpdate' && /InPlaceOnly but can not update in-place/.test(c.message ?? ''),
      ),
    );
    const after = await livePods();
    assert.deepEqual(
      after.map((p) => p.metadata.uid),
      [pod.metadata.uid],
    );
    assert.equal(after[0]!.metadata.labels?.[SPECIFIED_DELETE_KEY], undefined);
  });

  it('follows the inPlaceUpdate hook: PreparingUpdate until released, Updating, Updated until re-hooked, Normal', async () => {
    await createCloneSet(1, {
      template: {
        metadata: { labels: { app: 'web', hook: 'on' } },
        spec: { containers: [{ name: 'main', image: 'nginx:1' }] },
      },
      updateStrategy: { type: 'InPlaceIfPossible', maxUnavailable: 1 },
      lifecycle: { inPlaceUpdate: { labelsHandler: { hook: 'on' } } },
    });
    await until('1 pod', async () => (await livePods()).length === 1);
    await allReady(1);
    const state = async () => (await livePods())[0]?.metadata.labels?.[LIFECYCLE_STATE_KEY];
    const name = (await livePods())[0]!.metadata.name!;
    const setHook = (v: string | null) =>
      env.client.patch(PODS, name, { metadata: { labels: { hook: v } } }, { type: 'merge', namespace: ns });

    await env.client.patch(
      CLONE_SETS,
      'web',
      [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:2' }],
      { type: 'json', namespace: ns },
    );
    await until('PreparingUpdate', async () => (await state()) === 'PreparingUpdate');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await livePods())[0]!.spec!.containers[0]!.image, 'nginx:1', 'held by the hook');

    await setHook(null);
    await until('Updating', async () => (await state()) === 'Updating');
    assert.equal((await livePods())[0]!.spec!.containers[0]!.image, 'nginx:2');
    await reportPodStatus(env.client, (await livePods())[0]!, { ready: true, restarted: ['main'] });
    await until('Updated', async () => (await state()) === 'Updated');
    await setHook('on');
    await until('Normal', async () => (await state()) === 'Normal');
  });

  it('deletes pods marked with the specified-delete label and replaces them', async () => {
    await createCloneSet(2);
    await until('2 pods', async () => (await livePods()).length === 2);
    await allReady(2);
    const victim = (await livePods())[0]!;
    await env.client.patch(
      PODS,
      victim.metadata.name!,
      { metadata: { labels: { [SPECIFIED_DELETE_KEY]: 'true' } } },
      { type: 'merge', namespace: ns },
    );
    await until('replaced', async () => {
      const pods = await livePods();
      return pods.length === 2 && !pods.some((p) => p.metadata.uid === victim.metadata.uid);
    });
  });
});
