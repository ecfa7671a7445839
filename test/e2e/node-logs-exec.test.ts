/**
 * @module End-to-end: `kubectl logs` (-f, --tail, --since, --timestamps, --limit-bytes, -c, --previous) and
 * `kubectl exec` (stdout, stderr, exit codes, stdin with -i) against the local node of `skiff up`, through the
 * API server's pods/log and pods/exec and the agent's kubelet endpoint.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { eventually, KUBECTL, type SkiffProcess, startSkiff, tempFile } from './harness.js';

type Json = Record<string, any>;

let s: SkiffProcess;
let node = '';

before(async () => {
  s = await startSkiff({ command: 'up' });
  node = await eventually(async () => {
    const out = await s.kubectlOk(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    return out.trim() || undefined;
  }, 20_000);
  await Promise.all([
    runPod('quiet', 'echo one; echo two; echo three; exec sleep 3600'),
    runPod('talker', 'echo start; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done'),
    apply({
      metadata: { name: 'duo' },
      spec: {
        nodeName: node,
        containers: [
          { name: 'a', image: 'busybox:1.36', command: ['sh', '-c', 'echo from a; exec sleep 3600'] },
          { name: 'b', image: 'busybox:1.36', command: ['sh', '-c', 'echo from b; exec sleep 3600'] },
        ],
      },
    }),
    // Fails once, then runs: the emptyDir outlives the first container.
    apply({
      metadata: { name: 'twice' },
      spec: {
        nodeName: node,
        volumes: [{ name: 'state', emptyDir: {} }],
        containers: [
          {
            name: 'main',
            image: 'busybox:1.36',
            command: [
              'sh',
              '-c',
              'if [ -e /state/ran ]; then echo second run; exec sleep 3600; fi; touch /state/ran; echo first run; exit 1',
            ],
            volumeMounts: [{ name: 'state', mountPath: '/state' }],
          },
        ],
      },
    }),
  ]);
  for (const name of ['quiet', 'talker', 'duo']) {
    await eventually(async () => (await pod(name))['status']?.['phase'] === 'Running', 30_000);
  }
});

after(async () => {
  await s.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--timeout=60s'], { timeoutMs: 90_000 });
  await s.cleanup();
});

async function runPod(name: string, script: string): Promise<void> {
  await s.kubectlOk([
    'run',
    name,
    '--image=busybox:1.36',
    `--overrides=${JSON.stringify({ spec: { nodeName: node } })}`,
    '--',
    'sh',
    '-c',
    script,
  ]);
}

async function apply(p: Json): Promise<void> {
  await s.kubectlOk([
    'apply',
    '-f',
    tempFile('pod.json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...p })),
  ]);
}

async function pod(name: string): Promise<Json> {
  return JSON.parse(await s.kubectlOk(['get', 'pod', name, '-o', 'json'])) as Json;
}

/** `kubectl logs` output once it equals `want` (a container's first lines may take a moment). */
async function logsEqual(args: string[], want: string): Promise<void> {
  let last = '';
  try {
    await eventually(async () => {
      last = await s.kubectlOk(['logs', ...args]);
      return last === want;
    }, 15_000);
  } catch {
    assert.equal(last, want, `kubectl logs ${args.join(' ')}`);
  }
}

