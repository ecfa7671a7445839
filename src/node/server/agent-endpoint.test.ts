import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NODES, PODS, type Pod } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { systemClock } from '../../util/clock.js';
import { NodeAgent } from '../agent/agent.js';
import { ScriptedProber } from '../agent/testing.js';
import { CommandRuntime, wsSession } from './testing.js';

const dataDir = mkdtempSync(join(tmpdir(), 'skiff-endpoint-'));
let ts: TestServer;
let api = '';
const runtime = new CommandRuntime();
let agent: NodeAgent;

before(async () => {
  ts = await startTestServer();
  api = `127.0.0.1:${(await ts.server.listen('127.0.0.1', 0)).port}`;
  agent = new NodeAgent({
    client: ts.client,
    runtime,
    nodeName: 'node-e',
    dataDir,
    clock: systemClock,
    machine: {
      hostname: 'node-e',
      cpus: 2,
      memoryBytes: 4 * 2 ** 30,
      ephemeralStorageBytes: 20 * 2 ** 30,
      osImage: 'Test OS',
      kernelVersion: '6.0.0',
      architecture: 'amd64',
      operatingSystem: 'linux',
      machineID: 'm',
      systemUUID: 's',
      bootID: 'b',
      internalIP: '127.0.0.1',
    },
    sample: () => ({
      memoryCapacityBytes: 4 * 2 ** 30,
      memoryAvailableBytes: 2 * 2 ** 30,
      fsCapacityBytes: 100,
      fsAvailableBytes: 50,
      inodes: 100,
      inodesFree: 50,
      pidMax: 1000,
      pidsInUse: 10,
    }),
    probeRunner: new ScriptedProber(),
    statusBatchMs: 10,
    kubeletServer: { address: '127.0.0.1', port: 0 },
  });
  await agent.start();
});

after(async () => {
  await agent.stop();
  await ts.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the agent serves its kubelet endpoint', () => {
  it('publishes the bound port in the Node', async () => {
    assert.ok(agent.kubeletPort > 0);
    const node = await ts.client.get(NODES, 'node-e');
    assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, agent.kubeletPort);
    const res = await fetch(`http://127.0.0.1:${agent.kubeletPort}/healthz`);
    assert.equal(await res.text(), 'ok');
  });

  it("serves logs and exec of its pods through the API server, from the agent's pod state", async () => {
    const p: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'node-e', containers: [{ name: 'main', image: 'busybox', command: ['sleep', '1'] }] },
    };
    await ts.client.create(PODS, p);
    await until(
      async () => (await ts.client.get(PODS, 'web', { namespace: 'default' })).status?.phase === 'Running',
    );
    const id = runtime.listContainers().find((c) => c.name === 'main')!.id;
    const res = await fetch(`http://${api}/api/v1/namespaces/default/pods/web/log`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), `log of ${id}\n`);
    const r = await wsSession(
      `ws://${api}/api/v1/namespaces/default/pods/web/exec?command=echo&command=ok&stdout=true`,
      ['v5.channel.k8s.io'],
    );
    assert.equal(r.stdout, 'ok\n');
  });
});
