import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import { NodeInfo, type Pod } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { ERR_REASON, newNodeName, NodeName } from './node-name.js';
import { FakeHandle } from '../helpers/testing.js';

describe('NodeName Filter', () => {
  const cases: Array<[string, Pod, string, Code]> = [
    ['no node name fits every node', makePod().obj(), 'foo', Code.Success],
    ['the named node fits', makePod().node('foo').obj(), 'foo', Code.Success],
    ['another node does not', makePod().node('bar').obj(), 'foo', Code.UnschedulableAndUnresolvable],
  ];
  for (const [name, pod, node, want] of cases) {
    it(name, () => {
      const pl = newNodeName(undefined, new FakeHandle()) as NodeName;
      const s = pl.filter(new CycleState(), pod, new NodeInfo(makeNode().name(node).obj()));
      assert.equal(s.code, want);
      if (want !== Code.Success) assert.deepEqual(s.reasons, [ERR_REASON]);
    });
  }
  it('registers node additions', () => {
    assert.deepEqual(new NodeName().eventsToRegister()[0]?.resource, 'Node');
  });
});
