import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { ContainerConfig, ContainerStatus, LogOptions } from '../interface.js';
import { ContainerStartError, ProcessRuntime, type ProcessRuntimeOptions } from './process-runtime.js';

const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), 'process-runtime-'));
const cgroupParent = `skiff-rttest-${process.pid}`;
const runtimes: ProcessRuntime[] = [];
const closed = new Set<ProcessRuntime>();
let seq = 0;

function newRuntime(opts: Partial<ProcessRuntimeOptions> = {}, stateDir?: string): ProcessRuntime {
  const rt = new ProcessRuntime({
    stateDir: stateDir ?? join(base, `rt${seq++}`),
    cgroupParent,
    pollIntervalMs: 50,
    ...opts,
  });
  runtimes.push(rt);
  return rt;
}

after(async () => {
  const parents = new Set<string>();
  for (const rt of runtimes) {
    if (closed.has(rt)) continue;
    const caps = await rt.capabilities();
    for (const c of [caps.cgroups.cpu, caps.cgroups.memory]) if (c) parents.add(c.parentDir);
    for (const c of rt.listContainers()) await rt.removeContainer(c.id).catch(() => undefined);
    for (const s of rt.listSandboxes()) await rt.removePodSandbox(s.podUid).catch(() => undefined);
    await rt.close();
  }
  for (const p of parents) if (existsSync(p)) rmdirSync(p);
  rmSync(base, { recursive: true, force: true });
});

async function sandbox(rt: ProcessRuntime, uid = `pod${seq++}`): Promise<{ uid: string; podDir: string }> {
  const podDir = join(base, 'pods', uid);
  await rt.runPodSandbox({
    podUid: uid,
    namespace: 'default',
    name: uid,
    hostname: `${uid}-host`,
    hostNetwork: true,
    labels: {},
    annotations: {},
    podDir,
  });
  return { uid, podDir };
}

function cfg(name: string, argv: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name,
    image: 'example.com/app:1',
    argv,
    env: {},
    mounts: [],
    attempt: 0,
    stdin: false,
    tty: false,
    specHash: 'hash-1',
    labels: {},
    ...extra,
  };
}

async function until<T>(fn: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const exited = (rt: ProcessRuntime, id: string): Promise<ContainerStatus> =>
  until(() => {
    const s = rt.containerStatus(id);
    return s?.state === 'exited' ? s : undefined;
  });

async function logText(rt: ProcessRuntime, id: string, opts: Partial<LogOptions> = {}): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await rt.logs(id, { follow: false, timestamps: false, ...opts }, out, new AbortController().signal);
  return Buffer.concat(chunks).toString();
}

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('capabilities', () => {
  it('isolates pods exactly when running as root', async () => {
    const caps = await newRuntime().capabilities();
    assert.ok(caps.perl, 'perl is found');
    assert.equal(caps.isolated, isRoot, caps.isolationNote);
    if (!caps.isolated) assert.match(caps.isolationNote ?? '', /host paths/);
  });

  it('reports the fallback in the sandbox when isolation is off', async () => {
    const rt = newRuntime({ isolation: 'off' });
    const { uid } = await sandbox(rt);
    const info = rt.listSandboxes().find((s) => s.podUid === uid);
    assert.equal(info?.isolated, false);
    assert.match(info?.isolationNote ?? '', /disabled by configuration/);
  });
});

