import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isStatusError, StatusError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { allResources } from '../api/resources/index.js';
import { isStatus, KubeClient, parseWatchEvent, statusErrorFrom, type WatchEvent } from './client.js';
import {
  BUILTIN_RESOURCES,
  CONFIG_MAPS,
  DEPLOYMENTS,
  NODES,
  PODS,
  type ConfigMap,
  type Pod,
} from './resources.js';
import { startTestServer, type TestServer } from './testing.js';
import { HttpTransport, InProcessTransport, TransportError } from './transport.js';

function pod(name: string, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
  };
}

async function rejectsWith(p: Promise<unknown>, reason: string, code: number): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isStatusError(err, reason), `expected ${reason}, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected ${reason}`);
}

/** Reads events until `pred` holds for the list collected so far. */
async function collect<T extends KubeObject>(
  it: AsyncIterator<WatchEvent<T>>,
  pred: (events: WatchEvent<T>[]) => boolean,
): Promise<WatchEvent<T>[]> {
  const events: WatchEvent<T>[] = [];
  while (!pred(events)) {
    const r = await it.next();
    if (r.done) break;
    events.push(r.value);
  }
  return events;
}

describe('resource descriptors', () => {
  for (const d of BUILTIN_RESOURCES) {
    it(`${d.resource}.${d.group || 'core'} matches the server's registry`, () => {
      const def = allResources.find((r) => r.group === d.group && r.plural === d.resource);
      assert.ok(def, 'served');
      assert.deepEqual(
        { version: d.version, namespaced: d.namespaced, kind: d.kind },
        { version: def.version, namespaced: def.namespaced, kind: def.kind },
      );
    });
  }
});

describe('statusErrorFrom', () => {
  const cases = [
    {
      name: 'a Status body',
      code: 404,
      body: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","message":"pods \\"x\\" not found","code":404}',
      reason: 'NotFound',
      message: 'pods "x" not found',
    },
    {
      name: 'a Status without a code',
      code: 409,
      body: '{"kind":"Status","reason":"Conflict"}',
      reason: 'Conflict',
    },
    {
      name: 'plain text',
      code: 503,
      body: 'upstream down',
      reason: 'ServiceUnavailable',
      message: /upstream down/,
    },
    { name: 'no body', code: 418, body: '', reason: 'Unknown', message: /418/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = statusErrorFrom(c.code, c.body);
      assert.equal(err.code, c.code);
      assert.equal(err.reason, c.reason);
      if (typeof c.message === 'string') assert.equal(err.message, c.message);
      else if (c.message) assert.match(err.message, c.message);
    });
  }
});

describe('parseWatchEvent', () => {
  const cases: Array<{ line: string; type?: string }> = [
    { line: '{"type":"ADDED","object":{"metadata":{"name":"a"}}}', type: 'ADDED' },
    { line: '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}', type: 'BOOKMARK' },
    { line: '{"type":"ERROR","object":{"kind":"Status","code":410}}', type: 'ERROR' },
    { line: '{"type":"NOPE","object":{}}' },
    { line: '{"type":"ADDED"}' },
    { line: 'not json' },
  ];
  for (const c of cases) {
    it(c.line, () => {
      if (c.type) assert.equal(parseWatchEvent(c.line).type, c.type);
      else assert.throws(() => parseWatchEvent(c.line), /malformed watch event/);
    });
  }
});

