import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CycleState } from '../../framework/cycle-state.js';
import { Code } from '../../framework/status.js';
import { makePod } from '../../testing/wrappers.js';
import { FakeHandle } from '../helpers/testing.js';
import { DefaultBinder, newDefaultBinder } from './default-binder.js';

describe('DefaultBinder', () => {
  const cases: Array<[string, (() => Promise<void>) | undefined, Code, number]> = [
    ['binds through the client', undefined, Code.Success, 1],
    [
      'a failed bind is an Error status',
      () => Promise.reject(new Error('pods "p" not found')),
      Code.Error,
      0,
    ],
  ];
  for (const [name, bind, code, binds] of cases) {
    it(name, async () => {
      const h = new FakeHandle(bind ? { bind } : {});
      const pl = newDefaultBinder(undefined, h) as DefaultBinder;
      const pod = makePod().name('p').obj();
      const s = await pl.bind(new CycleState(), pod, 'node1');
      assert.equal(s.code, code);
      assert.equal(h.binds.length, binds);
      if (binds) assert.deepEqual(h.binds[0], { pod, nodeName: 'node1' });
      else assert.equal(s.message(), 'pods "p" not found');
    });
  }
});
