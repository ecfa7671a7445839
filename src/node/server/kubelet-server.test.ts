import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import { KubeletServer } from './kubelet-server.js';
import { CommandRuntime, MapHost, testPod, wsSession } from './testing.js';

const runtime = new CommandRuntime();
const host = new MapHost(runtime);
const server = new KubeletServer({ host });
let base = '';
let ids: Record<string, string> = {};

function running(name: string, id: string): api.ContainerStatus {
  return {
    name,
    image: 'busybox',
    imageID: 'busybox',
    ready: true,
    restartCount: 1,
    containerID: `skiff://${id}`,
    state: { running: { startedAt: '2024-01-01T00:00:00Z' } },
    lastState: {},
  };
}

before(async () => {
  const web = testPod('web', ['app', 'side'], ['setup']);
  host.add(web);
  host.add(testPod('waiting', ['app']));
  const uid = web.metadata.uid!;
  const base0 = { env: {}, mounts: [], stdin: false, tty: false, specHash: 'h', labels: {}, argv: [] };
  const old = await runtime.startContainer(uid, { ...base0, name: 'app', image: 'busybox', attempt: 0 });
  await runtime.stopContainer(old, 0);
  const app = await runtime.startContainer(uid, { ...base0, name: 'app', image: 'busybox', attempt: 1 });
  const side = await runtime.startContainer(uid, { ...base0, name: 'side', image: 'busybox', attempt: 0 });
  ids = { old, app, side };
  host.statuses.set(uid, {
    containerStatuses: [
      {
        ...running('app', app),
        lastState: { terminated: { exitCode: 137, containerID: `skiff://${old}` } },
      },
      { ...running('side', side), restartCount: 0 },
    ],
  });
  host.statuses.set('uid-waiting', {
    containerStatuses: [
      {
        name: 'app',
        image: 'busybox',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: 'ContainerCreating' } },
      },
    ],
  });
  const port = await server.listen('127.0.0.1', 0);
  base = `127.0.0.1:${port}`;
});

after(async () => {
  await server.close();
});

describe('kubelet endpoint: /containerLogs', () => {
  const cases: Array<{ name: string; path: string; code: number; body: RegExp; id?: () => string }> = [
    {
      name: 'running container',
      path: '/containerLogs/default/web/app',
      code: 200,
      body: /^log of /,
      id: () => ids['app']!,
    },
    {
      name: 'previous attempt',
      path: '/containerLogs/default/web/app?previous=true',
      code: 200,
      body: /^log of /,
      id: () => ids['old']!,
    },
    {
      name: 'previous without one',
      path: '/containerLogs/default/web/side?previous=true',
      code: 400,
      body: /^previous terminated container "side" in pod "web" not found$/,
    },
    {
      name: 'unknown pod',
      path: '/containerLogs/default/nope/app',
      code: 404,
      body: /^pod "nope" does not exist$/,
    },
    {
      name: 'container not in the spec',
      path: '/containerLogs/default/web/nope',
      code: 404,
      body: /^container "nope" not found in pod "web"$/,
    },
    {
      name: 'init container without status',
      path: '/containerLogs/default/web/setup',
      code: 400,
      body: /^container "setup" in pod "web" is not available$/,
    },
    {
      name: 'waiting container',
      path: '/containerLogs/default/waiting/app',
      code: 400,
      body: /^container "app" in pod "waiting" is waiting to start: ContainerCreating$/,
    },
    {
      name: 'invalid tailLines',
      path: '/containerLogs/default/web/app?tailLines=-1',
      code: 422,
      body: /tailLines/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const before = runtime.logCalls.length;
      const res = await fetch(`http://${base}${c.path}`);
      const body = await res.text();
      assert.equal(res.status, c.code, body);
      assert.match(body, c.body);
      if (c.id) {
        assert.equal(res.headers.get('content-type'), 'text/plain');
        assert.equal(runtime.logCalls[before]?.id, c.id());
      } else {
        assert.equal(runtime.logCalls.length, before);
      }
    });
  }

  it('passes the log options to the runtime', async () => {
    const res = await fetch(
      `http://${base}/containerLogs/default/web/app?follow=true&tailLines=3&timestamps=1&limitBytes=9&sinceSeconds=60`,
    );
    assert.equal(res.status, 200);
    await res.text();
    const opts = runtime.logCalls.at(-1)?.opts;
    assert.equal(opts?.follow, true);
    assert.equal(opts?.tailLines, 3);
    assert.equal(opts?.timestamps, true);
    assert.equal(opts?.limitBytes, 9);
    assert.ok(opts?.since instanceof Date);
    assert.ok(Math.abs(Date.now() - 60_000 - opts.since.getTime()) < 5_000);
  });
});

