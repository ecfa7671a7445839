import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kubeconfigYaml } from '../cli/kubeconfig.js';
import { loadKubeconfig, parseKubeconfig } from './kubeconfig.js';

const two = `
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: ca
  cluster: { server: "http://10.0.0.1:6443" }
- name: cb
  cluster: { server: "http://10.0.0.2:8080" }
contexts:
- name: a
  context: { cluster: ca, user: u }
- name: b
  context: { cluster: cb, user: u, namespace: team-b }
users:
- name: u
  user: {}
`;

describe('parseKubeconfig', () => {
  const cases: Array<{ name: string; text: string; context?: string; want?: object; error?: RegExp }> = [
    {
      name: 'current context, no namespace',
      text: two,
      want: { context: 'a', server: 'http://10.0.0.1:6443', namespace: 'default' },
    },
    {
      name: 'explicit context with a namespace',
      text: two,
      context: 'b',
      want: { context: 'b', server: 'http://10.0.0.2:8080', namespace: 'team-b' },
    },
    {
      name: "skiff's own kubeconfig",
      text: kubeconfigYaml('http://127.0.0.1:6443'),
      want: { context: 'skiff', server: 'http://127.0.0.1:6443', namespace: 'default' },
    },
    { name: 'missing context', text: two, context: 'zz', error: /context "zz" not found/ },
    { name: 'no current-context', text: 'clusters: []', error: /no current-context/ },
    { name: 'not a mapping', text: '- 1', error: /not a YAML mapping/ },
    {
      name: 'cluster without server',
      text: 'current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c, cluster: {}}]',
      error: /cluster "c" has no server/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error) assert.throws(() => parseKubeconfig(c.text, c.context), c.error);
      else assert.deepEqual(parseKubeconfig(c.text, c.context), c.want);
    });
  }

  it('loads from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    try {
      const path = join(dir, 'config');
      writeFileSync(path, two);
      assert.equal(loadKubeconfig(path, 'b').namespace, 'team-b');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
