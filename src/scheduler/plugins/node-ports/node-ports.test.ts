import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import type { Pod } from '../../framework/types.js';
import { makeNode, makePod, nodeInfoWith } from '../../testing/wrappers.js';
import { ERR_REASON, getHostPorts, NodePorts } from './node-ports.js';

type Port = [port: number, protocol?: string, ip?: string];

function podWith(...ports: Port[]): Pod {
  const w = makePod().name(`p${Math.random()}`);
  for (const [port, protocol, ip] of ports) w.hostPort(port, protocol, ip);
  return w.obj();
}

describe('NodePorts', () => {
  const cases: Array<{ name: string; pod: Pod; existing: Port[][]; want: Code }> = [
    {
      name: 'free ports',
      pod: podWith([8080, 'UDP', '127.0.0.1']),
      existing: [[[9090, 'UDP', '127.0.0.1']]],
      want: Code.Success,
    },
    {
      name: 'same port and ip',
      pod: podWith([8080, 'UDP', '127.0.0.1']),
      existing: [[[8080, 'UDP', '127.0.0.1']]],
      want: Code.Unschedulable,
    },
    {
      name: 'same port, other ip',
      pod: podWith([8080, 'TCP', '127.0.0.2']),
      existing: [[[8080, 'TCP', '127.0.0.1']]],
      want: Code.Success,
    },
    {
      name: 'same port, other protocol',
      pod: podWith([8080, 'TCP', '127.0.0.1']),
      existing: [[[8080, 'UDP', '127.0.0.1']]],
      want: Code.Success,
    },
    {
      name: 'second port conflicts',
      pod: podWith([8000, 'TCP', '127.0.0.1'], [8080, 'UDP', '127.0.0.1']),
      existing: [
        [
          [8001, 'TCP', '127.0.0.1'],
          [8080, 'UDP', '127.0.0.1'],
        ],
      ],
      want: Code.Unschedulable,
    },
    {
      name: '0.0.0.0 conflicts with a specific ip',
      pod: podWith([8001, 'TCP', '0.0.0.0']),
      existing: [[[8001, 'TCP', '127.0.0.1']]],
      want: Code.Unschedulable,
    },
    {
      name: 'a specific ip conflicts with 0.0.0.0',
      pod: podWith([8001, 'TCP', '10.0.10.10']),
      existing: [[[8001, 'TCP', '0.0.0.0']]],
      want: Code.Unschedulable,
    },
    {
      name: 'empty ip and protocol mean 0.0.0.0/TCP',
      pod: podWith([8001]),
      existing: [[[8001, 'TCP', '10.0.0.1']]],
      want: Code.Unschedulable,
    },
    {
      name: '0.0.0.0 on another protocol',
      pod: podWith([8001, 'UDP', '0.0.0.0']),
      existing: [[[8001, 'TCP', '127.0.0.1']]],
      want: Code.Success,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ni = nodeInfoWith(makeNode().name('n').obj(), ...c.existing.map((ps) => podWith(...ps)));
      const pl = new NodePorts();
      const state = new CycleState();
      assert.ok(pl.preFilter(state, c.pod).status.isSuccess());
      const s = pl.filter(state, c.pod, ni);
      assert.equal(s.code, c.want);
      if (c.want !== Code.Success) assert.deepEqual(s.reasons, [ERR_REASON]);
    });
  }
  it('skips pods without host ports', () => {
    assert.equal(
      new NodePorts().preFilter(new CycleState(), makePod().container().obj()).status.code,
      Code.Skip,
    );
  });
  it('counts sidecar init containers but not run-once init containers', () => {
    const pod = makePod().obj();
    pod.spec!.initContainers = [
      { name: 'once', image: 'i', ports: [{ containerPort: 1, hostPort: 1001 }] },
      { name: 'sidecar', image: 'i', restartPolicy: 'Always', ports: [{ containerPort: 2, hostPort: 1002 }] },
    ];
    pod.spec!.containers = [
      { name: 'c', image: 'i', ports: [{ containerPort: 3, hostPort: 1003 }, { containerPort: 4 }] },
    ];
    assert.deepEqual(
      getHostPorts(pod).map((p) => p.hostPort),
      [1002, 1003],
    );
  });
  it('registers pod deletions and node additions', () => {
    assert.deepEqual(
      new NodePorts().eventsToRegister().map((e) => e.resource),
      ['Pod', 'Node'],
    );
  });
});
