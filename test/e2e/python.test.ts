/**
 * @module End-to-end: the official Python client (Debian python3-kubernetes) against a real skiff server.
 * The script in python/client_flow.py does CRUD, selectors, patches and a watch; this test triggers the
 * watched changes and asserts on the JSON the script prints.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, run, type SkiffProcess, startSkiff } from './harness.js';

const PYTHON = process.env['PYTHON'] ?? '/usr/bin/python3';
const SCRIPT = join(REPO_ROOT, 'test/e2e/python/client_flow.py');

let skiff: SkiffProcess;

before(async () => {
  const probe = await run(PYTHON, ['-c', 'import kubernetes; print(kubernetes.__version__)']);
  if (probe.code !== 0) {
    throw new Error(
      `${PYTHON} cannot import the kubernetes client; install the Debian package python3-kubernetes ` +
        `(apt-get install python3-kubernetes):\n${probe.stderr}`,
    );
  }
  skiff = await startSkiff();
});

after(async () => {
  await skiff?.cleanup();
});

interface FlowOutput {
  namespaces: string[];
  configmap: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    data: Record<string, string>;
  };
  deployment: { generation: number; replicas: number; strategy: string; revisionHistoryLimit: number };
  pods: string[];
  podsSetBased: string[];
  patchedDeployment: { generation: number; replicas: number; containers: string[][] };
  patchedConfigMap: Record<string, string>;
  jsonPatchedConfigMap: Record<string, string>;
  missing: { status: number; kind: string; reason: string } | null;
  duplicate: { status: number; kind: string; reason: string } | null;
  ssa: {
    first: string;
    conflict: { status: number; reason: string } | null;
    forced: string;
    managers: string[];
  };
  events: Array<{ type: string; name: string; data: Record<string, string> | null }>;
  afterDelete: string[];
}

async function send(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<void> {
  const res = await skiff.fetch(path, {
    method,
    headers: { 'Content-Type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer().catch(() => undefined);
}

test('the Python client: namespaces, configmaps, deployments, selectors, patches and a watch', async () => {
  const ns = 'py-flow';
  const child = spawn(PYTHON, [SCRIPT, skiff.kubeconfig, ns], {
    env: { ...process.env, HOME: skiff.home, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    const watching = await new Promise<{ phase: string; resourceVersion: string }>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const line = stdout.split('\n').find((l) => l.includes('"phase": "watching"'));
        if (line) resolve(JSON.parse(line) as { phase: string; resourceVersion: string });
      });
      void exited.then((code) =>
        reject(new Error(`the script exited (${code}) before watching:\n${stderr}\n${stdout}`)),
      );
    });
    assert.match(watching.resourceVersion, /^\d+$/);

    // Changes the script's watch must report, in order.
    const cms = `/api/v1/namespaces/${ns}/configmaps`;
    await send('POST', cms, { metadata: { name: 'py-w1' }, data: { v: '1' } });
    await send('PATCH', `${cms}/py-w1`, { data: { v: '2' } }, 'application/merge-patch+json');
    await send('POST', cms, { metadata: { name: 'py-last' } });
    await send('DELETE', `${cms}/py-w1`);
    await send('DELETE', `${cms}/py-last`);

    const code = await exited;
    assert.equal(code, 0, `the script failed:\n${stderr}\n${stdout}`);
    const lines = stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]!) as FlowOutput;

    assert.deepEqual(out.namespaces, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.equal(out.configmap.name, 'settings');
    assert.equal(out.configmap.namespace, ns);
    assert.match(out.configmap.uid, /^[0-9a-f-]{36}$/);
    assert.match(out.configmap.resourceVersion, /^\d+$/);
    assert.deepEqual(out.configmap.data, { mode: 'a' });
    assert.deepEqual(out.deployment, {
      generation: 1,
      replicas: 2,
      strategy: 'RollingUpdate',
      revisionHistoryLimit: 10,
    });
    assert.deepEqual(out.pods, ['p1', 'p3']);
    assert.deepEqual(out.podsSetBased, ['p2']);
    assert.deepEqual(out.patchedDeployment, {
      generation: 2,
      replicas: 3,
      containers: [
        ['web', 'nginx:1.26'],
        ['log', 'busybox:1.36'],
      ],
    });
    assert.deepEqual(out.patchedConfigMap, { mode: 'b', extra: '1' });
    assert.deepEqual(out.jsonPatchedConfigMap, { mode: 'b' });
    assert.deepEqual(out.missing, { status: 404, kind: 'Status', reason: 'NotFound' });
    assert.deepEqual(out.duplicate, { status: 409, kind: 'Status', reason: 'AlreadyExists' });
    assert.deepEqual(out.ssa, {
      first: '1',
      conflict: { status: 409, reason: 'Conflict' },
      forced: '3',
      managers: ['py-b'],
    });
    assert.deepEqual(out.events, [
      { type: 'ADDED', name: 'py-w1', data: { v: '1' } },
      { type: 'MODIFIED', name: 'py-w1', data: { v: '2' } },
      { type: 'ADDED', name: 'py-last', data: null },
      { type: 'DELETED', name: 'py-w1', data: { v: '2' } },
      { type: 'DELETED', name: 'py-last', data: null },
    ]);
    assert.deepEqual(out.afterDelete, []);

    // The server agrees with what the script reported.
    const dep = (await (await skiff.fetch(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).json()) as {
      spec: { replicas: number };
    };
    assert.equal(dep.spec.replicas, 3);
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
