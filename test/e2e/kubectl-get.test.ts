/**
 * @module End-to-end: `kubectl get` against skiff — output formats, label and field selectors, paging, all
 * namespaces, watches that see another command's change, and the upstream Table columns per kind.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { eventually, KUBECTL, type SkiffProcess, startSkiff, tempFile } from './harness.js';

let skiff: SkiffProcess;
const watches: ChildProcess[] = [];

before(async () => {
  skiff = await startSkiff({ apiOnly: true });
});

after(async () => {
  for (const w of watches) if (w.exitCode === null) w.kill('SIGKILL');
  await skiff?.cleanup();
});

type Json = Record<string, any>;

/** Splits kubectl's column output into rows of cells (runs of 2+ spaces separate cells). */
function rows(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));
}

function header(text: string): string[] {
  return rows(text)[0]!;
}

function names(text: string): string[] {
  return text.trim() === '' ? [] : text.trim().split('\n').sort();
}

interface Watch {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts a long-running kubectl (a watch) as a child process with this cluster's kubeconfig. */
function startKubectl(args: string[]): Watch {
  const child = spawn(KUBECTL, ['--kubeconfig', skiff.kubeconfig, ...args], {
    env: { ...process.env, HOME: skiff.home, KUBECONFIG: skiff.kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  watches.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function stopWatch(w: Watch): Promise<void> {
  if (w.child.exitCode === null) w.child.kill('SIGTERM');
  await w.exited;
}

describe('output formats', () => {
  const ns = 'formats';
  before(async () => {
    await skiff.kubectlOk(['create', 'namespace', ns]);
    await skiff.kubectlOk(['-n', ns, 'run', 'web', '--image=nginx:1.25', '--labels=app=web,tier=fe']);
    await skiff.kubectlOk(['-n', ns, 'run', 'db', '--image=postgres:16', '--labels=app=db,tier=be']);
  });

  test('-o json and -o yaml give the object; a list is a v1 List', async () => {
    const pod = JSON.parse(await skiff.kubectlOk(['-n', ns, 'get', 'pod', 'web', '-o', 'json'])) as Json;
    assert.equal(pod['kind'], 'Pod');
    assert.equal(pod['apiVersion'], 'v1');
    assert.equal(pod['spec'].containers[0].image, 'nginx:1.25');
    const y = parseYaml(await skiff.kubectlOk(['-n', ns, 'get', 'pod', 'web', '-o', 'yaml'])) as Json;
    assert.equal(y['metadata'].uid, pod['metadata'].uid);
    const list = JSON.parse(await skiff.kubectlOk(['-n', ns, 'get', 'pods', '-o', 'json'])) as Json;
    assert.equal(list['kind'], 'List');
    assert.deepEqual((list['items'] as Json[]).map((i) => i['metadata'].name).sort(), ['db', 'web']);
  });

  test('-o name, custom-columns and jsonpath', async () => {
    assert.deepEqual(names(await skiff.kubectlOk(['-n', ns, 'get', 'pods', '-o', 'name'])), [
      'pod/db',
      'pod/web',
    ]);
    const cc = await skiff.kubectlOk([
      '-n',
      ns,
      'get',
      'pods',
      '-o',
      'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image,TIER:.metadata.labels.tier',
      '--sort-by=.metadata.name',
    ]);
    assert.deepEqual(rows(cc), [
      ['NAME', 'IMAGE', 'TIER'],
      ['db', 'postgres:16', 'be'],
      ['web', 'nginx:1.25', 'fe'],
    ]);
    const jp = await skiff.kubectlOk([
      '-n',
      ns,
      'get',
      'pods',
      '--sort-by=.metadata.name',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.app}{"\\n"}{end}',
    ]);
    assert.equal(jp, 'db=db\nweb=web\n');
    const one = await skiff.kubectlOk([
      '-n',
      ns,
      'get',
      'pod',
      'web',
      '-o',
      'jsonpath={.spec.restartPolicy}',
    ]);
    assert.equal(one, 'Always');
  });

  test('--show-labels adds a LABELS column', async () => {
    const out = await skiff.kubectlOk(['-n', ns, 'get', 'pods', '--show-labels', '--sort-by=.metadata.name']);
    const r = rows(out);
    assert.equal(r[0]!.at(-1), 'LABELS');
    assert.equal(r[1]!.at(-1), 'app=db,tier=be');
    assert.equal(r[2]!.at(-1), 'app=web,tier=fe');
  });
});

describe('selectors, paging and all namespaces', () => {
  const ns = 'select';
  before(async () => {
    await skiff.kubectlOk(['create', 'namespace', ns]);
    const pods = [
      ['a1', 'app=api,env=prod'],
      ['a2', 'app=api,env=dev'],
      ['b1', 'app=batch,env=prod'],
      ['c1', 'app=cache'],
      ['n1', 'other=yes'],
    ];
    const docs = pods.map(
      ([name, labels]) =>
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  labels: {${labels!.replaceAll('=', ': "').replaceAll(',', '", ')}"}\n` +
        `spec:\n  containers:\n  - name: c\n    image: busybox\n` +
        (name === 'b1' ? '  nodeName: node-b\n' : ''),
    );
    await skiff.kubectlOk(['-n', ns, 'apply', '-f', tempFile('pods.yaml', docs.join('---\n'))]);
  });

  const selectorCases: Array<[string, string[]]> = [
    ['app=api', ['pod/a1', 'pod/a2']],
    ['app!=api', ['pod/b1', 'pod/c1', 'pod/n1']],
    ['app in (api,cache)', ['pod/a1', 'pod/a2', 'pod/c1']],
    ['app notin (api,cache)', ['pod/b1', 'pod/n1']],
    ['env', ['pod/a1', 'pod/a2', 'pod/b1']],
    ['!env', ['pod/c1', 'pod/n1']],
    ['app=api,env=prod', ['pod/a1']],
    ['app in (api),env notin (prod)', ['pod/a2']],
  ];
  for (const [selector, expected] of selectorCases) {
    test(`get -l '${selector}'`, async () => {
      assert.deepEqual(
        names(await skiff.kubectlOk(['-n', ns, 'get', 'pods', '-l', selector, '-o', 'name'])),
        expected,
      );
    });
  }

  test('an invalid label selector is a 400 naming it', async () => {
    const r = await skiff.kubectl(['-n', ns, 'get', 'pods', '-l', 'app in (a', '-o', 'name']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unable to parse requirement|found '', expected: ',' or '\)'/);
  });

  const fieldCases: Array<[string, string[]]> = [
    ['metadata.name=a2', ['pod/a2']],
    ['metadata.name!=a2', ['pod/a1', 'pod/b1', 'pod/c1', 'pod/n1']],
    ['status.phase=Pending', ['pod/a1', 'pod/a2', 'pod/b1', 'pod/c1', 'pod/n1']],
    ['status.phase=Running', []],
    ['spec.nodeName=node-b', ['pod/b1']],
    ['spec.nodeName=', ['pod/a1', 'pod/a2', 'pod/c1', 'pod/n1']],
    ['metadata.namespace=select,metadata.name=c1', ['pod/c1']],
  ];
  for (const [selector, expected] of fieldCases) {
    test(`get --field-selector '${selector}'`, async () => {
      const out = await skiff.kubectlOk([
        '-n',
        ns,
        'get',
        'pods',
        '--field-selector',
        selector,
        '-o',
        'name',
      ]);
      assert.deepEqual(names(out), expected);
    });
  }

  test('an unsupported field selector is refused', async () => {
    const r = await skiff.kubectl(['-n', ns, 'get', 'pods', '--field-selector', 'spec.hostname=x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /field label not supported: spec\.hostname/);
  });

  test('--chunk-size=2 pages through many objects, following continue tokens', async () => {
    await skiff.kubectlOk(['create', 'namespace', 'paging']);
    const docs = Array.from(
      { length: 11 },
      (_, i) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${String(i).padStart(2, '0')}\ndata: {i: "${i}"}\n`,
    );
    await skiff.kubectlOk(['-n', 'paging', 'apply', '-f', tempFile('cms.yaml', docs.join('---\n'))]);
    const r = await skiff.kubectl([
      '-n',
      'paging',
      'get',
      'configmaps',
      '--chunk-size=2',
      '-o',
      'name',
      '-v=6',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const expected = Array.from({ length: 11 }, (_, i) => `configmap/cm-${String(i).padStart(2, '0')}`);
    assert.deepEqual(names(r.stdout), expected);
    const requests = r.stderr.split('\n').filter((l) => /GET .*\/configmaps\?.*limit=2/.test(l));
    assert.ok(requests.length >= 6, `expected at least 6 pages, saw ${requests.length}:\n${r.stderr}`);
    assert.ok(requests.slice(1).every((l) => /continue=/.test(l)));
    // Table output pages the same way.
    const table = await skiff.kubectlOk(['-n', 'paging', 'get', 'configmaps', '--chunk-size=3']);
    for (const n of expected) assert.match(table, new RegExp(`^${n.slice('configmap/'.length)}\\s`, 'm'));
  });

  test('get -A lists every namespace with a NAMESPACE column', async () => {
    await skiff.kubectlOk(['create', 'namespace', 'select-2']);
    await skiff.kubectlOk(['-n', 'select-2', 'run', 'a1', '--image=busybox', '--labels=app=api']);
    const out = await skiff.kubectlOk(['get', 'pods', '-A', '-l', 'app=api']);
    const r = rows(out);
    assert.deepEqual(r[0], ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const pairs = r.slice(1).map((x) => `${x[0]}/${x[1]}`);
    assert.deepEqual(pairs.sort(), ['select-2/a1', 'select/a1', 'select/a2']);
    const json = JSON.parse(
      await skiff.kubectlOk(['get', 'pods', '--all-namespaces', '-l', 'app=api', '-o', 'json']),
    ) as Json;
    assert.equal((json['items'] as Json[]).length, 3);
  });
});

describe('watch', () => {
  const ns = 'watching';
  before(async () => {
    await skiff.kubectlOk(['create', 'namespace', ns]);
    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'first', '--from-literal=v=1']);
  });

  test('get -w sees objects created and changed by other commands', async () => {
    const w = startKubectl(['-n', ns, 'get', 'configmaps', '-w']);
    await eventually(async () => /^first\s+1\s/m.test(w.output()), 15_000);
    await skiff.kubectlOk([
      '-n',
      ns,
      'create',
      'configmap',
      'second',
      '--from-literal=a=1',
      '--from-literal=b=2',
    ]);
    await eventually(async () => /^second\s+2\s/m.test(w.output()), 15_000);
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'configmap',
      'first',
      '--type',
      'merge',
      '-p',
      '{"data":{"w":"x"}}',
    ]);
    await eventually(async () => /^first\s+2\s/m.test(w.output()), 15_000);
    assert.equal(w.child.exitCode, null, 'the watch is still running');
    await stopWatch(w);
    assert.deepEqual(header(w.output()), ['NAME', 'DATA', 'AGE']);
  });

  test('get <kind> <name> -w starts with the object and sees its change', async () => {
    const w = startKubectl([
      '-n',
      ns,
      'get',
      'configmap',
      'first',
      '-w',
      '-o',
      'jsonpath={.metadata.name}:{.data.n}{"\\n"}',
    ]);
    await eventually(async () => w.output().startsWith('first:'), 15_000);
    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'unrelated']);
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'configmap',
      'first',
      '--type',
      'merge',
      '-p',
      '{"data":{"n":"42"}}',
    ]);
    await eventually(async () => w.output().includes('first:42\n'), 15_000);
    await stopWatch(w);
    assert.doesNotMatch(w.output(), /unrelated/);
  });

  test('get -w -o json streams full objects, deletions included', async () => {
    const w = startKubectl(['-n', ns, 'get', 'configmaps', '-w', '-o', 'json', '--output-watch-events']);
    const events = (): Array<[string, string]> =>
      w
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Json)
        .map((e) => [e['type'] as string, e['object'].metadata.name as string]);
    await eventually(async () => events().some(([, n]) => n === 'first'), 15_000);
    await skiff.kubectlOk(['-n', ns, 'create', 'configmap', 'doomed']);
    await skiff.kubectlOk(['-n', ns, 'delete', 'configmap', 'doomed']);
    await eventually(async () => events().some(([t]) => t === 'DELETED'), 15_000);
    await stopWatch(w);
    const doomed = events().filter(([, n]) => n === 'doomed');
    assert.deepEqual(doomed, [
      ['ADDED', 'doomed'],
      ['DELETED', 'doomed'],
    ]);
  });
});

describe('table columns as upstream', () => {
  const ns = 'tables';
  before(async () => {
    await skiff.kubectlOk(['create', 'namespace', ns]);
  });

  test('pods (and -o wide)', async () => {
    await skiff.kubectlOk(['-n', ns, 'run', 'p', '--image=nginx']);
    const out = await skiff.kubectlOk(['-n', ns, 'get', 'pods']);
    assert.deepEqual(rows(out), [
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['p', '0/1', 'Pending', '0', rows(out)[1]![4]!],
    ]);
    assert.match(rows(out)[1]![4]!, /^\d+s$/);
    const wide = rows(await skiff.kubectlOk(['-n', ns, 'get', 'pods', '-o', 'wide']));
    assert.deepEqual(wide[0], [
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    assert.deepEqual(wide[1]!.slice(5), ['<none>', '<none>', '<none>', '<none>']);
  });

  test('a running pod on a node shows READY, STATUS, RESTARTS, IP and NODE from its status', async () => {
    const manifest =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: placed\nspec:\n  nodeName: node-x\n' +
      '  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: busybox}\n';
    await skiff.kubectlOk(['-n', ns, 'apply', '-f', tempFile('placed.yaml', manifest)]);
    const started = '2024-01-01T00:00:00Z';
    const status = {
      status: {
        phase: 'Running',
        podIP: '10.244.0.7',
        hostIP: '192.168.0.10',
        containerStatuses: [
          {
            name: 'a',
            ready: true,
            restartCount: 3,
            image: 'nginx',
            imageID: '',
            started: true,
            state: { running: { startedAt: started } },
          },
          {
            name: 'b',
            ready: false,
            restartCount: 0,
            image: 'busybox',
            imageID: '',
            started: true,
            state: { running: { startedAt: started } },
          },
        ],
      },
    };
    await skiff.kubectlOk([
      '-n',
      ns,
      'patch',
      'pod',
      'placed',
      '--subresource=status',
      '--type',
      'merge',
      '-p',
      JSON.stringify(status),
    ]);
    const wide = rows(await skiff.kubectlOk(['-n', ns, 'get', 'pod', 'placed', '-o', 'wide']));
    assert.deepEqual(wide[1]!.slice(0, 4), ['placed', '1/2', 'Running', '3']);
    assert.deepEqual(wide[1]!.slice(5), ['10.244.0.7', 'node-x', '<none>', '<none>']);
    const pod = JSON.parse(await skiff.kubectlOk(['-n', ns, 'get', 'pod', 'placed', '-o', 'json'])) as Json;
    assert.deepEqual(pod['status'].podIPs, [{ ip: '10.244.0.7' }]);
    assert.deepEqual(pod['status'].hostIPs, [{ ip: '192.168.0.10' }]);
    const byIP = await skiff.kubectlOk([
      'get',
      'pods',
      '-A',
      '--field-selector',
      'status.podIP=10.244.0.7',
      '-o',
      'name',
    ]);
    assert.equal(byIP.trim(), 'pod/placed');
  });

  test('deployments', async () => {
    await skiff.kubectlOk(['-n', ns, 'create', 'deployment', 'd', '--image=nginx', '--replicas=3']);
    const r = rows(await skiff.kubectlOk(['-n', ns, 'get', 'deployments']));
    assert.deepEqual(r[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    assert.deepEqual(r[1]!.slice(0, 4), ['d', '0/3', '0', '0']);
    const wide = rows(await skiff.kubectlOk(['-n', ns, 'get', 'deployments', '-o', 'wide']));
    assert.deepEqual(wide[0]!.slice(5), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(wide[1]!.slice(5), ['nginx', 'nginx', 'app=d']);
  });

  test('services', async () => {
    await skiff.kubectlOk([
      '-n',
      ns,
      'create',
      'service',
      'clusterip',
      's',
      '--tcp=80:8080',
      '--tcp=443:8443',
    ]);
    await skiff.kubectlOk(['-n', ns, 'create', 'service', 'clusterip', 'headless', '--clusterip=None']);
    const r = rows(await skiff.kubectlOk(['-n', ns, 'get', 'services', '--sort-by=.metadata.name']));
    assert.deepEqual(r[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.deepEqual(r[1]!.slice(0, 5), ['headless', 'ClusterIP', 'None', '<none>', '<none>']);
    assert.equal(r[2]![0], 's');
    assert.equal(r[2]![1], 'ClusterIP');
    assert.match(r[2]![2]!, /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual(r[2]!.slice(3, 5), ['<none>', '80/TCP,443/TCP']);
  });

  test('namespaces', async () => {
    const r = rows(await skiff.kubectlOk(['get', 'namespaces']));
    assert.deepEqual(r[0], ['NAME', 'STATUS', 'AGE']);
    const names = r.slice(1).map((x) => x[0]);
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ns])
      assert.ok(names.includes(n), n);
    assert.ok(r.slice(1).every((x) => x[1] === 'Active'));
  });

  test('configmaps', async () => {
    await skiff.kubectlOk([
      '-n',
      ns,
      'create',
      'configmap',
      'three',
      '--from-literal=a=1',
      '--from-literal=b=2',
      '--from-literal=c=3',
    ]);
    const r = rows(await skiff.kubectlOk(['-n', ns, 'get', 'configmap', 'three']));
    assert.deepEqual(r[0], ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(r[1]!.slice(0, 2), ['three', '3']);
  });

  test('nodes created with kubectl apply', async () => {
    const nodes = [
      {
        name: 'tbl-cp',
        labels: '{node-role.kubernetes.io/control-plane: ""}',
        ready: 'True',
        version: 'v1.32.1',
      },
      {
        name: 'tbl-worker',
        labels: '{kubernetes.io/hostname: tbl-worker}',
        ready: 'False',
        version: 'v1.31.4',
      },
    ];
    const docs = nodes.map(
      (n) =>
        `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${n.name}\n  labels: ${n.labels}\n` +
        `status:\n  nodeInfo: {kubeletVersion: ${n.version}}\n  conditions:\n  - {type: Ready, status: "${n.ready}"}\n`,
    );
    const applied = await skiff.kubectlOk(['apply', '-f', tempFile('nodes.yaml', docs.join('---\n'))]);
    assert.equal(applied.trim(), 'node/tbl-cp created\nnode/tbl-worker created');
    const r = rows(await skiff.kubectlOk(['get', 'nodes', 'tbl-cp', 'tbl-worker']));
    assert.deepEqual(r[0], ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    assert.deepEqual(
      [r[1]![0], r[1]![1], r[1]![2], r[1]![4]],
      ['tbl-cp', 'Ready', 'control-plane', 'v1.32.1'],
    );
    assert.deepEqual(
      [r[2]![0], r[2]![1], r[2]![2], r[2]![4]],
      ['tbl-worker', 'NotReady', '<none>', 'v1.31.4'],
    );
    const byShort = await skiff.kubectlOk(['get', 'no', 'tbl-cp', '-o', 'name']);
    assert.equal(byShort.trim(), 'node/tbl-cp');
  });
});
