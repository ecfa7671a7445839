/**
 * @module End-to-end harness: starts `skiff` as a child process on a free port with a temp data dir,
 * and runs the real kubectl (and other clients) against the kubeconfig it writes.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const KUBECTL = process.env['KUBECTL'] ?? '/usr/bin/kubectl';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SkiffProcess {
  url: string;
  dataDir: string;
  kubeconfig: string;
  /** A HOME for client tools, so their caches start empty. */
  home: string;
  child: ChildProcess;
  /** Output the process wrote so far (for diagnostics). */
  output(): string;
  /** Runs kubectl with this cluster's kubeconfig. */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** kubectl that must succeed; returns stdout. */
  kubectlOk(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** Raw HTTP request to the server. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** SIGTERM and wait; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stop and remove the data directory. */
  cleanup(): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
  command?: 'up' | 'server';
  /** Serve the API alone: no in-process controllers or scheduler (tests of API semantics). */
  apiOnly?: boolean;
  extraArgs?: string[];
  env?: Record<string, string>;
}

/** Runs a program and collects its output; never rejects on a non-zero exit. */
export function run(
  file: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      file,
      args,
      { env: opts.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, cwd: opts.cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Starts skiff and resolves once it prints its URL. */
export async function startSkiff(opts: StartOptions = {}): Promise<SkiffProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const home = mkdtempSync(join(tmpdir(), 'skiff-home-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'src/cli/main.ts'),
      opts.command ?? 'server',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      ...(opts.apiOnly ? ['--controllers=', '--scheduler=false'] : []),
      ...(opts.extraArgs ?? []),
    ],
    {
      cwd: REPO_ROOT,
      // The local node's pods are host processes that outlive a stopped agent by design; tests stop them.
      env: { ...process.env, SKIFF_LOG_LEVEL: 'warn', SKIFF_STOP_PODS_ON_EXIT: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`skiff did not start in time:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /Skiff is ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`skiff exited with ${code} before it was ready:\n${out}`));
    });
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  const env = { ...process.env, HOME: home, KUBECONFIG: kubeconfig };
  let exited: Promise<number | null> | undefined;
  const proc: SkiffProcess = {
    url,
    dataDir,
    kubeconfig,
    home,
    child,
    output: () => out,
    kubectl: (args, o = {}) => run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { env, ...o }),
    kubectlOk: async (args, o = {}) => {
      const r = await run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { env, ...o });
      if (r.code !== 0) {
        throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
      }
      return r.stdout;
    },
    fetch: (path, init) => fetch(url + path, init),
    stop: (signal = 'SIGTERM') => {
      exited ??= new Promise((resolveExit) => {
        if (child.exitCode !== null) {
          resolveExit(child.exitCode);
          return;
        }
        child.once('exit', (code) => resolveExit(code));
        child.kill(signal);
      });
      return exited;
    },
    cleanup: async () => {
      await proc.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
  return proc;
}

/**
 * One skiff for a whole test file: started before its tests, cleaned up after them. The returned object
 * stands for the running process; its members are read from it once it has started.
 */
export function skiffForFile(opts: StartOptions = {}): SkiffProcess {
  let current: SkiffProcess | undefined;
  before(async () => {
    current = await startSkiff(opts);
  });
  after(async () => {
    await current?.cleanup();
  });
  return new Proxy({} as SkiffProcess, {
    get(_target, key) {
      if (!current) throw new Error('skiff has not started: use it inside a test');
      const value: unknown = Reflect.get(current, key);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
  });
}

/**
 * Makes the node `name` (created beforehand, with no agent behind it) schedulable: sets its capacity and
 * allocatable to `resources` and its Ready condition through the status subresource, as a kubelet would.
 */
export async function markNodeReady(
  skiff: SkiffProcess,
  name: string,
  resources: Record<string, string | number>,
): Promise<void> {
  await skiff.kubectlOk([
    'patch',
    'node',
    name,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'e2e' }],
      },
    }),
  ]);
}

/** Writes a temp file (e.g. a manifest) and returns its path. */
export function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-file-'));
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** The shared manifest corpus beside the repository; fails loudly when it is missing. */
export function manifestsDir(): string {
  const dir = process.env['SKIFF_MANIFESTS'] ?? resolve(REPO_ROOT, '../shared/data/manifests');
  if (!existsSync(dir)) {
    throw new Error(`manifest corpus not found at ${dir}; set SKIFF_MANIFESTS to its location`);
  }
  return dir;
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  stepMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `condition not met in ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