for (const isolation of isRoot ? (['auto', 'off'] as const) : (['off'] as const)) {
  describe(`containers (isolation ${isolation})`, () => {
    const rt = newRuntime({ isolation });

    it('reports exit codes and reasons as upstream', async () => {
      const { uid } = await sandbox(rt);
      const cases: Array<[string[], number, string]> = [
        [['true'], 0, 'Completed'],
        [['sh', '-c', 'exit 3'], 3, 'Error'],
        [['sh', '-c', 'kill -KILL $$'], 137, 'Error'],
        [['sh', '-c', 'kill -TERM $$'], 143, 'Error'],
      ];
      const exits: ContainerStatus[] = [];
      rt.onContainerExit((s) => exits.push(s));
      const ids = await Promise.all(cases.map(([argv], i) => rt.startContainer(uid, cfg(`c${i}`, argv))));
      for (const [i, [argv, code, reason]] of cases.entries()) {
        const s = await exited(rt, ids[i]!);
        assert.equal(s.exitCode, code, argv.join(' '));
        assert.equal(s.reason, reason, argv.join(' '));
        assert.ok(s.startedAt && s.finishedAt && s.finishedAt >= s.startedAt);
        assert.equal(s.imageRef, 'example.com/app:1');
      }
      await until(() => ids.every((id) => exits.some((e) => e.id === id)));
    });

    it('fails to start a missing command and lists it as ContainerCannotRun', async () => {
      const { uid } = await sandbox(rt);
      const err = await rt.startContainer(uid, cfg('missing', ['/no/such/command'])).then(
        () => assert.fail('started'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ContainerStartError);
      assert.match(err.message, /No such file or directory/);
      const s = rt.containerStatus(err.containerId);
      assert.equal(s?.state, 'exited');
      assert.equal(s?.reason, 'ContainerCannotRun');
      assert.equal(s?.exitCode, 128);
    });

    it('runs with env, workingDir and the pod hostname', async () => {
      const { uid } = await sandbox(rt);
      const id = await rt.startContainer(
        uid,
        cfg('env', ['sh', '-c', 'pwd; echo "$GREETING"; echo "$HOSTNAME"; echo "$PATH"'], {
          env: { GREETING: 'hello world' },
          workingDir: '/usr/share',
        }),
      );
      await exited(rt, id);
      assert.equal(
        await logText(rt, id),
        `/usr/share\nhello world\n${uid}-host\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n`,
      );
    });

    it('writes CRI log records and serves tail, since, timestamps and partial lines', async () => {
      const { uid, podDir } = await sandbox(rt);
      const id = await rt.startContainer(
        uid,
        cfg('logger', ['sh', '-c', 'echo one; echo two >&2; echo three; printf four']),
      );
      await exited(rt, id);
      const s = rt.containerStatus(id);
      assert.equal(s?.logPath, join(podDir, 'logs', 'logger', '0.log'));
      const raw = readFileSync(s.logPath, 'utf8').split('\n').filter(Boolean);
      assert.equal(raw.length, 4);
      for (const line of raw)
        assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z (stdout|stderr) [FP] /);
      assert.match(raw.find((l) => l.endsWith('two')) ?? '', / stderr F two$/);
      assert.match(raw.at(-1) ?? '', / stdout P four$/);
      const all = await logText(rt, id);
      assert.deepEqual(all.split('\n').sort(), ['four', 'one', 'three', 'two']);
      assert.equal(await logText(rt, id, { tailLines: 1 }), 'four');
      assert.equal(await logText(rt, id, { since: new Date(Date.now() + 60_000) }), '');
      assert.match(
        await logText(rt, id, { timestamps: true, tailLines: 1 }),
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z four$/,
      );
      assert.equal(await logText(rt, id, { limitBytes: 3 }), all.slice(0, 3));
    });

    it('keeps stdin open when asked, and logs stderr as stdout with a tty', async () => {
      const { uid } = await sandbox(rt);
      const closedIn = await rt.startContainer(uid, cfg('stdin-closed', ['cat']));
      const openIn = await rt.startContainer(uid, cfg('stdin-open', ['cat'], { stdin: true }));
      const tty = await rt.startContainer(uid, cfg('tty', ['sh', '-c', 'echo to-stderr >&2'], { tty: true }));
      assert.equal((await exited(rt, closedIn)).exitCode, 0, 'stdin at EOF');
      const t = await exited(rt, tty);
      assert.match(readFileSync(t.logPath, 'utf8'), / stdout F to-stderr\n$/);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(rt.containerStatus(openIn)?.state, 'running', 'stdin stays open');
      await rt.stopContainer(openIn, 0);
    });

    it('follows the log until the container exits', async () => {
      const { uid } = await sandbox(rt);
      const id = await rt.startContainer(
        uid,
        cfg('follow', ['sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.1; done']),
      );
      assert.equal(await logText(rt, id, { follow: true }), '1\n2\n3\n');
      assert.equal(rt.containerStatus(id)?.state, 'exited');
    });

    it("keeps each attempt's log for --previous", async () => {
      const { uid } = await sandbox(rt);
      const first = await rt.startContainer(uid, cfg('app', ['echo', 'attempt 0']));
      await exited(rt, first);
      const second = await rt.startContainer(uid, cfg('app', ['echo', 'attempt 1'], { attempt: 1 }));
      await exited(rt, second);
      assert.equal(await logText(rt, first), 'attempt 0\n');
      assert.equal(await logText(rt, second), 'attempt 1\n');
      assert.match(rt.containerStatus(second)?.logPath ?? '', /\/app\/1\.log$/);
      await rt.removeContainer(first);
      assert.equal(rt.containerStatus(first), undefined);
      assert.equal(await logText(rt, second), 'attempt 1\n');
    });

    it('runs exec with output, stdin, exit code, tty and timeout', async () => {
      const { uid } = await sandbox(rt);
      const id = await rt.startContainer(
        uid,
        cfg('sleeper', ['sleep', '30'], { env: { WHO: 'container' }, workingDir: '/usr' }),
      );
      const out = sink();
      const err = sink();
      const code = await rt.exec(id, ['sh', '-c', 'echo "out $WHO $(pwd)"; echo err >&2; exit 5'], {
        stdout: out.stream,
        stderr: err.stream,
        tty: false,
      });
      assert.equal(code, 5);
      assert.equal(out.text(), 'out container /usr\n');
      assert.equal(err.text(), 'err\n');

      const stdin = new PassThrough();
      const echoed = sink();
      const cat = rt.exec(id, ['cat'], { stdin, stdout: echoed.stream, tty: false });
      stdin.end('piped input');
      assert.equal(await cat, 0);
      assert.equal(echoed.text(), 'piped input');

      const tty = sink();
      assert.equal(await rt.exec(id, ['sh', '-c', 'tty; exit 2'], { stdout: tty.stream, tty: true }), 2);
      assert.match(tty.text(), /\/dev\/pts\/\d+/);

      assert.equal(await rt.exec(id, ['/no/such/tool'], { tty: false }), 127);
      await assert.rejects(rt.exec(id, ['sleep', '10'], { tty: false, timeoutMs: 200 }), {
        name: 'TimeoutError',
      });
      const ac = new AbortController();
      const aborted = rt.exec(id, ['sleep', '10'], { tty: false, signal: ac.signal });
      ac.abort();
      await assert.rejects(aborted, { name: 'AbortError' });

      await rt.stopContainer(id, 0);
      await assert.rejects(rt.exec(id, ['true'], { tty: false }), /not running/);
    });

    it('stops with SIGTERM, and with SIGKILL after the grace period', async () => {
      const { uid } = await sandbox(rt);
      const polite = await rt.startContainer(
        uid,
        cfg('polite', ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.05; done']),
      );
      const stubborn = await rt.startContainer(
        uid,
        cfg('stubborn', ['sh', '-c', 'trap "" TERM; while :; do sleep 0.05; done']),
      );
      const quick = await rt.startContainer(uid, cfg('quick', ['sleep', '30']));
      await new Promise((r) => setTimeout(r, 200));

      let t = Date.now();
      await rt.stopContainer(polite, 10);
      assert.ok(Date.now() - t < 2000, 'a container that handles SIGTERM stops at once');
      assert.equal(rt.containerStatus(polite)?.exitCode, 0);

      t = Date.now();
      await rt.stopContainer(stubborn, 1);
      const took = Date.now() - t;
      assert.ok(took >= 1000 && took < 4000, `killed after the grace period (${took} ms)`);
      assert.equal(rt.containerStatus(stubborn)?.exitCode, 137);
      assert.equal(rt.containerStatus(stubborn)?.reason, 'Error');

      t = Date.now();
      await rt.stopContainer(quick, 0);
      assert.ok(Date.now() - t < 1000);
      assert.equal(rt.containerStatus(quick)?.exitCode, 137);
      await rt.stopContainer(quick, 5);
    });

    it('rotates the log at the size limit and keeps a bounded number of files', async () => {
      const small = newRuntime({ isolation, logMaxBytes: 4096, logMaxFiles: 3 });
      const { uid, podDir } = await sandbox(small);
      const script =
        'i=0; while [ $i -lt 400 ]; do echo "line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done';
      const id = await small.startContainer(uid, cfg('chatty', ['sh', '-c', script]));
      await exited(small, id);
      const logDir = join(podDir, 'logs', 'chatty');
      const files = readdirSync(logDir).sort();
      assert.equal(files.length, 3, files.join(' '));
      assert.ok(files.includes('0.log'));
      for (const f of files.filter((x) => x !== '0.log')) assert.match(f, /^0\.log\.\d{8}-\d{6}(\.\d+)?$/);
      for (const f of files) assert.ok(statSync(join(logDir, f)).size < 4096 + 200);
      const text = await logText(small, id);
      assert.match(text, /line-399-x+\n$/);
      await small.removeContainer(id);
      assert.deepEqual(existsSync(logDir) ? readdirSync(logDir) : [], []);
    });

    it('kills what is left when the sandbox stops, and recreates a sandbox whose holder died', async () => {
      const { uid } = await sandbox(rt);
      const first = rt.listSandboxes().find((s) => s.podUid === uid);
      const again = await rt.runPodSandbox({
        podUid: uid,
        namespace: 'default',
        name: uid,
        hostname: uid,
        hostNetwork: true,
        labels: {},
        annotations: {},
        podDir: join(base, 'pods', uid),
      });
      assert.equal(again.id, first?.id, 'idempotent');
      const id = await rt.startContainer(uid, cfg('left', ['sleep', '30']));
      await rt.stopPodSandbox(uid);
      const s = rt.containerStatus(id);
      assert.equal(s?.state, 'exited');
      assert.equal(s?.exitCode, 137);
      await rt.removePodSandbox(uid);
      assert.equal(rt.containerStatus(id), undefined);
      assert.equal(
        rt.listSandboxes().some((x) => x.podUid === uid),
        false,
      );
    });
  });
}

if (isRoot) {
  describe('pod isolation (root)', () => {
    const stateDir = join(base, `isolated${seq++}`);
    const rt = newRuntime({}, stateDir);

    it('binds volumes at their mountPaths without creating them on the host', async () => {
      const { uid, podDir } = await sandbox(rt);
      const cfgDir = join(podDir, 'volumes', 'config');
      const dataDir = join(podDir, 'volumes', 'data');
      mkdirSync(cfgDir, { recursive: true });
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(cfgDir, 'key'), 'value-from-configmap\n');
      writeFileSync(join(podDir, 'volumes', 'single-file'), 'file-mount\n');
      const tag = `skiff-test-${process.pid}`;
      const script = [
        `cat /etc/${tag}/config/key`,
        `cat /opt/${tag}/file.txt`,
        `echo written > /${tag}/data/out`,
        `touch /etc/${tag}/config/new 2>/dev/null || echo read-only`,
        'tr "\\0" " " < /proc/1/cmdline; echo',
        `ls -A ${stateDir} | wc -l`,
      ].join('; ');
      const id = await rt.startContainer(
        uid,
        cfg('reader', ['sh', '-c', script], {
          mounts: [
            { hostPath: cfgDir, containerPath: `/etc/${tag}/config`, readOnly: true },
            { hostPath: dataDir, containerPath: `/${tag}/data`, readOnly: false },
            {
              hostPath: join(podDir, 'volumes', 'single-file'),
              containerPath: `/opt/${tag}/file.txt`,
              readOnly: true,
            },
          ],
        }),
      );
      const s = await exited(rt, id);
      const lines = (await logText(rt, id)).split('\n');
      assert.equal(s.exitCode, 0, lines.join('\n'));
      assert.equal(lines[0], 'value-from-configmap');
      assert.equal(lines[1], 'file-mount');
      assert.equal(lines[2], 'read-only');
      assert.match(lines[3] ?? '', /^skiff-sandbox /, 'pid 1 is the pod sandbox holder');
      assert.equal(lines[4], '0', "the runtime's state directory is hidden");
      assert.equal(readFileSync(join(dataDir, 'out'), 'utf8'), 'written\n');
      for (const p of [`/etc/${tag}`, `/${tag}`, `/opt/${tag}`])
        assert.equal(existsSync(p), false, `${p} not on the host`);
    });

    it('shares one PID namespace across the containers of a pod', async () => {
      const { uid } = await sandbox(rt);
      const a = await rt.startContainer(uid, cfg('a', ['sleep', '30']));
      const out = sink();
      const b = await rt.startContainer(uid, cfg('b', ['sleep', '30']));
      assert.equal(
        await rt.exec(b, ['sh', '-c', 'ps -e -o comm= | sort | uniq -c | tr -s " "'], {
          stdout: out.stream,
          tty: false,
        }),
        0,
      );
      assert.match(out.text(), / 2 sleep\n/);
      assert.match(out.text(), /skiff-sandbox/);
      await Promise.all([rt.stopContainer(a, 0), rt.stopContainer(b, 0)]);
    });
  });
}

