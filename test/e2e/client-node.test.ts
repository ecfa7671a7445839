/**
 * @module End-to-end: the official JavaScript client (@kubernetes/client-node) against a real skiff server:
 * typed CRUD, optimistic concurrency, merge and strategic patches, an informer and the Watch API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Deployment,
} from '@kubernetes/client-node';
import { eventually, type SkiffProcess, startSkiff } from './harness.js';

let skiff: SkiffProcess;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

before(async () => {
  skiff = await startSkiff({ extraArgs: ['--watch-bookmark-interval', '1'] });
  kc = new KubeConfig();
  kc.loadFromFile(skiff.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});

after(async () => {
  await skiff?.cleanup();
});

/** The HTTP status of a rejected client call. */
async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
  assert.fail('the call was expected to fail');
}

async function makeNamespace(name: string): Promise<void> {
  const ns = await core.createNamespace({ body: { metadata: { name, labels: { suite: 'client-node' } } } });
  assert.equal(ns.metadata?.name, name);
  assert.ok(ns.metadata?.uid);
}

function deployment(name: string, replicas: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] },
            { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] },
          ],
        },
      },
    },
  };
}

describe('typed CRUD with @kubernetes/client-node', () => {
  const ns = 'cn-crud';

  before(() => makeNamespace(ns));

  test('create, read and list configmaps with a label selector', async () => {
    for (const [name, tier] of [
      ['a', 'front'],
      ['b', 'back'],
      ['c', 'front'],
    ] as const) {
      const cm = await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name, labels: { tier } }, data: { name } },
      });
      assert.equal(cm.metadata?.namespace, ns);
      assert.ok(cm.metadata?.resourceVersion);
    }
    const read = await core.readNamespacedConfigMap({ name: 'b', namespace: ns });
    assert.deepEqual(read.data, { name: 'b' });
    assert.equal(read.kind, 'ConfigMap');

    const front = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'tier=front' });
    assert.deepEqual(
      front.items.map((i) => i.metadata?.name),
      ['a', 'c'],
    );
    const notFront = await core.listNamespacedConfigMap({
      namespace: ns,
      labelSelector: 'tier notin (front)',
    });
    assert.deepEqual(
      notFront.items.map((i) => i.metadata?.name),
      ['b'],
    );
    assert.ok(front.metadata?.resourceVersion);
    assert.equal(await statusOf(core.readNamespacedConfigMap({ name: 'missing', namespace: ns })), 404);
    assert.equal(
      await statusOf(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } })),
      409,
    );
  });

  test('replace succeeds with the current resourceVersion and is a 409 Conflict with a stale one', async () => {
    const cur = await core.readNamespacedConfigMap({ name: 'a', namespace: ns });
    const stale = structuredClone(cur);
    cur.data = { name: 'a', version: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: cur });
    assert.equal(replaced.data?.['version'], '2');
    assert.notEqual(replaced.metadata?.resourceVersion, stale.metadata?.resourceVersion);

    stale.data = { name: 'a', version: 'stale' };
    let body: unknown;
    try {
      await core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: stale });
      assert.fail('a stale replace must fail');
    } catch (err) {
      assert.equal((err as { code?: number }).code, 409);
      body = (err as { body?: unknown }).body;
    }
    const status = JSON.parse(String(body)) as {
      kind: string;
      reason: string;
      code: number;
      message: string;
    };
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Conflict');
    assert.equal(status.code, 409);
    assert.match(
      status.message,
      /the object has been modified; please apply your changes to the latest version/,
    );
    const after = await core.readNamespacedConfigMap({ name: 'a', namespace: ns });
    assert.equal(after.data?.['version'], '2');
  });

  test('merge patch and strategic merge patch through the patch strategy header', async () => {
    const merged = await core.patchNamespacedConfigMap(
      {
        name: 'b',
        namespace: ns,
        body: { data: { extra: 'x', name: null }, metadata: { labels: { patched: 'yes' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(merged.data, { extra: 'x' });
    assert.equal(merged.metadata?.labels?.['patched'], 'yes');
    assert.equal(merged.metadata?.labels?.['tier'], 'back');

    const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 2) });
    assert.equal(created.metadata?.generation, 1);
    assert.equal(created.spec?.strategy?.type, 'RollingUpdate');

    // Strategic merge: the containers list merges by name; a merge patch would replace it.
    const smp = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns,
        body: {
          spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = smp.spec?.template.spec?.containers ?? [];
    assert.deepEqual(
      containers.map((c) => [c.name, c.image]),
      [
        ['web', 'nginx:1.26'],
        ['sidecar', 'busybox:1.36'],
      ],
    );
    assert.equal(containers[0]?.ports?.[0]?.containerPort, 80);
    assert.equal(smp.spec?.replicas, 3);
    assert.equal(smp.metadata?.generation, 2);

    const mp = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns,
        body: { spec: { template: { spec: { containers: [{ name: 'only', image: 'nginx:1.27' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(
      mp.spec?.template.spec?.containers.map((c) => c.name),
      ['only'],
    );

    const jp = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: ns, body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    assert.equal(jp.spec?.replicas, 1);

    const list = await apps.listNamespacedDeployment({ namespace: ns, labelSelector: 'app=web' });
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]?.spec?.replicas, 1);
  });

  test('delete removes the object; a second delete is 404', async () => {
    await core.deleteNamespacedConfigMap({ name: 'c', namespace: ns });
    assert.equal(await statusOf(core.readNamespacedConfigMap({ name: 'c', namespace: ns })), 404);
    assert.equal(await statusOf(core.deleteNamespacedConfigMap({ name: 'c', namespace: ns })), 404);
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: ns });
    const left = await core.listNamespacedConfigMap({ namespace: ns });
    assert.deepEqual(
      left.items.map((i) => i.metadata?.name),
      ['a', 'b'],
    );
  });
});

describe('informer and watch with @kubernetes/client-node', () => {
  const ns = 'cn-watch';

  before(() => makeNamespace(ns));

  test('an informer sees ADDED, UPDATED and DELETED for later changes and survives idle periods', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'pre', labels: { w: 'x' } } },
    });
    const informer = makeInformer<V1ConfigMap>(
      kc,
      `/api/v1/namespaces/${ns}/configmaps`,
      () => core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'w=x' }),
      'w=x',
    );
    const seen: string[] = [];
    const errors: unknown[] = [];
    let connects = 0;
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name} ${o.data?.['v'] ?? ''}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.data?.['v'] ?? ''}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    informer.on('error', (err) => errors.push(err));
    informer.on('connect', () => connects++);
    await informer.start();
    try {
      await eventually(async () => seen.includes('add pre '));
      assert.equal(informer.list(ns).length, 1);

      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'live', labels: { w: 'x' } }, data: { v: '1' } },
      });
      // Not selected by the informer's label selector.
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'other' } } });
      await core.patchNamespacedConfigMap(
        { name: 'live', namespace: ns, body: { data: { v: '2' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ name: 'live', namespace: ns });
      await eventually(async () => seen.includes('delete live'));
      assert.deepEqual(seen, ['add pre ', 'add live 1', 'update live 2', 'delete live']);
      assert.equal(informer.get('live', ns), undefined);

      // Idle for a few bookmark periods, then a change still arrives on the same informer.
      await new Promise((r) => setTimeout(r, 3500));
      await core.patchNamespacedConfigMap(
        { name: 'pre', namespace: ns, body: { data: { v: 'late' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await eventually(async () => seen.includes('update pre late'));
      assert.equal(informer.get('pre', ns)?.data?.['v'], 'late');
      assert.deepEqual(errors, []);
      assert.ok(connects >= 1);
    } finally {
      await informer.stop();
    }
  });

  test('Watch from a resourceVersion delivers only later changes, in order', async () => {
    const first = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w1' } } });
    const rv = first.metadata!.resourceVersion!;
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w2' } } });
    const events: Array<{ type: string; name: string; rv: string }> = [];
    const watch = new Watch(kc);
    let doneErr: unknown = 'not done';
    const controller = await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: rv },
      (type, obj: V1ConfigMap) => {
        events.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '' });
      },
      (err) => {
        doneErr = err;
      },
    );
    try {
      await eventually(async () => events.length >= 1);
      await core.patchNamespacedConfigMap(
        { name: 'w1', namespace: ns, body: { data: { k: 'v' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ name: 'w2', namespace: ns });
      await eventually(async () => events.length >= 3);
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.name}`),
        ['ADDED w2', 'MODIFIED w1', 'DELETED w2'],
      );
      const rvs = events.map((e) => Number(e.rv));
      assert.ok(
        rvs.every((n, i) => i === 0 || n > rvs[i - 1]!),
        `resourceVersions increase: ${rvs.join(',')}`,
      );
      assert.ok(rvs[0]! > Number(rv));
      assert.equal(doneErr, 'not done');
    } finally {
      controller.abort();
    }
  });

  test('Watch with timeoutSeconds ends cleanly', async () => {
    const watch = new Watch(kc);
    const started = Date.now();
    const done = await new Promise<unknown>((resolve) => {
      void watch.watch(`/api/v1/namespaces/${ns}/configmaps`, { timeoutSeconds: 1 }, () => {}, resolve);
    });
    assert.equal(done, null);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 5000, `watch lasted ${elapsed} ms`);
  });
});
