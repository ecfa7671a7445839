import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { FakeClock } from '../../util/clock.js';
import { KubeClient } from '../client.js';
import { CONFIG_MAPS, NAMESPACES, NODES, PODS, type Pod, type ResourceDescriptor } from '../resources.js';
import { startTestServer, type TestServer } from '../testing.js';
import {
  TransportError,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from '../transport.js';
import { SharedInformerFactory } from './factory.js';
import { objectKey } from './indexer.js';
import {
  DeletedFinalStateUnknown,
  deletedObject,
  type EventHandler,
  SharedInformer,
} from './shared-informer.js';

function pod(name: string, node?: string, labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'i' }], ...(node ? { nodeName: node } : {}) },
  };
}

/** Wraps a transport: records requests, can fail lists, hold new watches, and cut open ones. */
class ControlledTransport implements Transport {
  readonly log: string[] = [];
  failLists = 0;
  /** Statuses the next watches answer with, as a single ERROR event each. */
  readonly errorEvents: object[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private readonly open = new Set<AbortController>();
  heldWatches = 0;

  constructor(private readonly inner: Transport) {}

  request(req: TransportRequest): Promise<TransportResponse> {
    if (req.method === 'GET' && req.query?.has('limit')) {
      this.log.push(`list rv=${req.query.get('resourceVersion') ?? '-'}`);
      if (this.failLists > 0) {
        this.failLists--;
        return Promise.reject(new TransportError('connection refused (test)'));
      }
    }
    return this.inner.request(req);
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    this.log.push(`watch rv=${req.query?.get('resourceVersion') ?? '-'}`);
    const injected = this.errorEvents.shift();
    if (injected) {
      async function* lines(): AsyncGenerator<string> {
        yield JSON.stringify({ type: 'ERROR', object: injected });
      }
      return { status: 200, headers: {}, lines: lines() };
    }
    if (this.gate) {
      this.heldWatches++;
      await this.gate;
    }
    const ac = new AbortController();
    this.open.add(ac);
    const signal = req.signal ? AbortSignal.any([req.signal, ac.signal]) : ac.signal;
    return this.inner.stream({ ...req, signal });
  }

  /** New watches wait until release(). */
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }
  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }
  /** Ends every open watch, as a dropped connection would. */
  cut(): void {
    for (const ac of this.open) ac.abort();
    this.open.clear();
  }
  count(prefix: string): number {
    return this.log.filter((l) => l.startsWith(prefix)).length;
  }
  close(): void {
    this.inner.close();
  }
}

type Recorded = string;

/** A handler that records `add ns/name`, `update ns/name rv->rv`, `delete ns/name` and `tombstone ns/name`. */
function recorder(events: Recorded[]): EventHandler<KubeObject> {
  return {
    onAdd: (o, initial) => events.push(`add ${objectKey(o)}${initial ? ' (initial)' : ''}`),
    onUpdate: (a, b) =>
      events.push(
        a.metadata.resourceVersion === b.metadata.resourceVersion
          ? `resync ${objectKey(b)}`
          : `update ${objectKey(b)}`,
      ),
    onDelete: (o) =>
      events.push(
        o instanceof DeletedFinalStateUnknown
          ? `tombstone ${objectKey(deletedObject(o))}`
          : `delete ${objectKey(deletedObject(o))}`,
      ),
  };
}

/**
 * A consistent list: afterwards the server's cache holds every earlier write, so an informer's first list
 * (resourceVersion "0", served from that cache) sees them.
 */
async function settle(client: KubeClient, res: ResourceDescriptor, namespace: string): Promise<void> {
  await client.list(res, { namespace });
}

