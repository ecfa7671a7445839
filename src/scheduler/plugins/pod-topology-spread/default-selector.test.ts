import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSelector as LabelSelectorSpec } from '../../../api/openapi/generated/types.js';
import type { Pod } from '../../framework/types.js';
import { makePod } from '../../testing/wrappers.js';
import { defaultSelector, type WorkloadListers } from './default-selector.js';

interface World {
  services?: Array<Record<string, string> | null>;
  rcs?: Record<string, Record<string, string>>;
  rss?: Record<string, LabelSelectorSpec>;
  sss?: Record<string, LabelSelectorSpec>;
}

function listers(w: World): WorkloadListers {
  return {
    services: (ns) =>
      ns === 'default'
        ? (w.services ?? []).map((selector) => ({
            metadata: { namespace: ns },
            spec: selector ? { selector } : {},
          }))
        : [],
    replicationController: (_ns, name) => {
      const sel = w.rcs?.[name];
      return sel ? { metadata: { name }, spec: { selector: sel } } : undefined;
    },
    replicaSet: (_ns, name) => {
      const sel = w.rss?.[name];
      return sel ? { metadata: { name }, spec: { selector: sel } } : undefined;
    },
    statefulSet: (_ns, name) => {
      const sel = w.sss?.[name];
      return sel
        ? { metadata: { name }, spec: { selector: sel, serviceName: name, template: {} } }
        : undefined;
    },
  };
}

function owned(kind: string, apiVersion: string, name: string, labels: Record<string, string>): Pod {
  const p = makePod().name('p').labels(labels).obj();
  p.metadata.ownerReferences = [{ apiVersion, kind, name, uid: 'u', controller: true }];
  return p;
}

describe('defaultSelector', () => {
  const cases: Array<{ name: string; pod: Pod; world?: World; want: string }> = [
    { name: 'no workload selects the pod', pod: makePod().label('app', 'x').obj(), world: {}, want: '' },
    {
      name: 'services selecting the pod are merged',
      pod: makePod().labels({ app: 'web', tier: 'fe' }).obj(),
      world: { services: [{ app: 'web' }, { tier: 'fe' }, { app: 'other' }, null] },
      want: 'app=web,tier=fe',
    },
    {
      name: 'a ReplicaSet adds its selector requirements',
      pod: owned('ReplicaSet', 'apps/v1', 'rs1', { app: 'web', 'pod-template-hash': 'h' }),
      world: {
        services: [{ app: 'web' }],
        rss: { rs1: { matchLabels: { app: 'web', 'pod-template-hash': 'h' } } },
      },
      want: 'app=web,app=web,pod-template-hash=h',
    },
    {
      name: 'a StatefulSet with an expression selector',
      pod: owned('StatefulSet', 'apps/v1', 'db', { app: 'db' }),
      world: { sss: { db: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] } } },
      want: 'app in (db)',
    },
    {
      name: 'a ReplicationController merges its selector map',
      pod: owned('ReplicationController', 'v1', 'rc1', { app: 'old', v: '1' }),
      world: { services: [{ app: 'old' }], rcs: { rc1: { app: 'old', v: '1' } } },
      want: 'app=old,v=1',
    },
    {
      name: 'an owner of an unknown group/version is ignored',
      pod: owned('ReplicaSet', 'extensions/v1beta1', 'rs1', { app: 'web' }),
      world: { rss: { rs1: { matchLabels: { app: 'web' } } } },
      want: '',
    },
    {
      name: 'without listers, a controlled pod is matched by its own labels minus per-pod ones',
      pod: owned('StatefulSet', 'apps/v1', 'db', {
        app: 'db',
        'statefulset.kubernetes.io/pod-name': 'db-0',
        'apps.kubernetes.io/pod-index': '0',
        'controller-revision-hash': 'abc',
      }),
      want: 'app=db',
    },
    {
      name: 'without listers, a pod without a controller gets no default selector',
      pod: makePod().label('app', 'x').obj(),
      want: '',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const sel = defaultSelector(c.pod, c.world ? listers(c.world) : undefined);
      assert.equal(sel.toString(), c.want);
      assert.ok(sel.matches(c.pod.metadata.labels ?? {}) || c.want === '');
    });
  }
});