describe('kubelet endpoint: exec over websocket', () => {
  const url = (q: string): string => `ws://${base}/exec/default/web/app?${q}`;

  it('runs a command: stdout, then a Success status, then a normal close (v5)', async () => {
    const r = await wsSession(url('command=echo&command=hi&output=1&error=1'), ['v5.channel.k8s.io']);
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(r.stdout, 'hi\n');
    assert.deepEqual(JSON.parse(r.error), { metadata: {}, status: 'Success' });
    assert.equal(r.emptyFrames[0], 1);
    assert.equal(r.closeCode, 1000);
  });

  it('reports a non-zero exit code as upstream does', async () => {
    const r = await wsSession(url('command=exit&command=3&output=1&error=1'), ['v5.channel.k8s.io']);
    assert.deepEqual(JSON.parse(r.error), {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('feeds stdin until the v5 close-stdin frame', async () => {
    const r = await wsSession(
      url('command=cat&input=1&output=1'),
      ['v5.channel.k8s.io'],
      ['ab', 'c\n'],
      true,
    );
    assert.equal(r.stdout, 'abc\n');
    assert.equal(JSON.parse(r.error).status, 'Success');
  });

  it('accepts the API names of the stream flags and routes stderr', async () => {
    const r = await wsSession(url('command=err&command=oops&stdout=true&stderr=true'), ['v4.channel.k8s.io']);
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    assert.equal(r.stderr, 'oops\n');
    assert.equal(JSON.parse(r.error).status, 'Success');
  });

  it('with a tty there is no stderr channel', async () => {
    const r = await wsSession(url('command=err&command=x&output=1&error=1&tty=1'), ['v5.channel.k8s.io']);
    assert.equal(r.stderr, '');
    assert.equal(JSON.parse(r.error).status, 'Success');
  });

  it('writes only a failure message on the error channel for older protocols', async () => {
    const ok = await wsSession(url('command=echo&output=1'), ['channel.k8s.io']);
    assert.equal(ok.error, '');
    const bad = await wsSession(url('command=fail&output=1'), ['v2.channel.k8s.io']);
    assert.equal(bad.error, 'Internal error occurred: error executing command in container: boom');
  });

  it('prefers the first offered protocol it supports', async () => {
    const r = await wsSession(url('command=echo&output=1'), [
      'v9.channel.k8s.io',
      'v4.channel.k8s.io',
      'v5.channel.k8s.io',
    ]);
    assert.equal(r.protocol, 'v4.channel.k8s.io');
  });

  const rejects: Array<{ name: string; path: string; protocols: string[]; error: RegExp }> = [
    {
      name: 'no stream requested',
      path: '/exec/default/web/app?command=echo',
      protocols: ['v5.channel.k8s.io'],
      error: /^400: you must specify at least 1 of stdin, stdout, stderr$/,
    },
    {
      name: 'unknown pod',
      path: '/exec/default/nope/app?command=echo&output=1',
      protocols: ['v5.channel.k8s.io'],
      error: /^404: pod does not exist$/,
    },
    {
      name: 'container not running',
      path: '/exec/default/web/setup?command=echo&output=1',
      protocols: ['v5.channel.k8s.io'],
      error: /^500: container not found \("setup"\)$/,
    },
    {
      name: 'unsupported protocol',
      path: '/exec/default/web/app?command=echo&output=1',
      protocols: ['v9.channel.k8s.io'],
      error: /^400: unable to upgrade: requested protocol\(s\) are not supported/,
    },
  ];
  for (const c of rejects) {
    it(`rejects before upgrading: ${c.name}`, async () => {
      await assert.rejects(wsSession(`ws://${base}${c.path}`, c.protocols), { message: c.error });
    });
  }

  it('answers a request without upgrade with 400', async () => {
    const res = await fetch(`http://${base}/exec/default/web/app?command=echo&output=1`);
    assert.equal(res.status, 400);
    assert.equal(await res.text(), 'Upgrade request required');
  });

  it('ends the command when the client goes away', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(url('command=hang&output=1'), ['v5.channel.k8s.io']);
    await new Promise((r) => ws.once('message', r));
    const before = runtime.aborted;
    ws.terminate();
    for (let i = 0; i < 100 && runtime.aborted === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(runtime.aborted, before + 1);
  });
});

describe('kubelet endpoint: attach without runtime support', () => {
  it('follows the container output from its log', async () => {
    const r = await wsSession(`ws://${base}/attach/default/web/side?output=1`, ['v5.channel.k8s.io']);
    assert.equal(r.stdout, `log of ${ids['side']}\n`);
    assert.equal(JSON.parse(r.error).status, 'Success');
    const opts = runtime.logCalls.at(-1)?.opts;
    assert.equal(opts?.follow, true);
    assert.equal(opts?.tailLines, 0);
  });
});
