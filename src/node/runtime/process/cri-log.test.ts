import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { LogOptions } from '../interface.js';
import {
  findTailStart,
  formatCriLogLine,
  formatCriTimestamp,
  formatFixedTimestamp,
  parseCriLogLine,
  readCriLog,
} from './cri-log.js';

const dir = mkdtempSync(join(tmpdir(), 'cri-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string): string => {
  const p = join(dir, `f${n++}.log`);
  writeFileSync(p, content);
  return p;
};

function collector(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, text: () => Buffer.concat(chunks).toString() };
}

async function read(
  path: string,
  opts: Partial<LogOptions>,
  isRunning = (): boolean => false,
): Promise<string> {
  const c = collector();
  await readCriLog(
    path,
    { follow: false, timestamps: false, ...opts },
    c.out,
    new AbortController().signal,
    isRunning,
    50,
  );
  return c.text();
}

const T1 = '2024-01-01T00:00:01.5Z';
const T2 = '2024-01-01T00:00:02.123456789Z';
const T3 = '2024-01-01T00:00:03Z';
const SAMPLE =
  formatCriLogLine(T1, 'stdout', false, 'one') +
  formatCriLogLine(T2, 'stderr', true, 'two-a ') +
  formatCriLogLine(T2, 'stderr', false, 'two-b') +
  formatCriLogLine(T3, 'stdout', false, 'three');

describe('parseCriLogLine', () => {
  const cases: Array<
    [string, ReturnType<typeof parseCriLogLine> extends infer R ? Partial<NonNullable<R>> | undefined : never]
  > = [
    [
      `${T1} stdout F hello world`,
      { time: T1, stream: 'stdout', partial: false, content: Buffer.from('hello world') },
    ],
    [`${T2} stderr P part`, { time: T2, stream: 'stderr', partial: true, content: Buffer.from('part') }],
    [`${T3} stdout F `, { stream: 'stdout', partial: false, content: Buffer.from('') }],
    [`${T3} stdout F:x extra tags`, { partial: false, content: Buffer.from('extra tags') }],
    ['2024-01-01T00:00:03+02:00 stdout F offset', { timeMs: Date.parse('2024-01-01T00:00:03+02:00') }],
    [`${T1} stdin F nope`, undefined],
    [`notatime stdout F x`, undefined],
    [`${T1} stdout`, undefined],
    ['', undefined],
  ];
  for (const [line, want] of cases) {
    it(JSON.stringify(line), () => {
      const got = parseCriLogLine(Buffer.from(line));
      if (want === undefined) assert.equal(got, undefined);
      else {
        assert.ok(got);
        for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, k);
      }
    });
  }
});

describe('timestamps', () => {
  const fixed: Array<[string, string]> = [
    [T1, '2024-01-01T00:00:01.500000000Z'],
    [T2, '2024-01-01T00:00:02.123456789Z'],
    [T3, '2024-01-01T00:00:03.000000000Z'],
    ['2024-01-01T00:00:03.1+02:00', '2024-01-01T00:00:03.100000000+02:00'],
  ];
  for (const [raw, want] of fixed) it(`fixed ${raw}`, () => assert.equal(formatFixedTimestamp(raw), want));
  const nano: Array<[bigint, string]> = [
    [1_704_067_201_500_000_000n, '2024-01-01T00:00:01.5Z'],
    [1_704_067_202_123_456_789n, '2024-01-01T00:00:02.123456789Z'],
    [1_704_067_203_000_000_000n, '2024-01-01T00:00:03Z'],
  ];
  for (const [ns, want] of nano) it(`runtime form ${want}`, () => assert.equal(formatCriTimestamp(ns), want));
});

describe('findTailStart', () => {
  const content = 'a\nbb\nccc\n';
  const cases: Array<[number, number]> = [
    [-1, 0],
    [0, content.length],
    [1, 5],
    [2, 2],
    [3, 0],
    [10, 0],
  ];
  for (const [lines, want] of cases) {
    it(`${lines} lines`, async () => {
      const fh = await open(file(content), 'r');
      try {
        assert.equal(await findTailStart(fh, lines), want);
      } finally {
        await fh.close();
      }
    });
  }
  it('spans blocks of a large file', async () => {
    const line = 'x'.repeat(1000) + '\n';
    const fh = await open(file(line.repeat(300)), 'r');
    try {
      assert.equal(await findTailStart(fh, 150), 150 * line.length);
    } finally {
      await fh.close();
    }
  });
});

