/**
 * @module Client transport cost: pod creates, gets and pods/binding calls through KubeClient over the
 * in-process transport against the same calls over HTTP (keep-alive, server in this process), on a memory
 * store so the transport's share stands out. Run with `npx tsx bench/client.ts [--pods=N] [--concurrency=C]`.
 */
import { ApiServer } from '../src/apiserver/server.js';
import { KubeClient } from '../src/client/client.js';
import { PODS, type Pod } from '../src/client/resources.js';
import { HttpTransport, InProcessTransport, type Transport } from '../src/client/transport.js';
import { MemoryStore } from '../src/storage/memory/memory-store.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const PODS_N = Number(args.get('pods') ?? 5000);
const CONCURRENCY = Number(args.get('concurrency') ?? 64);

/** A small pod (~1 KB of JSON once defaulted less so), like bench/api.ts's. */
function pod(i: number): Pod {
  return {
    metadata: {
      name: `p${i}`,
      labels: { app: 'bench', group: `g${i % 100}` },
      annotations: { 'bench.skiff.dev/note': 'x'.repeat(600) },
    },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'registry.example/app:1.0',
          command: ['/bin/app', '--port=8080'],
          ports: [{ containerPort: 8080, name: 'http' }],
          resources: { requests: { cpu: '100m', memory: '64Mi' } },
        },
      ],
    },
  };
}

interface Result {
  perCallUs: number;
  perSecond: number;
}

/** Runs `n` calls, `concurrency` at a time; returns µs per call (sequential) or the rate (concurrent). */
async function measure(
  n: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<Result> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await call(next++);
    }),
  );
  const ns = Number(process.hrtime.bigint() - start);
  return { perCallUs: ns / 1000 / n, perSecond: (n / ns) * 1e9 };
}

async function fresh(): Promise<ApiServer> {
  const server = new ApiServer({ store: new MemoryStore() });
  await server.start();
  await server.ready();
  return server;
}

async function suite(name: string, makeTransport: (s: ApiServer) => Promise<Transport>): Promise<string[]> {
  const rows: string[] = [];
  for (const concurrency of [1, CONCURRENCY]) {
    const server = await fresh();
    const transport = await makeTransport(server);
    const client = new KubeClient(transport);
    // Warm up the JIT and the caches on other names.
    await measure(200, concurrency, (i) => client.create(PODS, pod(1_000_000 + i)));
    const create = await measure(PODS_N, concurrency, (i) => client.create(PODS, pod(i)));
    const get = await measure(PODS_N, concurrency, (i) => client.get(PODS, `p${i}`));
    const bind = await measure(PODS_N, concurrency, (i) =>
      client.bindPod('default', `p${i}`, `node-${i % 50}`),
    );
    const fmt = (r: Result): string =>
      concurrency === 1
        ? `${r.perCallUs.toFixed(0).padStart(6)} µs`
        : `${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)}/s`;
    rows.push(
      `${name.padEnd(11)} ${String(concurrency).padStart(3)}  create ${fmt(create)}   get ${fmt(get)}   bind ${fmt(bind)}`,
    );
    transport.close();
    await server.close();
  }
  return rows;
}

const rows = [
  ...(await suite('in-process', (s) => Promise.resolve(new InProcessTransport(s)))),
  ...(await suite('http', async (s) => {
    const { host, port } = await s.listen('127.0.0.1', 0);
    return new HttpTransport(`http://${host}:${port}`, { maxSockets: CONCURRENCY });
  })),
];
console.log(
  `KubeClient, ${PODS_N} pods, memory store; concurrency 1: µs per call, ${CONCURRENCY}: calls per second`,
);
for (const r of rows) console.log(r);