async function until(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SharedInformer', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer({ watchHistorySize: 5, handlerOptions: { bookmarkIntervalMs: 100 } });
  });
  after(() => ts.close());

  it('lists, then delivers adds, updates and deletes in order; indexes; late handlers; failing handlers', async () => {
    const client = ts.client;
    const ns = 'inf1';
    await client.create(NAMESPACES, { metadata: { name: ns } });
    await client.create(PODS, pod('a', 'n1'), { namespace: ns });
    await client.create(PODS, pod('b', 'n2'), { namespace: ns });
    await settle(client, PODS, ns);
    const inf = new SharedInformer(client, PODS, { namespace: ns });
    inf.addIndexers({ byNode: (p) => p.spec?.nodeName });
    const events: Recorded[] = [];
    inf.addEventHandler({
      onAdd: () => {
        throw new Error('a broken handler');
      },
    });
    inf.addEventHandler(recorder(events));
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    assert.equal(inf.hasSynced(), false);
    assert.equal(await inf.waitForSync(), true);
    assert.deepEqual(events.sort(), [`add ${ns}/a (initial)`, `add ${ns}/b (initial)`]);
    events.length = 0;

    await client.create(PODS, pod('c', 'n1'), { namespace: ns });
    await client.patch(PODS, 'a', { metadata: { labels: { x: 'y' } } }, { type: 'merge', namespace: ns });
    await client.delete(PODS, 'b', { namespace: ns, gracePeriodSeconds: 0 });
    await until('three events', () => events.length >= 3);
    assert.deepEqual(events, [`add ${ns}/c`, `update ${ns}/a`, `delete ${ns}/b`]);
    assert.deepEqual(inf.store.byIndex('byNode', 'n1').map(objectKey).sort(), [`${ns}/a`, `${ns}/c`]);
    assert.deepEqual(inf.store.byIndex('namespace', ns).length, 2);
    assert.equal(inf.store.getByName(ns, 'a')?.metadata.labels?.['x'], 'y');
    assert.match(inf.lastSyncResourceVersion(), /^\d+$/);

    const late: Recorded[] = [];
    const reg = inf.addEventHandler(recorder(late));
    assert.equal(reg.hasSynced(), true);
    assert.deepEqual(late.sort(), [`add ${ns}/a (initial)`, `add ${ns}/c (initial)`]);
    reg.remove();
    await client.delete(PODS, 'c', { namespace: ns, gracePeriodSeconds: 0 });
    await until('delete', () => events.length >= 4);
    assert.equal(late.length, 2, 'a removed handler gets nothing');

    ac.abort();
    await running;
    await assert.rejects(inf.run(), /already started/);
  });

  it('re-lists after 410 Expired and hands out tombstones for deletes it missed', async () => {
    const ns = 'inf2';
    const transport = new ControlledTransport(ts.client.transport);
    const client = new KubeClient(transport);
    await client.create(NAMESPACES, { metadata: { name: ns } });
    for (const n of ['a', 'b', 'c']) await client.create(PODS, pod(n), { namespace: ns });
    const inf = new SharedInformer(client, PODS, { namespace: ns, initialBackoffMs: 10 });
    const events: Recorded[] = [];
    inf.addEventHandler(recorder(events));
    const running = inf.run();
    await inf.waitForSync();
    await until('the first watch', () => transport.count('watch') === 1);
    events.length = 0;

    // Drop the watch and keep it down while more changes happen than the server's history holds.
    transport.hold();
    transport.cut();
    await until('a held watch', () => transport.heldWatches === 1);
    await client.delete(PODS, 'a', { namespace: ns, gracePeriodSeconds: 0 });
    await client.patch(PODS, 'b', { metadata: { labels: { v: '2' } } }, { type: 'merge', namespace: ns });
    for (let i = 0; i < 8; i++) await client.create(PODS, pod(`new${i}`), { namespace: ns });
    transport.release();

    await until('the re-list', () => events.length >= 11);
    assert.deepEqual(
      events.filter((e) => !e.startsWith('add')),
      [`update ${ns}/b`, `resync ${ns}/c`, `tombstone ${ns}/a`],
    );
    assert.equal(events.filter((e) => e.startsWith('add') && !e.includes('initial')).length, 8);
    assert.deepEqual(inf.store.keys().length, 10);
    const lists = transport.log.filter((l) => l.startsWith('list'));
    assert.deepEqual(lists, ['list rv=0', 'list rv=-'], 'first from any cached state, then from the latest');

    // The informer watches again from the re-list and keeps up.
    await client.create(PODS, pod('after'), { namespace: ns });
    await until('the add after the re-list', () => events.includes(`add ${ns}/after`));
    inf.stop();
    await running;
  });

  it('rotates watches at their timeout without re-listing, and resumes from bookmarks', async () => {
    const ns = 'inf3';
    const transport = new ControlledTransport(ts.client.transport);
    const client = new KubeClient(transport);
    await client.create(NAMESPACES, { metadata: { name: ns } });
    const inf = new SharedInformer(client, CONFIG_MAPS, { namespace: ns, watchTimeoutSeconds: 1 });
    const events: Recorded[] = [];
    inf.addEventHandler(recorder(events));
    const running = inf.run();
    await inf.waitForSync();
    await client.create(CONFIG_MAPS, { metadata: { name: 'one' } }, { namespace: ns });
    await until('a second watch', () => transport.count('watch') >= 2, 4000);
    await client.create(CONFIG_MAPS, { metadata: { name: 'two' } }, { namespace: ns });
    await until('the second add', () => events.includes(`add ${ns}/two`));
    assert.deepEqual(
      events.filter((e) => !e.includes('initial')),
      [`add ${ns}/one`, `add ${ns}/two`],
    );
    assert.equal(transport.count('list'), 1);
    const watches = transport.log.filter((l) => l.startsWith('watch'));
    assert.ok(
      watches.every((w) => w !== 'watch rv=-' && w !== 'watch rv=0'),
      'every watch resumes',
    );
    inf.stop();
    await running;
  });

  it('backs off and retries a failing list', async () => {
    const transport = new ControlledTransport(ts.client.transport);
    transport.failLists = 3;
    const warnings: string[] = [];
    const logger = captureLogger(warnings);
    const inf = new SharedInformer(new KubeClient(transport), NODES, { initialBackoffMs: 5, logger });
    const running = inf.run();
    assert.equal(await inf.waitForSync(), true);
    assert.equal(transport.count('list'), 4);
    assert.equal(warnings.filter((w) => w === 'list failed').length, 3);
    inf.stop();
    await running;
  });

  it('an ERROR event other than 410 backs off and re-lists from the last resourceVersion', async () => {
    const transport = new ControlledTransport(ts.client.transport);
    transport.errorEvents.push({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 500,
      reason: 'InternalError',
    });
    const warnings: string[] = [];
    const inf = new SharedInformer(new KubeClient(transport), NODES, {
      initialBackoffMs: 5,
      logger: captureLogger(warnings),
    });
    const running = inf.run();
    await inf.waitForSync();
    await until('the second watch', () => transport.count('watch') >= 2);
    const rv = inf.lastSyncResourceVersion();
    assert.deepEqual(transport.log.slice(0, 4), [
      'list rv=0',
      `watch rv=${rv}`,
      `list rv=${rv}`,
      `watch rv=${rv}`,
    ]);
    assert.deepEqual(warnings, ['watch failed']);
    inf.stop();
    await running;
  });

  it('resyncs handlers on their period, driven by the injected clock', async () => {
    const clock = new FakeClock();
    const ns = 'inf4';
    await ts.client.create(NAMESPACES, { metadata: { name: ns } });
    await ts.client.create(CONFIG_MAPS, { metadata: { name: 'x' } }, { namespace: ns });
    await settle(ts.client, CONFIG_MAPS, ns);
    const inf = new SharedInformer(ts.client, CONFIG_MAPS, { namespace: ns, clock });
    const fast: Recorded[] = [];
    const none: Recorded[] = [];
    inf.addEventHandler(recorder(fast), 1000);
    inf.addEventHandler(recorder(none));
    const running = inf.run();
    await inf.waitForSync();
    clock.advance(999);
    assert.equal(fast.filter((e) => e.startsWith('resync')).length, 0);
    clock.advance(1);
    clock.advance(1000);
    assert.equal(fast.filter((e) => e.startsWith('resync')).length, 2 * inf.store.size);
    assert.equal(none.filter((e) => e.startsWith('resync')).length, 0);
    inf.stop();
    await running;
    assert.equal(clock.pendingTimers, 0, 'resync timers are cancelled on stop');
  });

  it('a label-selector informer drops objects that stop matching', async () => {
    const ns = 'inf5';
    await ts.client.create(NAMESPACES, { metadata: { name: ns } });
    await ts.client.create(CONFIG_MAPS, { metadata: { name: 'm', labels: { app: 'x' } } }, { namespace: ns });
    await settle(ts.client, CONFIG_MAPS, ns);
    const inf = new SharedInformer(ts.client, CONFIG_MAPS, { namespace: ns, labelSelector: 'app=x' });
    const events: Recorded[] = [];
    inf.addEventHandler(recorder(events));
    const running = inf.run();
    await inf.waitForSync();
    await ts.client.patch(
      CONFIG_MAPS,
      'm',
      { metadata: { labels: { app: 'y' } } },
      { type: 'merge', namespace: ns },
    );
    await until('the delete', () => events.length >= 2);
    assert.deepEqual(events, [`add ${ns}/m (initial)`, `delete ${ns}/m`]);
    assert.equal(inf.store.size, 0);
    inf.stop();
    await running;
  });

  it('works over HTTP', async () => {
    const client = await ts.httpClient();
    const inf = new SharedInformer(client, NODES, {});
    const events: Recorded[] = [];
    inf.addEventHandler(recorder(events));
    const running = inf.run();
    await inf.waitForSync();
    await client.create(NODES, { metadata: { name: 'http-node' } });
    await until('the add', () => events.includes('add http-node'));
    await client.delete(NODES, 'http-node');
    await until('the delete', () => events.includes('delete http-node'));
    inf.stop();
    await running;
  });
});

