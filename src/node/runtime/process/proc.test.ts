import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { isProcessAlive, parseProcStat, readProcStat } from './proc.js';

// Fields 10 to 21 of /proc/<pid>/stat (minflt .. itrealvalue): twelve numbers before starttime.
const tail = '1 2 3 4 5 6 7 8 9 10 11 12';
describe('parseProcStat', () => {
  const cases: Array<[string, string, ReturnType<typeof parseProcStat>]> = [
    [
      'plain',
      `42 (sleep) S 1 42 40 0 -1 4194560 ${tail} 123456 rest`,
      { pid: 42, state: 'S', ppid: 1, pgrp: 42, session: 40, startTime: 123456 },
    ],
    [
      'name with spaces and parentheses',
      `7 (a (b) c) Z 3 7 7 0 -1 4194560 ${tail} 99 rest`,
      { pid: 7, state: 'Z', ppid: 3, pgrp: 7, session: 7, startTime: 99 },
    ],
    ['truncated', '7 (x) S 1 2', undefined],
    ['garbage', 'nothing here', undefined],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(parseProcStat(text), want));
});

describe('isProcessAlive', () => {
  it('knows this process and tells a reused pid apart by its start time', () => {
    const st = readProcStat(process.pid);
    assert.ok(st);
    assert.equal(st.pid, process.pid);
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(process.pid, st.startTime), true);
    assert.equal(isProcessAlive(process.pid, st.startTime + 1), false);
  });

  it('reports an exited child as gone', async () => {
    const child = spawn('sleep', ['10']);
    const pid = child.pid;
    assert.ok(pid);
    assert.equal(isProcessAlive(pid), true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(isProcessAlive(pid), false);
  });

  const invalid: Array<[string, number | undefined]> = [
    ['undefined', undefined],
    ['zero', 0],
    ['negative', -1],
    ['not an integer', 1.5],
  ];
  for (const [name, pid] of invalid) it(`rejects ${name}`, () => assert.equal(isProcessAlive(pid), false));
});
