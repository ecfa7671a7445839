/**
 * @module One long-lived perl process per runtime (the shim's `spawner` mode) that forks pod holders and
 * container shims on request: starting a container costs a fork of a small, already compiled interpreter
 * instead of a spawn from the agent (which blocks its event loop for the fork of a large process) plus a
 * perl start-up and compile per container.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Logger } from 'pino';

/** Done by the forked process before it starts: a directory to create (with its parents), or a file to write. */
export type SetupEntry = { dir: string } | { file: string; data: string | Buffer };

function encodeSetup(entries: readonly SetupEntry[]): string {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const path = 'dir' in e ? e.dir : e.file;
    if (/[\t\n]/.test(path)) throw new Error(`invalid path ${JSON.stringify(path)}`);
    if ('dir' in e) parts.push(Buffer.from(`d\t${path}\n`));
    else {
      const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
      parts.push(Buffer.from(`f\t${data.length}\t${path}\n`), data);
    }
  }
  return Buffer.concat(parts).toString('hex');
}

/** What a forked holder or shim reported. */
export interface SpawnedShim {
  /** Its pid and start time (clock ticks since boot), once known. */
  pid: number | undefined;
  startTime: number | undefined;
  /** Its handshake line ("ok …" or "err …"); '' when it exited (or the spawner went away) without one. */
  handshake: Promise<string>;
  /** Whether it has exited (as far as the spawner could tell). */
  readonly exited: boolean;
  /**
   * Called once when the process has exited (`lost` false), or when the spawner went away so that its exit
   * will not be reported (`lost` true; then it may still run and must be polled).
   */
  onEnd(listener: (lost: boolean) => void): void;
}

interface Request extends SpawnedShim {
  resolve(line: string): void;
  settled: boolean;
  ended: boolean;
  listeners: Array<(lost: boolean) => void>;
}

/** Starts holders and shims through one perl process; restarts it when it has gone. */
export class ShimSpawner {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<string, Request>();
  private buf = '';
  private seq = 0;
  private closed = false;

  constructor(
    private readonly perl: string,
    private readonly shimPath: string,
    private readonly env: Record<string, string>,
    /** The spawner's own stderr goes here (appended). */
    private readonly logPath: string,
    private readonly log: Logger,
  ) {}

  /**
   * Forks `perl shim <mode> <dir>`'s equivalent, which first carries out `setup` (so the agent's thread
   * pool is not queued with small writes); its stdout and stderr go to `<dir>/shim.log` for `run`. A failed
   * set-up is reported as an `err could not set up …` handshake.
   */
  spawn(mode: 'holder' | 'run', dir: string, setup: readonly SetupEntry[] = []): SpawnedShim {
    if (this.closed) throw new Error('the shim spawner is closed');
    if (/[\t\n]/.test(dir)) throw new Error(`invalid runtime directory ${JSON.stringify(dir)}`);
    const id = (++this.seq).toString(36);
    const line = `${id}\t${mode}\t${dir}\t${encodeSetup(setup)}\n`;
    let resolve!: (line: string) => void;
    const handshake = new Promise<string>((r) => (resolve = r));
    const req: Request = {
      pid: undefined,
      startTime: undefined,
      handshake,
      settled: false,
      ended: false,
      get exited() {
        return this.ended;
      },
      listeners: [],
      resolve(line) {
        if (this.settled) return;
        this.settled = true;
        resolve(line);
      },
      onEnd(listener) {
        this.listeners.push(listener);
      },
    };
    this.pending.set(id, req);
    const child = this.ensureChild();
    child.stdin!.write(line);
    return req;
  }

  /**
   * Stops the spawner (it exits when its stdin closes) and waits up to `waitMs` for it to be reaped; the
   * processes it started keep running (they are in their own sessions).
   */
  async close(waitMs = 1000): Promise<void> {
    this.closed = true;
    const c = this.child;
    this.child = undefined;
    this.loseAll();
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    // Referenced while waiting: nothing else may keep the event loop alive.
    c.ref();
    const exited = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      c.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    c.stdin?.end();
    await exited;
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    const errFd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.perl, [this.shimPath, 'spawner'], {
        stdio: ['pipe', 'pipe', errFd],
        cwd: '/',
        env: this.env,
      });
    } finally {
      closeSync(errFd);
    }
    this.child = child;
    this.buf = '';
    child.unref();
    child.stdin!.on('error', () => undefined);
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => this.onData(d));
    const gone = (why: string): void => {
      if (this.child !== child) return;
      this.child = undefined;
      if (!this.closed) this.log.warn(`the shim spawner ended (${why}); it is started again when needed`);
      this.loseAll();
    };
    child.once('error', (e) => gone(e.message));
    child.once('exit', (code, signal) => gone(signal ?? `exit ${code}`));
    return child;
  }

  private onData(d: string): void {
    this.buf += d;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      const sp = line.indexOf(' ');
      const req = this.pending.get(line.slice(0, sp));
      if (sp < 0 || !req) continue;
      const msg = line.slice(sp + 1);
      if (msg.startsWith('p ')) {
        const [, pid, start] = msg.split(' ');
        req.pid = Number(pid) || undefined;
        req.startTime = Number(start) || undefined;
      } else if (msg.startsWith('x ')) {
        this.pending.delete(line.slice(0, sp));
        this.end(req, false);
      } else req.resolve(msg);
    }
  }

  private end(req: Request, lost: boolean): void {
    if (req.ended) return;
    req.ended = !lost;
    req.resolve('');
    const ls = req.listeners;
    req.listeners = [];
    for (const l of ls) {
      try {
        l(lost);
      } catch (e) {
        this.log.error({ err: e }, 'shim end listener failed');
      }
    }
  }

  private loseAll(): void {
    const reqs = [...this.pending.values()];
    this.pending.clear();
    for (const r of reqs) this.end(r, true);
  }
}
