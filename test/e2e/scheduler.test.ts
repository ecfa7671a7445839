/**
 * @module End-to-end: the in-process scheduler of `skiff server` binds pods created with kubectl where
 * upstream would put them. Node objects are created with kubectl (no agent): each case labels its own
 * nodes `e2e-case=<name>` and its pods select them, so the cases do not see each other's nodes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, markNodeReady, REPO_ROOT, type SkiffProcess, startSkiff, tempFile } from './harness.js';

let skiff: SkiffProcess;

before(async () => {
  skiff = await startSkiff();
});

after(async () => {
  await skiff?.cleanup();
});

type Json = Record<string, any>;

interface NodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: string }>;
  extra?: Record<string, string | number>;
}

async function apply(objs: Json[]): Promise<void> {
  await skiff.kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }),
  });
}

/** Creates nodes with kubectl, then sets their capacity through the status subresource. */
async function nodes(caseName: string, specs: NodeSpec[]): Promise<void> {
  await apply(
    specs.map((n) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: n.name,
        labels: { 'kubernetes.io/hostname': n.name, 'e2e-case': caseName, ...n.labels },
      },
      spec: n.taints ? { taints: n.taints } : {},
    })),
  );
  for (const n of specs) {
    await markNodeReady(skiff, n.name, {
      cpu: n.cpu ?? '4',
      memory: n.memory ?? '8Gi',
      pods: '110',
      ...n.extra,
    });
  }
}

function pod(caseName: string, name: string, spec: Json = {}, meta: Json = {}): Json {
  const rest: Json = { ...spec };
  const resources = rest['resources'] as Json | undefined;
  delete rest['resources'];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { 'e2e-case': caseName }, ...meta },
    spec: {
      nodeSelector: { 'e2e-case': caseName, ...((rest['nodeSelector'] as Json | undefined) ?? {}) },
      containers: [{ name: 'c', image: 'registry.example/app:1', ...(resources ? { resources } : {}) }],
      ...Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'nodeSelector')),
    },
  };
}

async function getPod(name: string): Promise<Json> {
  return JSON.parse(await skiff.kubectlOk(['get', 'pod', name, '-o', 'json'])) as Json;
}

async function boundNode(name: string, timeoutMs = 20_000): Promise<string> {
  return eventually(
    async () => ((await getPod(name))['spec']['nodeName'] as string | undefined) || undefined,
    timeoutMs,
  );
}

