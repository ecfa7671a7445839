import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '../../framework/status.js';
import { makePod } from '../../testing/wrappers.js';
import { SchedulingGates } from './scheduling-gates.js';

describe('SchedulingGates PreEnqueue', () => {
  const cases: Array<[string, string[] | undefined, Code, string]> = [
    ['no gates', undefined, Code.Success, ''],
    ['empty gates', [], Code.Success, ''],
    ['one gate', ['foo'], Code.Pending, 'waiting for scheduling gates: [foo]'],
    ['two gates', ['foo', 'bar'], Code.Pending, 'waiting for scheduling gates: [foo bar]'],
  ];
  for (const [name, gates, code, message] of cases) {
    it(name, () => {
      const pod = makePod().name('p').obj();
      if (gates) pod.spec!.schedulingGates = gates.map((n) => ({ name: n }));
      const s = new SchedulingGates().preEnqueue(pod);
      assert.equal(s.code, code);
      assert.equal(s.message(), message);
    });
  }
});
