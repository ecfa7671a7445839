import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import type { ExecOptions } from '../runtime/interface.js';
import { decodeHealthStatus, Prober, PROBE_USER_AGENT, resolvePort, type ProbeTarget } from './prober.js';
import { testPod } from './testing.js';

let httpServer: http.Server;
let httpPort = 0;
let lastUA = '';
let lastHeader = '';
let grpcServer: http2.Http2Server;
let grpcPort = 0;
let grpcStatus = 1;
let closedPort = 0;

before(async () => {
  httpServer = http.createServer((req, res) => {
    lastUA = req.headers['user-agent'] ?? '';
    lastHeader = String(req.headers['x-check'] ?? '');
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000);
    const code = Number(req.url?.slice(1)) || 200;
    res.writeHead(code, code === 302 ? { location: '/elsewhere' } : {});
    res.end(`code ${code}`);
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  httpPort = (httpServer.address() as AddressInfo).port;
  grpcServer = http2.createServer();
  grpcServer.on('stream', (stream) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      const msg = Buffer.from([0x08, grpcStatus]);
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(msg.length, 1);
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat([frame, msg]));
    });
  });
  await new Promise<void>((r) => grpcServer.listen(0, '127.0.0.1', r));
  grpcPort = (grpcServer.address() as AddressInfo).port;
  const tmp = net.createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as AddressInfo).port;
  await new Promise<void>((r) => tmp.close(() => r()));
});

after(() => {
  httpServer.closeAllConnections();
  httpServer.close();
  grpcServer.close();
});

function target(container: Partial<api.Container> = {}): ProbeTarget {
  return {
    pod: testPod('p'),
    container: { name: 'c', ports: [{ name: 'web', containerPort: httpPort }], ...container },
    containerId: 'cid',
    podIP: '127.0.0.1',
  };
}

const execs: string[][] = [];
const prober = new Prober({
  exec: (_id: string, argv: string[], opts: ExecOptions) => {
    execs.push(argv);
    if (argv[0] === 'sleep') {
      return new Promise((_resolve, reject) =>
        opts.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      );
    }
    opts.stdout?.write(`ran ${argv.join(' ')}`);
    return Promise.resolve(argv[0] === 'false' ? 1 : 0);
  },
});

describe('Prober', () => {
  const httpCases: Array<{ name: string; path: string; want: string; output?: RegExp }> = [
    { name: '200 succeeds', path: '/200', want: 'Success' },
    { name: '302 succeeds (not followed)', path: '/302', want: 'Success' },
    { name: '500 fails', path: '/500', want: 'Failure', output: /^HTTP probe failed with statuscode: 500$/ },
    { name: '404 fails', path: '/404', want: 'Failure', output: /statuscode: 404/ },
  ];
  for (const c of httpCases) {
    it(`httpGet: ${c.name}`, async () => {
      const r = await prober.probe({ httpGet: { path: c.path, port: 'web' } }, target());
      assert.equal(r.result, c.want);
      if (c.output) assert.match(r.output, c.output);
    });
  }

  it('httpGet sends kube-probe user agent and custom headers; times out like upstream', async () => {
    await prober.probe(
      { httpGet: { path: '/200', port: httpPort, httpHeaders: [{ name: 'X-Check', value: 'yes' }] } },
      target(),
    );
    assert.equal(lastUA, PROBE_USER_AGENT);
    assert.equal(lastHeader, 'yes');
    const r = await prober.probe({ httpGet: { path: '/slow', port: httpPort }, timeoutSeconds: 1 }, target());
    assert.equal(r.result, 'Failure');
    assert.match(r.output, /context deadline exceeded \(Client\.Timeout exceeded while awaiting headers\)/);
  });

  it('httpGet to a closed port fails with connection refused', async () => {
    const r = await prober.probe({ httpGet: { path: '/', port: closedPort } }, target());
    assert.equal(r.result, 'Failure');
    assert.match(r.output, new RegExp(`dial tcp 127\\.0\\.0\\.1:${closedPort}: connect: connection refused`));
  });

  it('tcpSocket: open port succeeds, closed port is refused', async () => {
    assert.equal((await prober.probe({ tcpSocket: { port: httpPort } }, target())).result, 'Success');
    const r = await prober.probe({ tcpSocket: { port: closedPort } }, target());
    assert.deepEqual(r, {
      result: 'Failure',
      output: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    });
  });

  it('exec: exit 0 succeeds with its output, non-zero fails, a timeout fails with upstream text', async () => {
    assert.deepEqual(await prober.probe({ exec: { command: ['true'] } }, target()), {
      result: 'Success',
      output: 'ran true',
    });
    assert.equal((await prober.probe({ exec: { command: ['false'] } }, target())).result, 'Failure');
    const r = await prober.probe({ exec: { command: ['sleep', '10'] }, timeoutSeconds: 1 }, target());
    assert.deepEqual(r, { result: 'Failure', output: 'command "sleep 10" timed out' });
  });

  it('grpc: SERVING succeeds, NOT_SERVING fails, nothing listening fails', async () => {
    grpcStatus = 1;
    assert.equal((await prober.probe({ grpc: { port: grpcPort } }, target())).result, 'Success');
    grpcStatus = 2;
    assert.deepEqual(await prober.probe({ grpc: { port: grpcPort } }, target()), {
      result: 'Failure',
      output: 'service unhealthy (responded with "NOT_SERVING")',
    });
    const r = await prober.probe({ grpc: { port: closedPort } }, target());
    assert.equal(r.result, 'Failure');
    assert.match(r.output, /failed to connect service/);
  });

  it('an unknown named port is an error (the result is discarded)', async () => {
    const r = await prober.probe({ httpGet: { path: '/', port: 'nope' } }, target());
    assert.equal(r.result, 'Error');
  });

  it('hooks: exec failure message as upstream, httpGet, sleep', async () => {
    const bad = await prober.hook({ exec: { command: ['false', 'x'] } }, target(), 1000);
    assert.equal(bad.ok, false);
    assert.equal(
      bad.message,
      'Exec lifecycle hook ([false x]) for Container "c" in Pod "p_default(uid-p)" failed - error: command \'false x\' exited with 1: ran false x, message: "ran false x"',
    );
    assert.equal((await prober.hook({ httpGet: { path: '/200', port: httpPort } }, target(), 1000)).ok, true);
    const h = await prober.hook({ httpGet: { path: '/500', port: httpPort } }, target(), 1000);
    assert.match(
      h.message,
      /^HTTP lifecycle hook \(\/500\) for Container "c" in Pod "p_default\(uid-p\)" failed - error: /,
    );
    const t0 = Date.now();
    assert.equal((await prober.hook({ sleep: { seconds: 5 } }, target(), 50)).ok, true);
    assert.ok(Date.now() - t0 < 1000, 'sleep is cut by the time left');
  });
});

describe('helpers', () => {
  it('resolvePort: numbers, numeric strings, names', () => {
    const c: api.Container = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
    assert.equal(resolvePort(80, c), 80);
    assert.equal(resolvePort('81', c), 81);
    assert.equal(resolvePort('http', c), 8080);
    assert.throws(() => resolvePort('grpc', c), /couldn't find port: grpc/);
  });
  it('decodeHealthStatus reads field 1', () => {
    assert.equal(decodeHealthStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01])), 1);
    assert.equal(decodeHealthStatus(Buffer.from([0, 0, 0, 0, 0])), 0);
  });
});
