/** @module The CPU time of the calling thread, where the system tells it (Linux's /proc/thread-self). */
import { readFileSync } from 'node:fs';

/** Clock ticks per second in /proc's times: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/** User plus system CPU time of the calling thread in milliseconds, or undefined where /proc lacks it. */
export function threadCpuMs(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/thread-self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command name (which may hold spaces, inside parentheses): utime and stime are the
  // 14th and 15th fields of the line, the 12th and 13th after the name.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
}
