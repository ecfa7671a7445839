import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  DEPLOYMENTS,
  EVENTS,
  PODS,
  REPLICA_SETS,
  type Deployment,
  type ReplicaSet,
} from '../../client/resources.js';
import { getControllerOf } from '../runtime/controller-ref.js';
import { FakeKubelet, startControllerTestEnv, until, type ControllerTestEnv } from '../runtime/testing.js';
import { ReplicaSetController } from '../replicaset/replicaset-controller.js';
import { DeploymentController } from './deployment-controller.js';

const ns = 'test';

describe('DeploymentController', () => {
  let env: ControllerTestEnv;
  let dc: DeploymentController;
  let kubelet: FakeKubelet;
  let stop: AbortController;
  let runs: Promise<void>[];

  beforeEach(async () => {
    env = await startControllerTestEnv(ns);
    const rsc = new ReplicaSetController({
      client: env.client,
      informers: env.informers,
      recorder: env.recorder('replicaset-controller'),
    });
    dc = new DeploymentController({
      client: env.client,
      informers: env.informers,
      recorder: env.recorder('deployment-controller'),
    });
    await env.startInformers();
    stop = new AbortController();
    runs = [rsc.run(stop.signal), dc.run(stop.signal)];
    kubelet = new FakeKubelet(env.client, ns);
    kubelet.start();
  });
  afterEach(async () => {
    await kubelet.stop();
    stop.abort();
    await Promise.all(runs);
    await env.close();
  });

  async function createDeployment(
    replicas: number,
    spec: Record<string, unknown> = {},
    annotations?: Record<string, string>,
  ): Promise<Deployment> {
    return env.client.create(DEPLOYMENTS, {
      metadata: { name: 'web', namespace: ns, ...(annotations ? { annotations } : {}) },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
        },
        ...spec,
      },
    });
  }
  const get = () => env.client.get(DEPLOYMENTS, 'web', { namespace: ns });
  const replicaSets = async (): Promise<ReplicaSet[]> =>
    (await env.client.list(REPLICA_SETS, { namespace: ns })).items.sort(
      (a, b) =>
        Number(a.metadata.annotations?.['deployment.kubernetes.io/revision']) -
        Number(b.metadata.annotations?.['deployment.kubernetes.io/revision']),
    );
  const activePods = async () =>
    (await env.client.list(PODS, { namespace: ns })).items.filter((p) => !p.metadata.deletionTimestamp);
  const setImage = (image: string) =>
    env.client.patch(
      DEPLOYMENTS,
      'web',
      { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } },
      { type: 'strategic', namespace: ns },
    );
  /** What `kubectl rollout status` waits for. */
  async function rolledOut(): Promise<boolean> {
    const d = await get();
    const s = d.status ?? {};
    const want = d.spec?.replicas ?? 1;
    const progressing = s.conditions?.find((c) => c.type === 'Progressing');
    return (
      (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
      (s.updatedReplicas ?? 0) === want &&
      (s.replicas ?? 0) === want &&
      (s.availableReplicas ?? 0) === want &&
      progressing?.reason === 'NewReplicaSetAvailable'
    );
  }

  it('creates a hashed ReplicaSet with revision 1 and reports a complete rollout', async () => {
    const d = await createDeployment(3);
    await until('rolled out', rolledOut);
    const [rs] = await replicaSets();
    const hash = rs!.metadata.labels?.['pod-template-hash'];
    assert.ok(hash);
    assert.equal(rs!.metadata.name, `web-${hash}`);
    assert.deepEqual(rs!.spec?.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
    assert.equal(rs!.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(getControllerOf(rs!)?.uid, d.metadata.uid);
    assert.deepEqual(
      {
        revision: rs!.metadata.annotations?.['deployment.kubernetes.io/revision'],
        desired: rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'],
        max: rs!.metadata.annotations?.['deployment.kubernetes.io/max-replicas'],
      },
      { revision: '1', desired: '3', max: '4' },
    );
    const pods = await activePods();
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.metadata.labels?.['pod-template-hash'] === hash));
    const got = await get();
    assert.equal(got.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    const cond = (t: string) => got.status?.conditions?.find((c) => c.type === t);
    assert.deepEqual(
      [cond('Available')?.status, cond('Available')?.reason, cond('Available')?.message],
      ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
    );
    assert.deepEqual(
      [cond('Progressing')?.status, cond('Progressing')?.message],
      ['True', `ReplicaSet "web-${hash}" has successfully progressed.`],
    );
    await until('scaling event', async () =>
      (await env.client.list(EVENTS, { namespace: ns })).items.some(
        (e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set web-${hash} to 3`,
      ),
    );
  });

  it('rolls an image change within maxSurge and maxUnavailable, then rolls back by template', async () => {
    await createDeployment(4, {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    });
    await until('first rollout', rolledOut);
    // Observe every ReplicaSet change during the rollout.
    let maxTotal = 0;
    let minAvailable = Infinity;
    const reg = dc.rsInformer.addEventHandler({
      onUpdate: () => {
        const list = dc.rsInformer.store.list();
        maxTotal = Math.max(
          maxTotal,
          list.reduce((n, r) => n + (r.spec?.replicas ?? 0), 0),
        );
        minAvailable = Math.min(
          minAvailable,
          list.reduce((n, r) => n + (r.status?.availableReplicas ?? 0), 0),
        );
      },
    });
    await setImage('nginx:2');
    await until('second rollout', rolledOut);
    reg.remove();
    assert.ok(maxTotal <= 5, `at most replicas + maxSurge pods wanted, saw ${maxTotal}`);
    assert.ok(minAvailable >= 3, `at least replicas - maxUnavailable available, saw ${minAvailable}`);
    let [v1, v2] = await replicaSets();
    assert.equal(v1!.spec?.replicas, 0);
    assert.equal(v2!.spec?.replicas, 4);
    assert.equal(v2!.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal((await get()).metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.ok((await activePods()).every((p) => p.spec?.containers[0]?.image === 'nginx:2'));

    // `kubectl rollout undo` puts revision 1's template back: that ReplicaSet becomes revision 3.
    await setImage('nginx:1');
    await until(
      'rolled back',
      async () =>
        (await rolledOut()) &&
        (await get()).metadata.annotations?.['deployment.kubernetes.io/revision'] === '3',
    );
    const list = await replicaSets();
    assert.equal(list.length, 2);
    [v2, v1] = list;
    assert.equal(v1!.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(v1!.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(v1!.spec?.replicas, 4);
    assert.equal(v2!.spec?.replicas, 0);
  });

  it('scales up and down to zero through the one active ReplicaSet', async () => {
    await createDeployment(2);
    await until('rolled out', rolledOut);
    await env.client.patch(DEPLOYMENTS, 'web', { spec: { replicas: 5 } }, { type: 'merge', namespace: ns });
    await until('5', async () => (await rolledOut()) && (await activePods()).length === 5);
    const [rs] = await replicaSets();
    assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
    await env.client.patch(DEPLOYMENTS, 'web', { spec: { replicas: 0 } }, { type: 'merge', namespace: ns });
    await until('0', async () => (await rolledOut()) && (await activePods()).length === 0);
    await until('scaled down event', async () =>
      (await env.client.list(EVENTS, { namespace: ns })).items.some(
        (e) =>
          e.reason === 'ScalingReplicaSet' &&
          e.message === `Scaled down replica set ${rs!.metadata.name} from 5 to 0`,
      ),
    );
  });

  it('a paused deployment does not roll out; resuming does', async () => {
    await createDeployment(2);
    await until('rolled out', rolledOut);
    await env.client.patch(DEPLOYMENTS, 'web', { spec: { paused: true } }, { type: 'merge', namespace: ns });
    await until(
      'paused condition',
      async () => (await get()).status?.conditions?.some((c) => c.reason === 'DeploymentPaused') ?? false,
    );
    await setImage('nginx:2');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await replicaSets()).length, 1);
    await env.client.patch(DEPLOYMENTS, 'web', { spec: { paused: false } }, { type: 'merge', namespace: ns });
    await until('resumed rollout', async () => (await rolledOut()) && (await replicaSets()).length === 2);
  });

  it('Recreate scales the old ReplicaSet to zero and waits for its pods before the new one', async () => {
    await createDeployment(3, { strategy: { type: 'Recreate' } });
    await until('rolled out', rolledOut);
    let overlap = false;
    const reg = dc.podInformer.addEventHandler({
      onAdd: () => {
        const hashes = new Set(
          dc.podInformer.store
            .list()
            .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
            .map((p) => p.metadata.labels?.['pod-template-hash']),
        );
        if (hashes.size > 1) overlap = true;
      },
    });
    await setImage('nginx:2');
    await until('recreated', async () => (await rolledOut()) && (await replicaSets()).length === 2);
    reg.remove();
    assert.equal(overlap, false, 'new pods appeared while old ones existed');
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    await createDeployment(1, { revisionHistoryLimit: 1 });
    await until('rolled out', rolledOut);
    for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
      await setImage(image);
      await until(
        `rolled out ${image}`,
        async () => (await rolledOut()) && (await get()).spec?.template.spec?.containers[0]?.image === image,
      );
    }
    await until('cleaned up', async () => (await replicaSets()).length === 2);
    const revisions = (await replicaSets()).map(
      (r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'],
    );
    assert.deepEqual(revisions, ['3', '4']);
  });

  it('reports ProgressDeadlineExceeded when pods never become available', async () => {
    kubelet.paused = true;
    await createDeployment(1, { progressDeadlineSeconds: 1 });
    await until(
      'timed out',
      async () => {
        const c = (await get()).status?.conditions?.find((x) => x.type === 'Progressing');
        return c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded';
      },
      15_000,
    );
    const [rs] = await replicaSets();
    const c = (await get()).status?.conditions?.find((x) => x.type === 'Progressing');
    assert.equal(c?.message, `ReplicaSet "${rs!.metadata.name}" has timed out progressing.`);
    const a = (await get()).status?.conditions?.find((x) => x.type === 'Available');
    assert.deepEqual([a?.status, a?.reason], ['False', 'MinimumReplicasUnavailable']);
  });

  it('rolls back through the deprecated rollback annotation', async () => {
    await createDeployment(1);
    await until('rolled out', rolledOut);
    await setImage('nginx:2');
    await until('second', async () => (await rolledOut()) && (await replicaSets()).length === 2);
    await env.client.patch(
      DEPLOYMENTS,
      'web',
      { metadata: { annotations: { 'deprecated.deployment.rollback.to': '0' } } },
      { type: 'merge', namespace: ns },
    );
    await until('rolled back', async () => {
      const d = await get();
      return (
        d.spec?.template.spec?.containers[0]?.image === 'nginx:1' &&
        !d.metadata.annotations?.['deprecated.deployment.rollback.to']
      );
    });
    await until('event', async () =>
      (await env.client.list(EVENTS, { namespace: ns })).items.some(
        (e) =>
          e.reason === 'DeploymentRollback' && e.message === 'Rolled back deployment "web" to revision 1',
      ),
    );
  });
});
