/**
 * @module End-to-end: hollow nodes with real kubectl. `skiff up --hollow-nodes 3` registers three Ready nodes
 * labelled type=hollow with Leases; a pod with nodeName set goes Running, one with the complete-after
 * annotation Succeeds, a deleted pod goes away at once; and `skiff agent --hollow 2` joins a server over HTTP.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, REPO_ROOT, type SkiffProcess, startSkiff } from './harness.js';

type Json = Record<string, any>;

function podManifest(
  name: string,
  nodeName: string,
  extra: { annotations?: Json; restartPolicy?: string } = {},
): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      nodeName,
      restartPolicy: extra.restartPolicy ?? 'Always',
      containers: [
        { name: 'main', image: 'registry.example/app:1', resources: { requests: { cpu: '100m' } } },
      ],
    },
  });
}

async function pod(s: SkiffProcess, name: string): Promise<Json> {
  return JSON.parse(await s.kubectlOk(['get', 'pod', name, '-o', 'json'])) as Json;
}

describe('skiff up --hollow-nodes 3', () => {
  let s: SkiffProcess;

  before(async () => {
    s = await startSkiff({
      command: 'up',
      extraArgs: ['--hollow-nodes', '3', '--hollow-zones', 'zone-a,zone-b'],
    });
  });
  after(async () => {
    await s?.cleanup();
  });

  test('three Ready nodes labelled type=hollow, each with a Lease', async () => {
    const nodes = await eventually(async () => {
      const list = JSON.parse(await s.kubectlOk(['get', 'nodes', '-l', 'type=hollow', '-o', 'json'])) as Json;
      const items = list['items'] as Json[];
      const ready = items.filter((n) =>
        (n['status'].conditions as Json[]).some((c) => c['type'] === 'Ready' && c['status'] === 'True'),
      );
      return ready.length === 3 && items;
    }, 20_000);
    assert.deepEqual(nodes.map((n) => n['metadata'].name).sort(), [
      'hollow-node-0',
      'hollow-node-1',
      'hollow-node-2',
    ]);
    assert.deepEqual(nodes.map((n) => n['metadata'].labels['topology.kubernetes.io/zone']).sort(), [
      'zone-a',
      'zone-a',
      'zone-b',
    ]);
    const table = await s.kubectlOk(['get', 'nodes', '-l', 'type=hollow']);
    assert.match(table, /hollow-node-1\s+Ready\s+<none>\s+\S+\s+v1\.32\.4-skiff/);
    const leases = await eventually(async () => {
      const out = await s.kubectlOk(['get', 'leases', '-n', 'kube-node-lease', '-o', 'json']);
      const items = (JSON.parse(out) as Json)['items'] as Json[];
      const hollow = items.filter((l) => String(l['metadata'].name).startsWith('hollow-node-'));
      return hollow.length === 3 && hollow;
    });
    for (const l of leases) {
      assert.equal(l['spec'].holderIdentity, l['metadata'].name);
      assert.equal(l['spec'].leaseDurationSeconds, 40);
    }
  });

  test('a pod with nodeName set goes Running and Ready', async () => {
    await s.kubectlOk(['apply', '-f', '-'], { input: podManifest('web', 'hollow-node-1') });
    const p = await eventually(async () => {
      const x = await pod(s, 'web');
      return x['status'].phase === 'Running' && x;
    }, 20_000);
    assert.equal(p['status'].hostIP, '172.16.0.2');
    assert.match(p['status'].podIP, /^10\.\d+\.\d+\.\d+$/);
    const cs = (p['status'].containerStatuses as Json[])[0]!;
    assert.equal(cs['ready'], true);
    assert.equal(cs['image'], 'registry.example/app:1');
    assert.match(cs['containerID'], /^hollow:\/\/[0-9a-f]{64}$/);
    const row = await s.kubectlOk(['get', 'pod', 'web', '--no-headers']);
    assert.match(row, /^web\s+1\/1\s+Running\s+0\s/);
  });

  test('a pod with skiff.dev/complete-after Succeeds', async () => {
    await s.kubectlOk(['apply', '-f', '-'], {
      input: podManifest('batch', 'hollow-node-2', {
        annotations: { 'skiff.dev/complete-after': '2s' },
        restartPolicy: 'Never',
      }),
    });
    await eventually(async () => (await pod(s, 'batch'))['status'].phase === 'Succeeded', 20_000);
    const row = await s.kubectlOk(['get', 'pod', 'batch', '--no-headers']);
    assert.match(row, /^batch\s+0\/1\s+Completed\s+0\s/);
  });

  test('kubectl delete pod returns once the hollow node finished the deletion', async () => {
    const started = Date.now();
    await s.kubectlOk(['delete', 'pod', 'web', '--timeout=20s']);
    assert.ok(Date.now() - started < 15_000, 'deleted well before the 30 s grace period');
    const r = await s.kubectl(['get', 'pod', 'web']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NotFound|not found/);
  });
});

describe('skiff agent --hollow 2', () => {
  let s: SkiffProcess;
  let agent: ChildProcess | undefined;
  let output = '';

  before(async () => {
    s = await startSkiff({ command: 'server' });
  });
  after(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await s?.cleanup();
  });

  test('joins over HTTP with its own prefix, taint and GPUs, and stops on SIGTERM', async () => {
    agent = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'src/cli/main.ts'),
        'agent',
        '--hollow',
        '2',
        '--kubeconfig',
        s.kubeconfig,
        '--name-prefix',
        'sim-',
        '--hollow-taint',
        '--gpus',
        '2',
        '--gpu-memory',
        '24Gi',
        '--log-level',
        'warn',
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    agent.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    agent.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await eventually(async () => output.includes('Hollow nodes ready: 2 nodes'), 30_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${output}`);
      },
    );
    const n = JSON.parse(await s.kubectlOk(['get', 'node', 'sim-1', '-o', 'json'])) as Json;
    assert.deepEqual(n['spec'].taints, [{ key: 'skiff.dev/node', value: 'hollow', effect: 'NoSchedule' }]);
    assert.equal(n['status'].allocatable['nvidia.com/gpu'], '2');
    assert.equal(n['status'].allocatable['koordinator.sh/gpu-memory'], '48Gi');
    assert.equal(n['status'].allocatable['koordinator.sh/gpu-core'], '200');
    await s.kubectlOk(['apply', '-f', '-'], { input: podManifest('remote', 'sim-0') });
    await eventually(async () => (await pod(s, 'remote'))['status'].phase === 'Running', 20_000);
    const exited = new Promise<number | null>((r) => agent!.once('exit', r));
    agent.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
