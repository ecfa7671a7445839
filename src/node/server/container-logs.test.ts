import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import { logContainerId, runtimeContainerId } from './container-logs.js';

function cs(state: api.ContainerState, last: api.ContainerState = {}, id?: string): api.PodStatus {
  return {
    containerStatuses: [
      {
        name: 'c',
        image: 'i',
        imageID: 'i',
        ready: false,
        restartCount: 0,
        state,
        lastState: last,
        ...(id ? { containerID: id } : {}),
      },
    ],
  };
}

describe('logContainerId', () => {
  const t = (containerID?: string): api.ContainerState => ({
    terminated: { exitCode: 1, ...(containerID ? { containerID } : {}) },
  });
  const cases: Array<{ name: string; status: api.PodStatus; previous: boolean; want: string }> = [
    { name: 'running', status: cs({ running: {} }, {}, 'x://run'), previous: false, want: 'id x://run' },
    {
      name: 'previous',
      status: cs({ running: {} }, t('x://old'), 'x://run'),
      previous: true,
      want: 'id x://old',
    },
    {
      name: 'no previous',
      status: cs({ running: {} }, {}, 'x://run'),
      previous: true,
      want: 'previous terminated container "c" in pod "p" not found',
    },
    { name: 'terminated', status: cs(t('x://done')), previous: false, want: 'id x://done' },
    {
      name: 'terminated, next not started',
      status: cs(t(), t('x://old')),
      previous: false,
      want: 'id x://old',
    },
    {
      name: 'terminated without id',
      status: cs(t()),
      previous: false,
      want: 'container "c" in pod "p" is terminated',
    },
    {
      name: 'waiting after a crash',
      status: cs({ waiting: { reason: 'CrashLoopBackOff' } }, t('x://old')),
      previous: false,
      want: 'id x://old',
    },
    {
      name: 'waiting',
      status: cs({ waiting: { reason: 'ContainerCreating' } }),
      previous: false,
      want: 'container "c" in pod "p" is waiting to start: ContainerCreating',
    },
    {
      name: 'image pull',
      status: cs({ waiting: { reason: 'ErrImagePull' } }),
      previous: false,
      want: 'container "c" in pod "p" is waiting to start: image can\'t be pulled',
    },
    {
      name: 'no state',
      status: cs({}),
      previous: false,
      want: 'container "c" in pod "p" is waiting to start - no logs yet',
    },
    { name: 'no status', status: {}, previous: false, want: 'container "c" in pod "p" is not available' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = logContainerId('p', c.status, 'c', c.previous);
      assert.equal('id' in r ? `id ${r.id}` : r.error, c.want);
    });
  }

  it('strips the runtime scheme', () => {
    assert.equal(runtimeContainerId('skiff://abc'), 'abc');
    assert.equal(runtimeContainerId('abc'), 'abc');
  });
});
