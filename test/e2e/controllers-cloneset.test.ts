/**
 * @module End-to-end: an OpenKruise CloneSet under `skiff up` (scheduler and local node agent running real
 * process pods), driven by the real kubectl — scale up and down, podsToDelete, an image change updated in
 * place (same pod, uid, node and IP; the agent restarts the container once), a partition that stops the
 * rollout, and a non-image change that re-creates the pods.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, type SkiffProcess, startSkiff, tempFile } from './harness.js';

type Json = Record<string, any>;

const NS = 'default';

let skiff: SkiffProcess;

const MANIFEST = `apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: main
        image: busybox:1.36
        command: [sleep, "3600"]
  updateStrategy:
    type: InPlaceIfPossible
    maxUnavailable: 1
`;

async function getJson(args: string[]): Promise<Json> {
  return eventually(async () => JSON.parse(await skiff.kubectlOk([...args, '-o', 'json'])) as Json, 10_000);
}

async function cloneSet(): Promise<Json> {
  return getJson(['-n', NS, 'get', 'cloneset', 'web']);
}

/** Pods of the CloneSet that are not being deleted. */
async function pods(): Promise<Json[]> {
  const list = (await getJson(['-n', NS, 'get', 'pods', '-l', 'app=web'])) as { items: Json[] };
  return list.items.filter((p) => !p['metadata'].deletionTimestamp);
}

async function patchSpec(spec: Json): Promise<void> {
  await skiff.kubectlOk([
    '-n',
    NS,
    'patch',
    'cloneset',
    'web',
    '--type',
    'merge',
    '-p',
    JSON.stringify({ spec }),
  ]);
}

