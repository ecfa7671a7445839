/**
 * @module End-to-end: the server process's lifecycle — state survives a restart on the same data directory
 * (with later resourceVersions afterwards), SIGTERM ends open watches and exits 0 promptly, and creates
 * acknowledged before a kill -9 are all there after the restart.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { eventually, KUBECTL, type SkiffProcess, startSkiff, tempFile } from './harness.js';

const dataDir = mkdtempSync(join(tmpdir(), 'skiff-lifecycle-'));
let current: SkiffProcess | undefined;

async function start(): Promise<SkiffProcess> {
  current = await startSkiff({ dataDir });
  return current;
}

after(async () => {
  await current?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

type Json = Record<string, any>;

interface Seen {
  uid: string;
  resourceVersion: string;
}

/** uid and resourceVersion of every object of the given kinds in the test namespaces. */
async function snapshot(s: SkiffProcess): Promise<Map<string, Seen>> {
  const out = await s.kubectlOk([
    'get',
    'namespaces,configmaps,secrets,deployments,services,clonesets',
    '-A',
    '-l',
    'suite=lifecycle',
    '-o',
    'json',
  ]);
  const items = (JSON.parse(out) as Json)['items'] as Json[];
  return new Map(
    items.map((i) => [
      `${i['kind']}/${i['metadata'].namespace ?? ''}/${i['metadata'].name}`,
      { uid: i['metadata'].uid as string, resourceVersion: i['metadata'].resourceVersion as string },
    ]),
  );
}

describe('restart on the same data directory', () => {
  let before: Map<string, Seen>;
  let highest = 0;

  test('objects written before a graceful stop', async () => {
    const s = await start();
    const docs: string[] = [];
    for (const ns of ['life-a', 'life-b']) {
      docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels: {suite: lifecycle}\n`);
    }
    await s.kubectlOk(['apply', '-f', tempFile('ns.yaml', docs.join('---\n'))]);
    const objects: string[] = [];
    for (const ns of ['life-a', 'life-b']) {
      for (let i = 0; i < 5; i++) {
        objects.push(
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ${ns}\n  labels: {suite: lifecycle}\ndata: {i: "${i}"}\n`,
        );
      }
      objects.push(
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ${ns}\n  labels: {suite: lifecycle}\nstringData: {k: v}\n`,
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ${ns}\n  labels: {suite: lifecycle}\n` +
          `spec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n` +
          `    spec: {containers: [{name: web, image: nginx}]}\n`,
        `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: ${ns}\n  labels: {suite: lifecycle}\n` +
          `spec: {selector: {app: web}, ports: [{port: 80}]}\n`,
        `apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata:\n  name: clone\n  namespace: ${ns}\n  labels: {suite: lifecycle}\n` +
          `spec:\n  replicas: 1\n  selector: {matchLabels: {app: clone}}\n  template:\n    metadata: {labels: {app: clone}}\n` +
          `    spec: {containers: [{name: c, image: nginx}]}\n`,
      );
    }
    await s.kubectlOk(['apply', '-f', tempFile('objects.yaml', objects.join('---\n'))]);
    // An update and a delete must survive too.
    await s.kubectlOk(['-n', 'life-a', 'scale', 'deployment', 'web', '--replicas=4']);
    await s.kubectlOk(['-n', 'life-b', 'delete', 'configmap', 'cm-4']);

    before = await snapshot(s);
    assert.equal(before.size, 2 + 2 * 9 - 1);
    for (const v of before.values()) highest = Math.max(highest, Number(v.resourceVersion));
    const list = JSON.parse(await s.kubectlOk(['get', '--raw', '/api/v1/configmaps?limit=1'])) as Json;
    highest = Math.max(highest, Number(list['metadata'].resourceVersion));

    assert.equal(await s.stop(), 0);
    await s.cleanup();
  });

  test('every object is there after the restart, unchanged; new writes get larger resourceVersions', async () => {
    assert.ok(before, 'the first test ran');
    const s = await start();
    const afterRestart = await snapshot(s);
    assert.deepEqual([...afterRestart.entries()].sort(), [...before.entries()].sort());
    const d = JSON.parse(
      await s.kubectlOk(['-n', 'life-a', 'get', 'deployment', 'web', '-o', 'json']),
    ) as Json;
    assert.equal(d['spec'].replicas, 4);
    const gone = await s.kubectl(['-n', 'life-b', 'get', 'configmap', 'cm-4']);
    assert.equal(gone.code, 1);

    await s.kubectlOk(['-n', 'life-a', 'create', 'configmap', 'after-restart']);
    const created = JSON.parse(
      await s.kubectlOk(['-n', 'life-a', 'get', 'configmap', 'after-restart', '-o', 'json']),
    ) as Json;
    assert.ok(
      Number(created['metadata'].resourceVersion) > highest,
      `${created['metadata'].resourceVersion} > ${highest}`,
    );
    await s.kubectlOk(['-n', 'life-a', 'label', 'configmap', 'cm-0', 'touched=yes']);
    const touched = JSON.parse(
      await s.kubectlOk(['-n', 'life-a', 'get', 'configmap', 'cm-0', '-o', 'json']),
    ) as Json;
    assert.ok(Number(touched['metadata'].resourceVersion) > Number(created['metadata'].resourceVersion));
    const list = JSON.parse(await s.kubectlOk(['get', '--raw', '/api/v1/configmaps?limit=1'])) as Json;
    assert.ok(Number(list['metadata'].resourceVersion) >= Number(touched['metadata'].resourceVersion));
  });
});

