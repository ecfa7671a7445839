import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitPod, type AdmitResult } from './admission.js';
import { testPod } from './testing.js';

const podWith = (name: string, requests: Record<string, string>, init?: Record<string, string>) =>
  testPod(name, {
    containers: [{ name: 'c', image: 'i', resources: { requests } }],
    ...(init ? { initContainers: [{ name: 'i', image: 'i', resources: { requests: init } }] } : {}),
  });

describe('admitPod', () => {
  const alloc = { cpu: '2', memory: '4Gi', pods: '3', 'ephemeral-storage': '10Gi', 'nvidia.com/gpu': '1' };
  const cases: Array<{
    name: string;
    pod: ReturnType<typeof testPod>;
    admitted: ReturnType<typeof testPod>[];
    want: AdmitResult;
  }> = [
    { name: 'fits', pod: podWith('a', { cpu: '1', memory: '1Gi' }), admitted: [], want: { admit: true } },
    {
      name: 'cpu over what is left',
      pod: podWith('a', { cpu: '1500m' }),
      admitted: [podWith('b', { cpu: '1' })],
      want: {
        admit: false,
        reason: 'OutOfcpu',
        message: "Node didn't have enough resource: cpu, requested: 1500, used: 1000, capacity: 2000",
      },
    },
    {
      name: 'memory',
      pod: podWith('a', { memory: '5Gi' }),
      admitted: [],
      want: {
        admit: false,
        reason: 'OutOfmemory',
        message: `Node didn't have enough resource: memory, requested: ${5 * 2 ** 30}, used: 0, capacity: ${4 * 2 ** 30}`,
      },
    },
    {
      name: 'pods count comes first',
      pod: podWith('a', { cpu: '100' }),
      admitted: [podWith('b', {}), podWith('c', {}), podWith('d', {})],
      want: {
        admit: false,
        reason: 'OutOfpods',
        message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
      },
    },
    {
      name: 'init containers count by their max',
      pod: podWith('a', { cpu: '500m' }, { cpu: '3' }),
      admitted: [],
      want: {
        admit: false,
        reason: 'OutOfcpu',
        message: "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000",
      },
    },
    {
      name: 'extended resources',
      pod: podWith('a', { 'nvidia.com/gpu': '2' }),
      admitted: [],
      want: {
        admit: false,
        reason: 'OutOfnvidia.com/gpu',
        message: "Node didn't have enough resource: nvidia.com/gpu, requested: 2, used: 0, capacity: 1",
      },
    },
    {
      name: 'GPU share names the node does not list are the scheduler business',
      pod: podWith('a', { 'koordinator.sh/gpu-memory-ratio': '50' }),
      admitted: [],
      want: { admit: true },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(admitPod(c.pod, c.admitted, alloc), c.want));
});
