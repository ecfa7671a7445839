import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { parseAgentFlags, parseResourceList } from './agent.js';

describe('skiff agent flags', () => {
  it('defaults', () => {
    const f = parseAgentFlags([]);
    assert.equal(f.name, hostname().toLowerCase());
    assert.equal(f.port, 10250);
    assert.deepEqual(f.node, { kubeletPort: 10250 });
    assert.match(f.dataDir, /\.skiff-agent$/);
  });

  it('every node setting', () => {
    const f = parseAgentFlags([
      '--kubeconfig',
      'kc',
      '--name',
      'Worker-1',
      '--port',
      '10555',
      '--gpus',
      '2',
      '--gpu-memory',
      '16Gi',
      '--system-reserved',
      'cpu=500m,memory=1Gi',
      '--kube-reserved',
      'cpu=250m',
      '--max-pods',
      '50',
      '--instance-type',
      'm5.large',
      '--node-labels',
      'zone=a,tier=edge',
      '--register-with-taints',
      'dedicated=gpu:NoSchedule',
      '--node-ip',
      '10.0.0.9',
    ]);
    assert.equal(f.kubeconfig, 'kc');
    assert.equal(f.name, 'worker-1');
    assert.equal(f.nodeIP, '10.0.0.9');
    assert.deepEqual(f.node, {
      kubeletPort: 10555,
      gpus: { count: 2, memoryBytesPerDevice: 16 * 2 ** 30 },
      systemReserved: { cpu: '500m', memory: '1Gi' },
      kubeReserved: { cpu: '250m' },
      maxPods: 50,
      instanceType: 'm5.large',
      labels: { zone: 'a', tier: 'edge' },
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
    });
  });

  const bad: Array<[string[], RegExp]> = [
    [['--gpus', '1'], /--gpus needs --gpu-memory/],
    [['--gpu-memory', '8Gi'], /--gpu-memory needs --gpus/],
    [['--gpus', '1', '--gpu-memory', 'lots'], /invalid quantity "lots"/],
    [['--port', '70000'], /out of range/],
    [['--system-reserved', 'cpu'], /expected name=quantity/],
    [['--bogus'], /Unknown option/],
  ];
  for (const [args, want] of bad)
    it(`rejects ${args.join(' ')}`, () => assert.throws(() => parseAgentFlags(args), want));

  it('parseResourceList', () => {
    assert.deepEqual(parseResourceList('x', 'cpu=1,memory=2Gi,ephemeral-storage=1Gi'), {
      cpu: '1',
      memory: '2Gi',
      'ephemeral-storage': '1Gi',
    });
  });
});
