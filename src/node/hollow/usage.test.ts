import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import { cpuSeconds, parseUsage, podUsage, resourceMetricsText } from './usage.js';

const START = Date.parse('2025-03-01T10:00:00Z');

function pod(annotations: Record<string, string>, containers: api.Container[], running: string[]): Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', annotations },
    spec: { containers },
    status: {
      phase: 'Running',
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: '',
        imageID: '',
        ready: true,
        restartCount: 0,
        state: running.includes(c.name)
          ? { running: { startedAt: '2025-03-01T10:00:00Z' } }
          : { waiting: {} },
      })),
    },
  };
}

const TWO: api.Container[] = [
  { name: 'a', resources: { requests: { cpu: '200m', memory: '100Mi' } } },
  { name: 'b', resources: { requests: { cpu: '1', memory: '1Gi' } } },
];

describe('podUsage', () => {
  const CASES: Array<{
    name: string;
    annotations: Record<string, string>;
    defaults: { cpu: string; memory: string };
    running: string[];
    cpu: number[];
    memory: number[];
  }> = [
    {
      name: 'defaults as a share of requests',
      annotations: {},
      defaults: { cpu: '50%', memory: '50%' },
      running: ['a', 'b'],
      cpu: [100, 500],
      memory: [50 * 2 ** 20, 512 * 2 ** 20],
    },
    {
      name: 'absolute annotations are split over the running containers',
      annotations: { 'skiff.dev/usage-cpu': '3', 'skiff.dev/usage-memory': '2Gi' },
      defaults: { cpu: '50%', memory: '50%' },
      running: ['a', 'b'],
      cpu: [1500, 1500],
      memory: [2 ** 30, 2 ** 30],
    },
    {
      name: 'percentage annotations over the requests',
      annotations: { 'skiff.dev/usage-cpu': '100%' },
      defaults: { cpu: '0', memory: '10Mi' },
      running: ['a', 'b'],
      cpu: [200, 1000],
      memory: [5 * 2 ** 20, 5 * 2 ** 20],
    },
    {
      name: 'only running containers count',
      annotations: {},
      defaults: { cpu: '100%', memory: '0' },
      running: ['b'],
      cpu: [1000],
      memory: [0],
    },
    {
      name: 'a bad annotation falls back to the default',
      annotations: { 'skiff.dev/usage-cpu': 'lots' },
      defaults: { cpu: '10m', memory: '0' },
      running: ['a'],
      cpu: [10],
      memory: [0],
    },
  ];
  for (const tc of CASES) {
    it(tc.name, () => {
      const u = podUsage(pod(tc.annotations, TWO, tc.running), tc.defaults)!;
      assert.deepEqual(
        u.containers.map((c) => c.cpuMilli),
        tc.cpu,
      );
      assert.deepEqual(
        u.containers.map((c) => c.memoryBytes),
        tc.memory,
      );
      assert.equal(
        u.cpuMilli,
        tc.cpu.reduce((a, b) => a + b, 0),
      );
      assert.equal(u.containers[0]!.startedAt, START);
    });
  }

  it('is undefined when nothing runs', () => {
    assert.equal(podUsage(pod({}, TWO, []), { cpu: '50%', memory: '50%' }), undefined);
  });

  const PARSE: Array<[string, 'milli' | 'value', unknown]> = [
    ['50%', 'milli', { share: 0.5 }],
    ['12.5%', 'value', { share: 0.125 }],
    ['250m', 'milli', { absolute: 250 }],
    ['1Ki', 'value', { absolute: 1024 }],
    ['half', 'milli', undefined],
  ];
  for (const [text, unit, want] of PARSE) {
    it(`parses ${text}`, () => assert.deepEqual(parseUsage(text, unit), want));
  }
});

describe('resourceMetricsText', () => {
  it('renders the kubelet resource metrics of a node', () => {
    const u = podUsage(pod({}, TWO, ['a']), { cpu: '500m', memory: '1Mi' })!;
    const now = START + 10_000;
    const text = resourceMetricsText({ node: 'n', pods: [u], pastCpuSeconds: 2 }, now);
    const lines = text.split('\n');
    assert.ok(
      lines.includes(`container_cpu_usage_seconds_total{container="a",namespace="ns",pod="p"} 5 ${now}`),
    );
    assert.ok(
      lines.includes(
        `container_memory_working_set_bytes{container="a",namespace="ns",pod="p"} 1048576 ${now}`,
      ),
    );
    assert.ok(
      lines.includes(
        `container_start_time_seconds{container="a",namespace="ns",pod="p"} ${START / 1000} ${now}`,
      ),
    );
    assert.ok(lines.includes(`node_cpu_usage_seconds_total 7 ${now}`));
    assert.ok(lines.includes(`node_memory_working_set_bytes 1048576 ${now}`));
    assert.ok(lines.includes(`pod_cpu_usage_seconds_total{namespace="ns",pod="p"} 5 ${now}`));
    assert.ok(lines.includes('# TYPE node_cpu_usage_seconds_total counter'));
    assert.ok(lines.includes('scrape_error 0'));
    assert.equal(cpuSeconds(250, START, START - 1000), 0);
  });
});
