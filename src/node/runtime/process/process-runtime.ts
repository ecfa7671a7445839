/**
 * @module The process runtime: containers are host processes. Each pod sandbox is a PID namespace held by a
 * small init process; each container runs under its own shim (see shim-script.ts) in its own mount namespace,
 * where the host's filesystem is the root and volumes are bound at their mountPaths. Without root (or
 * namespaces) containers run directly on the host. State lives in small files so a new runtime instance adopts
 * what an earlier one started.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  accessSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { constants as osConstants, networkInterfaces } from 'node:os';
import { basename, delimiter, dirname, join, posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type {
  ContainerConfig,
  ContainerState,
  ContainerStatus,
  ExecOptions,
  LogOptions,
  Runtime,
  SandboxConfig,
  SandboxInfo,
} from '../interface.js';
import {
  containerCgroupDirs,
  createContainerCgroups,
  readOomKills,
  removeCgroups,
  setupCgroups,
  signalCgroups,
  type CgroupSetup,
} from './cgroups.js';
import { readCriLog } from './cri-log.js';
import { isProcessAlive } from './proc.js';
import { SHIM_SCRIPT } from './shim-script.js';
import { ShimSpawner, type SetupEntry, type SpawnedShim } from './spawner.js';

/** The kubelet's defaults for containerLogMaxSize and containerLogMaxFiles. */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_MAX_FILES = 5;
/** PATH a container gets when its env has none (the usual default of container runtimes). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ProcessRuntimeOptions {
  /** Directory for runtime state (sandboxes, containers, the shim); keep it across agent restarts. */
  stateDir: string;
  /** IP reported for every pod (host network); default: the first non-internal IPv4 address. */
  hostIP?: string;
  logMaxBytes?: number;
  logMaxFiles?: number;
  /** 'off' runs containers on the host without namespaces even when they are available. */
  isolation?: 'auto' | 'off';
  /** Name of the cgroup created below the agent's own cgroup for containers; false disables cgroups. */
  cgroupParent?: string | false;
  /** Host directories hidden (by an empty tmpfs) inside isolated containers; the state dir always is. */
  hidePaths?: string[];
  /** The perl interpreter (default: found on PATH). */
  perlPath?: string;
  /** How often containers adopted from an earlier runtime instance are checked for exit. */
  pollIntervalMs?: number;
  /** How long a container's setup may take before startContainer fails. */
  startTimeoutMs?: number;
  logger?: Logger;
}

/** What this machine allows, found once (lazily) by {@link ProcessRuntime.capabilities}. */
export interface ProcessRuntimeCapabilities {
  /** Path of perl, or undefined when there is none (then no container can start). */
  perl?: string;
  /** Pods get PID and mount namespaces and volumes at their mountPaths. */
  isolated: boolean;
  isolationNote?: string;
  /** overlayfs works, so mountPaths that do not exist on the host can be created inside containers. */
  overlay: boolean;
  /** `kubectl exec -t` gets a pseudo-terminal through util-linux `script`. */
  execTty: boolean;
  cgroups: CgroupSetup;
}

/** startContainer's error when the command could not be started; the container stays listed as exited. */
export class ContainerStartError extends Error {
  constructor(
    readonly containerId: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContainerStartError';
  }
}

interface SyscallNumbers {
  unshare: number;
  setns: number;
  mount: number;
  clock_gettime: number;
}

const GENERIC_SYSCALLS: SyscallNumbers = { unshare: 97, setns: 268, mount: 40, clock_gettime: 113 };
const SYSCALLS: Partial<Record<string, SyscallNumbers>> = {
  x64: { unshare: 272, setns: 308, mount: 165, clock_gettime: 228 },
  arm64: GENERIC_SYSCALLS,
  riscv64: GENERIC_SYSCALLS,
  loong64: GENERIC_SYSCALLS,
};

interface SandboxRecord {
  id: string;
  podUid: string;
  namespace: string;
  name: string;
  hostname: string;
  podDir: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ip: string;
  isolated: boolean;
  isolationNote?: string;
  createdAt: string;
  holderPid?: number;
  holderStart?: number;
}

interface ContainerRecord {
  id: string;
  podUid: string;
  sandboxId: string;
  name: string;
  attempt: number;
  image: string;
  specHash: string;
  labels: Record<string, string>;
  logPath: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  state: ContainerState;
  pid?: number;
  pidStart?: number;
  shimPid?: number;
  shimStart?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  cgroups: string[];
}

interface ExitFile {
  exitCode: number;
  signal: number;
  finishedNs?: bigint;
  reason?: string;
  message?: string;
}

