/**
 * @module CRI container log files (`<RFC3339Nano> stdout|stderr F|P <content>` per line) and reading them the way
 * the kubelet serves `kubectl logs`: tail, since, timestamps, limitBytes and follow across file rotation.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { LogOptions } from '../interface.js';

export type LogStream = 'stdout' | 'stderr';

/** One parsed line of a CRI log file. */
export interface CriLogRecord {
  /** The timestamp as written (RFC 3339 with up to nanoseconds). */
  time: string;
  /** Milliseconds since the epoch of `time`. */
  timeMs: number;
  stream: LogStream;
  /** A `P` record: the line continues in the next record of the stream. */
  partial: boolean;
  content: Buffer;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const TIME_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Parses one line (without its newline); undefined when it is not a CRI log line. */
export function parseCriLogLine(line: Buffer): CriLogRecord | undefined {
  const a = line.indexOf(SPACE);
  if (a < 0) return undefined;
  const b = line.indexOf(SPACE, a + 1);
  if (b < 0) return undefined;
  const c = line.indexOf(SPACE, b + 1);
  if (c < 0) return undefined;
  const time = line.toString('latin1', 0, a);
  const timeMs = Date.parse(time);
  if (!TIME_RE.test(time) || Number.isNaN(timeMs)) return undefined;
  const stream = line.toString('latin1', a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tags = line.toString('latin1', b + 1, c).split(':');
  return { time, timeMs, stream, partial: tags[0] === 'P', content: line.subarray(c + 1) };
}

/** A timestamp in the kubelet's output form: always nine fractional digits (RFC3339NanoFixed). */
export function formatFixedTimestamp(time: string): string {
  const m = TIME_RE.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}`;
}

/** A timestamp as the runtime writes it: UTC, nanoseconds with trailing zeros dropped (Go's RFC3339Nano). */
export function formatCriTimestamp(epochNs: bigint): string {
  const sec = epochNs / 1_000_000_000n;
  const frac = (epochNs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${base}${frac ? '.' + frac : ''}Z`;
}

/** Formats one record (with its newline), as the shim writes it; for tests and tools. */
export function formatCriLogLine(time: string, stream: LogStream, partial: boolean, content: string): string {
  return `${time} ${stream} ${partial ? 'P' : 'F'} ${content}\n`;
}

const BLOCK = 64 * 1024;

/** Offset where the last `lines` lines of the file start (the whole file for a negative count), as upstream's tail. */
export async function findTailStart(fh: FileHandle, lines: number): Promise<number> {
  if (lines < 0) return 0;
  const { size } = await fh.stat();
  let count = 0;
  let left = size;
  let buf = Buffer.alloc(0);
  for (let right = size; right > 0 && count <= lines; right -= BLOCK) {
    left = Math.max(0, right - BLOCK);
    buf = Buffer.alloc(right - left);
    await fh.read(buf, 0, buf.length, left);
    for (const byte of buf) if (byte === NEWLINE) count++;
  }
  let offset = 0;
  for (; count > lines; count--) {
    const idx = buf.indexOf(NEWLINE, offset);
    offset = idx + 1;
  }
  return left + offset;
}

class Stop extends Error {}

/** Writes to `out`, waiting for drain; throws Stop when `out` closes or `signal` aborts. */
async function writeOut(out: Writable, chunk: Buffer, signal: AbortSignal): Promise<void> {
  if (signal.aborted || out.destroyed || out.writableEnded) throw new Stop();
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (stop: boolean): void => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
      signal.removeEventListener('abort', onClose);
      if (stop) reject(new Stop());
      else resolve();
    };
    const onDrain = (): void => done(false);
    const onClose = (): void => done(true);
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onClose);
    signal.addEventListener('abort', onClose);
  });
}

/** Wakes a follower when the log directory changes (inotify), or after a period when nothing does. */
class ChangeWaiter {
  private watcher: FSWatcher | undefined;
  private dirty = false;
  private wake: (() => void) | undefined;

  constructor(dir: string, file: string) {
    try {
      this.watcher = watch(dir, (_event, name) => {
        if (name === null || name === file || String(name).startsWith(file + '.')) this.fire();
      });
      this.watcher.on('error', () => this.fire());
    } catch {
      // no inotify: the timer still wakes us
    }
  }

