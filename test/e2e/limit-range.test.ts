/**
 * @module End-to-end: the LimitRanger admission plugin, driven with kubectl as in the Kubernetes docs'
 * LimitRange walkthroughs: defaults filled into containers that lack them (and the annotation saying so), and
 * pods and claims outside a range's min, max or limit/request ratio refused with 403 and upstream's message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { skiffForFile } from './harness.js';

const skiff = skiffForFile({ apiOnly: true });

type Json = Record<string, any>;

async function apply(ns: string, obj: Json): Promise<void> {
  await skiff.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(obj) });
}

async function namespaceWith(ns: string, limits: Json[]): Promise<void> {
  await skiff.kubectlOk(['create', 'namespace', ns]);
  await apply(ns, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits' }, spec: { limits } });
}

function pod(
  name: string,
  containers: Array<{ name: string; resources?: Json }>,
  initContainers?: Json[],
): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      containers: containers.map((c) => ({ image: 'registry.example/app:1', ...c })),
      ...(initContainers ? { initContainers } : {}),
    },
  };
}

/** Creates with kubectl and returns its stderr, which must hold a refusal. */
async function refused(ns: string, obj: Json): Promise<string> {
  const r = await skiff.kubectl(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(obj) });
  assert.notEqual(r.code, 0, `created: ${r.stdout}`);
  return r.stderr.trim();
}

describe('LimitRanger', () => {
  test('default requests and limits fill in what containers lack, with the annotation', async () => {
    await namespaceWith('lr-defaults', [
      { type: 'Container', default: { memory: '512Mi', cpu: '1' }, defaultRequest: { memory: '256Mi' } },
    ]);
    await apply(
      'lr-defaults',
      pod('p', [{ name: 'bare' }, { name: 'own-cpu', resources: { limits: { cpu: '500m' } } }]),
    );
    const got = JSON.parse(
      await skiff.kubectlOk(['get', 'pod', 'p', '-n', 'lr-defaults', '-o', 'json']),
    ) as Json;
    assert.deepEqual(got['spec']['containers'][0]['resources'], {
      limits: { cpu: '1', memory: '512Mi' },
      requests: { cpu: '1', memory: '256Mi' },
    });
    // A limit of its own: the pod's defaulting already set the request to it.
    assert.deepEqual(got['spec']['containers'][1]['resources'], {
      limits: { cpu: '500m', memory: '512Mi' },
      requests: { cpu: '500m', memory: '256Mi' },
    });
    assert.equal(
      got['metadata']['annotations']['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container bare; cpu, memory limit for container bare; ' +
        'memory request for container own-cpu; memory limit for container own-cpu',
    );
    assert.equal(got['status']['qosClass'], 'Burstable');
  });

  test('a container outside min or max, or over the ratio, is refused with upstream messages', async () => {
    await namespaceWith('lr-container', [
      { type: 'Container', max: { cpu: '800m' }, min: { cpu: '200m' }, maxLimitRequestRatio: { cpu: '2' } },
    ]);
    assert.equal(
      await refused(
        'lr-container',
        pod('too-big', [{ name: 'c', resources: { limits: { cpu: '1500m' }, requests: { cpu: '1' } } }]),
      ),
      'Error from server (Forbidden): error when creating "STDIN": pods "too-big" is forbidden: ' +
        'maximum cpu usage per Container is 800m, but limit is 1500m',
    );
    assert.equal(
      await refused(
        'lr-container',
        pod('bursty', [{ name: 'c', resources: { limits: { cpu: '800m' }, requests: { cpu: '100m' } } }]),
      ),
      'Error from server (Forbidden): error when creating "STDIN": pods "bursty" is forbidden: ' +
        '[minimum cpu usage per Container is 200m, but request is 100m, ' +
        'cpu max limit to request ratio per Container is 2, but provided ratio is 8.000000]',
    );
    // Within the range, and a container without resources takes max as its limit and min as its request.
    await apply(
      'lr-container',
      pod('fits', [{ name: 'c', resources: { limits: { cpu: '400m' }, requests: { cpu: '300m' } } }]),
    );
    await apply('lr-container', pod('bare', [{ name: 'c' }]));
    const bare = JSON.parse(
      await skiff.kubectlOk([
        'get',
        'pod',
        'bare',
        '-n',
        'lr-container',
        '-o',
        'jsonpath={.spec.containers[0].resources}',
      ]),
    ) as Json;
    assert.deepEqual(bare, { limits: { cpu: '800m' }, requests: { cpu: '800m' } });
  });

  test('a Pod item limits the sum over containers', async () => {
    await namespaceWith('lr-pod', [{ type: 'Pod', max: { memory: '1Gi' } }]);
    assert.equal(
      await refused(
        'lr-pod',
        pod('pair', [
          { name: 'a', resources: { limits: { memory: '600Mi' } } },
          { name: 'b', resources: { limits: { memory: '600Mi' } } },
        ]),
      ),
      'Error from server (Forbidden): error when creating "STDIN": pods "pair" is forbidden: ' +
        'maximum memory usage per Pod is 1Gi, but limit is 1200Mi',
    );
    await apply(
      'lr-pod',
      pod('halves', [
        { name: 'a', resources: { limits: { memory: '512Mi' } } },
        { name: 'b', resources: { limits: { memory: '512Mi' } } },
      ]),
    );
  });

  test('a claim over the storage max is refused; pods in other namespaces are untouched', async () => {
    await namespaceWith('lr-storage', [{ type: 'PersistentVolumeClaim', max: { storage: '2Gi' } }]);
    const claim = (name: string, storage: string): Json => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
    });
    assert.equal(
      await refused('lr-storage', claim('big', '5Gi')),
      'Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims "big" is forbidden: ' +
        'maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi',
    );
    await apply('lr-storage', claim('small', '1Gi'));
    await skiff.kubectlOk(['create', 'namespace', 'lr-none']);
    await apply('lr-none', pod('free', [{ name: 'c' }]));
    const free = await skiff.kubectlOk([
      'get',
      'pod',
      'free',
      '-n',
      'lr-none',
      '-o',
      'jsonpath={.spec.containers[0].resources}',
    ]);
    assert.equal(free, '{}');
  });
});
