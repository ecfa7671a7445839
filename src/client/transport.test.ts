import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ApiRequest, ApiResponse } from '../apiserver/transport.js';
import { PODS } from './resources.js';
import { startTestServer } from './testing.js';
import { HttpTransport, InProcessTransport, type Transport } from './transport.js';

async function readLines(t: Transport, path: string): Promise<{ status: number; lines: string[] }> {
  const s = await t.stream({ method: 'GET', path });
  const lines: string[] = [];
  for await (const l of s.lines) lines.push(l);
  return { status: s.status, lines };
}

/** How a response body is cut into writes; every cut must read back as the same lines. */
const chunkings: Array<{ name: string; chunks: string[]; want: string[] }> = [
  { name: 'whole lines', chunks: ['a\n', 'b\n'], want: ['a', 'b'] },
  { name: 'several lines per write', chunks: ['a\nb\nc\n'], want: ['a', 'b', 'c'] },
  { name: 'lines split across writes', chunks: ['{"x":', '1}\n{"y"', ':2}\n'], want: ['{"x":1}', '{"y":2}'] },
  { name: 'a line in three pieces', chunks: ['ab', 'cd', 'ef\n'], want: ['abcdef'] },
  { name: 'no final newline', chunks: ['a\nb'], want: ['a', 'b'] },
  { name: 'blank lines dropped', chunks: ['\n', 'a\n\n', 'b\n'], want: ['a', 'b'] },
  { name: 'multi-byte characters split', chunks: ['h\u00e9', 'llo \u2603\n'], want: ['h\u00e9llo \u2603'] },
];

describe('line streams', () => {
  let server: http.Server;
  let httpT: HttpTransport;
  const inProcess = new InProcessTransport({
    handle: async (req: ApiRequest, res: ApiResponse) => {
      const c = chunkings[Number(req.path.slice(1))]!;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (const chunk of c.chunks) res.write(chunk);
      res.end();
    },
  });
  before(async () => {
    server = http.createServer((req, res) => {
      const c = chunkings[Number(req.url!.slice(1))]!;
      res.writeHead(200, { 'content-type': 'application/json' });
      // Bytes, cut inside multi-byte characters where the chunk boundary falls there.
      const bytes = Buffer.from(c.chunks.join(''));
      let at = 0;
      const step = Math.max(1, Math.floor(bytes.length / c.chunks.length));
      const next = (): void => {
        if (at >= bytes.length) {
          res.end();
          return;
        }
        res.write(bytes.subarray(at, at + step));
        at += step;
        setImmediate(next);
      };
      next();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    httpT = new HttpTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(() => {
    httpT.close();
    server.close();
  });
  chunkings.forEach((c, i) => {
    it(`${c.name} (in-process)`, async () => {
      assert.deepEqual(await readLines(inProcess, `/${i}`), { status: 200, lines: c.want });
    });
    it(`${c.name} (http)`, async () => {
      assert.deepEqual(await readLines(httpT, `/${i}`), { status: 200, lines: c.want });
    });
  });
});

describe('InProcessTransport', () => {
  it('answers like HTTP: status, lower-case headers, body', async () => {
    const ts = await startTestServer();
    try {
      const t = new InProcessTransport(ts.server);
      const r = await t.request({
        method: 'GET',
        path: '/api/v1/namespaces/default',
        headers: { accept: 'application/json' },
      });
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'] ?? '', /^application\/json/);
      assert.equal((JSON.parse(r.body) as { metadata: { name: string } }).metadata.name, 'default');
      const missing = await t.request({ method: 'GET', path: '/api/v1/nope' });
      assert.equal(missing.status, 404);
      assert.equal((JSON.parse(missing.body) as { kind: string }).kind, 'Status');
    } finally {
      await ts.close();
    }
  });

  it('a watch left, stopped or closed releases its server-side watcher', async () => {
    const ts = await startTestServer();
    try {
      await ts.client.create(PODS, {
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      });
      const t = new InProcessTransport(ts.server);
      const watchers = (): number => ts.server.registry.watcherCount;
      const path = '/api/v1/pods';
      const query = new URLSearchParams({ watch: 'true' });
      const left = await t.stream({ method: 'GET', path, query });
      assert.equal(watchers(), 1);

      for await (const _ of left.lines) break;
      const ac = new AbortController();
      const aborted = await t.stream({ method: 'GET', path, query, signal: ac.signal });
      const closed = await t.stream({ method: 'GET', path, query });
      assert.equal(watchers(), 3 - 1);
      ac.abort();
      t.close();
      const rest: string[] = [];
      for await (const l of aborted.lines) rest.push(l);
      for await (const l of closed.lines) rest.push(l);
      assert.deepEqual(rest, []);
      assert.equal(watchers(), 0);
    } finally {
      await ts.close();
    }
  });
});