  private fire(): void {
    this.dirty = true;
    this.wake?.();
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.dirty || signal.aborted) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        this.dirty = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      this.wake = done;
    });
  }

  close(): void {
    this.watcher?.close();
  }
}

/** How often a follower re-checks the container and the file when nothing wakes it (upstream: 1 s). */
export const LOG_FORCE_CHECK_MS = 1000;

/**
 * Streams a CRI log file to `out` as the kubelet's ReadLogs does: each record's content (a `P` record without
 * its newline), optionally prefixed by its timestamp; records older than `since` skipped; at most `tailLines`
 * records (without follow) and `limitBytes` bytes. With `follow`, it waits for new records, follows the file
 * when it is rotated, and returns once `isRunning()` is false and everything written is read, or on abort.
 * It does not end `out`.
 */
export async function readCriLog(
  path: string,
  opts: LogOptions,
  out: Writable,
  signal: AbortSignal,
  isRunning: () => boolean,
  checkMs: number = LOG_FORCE_CHECK_MS,
): Promise<void> {
  let fh = await open(path, 'r');
  const waiter = opts.follow ? new ChangeWaiter(dirname(path), basename(path)) : undefined;
  try {
    const tail = opts.tailLines ?? -1;
    let pos = await findTailStart(fh, tail);
    let ino = (await fh.stat()).ino;
    const limited = tail >= 0 && !opts.follow;
    let remainingLines = tail;
    let remainingBytes = opts.limitBytes !== undefined && opts.limitBytes >= 0 ? opts.limitBytes : Infinity;
    const sinceMs = opts.since?.getTime() ?? -Infinity;
    const chunk = Buffer.alloc(BLOCK);
    let pending = Buffer.alloc(0);

    // Writes one record (a final one without its newline keeps lacking it); returns false once a limit is reached.
    const emit = async (line: Buffer, terminated = true): Promise<boolean> => {
      const rec = parseCriLogLine(line);
      if (!rec) return true;
      if (rec.timeMs >= sinceMs) {
        let body = rec.partial || !terminated ? rec.content : Buffer.concat([rec.content, Buffer.from('\n')]);
        if (opts.timestamps) body = Buffer.concat([Buffer.from(formatFixedTimestamp(rec.time) + ' '), body]);
        if (body.length > remainingBytes) body = body.subarray(0, remainingBytes);
        await writeOut(out, body, signal);
        remainingBytes -= body.length;
        if (remainingBytes <= 0) return false;
      }
      if (limited && --remainingLines <= 0) return false;
      return true;
    };

    // Reads what is in the file now; returns false once a limit is reached.
    const drain = async (): Promise<boolean> => {
      for (;;) {
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
        if (bytesRead === 0) return true;
        pos += bytesRead;
        let data = pending.length
          ? Buffer.concat([pending, chunk.subarray(0, bytesRead)])
          : chunk.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
          const ok = await emit(data.subarray(start, nl));
          start = nl + 1;
          if (!ok) return false;
        }
        data = data.subarray(start);
        pending = Buffer.from(data);
      }
    };

    if (limited && remainingLines === 0) return;
    for (;;) {
      if (!(await drain())) return;
      if (!opts.follow) {
        if (pending.length) await emit(pending, false);
        return;
      }
      if (signal.aborted) return;
      const running = isRunning();
      // Rotated: finish the old file, then continue with the new one.
      const cur = await stat(path).catch(() => undefined);
      if (cur && cur.ino !== ino) {
        if (!(await drain())) return;
        if (pending.length && !(await emit(pending, false))) return;
        pending = Buffer.alloc(0);
        const old = fh;
        fh = await open(path, 'r');
        await old.close();
        ino = (await fh.stat()).ino;
        pos = 0;
        continue;
      }
      if (!running) {
        if (!(await drain())) return;
        if (pending.length) await emit(pending, false);
        return;
      }
      await waiter?.wait(checkMs, signal);
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  } finally {
    waiter?.close();
    await fh.close();
  }
}
