import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Indexer, objectKey } from '../../client/informer/indexer.js';
import type { LabelSelector } from '../../api/openapi/generated/types.js';
import type { Pod, ReplicaSet } from '../../client/resources.js';
import { SelectorOwners } from './selector-owners.js';

function rs(name: string, namespace: string, selector: LabelSelector): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace, uid: `uid-${name}` },
    spec: { selector, template: {} },
  };
}

function pod(namespace: string, labels?: Record<string, string>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace, labels } };
}

describe('SelectorOwners', () => {
  const store = new Indexer<ReplicaSet>();
  for (const o of [
    rs('web', 'a', { matchLabels: { app: 'web' } }),
    rs('web-canary', 'a', {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'track', operator: 'Exists' }],
    }),
    rs('everything', 'a', {}),
    rs('broken', 'a', { matchExpressions: [{ key: 'app', operator: 'Bogus' }] }),
    rs('web', 'b', { matchLabels: { app: 'web' } }),
  ])
    store.set(objectKey(o), o);
  const owners = new SelectorOwners(store, 'ReplicaSet');

  it('finds the owners in the dependent’s namespace whose selector matches, never an empty or broken one', () => {
    const names = (p: Pod): string[] => owners.selecting(p).map((o) => o.metadata.name!);
    assert.deepEqual(names(pod('a', { app: 'web' })), ['web']);
    assert.deepEqual(names(pod('a', { app: 'web', track: 'canary' })).sort(), ['web', 'web-canary']);
    assert.deepEqual(names(pod('b', { app: 'web' })), ['web']);
    assert.deepEqual(names(pod('a')), []);
    assert.equal(owners.selectorOf(store.getByName('a', 'broken')!), null);
  });

  it('resolves a controller reference only for its kind, name and uid', () => {
    const ref = { kind: 'ReplicaSet', name: 'web', uid: 'uid-web' };
    assert.equal(owners.resolveControllerRef('a', ref)?.metadata.namespace, 'a');
    assert.equal(owners.resolveControllerRef('a', { ...ref, uid: 'other' }), undefined);
    assert.equal(owners.resolveControllerRef('a', { ...ref, kind: 'Deployment' }), undefined);
    assert.equal(owners.resolveControllerRef('c', ref), undefined);
  });
});
