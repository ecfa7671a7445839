import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { podsResource } from '../../api/resources/core/pods.js';
import { PodDefaults } from './pod-defaults.js';
import type { AdmissionAttributes } from './types.js';

const NOT_READY = {
  key: 'node.kubernetes.io/not-ready',
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
};
const UNREACHABLE = {
  key: 'node.kubernetes.io/unreachable',
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
};

function pod(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec };
}

async function admitUpdate(obj: KubeObject, old: KubeObject, subresource = ''): Promise<KubeObject> {
  const attrs: AdmissionAttributes = {
    operation: 'UPDATE',
    def: podsResource,
    namespace: 'ns',
    name: 'p',
    subresource,
    obj,
    old,
    dryRun: false,
  };
  await new PodDefaults(() => undefined).admit(attrs);
  return obj;
}

describe('PodDefaults on update', () => {
  const own = { key: 'example-key', operator: 'Exists', effect: 'NoSchedule' };
  const cases: Array<{
    name: string;
    old: Record<string, unknown>;
    next: Record<string, unknown>;
    want: Record<string, unknown>;
  }> = [
    {
      name: 'a tolerations list without the defaults gets them back',
      old: { tolerations: [own, NOT_READY, UNREACHABLE] },
      next: { tolerations: [own] },
      want: { tolerations: [own, NOT_READY, UNREACHABLE] },
    },
    {
      name: 'a pod tolerating not-ready itself keeps its own seconds',
      old: { tolerations: [{ ...NOT_READY, tolerationSeconds: 10 }, UNREACHABLE] },
      next: { tolerations: [{ ...NOT_READY, tolerationSeconds: 10 }] },
      want: { tolerations: [{ ...NOT_READY, tolerationSeconds: 10 }, UNREACHABLE] },
    },
    {
      name: 'priority and preemptionPolicy stay as admitted on create',
      old: { priority: 1000, preemptionPolicy: 'Never', tolerations: [NOT_READY, UNREACHABLE] },
      next: { tolerations: [NOT_READY, UNREACHABLE] },
      want: { priority: 1000, preemptionPolicy: 'Never', tolerations: [NOT_READY, UNREACHABLE] },
    },
    {
      name: 'a priority the pod never had is not introduced',
      old: { tolerations: [NOT_READY, UNREACHABLE] },
      next: { priority: 5, tolerations: [NOT_READY, UNREACHABLE] },
      want: { tolerations: [NOT_READY, UNREACHABLE] },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await admitUpdate(pod(c.next), pod(c.old));
      assert.deepEqual(got['spec'], c.want);
    });
  }

  it('leaves subresource writes alone', async () => {
    const got = await admitUpdate(
      pod({ tolerations: [own] }),
      pod({ tolerations: [own, NOT_READY, UNREACHABLE] }),
      'status',
    );
    assert.deepEqual(got['spec'], { tolerations: [own] });
  });
});