/** The same behaviour over every transport. */
function clientContract(name: string, make: (ts: TestServer) => Promise<KubeClient>): void {
  describe(`KubeClient over ${name}`, () => {
    let ts: TestServer;
    let client: KubeClient;
    before(async () => {
      ts = await startTestServer({ handlerOptions: { bookmarkIntervalMs: 50 } });
      client = await make(ts);
    });
    after(() => ts.close());

    it('creates and gets a pod; errors carry the server Status', async () => {
      const created = await client.create(PODS, pod('a'));
      assert.equal(created.metadata.namespace, 'default');
      assert.ok(created.metadata.uid);
      assert.equal(created.status?.phase, 'Pending');
      const got = await client.get(PODS, 'a', { namespace: 'default' });
      assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
      const missing = await rejectsWith(client.get(PODS, 'nope'), 'NotFound', 404);
      assert.equal(missing.message, 'pods "nope" not found');
      await rejectsWith(client.create(PODS, pod('a')), 'AlreadyExists', 409);
      const invalid = await rejectsWith(client.create(PODS, pod('Bad_Name')), 'Invalid', 422);
      assert.equal(invalid.status.details?.causes?.[0]?.field, 'metadata.name');
    });

    it('updates with optimistic concurrency, and status through /status', async () => {
      const cm = await client.create(CONFIG_MAPS, {
        metadata: { name: 'cfg', namespace: 'default' },
        data: { a: '1' },
      });
      const updated = await client.update(CONFIG_MAPS, { ...cm, data: { a: '2' } });
      assert.equal(updated.data?.['a'], '2');
      await rejectsWith(client.update(CONFIG_MAPS, { ...cm, data: { a: '3' } }), 'Conflict', 409);

      const p = await client.get(PODS, 'a');
      const withStatus = await client.updateStatus(PODS, {
        ...p,
        status: { ...p.status, phase: 'Running' },
        spec: { ...p.spec!, activeDeadlineSeconds: 5 },
      });
      assert.equal(withStatus.status?.phase, 'Running');
      assert.equal(withStatus.spec?.activeDeadlineSeconds, undefined, 'spec is not written through /status');
    });

    it('patches with every patch type', async () => {
      await client.create(CONFIG_MAPS, { metadata: { name: 'p' }, data: { a: '1' } });
      const cases: Array<{
        type: 'merge' | 'strategic' | 'json';
        patch: unknown;
        want: Record<string, string>;
      }> = [
        { type: 'merge', patch: { data: { b: '2' } }, want: { a: '1', b: '2' } },
        { type: 'strategic', patch: { data: { a: null } }, want: { b: '2' } },
        { type: 'json', patch: [{ op: 'add', path: '/data/c', value: '3' }], want: { b: '2', c: '3' } },
      ];
      for (const c of cases) {
        const out = await client.patch(CONFIG_MAPS, 'p', c.patch, { type: c.type });
        assert.deepEqual(out.data, c.want, c.type);
      }
      const applied = await client.apply(
        CONFIG_MAPS,
        { metadata: { name: 'p' }, data: { c: 'mine' } },
        { fieldManager: 'tool-a', force: true },
      );
      assert.equal(applied.data?.['c'], 'mine');
      await rejectsWith(
        client.apply(
          CONFIG_MAPS,
          { metadata: { name: 'p' }, data: { c: 'theirs' } },
          { fieldManager: 'tool-b' },
        ),
        'Conflict',
        409,
      );
      const forced = await client.apply(
        CONFIG_MAPS,
        { metadata: { name: 'p' }, data: { c: 'theirs' } },
        { fieldManager: 'tool-b', force: true },
      );
      assert.equal(forced.data?.['c'], 'theirs');
    });

    it('lists with selectors and pages through limit/continue', async () => {
      for (let i = 0; i < 5; i++) {
        await client.create(PODS, pod(`l${i}`, { app: 'list', parity: i % 2 ? 'odd' : 'even' }), {
          namespace: 'kube-public',
        });
      }
      const odd = await client.list(PODS, { namespace: 'kube-public', labelSelector: 'app=list,parity=odd' });
      assert.deepEqual(
        odd.items.map((p) => p.metadata.name),
        ['l1', 'l3'],
      );
      const byName = await client.list(PODS, { fieldSelector: 'metadata.name=l4' });
      assert.deepEqual(
        byName.items.map((p) => p.metadata.namespace),
        ['kube-public'],
      );
      const page = await client.list(PODS, { namespace: 'kube-public', limit: 2 });
      assert.equal(page.items.length, 2);
      assert.ok(page.metadata.continue);
      const all = await client.listAll(PODS, {
        namespace: 'kube-public',
        limit: 2,
        labelSelector: 'app=list',
      });
      assert.deepEqual(
        all.items.map((p) => p.metadata.name),
        ['l0', 'l1', 'l2', 'l3', 'l4'],
      );
      assert.equal(
        all.resourceVersion,
        page.metadata.resourceVersion === undefined ? '' : all.resourceVersion,
      );
      assert.match(all.resourceVersion, /^\d+$/);
    });

    it('watches from a resourceVersion: added, modified, deleted, bookmarks, then ends on timeout', async () => {
      const list = await client.list(CONFIG_MAPS, { namespace: 'kube-system' });
      const resourceVersion = list.metadata.resourceVersion;
      assert.ok(resourceVersion);
      const w = await client.watch(CONFIG_MAPS, {
        namespace: 'kube-system',
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 1,
      });
      const it = w[Symbol.asyncIterator]();
      const cm = await client.create(CONFIG_MAPS, {
        metadata: { name: 'w', namespace: 'kube-system' },
        data: { v: '1' },
      });
      await client.update(CONFIG_MAPS, { ...cm, data: { v: '2' } });
      await client.delete(CONFIG_MAPS, 'w', { namespace: 'kube-system' });
      const events = await collect(it, (es) => es.some((e) => e.type === 'BOOKMARK'));
      const objectEvents = events.filter((e) => e.type !== 'BOOKMARK');
      assert.deepEqual(
        objectEvents.map((e) => [e.type, (e.object as ConfigMap).data?.['v']]),
        [
          ['ADDED', '1'],
          ['MODIFIED', '2'],
          ['DELETED', '2'],
        ],
      );
      const bookmark = events.find((e) => e.type === 'BOOKMARK');
      assert.ok(Number(bookmark!.object.metadata.resourceVersion) >= Number(resourceVersion));
      const started = Date.now();
      const rest = await collect(it, () => false);
      assert.ok(rest.every((e) => e.type === 'BOOKMARK'));
      assert.ok(Date.now() - started < 3000, 'the server ended the watch at its timeout');
    });

    it('stops a watch from the caller: stop(), abort, or leaving the loop', async () => {
      const stopped = await client.watch(PODS, {});
      setTimeout(() => stopped.stop(), 20);
      const seen: string[] = [];
      for await (const e of stopped) seen.push(e.type);
      assert.ok(
        seen.every((t) => t === 'ADDED'),
        'initial events only',
      );

      const ac = new AbortController();
      const aborted = await client.watch(PODS, { resourceVersion: '0', signal: ac.signal });
      setTimeout(() => ac.abort(), 20);
      for await (const e of aborted) assert.equal(e.type, 'ADDED');

      const left = await client.watch(PODS, {});
      for await (const e of left) {
        assert.equal(e.type, 'ADDED');
        break;
      }
    });

    it('creates subresources: pods/binding and pods/eviction', async () => {
      await client.create(PODS, pod('b'));
      await client.bindPod('default', 'b', 'node-1');
      const bound = await client.get(PODS, 'b');
      assert.equal(bound.spec?.nodeName, 'node-1');
      await rejectsWith(client.bindPod('default', 'b', 'node-2'), 'Conflict', 409);
      const answer = await client.createSubresource(PODS, 'b', 'eviction', {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'b', namespace: 'default' },
      });
      assert.ok(isStatus(answer));
      assert.equal(answer.status, 'Success');
    });

    it('deletes with preconditions and options', async () => {
      const p = await client.create(PODS, pod('d'));
      await rejectsWith(client.delete(PODS, 'd', { preconditions: { uid: 'other' } }), 'Conflict', 409);
      const dry = await client.delete(PODS, 'd', { dryRun: true, gracePeriodSeconds: 0 });
      assert.ok(!isStatus(dry));
      await client.get(PODS, 'd');
      const gone = await client.delete(PODS, 'd', {
        gracePeriodSeconds: 0,
        preconditions: { uid: p.metadata.uid },
      });
      assert.ok(isStatus(gone) || gone.metadata.name === 'd');
      await rejectsWith(client.get(PODS, 'd'), 'NotFound', 404);
    });

    it('reaches cluster-scoped and grouped resources', async () => {
      await client.create(NODES, { metadata: { name: 'n1', labels: { zone: 'a' } } });
      const n = await client.get(NODES, 'n1', { namespace: 'ignored' });
      assert.equal(n.metadata.namespace, undefined);
      const dep = await client.create(DEPLOYMENTS, {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'c', image: 'nginx' }] },
          },
        },
      });
      assert.equal(dep.metadata.generation, 1);
      const scale = await client.getSubresource<{ spec: { replicas: number } }>(DEPLOYMENTS, 'web', 'scale');
      assert.equal(scale.spec.replicas, 1);
    });

    it('rejects a body over the size limit with 413', async () => {
      const big = { metadata: { name: 'big' }, data: { x: 'x'.repeat(4 * 1024 * 1024) } } as ConfigMap;
      await rejectsWith(client.create(CONFIG_MAPS, big), 'RequestEntityTooLarge', 413);
    });
  });
}

