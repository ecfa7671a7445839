/**
 * @module End-to-end: deletion through the real kubectl (by name, selector, --all, cascade policies, wait,
 * finalizers), explain, optimistic concurrency on replace, NotFound, and namespace lifecycle errors.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { eventually, skiffForFile, tempFile } from './harness.js';

const skiff = skiffForFile();

type Json = Record<string, any>;

async function getJson(ns: string, what: string[]): Promise<Json> {
  return JSON.parse(await skiff.kubectlOk(['-n', ns, 'get', ...what, '-o', 'json'])) as Json;
}

async function names(ns: string, kind: string): Promise<string[]> {
  const out = await skiff.kubectlOk(['-n', ns, 'get', kind, '-o', 'name']);
  return out.trim() === '' ? [] : out.trim().split('\n').sort();
}

async function expectNotFound(ns: string, what: string[]): Promise<void> {
  const r = await skiff.kubectl(['-n', ns, 'get', ...what]);
  assert.equal(r.code, 1, `${what.join(' ')} should be gone`);
  assert.match(r.stderr, /Error from server \(NotFound\)/);
}

describe('delete', () => {
  const ns = 'deleting';
  before(async () => {
    await skiff.kubectlOk(['create', 'namespace', ns]);
  });

  test('by name, by label selector and --all', async () => {
    for (const [name, tier] of [
      ['a', 'fe'],
      ['b', 'fe'],
      ['c', 'be'],
      ['d', 'be'],
      ['e', 'db'],
    ]) {
      await skiff.kubectlOk(['-n', ns, 'create', 'configmap', name!]);
      await skiff.kubectlOk(['-n', ns, 'label', 'configmap', name!, `tier=${tier}`]);
    }
    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'delete', 'configmap', 'a'])).trim(),
      'configmap "a" deleted',
    );
    await expectNotFound(ns, ['configmap', 'a']);

    const byLabel = await skiff.kubectlOk(['-n', ns, 'delete', 'configmaps', '-l', 'tier in (fe,be)']);
    assert.deepEqual(byLabel.trim().split('\n').sort(), [
      'configmap "b" deleted',
      'configmap "c" deleted',
      'configmap "d" deleted',
    ]);
    assert.deepEqual(await names(ns, 'configmaps'), ['configmap/e']);

    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'f']);
    const all = await skiff.kubectlOk(['-n', ns, 'delete', 'configmaps', '--all']);
    assert.deepEqual(all.trim().split('\n').sort(), ['configmap "e" deleted', 'configmap "f" deleted']);
    assert.deepEqual(await names(ns, 'configmaps'), []);

    const missing = await skiff.kubectl(['-n', ns, 'delete', 'configmap', 'never-was']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error from server \(NotFound\): configmaps "never-was" not found/);
    const ignored = await skiff.kubectl(['-n', ns, 'delete', 'configmap', 'never-was', '--ignore-not-found']);
    assert.equal(ignored.code, 0);
  });

  test('a deployment deleted in the background is gone at once', async () => {
    await skiff.kubectlOk(['-n', ns, 'create', 'deployment', 'bg', '--image=nginx']);
    const out = await skiff.kubectlOk(['-n', ns, 'delete', 'deployment', 'bg', '--cascade=background'], {
      timeoutMs: 30_000,
    });
    assert.equal(out.trim(), 'deployment.apps "bg" deleted');
    await expectNotFound(ns, ['deployment', 'bg']);
  });

  test('pods: an unscheduled one goes at once, a scheduled one terminates gracefully until forced', async () => {
    await skiff.kubectlOk(['-n', ns, 'run', 'unscheduled', '--image=nginx']);
    await skiff.kubectlOk(['-n', ns, 'delete', 'pod', 'unscheduled'], { timeoutMs: 30_000 });
    await expectNotFound(ns, ['pod', 'unscheduled']);

    const manifest =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: placed\nspec:\n  nodeName: node-1\n  containers: [{name: c, image: nginx}]\n';
    await skiff.kubectlOk(['-n', ns, 'apply', '-f', tempFile('placed.yaml', manifest)]);
    await skiff.kubectlOk(['-n', ns, 'delete', 'pod', 'placed', '--wait=false']);
    const pod = await getJson(ns, ['pod', 'placed']);
    assert.equal(pod['metadata'].deletionGracePeriodSeconds, 30);
    const stamp = Date.parse(pod['metadata'].deletionTimestamp as string);
    assert.ok(stamp > Date.now() + 20_000, 'deletionTimestamp is the grace period ahead');
    assert.match(
      await skiff.kubectlOk(['-n', ns, 'get', 'pod', 'placed', '--no-headers']),
      /^placed\s+0\/1\s+Terminating\s/,
    );

    const forced = await skiff.kubectl(['-n', ns, 'delete', 'pod', 'placed', '--grace-period=0', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout.trim(), 'pod "placed" force deleted');
    await expectNotFound(ns, ['pod', 'placed']);
  });

  const cascades: Array<[string, string]> = [
    ['orphan', 'orphan'],
    ['foreground', 'foregroundDeletion'],
  ];
  for (const [cascade, finalizer] of cascades) {
    test(`--cascade=${cascade} marks the deployment with the ${finalizer} finalizer, then the collector finishes`, async () => {
      const name = `cascade-${cascade}`;
      await skiff.kubectlOk(['-n', ns, 'create', 'deployment', name, '--image=nginx']);
      const before = await getJson(ns, ['deployment', name]);
      // kubectl's DELETE carries the policy in its body; the server answers with the object as it marked it.
      const policy = cascade === 'orphan' ? 'Orphan' : 'Foreground';
      const res = await skiff.fetch(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`, {
        method: 'DELETE',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ propagationPolicy: policy }),
      });
      assert.equal(res.status, 200);
      const d = (await res.json()) as { metadata: Record<string, unknown> };
      assert.deepEqual(d.metadata['finalizers'], [finalizer]);
      assert.ok(d.metadata['deletionTimestamp'], 'deletionTimestamp set');
      assert.equal(d.metadata['deletionGracePeriodSeconds'], 0);
      assert.equal(d.metadata['generation'], (before['metadata'].generation as number) + 1);
      // The garbage collector then removes the finalizer and the deployment is gone.
      await eventually(
        async () => (await skiff.kubectl(['-n', ns, 'get', 'deployment', name])).code === 1,
        30_000,
      );
      await expectNotFound(ns, ['deployment', name]);
    });
  }

  test('wait --for=delete returns once a finalizer-held object goes', async () => {
    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'held']);
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'configmap',
      'held',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"finalizers":["example.com/hold"]}}',
    ]);
    await skiff.kubectlOk(['-n', ns, 'delete', 'configmap', 'held', '--wait=false']);

    const timedOut = await skiff.kubectl([
      '-n',
      ns,
      'wait',
      '--for=delete',
      'configmap/held',
      '--timeout=1s',
    ]);
    assert.equal(timedOut.code, 1);
    assert.match(timedOut.stderr, /timed out waiting for the condition/);

    const waiting = skiff.kubectl(['-n', ns, 'wait', '--for=delete', 'configmap/held', '--timeout=30s'], {
      timeoutMs: 40_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'configmap',
      'held',
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    const done = await waiting;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout.trim(), 'configmap/held condition met');

    const gone = await skiff.kubectl(['-n', ns, 'wait', '--for=delete', 'configmap/held', '--timeout=5s']);
    assert.equal(gone.code, 0, gone.stderr);
  });

  test('a custom finalizer keeps the object, with deletionTimestamp, until it is patched away', async () => {
    const manifest = tempFile(
      'fin.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: guarded\n  finalizers: [example.com/a, example.com/b]\nstringData: {k: v}\n',
    );
    await skiff.kubectlOk(['-n', ns, 'apply', '-f', manifest]);
    await skiff.kubectlOk(['-n', ns, 'delete', 'secret', 'guarded', '--wait=false']);
    let s = await getJson(ns, ['secret', 'guarded']);
    assert.ok(s['metadata'].deletionTimestamp);
    assert.deepEqual(s['metadata'].finalizers, ['example.com/a', 'example.com/b']);
    const stamp = s['metadata'].deletionTimestamp as string;

    // Deleting again changes nothing; spec-like content is still updatable but new finalizers are refused.
    await skiff.kubectlOk(['-n', ns, 'delete', 'secret', 'guarded', '--wait=false']);
    s = await getJson(ns, ['secret', 'guarded']);
    assert.equal(s['metadata'].deletionTimestamp, stamp);
    const added = await skiff.kubectl([
      '-n',
      ns,
      'patch',
      'secret',
      'guarded',
      '--type',
      'json',
      '-p',
      '[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/c"}]',
    ]);
    assert.equal(added.code, 1);
    assert.match(added.stderr, /no new finalizers can be added if the object is being deleted/);

    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'secret',
      'guarded',
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers/0"}]',
    ]);
    s = await getJson(ns, ['secret', 'guarded']);
    assert.deepEqual(s['metadata'].finalizers, ['example.com/b']);
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'secret',
      'guarded',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await expectNotFound(ns, ['secret', 'guarded']);
  });
});

describe('explain', () => {
  test('explain pods', async () => {
    const out = await skiff.kubectlOk(['explain', 'pods']);
    assert.match(out, /^KIND:\s+Pod$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    for (const field of ['apiVersion', 'kind', 'metadata', 'spec', 'status']) {
      assert.match(out, new RegExp(`^  ${field}\\t<`, 'm'), field);
    }
  });

  test('explain deployment.spec.strategy', async () => {
    const out = await skiff.kubectlOk(['explain', 'deployment.spec.strategy']);
    assert.match(out, /^GROUP:\s+apps$/m);
    assert.match(out, /^KIND:\s+Deployment$/m);
    assert.match(out, /^FIELD: strategy <DeploymentStrategy>$/m);
    assert.match(out, /^  rollingUpdate\t<RollingUpdateDeployment>$/m);
    assert.match(out, /^  type\t<string>$/m);
    const deeper = await skiff.kubectlOk(['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']);
    assert.match(deeper, /^FIELD: maxSurge <IntOrString>$/m);
  });

  test('explain clonesets (OpenKruise)', async () => {
    const out = await skiff.kubectlOk(['explain', 'clonesets']);
    assert.match(out, /^GROUP:\s+apps\.kruise\.io$/m);
    assert.match(out, /^KIND:\s+CloneSet$/m);
    assert.match(out, /^VERSION:\s+v1alpha1$/m);
    assert.match(out, /^  spec\t<CloneSetSpec>$/m);
    const spec = await skiff.kubectlOk(['explain', 'cloneset.spec.updateStrategy']);
    assert.match(spec, /^  type\t<string>$/m);
  });

  test('explain of an unknown field fails', async () => {
    const r = await skiff.kubectl(['explain', 'pods.spec.nonsense']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /field "nonsense" does not exist/);
  });
});

describe('errors', () => {
  const ns = 'errors';
  before(async () => {
    await skiff.kubectlOk(['create', 'namespace', ns]);
  });

  test('replace with a stale resourceVersion is a 409 Conflict', async () => {
    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'racy', '--from-literal=v=1']);
    const stale = await skiff.kubectlOk(['-n', ns, 'get', 'configmap', 'racy', '-o', 'json']);
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'configmap',
      'racy',
      '--type',
      'merge',
      '-p',
      '{"data":{"v":"2"}}',
    ]);
    const file = tempFile('racy.json', stale.replace('"v": "1"', '"v": "3"'));
    const r = await skiff.kubectl(['-n', ns, 'replace', '-f', file]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Error from server \(Conflict\): error when replacing ".*racy\.json": Operation cannot be fulfilled on configmaps "racy": the object has been modified; please apply your changes to the latest version and try again/,
    );
    assert.equal((await getJson(ns, ['configmap', 'racy']))['data'].v, '2');

    const fresh = JSON.parse(
      await skiff.kubectlOk(['-n', ns, 'get', 'configmap', 'racy', '-o', 'json']),
    ) as Json;
    fresh['data'] = { v: '4' };
    const ok = await skiff.kubectlOk([
      '-n',
      ns,
      'replace',
      '-f',
      tempFile('fresh.json', JSON.stringify(fresh)),
    ]);
    assert.equal(ok.trim(), 'configmap/racy replaced');
    assert.equal((await getJson(ns, ['configmap', 'racy']))['data'].v, '4');
  });

  test('get of a missing object is NotFound, exit 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['-n', ns, 'get', 'pod', 'ghost'], /Error from server \(NotFound\): pods "ghost" not found/],
      [
        ['-n', ns, 'get', 'deployment.apps', 'ghost'],
        /Error from server \(NotFound\): deployments\.apps "ghost" not found/,
      ],
      [['get', 'namespace', 'ghost-ns'], /Error from server \(NotFound\): namespaces "ghost-ns" not found/],
      [
        ['get', 'clonesets.apps.kruise.io', 'ghost', '-n', ns],
        /Error from server \(NotFound\): clonesets\.apps\.kruise\.io "ghost" not found/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await skiff.kubectl(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, message);
    }
    const kind = await skiff.kubectl(['get', 'flurbs']);
    assert.equal(kind.code, 1);
    assert.match(kind.stderr, /the server doesn't have a resource type "flurbs"/);
  });
});

describe('namespaces', () => {
  test('creating in a missing namespace is NotFound', async () => {
    const gen = await skiff.kubectl(['-n', 'nowhere', 'create', 'configmap', 'x']);
    assert.equal(gen.code, 1);
    assert.match(gen.stderr, /namespaces "nowhere" not found/);
    const applied = await skiff.kubectl([
      '-n',
      'nowhere',
      'apply',
      '-f',
      tempFile('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n'),
    ]);
    assert.equal(applied.code, 1);
    assert.match(
      applied.stderr,
      /Error from server \(NotFound\): error when creating ".*cm\.yaml": namespaces "nowhere" not found/,
    );
  });

  test('a deleted namespace stays Terminating and refuses new content', async () => {
    await skiff.kubectlOk(['create', 'namespace', 'doomed']);
    await skiff.kubectlOk(['-n', 'doomed', 'create', 'configmap', 'resident']);
    const out = await skiff.kubectlOk(['delete', 'namespace', 'doomed', '--wait=false']);
    assert.equal(out.trim(), 'namespace "doomed" deleted');
    const ns = JSON.parse(await skiff.kubectlOk(['get', 'namespace', 'doomed', '-o', 'json'])) as Json;
    assert.equal(ns['status'].phase, 'Terminating');
    assert.ok(ns['metadata'].deletionTimestamp);
    assert.deepEqual(ns['spec'].finalizers, ['kubernetes']);
    const table = await skiff.kubectlOk(['get', 'namespace', 'doomed', '--no-headers']);
    assert.match(table, /^doomed\s+Terminating\s/);

    const refused = await skiff.kubectl(['-n', 'doomed', 'create', 'configmap', 'newcomer']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /configmaps "newcomer" is forbidden: unable to create new content in namespace doomed because it is being terminated/,
    );
    const again = await skiff.kubectl(['create', 'namespace', 'doomed']);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /Error from server \(AlreadyExists\): object is being deleted: namespaces "doomed" already exists/,
    );
    // What was there stays readable and deletable.
    assert.equal((await getJson('doomed', ['configmap', 'resident']))['metadata'].name, 'resident');
    await skiff.kubectlOk(['-n', 'doomed', 'delete', 'configmap', 'resident']);
  });

  test('system namespaces cannot be deleted', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const r = await skiff.kubectl(['delete', 'namespace', name, '--wait=false']);
      assert.equal(r.code, 1, name);
      assert.match(
        r.stderr,
        new RegExp(`namespaces "${name}" is forbidden: this namespace may not be deleted`),
      );
    }
  });
});