/** Waits until the CloneSet reports `n` pods, all ready, and exactly `n` live pods exist. */
async function settled(n: number, extra: (s: Json, live: Json[]) => boolean = () => true): Promise<Json[]> {
  let last: Json = {};
  return eventually(
    async () => {
      const cs = await cloneSet();
      last = cs['status'] ?? {};
      const live = await pods();
      const ok =
        cs['status']?.observedGeneration === cs['metadata'].generation &&
        last['replicas'] === n &&
        last['readyReplicas'] === n &&
        live.length === n &&
        extra(last, live);
      return ok ? live : undefined;
    },
    120_000,
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last status ${JSON.stringify(last)}\n${skiff.output().slice(-3000)}`);
  });
}

/** A JSON patch (merge patches would replace the whole containers list). */
async function jsonPatch(ops: Json[]): Promise<void> {
  await skiff.kubectlOk(['-n', NS, 'patch', 'cloneset', 'web', '--type', 'json', '-p', JSON.stringify(ops)]);
}

async function setImage(image: string): Promise<void> {
  await jsonPatch([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }]);
}

function image(p: Json): string {
  return p['spec'].containers[0].image as string;
}

before(async () => {
  skiff = await startSkiff({ command: 'up' });
  await skiff.kubectlOk(['-n', NS, 'apply', '-f', tempFile('cloneset.yaml', MANIFEST)]);
  // skiff up runs the controller manager: its controllers must act on their own.
  await eventually(async () => (await cloneSet())['status']?.observedGeneration === 1, 30_000);
});

after(async () => {
  await skiff?.kubectl(['-n', NS, 'delete', 'cloneset', 'web', '--wait=false']);
  await skiff?.cleanup();
});

describe('CloneSet with kubectl', { timeout: 600_000 }, () => {
  test('creates its pods, named and labelled as Kruise, and runs them', async () => {
    const live = await settled(3);
    for (const p of live) {
      const id = p['metadata'].labels['apps.kruise.io/cloneset-instance-id'] as string;
      assert.equal(p['metadata'].name, `web-${id}`);
      assert.deepEqual(p['spec'].readinessGates, [{ conditionType: 'InPlaceUpdateReady' }]);
      assert.equal(p['status'].phase, 'Running');
    }
    const status = (await cloneSet())['status'];
    assert.equal(status.labelSelector, 'app=web');
    assert.equal(status.currentRevision, status.updateRevision);
    const table = await skiff.kubectlOk(['-n', NS, 'get', 'cloneset', 'web']);
    assert.match(
      table,
      /^NAME\s+DESIRED\s+UPDATED\s+UPDATED_READY\s+UPDATED_AVAILABLE\s+READY\s+TOTAL\s+AGE/m,
    );
  });

  test('kubectl scale up and down', async () => {
    await skiff.kubectlOk(['-n', NS, 'scale', 'cloneset', 'web', '--replicas=5']);
    await settled(5);
    await skiff.kubectlOk(['-n', NS, 'scale', 'cloneset', 'web', '--replicas=2']);
    await settled(2);
  });

  test('podsToDelete removes the named pod, which is replaced, and the list is truncated', async () => {
    const [victim] = await pods();
    const name = victim!['metadata'].name as string;
    await patchSpec({ scaleStrategy: { podsToDelete: [name] } });
    await settled(2, (_s, live) => !live.some((p) => p['metadata'].name === name));
    await eventually(
      async () => ((await cloneSet())['spec'].scaleStrategy?.podsToDelete ?? []).length === 0,
      30_000,
    );
  });

  test('an image change updates the pods in place: same pod, uid, node and IP; the container restarts once', async () => {
    const before = new Map((await pods()).map((p) => [p['metadata'].uid as string, p]));
    const oldRevision = (await cloneSet())['status'].updateRevision as string;
    await setImage('busybox:1.37');
    const live = await settled(2, (s, l) => {
      return (
        s['updatedReadyReplicas'] === 2 &&
        s['currentRevision'] === s['updateRevision'] &&
        s['updateRevision'] !== oldRevision &&
        l.every((p) => p['status'].containerStatuses?.[0]?.imageID === 'busybox:1.37')
      );
    });
    for (const p of live) {
      const old = before.get(p['metadata'].uid as string);
      assert.ok(old, `pod ${p['metadata'].name} was not re-created`);
      assert.equal(p['metadata'].name, old['metadata'].name);
      assert.equal(p['spec'].nodeName, old['spec'].nodeName);
      assert.equal(p['status'].podIP, old['status'].podIP);
      assert.equal(image(p), 'busybox:1.37');
      const cs0 = p['status'].containerStatuses[0];
      assert.equal(cs0.restartCount, (old['status'].containerStatuses[0].restartCount as number) + 1);
      const state = JSON.parse(
        p['metadata'].annotations['apps.kruise.io/inplace-update-state'] as string,
      ) as Json;
      assert.equal(state['revision'], p['metadata'].labels['controller-revision-hash']);
      assert.deepEqual(state['lastContainerStatuses'], { main: { imageID: 'busybox:1.36' } });
      assert.equal(p['metadata'].labels['lifecycle.apps.kruise.io/state'], 'Normal');
    }
  });

  test('a partition stops the rollout at the right count', async () => {
    await patchSpec({ replicas: 4, updateStrategy: { partition: 2 } });
    await settled(4);
    await setImage('busybox:1.36');
    const live = await settled(
      4,
      (s) =>
        s['updatedReplicas'] === 2 && s['updatedReadyReplicas'] === 2 && s['expectedUpdatedReplicas'] === 2,
    );
    assert.equal(live.filter((p) => image(p) === 'busybox:1.36').length, 2);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(
      (await pods()).filter((p) => image(p) === 'busybox:1.36').length,
      2,
      'the rollout stays at the partition',
    );
  });

  test('a non-image change re-creates the pods', async () => {
    const before = new Set((await pods()).map((p) => p['metadata'].uid as string));
    await jsonPatch([
      { op: 'replace', path: '/spec/updateStrategy/partition', value: 0 },
      { op: 'add', path: '/spec/template/spec/containers/0/env', value: [{ name: 'MODE', value: 'b' }] },
    ]);
    const live = await settled(
      4,
      (s, l) => s['updatedReadyReplicas'] === 4 && l.every((p) => !before.has(p['metadata'].uid as string)),
    );
    for (const p of live) assert.deepEqual(p['spec'].containers[0].env, [{ name: 'MODE', value: 'b' }]);
    const events = (await getJson(['-n', NS, 'get', 'events'])) as { items: Json[] };
    const reasons = new Set(events.items.map((e) => e['reason'] as string));
    for (const r of [
      'SuccessfulCreate',
      'SuccessfulDelete',
      'SuccessfulUpdatePodInPlace',
      'SuccessfulUpdatePodReCreate',
    ]) {
      assert.ok(reasons.has(r), `event ${r}`);
    }
  });
});