describe('adoption by a new runtime instance', () => {
  it('finds running containers, their exits, logs and exec', async () => {
    const stateDir = join(base, `adopt${seq++}`);
    const first = newRuntime({}, stateDir);
    const { uid } = await sandbox(first);
    const sleeper = await first.startContainer(
      uid,
      cfg('sleeper', ['sh', '-c', 'echo started; exec sleep 30']),
    );
    const short = await first.startContainer(uid, cfg('short', ['sh', '-c', 'sleep 0.6; exit 7']));
    const early = await first.startContainer(uid, cfg('early', ['sh', '-c', 'sleep 0.2; exit 9']));
    const pid = first.containerStatus(sleeper)?.pid;
    await first.close();
    closed.add(first);
    await assert.rejects(first.stopContainer(sleeper, 0), /closed/);
    await new Promise((r) => setTimeout(r, 400));

    const second = newRuntime({}, stateDir);
    assert.deepEqual(
      second.listSandboxes().map((s) => s.podUid),
      [uid],
    );
    assert.equal(second.listContainers(uid).length, 3);
    const s = second.containerStatus(sleeper);
    assert.equal(s?.state, 'running');
    assert.equal(s?.pid, pid);
    assert.equal(second.containerStatus(early)?.exitCode, 9, 'exited while no runtime watched');
    assert.equal(second.containerStatus(early)?.reason, 'Error');

    const exits: ContainerStatus[] = [];
    second.onContainerExit((x) => exits.push(x));
    const seen = await until(() => exits.find((x) => x.id === short));
    assert.equal(seen.exitCode, 7);

    const out = sink();
    assert.equal(await second.exec(sleeper, ['echo', 'adopted'], { stdout: out.stream, tty: false }), 0);
    assert.equal(out.text(), 'adopted\n');
    assert.equal(await logText(second, sleeper), 'started\n');

    await second.stopContainer(sleeper, 5);
    assert.equal(second.containerStatus(sleeper)?.exitCode, 143);
    assert.ok(exits.some((x) => x.id === sleeper));
  });
});