/** Environment the shim itself runs with (the container's comes from a file). */
const SHIM_ENV = { PATH: DEFAULT_PATH, LC_ALL: 'C' };
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CONTAINER_FILES = [
  'state.json',
  'state.json.tmp',
  'argv',
  'env',
  'shim.conf',
  'pid',
  'pid.tmp',
  'exit',
  'exit.tmp',
  'shim.log',
  'stdin',
];

function findOnPath(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? DEFAULT_PATH).split(delimiter).concat(DEFAULT_PATH.split(':'))) {
    const p = join(d, cmd);
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** 32 hex digits (randomUUID draws from a cached entropy pool; randomBytes makes a system call each time). */
function newId(): string {
  return randomUUID().replaceAll('-', '');
}

function defaultHostIP(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

async function writeJsonAtomicAsync(path: string, value: unknown): Promise<void> {
  await writeFile(path + '.tmp', JSON.stringify(value, null, 1));
  await rename(path + '.tmp', path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function readKeyValues(path: string): Map<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

function readTextQuiet(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readExitFile(dir: string): ExitFile | undefined {
  const kv = readKeyValues(join(dir, 'exit'));
  const code = kv?.get('exit_code');
  if (!kv || code === undefined) return undefined;
  const ns = kv.get('finished_ns');
  return {
    exitCode: Number(code),
    signal: Number(kv.get('signal') ?? 0),
    finishedNs: ns && /^\d+$/.test(ns) ? BigInt(ns) : undefined,
    reason: kv.get('reason') || undefined,
    message: kv.get('message') || undefined,
  };
}

function nsToDate(ns: bigint): Date {
  return new Date(Number(ns / 1_000_000n));
}

function nulJoin(items: string[], what: string): string {
  for (const s of items) if (s.includes('\0')) throw new Error(`${what} must not contain NUL characters`);
  return items.map((s) => s + '\0').join('');
}

function confValue(v: string, what: string): string {
  if (/[\n\r\t]/.test(v))
    throw new Error(`${what} must not contain tabs or line breaks: ${JSON.stringify(v)}`);
  return v;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone
  }
}

/** The shim's handshake line; rejects after `timeoutMs`. */
function awaitHandshake(shim: SpawnedShim, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the container shim did not report within ${timeoutMs} ms`)),
      timeoutMs,
    );
    void shim.handshake.then((line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
}

/**
 * The `process` Runtime. Needs perl (perl-base is part of every Debian system) for the shims; as root with
 * working namespaces, pods are isolated, otherwise containers run on the host and SandboxInfo says so.
 */
export class ProcessRuntime implements Runtime {
  readonly name = 'process';
  private readonly stateDir: string;
  private readonly sandboxesDir: string;
  private readonly containersDir: string;
  private readonly shimPath: string;
  private readonly log: Logger;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  /** Shims started by this instance's spawner, whose exit it reports (the others are polled). */
  private readonly children = new Map<string, SpawnedShim>();
  private spawner: ShimSpawner | undefined;
  /** State files (state.json, sandbox.json) written in the background, by path (`again`: once more). */
  private readonly stateWrites = new Map<string, { done: Promise<void>; again: boolean }>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly listeners: Array<(status: ContainerStatus) => void> = [];
  private readonly sandboxOps = new Map<string, Promise<SandboxInfo>>();
  private caps: Promise<ProcessRuntimeCapabilities> | undefined;
  private poller: NodeJS.Timeout | undefined;
  private closed = false;
  private cgroupWarned = false;

  constructor(private readonly opts: ProcessRuntimeOptions) {
    this.stateDir = opts.stateDir;
    this.sandboxesDir = join(this.stateDir, 'sandboxes');
    this.containersDir = join(this.stateDir, 'containers');
    this.shimPath = join(this.stateDir, 'skiff-shim.pl');
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'process-runtime' });
    mkdirSync(this.sandboxesDir, { recursive: true });
    mkdirSync(this.containersDir, { recursive: true });
    this.installShim();
    this.load();
  }

  /** What isolation, overlay and cgroup support this machine offers (probed once). */
  capabilities(): Promise<ProcessRuntimeCapabilities> {
    this.caps ??= this.probe();
    return this.caps;
  }

  // --- sandboxes ---------------------------------------------------------------------------------------

  runPodSandbox(config: SandboxConfig): Promise<SandboxInfo> {
    this.assertOpen();
    const prev = this.sandboxOps.get(config.podUid) ?? Promise.resolve(undefined);
    const next = prev.catch(() => undefined).then(() => this.doRunPodSandbox(config));
    this.sandboxOps.set(config.podUid, next);
    void next
      .finally(() => {
        if (this.sandboxOps.get(config.podUid) === next) this.sandboxOps.delete(config.podUid);
      })
      .catch(() => undefined);
    return next;
  }

  private async doRunPodSandbox(config: SandboxConfig): Promise<SandboxInfo> {
    if (!ID_RE.test(config.podUid)) throw new Error(`invalid pod uid ${JSON.stringify(config.podUid)}`);
    const existing = this.sandboxes.get(config.podUid);
    if (existing && (!existing.isolated || isProcessAlive(existing.holderPid, existing.holderStart))) {
      return this.sandboxInfo(existing);
    }
    const caps = await this.capabilities();
    const dir = join(this.sandboxesDir, config.podUid);
    const rec: SandboxRecord = {
      id: newId(),
      podUid: config.podUid,
      namespace: config.namespace,
      name: config.name,
      hostname: config.hostname,
      podDir: config.podDir,
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      ip: this.opts.hostIP ?? defaultHostIP(),
      isolated: caps.isolated,
      isolationNote: caps.isolationNote,
      createdAt: new Date().toISOString(),
    };
    if (caps.isolated && caps.perl) {
      const sys = SYSCALLS[process.arch];
      const conf = [`name=${confValue(`${config.namespace}/${config.name}`, 'pod name')}`];
      if (sys) conf.push(`sys_unshare=${sys.unshare}`, `sys_setns=${sys.setns}`, `sys_mount=${sys.mount}`);
      // sandbox.json is written without the holder's pid: the holder writes that in its `holder` file.
      const shim = this.shimSpawner(caps.perl).spawn('holder', dir, [
        { dir: config.podDir },
        { dir },
        { file: join(dir, 'shim.conf'), data: conf.join('\n') + '\n' },
        { file: join(dir, 'sandbox.json'), data: JSON.stringify(rec, null, 1) },
      ]);
      const hs = await awaitHandshake(shim, this.opts.startTimeoutMs ?? 30_000).catch((e: Error) => {
        if (shim.pid !== undefined) killGroup(shim.pid, 'SIGKILL');
        return e.message;
      });
      const m = /^ok (\d+) (\d+)$/.exec(hs);
      if (!m) throw new Error(`could not create the pod's namespaces: ${hs || 'the holder exited'}`);
      rec.holderPid = Number(m[1]);
      rec.holderStart = Number(m[2]);
    } else {
      await Promise.all([mkdir(config.podDir, { recursive: true }), mkdir(dir, { recursive: true })]);
      this.writeStateSoon(join(dir, 'sandbox.json'), rec);
    }
    this.sandboxes.set(rec.podUid, rec);
    if (existing) this.log.info({ podUid: rec.podUid }, 'recreated the pod sandbox (its holder had exited)');
    return this.sandboxInfo(rec);
  }

  async stopPodSandbox(podUid: string): Promise<void> {
    this.assertOpen();
    const sb = this.sandboxes.get(podUid);
    const running = this.listRecords(podUid).filter((c) => c.state !== 'exited');
    for (const c of running) this.signalContainer(c, 'SIGKILL');
    if (sb?.holderPid !== undefined && isProcessAlive(sb.holderPid, sb.holderStart)) {
      // Killing the namespace's init kills every process left in it.
      try {
        process.kill(sb.holderPid, 'SIGKILL');
      } catch {
        // gone
      }
      for (let i = 0; i < 100 && isProcessAlive(sb.holderPid, sb.holderStart); i++) await delay(20);
    }
    await Promise.all(running.map((c) => this.waitExited(c.id, 30_000)));
    if (sb && sb.holderPid !== undefined) {
      delete sb.holderPid;
      delete sb.holderStart;
      this.unlinkQuiet(join(this.sandboxesDir, podUid, 'holder'));
      this.writeStateSoon(join(this.sandboxesDir, podUid, 'sandbox.json'), sb);
    }
  }

  async removePodSandbox(podUid: string): Promise<void> {
    this.assertOpen();
    await this.stopPodSandbox(podUid);
    for (const c of this.listRecords(podUid)) await this.removeContainerRecord(c, false);
    const dir = join(this.sandboxesDir, podUid);
    await this.stateWrites.get(join(dir, 'sandbox.json'))?.done;
    for (const f of ['sandbox.json', 'sandbox.json.tmp', 'shim.conf', 'holder', 'holder.tmp'])
      this.unlinkQuiet(join(dir, f));
    this.rmdirQuiet(dir);
    this.sandboxes.delete(podUid);
  }

  listSandboxes(): SandboxInfo[] {
    return [...this.sandboxes.values()].map((s) => this.sandboxInfo(s));
  }

  // --- containers --------------------------------------------------------------------------------------

  async startContainer(podUid: string, config: ContainerConfig): Promise<string> {
    this.assertOpen();
    const sb = this.sandboxes.get(podUid);
    if (!sb) throw new Error(`pod ${podUid} has no sandbox`);
    if (sb.isolated && !isProcessAlive(sb.holderPid, sb.holderStart)) {
      throw new Error(`the sandbox of pod ${podUid} is not ready (its namespace holder is gone)`);
    }
    if (config.argv.length === 0) throw new Error(`container ${config.name}: no command to run`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(config.name))
      throw new Error(`invalid container name ${config.name}`);
    const caps = await this.capabilities();
    if (!caps.perl) throw new Error('the process runtime needs perl (its container shim); none was found');

    const id = newId();
    const dir = join(this.containersDir, id);
    const logPath = join(sb.podDir, 'logs', config.name, `${Math.max(0, Math.floor(config.attempt))}.log`);
    const env: Record<string, string> = { ...config.env };
    env.PATH ??= DEFAULT_PATH;
    env.HOSTNAME ??= sb.hostname;
    env.HOME ??= process.getuid?.() === 0 ? '/root' : (process.env.HOME ?? '/');

    const conf: string[] = [`id=${id}`, `log=${confValue(logPath, 'log path')}`];
    conf.push(`log_max_bytes=${this.opts.logMaxBytes ?? DEFAULT_LOG_MAX_BYTES}`);
    conf.push(`log_max_files=${this.opts.logMaxFiles ?? DEFAULT_LOG_MAX_FILES}`);
    const sys = SYSCALLS[process.arch];
    if (sys) {
      conf.push(`sys_unshare=${sys.unshare}`, `sys_setns=${sys.setns}`, `sys_mount=${sys.mount}`);
      conf.push(`sys_clock_gettime=${sys.clock_gettime}`);
    }
    if (config.workingDir) {
      if (!config.workingDir.startsWith('/'))
        throw new Error(`workingDir must be absolute: ${config.workingDir}`);
      conf.push(`workdir=${confValue(config.workingDir, 'workingDir')}`);
    }
    if (config.stdin) conf.push(`stdin=${join(dir, 'stdin')}`);
    if (config.tty) conf.push('tty=1');
    if (sb.isolated) {
      conf.push(
        `pidns=/proc/${sb.holderPid}/ns/pid`,
        `rootfs=${join(dir, 'rootfs')}`,
        `scratch=${join(dir, 'scratch')}`,
      );
      for (const h of [this.stateDir, ...(this.opts.hidePaths ?? [])])
        conf.push(`hide=${confValue(h, 'hidden path')}`);
      const mounts = config.mounts
        .map((m) => {
          const target = posix.normalize(m.containerPath);
          if (!target.startsWith('/')) throw new Error(`mountPath must be absolute: ${m.containerPath}`);
          return { ...m, target };
        })
        .sort((a, b) => a.target.split('/').length - b.target.split('/').length);
      for (const m of mounts) {
        conf.push(
          `mount=${m.readOnly ? 'ro' : 'rw'}\t${confValue(m.hostPath, 'volume path')}\t${confValue(m.target, 'mountPath')}`,
        );
      }
    }

    // The shim's forked process creates these before it starts (see ShimSpawner.spawn).
    const setup: SetupEntry[] = [{ dir }];
    if (sb.isolated) setup.push({ dir: join(dir, 'rootfs') }, { dir: join(dir, 'scratch') });
    setup.push(
      { dir: dirname(logPath) },
      { file: join(dir, 'argv'), data: nulJoin(config.argv, 'command and args') },
      {
        file: join(dir, 'env'),
        data: nulJoin(
          Object.entries(env).map(([k, v]) => `${k}=${v}`),
          'environment',
        ),
      },
    );
    let cgroups: string[] = [];
    if (caps.cgroups.cpu || caps.cgroups.memory) {
      try {
        cgroups = createContainerCgroups(caps.cgroups, id, config.limits);
      } catch (e) {
        this.warnCgroupsOnce(
          `could not create cgroups for container ${config.name}: ${(e as Error).message}`,
        );
        cgroups = containerCgroupDirs(caps.cgroups, id).filter((d) => existsSync(d));
      }
    } else if (config.limits && (config.limits.milliCPU || config.limits.memoryBytes)) {
      this.warnCgroupsOnce(caps.cgroups.note ?? 'cgroups are disabled; container limits are not enforced');
    }
    for (const cg of cgroups) conf.push(`cgroup=${confValue(cg, 'cgroup path')}`);
    setup.push({ file: join(dir, 'shim.conf'), data: conf.join('\n') + '\n' });

    const rec: ContainerRecord = {
      id,
      podUid,
      sandboxId: sb.id,
      name: config.name,
      attempt: config.attempt,
      image: config.image,
      specHash: config.specHash,
      labels: { ...config.labels },
      logPath,
      createdAt: new Date().toISOString(),
      state: 'created',
      cgroups,
    };
    this.containers.set(id, rec);
    setup.push({ file: join(dir, 'state.json'), data: JSON.stringify(rec, null, 1) });

    const child = this.shimSpawner(caps.perl).spawn('run', dir, setup);
    this.children.set(id, child);
    child.onEnd((lost) => {
      if (this.children.get(id) === child) this.children.delete(id);
      const r = this.containers.get(id);
      if (!r || r.state !== 'running' || this.closed) return;
      if (lost) this.ensurePolling();
      else this.refresh(r, true);
    });

    let hs: string;
    try {
      hs = await awaitHandshake(child, this.opts.startTimeoutMs ?? 30_000);
    } catch (e) {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      this.markExited(
        rec,
        { exitCode: 128, signal: 0, reason: 'ContainerCannotRun', message: (e as Error).message },
        false,
      );
      throw new ContainerStartError(id, (e as Error).message);
    }
    if (child.pid !== undefined) {
      rec.shimPid = child.pid;
      rec.shimStart = child.startTime;
    }
    const ok = /^ok (\d+) (\d+) (\d+)$/.exec(hs);
    if (!ok) {
      if (!hs && !child.exited && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      const exit = readExitFile(dir) ?? {
        exitCode: 128,
        signal: 0,
        reason: 'ContainerCannotRun',
        message: this.shimFailure(dir, hs),
      };
      this.markExited(rec, exit, false);
      throw new ContainerStartError(id, exit.message ?? 'the container could not be started');
    }
    rec.pid = Number(ok[1]);
    rec.startedAt = nsToDate(BigInt(ok[2] ?? '0')).toISOString();
    rec.pidStart = Number(ok[3]) || undefined;
    rec.state = 'running';
    // state.json keeps saying `created` until the container exits: the shim's pid file says it started.
    // The shim may have exited already (a short-lived command); its exit event was ignored while starting.
    if (child.exited) this.refresh(rec, true);
    else if (!this.children.has(id)) this.ensurePolling();
    return id;
  }

  async stopContainer(containerId: string, gracePeriodSeconds: number): Promise<void> {
    this.assertOpen();
    const rec = this.mustGet(containerId);
    if (rec.state === 'exited') return;
    if (gracePeriodSeconds > 0) {
      this.signalContainer(rec, 'SIGTERM');
      if (await this.waitExited(containerId, gracePeriodSeconds * 1000)) return;
    }
    this.signalContainer(rec, 'SIGKILL');
    signalCgroups(rec.cgroups, 'SIGKILL');
    if (!(await this.waitExited(containerId, 30_000))) {
      throw new Error(`container ${rec.name} (${containerId}) did not exit after SIGKILL`);
    }
  }

  async removeContainer(containerId: string): Promise<void> {
    this.assertOpen();
    const rec = this.containers.get(containerId);
    if (!rec) return;
    if (rec.state !== 'exited') await this.stopContainer(containerId, 0);
    await this.removeContainerRecord(rec, true);
  }

  containerStatus(containerId: string): ContainerStatus | undefined {
    const rec = this.containers.get(containerId);
    return rec && this.status(rec);
  }

  listContainers(podUid?: string): ContainerStatus[] {
    return this.listRecords(podUid).map((r) => this.status(r));
  }

  async exec(containerId: string, argv: string[], opts: ExecOptions): Promise<number> {
    this.assertOpen();
    const rec = this.mustGet(containerId);
    if (rec.state !== 'running' || !isProcessAlive(rec.pid, rec.pidStart)) {
      throw new Error(`container ${rec.name} (${containerId}) is not running`);
    }
    if (argv.length === 0) throw new Error('exec: no command given');
    const caps = await this.capabilities();
    if (!caps.perl) throw new Error('the process runtime needs perl; none was found');
    const cmd =
      opts.tty && caps.execTty
        ? ['script', '-q', '-e', '-c', argv.map(shellQuote).join(' '), '/dev/null']
        : argv;
    const child = spawn(
      caps.perl,
      [this.shimPath, 'exec', join(this.containersDir, containerId), String(rec.pid), '--', ...cmd],
      {
        detached: true,
        stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        cwd: '/',
        env: SHIM_ENV,
      },
    );
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const kill = (): void => {
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      };
      const finish = (err: Error | undefined, code?: number): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.stdin && child.stdin) opts.stdin.unpipe(child.stdin);
        if (err) reject(err);
        else resolve(code ?? 0);
      };
      const onAbort = (): void => {
        kill();
        const e = new Error('exec aborted');
        e.name = 'AbortError';
        finish(e);
      };
      const timer =
        opts.timeoutMs !== undefined && opts.timeoutMs > 0
          ? setTimeout(() => {
              kill();
              const e = new Error(`exec timed out after ${opts.timeoutMs} ms`);
              e.name = 'TimeoutError';
              finish(e);
            }, opts.timeoutMs)
          : undefined;
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort);
      child.once('error', (e) => finish(e));
      if (opts.stdin && child.stdin) {
        child.stdin.on('error', () => undefined);
        opts.stdin.pipe(child.stdin);
      }
      pipeOut(child.stdout, opts.stdout);
      pipeOut(child.stderr, opts.stderr);
      child.once('close', (code, signal) =>
        finish(undefined, code ?? (signal ? 128 + signalNumber(signal) : 0)),
      );
    });
  }

  async logs(containerId: string, opts: LogOptions, out: Writable, signal: AbortSignal): Promise<void> {
    const rec = this.mustGet(containerId);
    if (!existsSync(rec.logPath)) return;
    await readCriLog(
      rec.logPath,
      opts,
      out,
      signal,
      () => this.containers.get(containerId)?.state === 'running',
    );
  }

  onContainerExit(listener: (status: ContainerStatus) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const spawner = this.spawner;
    this.spawner = undefined;
    await spawner?.close();
    await Promise.all([...this.stateWrites.values()].map((p) => p.done));
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    for (const wake of [...this.waiters.values()].flat()) wake();
    this.waiters.clear();
  }

  // --- internals ---------------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new Error('the process runtime is closed');
  }

  private mustGet(containerId: string): ContainerRecord {
    const rec = this.containers.get(containerId);
    if (!rec) throw new Error(`container ${containerId} not found`);
    return rec;
  }

  private listRecords(podUid?: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => podUid === undefined || c.podUid === podUid);
  }

  private shimSpawner(perl: string): ShimSpawner {
    this.spawner ??= new ShimSpawner(
      perl,
      this.shimPath,
      SHIM_ENV,
      join(this.stateDir, 'spawner.log'),
      this.log,
    );
    return this.spawner;
  }

  private installShim(): void {
    let current: string | undefined;
    try {
      current = readFileSync(this.shimPath, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === SHIM_SCRIPT) return;
    writeFileSync(this.shimPath + '.tmp', SHIM_SCRIPT, { mode: 0o644 });
    renameSync(this.shimPath + '.tmp', this.shimPath);
  }

  private async probe(): Promise<ProcessRuntimeCapabilities> {
    const perl = this.opts.perlPath ?? findOnPath('perl');
    const cgroups: CgroupSetup =
      this.opts.cgroupParent === false
        ? { note: 'cgroups disabled by configuration' }
        : setupCgroups(this.opts.cgroupParent ?? 'skiff');
    if (cgroups.note) this.log.warn(cgroups.note);
    const execTty = existsSync('/usr/bin/script') || findOnPath('script') !== undefined;
    const base = { perl, overlay: false, execTty, cgroups };
    const off = (note: string): ProcessRuntimeCapabilities => {
      const isolationNote = `pod isolation unavailable (${note}): containers share the host's mount and PID namespaces and see volumes at their host paths, not at their mountPaths`;
      this.log.warn(isolationNote);
      return { ...base, isolated: false, isolationNote };
    };
    if (!perl) return off('perl not found');
    if (this.opts.isolation === 'off') return off('disabled by configuration');
    if (process.platform !== 'linux') return off(`not supported on ${process.platform}`);
    if (process.getuid?.() !== 0) return off('the agent does not run as root');
    const sys = SYSCALLS[process.arch];
    if (!sys) return off(`unknown system call numbers for ${process.arch}`);
    const dir = join(this.stateDir, 'probe');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'shim.conf'),
      `sys_unshare=${sys.unshare}\nsys_setns=${sys.setns}\nsys_mount=${sys.mount}\nscratch=${dir}\n`,
    );
    const out = await new Promise<string>((resolve) => {
      const child = spawn(perl, [this.shimPath, 'probe', dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: SHIM_ENV,
        cwd: '/',
      });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.once('error', (e) => resolve(e.message));
      child.once('close', () => resolve(text));
    });
    for (const d of ['upper', 'work', 'merged']) this.rmdirQuiet(join(dir, d));
    const lines = out.split('\n');
    if (!lines.includes('ok')) return off(`namespaces: ${out.trim() || 'probe failed'}`);
    const overlay = lines.includes('overlay ok');
    if (!overlay)
      this.log.warn(
        `overlayfs unavailable (${out.trim()}): a mountPath that does not exist on the host cannot be created`,
      );
    return { ...base, isolated: true, overlay };
  }

  private warnCgroupsOnce(msg: string): void {
    if (this.cgroupWarned) return;
    this.cgroupWarned = true;
    this.log.warn(msg);
  }

  private load(): void {
    for (const uid of this.readdirQuiet(this.sandboxesDir)) {
      const rec = readJson<SandboxRecord>(join(this.sandboxesDir, uid, 'sandbox.json'));
      if (!rec || rec.podUid !== uid) continue;
      if (rec.isolated && rec.holderPid === undefined) {
        const [pid, start] = (readTextQuiet(join(this.sandboxesDir, uid, 'holder')) ?? '').trim().split(' ');
        if (pid && start) {
          rec.holderPid = Number(pid);
          rec.holderStart = Number(start);
        }
      }
      this.sandboxes.set(uid, rec);
    }
    for (const id of this.readdirQuiet(this.containersDir)) {
      const dir = join(this.containersDir, id);
      const rec = readJson<ContainerRecord>(join(dir, 'state.json'));
      if (!rec || rec.id !== id) continue;
      this.containers.set(id, rec);
      if (rec.state === 'created') {
        // state.json says `created` until the container exits; the shim's pid file tells whether it started:
        // "<pid> <started ns> <pid start> <shim pid> <shim start>".
        const pid = (readTextQuiet(join(dir, 'pid')) ?? '').trim().split(' ');
        if (pid.length >= 3 && pid[0]) {
          rec.pid = Number(pid[0]);
          rec.startedAt = nsToDate(BigInt(pid[1] ?? '0')).toISOString();
          rec.pidStart = Number(pid[2]) || undefined;
          if (pid[3]) rec.shimPid = Number(pid[3]);
          if (pid[4]) rec.shimStart = Number(pid[4]) || undefined;
          rec.state = 'running';
        }
      }
      this.refresh(rec, false);
    }
    this.ensurePolling();
  }

  private ensurePolling(): void {
    if (this.poller || this.closed) return;
    const adopted = (): ContainerRecord[] =>
      [...this.containers.values()].filter((c) => c.state === 'running' && !this.children.has(c.id));
    if (adopted().length === 0) return;
    this.poller = setInterval(() => {
      const list = adopted();
      for (const c of list) this.refresh(c, true);
      if (list.every((c) => c.state === 'exited') && this.poller) {
        clearInterval(this.poller);
        this.poller = undefined;
      }
    }, this.opts.pollIntervalMs ?? 500);
    this.poller.unref();
  }

  /** Re-reads a container's exit record; marks it exited when its shim (and process) are gone. */
  private refresh(rec: ContainerRecord, emit: boolean): void {
    if (rec.state === 'exited') return;
    const dir = join(this.containersDir, rec.id);
    const exit = readExitFile(dir);
    if (!exit) {
      if (this.children.has(rec.id) || isProcessAlive(rec.shimPid, rec.shimStart)) return;
      if (rec.pid !== undefined && rec.pidStart !== undefined && isProcessAlive(rec.pid, rec.pidStart))
        return;
    }
    this.markExited(
      rec,
      exit ?? {
        exitCode: 137,
        signal: 0,
        reason: 'ContainerStatusUnknown',
        message: 'The container shim ended without recording how the container exited',
      },
      emit,
    );
  }

  private markExited(rec: ContainerRecord, exit: ExitFile, emit: boolean): void {
    if (rec.state === 'exited') return;
    rec.state = 'exited';
    rec.exitCode = exit.exitCode;
    rec.finishedAt = (exit.finishedNs !== undefined ? nsToDate(exit.finishedNs) : new Date()).toISOString();
    const oom = exit.exitCode !== 0 && readOomKills(rec.cgroups) > 0;
    rec.reason = exit.reason ?? (oom ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error');
    if (exit.message) rec.message = exit.message;
    this.persist(rec);
    const wake = this.waiters.get(rec.id);
    this.waiters.delete(rec.id);
    for (const w of wake ?? []) w();
    if (!emit || this.closed) return;
    const status = this.status(rec);
    for (const l of this.listeners) {
      try {
        l(status);
      } catch (e) {
        this.log.error({ err: e }, 'container exit listener failed');
      }
    }
  }

  /** Resolves true once the container has exited, false after `timeoutMs`. */
  private waitExited(containerId: string, timeoutMs: number): Promise<boolean> {
    const rec = this.containers.get(containerId);
    if (!rec || rec.state === 'exited') return Promise.resolve(true);
    this.ensurePolling();
    return new Promise((resolve) => {
      const list = this.waiters.get(containerId) ?? [];
      const wake = (): void => {
        clearTimeout(timer);
        resolve(this.containers.get(containerId)?.state !== 'running');
      };
      const timer = setTimeout(() => {
        const l = this.waiters.get(containerId);
        if (l)
          this.waiters.set(
            containerId,
            l.filter((w) => w !== wake),
          );
        resolve(false);
      }, timeoutMs);
      list.push(wake);
      this.waiters.set(containerId, list);
    });
  }

  private signalContainer(rec: ContainerRecord, signal: NodeJS.Signals): void {
    if (rec.pid === undefined) return;
    // Without a recorded start time the pid cannot be told apart from a reused one: leave it to the cgroup.
    if (rec.pidStart !== undefined && isProcessAlive(rec.pid, rec.pidStart)) killGroup(rec.pid, signal);
    else if (signal === 'SIGKILL') signalCgroups(rec.cgroups, signal);
  }

  private async removeContainerRecord(rec: ContainerRecord, removeLogs: boolean): Promise<void> {
    await this.stateWrites.get(join(this.containersDir, rec.id, 'state.json'))?.done;
    const left = await removeCgroups(rec.cgroups);
    if (left.length) this.log.warn({ cgroups: left }, 'could not remove container cgroups');
    const dir = join(this.containersDir, rec.id);
    for (const f of CONTAINER_FILES) this.unlinkQuiet(join(dir, f));
    // Only ever rmdir (never a recursive delete): these are mount points inside the container's namespace.
    for (const d of ['rootfs', 'scratch']) this.rmdirQuiet(join(dir, d));
    this.rmdirQuiet(dir);
    this.containers.delete(rec.id);
    this.children.delete(rec.id);
    if (removeLogs && !this.listRecords().some((c) => c.logPath === rec.logPath)) {
      const logDir = dirname(rec.logPath);
      const base = basename(rec.logPath);
      for (const f of this.readdirQuiet(logDir)) {
        if (f === base || f.startsWith(base + '.')) this.unlinkQuiet(join(logDir, f));
      }
      this.rmdirQuiet(logDir);
    }
  }

  private persist(rec: ContainerRecord): void {
    this.writeStateSoon(join(this.containersDir, rec.id, 'state.json'), rec);
  }

  /**
   * Writes `value` (a live record, serialized when written) as JSON to `path` in the background; writes of
   * one path never overlap, and the last one sees the latest value.
   */
  private writeStateSoon(path: string, value: unknown): void {
    const busy = this.stateWrites.get(path);
    if (busy) {
      busy.again = true;
      return;
    }
    const entry = { done: Promise.resolve(), again: true };
    entry.done = (async () => {
      while (entry.again) {
        entry.again = false;
        try {
          await writeJsonAtomicAsync(path, value);
        } catch (e) {
          // The container or sandbox was removed meanwhile.
          if (errnoCode(e) !== 'ENOENT') this.log.warn({ path, err: e }, 'could not write runtime state');
        }
      }
      this.stateWrites.delete(path);
    })();
    this.stateWrites.set(path, entry);
  }

  private shimFailure(dir: string, handshake: string): string {
    if (handshake.startsWith('err ')) return handshake.slice(4);
    let log = '';
    try {
      log = readFileSync(join(dir, 'shim.log'), 'utf8').trim();
    } catch {
      // none
    }
    return `the container shim failed${log ? ': ' + log.split('\n').slice(-3).join(' ') : ''}`;
  }

  private sandboxInfo(s: SandboxRecord): SandboxInfo {
    const info: SandboxInfo = {
      id: s.id,
      podUid: s.podUid,
      ip: s.ip,
      isolated: s.isolated,
      createdAt: new Date(s.createdAt),
    };
    if (s.isolationNote) info.isolationNote = s.isolationNote;
    return info;
  }

  private status(r: ContainerRecord): ContainerStatus {
    const s: ContainerStatus = {
      id: r.id,
      podUid: r.podUid,
      name: r.name,
      attempt: r.attempt,
      state: r.state,
      createdAt: new Date(r.createdAt),
      image: r.image,
      imageRef: r.image,
      specHash: r.specHash,
      logPath: r.logPath,
    };
    if (r.pid !== undefined && r.state === 'running') s.pid = r.pid;
    if (r.startedAt) s.startedAt = new Date(r.startedAt);
    if (r.finishedAt) s.finishedAt = new Date(r.finishedAt);
    if (r.exitCode !== undefined) s.exitCode = r.exitCode;
    if (r.reason) s.reason = r.reason;
    if (r.message) s.message = r.message;
    return s;
  }

  private readdirQuiet(dir: string): string[] {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  }

  private unlinkQuiet(path: string): void {
    try {
      unlinkSync(path);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') this.log.warn({ path, err: e }, 'could not remove a runtime file');
    }
  }

  private rmdirQuiet(path: string): void {
    try {
      rmdirSync(path);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') this.log.warn({ path, err: e }, 'could not remove a runtime directory');
    }
  }
}

function pipeOut(from: Readable | null, to: Writable | undefined): void {
  if (!from) return;
  if (to) from.pipe(to, { end: false });
  else from.resume();
}

function signalNumber(signal: NodeJS.Signals): number {
  return osConstants.signals[signal] ?? 0;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
