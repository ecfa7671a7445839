/**
 * @module End-to-end: a Deployment under `skiff up` (controller manager, scheduler and the local node agent
 * running real process pods), driven by the real kubectl — apply and `rollout status`, an image change that
 * stays within maxSurge/maxUnavailable (ReplicaSet sizes watched throughout), `rollout history` and `undo`,
 * `scale` to 5 and to 0, `rollout pause`/`resume` and `rollout restart`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeClient } from '../../src/client/client.js';
import { SharedInformerFactory } from '../../src/client/informer/factory.js';
import { REPLICA_SETS } from '../../src/client/resources.js';
import { HttpTransport } from '../../src/client/transport.js';
import { eventually, type SkiffProcess, startSkiff, tempFile } from './harness.js';

type Json = Record<string, any>;

const NS = 'default';
const REPLICAS = 3;
const MAX_SURGE = 1;
const MAX_UNAVAILABLE = 1;

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    kubernetes.io/change-cause: first
spec:
  replicas: ${REPLICAS}
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: ${MAX_SURGE}, maxUnavailable: ${MAX_UNAVAILABLE}}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: busybox:1.36
        command: [sleep, "3600"]
`;

let skiff: SkiffProcess;
let transport: HttpTransport;
let informers: SharedInformerFactory;
const stopInformers = new AbortController();

async function getJson(args: string[]): Promise<Json> {
  return eventually(async () => JSON.parse(await skiff.kubectlOk([...args, '-o', 'json'])) as Json, 10_000);
}

async function livePods(): Promise<Json[]> {
  const list = (await getJson(['-n', NS, 'get', 'pods', '-l', 'app=web'])) as { items: Json[] };
  return list.items.filter((p) => !p['metadata'].deletionTimestamp);
}

async function rolloutStatus(): Promise<string> {
  return skiff.kubectlOk(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=180s'], {
    timeoutMs: 200_000,
  });
}

async function replicaSets(): Promise<Json[]> {
  const list = (await getJson(['-n', NS, 'get', 'rs', '-l', 'app=web'])) as { items: Json[] };
  return list.items;
}

/** Sizes of the deployment's ReplicaSets as the controllers write them, sampled on every change. */
class RolloutRecorder {
  maxWanted = 0;
  minAvailable = Infinity;
  samples = 0;
  private active = false;
  constructor() {
    const inf = informers.informerFor(REPLICA_SETS, { namespace: NS, labelSelector: 'app=web' });
    const sample = (): void => {
      if (!this.active) return;
      const list = inf.store.list();
      this.samples++;
      this.maxWanted = Math.max(
        this.maxWanted,
        list.reduce((n, r) => n + (r.spec?.replicas ?? 0), 0),
      );
      this.minAvailable = Math.min(
        this.minAvailable,
        list.reduce((n, r) => n + (r.status?.availableReplicas ?? 0), 0),
      );
    };
    inf.addEventHandler({ onAdd: sample, onUpdate: sample, onDelete: sample });
  }
  start(): void {
    this.maxWanted = 0;
    this.minAvailable = Infinity;
    this.samples = 0;
    this.active = true;
  }
  stop(): void {
    this.active = false;
  }
}

let recorder: RolloutRecorder;

before(async () => {
  skiff = await startSkiff({ command: 'up' });
  transport = new HttpTransport(skiff.url);
  informers = new SharedInformerFactory(new KubeClient(transport));
  recorder = new RolloutRecorder();
  informers.start(stopInformers.signal);
  await informers.waitForCacheSync();
});

after(async () => {
  stopInformers.abort();
  await informers?.shutdown();
  transport?.close();
  await skiff?.cleanup();
});

