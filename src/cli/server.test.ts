import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServerFlags } from './server.js';

describe('parseServerFlags', () => {
  it('defaults', () => {
    const f = parseServerFlags([]);
    assert.equal(f.host, '127.0.0.1');
    assert.equal(f.port, 6443);
    assert.equal(f.bookmarkIntervalMs, 60_000);
    assert.equal(f.compactionIntervalMs, 300_000);
    assert.equal(f.compactionRetain, 10_000);
    assert.equal(f.watchHistorySize, undefined);
    assert.equal(f.threads, true);
  });

  const cases: Array<[string, string[], Partial<ReturnType<typeof parseServerFlags>>]> = [
    ['fractional bookmark interval', ['--watch-bookmark-interval', '0.5'], { bookmarkIntervalMs: 500 }],
    ['compaction off', ['--storage-compaction-interval', '0'], { compactionIntervalMs: 0 }],
    ['compaction window', ['--storage-compaction-retain', '25'], { compactionRetain: 25 }],
    ['watch history', ['--watch-history-size', '40'], { watchHistorySize: 40 }],
    ['listen on a port', ['--listen', '0.0.0.0:0'], { host: '0.0.0.0', port: 0 }],
    ['control loops on the server thread', ['--threads=false'], { threads: false }],
  ];
  for (const [name, argv, want] of cases) {
    it(name, () => {
      const f = parseServerFlags(argv);
      for (const [k, v] of Object.entries(want)) assert.equal(f[k as keyof typeof f], v, k);
    });
  }

  const bad: Array<[string, string[], RegExp]> = [
    ['negative bookmark interval', ['--watch-bookmark-interval=-1'], /--watch-bookmark-interval must be/],
    [
      'word as a duration',
      ['--storage-compaction-interval', 'soon'],
      /--storage-compaction-interval must be/,
    ],
    [
      'zero retain',
      ['--storage-compaction-retain', '0'],
      /--storage-compaction-retain must be a positive integer/,
    ],
    [
      'fractional history',
      ['--watch-history-size', '1.5'],
      /--watch-history-size must be a positive integer/,
    ],
    ['unknown flag', ['--bogus'], /Unknown option/],
    ['threads not a boolean', ['--threads=2'], /--threads must be true or false/],
  ];
  for (const [name, argv, message] of bad) {
    it(name, () => assert.throws(() => parseServerFlags(argv), message));
  }
});
