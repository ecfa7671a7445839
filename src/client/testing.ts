/**
 * @module Test support: an API server on a memory store, reached in-process (and over HTTP on demand),
 * for tests of anything built on the client layer.
 */
import { ApiServer, type ApiServerOptions } from '../apiserver/server.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import { KubeClient, type KubeClientOptions } from './client.js';
import { HttpTransport, InProcessTransport } from './transport.js';

/** A running test server. `close()` stops everything it started. */
export interface TestServer {
  server: ApiServer;
  /** A client over the in-process transport. */
  client: KubeClient;
  /** Starts listening on 127.0.0.1:0 (once) and returns a client over HTTP to it. */
  httpClient(opts?: KubeClientOptions): Promise<KubeClient>;
  close(): Promise<void>;
}

export async function startTestServer(
  opts: Partial<ApiServerOptions> = {},
  clientOpts: KubeClientOptions = {},
): Promise<TestServer> {
  const store = new MemoryStore();
  const server = new ApiServer({ ...opts, store });
  await server.start();
  await server.ready();
  const inProcess = new InProcessTransport(server);
  const transports: Array<{ close(): void }> = [inProcess];
  let url: string | undefined;
  return {
    server,
    client: new KubeClient(inProcess, clientOpts),
    async httpClient(o = clientOpts) {
      if (!url) {
        const { host, port } = await server.listen('127.0.0.1', 0);
        url = `http://${host}:${port}`;
      }
      const t = new HttpTransport(url);
      transports.push(t);
      return new KubeClient(t, o);
    },
    async close() {
      for (const t of transports) t.close();
      await server.close();
      await store.close();
    },
  };
}
