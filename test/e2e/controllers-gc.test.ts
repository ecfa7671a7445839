/**
 * @module End-to-end: garbage collection and namespace deletion under `skiff up`, driven by the real kubectl —
 * `kubectl delete deployment --cascade=background|foreground|orphan` on a Deployment with a ReplicaSet and
 * pods, a dangling owner reference collected, and `kubectl delete namespace` on a namespace full of objects
 * (Terminating meanwhile, then gone).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, type SkiffProcess, startSkiff, tempFile } from './harness.js';

type Json = Record<string, any>;

let skiff: SkiffProcess;

before(async () => {
  skiff = await startSkiff({ command: 'up' });
  // A dangling dependent goes within seconds: skiff up runs the garbage collector itself.
  await apply(
    'default',
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: gc-probe
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: nobody, uid: 0b0e7c1e-0000-4000-8000-00000000beef}]
`,
  );
  // skiff up runs the controller manager: its controllers must act on their own.
  await eventually(
    async () =>
      /NotFound/.test((await skiff.kubectl(['-n', 'default', 'get', 'configmap', 'gc-probe'])).stderr),
    30_000,
  );
});

after(async () => {
  await skiff?.cleanup();
});

/** `kubectl get -o json`, retried while the server is briefly unavailable. */
async function getJson(args: string[]): Promise<Json> {
  return eventually(async () => JSON.parse(await skiff.kubectlOk([...args, '-o', 'json'])) as Json, 10_000);
}

async function items(ns: string, kind: string): Promise<Json[]> {
  return ((await getJson(['-n', ns, 'get', kind])) as { items: Json[] }).items;
}

function ownedBy(list: Json[], uid: string): Json[] {
  return list.filter((o) => (o['metadata'].ownerReferences ?? []).some((r: Json) => r['uid'] === uid));
}

async function waitGone(args: string[], timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const r = await skiff.kubectl(['get', ...args]);
      return r.code !== 0 && /NotFound/.test(r.stderr);
    },
    timeoutMs,
    250,
  );
}

async function apply(ns: string, yaml: string): Promise<void> {
  await skiff.kubectlOk(['-n', ns, 'apply', '-f', tempFile('obj.yaml', yaml)]);
}

/** Pods of these templates never fit a node, so they stay Pending and delete at once. */
const POD_SPEC = `nodeSelector: {e2e.skiff.dev/never: "true"}
    containers: [{name: c, image: busybox, command: [sleep, "3600"]}]`;

/**
 * A Deployment with a ReplicaSet and two pods. The ReplicaSet and pods come from the controllers when they
 * run; whatever is missing after a short wait is made by hand with controller owner references.
 */
async function deploymentChain(
  ns: string,
  name: string,
): Promise<{ deploy: Json; rs: Json; pods: string[] }> {
  await apply(
    ns,
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      ${POD_SPEC.replace(/\n {4}/g, '\n      ')}
`,
  );
  const deploy = await getJson(['-n', ns, 'get', 'deployment', name]);
  const uid = deploy['metadata'].uid as string;
  const ref = (kind: string, obj: Json) =>
    `[{apiVersion: apps/v1, kind: ${kind}, name: ${obj['metadata'].name}, uid: ${obj['metadata'].uid}, controller: true, blockOwnerDeletion: true}]`;

  let rs = await eventually(async () => ownedBy(await items(ns, 'replicasets'), uid)[0], 5_000).catch(
    () => undefined,
  );
  if (!rs) {
    await apply(
      ns,
      `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ${name}-rs
  labels: {app: ${name}}
  ownerReferences: ${ref('Deployment', deploy)}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      ${POD_SPEC.replace(/\n {4}/g, '\n      ')}
`,
    );
    rs = await getJson(['-n', ns, 'get', 'replicaset', `${name}-rs`]);
  }
  const rsUid = rs['metadata'].uid as string;
  let pods = await eventually(async () => {
    const owned = ownedBy(await items(ns, 'pods'), rsUid);
    return owned.length >= 2 ? owned : undefined;
  }, 5_000).catch(() => undefined);
  if (!pods) {
    for (const i of [1, 2]) {
      await apply(
        ns,
        `apiVersion: v1
kind: Pod
metadata:
  name: ${name}-pod-${i}
  labels: {app: ${name}}
  ownerReferences: ${ref('ReplicaSet', rs)}
spec:
  ${POD_SPEC.replace(/\n {4}/g, '\n  ')}
`,
      );
    }
    pods = ownedBy(await items(ns, 'pods'), rsUid);
  }
  return { deploy, rs, pods: pods.map((p) => p['metadata'].name as string) };
}

describe('garbage collection with kubectl', () => {
  const ns = 'gc-e2e';
  before(async () => {
    await skiff.kubectlOk(['create', 'namespace', ns]);
  });

  test('--cascade=background: the Deployment goes at once, then its ReplicaSet and pods', async () => {
    const { rs, pods } = await deploymentChain(ns, 'bg');
    const out = await skiff.kubectlOk(['-n', ns, 'delete', 'deployment', 'bg', '--cascade=background']);
    assert.equal(out.trim(), 'deployment.apps "bg" deleted');
    await waitGone(['-n', ns, 'replicaset', rs['metadata'].name]);
    for (const p of pods) await waitGone(['-n', ns, 'pod', p]);
  });

  test('--cascade=foreground: dependents first, the Deployment waits with foregroundDeletion', async () => {
    const { rs, pods } = await deploymentChain(ns, 'fg');
    const held = pods[0]!;
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'pod',
      held,
      '--type',
      'merge',
      '-p',
      '{"metadata":{"finalizers":["e2e.skiff.dev/hold"]}}',
    ]);
    const out = await skiff.kubectlOk([
      '-n',
      ns,
      'delete',
      'deployment',
      'fg',
      '--cascade=foreground',
      '--wait=false',
    ]);
    assert.equal(out.trim(), 'deployment.apps "fg" deleted');
    for (const p of pods.slice(1)) await waitGone(['-n', ns, 'pod', p]);
    await eventually(
      async () => !!(await getJson(['-n', ns, 'get', 'pod', held]))['metadata'].deletionTimestamp,
    );
    const rsNow = await getJson(['-n', ns, 'get', 'replicaset', rs['metadata'].name]);
    assert.ok(rsNow['metadata'].deletionTimestamp, 'the ReplicaSet is being deleted');
    assert.deepEqual(rsNow['metadata'].finalizers, ['foregroundDeletion']);
    const deploy = await getJson(['-n', ns, 'get', 'deployment', 'fg']);
    assert.deepEqual(deploy['metadata'].finalizers, ['foregroundDeletion']);
    assert.ok(deploy['metadata'].deletionTimestamp);

    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'pod',
      held,
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await waitGone(['-n', ns, 'pod', held]);
    await waitGone(['-n', ns, 'replicaset', rs['metadata'].name]);
    await waitGone(['-n', ns, 'deployment', 'fg']);
  });

  test('--cascade=orphan: the Deployment goes, the ReplicaSet stays without its owner reference', async () => {
    const { rs, pods } = await deploymentChain(ns, 'orphan');
    await skiff.kubectlOk(['-n', ns, 'delete', 'deployment', 'orphan', '--cascade=orphan', '--wait=false']);
    await waitGone(['-n', ns, 'deployment', 'orphan']);
    const left = await getJson(['-n', ns, 'get', 'replicaset', rs['metadata'].name]);
    assert.deepEqual(left['metadata'].ownerReferences ?? [], []);
    assert.equal(left['metadata'].deletionTimestamp, undefined);
    const podsLeft = ownedBy(await items(ns, 'pods'), rs['metadata'].uid as string);
    assert.ok(podsLeft.length >= 1, 'the pods keep their ReplicaSet');
    for (const p of pods) {
      const r = await skiff.kubectl(['-n', ns, 'get', 'pod', p]);
      if (r.code === 0) assert.doesNotMatch(r.stdout, /Terminating/);
    }
  });

  test('an object whose owner does not exist is collected', async () => {
    await apply(
      ns,
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: dangling
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ghost, uid: 0b0e7c1e-0000-4000-8000-000000000000}]
data: {k: v}
`,
    );
    await waitGone(['-n', ns, 'configmap', 'dangling'], 30_000);
  });
});