describe('Deployment with kubectl against skiff up', { timeout: 900_000 }, () => {
  test('kubectl apply, then rollout status succeeds with 3 ready pods', async () => {
    await skiff.kubectlOk(['-n', NS, 'apply', '-f', tempFile('web.yaml', MANIFEST)]);
    const out = await rolloutStatus();
    assert.match(out, /deployment "web" successfully rolled out/);
    const pods = await livePods();
    assert.equal(pods.length, REPLICAS);
    assert.ok(pods.every((p) => p['status']?.phase === 'Running'));
    const d = await getJson(['-n', NS, 'get', 'deployment', 'web']);
    assert.equal(d['metadata'].annotations['deployment.kubernetes.io/revision'], '1');
    assert.equal(d['status'].readyReplicas, REPLICAS);
  });

  test('an image change rolls within maxSurge and maxUnavailable', async () => {
    recorder.start();
    await skiff.kubectlOk(['-n', NS, 'set', 'image', 'deployment/web', 'main=busybox:1.37']);
    await skiff.kubectlOk([
      '-n',
      NS,
      'annotate',
      'deployment/web',
      'kubernetes.io/change-cause=second',
      '--overwrite',
    ]);
    assert.match(await rolloutStatus(), /successfully rolled out/);
    recorder.stop();
    assert.ok(recorder.samples > 0);
    assert.ok(
      recorder.maxWanted <= REPLICAS + MAX_SURGE,
      `ReplicaSets asked for ${recorder.maxWanted} pods, more than replicas + maxSurge`,
    );
    assert.ok(
      recorder.minAvailable >= REPLICAS - MAX_UNAVAILABLE,
      `only ${recorder.minAvailable} pods were available, fewer than replicas - maxUnavailable`,
    );
    const rss = await replicaSets();
    assert.equal(rss.length, 2);
    const byRev = Object.fromEntries(
      rss.map((r) => [r['metadata'].annotations['deployment.kubernetes.io/revision'], r['spec'].replicas]),
    );
    assert.deepEqual(byRev, { '1': 0, '2': REPLICAS });
    const pods = await eventually(async () => {
      const p = await livePods();
      return p.length === REPLICAS && p.every((x) => x['spec'].containers[0].image === 'busybox:1.37') && p;
    }, 60_000);
    assert.equal(pods.length, REPLICAS);
  });

  test('rollout history shows both revisions, and rollout undo returns to the first template', async () => {
    const history = await skiff.kubectlOk(['-n', NS, 'rollout', 'history', 'deployment/web']);
    assert.match(history, /REVISION\s+CHANGE-CAUSE/);
    assert.match(history, /^1\s+first$/m);
    assert.match(history, /^2\s+second$/m);
    const rev2 = await skiff.kubectlOk(['-n', NS, 'rollout', 'history', 'deployment/web', '--revision=2']);
    assert.match(rev2, /busybox:1\.37/);

    await skiff.kubectlOk(['-n', NS, 'rollout', 'undo', 'deployment/web']);
    assert.match(await rolloutStatus(), /successfully rolled out/);
    const d = await getJson(['-n', NS, 'get', 'deployment', 'web']);
    assert.equal(d['spec'].template.spec.containers[0].image, 'busybox:1.36');
    assert.equal(d['metadata'].annotations['deployment.kubernetes.io/revision'], '3');
    const after = await skiff.kubectlOk(['-n', NS, 'rollout', 'history', 'deployment/web']);
    assert.match(after, /^2\s+second$/m);
    assert.match(after, /^3\s+first$/m);
    assert.doesNotMatch(after, /^1\s/m);
    const rss = await replicaSets();
    const back = rss.find((r) => r['metadata'].annotations['deployment.kubernetes.io/revision'] === '3');
    assert.equal(back?.['metadata'].annotations['deployment.kubernetes.io/revision-history'], '1');
  });

  test('scale to 5 and to 0', async () => {
    await skiff.kubectlOk(['-n', NS, 'scale', 'deployment/web', '--replicas=5']);
    assert.match(await rolloutStatus(), /successfully rolled out/);
    assert.equal(await eventually(async () => (await livePods()).length === 5 && true, 60_000), true);
    await skiff.kubectlOk(['-n', NS, 'scale', 'deployment/web', '--replicas=0']);
    assert.match(await rolloutStatus(), /successfully rolled out/);
    await eventually(async () => (await livePods()).length === 0, 60_000);
    const d = await getJson(['-n', NS, 'get', 'deployment', 'web']);
    assert.equal(d['status'].replicas ?? 0, 0);
    await skiff.kubectlOk(['-n', NS, 'scale', 'deployment/web', `--replicas=${REPLICAS}`]);
    assert.match(await rolloutStatus(), /successfully rolled out/);
  });

  test('rollout pause holds a template change; resume rolls it out', async () => {
    await skiff.kubectlOk(['-n', NS, 'rollout', 'pause', 'deployment/web']);
    await skiff.kubectlOk(['-n', NS, 'set', 'image', 'deployment/web', 'main=busybox:1.38']);
    await eventually(async () => {
      const d = await getJson(['-n', NS, 'get', 'deployment', 'web']);
      const p = (d['status'].conditions as Json[]).find((c) => c['type'] === 'Progressing');
      return p?.['reason'] === 'DeploymentPaused';
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await replicaSets()).length, 2, 'no new ReplicaSet while paused');
    await skiff.kubectlOk(['-n', NS, 'rollout', 'resume', 'deployment/web']);
    assert.match(await rolloutStatus(), /successfully rolled out/);
    const pods = await eventually(async () => {
      const p = await livePods();
      return p.length === REPLICAS && p.every((x) => x['spec'].containers[0].image === 'busybox:1.38') && p;
    }, 60_000);
    assert.equal(pods.length, REPLICAS);
  });

  test('rollout restart replaces every pod', async () => {
    const before = new Set((await livePods()).map((p) => p['metadata'].uid as string));
    await skiff.kubectlOk(['-n', NS, 'rollout', 'restart', 'deployment/web']);
    assert.match(await rolloutStatus(), /successfully rolled out/);
    const pods = await eventually(async () => {
      const p = await livePods();
      return p.length === REPLICAS && p.every((x) => !before.has(x['metadata'].uid)) && p;
    }, 60_000);
    assert.ok(pods.every((p) => p['metadata'].annotations?.['kubectl.kubernetes.io/restartedAt']));
  });
});
