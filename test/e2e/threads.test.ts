/**
 * @module End-to-end: `skiff server` runs its control loops in worker threads by default and, with
 * `--threads=false`, on the API server's thread; either way a Deployment created with kubectl gets its
 * ReplicaSet and pods, and the pods are bound to the node. Also the workers' shutdown: SIGTERM exits 0 and
 * promptly with the threads running.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, markNodeReady, startSkiff } from './harness.js';

async function deployAndBind(threads: boolean): Promise<void> {
  const skiff = await startSkiff({ command: 'server', extraArgs: [`--threads=${threads}`] });
  try {
    await skiff.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } },
      }),
    });
    await markNodeReady(skiff, 'worker-1', { cpu: '4', memory: '8Gi', pods: '110' });
    await skiff.kubectlOk(['create', 'deployment', 'web', '--image=registry.example/web:1', '--replicas=2']);
    const nodes = await eventually(async () => {
      const out = await skiff.kubectlOk([
        'get',
        'pods',
        '-l',
        'app=web',
        '-o',
        'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}',
      ]);
      const names = out.split('\n').filter(Boolean);
      return names.length === 2 ? names : undefined;
    }, 20_000);
    assert.deepEqual(nodes, ['worker-1', 'worker-1']);
    const holders = await skiff.kubectlOk([
      'get',
      'leases',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.spec.holderIdentity}{"\\n"}{end}',
    ]);
    assert.match(holders, /^kube-controller-manager=\S+$/m);
    assert.match(holders, /^kube-scheduler=\S+$/m);
    const t = performance.now();
    assert.equal(await skiff.stop(), 0);
    assert.ok(performance.now() - t < 8000, `stopped in ${Math.round(performance.now() - t)} ms`);
  } finally {
    await skiff.cleanup();
  }
}

describe('control loops and threads', () => {
  test('in worker threads (the default)', () => deployAndBind(true));
  test('on the API server thread (--threads=false)', () => deployAndBind(false));
});
