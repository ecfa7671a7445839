import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseHollowAgentFlags, parseTaints, splitHollowFlags } from './cli.js';

describe('splitHollowFlags (skiff up / server)', () => {
  it('leaves a command line without hollow flags alone', () => {
    const argv = ['--data-dir', 'd', '--listen', '127.0.0.1:0'];
    assert.deepEqual(splitHollowFlags(argv), { hollow: undefined, rest: argv });
  });

  it('takes out the hollow flags, in both spellings', () => {
    const { hollow, rest } = splitHollowFlags([
      '--data-dir',
      'd',
      '--hollow-nodes',
      '1000',
      '--hollow-zones=a,b,c',
      '--hollow-taint',
      '--hollow-gpus',
      '2',
      '--log-level',
      'warn',
      '--hollow-node-labels',
      'team=sim,tier=gpu',
    ]);
    assert.deepEqual(rest, ['--data-dir', 'd', '--log-level', 'warn']);
    assert.equal(hollow?.count, 1000);
    assert.deepEqual(hollow?.zones, ['a', 'b', 'c']);
    assert.equal(hollow?.taintHollow, true);
    assert.deepEqual(hollow?.gpus, { count: 2, memoryPerDevice: '16Gi' });
    assert.deepEqual(hollow?.labels, { team: 'sim', tier: 'gpu' });
    assert.equal(hollow?.podBlockBits, 14);
  });

  const BAD: Array<[string[], RegExp]> = [
    [['--hollow-zones', 'a'], /need --hollow-nodes/],
    [['--hollow-nodes', 'many'], /--hollow-nodes must be an integer/],
    [['--hollow-nodes', '70000'], /at most 65536/],
    [['--hollow-nodes', '3', '--hollow-cpu', 'lots'], /--hollow-cpu must be a quantity/],
    [['--hollow-nodes', '3', '--hollow-gpu-memory', '8Gi'], /needs --hollow-gpus/],
    [
      ['--hollow-nodes', '3', '--hollow-usage-cpu', 'busy'],
      /--hollow-usage-cpu must be a quantity or a percentage/,
    ],
    [['--hollow-nodes', '3', '--hollow-name-prefix', 'Bad_'], /cannot start a node name/],
    [['--hollow-nodes', '3', '--hollow-unknown', 'x'], /Unknown option '--hollow-unknown'/],
  ];
  for (const [argv, err] of BAD) {
    it(`rejects ${argv.join(' ')}`, () => assert.throws(() => splitHollowFlags(argv), err));
  }
});

describe('parseHollowAgentFlags (skiff agent --hollow)', () => {
  it('reads every flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hollow-cli-'));
    const template = join(dir, 'node.yaml');
    writeFileSync(template, 'kind: Node\nstatus:\n  capacity: {cpu: "8"}\n');
    const f = parseHollowAgentFlags([
      '--hollow',
      '50',
      '--kubeconfig',
      'kc',
      '--name-prefix',
      'sim-',
      '--node-template',
      template,
      '--cpu',
      '16',
      '--memory',
      '64Gi',
      '--pods',
      '250',
      '--register-with-taints',
      'dedicated=batch:NoExecute,spot:PreferNoSchedule',
      '--usage-cpu',
      '100m',
      '--pod-workers',
      '8',
      '--node-workers',
      '4',
      '--metrics-port',
      '0',
      '--log-level',
      'debug',
    ]);
    assert.equal(f.kubeconfig, 'kc');
    assert.equal(f.logLevel, 'debug');
    const h = f.hollow;
    assert.equal(h.count, 50);
    assert.equal(h.namePrefix, 'sim-');
    assert.equal(h.templates?.length, 1);
    assert.deepEqual(h.capacity, { cpu: '16', memory: '64Gi', pods: '250' });
    assert.deepEqual(h.taints, [
      { key: 'dedicated', value: 'batch', effect: 'NoExecute' },
      { key: 'spot', effect: 'PreferNoSchedule' },
    ]);
    assert.deepEqual(h.usage, { cpu: '100m', memory: '50%' });
    assert.equal(h.podWorkers, 8);
    assert.equal(h.nodeWorkers, 4);
    assert.equal(h.metricsPort, 0);
    assert.equal(h.taintHollow, false);
  });

  it('needs the node count', () => {
    assert.throws(() => parseHollowAgentFlags(['--kubeconfig', 'kc']), /number of nodes is missing/);
  });

  const TAINTS: Array<[string, RegExp]> = [
    ['novalue', /expected key\[=value\]:/],
    ['k=v:Sometimes', /expected key\[=value\]:/],
  ];
  for (const [v, err] of TAINTS) {
    it(`rejects the taint ${v}`, () => assert.throws(() => parseTaints('t', v), err));
  }
});
