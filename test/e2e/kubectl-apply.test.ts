/**
 * @module End-to-end: the real kubectl's write paths against skiff — client-side and server-side apply (conflicts,
 * --force-conflicts), diff exit codes, server dry-run, label/annotate, the three patch types, scale, set image and
 * rollout restart.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { skiffForFile, tempFile } from './harness.js';

const skiff = skiffForFile({ apiOnly: true });

type Json = Record<string, any>;

async function getJson(ns: string, what: string[]): Promise<Json> {
  return JSON.parse(
    await skiff.kubectlOk(['-n', ns, 'get', ...what, '-o', 'json', '--show-managed-fields']),
  ) as Json;
}

async function namespace(name: string): Promise<string> {
  await skiff.kubectlOk(['create', 'namespace', name]);
  return name;
}

function deploymentYaml(name: string, image: string, replicas = 2): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
`;
}

function configMapYaml(name: string, data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${lines.join('\n')}\n`;
}

describe('client-side apply', () => {
  let ns: string;
  before(async () => {
    ns = await namespace('csa');
  });

  test('apply creates, a changed image updates (generation bumps), unchanged says so', async () => {
    const v1 = tempFile('web.yaml', deploymentYaml('web', 'nginx:1.25'));
    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'apply', '-f', v1])).trim(),
      'deployment.apps/web created',
    );
    let d = await getJson(ns, ['deployment', 'web']);
    assert.equal(d['metadata'].generation, 1);
    assert.equal(d['spec'].template.spec.containers[0].image, 'nginx:1.25');
    const lastApplied = JSON.parse(
      d['metadata'].annotations['kubectl.kubernetes.io/last-applied-configuration'] as string,
    );
    assert.equal(lastApplied.spec.template.spec.containers[0].image, 'nginx:1.25');
    const managers = (d['metadata'].managedFields as Json[]).map((m) => m['manager']);
    assert.deepEqual(managers, ['kubectl-client-side-apply']);
    const rv1 = d['metadata'].resourceVersion as string;

    const v2 = tempFile('web.yaml', deploymentYaml('web', 'nginx:1.26'));
    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'apply', '-f', v2])).trim(),
      'deployment.apps/web configured',
    );
    d = await getJson(ns, ['deployment', 'web']);
    assert.equal(d['metadata'].generation, 2);
    assert.equal(d['spec'].template.spec.containers[0].image, 'nginx:1.26');
    assert.deepEqual(d['spec'].template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.notEqual(d['metadata'].resourceVersion, rv1);

    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'apply', '-f', v2])).trim(),
      'deployment.apps/web unchanged',
    );
    const again = await getJson(ns, ['deployment', 'web']);
    assert.equal(again['metadata'].resourceVersion, d['metadata'].resourceVersion);
    assert.equal(again['metadata'].generation, 2);
  });

  test('a v1 List (what get -o yaml prints) applies, and its items are validated by the server', async () => {
    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'listed-a', '--from-literal=k=a']);
    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'listed-b', '--from-literal=k=b']);
    const dump = await skiff.kubectlOk(['-n', ns, 'get', 'configmaps', 'listed-a', 'listed-b', '-o', 'yaml']);
    assert.match(dump, /^kind: List$/m);
    await skiff.kubectlOk(['-n', ns, 'delete', 'configmaps', 'listed-a', 'listed-b']);
    const file = tempFile('list.yaml', dump);
    const out = await skiff.kubectlOk(['-n', ns, 'apply', '-f', file]);
    assert.deepEqual(out.trim().split('\n'), ['configmap/listed-a created', 'configmap/listed-b created']);
    assert.equal((await getJson(ns, ['configmap', 'listed-b']))['data'].k, 'b');

    const bad =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: listed-c}\n  bogus: 1\n';
    const r = await skiff.kubectl(['-n', ns, 'apply', '-f', tempFile('bad.yaml', bad)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /strict decoding error: unknown field "bogus"/);
    assert.equal((await skiff.kubectl(['-n', ns, 'get', 'configmap', 'listed-c'])).code, 1);
  });

  test('apply --prune deletes applied objects that left the file (with an allowlist)', async () => {
    const doc = (name: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels: {set: pruning}\n`;
    await skiff.kubectlOk([
      '-n',
      ns,
      'apply',
      '-f',
      tempFile('two.yaml', [doc('kept'), doc('dropped')].join('---\n')),
    ]);
    // Created without apply, so not apply's to prune even though it matches the selector.
    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'bystander']);
    await skiff.kubectlOk(['-n', ns, 'label', 'configmap', 'bystander', 'set=pruning']);
    const out = await skiff.kubectlOk([
      '-n',
      ns,
      'apply',
      '--prune',
      '-l',
      'set=pruning',
      '--prune-allowlist=core/v1/ConfigMap',
      '-f',
      tempFile('one.yaml', doc('kept')),
    ]);
    assert.deepEqual(out.trim().split('\n'), ['configmap/kept unchanged', 'configmap/dropped pruned']);
    const left = await skiff.kubectlOk(['-n', ns, 'get', 'configmaps', '-l', 'set=pruning', '-o', 'name']);
    assert.deepEqual(left.trim().split('\n').sort(), ['configmap/bystander', 'configmap/kept']);
  });

  test('apply removes a field that left the manifest', async () => {
    const f = tempFile('cm.yaml', configMapYaml('prune-field', { a: '1', b: '2' }));
    await skiff.kubectlOk(['-n', ns, 'apply', '-f', f]);
    const g = tempFile('cm.yaml', configMapYaml('prune-field', { a: '1' }));
    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'apply', '-f', g])).trim(),
      'configmap/prune-field configured',
    );
    assert.deepEqual((await getJson(ns, ['configmap', 'prune-field']))['data'], { a: '1' });
  });

  test('diff exits 0 when the same and 1 with a difference it prints', async () => {
    const f = tempFile('d.yaml', deploymentYaml('diffed', 'nginx:1.25'));
    await skiff.kubectlOk(['-n', ns, 'apply', '-f', f]);
    const same = await skiff.kubectl(['-n', ns, 'diff', '-f', f]);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, '');
    const changed = tempFile('d.yaml', deploymentYaml('diffed', 'nginx:1.27'));
    const differs = await skiff.kubectl(['-n', ns, 'diff', '-f', changed]);
    assert.equal(differs.code, 1, differs.stderr);
    assert.match(differs.stdout, /^-\s+- image: nginx:1\.25$/m);
    assert.match(differs.stdout, /^\+\s+- image: nginx:1\.27$/m);
    assert.match(differs.stdout, /^\+\s+generation: 2$/m);
    // diff is a dry run: nothing changed on the server.
    const d = await getJson(ns, ['deployment', 'diffed']);
    assert.equal(d['spec'].template.spec.containers[0].image, 'nginx:1.25');
    assert.equal(d['metadata'].generation, 1);
  });

  test('apply --dry-run=server persists nothing, for creates and for updates', async () => {
    const f = tempFile('d.yaml', deploymentYaml('dry', 'nginx:1.25'));
    const created = await skiff.kubectlOk(['-n', ns, 'apply', '--dry-run=server', '-f', f]);
    assert.equal(created.trim(), 'deployment.apps/dry created (server dry run)');
    const missing = await skiff.kubectl(['-n', ns, 'get', 'deployment', 'dry']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NotFound/);

    await skiff.kubectlOk(['-n', ns, 'apply', '-f', f]);
    const before = await getJson(ns, ['deployment', 'dry']);
    const g = tempFile('d.yaml', deploymentYaml('dry', 'nginx:1.99', 5));
    const out = await skiff.kubectlOk(['-n', ns, 'apply', '--dry-run=server', '-f', g, '-o', 'json']);
    const answered = JSON.parse(out) as Json;
    assert.equal(answered['spec'].replicas, 5, 'the dry run answers with the would-be object');
    const after = await getJson(ns, ['deployment', 'dry']);
    assert.equal(after['spec'].replicas, 2);
    assert.equal(after['spec'].template.spec.containers[0].image, 'nginx:1.25');
    assert.equal(after['metadata'].resourceVersion, before['metadata'].resourceVersion);
  });
});

describe('server-side apply', () => {
  let ns: string;
  before(async () => {
    ns = await namespace('ssa');
  });

  test('a second manager conflicts, naming the first; --force-conflicts takes the field', async () => {
    const mine = tempFile('cm.yaml', configMapYaml('shared', { key: 'one', other: 'x' }));
    const first = await skiff.kubectlOk(['-n', ns, 'apply', '--server-side', '-f', mine]);
    assert.equal(first.trim(), 'configmap/shared serverside-applied');
    let cm = await getJson(ns, ['configmap', 'shared']);
    assert.deepEqual(
      (cm['metadata'].managedFields as Json[]).map((m) => [m['manager'], m['operation']]),
      [['kubectl', 'Apply']],
    );

    const theirs = tempFile('cm.yaml', configMapYaml('shared', { key: 'two' }));
    const conflict = await skiff.kubectl([
      '-n',
      ns,
      'apply',
      '--server-side',
      '--field-manager=rival',
      '-f',
      theirs,
    ]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.key/);
    assert.match(conflict.stderr, /--force-conflicts/);
    cm = await getJson(ns, ['configmap', 'shared']);
    assert.equal(cm['data'].key, 'one');

    const forced = await skiff.kubectlOk([
      '-n',
      ns,
      'apply',
      '--server-side',
      '--field-manager=rival',
      '--force-conflicts',
      '-f',
      theirs,
    ]);
    assert.equal(forced.trim(), 'configmap/shared serverside-applied');
    cm = await getJson(ns, ['configmap', 'shared']);
    assert.deepEqual(cm['data'], { key: 'two', other: 'x' });
    const owners = new Map(
      (cm['metadata'].managedFields as Json[]).map((m) => [m['manager'], m['fieldsV1']]),
    );
    assert.deepEqual(owners.get('rival'), { 'f:data': { 'f:key': {} } });
    assert.deepEqual(owners.get('kubectl'), { 'f:data': { 'f:other': {} } });
  });

  test('the same value from two managers is shared without conflict', async () => {
    const f = tempFile('cm.yaml', configMapYaml('coowned', { key: 'same' }));
    await skiff.kubectlOk(['-n', ns, 'apply', '--server-side', '-f', f]);
    await skiff.kubectlOk(['-n', ns, 'apply', '--server-side', '--field-manager=second', '-f', f]);
    const cm = await getJson(ns, ['configmap', 'coowned']);
    const managers = (cm['metadata'].managedFields as Json[]).map((m) => m['manager'] as string).sort();
    assert.deepEqual(managers, ['kubectl', 'second']);
    // Re-applying the same configuration by an existing owner writes nothing.
    await skiff.kubectlOk(['-n', ns, 'apply', '--server-side', '--field-manager=second', '-f', f]);
    const again = await getJson(ns, ['configmap', 'coowned']);
    assert.equal(again['metadata'].resourceVersion, cm['metadata'].resourceVersion);
  });

  test('server-side apply of a deployment sets defaults and updates on re-apply', async () => {
    const f = tempFile('d.yaml', deploymentYaml('ssa-web', 'nginx:1.25'));
    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'apply', '--server-side', '-f', f])).trim(),
      'deployment.apps/ssa-web serverside-applied',
    );
    const g = tempFile('d.yaml', deploymentYaml('ssa-web', 'nginx:1.26', 4));
    await skiff.kubectlOk(['-n', ns, 'apply', '--server-side', '-f', g]);
    const d = await getJson(ns, ['deployment', 'ssa-web']);
    assert.equal(d['spec'].replicas, 4);
    assert.equal(d['spec'].template.spec.containers[0].image, 'nginx:1.26');
    assert.equal(d['spec'].strategy.type, 'RollingUpdate');
    assert.equal(d['metadata'].generation, 2);
  });
});

describe('label, annotate, patch, scale, set image, rollout restart', () => {
  let ns: string;
  before(async () => {
    ns = await namespace('mutate');
    await skiff.kubectlOk(['-n', ns, 'create', 'deployment', 'app', '--image=nginx:1.25', '--replicas=2']);
  });

  test('label adds, refuses to overwrite without --overwrite, overwrites and removes', async () => {
    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'label', 'deployment', 'app', 'tier=web'])).trim(),
      'deployment.apps/app labeled',
    );
    const refused = await skiff.kubectl(['-n', ns, 'label', 'deployment', 'app', 'tier=db']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /'tier' already has a value \(web\), and --overwrite is false/);
    await skiff.kubectlOk(['-n', ns, 'label', 'deployment', 'app', 'tier=db', '--overwrite']);
    assert.equal((await getJson(ns, ['deployment', 'app']))['metadata'].labels.tier, 'db');
    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'label', 'deployment', 'app', 'tier-'])).trim(),
      'deployment.apps/app unlabeled',
    );
    const d = await getJson(ns, ['deployment', 'app']);
    assert.deepEqual(d['metadata'].labels, { app: 'app' });
  });

  test('annotate adds, overwrites and removes', async () => {
    await skiff.kubectlOk(['-n', ns, 'annotate', 'deployment', 'app', 'owner=alice']);
    assert.equal((await getJson(ns, ['deployment', 'app']))['metadata'].annotations.owner, 'alice');
    await skiff.kubectlOk(['-n', ns, 'annotate', 'deployment', 'app', 'owner=bob', '--overwrite']);
    assert.equal((await getJson(ns, ['deployment', 'app']))['metadata'].annotations.owner, 'bob');
    await skiff.kubectlOk(['-n', ns, 'annotate', 'deployment', 'app', 'owner-']);
    const d = await getJson(ns, ['deployment', 'app']);
    assert.equal(d['metadata'].annotations?.owner, undefined);
  });

  test('patch --type merge, json and strategic', async () => {
    const before = await getJson(ns, ['deployment', 'app']);
    const gen = before['metadata'].generation as number;
    assert.equal(
      (
        await skiff.kubectlOk([
          '-n',
          ns,
          'patch',
          'deployment',
          'app',
          '--type',
          'merge',
          '-p',
          '{"spec":{"replicas":5}}',
        ])
      ).trim(),
      'deployment.apps/app patched',
    );
    let d = await getJson(ns, ['deployment', 'app']);
    assert.equal(d['spec'].replicas, 5);
    assert.equal(d['metadata'].generation, gen + 1);

    const same = await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'deployment',
      'app',
      '--type',
      'merge',
      '-p',
      '{"spec":{"replicas":5}}',
    ]);
    assert.equal(same.trim(), 'deployment.apps/app patched (no change)');

    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'deployment',
      'app',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/labels/patched","value":"json"}]',
    ]);
    d = await getJson(ns, ['deployment', 'app']);
    assert.equal(d['spec'].replicas, 3);
    assert.equal(d['metadata'].labels.patched, 'json');

    const badTest = await skiff.kubectl([
      '-n',
      ns,
      'patch',
      'deployment',
      'app',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":99}]',
    ]);
    assert.equal(badTest.code, 1);
    // As upstream, a failed operation is a bare 422 Invalid without details.
    assert.match(
      badTest.stderr,
      /The request is invalid: the server rejected our request due to an error in our request/,
    );

    // Strategic merge: containers merge by name (a new one joins, the existing one keeps its fields).
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'deployment',
      'app',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}',
    ]);
    d = await getJson(ns, ['deployment', 'app']);
    const containers = d['spec'].template.spec.containers as Json[];
    assert.deepEqual(containers.map((c) => [c['name'], c['image']]).sort(), [
      ['nginx', 'nginx:1.25'],
      ['sidecar', 'busybox:1.36'],
    ]);
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'deployment',
      'app',
      '--type',
      'strategic',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"MODE","value":"x"}]}]}}}}',
    ]);
    d = await getJson(ns, ['deployment', 'app']);
    const nginx = (d['spec'].template.spec.containers as Json[]).find((c) => c['name'] === 'nginx')!;
    assert.equal(nginx['image'], 'nginx:1.25', 'the existing container keeps its image');
    assert.deepEqual(nginx['env'], [{ name: 'MODE', value: 'x' }]);

    // $patch: delete removes one list element by its merge key.
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'deployment',
      'app',
      '--type',
      'strategic',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}',
    ]);
    d = await getJson(ns, ['deployment', 'app']);
    assert.deepEqual(
      (d['spec'].template.spec.containers as Json[]).map((c) => c['name']),
      ['nginx'],
    );
  });

  test('a merge patch on a list replaces it, a strategic one merges', async () => {
    await skiff.kubectlOk([
      '-n',
      ns,
      'create',
      'service',
      'clusterip',
      'ports',
      '--tcp=80:80',
      '--tcp=443:443',
    ]);
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'service',
      'ports',
      '-p',
      '{"spec":{"ports":[{"port":8080,"name":"alt","protocol":"TCP"}]}}',
    ]);
    let svc = await getJson(ns, ['service', 'ports']);
    assert.deepEqual((svc['spec'].ports as Json[]).map((p) => p['port']).sort(), [443, 80, 8080]);
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'service',
      'ports',
      '--type',
      'merge',
      '-p',
      '{"spec":{"ports":[{"port":9090,"name":"only","protocol":"TCP"}]}}',
    ]);
    svc = await getJson(ns, ['service', 'ports']);
    assert.deepEqual(
      (svc['spec'].ports as Json[]).map((p) => [p['name'], p['port'], p['targetPort']]),
      [['only', 9090, 9090]],
    );
  });

  test('an invalid patch is refused with the field named', async () => {
    const r = await skiff.kubectl([
      '-n',
      ns,
      'patch',
      'deployment',
      'app',
      '--type',
      'merge',
      '-p',
      '{"spec":{"replicas":-1}}',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
  });

  test('scale deployment --replicas goes through the scale subresource', async () => {
    const before = await getJson(ns, ['deployment', 'app']);
    assert.equal(
      (await skiff.kubectlOk(['-n', ns, 'scale', 'deployment', 'app', '--replicas=7'])).trim(),
      'deployment.apps/app scaled',
    );
    const d = await getJson(ns, ['deployment', 'app']);
    assert.equal(d['spec'].replicas, 7);
    assert.equal(d['metadata'].generation, (before['metadata'].generation as number) + 1);
    const scale = JSON.parse(
      await skiff.kubectlOk(['get', '--raw', `/apis/apps/v1/namespaces/${ns}/deployments/app/scale`]),
    ) as Json;
    assert.equal(scale['kind'], 'Scale');
    assert.equal(scale['apiVersion'], 'autoscaling/v1');
    assert.equal(scale['spec'].replicas, 7);
    assert.equal(scale['status'].selector, 'app=app');
  });

  test('set image changes one container', async () => {
    const out = await skiff.kubectlOk(['-n', ns, 'set', 'image', 'deployment/app', 'nginx=nginx:1.27']);
    assert.equal(out.trim(), 'deployment.apps/app image updated');
    const d = await getJson(ns, ['deployment', 'app']);
    assert.deepEqual(
      (d['spec'].template.spec.containers as Json[]).map((c) => [c['name'], c['image']]),
      [['nginx', 'nginx:1.27']],
    );
    const managers = (d['metadata'].managedFields as Json[]).map((m) => m['manager']);
    assert.ok(managers.includes('kubectl-set'), managers.join());
  });

  test('rollout restart puts restartedAt into the pod template', async () => {
    const before = await getJson(ns, ['deployment', 'app']);
    const out = await skiff.kubectlOk(['-n', ns, 'rollout', 'restart', 'deployment/app']);
    assert.equal(out.trim(), 'deployment.apps/app restarted');
    const d = await getJson(ns, ['deployment', 'app']);
    const at = d['spec'].template.metadata.annotations['kubectl.kubernetes.io/restartedAt'] as string;
    assert.ok(!Number.isNaN(Date.parse(at)), at);
    assert.equal(d['metadata'].generation, (before['metadata'].generation as number) + 1);
  });
});