describe('scheduler', () => {
  test('resources: the pod goes to the node with room', async () => {
    await nodes('res', [
      { name: 'res-small', cpu: '1' },
      { name: 'res-big', cpu: '8' },
    ]);
    await apply([pod('res', 'res-pod', { resources: { requests: { cpu: '2', memory: '1Gi' } } })]);
    assert.equal(await boundNode('res-pod'), 'res-big');
  });

  test('nodeSelector and required node affinity', async () => {
    await nodes('sel', [
      { name: 'sel-hdd', labels: { disk: 'hdd', 'topology.kubernetes.io/zone': 'z1' } },
      { name: 'sel-ssd', labels: { disk: 'ssd', 'topology.kubernetes.io/zone': 'z2' } },
    ]);
    await apply([
      pod('sel', 'sel-by-selector', { nodeSelector: { disk: 'ssd' } }),
      pod('sel', 'sel-by-affinity', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z1'] }],
                },
              ],
            },
          },
        },
      }),
    ]);
    assert.equal(await boundNode('sel-by-selector'), 'sel-ssd');
    assert.equal(await boundNode('sel-by-affinity'), 'sel-hdd');
  });

  test('pod affinity and anti-affinity', async () => {
    await nodes('aff', [{ name: 'aff-1' }, { name: 'aff-2' }, { name: 'aff-3' }]);
    await apply([pod('aff', 'aff-db', {}, { labels: { 'e2e-case': 'aff', app: 'db' } })]);
    const dbNode = await boundNode('aff-db');
    const term = (app: string): Json => ({
      labelSelector: { matchLabels: { app } },
      topologyKey: 'kubernetes.io/hostname',
    });
    await apply([
      pod('aff', 'aff-near-db', {
        affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } },
      }),
    ]);
    assert.equal(await boundNode('aff-near-db'), dbNode);
    const web = (i: number): Json =>
      pod(
        'aff',
        `aff-web-${i}`,
        { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web')] } } },
        { labels: { 'e2e-case': 'aff', app: 'web' } },
      );
    for (let i = 0; i < 3; i++) {
      await apply([web(i)]);
      await boundNode(`aff-web-${i}`);
    }
    const placed = await Promise.all([0, 1, 2].map((i) => boundNode(`aff-web-${i}`)));
    assert.equal(new Set(placed).size, 3, `web pods spread over three nodes: ${placed.join(', ')}`);
    await apply([web(3)]);
    await eventually(async () => {
      const p = await getPod('aff-web-3');
      const c = (p['status']?.['conditions'] ?? []).find((x: Json) => x['type'] === 'PodScheduled');
      return c?.['reason'] === 'Unschedulable' && /didn't match pod anti-affinity rules/.test(c['message']);
    }, 20_000);
  });

  test('taints and tolerations', async () => {
    await nodes('taint', [
      {
        name: 'taint-master',
        cpu: '16',
        taints: [{ key: 'node-role', value: 'master', effect: 'NoSchedule' }],
      },
      { name: 'taint-worker', cpu: '2' },
    ]);
    await apply([
      pod('taint', 'taint-plain'),
      pod('taint', 'taint-tolerant', {
        nodeSelector: { 'kubernetes.io/hostname': 'taint-master' },
        tolerations: [{ key: 'node-role', operator: 'Equal', value: 'master', effect: 'NoSchedule' }],
      }),
    ]);
    assert.equal(await boundNode('taint-plain'), 'taint-worker');
    assert.equal(await boundNode('taint-tolerant'), 'taint-master');
  });

  test('topology spread across zones', async () => {
    await nodes('spread', [
      { name: 'spread-a1', labels: { 'topology.kubernetes.io/zone': 'a' } },
      { name: 'spread-a2', labels: { 'topology.kubernetes.io/zone': 'a' } },
      { name: 'spread-b1', labels: { 'topology.kubernetes.io/zone': 'b' } },
    ]);
    const zoneOf: Record<string, string> = { 'spread-a1': 'a', 'spread-a2': 'a', 'spread-b1': 'b' };
    const zones: string[] = [];
    for (let i = 0; i < 4; i++) {
      await apply([
        pod(
          'spread',
          `spread-${i}`,
          {
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'topology.kubernetes.io/zone',
                whenUnsatisfiable: 'DoNotSchedule',
                labelSelector: { matchLabels: { app: 'spread' } },
              },
            ],
          },
          { labels: { 'e2e-case': 'spread', app: 'spread' } },
        ),
      ]);
      zones.push(zoneOf[await boundNode(`spread-${i}`)]!);
    }
    assert.deepEqual(
      [zones.filter((z) => z === 'a').length, zones.filter((z) => z === 'b').length],
      [2, 2],
      `zones: ${zones.join(', ')}`,
    );
  });

  test('priority preemption: the victim is evicted and the preemptor binds there', async () => {
    await apply([
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'e2e-low' }, value: 10 },
      {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'e2e-high' },
        value: 1000,
      },
    ]);
    await nodes('preempt', [{ name: 'preempt-1', cpu: '2' }]);
    await apply([
      pod('preempt', 'preempt-victim', {
        priorityClassName: 'e2e-low',
        resources: { requests: { cpu: '1500m' } },
      }),
    ]);
    assert.equal(await boundNode('preempt-victim'), 'preempt-1');
    await apply([
      pod('preempt', 'preempt-high', {
        priorityClassName: 'e2e-high',
        resources: { requests: { cpu: '1' } },
      }),
    ]);
    const victim = await eventually(async () => {
      const p = await getPod('preempt-victim');
      return p['metadata']['deletionTimestamp'] ? p : undefined;
    }, 20_000);
    assert.ok(victim['metadata']['deletionTimestamp']);
    const nominated = await eventually(
      async () => (await getPod('preempt-high'))['status']?.['nominatedNodeName'] as string | undefined,
    );
    assert.equal(nominated, 'preempt-1');
    // No kubelet finishes the graceful deletion: do it as one would.
    await skiff.kubectlOk(['delete', 'pod', 'preempt-victim', '--grace-period=0', '--force']);
    assert.equal(await boundNode('preempt-high', 30_000), 'preempt-1');
  });

  test('GPU share: a quarter of a GPU, recorded in the device-allocated annotation', async () => {
    await nodes('gpu', [
      {
        name: 'gpu-1',
        extra: {
          'nvidia.com/gpu': '2',
          'koordinator.sh/gpu-memory': '32Gi',
          'koordinator.sh/gpu-core': '200',
        },
      },
    ]);
    const share = { 'koordinator.sh/gpu-memory-ratio': '25', 'koordinator.sh/gpu-core': '25' };
    await apply([pod('gpu', 'gpu-quarter', { resources: { requests: share, limits: share } })]);
    const bound = await boundNode('gpu-quarter').catch(async (e: unknown) => {
      throw new Error(`${String(e)}\n${await skiff.kubectlOk(['describe', 'pod', 'gpu-quarter'])}`);
    });
    assert.equal(bound, 'gpu-1');
    const p = await getPod('gpu-quarter');
    const annotation = p['metadata']['annotations']?.['scheduling.koordinator.sh/device-allocated'] as string;
    assert.ok(annotation, 'device-allocated annotation present');
    const doc = JSON.parse(annotation) as {
      gpu: Array<{ minor: number; resources: Record<string, string> }>;
    };
    assert.equal(doc.gpu.length, 1);
    assert.equal(doc.gpu[0]!.resources['koordinator.sh/gpu-core'], '25');
  });

  test('kubectl describe shows FailedScheduling for an impossible pod', async () => {
    await nodes('fail', [{ name: 'fail-1', cpu: '1' }]);
    await apply([pod('fail', 'fail-huge', { resources: { requests: { cpu: '64' } } })]);
    const described = await eventually(async () => {
      const out = await skiff.kubectlOk(['describe', 'pod', 'fail-huge']);
      return /FailedScheduling/.test(out) ? out : undefined;
    }, 20_000);
    assert.match(
      described,
      /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/\d+ nodes are available:.*1 Insufficient cpu/,
    );
    assert.match(described, /PodScheduled\s+False/);
    const p = await getPod('fail-huge');
    const c = (p['status']['conditions'] as Json[]).find((x) => x['type'] === 'PodScheduled')!;
    assert.equal(c['reason'], 'Unschedulable');
  });

  test('the in-process scheduler holds the kube-system/kube-scheduler Lease', async () => {
    const lease = await eventually(async () => {
      const l = JSON.parse(
        await skiff.kubectlOk(['get', 'lease', 'kube-scheduler', '-n', 'kube-system', '-o', 'json']),
      ) as Json;
      return l['spec']?.['holderIdentity'] ? l : undefined;
    });
    assert.ok((lease['spec']['leaseDurationSeconds'] as number) > 0);
  });

  test('skiff scheduler --kubeconfig --config runs a second scheduler for its own profile', async () => {
    const config = tempFile(
      'scheduler.yaml',
      [
        'apiVersion: kubescheduler.config.k8s.io/v1',
        'kind: KubeSchedulerConfiguration',
        'profiles:',
        '  - schedulerName: second-scheduler',
        '',
      ].join('\n'),
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'src/cli/main.ts'),
        'scheduler',
        '--kubeconfig',
        skiff.kubeconfig,
        '--config',
        config,
        '--leader-elect=false',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, SKIFF_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await nodes('second', [{ name: 'second-1' }]);
      await apply([pod('second', 'second-pod', { schedulerName: 'second-scheduler' })]);
      assert.equal(
        await boundNode('second-pod', 30_000).catch((e: unknown) => {
          throw new Error(`${String(e)}\nscheduler output:\n${out}`);
        }),
        'second-1',
      );
      const events = await skiff.kubectlOk([
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=second-pod',
        '-o',
        'json',
      ]);
      const scheduled = (JSON.parse(events) as Json)['items'].find((e: Json) => e['reason'] === 'Scheduled');
      assert.equal(scheduled?.['source']?.['component'], 'second-scheduler');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, out);
  });
});
