import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isStatusError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { NODES, PODS, type Node, type Pod } from '../client/resources.js';
import { startTestServer, type TestServer } from '../client/testing.js';
import { KubeletServer } from '../node/server/kubelet-server.js';
import { CommandRuntime, MapHost, testPod, wsSession } from '../node/server/testing.js';
import { agentError, nodeEndpoint, selectContainer } from './node-proxy.js';

describe('selectContainer', () => {
  const web = testPod('web', ['app', 'side'], ['setup']);
  const solo = testPod('solo', ['app']);
  const none = testPod('none', []);
  const cases: Array<{ pod: Pod; c?: string; logs: boolean; want: string }> = [
    { pod: solo, logs: true, want: 'app' },
    { pod: web, c: 'setup', logs: false, want: 'setup' },
    { pod: web, c: 'nope', logs: true, want: '400 container nope is not valid for pod web' },
    {
      pod: web,
      logs: true,
      want: '400 a container name must be specified for pod web, choose one of: [setup app side]',
    },
    {
      pod: web,
      logs: false,
      want: '400 a container name must be specified for pod web, choose one of: [app side] or one of the init containers: [setup]',
    },
    { pod: none, logs: true, want: '400 a container name must be specified for pod none' },
  ];
  for (const c of cases) {
    it(`${c.pod.metadata.name} ${c.c ?? '(none)'} ${c.logs ? 'log' : 'exec'}`, () => {
      let got: string;
      try {
        got = selectContainer(c.pod, c.c, c.logs);
      } catch (err) {
        assert.ok(isStatusError(err));
        got = `${err.code} ${err.message}`;
      }
      assert.equal(got, c.want);
    });
  }
});

describe('nodeEndpoint', () => {
  const node = (addresses: Array<{ type: string; address: string }>, port?: number): KubeObject => ({
    metadata: { name: 'n' },
    status: {
      addresses,
      ...(port === undefined ? {} : { daemonEndpoints: { kubeletEndpoint: { Port: port } } }),
    },
  });
  const cases: Array<{ n: KubeObject; want: string }> = [
    {
      n: node(
        [
          { type: 'Hostname', address: 'h' },
          { type: 'InternalIP', address: '10.0.0.1' },
        ],
        1234,
      ),
      want: '10.0.0.1:1234',
    },
    { n: node([{ type: 'Hostname', address: 'h' }], 0), want: 'h:10250' },
    { n: node([{ type: 'ExternalIP', address: '1.2.3.4' }]), want: '1.2.3.4:10250' },
    { n: node([]), want: 'no preferred addresses found; known addresses: []' },
  ];
  for (const [i, c] of cases.entries()) {
    it(`case ${i}`, () => {
      let got: string;
      try {
        const ep = nodeEndpoint(c.n);
        got = `${ep.host}:${ep.port}`;
      } catch (err) {
        got = err instanceof Error ? err.message : String(err);
      }
      assert.equal(got, c.want);
    });
  }
});

describe('agentError', () => {
  const cases: Array<[number, string, number, string, string]> = [
    [
      400,
      'previous terminated container "c" in pod "p" not found\n',
      400,
      'BadRequest',
      'previous terminated container "c" in pod "p" not found',
    ],
    [500, 'boom', 500, 'InternalError', 'Internal error occurred: boom'],
    [
      404,
      'pod "p" does not exist',
      404,
      'NotFound',
      'the server could not find the requested resource (get pods/log p)',
    ],
    [
      422,
      'x',
      422,
      'Unknown',
      'the server responded with the status code 422 but did not return more information (get pods/log p)',
    ],
  ];
  for (const [code, body, wantCode, reason, message] of cases) {
    it(String(code), () => {
      const e = agentError(code, body, 'p');
      assert.equal(e.code, wantCode);
      assert.equal(e.reason, reason);
      assert.equal(e.message, message);
    });
  }
});