describe('kubectl logs', () => {
  const cases: Array<{ args: string[]; want: string }> = [
    { args: ['quiet'], want: 'one\ntwo\nthree\n' },
    { args: ['quiet', '--tail=2'], want: 'two\nthree\n' },
    { args: ['quiet', '--tail=0'], want: '' },
    { args: ['quiet', '--limit-bytes=6'], want: 'one\ntw' },
    { args: ['quiet', '--since=1h'], want: 'one\ntwo\nthree\n' },
    { args: ['duo', '-c', 'b'], want: 'from b\n' },
    { args: ['pod/duo', '--container=a'], want: 'from a\n' },
  ];
  for (const c of cases) {
    test(c.args.join(' '), async () => {
      await logsEqual(c.args, c.want);
    });
  }

  test('--since leaves out older lines', async () => {
    await logsEqual(['quiet'], 'one\ntwo\nthree\n');
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(await s.kubectlOk(['logs', 'quiet', '--since=1s']), '');
  });

  test('--timestamps prefixes each line with its RFC 3339 time', async () => {
    await logsEqual(['quiet'], 'one\ntwo\nthree\n');
    const out = await s.kubectlOk(['logs', 'quiet', '--timestamps']);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    for (const [i, word] of ['one', 'two', 'three'].entries()) {
      assert.match(lines[i]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z ${word}$`));
    }
  });

  test('-f streams new lines as they are written', async () => {
    const child = spawn(KUBECTL, ['--kubeconfig', s.kubeconfig, 'logs', '-f', 'talker'], {
      env: { ...process.env, HOME: s.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      // Ticks come once a second: after what was already logged, two more must arrive on the open stream.
      await eventually(() => Promise.resolve(/tick \d+\n/.test(out)), 20_000).catch((e: Error) =>
        assert.fail(`${e.message}; stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}`),
      );
      await new Promise((r) => setTimeout(r, 300));
      const seen = Math.max(...[...out.matchAll(/tick (\d+)\n/g)].map((m) => Number(m[1])));
      const t0 = Date.now();
      await eventually(() => Promise.resolve(out.includes(`tick ${seen + 2}\n`)), 10_000);
      assert.ok(Date.now() - t0 >= 900, 'the new ticks arrived while following');
      assert.ok(out.startsWith('start\ntick 1\n'), out);
      assert.equal(child.exitCode, null, 'kubectl logs -f is still following');
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('--previous shows the container before the restart', async () => {
    await eventually(async () => {
      const c = ((await pod('twice'))['status']?.['containerStatuses'] as Json[] | undefined)?.[0];
      return c?.['restartCount'] === 1 && c['state']?.['running'] ? c : undefined;
    }, 30_000);
    await logsEqual(['twice'], 'second run\n');
    await logsEqual(['twice', '--previous'], 'first run\n');
  });

  test('--previous without a previous container is a BadRequest', async () => {
    const r = await s.kubectl(['logs', 'quiet', '--previous']);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Error from server \(BadRequest\): previous terminated container "quiet" in pod "quiet" not found/,
    );
  });

  test('the API names the containers when none is given for a pod with several', async () => {
    const r = await s.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/duo/log']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /a container name must be specified for pod duo, choose one of: \[a b\]/);
  });

  test('an unknown container is a BadRequest', async () => {
    const r = await s.kubectl(['logs', 'duo', '-c', 'nope']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container nope is not valid for pod duo/);
  });
});

describe('kubectl exec', () => {
  test('prints stdout and exits 0', async () => {
    const r = await s.kubectl(['exec', 'quiet', '--', 'echo', 'hi']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
  });

  test("returns the command's exit code", async () => {
    const r = await s.kubectl(['exec', 'quiet', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  test('separates stderr', async () => {
    const r = await s.kubectl(['exec', 'quiet', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  test('-i pipes stdin to the command', async () => {
    const r = await s.kubectl(['exec', '-i', 'quiet', '--', 'cat'], { input: 'abc\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'abc\n');
  });

  test('-c picks the container and runs in its namespaces', async () => {
    const r = await s.kubectl(['exec', 'twice', '-c', 'main', '--', 'cat', '/state/ran']);
    assert.equal(r.code, 0, r.stderr);
    const b = await s.kubectl(['exec', 'duo', '-c', 'b', '--', 'echo', 'in b']);
    assert.equal(b.stdout, 'in b\n');
  });

  test('kubectl attach streams the container output from now on', async () => {
    const child = spawn(KUBECTL, ['--kubeconfig', s.kubeconfig, 'attach', 'talker'], {
      env: { ...process.env, HOME: s.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const ticks = await eventually(() => {
        const seen = [...out.matchAll(/tick (\d+)\n/g)].map((m) => Number(m[1]));
        return Promise.resolve(seen.length >= 2 ? seen : undefined);
      }, 15_000);
      assert.ok(!out.includes('start\n'), 'earlier output is not replayed');
      assert.equal(ticks[1], ticks[0]! + 1);
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('an unknown container is a BadRequest', async () => {
    const r = await s.kubectl(['exec', 'duo', '-c', 'nope', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container nope is not valid for pod duo/);
  });
});