describe('resource limits', () => {
  const rt = newRuntime();

  it('applies CPU and memory limits in the container cgroups, or says why not', async () => {
    const caps = await rt.capabilities();
    const { uid } = await sandbox(rt);
    const id = await rt.startContainer(
      uid,
      cfg('limited', ['sleep', '30'], { limits: { milliCPU: 500, memoryBytes: 48 << 20 } }),
    );
    if (!caps.cgroups.cpu || !caps.cgroups.memory)
      assert.ok(caps.cgroups.note, 'the missing controller is explained');
    if (caps.cgroups.cpu) {
      const d = join(caps.cgroups.cpu.parentDir, id);
      const pids = readFileSync(join(d, 'cgroup.procs'), 'utf8').trim().split('\n');
      assert.ok(pids.includes(String(rt.containerStatus(id)?.pid)), 'the container is in its cgroup');
      const quota =
        caps.cgroups.cpu.version === 1
          ? readFileSync(join(d, 'cpu.cfs_quota_us'), 'utf8')
          : readFileSync(join(d, 'cpu.max'), 'utf8');
      assert.match(quota, /^50000\b/);
    }
    if (caps.cgroups.memory) {
      const d = join(caps.cgroups.memory.parentDir, id);
      const file = caps.cgroups.memory.version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
      assert.equal(readFileSync(join(d, file), 'utf8').trim(), String(48 << 20));
    }
    await rt.removeContainer(id);
    if (caps.cgroups.cpu)
      assert.equal(existsSync(join(caps.cgroups.cpu.parentDir, id)), false, 'cgroup removed');
  });

  it('reports OOMKilled when the memory limit is hit', async (t) => {
    const caps = await rt.capabilities();
    if (!caps.cgroups.memory) {
      assert.ok(caps.cgroups.note);
      t.diagnostic(`no memory cgroup: ${caps.cgroups.note}`);
      return;
    }
    const { uid } = await sandbox(rt);
    const id = await rt.startContainer(
      uid,
      cfg('hog', ['perl', '-e', '$x = "a" x (256 * 1024 * 1024); print length $x'], {
        limits: { memoryBytes: 32 << 20 },
      }),
    );
    const s = await exited(rt, id);
    assert.equal(s.reason, 'OOMKilled');
    assert.equal(s.exitCode, 137);
  });
});
