import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import { FakeClock } from '../../util/clock.js';
import { ProbeManager, probeDefaults, type ProbeKind, type ProbedContainer } from './probe-manager.js';
import { ScriptedProber, testPod } from './testing.js';

function setup(container: api.Container, view: Partial<ProbedContainer> = {}) {
  const clock = new FakeClock();
  const prober = new ScriptedProber();
  const changes: string[] = [];
  const failures: string[] = [];
  let current: ProbedContainer | undefined = {
    id: 'c1',
    running: true,
    exited: false,
    startedAt: clock.now(),
    podIP: '10.0.0.1',
    ...view,
  };
  const pod = testPod('p', { containers: [container] });
  const m = new ProbeManager({
    clock,
    runner: prober,
    container: () => current,
    onChange: (uid) => changes.push(uid),
    onFailure: (_p, c, kind, out) => failures.push(`${c.name}/${kind}: ${out}`),
  });
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t <= ms; t += 100) {
      clock.advance(t === 0 ? 0 : 100);
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    }
  };
  return {
    clock,
    prober,
    changes,
    failures,
    m,
    pod,
    run,
    result: (kind: ProbeKind) => m.result(current?.id ?? 'c1', kind),
    replace: (next: ProbedContainer | undefined) => (current = next),
  };
}

describe('probeDefaults', () => {
  it('fills upstream defaults', () => {
    assert.deepEqual(probeDefaults({}), {
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
      successThreshold: 1,
    });
  });
});

describe('ProbeManager', () => {
  const initial: Array<[ProbeKind, keyof api.Container, string]> = [
    ['readiness', 'readinessProbe', 'Failure'],
    ['liveness', 'livenessProbe', 'Success'],
    ['startup', 'startupProbe', 'Unknown'],
  ];
  for (const [kind, field, want] of initial) {
    it(`${kind} starts as ${want} before its first probe`, () => {
      const s = setup({ name: 'c', [field]: { exec: { command: ['x'] }, initialDelaySeconds: 60 } });
      s.m.syncPod(s.pod);
      s.clock.advance(0);
      assert.equal(s.result(kind), want);
    });
  }

  it('readiness: success threshold, then failure threshold, probing every period', async () => {
    const s = setup({
      name: 'c',
      readinessProbe: {
        exec: { command: ['x'] },
        periodSeconds: 1,
        successThreshold: 2,
        failureThreshold: 2,
      },
    });
    s.m.syncPod(s.pod);
    await s.run(0);
    assert.equal(s.result('readiness'), 'Failure', 'one success is below successThreshold 2');
    await s.run(1000);
    assert.equal(s.result('readiness'), 'Success');
    s.prober.results.set('c/readiness', { result: 'Failure', output: 'down' });
    await s.run(1000);
    assert.equal(s.result('readiness'), 'Success', 'one failure is below failureThreshold 2');
    await s.run(1000);
    assert.equal(s.result('readiness'), 'Failure');
    assert.deepEqual(s.failures, ['c/readiness: down', 'c/readiness: down']);
  });

  it('waits initialDelaySeconds after the container started', async () => {
    const s = setup({
      name: 'c',
      readinessProbe: { exec: { command: ['x'] }, initialDelaySeconds: 5, periodSeconds: 10 },
    });
    s.m.syncPod(s.pod);
    await s.run(4900);
    assert.deepEqual(s.prober.calls, []);
    await s.run(200);
    assert.deepEqual(s.prober.calls, ['c/readiness']);
    assert.equal(s.result('readiness'), 'Success');
  });

  it('liveness failure is held until the container is replaced, then probing resumes', async () => {
    const s = setup({
      name: 'c',
      livenessProbe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 1 },
    });
    s.prober.results.set('c/liveness', { result: 'Failure', output: 'dead' });
    s.m.syncPod(s.pod);
    await s.run(0);
    assert.equal(s.result('liveness'), 'Failure');
    await s.run(3000);
    assert.equal(s.prober.calls.length, 1, 'on hold');
    s.prober.results.set('c/liveness', { result: 'Success', output: '' });
    s.replace({ id: 'c2', running: true, exited: false, startedAt: s.clock.now(), podIP: '10.0.0.1' });
    s.m.syncPod(s.pod);
    await s.run(0);
    assert.equal(s.m.result('c2', 'liveness'), 'Success');
    assert.equal(s.m.result('c1', 'liveness'), undefined, 'the old container is forgotten');
    assert.equal(s.prober.calls.length, 2);
  });

  it('startup gates liveness and readiness, and stops once it succeeded', async () => {
    const s = setup({
      name: 'c',
      startupProbe: { exec: { command: ['s'] }, periodSeconds: 1, failureThreshold: 10 },
      livenessProbe: { exec: { command: ['l'] }, periodSeconds: 1 },
      readinessProbe: { exec: { command: ['r'] }, periodSeconds: 1 },
    });
    s.prober.results.set('c/startup', { result: 'Failure', output: '' });
    s.m.syncPod(s.pod);
    await s.run(2000);
    assert.ok(!s.prober.calls.some((c) => c !== 'c/startup'));
    s.prober.results.set('c/startup', { result: 'Success', output: '' });
    await s.run(1000);
    assert.equal(s.result('startup'), 'Success');
    const before = s.prober.calls.filter((c) => c === 'c/startup').length;
    await s.run(3000);
    assert.equal(s.prober.calls.filter((c) => c === 'c/startup').length, before, 'no more startup probes');
    assert.ok(s.prober.calls.includes('c/liveness'));
    assert.equal(s.result('readiness'), 'Success');
  });

  it('an exited container reads as failing; a Never pod stops probing it', async () => {
    const s = setup({ name: 'c', readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1 } });
    s.pod.spec!.restartPolicy = 'Never';
    s.m.syncPod(s.pod);
    await s.run(0);
    assert.equal(s.result('readiness'), 'Success');
    s.replace({ id: 'c1', running: false, exited: true, podIP: '' });
    await s.run(1000);
    assert.equal(s.result('readiness'), 'Failure');
    assert.equal(s.clock.pendingTimers, 0);
  });

  it('removePod stops the workers and forgets results; removed probes stop', async () => {
    const s = setup({ name: 'c', readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1 } });
    s.m.syncPod(s.pod);
    await s.run(0);
    assert.equal(s.m.workerCount, 1);
    const without = structuredClone(s.pod);
    delete without.spec!.containers[0]!.readinessProbe;
    s.m.syncPod(without);
    assert.equal(s.m.workerCount, 0);
    s.m.syncPod(s.pod);
    s.m.removePod('uid-p');
    assert.equal(s.m.workerCount, 0);
    assert.equal(s.result('readiness'), undefined);
  });
});