clientContract('the in-process transport', (ts) => Promise.resolve(ts.client));
clientContract('HTTP', (ts) => ts.httpClient());

describe('watch streams', () => {
  it('a malformed event throws from the loop and closes the stream', async () => {
    let serverSignal: AbortSignal | undefined;
    const transport = new InProcessTransport({
      handle: async (req, res) => {
        serverSignal = req.signal;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\nnot json\n');
      },
    });
    const watch = await new KubeClient(transport).watch(PODS);
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const e of watch) seen.push(e.type);
    }, /malformed watch event/);
    assert.deepEqual(seen, ['ADDED']);
    assert.equal(serverSignal?.aborted, true);
  });
});

describe('transport failures', () => {
  it('a refused connection is a TransportError naming the request', async () => {
    const ts = await startTestServer();
    const http = await ts.httpClient();
    const url = (http.transport as HttpTransport).baseUrl.href;
    await ts.close();
    const client = new KubeClient(new HttpTransport(url));
    await assert.rejects(client.get(PODS, 'x'), (err: unknown) => {
      assert.ok(err instanceof TransportError);
      assert.match(err.message, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/pods\/x: /);
      return true;
    });
    await assert.rejects(client.watch(PODS), TransportError);
    client.transport.close();
  });

  it('an aborted request rejects with a TransportError', async () => {
    const ts = await startTestServer();
    try {
      for (const client of [ts.client, await ts.httpClient()]) {
        const ac = new AbortController();
        ac.abort();
        await assert.rejects(client.get(PODS, 'x', { signal: ac.signal }), /request aborted/);
      }
    } finally {
      await ts.close();
    }
  });

  it('rejects https URLs clearly', () => {
    assert.throws(() => new HttpTransport('https://127.0.0.1:6443'), /only http/);
  });
});