describe('readCriLog', () => {
  const cases: Array<[string, Partial<LogOptions>, string]> = [
    ['everything, partial lines joined', {}, 'one\ntwo-a two-b\nthree\n'],
    ['tail 1', { tailLines: 1 }, 'three\n'],
    ['tail 2 counts records', { tailLines: 2 }, 'two-b\nthree\n'],
    ['tail 0', { tailLines: 0 }, ''],
    ['since', { since: new Date('2024-01-01T00:00:02Z') }, 'two-a two-b\nthree\n'],
    ['limitBytes cuts', { limitBytes: 6 }, 'one\ntw'],
    [
      'timestamps, fixed width',
      { timestamps: true, tailLines: 3 },
      '2024-01-01T00:00:02.123456789Z two-a 2024-01-01T00:00:02.123456789Z two-b\n' +
        '2024-01-01T00:00:03.000000000Z three\n',
    ],
  ];
  for (const [name, opts, want] of cases)
    it(name, async () => assert.equal(await read(file(SAMPLE), opts), want));

  it('skips lines that are not CRI records and keeps an unterminated last record', async () => {
    const p = file(`garbage\n${formatCriLogLine(T1, 'stdout', false, 'ok')}${T3} stdout F no newline`);
    assert.equal(await read(p, {}), 'ok\nno newline');
  });

  it('follows appended records until the container stops', async () => {
    const p = file(formatCriLogLine(T1, 'stdout', false, 'first'));
    let running = true;
    const c = collector();
    const done = readCriLog(
      p,
      { follow: true, timestamps: false },
      c.out,
      new AbortController().signal,
      () => running,
      50,
    );
    await waitFor(() => c.text() === 'first\n');
    appendFileSync(p, formatCriLogLine(T2, 'stdout', false, 'second'));
    await waitFor(() => c.text() === 'first\nsecond\n');
    appendFileSync(p, formatCriLogLine(T3, 'stdout', false, 'last'));
    running = false;
    await done;
    assert.equal(c.text(), 'first\nsecond\nlast\n');
  });

  it('follows the log across a rotation', async () => {
    const p = file(formatCriLogLine(T1, 'stdout', false, 'old-1'));
    let running = true;
    const c = collector();
    const done = readCriLog(
      p,
      { follow: true, timestamps: false },
      c.out,
      new AbortController().signal,
      () => running,
      50,
    );
    await waitFor(() => c.text() === 'old-1\n');
    appendFileSync(p, formatCriLogLine(T1, 'stdout', false, 'old-2'));
    renameSync(p, p + '.20240101-000000');
    writeFileSync(p, formatCriLogLine(T2, 'stdout', false, 'new-1'));
    await waitFor(() => c.text() === 'old-1\nold-2\nnew-1\n');
    running = false;
    await done;
    assert.equal(c.text(), 'old-1\nold-2\nnew-1\n');
  });

  it('stops following on abort', async () => {
    const p = file(formatCriLogLine(T1, 'stdout', false, 'x'));
    const ac = new AbortController();
    const c = collector();
    const done = readCriLog(p, { follow: true, timestamps: false }, c.out, ac.signal, () => true, 5000);
    await waitFor(() => c.text() === 'x\n');
    const t = Date.now();
    ac.abort();
    await done;
    assert.ok(Date.now() - t < 1000);
  });

  it('with follow, tail applies only to where reading starts', async () => {
    const p = file(SAMPLE);
    let running = true;
    const c = collector();
    const done = readCriLog(
      p,
      { follow: true, timestamps: false, tailLines: 1 },
      c.out,
      new AbortController().signal,
      () => running,
      50,
    );
    await waitFor(() => c.text() === 'three\n');
    appendFileSync(p, formatCriLogLine(T3, 'stdout', false, 'four'));
    await waitFor(() => c.text() === 'three\nfour\n');
    running = false;
    await done;
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