describe('KubeletProxy through the API server', () => {
  let ts: TestServer;
  let api = '';
  const runtime = new CommandRuntime();
  const host = new MapHost(runtime);
  const kubelet = new KubeletServer({ host });
  const ids: Record<string, string> = {};

  before(async () => {
    ts = await startTestServer();
    const bound = await ts.server.listen('127.0.0.1', 0);
    api = `127.0.0.1:${bound.port}`;
    const kport = await kubelet.listen('127.0.0.1', 0);
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a' },
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: kport } },
      },
    };
    await ts.client.create(NODES, node);
    const ghost = testPod('ghost', ['app']);
    ghost.spec!.nodeName = 'node-gone';
    const pending = testPod('pending', ['app']);
    delete pending.spec!.nodeName;
    for (const p of [testPod('web', ['app', 'side'], ['setup']), testPod('solo', ['app']), ghost, pending]) {
      const { uid: _uid, ...metadata } = p.metadata;
      const created = await ts.client.create(PODS, { ...p, metadata });
      host.add(created);
    }
    const base0 = { env: {}, mounts: [], stdin: false, tty: false, specHash: 'h', labels: {}, argv: [] };
    for (const [pod, c] of [
      ['web', 'app'],
      ['web', 'side'],
      ['solo', 'app'],
    ] as const) {
      const uid = host.getPodByName('default', pod)!.metadata.uid!;
      const id = await runtime.startContainer(uid, { ...base0, name: c, image: 'busybox', attempt: 0 });
      ids[`${pod}/${c}`] = id;
      const prev = host.statuses.get(uid)?.containerStatuses ?? [];
      host.statuses.set(uid, {
        containerStatuses: [
          ...prev,
          {
            name: c,
            image: 'busybox',
            imageID: 'busybox',
            ready: true,
            restartCount: 0,
            containerID: `skiff://${id}`,
            state: { running: {} },
          },
        ],
      });
    }
  });

  after(async () => {
    await kubelet.close();
    await ts.close();
  });

  const podPath = (pod: string, sub: string, q = ''): string =>
    `/api/v1/namespaces/default/pods/${pod}/${sub}${q ? `?${q}` : ''}`;

  const logCases: Array<{ name: string; path: string; code: number; body: string | RegExp }> = [
    { name: 'the only container', path: podPath('solo', 'log'), code: 200, body: /^log of / },
    { name: 'a named container', path: podPath('web', 'log', 'container=side'), code: 200, body: /^log of / },
    {
      name: 'no container for a pod with several',
      path: podPath('web', 'log'),
      code: 400,
      body: 'a container name must be specified for pod web, choose one of: [setup app side]',
    },
    {
      name: 'unknown container',
      path: podPath('web', 'log', 'container=nope'),
      code: 400,
      body: 'container nope is not valid for pod web',
    },
    {
      name: 'previous without one (the agent says)',
      path: podPath('web', 'log', 'container=side&previous=true'),
      code: 400,
      body: 'previous terminated container "side" in pod "web" not found',
    },
    {
      name: 'invalid options',
      path: podPath('solo', 'log', 'tailLines=-1'),
      code: 422,
      body: 'PodLogOptions "solo" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    },
    { name: 'unknown pod', path: podPath('nope', 'log'), code: 404, body: 'pods "nope" not found' },
    { name: 'node gone', path: podPath('ghost', 'log'), code: 404, body: 'nodes "node-gone" not found' },
  ];
  for (const c of logCases) {
    it(`pods/log: ${c.name}`, async () => {
      const res = await fetch(`http://${api}${c.path}`);
      const text = await res.text();
      assert.equal(res.status, c.code, text);
      if (c.code === 200) {
        assert.equal(res.headers.get('content-type'), 'text/plain');
        assert.match(text, c.body as RegExp);
      } else {
        assert.equal((JSON.parse(text) as { message: string }).message, c.body);
      }
    });
  }

  it('pods/log passes the options to the agent', async () => {
    const res = await fetch(
      `http://${api}${podPath('solo', 'log', 'tailLines=2&timestamps=true&limitBytes=5')}`,
    );
    await res.text();
    const call = runtime.logCalls.at(-1)!;
    assert.equal(call.id, ids['solo/app']);
    assert.equal(call.opts.tailLines, 2);
    assert.equal(call.opts.timestamps, true);
    assert.equal(call.opts.limitBytes, 5);
  });

  it('pods/log follows until the client goes away', async () => {
    runtime.holdFollow = true;
    try {
      const abort = new AbortController();
      const res = await fetch(`http://${api}${podPath('solo', 'log', 'follow=true')}`, {
        signal: abort.signal,
      });
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.match(Buffer.from(first.value).toString(), /^log of /);
      const ended = runtime.followsEnded;
      abort.abort();
      for (let i = 0; i < 200 && runtime.followsEnded === ended; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(runtime.followsEnded, ended + 1);
    } finally {
      runtime.holdFollow = false;
    }
  });

  it('pods/exec without an upgrade is a 400', async () => {
    const res = await fetch(`http://${api}${podPath('solo', 'exec', 'command=echo&stdout=true')}`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { message: string }).message, 'Upgrade request required');
  });

  it('pods/exec over websocket runs the command on the agent', async () => {
    const r = await wsSession(
      `ws://${api}${podPath('solo', 'exec', 'command=echo&command=hi&stdout=true&stderr=true')}`,
      ['v5.channel.k8s.io'],
    );
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(r.stdout, 'hi\n');
    assert.deepEqual(JSON.parse(r.error), { metadata: {}, status: 'Success' });
  });

  it('pods/exec pipes stdin and reports the exit code', async () => {
    const cat = await wsSession(
      `ws://${api}${podPath('web', 'exec', 'container=app&command=cat&stdin=true&stdout=true')}`,
      ['v5.channel.k8s.io'],
      ['abc\n'],
      true,
    );
    assert.equal(cat.stdout, 'abc\n');
    const exit = await wsSession(
      `ws://${api}${podPath('solo', 'exec', 'command=exit&command=3&stdout=true&stderr=true')}`,
      ['v5.channel.k8s.io'],
    );
    assert.equal(JSON.parse(exit.error).details.causes[0].message, '3');
  });

  const rejects: Array<{ name: string; path: string; error: RegExp }> = [
    {
      name: 'unknown container',
      path: podPath('web', 'exec', 'container=nope&command=echo&stdout=true'),
      error: /^400: .*"message":"container nope is not valid for pod web"/,
    },
    {
      name: 'no container for a pod with several',
      path: podPath('web', 'exec', 'command=echo&stdout=true'),
      error: /choose one of: \[app side\] or one of the init containers: \[setup\]/,
    },
    {
      name: 'unknown pod',
      path: podPath('nope', 'exec', 'command=echo&stdout=true'),
      error: /^404: .*pods \\"nope\\" not found/,
    },
    {
      name: 'unscheduled pod',
      path: podPath('pending', 'exec', 'command=echo&stdout=true'),
      error: /^400: .*pod pending does not have a host assigned/,
    },
    {
      name: "the agent's answer passes through",
      path: podPath('web', 'exec', 'container=setup&command=echo&stdout=true'),
      error: /^500: container not found \("setup"\)$/,
    },
    {
      name: 'not an exec subresource',
      path: podPath('solo', 'portforward'),
      error: /^400: .*pods\/portforward is not supported/,
    },
  ];
  for (const c of rejects) {
    it(`pods/exec rejects: ${c.name}`, async () => {
      await assert.rejects(wsSession(`ws://${api}${c.path}`, ['v5.channel.k8s.io']), { message: c.error });
    });
  }

  it('pods/exec to an agent that does not answer is a 500', async () => {
    const closed = new KubeletServer({ host });
    const port = await closed.listen('127.0.0.1', 0);
    await closed.close();
    ts.server.kubelets.setLocalEndpoint('node-a', { host: '127.0.0.1', port });
    try {
      await assert.rejects(
        wsSession(`ws://${api}${podPath('solo', 'exec', 'command=echo&stdout=true')}`, ['v5.channel.k8s.io']),
        { message: /^500: .*error dialing backend: connect ECONNREFUSED/ },
      );
    } finally {
      ts.server.kubelets.setLocalEndpoint('node-a', undefined);
    }
  });
});
