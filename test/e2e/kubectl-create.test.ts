/**
 * @module End-to-end: the real kubectl against skiff — version, discovery (api-resources, api-versions, get all,
 * cluster-info) and every `kubectl create <generator>` (protobuf request bodies), each read back as JSON.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { skiffForFile } from './harness.js';

const skiff = skiffForFile({ apiOnly: true });

type Json = Record<string, any>;

async function getJson(args: string[]): Promise<Json> {
  return JSON.parse(await skiff.kubectlOk([...args, '-o', 'json'])) as Json;
}

/** Splits kubectl's column output into rows of cells (runs of 2+ spaces separate cells). */
function table(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));
}

describe('version and discovery', () => {
  test('kubectl version reports server 1.32', async () => {
    const out = JSON.parse(await skiff.kubectlOk(['version', '-o', 'json'])) as Json;
    assert.equal(out['serverVersion'].major, '1');
    assert.equal(out['serverVersion'].minor, '32');
    assert.match(out['serverVersion'].gitVersion as string, /^v1\.32\./);
    const plain = await skiff.kubectlOk(['version']);
    assert.match(plain, /Server Version: v1\.32\./);
  });

  test('api-resources lists names, short names, groups, scope and kinds', async () => {
    const rows = table(await skiff.kubectlOk(['api-resources', '--no-headers=false']));
    assert.deepEqual(rows[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const byName = new Map<string, string[]>();
    for (const r of rows.slice(1)) {
      const key = `${r[0]}.${r.length === 5 ? r[2] : r[1]}`;
      byName.set(key, r);
    }
    const cases: Array<[string, string, string, string, string]> = [
      ['pods', 'po', 'v1', 'true', 'Pod'],
      ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
      ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
      ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
      ['nodes', 'no', 'v1', 'false', 'Node'],
      ['services', 'svc', 'v1', 'true', 'Service'],
      ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
      ['clonesets', 'clone', 'apps.kruise.io/v1alpha1', 'true', 'CloneSet'],
    ];
    for (const [name, short, gv, namespaced, kind] of cases) {
      assert.deepEqual(byName.get(`${name}.${gv}`), [name, short, gv, namespaced, kind], name);
    }
    const namesOnly = (await skiff.kubectlOk(['api-resources', '-o', 'name'])).trim().split('\n');
    for (const n of [
      'pods',
      'deployments.apps',
      'jobs.batch',
      'roles.rbac.authorization.k8s.io',
      'leases.coordination.k8s.io',
    ]) {
      assert.ok(namesOnly.includes(n), n);
    }
    const cluster = await skiff.kubectlOk(['api-resources', '--namespaced=false', '-o', 'name']);
    assert.match(cluster, /^namespaces$/m);
    assert.match(cluster, /^priorityclasses\.scheduling\.k8s\.io$/m);
    assert.doesNotMatch(cluster, /^pods$/m);
  });

  test('api-versions lists every served group version', async () => {
    const versions = (await skiff.kubectlOk(['api-versions'])).trim().split('\n');
    for (const gv of [
      'v1',
      'apps/v1',
      'batch/v1',
      'policy/v1',
      'rbac.authorization.k8s.io/v1',
      'scheduling.k8s.io/v1',
      'coordination.k8s.io/v1',
      'apps.kruise.io/v1alpha1',
    ]) {
      assert.ok(versions.includes(gv), gv);
    }
  });

  test('cluster-info names the control plane', async () => {
    const out = await skiff.kubectlOk(['cluster-info']);
    assert.ok(out.includes(`Kubernetes control plane is running at ${skiff.url}`), out);
  });

  test('get all lists the kinds in the "all" category', async () => {
    await skiff.kubectlOk(['create', 'namespace', 'all-cat']);
    await skiff.kubectlOk(['-n', 'all-cat', 'create', 'deployment', 'web', '--image=nginx', '--replicas=1']);
    await skiff.kubectlOk(['-n', 'all-cat', 'create', 'service', 'clusterip', 'web', '--tcp=80:80']);
    await skiff.kubectlOk(['-n', 'all-cat', 'run', 'solo', '--image=nginx']);
    await skiff.kubectlOk(['-n', 'all-cat', 'create', 'configmap', 'not-in-all']);
    const out = await skiff.kubectlOk(['-n', 'all-cat', 'get', 'all']);
    assert.match(out, /^pod\/solo\s/m);
    assert.match(out, /^service\/web\s/m);
    assert.match(out, /^deployment\.apps\/web\s/m);
    assert.doesNotMatch(out, /configmap/);
  });
});

describe('kubectl create generators (protobuf bodies)', () => {
  const ns = 'gen';

  before(async () => {
    const out = await skiff.kubectlOk(['create', 'namespace', ns]);
    assert.equal(out.trim(), `namespace/${ns} created`);
  });

  test('namespace', async () => {
    const o = await getJson(['get', 'namespace', ns]);
    assert.equal(o['kind'], 'Namespace');
    assert.equal(o['status'].phase, 'Active');
    assert.equal(o['metadata'].labels['kubernetes.io/metadata.name'], ns);
    assert.deepEqual(o['spec'].finalizers, ['kubernetes']);
  });

  const cases: Array<{
    name: string;
    args: string[];
    printed: string;
    get: string[];
    check: (o: Json) => void;
    /** Managers in managedFields; an empty field set is dropped, as upstream. */
    managers?: string[];
  }> = [
    {
      name: 'configmap --from-literal',
      args: ['create', 'configmap', 'cm1', '--from-literal=a=1', '--from-literal=b=two'],
      printed: 'configmap/cm1 created',
      get: ['configmap', 'cm1'],
      check: (o) => assert.deepEqual(o['data'], { a: '1', b: 'two' }),
    },
    {
      name: 'secret generic',
      args: ['create', 'secret', 'generic', 's1', '--from-literal=password=hunter2'],
      printed: 'secret/s1 created',
      get: ['secret', 's1'],
      check: (o) => {
        assert.equal(o['type'], 'Opaque');
        assert.equal(Buffer.from(o['data'].password as string, 'base64').toString(), 'hunter2');
      },
    },
    {
      name: 'deployment --image --replicas',
      args: ['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3'],
      printed: 'deployment.apps/web created',
      get: ['deployment', 'web'],
      check: (o) => {
        assert.equal(o['spec'].replicas, 3);
        assert.deepEqual(o['spec'].selector, { matchLabels: { app: 'web' } });
        assert.deepEqual(o['spec'].template.metadata.labels, { app: 'web' });
        assert.equal(o['spec'].template.spec.containers[0].image, 'nginx:1.25');
        assert.equal(o['spec'].template.spec.containers[0].name, 'nginx');
        assert.equal(o['spec'].strategy.type, 'RollingUpdate');
        assert.equal(o['spec'].revisionHistoryLimit, 10);
        assert.equal(o['metadata'].generation, 1);
      },
    },
    {
      name: 'service clusterip --tcp',
      args: ['create', 'service', 'clusterip', 'svc1', '--tcp=80:8080'],
      printed: 'service/svc1 created',
      get: ['service', 'svc1'],
      check: (o) => {
        assert.equal(o['spec'].type, 'ClusterIP');
        assert.deepEqual(o['spec'].ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
        assert.deepEqual(o['spec'].selector, { app: 'svc1' });
        assert.match(o['spec'].clusterIP as string, /^\d+\.\d+\.\d+\.\d+$/);
        assert.deepEqual(o['spec'].clusterIPs, [o['spec'].clusterIP]);
      },
    },
    {
      name: 'job',
      args: ['create', 'job', 'j1', '--image=busybox', '--', 'echo', 'hi'],
      printed: 'job.batch/j1 created',
      get: ['job', 'j1'],
      check: (o) => {
        const pod = o['spec'].template.spec;
        assert.deepEqual(pod.containers[0].command, ['echo', 'hi']);
        assert.equal(pod.restartPolicy, 'Never');
        assert.equal(o['spec'].backoffLimit, 6);
        assert.equal(o['spec'].completions, 1);
        const uid = o['metadata'].uid as string;
        assert.deepEqual(o['spec'].selector.matchLabels, { 'batch.kubernetes.io/controller-uid': uid });
        assert.equal(o['spec'].template.metadata.labels['batch.kubernetes.io/job-name'], 'j1');
      },
    },
    {
      name: 'cronjob',
      args: ['create', 'cronjob', 'cj1', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
      printed: 'cronjob.batch/cj1 created',
      get: ['cronjob', 'cj1'],
      check: (o) => {
        assert.equal(o['spec'].schedule, '*/5 * * * *');
        assert.equal(o['spec'].concurrencyPolicy, 'Allow');
        assert.equal(o['spec'].suspend, false);
        assert.equal(o['spec'].jobTemplate.spec.template.spec.restartPolicy, 'OnFailure');
        assert.deepEqual(o['spec'].jobTemplate.spec.template.spec.containers[0].command, ['date']);
      },
    },
    {
      name: 'role',
      args: ['create', 'role', 'reader', '--verb=get,list', '--resource=pods,deployments.apps'],
      printed: 'role.rbac.authorization.k8s.io/reader created',
      get: ['role', 'reader'],
      check: (o) =>
        assert.deepEqual(o['rules'], [
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
        ]),
    },
    {
      name: 'rolebinding',
      args: [
        'create',
        'rolebinding',
        'read-it',
        '--role=reader',
        '--user=alice',
        '--serviceaccount=gen:robot',
      ],
      printed: 'rolebinding.rbac.authorization.k8s.io/read-it created',
      get: ['rolebinding', 'read-it'],
      check: (o) => {
        assert.deepEqual(o['roleRef'], {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'reader',
        });
        assert.deepEqual(o['subjects'], [
          { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
          { kind: 'ServiceAccount', name: 'robot', namespace: 'gen' },
        ]);
      },
    },
    {
      name: 'clusterrole',
      args: ['create', 'clusterrole', 'gen-node-reader', '--verb=get,watch', '--resource=nodes'],
      printed: 'clusterrole.rbac.authorization.k8s.io/gen-node-reader created',
      get: ['clusterrole', 'gen-node-reader'],
      check: (o) => {
        assert.equal(o['metadata'].namespace, undefined);
        assert.deepEqual(o['rules'], [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'watch'] }]);
      },
    },
    {
      name: 'clusterrolebinding',
      args: [
        'create',
        'clusterrolebinding',
        'gen-node-readers',
        '--clusterrole=gen-node-reader',
        '--group=ops',
      ],
      printed: 'clusterrolebinding.rbac.authorization.k8s.io/gen-node-readers created',
      get: ['clusterrolebinding', 'gen-node-readers'],
      check: (o) => {
        assert.deepEqual(o['roleRef'], {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'gen-node-reader',
        });
        assert.deepEqual(o['subjects'], [
          { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ops' },
        ]);
      },
    },
    {
      name: 'priorityclass',
      args: ['create', 'priorityclass', 'gen-high', '--value=1000', '--description=important'],
      printed: 'priorityclass.scheduling.k8s.io/gen-high created',
      get: ['priorityclass', 'gen-high'],
      check: (o) => {
        assert.equal(o['value'], 1000);
        assert.equal(o['description'], 'important');
        assert.equal(o['globalDefault'] ?? false, false);
        assert.equal(o['preemptionPolicy'], 'PreemptLowerPriority');
      },
    },
    {
      name: 'pdb',
      args: ['create', 'pdb', 'web-pdb', '--selector=app=web', '--min-available=2'],
      printed: 'poddisruptionbudget.policy/web-pdb created',
      get: ['pdb', 'web-pdb'],
      check: (o) => {
        assert.equal(o['spec'].minAvailable, 2);
        assert.deepEqual(o['spec'].selector, { matchLabels: { app: 'web' } });
      },
    },
    {
      name: 'quota',
      args: ['create', 'quota', 'q1', '--hard=pods=10,cpu=4,memory=1Gi'],
      printed: 'resourcequota/q1 created',
      get: ['resourcequota', 'q1'],
      check: (o) => assert.deepEqual(o['spec'].hard, { pods: '10', cpu: '4', memory: '1Gi' }),
    },
    {
      name: 'serviceaccount',
      args: ['create', 'serviceaccount', 'robot'],
      printed: 'serviceaccount/robot created',
      get: ['serviceaccount', 'robot'],
      managers: [],
      check: (o) => {
        assert.equal(o['kind'], 'ServiceAccount');
        assert.equal(o['metadata'].name, 'robot');
      },
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const out = await skiff.kubectlOk(['-n', ns, ...c.args]);
      assert.equal(out.trim(), c.printed);
      const o = await getJson(['-n', ns, 'get', ...c.get, '--show-managed-fields']);
      assert.ok(o['metadata'].uid, 'uid assigned');
      assert.ok(o['metadata'].creationTimestamp, 'creationTimestamp assigned');
      assert.match(o['metadata'].resourceVersion as string, /^\d+$/);
      const managers = ((o['metadata'].managedFields ?? []) as Json[]).map((m) => m['manager']);
      assert.deepEqual(managers, c.managers ?? ['kubectl-create']);
      c.check(o);
    });
  }

  test('the generators send protobuf bodies', async () => {
    const r = await skiff.kubectl([
      '-n',
      ns,
      'create',
      'configmap',
      'pb-probe',
      '--from-literal=k=v',
      '-v=8',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /POST .*\/api\/v1\/namespaces\/gen\/configmaps\?fieldManager=kubectl-create/);
    assert.match(r.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
    const o = await getJson(['-n', ns, 'get', 'configmap', 'pb-probe']);
    assert.deepEqual(o['data'], { k: 'v' });
  });

  test('a second create of the same name is AlreadyExists', async () => {
    const r = await skiff.kubectl(['-n', ns, 'create', 'configmap', 'cm1', '--from-literal=a=2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /configmaps "cm1" already exists/);
    const o = await getJson(['-n', ns, 'get', 'configmap', 'cm1']);
    assert.equal(o['data'].a, '1');
  });

  test('--dry-run=server persists nothing', async () => {
    const out = await skiff.kubectlOk([
      '-n',
      ns,
      'create',
      'configmap',
      'dry',
      '--from-literal=a=1',
      '--dry-run=server',
    ]);
    assert.equal(out.trim(), 'configmap/dry created (server dry run)');
    const r = await skiff.kubectl(['-n', ns, 'get', 'configmap', 'dry']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /NotFound/);
    // A dry run collides with an existing object as a real create would.
    const taken = await skiff.kubectl(['-n', ns, 'create', 'configmap', 'cm1', '--dry-run=server']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /configmaps "cm1" already exists/);
  });
});
