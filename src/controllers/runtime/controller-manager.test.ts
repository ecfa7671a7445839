import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIG_MAPS, LEASES, NAMESPACES } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { Controller } from './controller.js';
import { ControllerManager, type ControllerDescriptor } from './controller-manager.js';

const FAST = { leaseDurationMs: 1000, renewDeadlineMs: 500, retryPeriodMs: 100 };

async function until(
  what: string,
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A controller that notes which manager reconciled which ConfigMap. */
function recordingController(who: string, seen: Array<[string, string]>): ControllerDescriptor {
  return {
    name: 'recording',
    init(ctx) {
      const inf = ctx.informers.informerFor(CONFIG_MAPS, { namespace: 'ns' });
      const c = new Controller({
        name: 'recording',
        informers: [inf],
        reconcile: async (key) => {
          if (inf.store.get(key)) seen.push([who, key]);
        },
      });
      inf.addEventHandler({ onAdd: (o) => c.enqueueObject(o), onUpdate: (_o, n) => c.enqueueObject(n) });
      return c;
    },
  };
}

describe('ControllerManager', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
    await ts.client.create(NAMESPACES, { metadata: { name: 'ns' } });
  });
  after(async () => {
    await ts.close();
  });

  const cm = (name: string) => ts.client.create(CONFIG_MAPS, { metadata: { name, namespace: 'ns' } });

  it('of two managers on one API server only the leader reconciles; the other takes over when it stops', async () => {
    const seen: Array<[string, string]> = [];
    const a = new ControllerManager({
      client: ts.client,
      identity: 'a',
      controllers: [recordingController('a', seen)],
      leaderElection: FAST,
    });
    a.start();
    await a.whenLeading();
    const b = new ControllerManager({
      client: ts.client,
      identity: 'b',
      controllers: [recordingController('b', seen)],
      leaderElection: FAST,
    });
    b.start();
    await cm('one');
    await until('a reconciles one', () => seen.some(([w, k]) => w === 'a' && k === 'ns/one'));
    // Give b several retry periods to (wrongly) start.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(b.isLeading(), false);
    assert.ok(
      seen.every(([w]) => w === 'a'),
      JSON.stringify(seen),
    );
    const lease = await ts.client.get(LEASES, 'kube-controller-manager', { namespace: 'kube-system' });
    assert.equal(lease.spec?.holderIdentity, 'a');

    await a.stop();
    assert.equal(a.isLeading(), false);
    await b.whenLeading();
    await cm('two');
    // b's first term lists everything, so it also reconciles what a handled before.
    await until('b reconciles one and two', () =>
      ['ns/one', 'ns/two'].every((k) => seen.some(([w, x]) => w === 'b' && x === k)),
    );
    await cm('three');
    await until('b reconciles three', () => seen.some(([w, k]) => w === 'b' && k === 'ns/three'));
    assert.ok(!seen.some(([w, k]) => w === 'a' && k === 'ns/three'));
    await b.stop();
  });

  it('without leader election runs the controllers at once; a failing init does not stop the others', async () => {
    const seen: Array<[string, string]> = [];
    const m = new ControllerManager({
      client: ts.client,
      leaderElection: false,
      controllers: [
        {
          name: 'broken',
          init: () => {
            throw new Error('no');
          },
        },
        recordingController('solo', seen),
      ],
    });
    m.start();
    await m.whenLeading();
    await cm('four');
    await until('solo reconciles four', () => seen.some(([w, k]) => w === 'solo' && k === 'ns/four'));
    await m.stop();
    assert.equal(m.leadershipTerms, 1);
  });
});
