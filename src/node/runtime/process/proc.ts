/** @module Reading process facts from /proc: state, process group, and the start time that tells a pid's reuse apart. */
import { readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat the runtime uses. */
export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), T, X (dead), ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Clock ticks after boot at which the process started; with the pid it identifies one process. */
  startTime: number;
}

/** Parses the text of /proc/<pid>/stat (the command name may contain spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // rest[0] is field 3 (state); starttime is field 22.
  const [state, ppid, pgrp, session] = rest;
  const startTime = rest[19];
  if (state === undefined || startTime === undefined) return undefined;
  return {
    pid,
    state,
    ppid: Number(ppid),
    pgrp: Number(pgrp),
    session: Number(session),
    startTime: Number(startTime),
  };
}

export function readProcStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a live process (zombies count as gone) and, when `startTime` is given, the same process
 * that was recorded (not a later one that reused the pid).
 */
export function isProcessAlive(pid: number | undefined, startTime?: number): boolean {
  if (pid === undefined) return false;
  const st = readProcStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}
