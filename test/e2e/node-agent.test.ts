/**
 * @module End-to-end: the local node agent of `skiff up` with real kubectl — a node that registers Ready, a
 * `kubectl run` pod that prints and sleeps, liveness restarts, crash back-off after killed processes, graceful
 * deletion within the grace period, a ConfigMap volume read by the container, and `kubectl set image`
 * restarting only that container.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, type SkiffProcess, startSkiff, tempFile } from './harness.js';

type Json = Record<string, any>;

let s: SkiffProcess;
let node = '';

before(async () => {
  s = await startSkiff({ command: 'up' });
  node = await eventually(async () => {
    const out = await s.kubectlOk(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    return out.trim() || undefined;
  }, 20_000);
});

after(async () => {
  // Pods outlive a stopped agent by design: delete them (and wait) before stopping the server.
  await s.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--timeout=60s'], { timeoutMs: 90_000 });
  await s.cleanup();
});

async function pod(name: string): Promise<Json> {
  return JSON.parse(await s.kubectlOk(['get', 'pod', name, '-o', 'json'])) as Json;
}

function container(p: Json, name?: string): Json {
  const list = (p['status']?.['containerStatuses'] ?? []) as Json[];
  return (name ? list.find((c) => c['name'] === name) : list[0]) ?? {};
}

/** The container's CRI log on disk (the process runtime's layout). */
function logText(p: Json, name: string): string {
  const dir = join(s.dataDir, 'node', 'pods', p['metadata'].uid as string, 'logs', name);
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

function pids(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Runs `kubectl run` with the pod bound to the local node (so it does not depend on a scheduler). */
function runArgs(name: string, extra: Json = {}): string[] {
  return [
    'run',
    name,
    '--image=busybox:1.36',
    `--overrides=${JSON.stringify({ spec: { nodeName: node, ...extra } })}`,
  ];
}

describe('the local node', () => {
  test('registers Ready with its resources and a Lease', async () => {
    const n = JSON.parse(await s.kubectlOk(['get', 'node', node, '-o', 'json'])) as Json;
    const ready = (n['status']['conditions'] as Json[]).find((c) => c['type'] === 'Ready');
    assert.equal(ready?.['status'], 'True');
    assert.equal(n['status']['capacity']['pods'], '110');
    assert.equal(n['metadata']['labels']['kubernetes.io/hostname'], node);
    assert.equal(n['status']['nodeInfo']['kubeletVersion'], 'v1.32.4-skiff');
    const lease = JSON.parse(
      await s.kubectlOk(['get', 'lease', node, '-n', 'kube-node-lease', '-o', 'json']),
    ) as Json;
    assert.equal(lease['spec']['holderIdentity'], node);
  });

  test('kubectl run: a pod that prints and sleeps goes Running and its output is logged', async () => {
    await s.kubectlOk([...runArgs('hello'), '--', 'sh', '-c', 'echo hello from e2e; exec sleep 3600']);
    const p = await eventually(async () => {
      const x = await pod('hello');
      return x['status']?.['phase'] === 'Running' && container(x)['ready'] === true ? x : undefined;
    }, 20_000);
    assert.match(container(p)['containerID'] as string, /^skiff:\/\//);
    assert.equal(container(p)['imageID'], 'busybox:1.36');
    await eventually(() => Promise.resolve(logText(p, 'hello').includes('hello from e2e')), 10_000);
    assert.match(await s.kubectlOk(['logs', 'hello']), /hello from e2e/);
    const events = await s.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=hello']);
    assert.match(events, /Started container hello/);
  });

  test('a failing liveness probe restarts the container', async () => {
    const manifest = tempFile(
      'live.yaml',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'liveness' },
        spec: {
          nodeName: node,
          containers: [
            {
              name: 'main',
              image: 'busybox:1.36',
              command: ['sleep', '3601'],
              livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2 },
            },
          ],
        },
      }),
    );
    await s.kubectlOk(['apply', '-f', manifest]);
    await eventually(
      async () => ((container(await pod('liveness'))['restartCount'] as number) ?? 0) >= 1,
      20_000,
    );
    const events = await s.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=liveness']);
    assert.match(events, /Liveness probe failed/);
    assert.match(events, /Container main failed liveness probe, will be restarted/);
  });

  test('a killed process restarts, then backs off', async () => {
    await s.kubectlOk([...runArgs('crasher'), '--', 'sleep', '3602']);
    await eventually(async () => (await pod('crasher'))['status']?.['phase'] === 'Running', 20_000);
    const first = await eventually(() => Promise.resolve(pids('^sleep 3602$')[0]), 10_000);
    process.kill(first, 'SIGKILL');
    const restarted = await eventually(async () => {
      const c = container(await pod('crasher'));
      return c['restartCount'] === 1 && c['state']?.['running'] ? c : undefined;
    }, 15_000);
    assert.equal(restarted['lastState']['terminated']['exitCode'], 137);
    const second = await eventually(
      () => Promise.resolve(pids('^sleep 3602$').find((p) => p !== first)),
      10_000,
    );
    process.kill(second, 'SIGKILL');
    const waiting = await eventually(async () => {
      const c = container(await pod('crasher'));
      return c['state']?.['waiting']?.['reason'] === 'CrashLoopBackOff' ? c : undefined;
    }, 15_000);
    assert.match(
      waiting['state']['waiting']['message'] as string,
      /^back-off 10s restarting failed container=crasher pod=crasher_default\(/,
    );
    const backedOff = await eventually(async () => {
      const c = container(await pod('crasher'));
      return c['restartCount'] === 2 && c['state']?.['running'] ? c : undefined;
    }, 25_000);
    assert.ok(backedOff);
  });

  test('kubectl delete pod stops the process within the grace period', async () => {
    await s.kubectlOk([
      ...runArgs('stubborn', { terminationGracePeriodSeconds: 3 }),
      '--',
      'sh',
      '-c',
      "trap '' TERM; while true; do sleep 1; done # stubborn-marker",
    ]);
    await eventually(async () => (await pod('stubborn'))['status']?.['phase'] === 'Running', 20_000);
    assert.ok(pids('stubborn-marker').length > 0);
    const started = Date.now();
    await s.kubectlOk(['delete', 'pod', 'stubborn', '--timeout=30s'], { timeoutMs: 40_000 });
    const took = Date.now() - started;
    assert.ok(took < 10_000, `deleted in ${took} ms`);
    assert.ok(took >= 2_500, `SIGTERM was ignored, so the grace period ran (${took} ms)`);
    await eventually(() => Promise.resolve(pids('stubborn-marker').length === 0), 5_000);
  });

  test('a ConfigMap volume is readable at its mountPath', async () => {
    await s.kubectlOk(['create', 'configmap', 'app-config', '--from-literal=greeting=hello-from-configmap']);
    const manifest = tempFile(
      'cm.yaml',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'reader' },
        spec: {
          nodeName: node,
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'busybox:1.36',
              command: [
                'sh',
                '-c',
                'cat /etc/config/greeting && test "$(cat /etc/config/greeting)" = hello-from-configmap',
              ],
              volumeMounts: [{ name: 'cfg', mountPath: '/etc/config' }],
            },
          ],
          volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }],
        },
      }),
    );
    await s.kubectlOk(['apply', '-f', manifest]);
    const p = await eventually(async () => {
      const x = await pod('reader');
      return ['Succeeded', 'Failed'].includes(x['status']?.['phase'] as string) ? x : undefined;
    }, 20_000);
    assert.equal(p['status']['phase'], 'Succeeded', JSON.stringify(container(p)));
    assert.equal(container(p)['state']['terminated']['reason'], 'Completed');
    assert.match(logText(p, 'main'), /hello-from-configmap/);
    assert.match(await s.kubectlOk(['logs', 'reader']), /hello-from-configmap/);
  });

  test('kubectl set image restarts only that container: restartCount + 1, same uid and IP', async () => {
    const manifest = tempFile(
      'two.yaml',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'inplace' },
        spec: {
          nodeName: node,
          containers: [
            { name: 'app', image: 'app:v1', command: ['sleep', '3603'] },
            { name: 'sidecar', image: 'proxy:v1', command: ['sleep', '3604'] },
          ],
        },
      }),
    );
    await s.kubectlOk(['apply', '-f', manifest]);
    const before = await eventually(async () => {
      const x = await pod('inplace');
      return x['status']?.['phase'] === 'Running' && container(x, 'app')['ready'] ? x : undefined;
    }, 20_000);
    await s.kubectlOk(['set', 'image', 'pod/inplace', 'app=app:v2']);
    const afterUpdate = await eventually(async () => {
      const x = await pod('inplace');
      const c = container(x, 'app');
      return c['image'] === 'app:v2' && c['state']?.['running'] && c['ready'] ? x : undefined;
    }, 20_000);
    assert.equal(afterUpdate['metadata']['uid'], before['metadata']['uid']);
    assert.equal(afterUpdate['status']['podIP'], before['status']['podIP']);
    assert.equal(container(afterUpdate, 'app')['restartCount'], 1);
    assert.equal(container(afterUpdate, 'app')['imageID'], 'app:v2');
    assert.equal(
      container(afterUpdate, 'sidecar')['containerID'],
      container(before, 'sidecar')['containerID'],
    );
    assert.equal(container(afterUpdate, 'sidecar')['restartCount'], 0);
  });
});
