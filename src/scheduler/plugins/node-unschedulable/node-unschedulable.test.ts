import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import { NodeInfo, type Pod } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import {
  ERR_REASON_UNKNOWN_CONDITION,
  ERR_REASON_UNSCHEDULABLE,
  NodeUnschedulable,
} from './node-unschedulable.js';

describe('NodeUnschedulable Filter', () => {
  const tolerating = makePod()
    .toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' })
    .obj();
  const cases: Array<[string, Pod, boolean | undefined, Code]> = [
    ['schedulable node', makePod().obj(), false, Code.Success],
    ['unschedulable unset', makePod().obj(), undefined, Code.Success],
    ['cordoned node', makePod().obj(), true, Code.UnschedulableAndUnresolvable],
    ['cordoned node, pod tolerates the unschedulable taint', tolerating, true, Code.Success],
    [
      'cordoned node, toleration for another effect',
      makePod()
        .toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' })
        .obj(),
      true,
      Code.UnschedulableAndUnresolvable,
    ],
    [
      'cordoned node, tolerate-everything pod',
      makePod().toleration({ operator: 'Exists' }).obj(),
      true,
      Code.Success,
    ],
  ];
  for (const [name, pod, unschedulable, want] of cases) {
    it(name, () => {
      const w = makeNode().name('n');
      if (unschedulable !== undefined) w.unschedulable(unschedulable);
      const s = new NodeUnschedulable().filter(new CycleState(), pod, new NodeInfo(w.obj()));
      assert.equal(s.code, want);
      if (want !== Code.Success) assert.deepEqual(s.reasons, [ERR_REASON_UNSCHEDULABLE]);
    });
  }
  it('a NodeInfo without a node', () => {
    const s = new NodeUnschedulable().filter(new CycleState(), makePod().obj(), new NodeInfo());
    assert.deepEqual(
      [s.code, s.reasons],
      [Code.UnschedulableAndUnresolvable, [ERR_REASON_UNKNOWN_CONDITION]],
    );
  });
});
