import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPU_SHARE_RESOURCES } from './plugins/device-share/gpu-devices.js';
import {
  ConfigError,
  DEFAULT_SCHEDULER_NAME,
  defaultPlugins,
  mergePluginSet,
  parseConfiguration,
} from './config.js';

test('defaults: one default-scheduler profile with the v1 plugin set', () => {
  const cfg = parseConfiguration(
    'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n',
  );
  assert.equal(cfg.profiles.length, 1);
  assert.equal(cfg.profiles[0]!.schedulerName, DEFAULT_SCHEDULER_NAME);
  assert.deepEqual(cfg.profiles[0]!.plugins.multiPoint!.enabled, defaultPlugins().multiPoint!.enabled);
  assert.equal(cfg.percentageOfNodesToScore, 0);
  assert.equal(cfg.podInitialBackoffSeconds, 1);
  assert.equal(cfg.podMaxBackoffSeconds, 10);
  assert.equal(cfg.leaderElection.resourceName, 'kube-scheduler');
  assert.equal(cfg.leaderElection.resourceNamespace, 'kube-system');
  const weights = Object.fromEntries(
    defaultPlugins().multiPoint!.enabled!.map((p) => [p.name, p.weight ?? 0]),
  );
  assert.deepEqual(
    [
      weights['TaintToleration'],
      weights['NodeAffinity'],
      weights['PodTopologySpread'],
      weights['InterPodAffinity'],
    ],
    [3, 2, 2, 2],
  );
  assert.deepEqual(
    [weights['NodeResourcesFit'], weights['NodeResourcesBalancedAllocation'], weights['ImageLocality']],
    [1, 1, 1],
  );
});

test('profiles: enabled/disabled/weights/pluginConfig/percentage', () => {
  const cfg = parseConfiguration(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
  - schedulerName: default-scheduler
  - schedulerName: bin-packer
    percentageOfNodesToScore: 100
    plugins:
      multiPoint:
        enabled:
          - name: NodeResourcesFit
            weight: 5
        disabled:
          - name: NodeResourcesBalancedAllocation
      score:
        disabled:
          - name: TaintToleration
    pluginConfig:
      - name: NodeResourcesFit
        args:
          apiVersion: kubescheduler.config.k8s.io/v1
          kind: NodeResourcesFitArgs
          scoringStrategy:
            type: MostAllocated
`);
  assert.equal(cfg.percentageOfNodesToScore, 30);
  assert.deepEqual(
    cfg.profiles.map((p) => p.schedulerName),
    ['default-scheduler', 'bin-packer'],
  );
  const bp = cfg.profiles[1]!;
  assert.equal(bp.percentageOfNodesToScore, 100);
  const mp = bp.plugins.multiPoint!.enabled!;
  assert.equal(mp.find((p) => p.name === 'NodeResourcesFit')!.weight, 5);
  assert.equal(
    mp.findIndex((p) => p.name === 'NodeResourcesFit'),
    7,
    'replaced in place',
  );
  assert.equal(
    mp.find((p) => p.name === 'NodeResourcesBalancedAllocation'),
    undefined,
  );
  assert.deepEqual(bp.plugins.score!.disabled, [{ name: 'TaintToleration' }]);
  assert.deepEqual(bp.pluginConfig, [
    { name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } },
  ]);
});

test('with DeviceShare enabled, NodeResourcesFit ignores the shared-GPU resources unless told otherwise', () => {
  const head = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';
  const cases: Array<[string, string, string[] | undefined]> = [
    ['defaults', head, [...GPU_SHARE_RESOURCES]],
    [
      'explicit ignoredResources kept',
      `${head}profiles:\n  - pluginConfig:\n      - name: NodeResourcesFit\n        args:\n          ignoredResources: [example.com/foo]\n`,
      ['example.com/foo'],
    ],
    [
      'DeviceShare disabled',
      `${head}profiles:\n  - plugins:\n      multiPoint:\n        disabled:\n          - name: DeviceShare\n`,
      undefined,
    ],
  ];
  for (const [name, text, want] of cases) {
    const p = parseConfiguration(text).profiles[0]!;
    const fit = p.pluginConfig.find((c) => c.name === 'NodeResourcesFit');
    assert.deepEqual(fit?.args?.['ignoredResources'], want, name);
  }
});

test('mergePluginSet: * disables every default', () => {
  const merged = mergePluginSet(
    { enabled: [{ name: 'A' }, { name: 'B' }] },
    { enabled: [{ name: 'C' }], disabled: [{ name: '*' }] },
  );
  assert.deepEqual(merged.enabled, [{ name: 'C' }]);
});

test('invalid configurations', () => {
  const head = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';
  const cases: Array<[string, string, RegExp]> = [
    [
      'wrong apiVersion',
      'apiVersion: v1\nkind: KubeSchedulerConfiguration\n',
      /apiVersion: Unsupported value/,
    ],
    ['wrong kind', 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: Pod\n', /kind: Unsupported value/],
    ['bad yaml', 'a: [', /not valid YAML/],
    ['percentage out of range', `${head}percentageOfNodesToScore: 120\n`, /not in valid range \[0-100\]/],
    [
      'duplicate scheduler names',
      `${head}profiles:\n  - schedulerName: a\n  - schedulerName: a\n`,
      /profiles\[1\]\.schedulerName: Duplicate value: "a"/,
    ],
    [
      'missing name with two profiles',
      `${head}profiles:\n  - schedulerName: a\n  - {}\n`,
      /profiles\[1\]\.schedulerName: Required value/,
    ],
    [
      'unknown extension point',
      `${head}profiles:\n  - plugins:\n      sorting: {}\n`,
      /unknown extension point/,
    ],
    [
      'max backoff below initial',
      `${head}podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n`,
      /podMaxBackoffSeconds/,
    ],
    [
      'negative weight',
      `${head}profiles:\n  - plugins:\n      score:\n        enabled:\n          - name: X\n            weight: -1\n`,
      /weight: Invalid value: -1/,
    ],
  ];
  for (const [name, text, err] of cases) {
    assert.throws(
      () => parseConfiguration(text),
      (e: unknown) => e instanceof ConfigError && err.test(e.message),
      name,
    );
  }
});
