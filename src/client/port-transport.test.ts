import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import type { ApiRequest, ApiResponse } from '../apiserver/transport.js';
import { KubeClient } from './client.js';
import { PortTransport, servePort } from './port-transport.js';
import { CONFIG_MAPS, PODS } from './resources.js';
import { startTestServer } from './testing.js';
import { TransportError, type RequestHandler } from './transport.js';

/** A PortTransport and the server side of its channel, in one thread (ports work the same across threads). */
function connect(handler: RequestHandler): { t: PortTransport; close(): void } {
  const { port1, port2 } = new MessageChannel();
  const stop = servePort(port1, handler);
  const t = new PortTransport(port2);
  return {
    t,
    close() {
      t.close();
      stop();
      port1.close();
      port2.close();
    },
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('PortTransport', () => {
  it('carries method, path, query, headers and body, and the whole response', async () => {
    let seen: { method: string; path: string; q: string; accept?: string; body: string } | undefined;
    const c = connect({
      handle: async (req: ApiRequest, res: ApiResponse) => {
        seen = {
          method: req.method,
          path: req.path,
          q: req.query.get('labelSelector') ?? '',
          accept: req.header('accept'),
          body: (await req.body(1000)).toString(),
        };
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Extra': 'yes' });
        res.write('{"a":');
        res.end('1}');
      },
    });
    try {
      const r = await c.t.request({
        method: 'POST',
        path: '/x/y',
        query: new URLSearchParams({ labelSelector: 'app in (a,b)' }),
        headers: { accept: 'application/json' },
        body: '{"k":"v\u00e9"}',
      });
      assert.deepEqual(seen, {
        method: 'POST',
        path: '/x/y',
        q: 'app in (a,b)',
        accept: 'application/json',
        body: '{"k":"v\u00e9"}',
      });
      assert.equal(r.status, 201);
      assert.equal(r.headers['x-extra'], 'yes');
      assert.equal(r.body, '{"a":1}');
    } finally {
      c.close();
    }
  });

  it('streams lines as they are written, cut anywhere', async () => {
    const c = connect({
      handle: async (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        for (const chunk of ['{"x":', '1}\n{"y"', ':2}\n', '\n', 'last']) {
          res.write(chunk);
          await new Promise((r) => setImmediate(r));
        }
        res.end();
      },
    });
    try {
      const s = await c.t.stream({ method: 'GET', path: '/w' });
      const lines: string[] = [];
      for await (const l of s.lines) lines.push(l);
      assert.equal(s.status, 200);
      assert.deepEqual(lines, ['{"x":1}', '{"y":2}', 'last']);
    } finally {
      c.close();
    }
  });

  it('a handler that throws fails the request with a TransportError', async () => {
    const c = connect({
      handle: async () => {
        throw new Error('boom');
      },
    });
    try {
      await assert.rejects(c.t.request({ method: 'GET', path: '/' }), (err: unknown) => {
        assert.ok(err instanceof TransportError);
        assert.match(err.message, /boom/);
        return true;
      });
      await assert.rejects(c.t.stream({ method: 'GET', path: '/' }), TransportError);
    } finally {
      c.close();
    }
  });

  it('aborting a request in flight rejects it and aborts it on the server', async () => {
    let serverSignal: AbortSignal | undefined;
    const c = connect({
      handle: (req) => {
        serverSignal = req.signal;
        return new Promise<void>(() => {});
      },
    });
    try {
      const ac = new AbortController();
      const pending = c.t.request({ method: 'GET', path: '/slow', signal: ac.signal });
      await until(() => serverSignal !== undefined, 'the request to arrive');
      ac.abort();
      await assert.rejects(pending, TransportError);
      await until(() => serverSignal!.aborted, 'the server-side abort');
    } finally {
      c.close();
    }
  });

  it('drives an API server: create, get, list, patch and a watch, as the in-process transport does', async () => {
    const ts = await startTestServer();
    const c = connect(ts.server);
    try {
      const client = new KubeClient(c.t);
      const ac = new AbortController();
      const watch = await client.watch(CONFIG_MAPS, { namespace: 'default', signal: ac.signal });
      await client.create(CONFIG_MAPS, { metadata: { name: 'a', namespace: 'default' }, data: { k: '1' } });
      await client.patch(CONFIG_MAPS, 'a', { data: { k: '2' } }, { namespace: 'default', type: 'merge' });
      const got = await client.get(CONFIG_MAPS, 'a', { namespace: 'default' });
      assert.equal(got.data?.['k'], '2');
      const list = await client.list(CONFIG_MAPS, { namespace: 'default' });
      assert.deepEqual(
        list.items.map((i) => i.metadata.name),
        ['a'],
      );
      const seen: string[] = [];
      for await (const ev of watch) {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
        seen.push(`${ev.type} ${ev.object.data?.['k'] ?? ''}`);
        if (seen.length === 2) break;
      }
      ac.abort();
      assert.deepEqual(seen, ['ADDED 1', 'MODIFIED 2']);
      await until(() => ts.server.registry.watcherCount === 0, 'the watch to be released');
    } finally {
      c.close();
      await ts.close();
    }
  });

  it('a watch left, aborted or closed releases its server-side watcher', async () => {
    const ts = await startTestServer();
    const c = connect(ts.server);
    try {
      await ts.client.create(PODS, {
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      });
      const watchers = (): number => ts.server.registry.watcherCount;
      const path = '/api/v1/pods';
      const query = new URLSearchParams({ watch: 'true' });
      const left = await c.t.stream({ method: 'GET', path, query });
      const ac = new AbortController();
      const aborted = await c.t.stream({ method: 'GET', path, query, signal: ac.signal });
      const closed = await c.t.stream({ method: 'GET', path, query });
      await until(() => watchers() === 3, 'three watchers');
      for await (const _ of left.lines) break;
      ac.abort();
      c.t.close();
      const rest: string[] = [];
      for await (const l of aborted.lines) rest.push(l);
      for await (const l of closed.lines) rest.push(l);
      assert.deepEqual(rest, []);
      await until(() => watchers() === 0, 'every watcher released');
    } finally {
      c.close();
      await ts.close();
    }
  });

  it('a worker that does not read its watch meets the slow-watcher limit', async () => {
    const ts = await startTestServer({ handlerOptions: { maxWatchBufferBytes: 20_000 } });
    const c = connect(ts.server);
    try {
      const s = await c.t.stream({
        method: 'GET',
        path: '/api/v1/namespaces/default/configmaps',
        query: new URLSearchParams({ watch: 'true' }),
      });
      assert.equal(s.status, 200);
      await until(() => ts.server.registry.watcherCount === 1, 'the watcher');
      for (let i = 0; i < 100; i++) {
        await ts.client.create(CONFIG_MAPS, {
          metadata: { name: `c${i}`, namespace: 'default' },
          data: { v: 'x'.repeat(500) },
        });
      }
      await until(() => ts.server.registry.watcherCount === 0, 'the server to end the watch');
      let read = 0;
      for await (const _ of s.lines) read++;
      assert.ok(read > 0 && read < 100, `read ${read} events before the end`);
    } finally {
      c.close();
      await ts.close();
    }
  });
});