describe('SIGTERM', () => {
  test('with an open kubectl get -w: the server exits 0 promptly and the watch ends', async () => {
    const s = current && current.child.exitCode === null ? current : await start();
    const watch = spawn(KUBECTL, ['--kubeconfig', s.kubeconfig, 'get', 'configmaps', '-A', '-w'], {
      env: { ...process.env, HOME: s.home, KUBECONFIG: s.kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    watch.stdout.on('data', (c: Buffer) => (out += c.toString()));
    watch.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const watchExit = new Promise<number | null>((resolve) => watch.once('exit', (code) => resolve(code)));
    try {
      await eventually(async () => /cm-1/.test(out), 15_000);
      await s.kubectlOk(['-n', 'life-a', 'create', 'configmap', 'seen-live']);
      await eventually(async () => /seen-live/.test(out), 15_000);

      const t0 = performance.now();
      const code = await s.stop('SIGTERM');
      const took = performance.now() - t0;
      assert.equal(code, 0, s.output());
      await s.cleanup();
      assert.ok(took < 5_000, `took ${Math.round(took)} ms to exit`);
      const watchCode = await Promise.race([
        watchExit,
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000).unref()),
      ]);
      // The server ends the stream cleanly, so kubectl's watch finishes as after any closed watch: exit 0.
      assert.equal(watchCode, 0, `kubectl get -w ended when the server went away:\n${out}`);
    } finally {
      if (watch.exitCode === null) watch.kill('SIGKILL');
    }
  });
});

describe('kill -9', () => {
  test('every create acknowledged before the kill exists after the restart', async () => {
    const s = await start();
    const ns = 'life-burst';
    await s.kubectlOk(['create', 'namespace', ns]);
    const total = 300;
    const acknowledged: string[] = [];
    const refused: string[] = [];
    let killed = false;
    const posts = Array.from({ length: total }, async (_, i) => {
      const name = `burst-${i}`;
      try {
        const res = await s.fetch(`/api/v1/namespaces/${ns}/configmaps`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name },
            data: { i: String(i) },
          }),
        });
        await res.arrayBuffer();
        // Counted only when the response arrived while the server was alive; the kill comes right
        // after the half-way acknowledgement, while the rest are still in flight.
        if (res.status === 201 && !killed) {
          acknowledged.push(name);
          if (acknowledged.length === total / 2) {
            killed = true;
            s.child.kill('SIGKILL');
          }
        } else if (res.status !== 201) refused.push(`${name}: ${res.status}`);
      } catch {
        // Requests cut off by the kill are not acknowledged.
      }
    });
    await eventually(async () => killed, 30_000, 5);
    const acked = [...acknowledged];
    assert.equal(await s.stop(), null, 'killed by signal');
    await s.cleanup();
    await Promise.all(posts);
    assert.equal(acked.length, total / 2);
    assert.deepEqual(refused, []);

    const r = await start();
    const names = new Set(
      (
        (JSON.parse(await r.kubectlOk(['-n', ns, 'get', 'configmaps', '-o', 'json'])) as Json)[
          'items'
        ] as Json[]
      ).map((i) => i['metadata'].name as string),
    );
    const missing = acked.filter((n) => !names.has(n));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged creates were lost`);
    // The store is consistent after the crash: it accepts writes with fresh resourceVersions.
    await r.kubectlOk(['-n', ns, 'create', 'configmap', 'after-crash']);
    const list = (JSON.parse(await r.kubectlOk(['-n', ns, 'get', 'configmaps', '-o', 'json'])) as Json)[
      'items'
    ] as Json[];
    const rvs = list.map((i) => Number(i['metadata'].resourceVersion));
    assert.equal(new Set(rvs).size, rvs.length, 'resourceVersions are unique');
    const newest = list.find((i) => i['metadata'].name === 'after-crash')!;
    assert.equal(Number(newest['metadata'].resourceVersion), Math.max(...rvs));
  });
});