describe('SharedInformerFactory', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
  });
  after(() => ts.close());

  it('shares one informer per resource and scope, starts them together, shuts them down', async () => {
    const factory = new SharedInformerFactory(ts.client);
    const pods = factory.informerFor(PODS);
    assert.equal(factory.informerFor(PODS), pods);
    assert.notEqual(factory.informerFor(PODS, { labelSelector: 'a=b' }), pods);
    assert.equal(factory.informerFor(NODES, { namespace: 'ignored' }), factory.informerFor(NODES));
    factory.start();
    assert.equal(await factory.waitForCacheSync(), true);
    await ts.client.create(CONFIG_MAPS, { metadata: { name: 'cm' } });
    await settle(ts.client, CONFIG_MAPS, 'default');
    const cms = factory.informerFor(CONFIG_MAPS);
    assert.equal(cms.hasSynced(), false);
    factory.start();
    assert.equal(await factory.waitForCacheSync(), true);
    assert.ok(cms.store.size > 0);
    await factory.shutdown();
    assert.throws(() => factory.start(), /shut down/);
  });

  it('waitForCacheSync answers false when stopped before syncing', async () => {
    const transport = new ControlledTransport(ts.client.transport);
    transport.failLists = 1000;
    const factory = new SharedInformerFactory(new KubeClient(transport), {
      informerOptions: { initialBackoffMs: 5 },
    });
    factory.informerFor(PODS);
    factory.start();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    assert.equal(await factory.waitForCacheSync(ac.signal), false);
    await factory.shutdown();
  });
});

/** A pino-compatible logger that records warning messages. */
function captureLogger(messages: string[]): import('pino').Logger {
  const logger = {
    child: () => logger,
    warn: (_obj: unknown, msg: string) => messages.push(msg),
    info: () => undefined,
    error: (_obj: unknown, msg: string) => messages.push(msg),
    debug: () => undefined,
  };
  return logger as unknown as import('pino').Logger;
}
