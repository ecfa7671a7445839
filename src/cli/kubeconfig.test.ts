import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { kubeconfigYaml } from './kubeconfig.js';

describe('kubeconfigYaml', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['http://127.0.0.1:6443', { server: 'http://127.0.0.1:6443', 'insecure-skip-tls-verify': true }],
    ['https://10.0.0.1:6443', { server: 'https://10.0.0.1:6443' }],
  ];
  for (const [url, cluster] of cases) {
    it(url, () => {
      const cfg = parse(kubeconfigYaml(url)) as {
        clusters: Array<{ name: string; cluster: unknown }>;
        contexts: Array<{ context: { cluster: string; namespace: string } }>;
        'current-context': string;
      };
      assert.deepEqual(cfg.clusters, [{ name: 'skiff', cluster }]);
      assert.equal(cfg['current-context'], 'skiff');
      assert.deepEqual(cfg.contexts[0]?.context, { cluster: 'skiff', user: 'skiff', namespace: 'default' });
    });
  }
});