describe('namespace deletion with kubectl', () => {
  test('a namespace full of objects is Terminating until its content is gone, then goes', async () => {
    const ns = 'doomed-e2e';
    await skiff.kubectlOk(['create', 'namespace', ns]);
    for (const n of ['c1', 'c2'])
      await skiff.kubectlOk(['-n', ns, 'create', 'configmap', n, '--from-literal=k=v']);
    await skiff.kubectlOk(['-n', ns, 'create', 'secret', 'generic', 's1', '--from-literal=k=v']);
    await deploymentChain(ns, 'web');
    await apply(
      ns,
      `apiVersion: v1
kind: Pod
metadata: {name: free}
spec:
  ${POD_SPEC.replace(/\n {4}/g, '\n  ')}
`,
    );
    await apply(
      ns,
      `apiVersion: v1
kind: Pod
metadata: {name: held, finalizers: [e2e.skiff.dev/hold]}
spec:
  ${POD_SPEC.replace(/\n {4}/g, '\n  ')}
`,
    );

    const out = await skiff.kubectlOk(['delete', 'namespace', ns, '--wait=false']);
    assert.equal(out.trim(), `namespace "${ns}" deleted`);
    assert.match(
      await skiff.kubectlOk(['get', 'namespace', ns, '--no-headers']),
      new RegExp(`^${ns}\\s+Terminating\\s`),
    );

    // Everything without a finalizer goes; the held pod stays and the namespace says why.
    await eventually(
      async () => {
        const kinds = await Promise.all(
          ['configmaps', 'secrets', 'deployments', 'replicasets', 'pods'].map((k) => items(ns, k)),
        );
        const names = kinds.flat().map((o) => o['metadata'].name as string);
        return names.length === 1 && names[0] === 'held';
      },
      60_000,
      250,
    );
    const status = await eventually(
      async () => {
        const got = await getJson(['get', 'namespace', ns]);
        const c = (got['status'].conditions ?? []).find(
          (x: Json) => x['type'] === 'NamespaceFinalizersRemaining',
        );
        return c?.['status'] === 'True' ? got : undefined;
      },
      60_000,
      250,
    );
    assert.equal(status['status'].phase, 'Terminating');
    const byType = Object.fromEntries(
      (status['status'].conditions as Json[]).map((c) => [c['type'], [c['status'], c['reason']]]),
    );
    assert.deepEqual(byType['NamespaceFinalizersRemaining'], ['True', 'SomeFinalizersRemain']);
    assert.deepEqual(byType['NamespaceDeletionDiscoveryFailure'], ['False', 'ResourcesDiscovered']);
    assert.match(
      (status['status'].conditions as Json[]).find((c) => c['type'] === 'NamespaceFinalizersRemaining')![
        'message'
      ],
      /^Some content in the namespace has finalizers remaining: e2e\.skiff\.dev\/hold in 1 resource instances$/,
    );
    assert.match(
      await skiff.kubectlOk(['get', 'namespace', ns, '--no-headers']),
      new RegExp(`^${ns}\\s+Terminating\\s`),
    );

    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'pod',
      'held',
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await waitGone(['namespace', ns], 90_000);
  });
});
