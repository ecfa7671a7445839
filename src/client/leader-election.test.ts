import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LeaderElector, type LeaderElectionConfig } from './leader-election.js';
import { LEASES } from './resources.js';
import { startTestServer, type TestServer } from './testing.js';

/** Short timings: a 1 s lease (the smallest a Lease can say), renewals every 100 ms. */
const FAST = { leaseDurationMs: 1000, renewDeadlineMs: 500, retryPeriodMs: 100 };

interface Candidate {
  id: string;
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  log: string[];
  leading(): boolean;
}

function candidate(
  ts: TestServer,
  id: string,
  lease: string,
  extra: Partial<LeaderElectionConfig> = {},
): Candidate {
  const log: string[] = [];
  let leading = false;
  const elector = new LeaderElector({
    client: ts.client,
    lease: { namespace: 'kube-system', name: lease },
    identity: id,
    ...FAST,
    callbacks: {
      onStartedLeading: (signal) => {
        leading = true;
        log.push('started');
        signal.addEventListener('abort', () => {
          leading = false;
          log.push('signal aborted');
        });
      },
      onStoppedLeading: () => log.push('stopped'),
      onNewLeader: (who) => log.push(`leader ${who}`),
    },
    ...extra,
  });
  const stop = new AbortController();
  return { id, elector, stop, done: elector.run(stop.signal), log, leading: () => leading };
}

async function until(what: string, pred: () => boolean, timeoutMs = 5000): Promise<number> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

describe('LeaderElector configuration', () => {
  const base = {
    client: undefined as never,
    lease: { namespace: 'n', name: 'l' },
    identity: 'a',
    callbacks: { onStartedLeading: () => undefined },
  };
  const cases: Array<{ name: string; cfg: Partial<LeaderElectionConfig>; error?: RegExp }> = [
    { name: 'upstream defaults', cfg: {} },
    {
      name: 'lease not longer than renew deadline',
      cfg: { leaseDurationMs: 10_000 },
      error: /leaseDuration must be greater than renewDeadline/,
    },
    {
      name: 'renew deadline within jittered retry',
      cfg: { renewDeadlineMs: 2_400 },
      error: /renewDeadline must be greater than retryPeriod\*JitterFactor/,
    },
    {
      name: 'sub-second lease',
      cfg: { leaseDurationMs: 900, renewDeadlineMs: 500, retryPeriodMs: 100 },
      error: /at least one second/,
    },
    { name: 'empty identity', cfg: { identity: '' }, error: /identity must not be empty/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const make = (): LeaderElector => new LeaderElector({ ...base, ...c.cfg });
      if (c.error) assert.throws(make, c.error);
      else assert.equal(make().isLeader(), false);
    });
  }
});

describe('LeaderElector', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
  });
  after(() => ts.close());

  it('two candidates: exactly one leads; when it stops, the other takes over at once', async () => {
    const a = candidate(ts, 'a', 'two');
    const b = candidate(ts, 'b', 'two');
    await until('a leader', () => a.leading() || b.leading());
    // Several renewal rounds: still exactly one.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(Number(a.leading()) + Number(b.leading()), 1);
    }
    const [leader, follower] = a.leading() ? [a, b] : [b, a];
    assert.equal(follower.elector.getLeader(), leader.id);
    assert.ok(follower.log.includes(`leader ${leader.id}`));
    const held = await ts.client.get(LEASES, 'two', { namespace: 'kube-system' });
    assert.equal(held.spec?.holderIdentity, leader.id);
    assert.equal(held.spec?.leaseDurationSeconds, 1);
    assert.match(held.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const transitions = held.spec?.leaseTransitions ?? 0;

    leader.stop.abort();
    await leader.done;
    assert.deepEqual(leader.log.slice(-2), ['signal aborted', 'stopped']);
    const waited = await until('the follower to lead', () => follower.leading());
    assert.ok(waited < FAST.leaseDurationMs, `took over after ${waited} ms, before the lease ran out`);
    const taken = await ts.client.get(LEASES, 'two', { namespace: 'kube-system' });
    assert.equal(taken.spec?.holderIdentity, follower.id);
    assert.equal(taken.spec?.leaseTransitions, transitions + 1);
    follower.stop.abort();
    await follower.done;
    const released = await ts.client.get(LEASES, 'two', { namespace: 'kube-system' });
    assert.equal(released.spec?.holderIdentity, '');
  });

  it('a leader that vanishes without releasing is replaced once its lease expires', async () => {
    const a = candidate(ts, 'a', 'crash', { releaseOnCancel: false });
    await until('a to lead', () => a.leading());
    const b = candidate(ts, 'b', 'crash');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.leading(), false, 'the lease is still valid');
    a.stop.abort();
    await a.done;
    const lease = await ts.client.get(LEASES, 'crash', { namespace: 'kube-system' });
    assert.equal(lease.spec?.holderIdentity, 'a', 'not released');
    const waited = await until('b to lead', () => b.leading(), 5000);
    assert.ok(waited <= FAST.leaseDurationMs + 4 * FAST.retryPeriodMs, `took ${waited} ms`);
    b.stop.abort();
    await b.done;
  });

  it('a leader whose lease is taken stops leading within the renew deadline', async () => {
    const a = candidate(ts, 'a', 'taken');
    await until('a to lead', () => a.leading());
    const lease = await ts.client.get(LEASES, 'taken', { namespace: 'kube-system' });
    await ts.client.update(LEASES, {
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60 },
    });
    const waited = await until('a to stop leading', () => !a.leading(), 3000);
    await a.done;
    assert.ok(waited < FAST.renewDeadlineMs + 3 * FAST.retryPeriodMs, `took ${waited} ms`);
    assert.deepEqual(a.log, ['leader a', 'started', 'leader intruder', 'signal aborted', 'stopped']);
    const after = await ts.client.get(LEASES, 'taken', { namespace: 'kube-system' });
    assert.equal(after.spec?.holderIdentity, 'intruder', 'a lost leader does not release');
  });
});
