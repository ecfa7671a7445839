import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseControllerManagerFlags, type ControllerManagerFlags } from './controller-manager.js';

describe('parseControllerManagerFlags', () => {
  const base: ControllerManagerFlags = {
    kubeconfig: 'kc',
    context: undefined,
    controllers: undefined,
    leaderElect: true,
    workers: undefined,
    logLevel: process.env['SKIFF_LOG_LEVEL'] ?? 'info',
  };
  const cases: Array<{
    name: string;
    argv: string[];
    want?: Partial<ControllerManagerFlags>;
    error?: RegExp;
  }> = [
    { name: 'defaults', argv: ['--kubeconfig', 'kc'], want: {} },
    {
      name: 'a subset of controllers',
      argv: ['--kubeconfig', 'kc', '--controllers', 'deployment, replicaset'],
      want: { controllers: ['deployment', 'replicaset'] },
    },
    { name: '* means all', argv: ['--kubeconfig', 'kc', '--controllers', '*'], want: {} },
    {
      name: 'leader election off',
      argv: ['--kubeconfig', 'kc', '--leader-elect=false'],
      want: { leaderElect: false },
    },
    {
      name: 'bare --leader-elect',
      argv: ['--leader-elect', '--kubeconfig', 'kc'],
      want: { leaderElect: true },
    },
    {
      name: 'workers and context',
      argv: ['--kubeconfig', 'kc', '--concurrent-syncs', '3', '--context', 'c'],
      want: { workers: 3, context: 'c' },
    },
    {
      name: 'unknown controller',
      argv: ['--kubeconfig', 'kc', '--controllers', 'nope'],
      error: /unknown controllers: nope/,
    },
    {
      name: 'bad workers',
      argv: ['--kubeconfig', 'kc', '--concurrent-syncs', '0'],
      error: /positive integer/,
    },
    { name: 'bad boolean', argv: ['--kubeconfig', 'kc', '--leader-elect=maybe'], error: /true or false/ },
    { name: 'unknown flag', argv: ['--kubeconfig', 'kc', '--bogus'], error: /Unknown option/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const saved = process.env['KUBECONFIG'];
      delete process.env['KUBECONFIG'];
      try {
        if (c.error) assert.throws(() => parseControllerManagerFlags(c.argv), c.error);
        else assert.deepEqual(parseControllerManagerFlags(c.argv), { ...base, ...c.want });
      } finally {
        if (saved !== undefined) process.env['KUBECONFIG'] = saved;
      }
    });
  }
  it('requires a kubeconfig', () => {
    const saved = process.env['KUBECONFIG'];
    delete process.env['KUBECONFIG'];
    try {
      assert.throws(() => parseControllerManagerFlags([]), /--kubeconfig is required/);
    } finally {
      if (saved !== undefined) process.env['KUBECONFIG'] = saved;
    }
  });
});
