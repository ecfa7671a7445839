import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CronParseError, isKnownTimeZone, parseCronSchedule, parseGoDuration } from './cron.js';

describe('parseCronSchedule errors (robfig/cron wording)', () => {
  const cases: Array<[string, string]> = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['a * * * *', 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
    ['-1 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['@foo', 'unrecognized descriptor: @foo'],
    ['@every 1x', 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"'],
    ['@every 10', 'failed to parse duration @every 10: time: missing unit in duration "10"'],
    ['TZ=Mars/Base * * * * *', 'provided bad location Mars/Base: unknown time zone Mars/Base'],
  ];
  for (const [spec, message] of cases) {
    it(JSON.stringify(spec), () => {
      assert.throws(
        () => parseCronSchedule(spec),
        (err: unknown) => err instanceof CronParseError && err.message === message,
      );
    });
  }
});

describe('parseCronSchedule accepts', () => {
  for (const spec of [
    '* * * * *',
    '*/5 0-6,18-23 1,15 * *',
    '0 0 * JAN-MAR mon-fri',
    '30 4 ? * SUN',
    '0 12 1/2 * *',
    '@hourly',
    '@daily',
    '@midnight',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@every 1h30m',
    'TZ=Europe/Berlin 0 6 * * *',
    'CRON_TZ=UTC @daily',
  ]) {
    it(JSON.stringify(spec), () => assert.ok(parseCronSchedule(spec)));
  }
});

describe('CronSchedule.next', () => {
  const cases: Array<[string, string | undefined, string, string]> = [
    ['*/15 * * * *', undefined, '2025-01-01T12:07:30Z', '2025-01-01T12:15:00.000Z'],
    ['*/15 * * * *', undefined, '2025-01-01T12:15:00Z', '2025-01-01T12:30:00.000Z'],
    ['@hourly', undefined, '2025-01-01T12:00:00Z', '2025-01-01T13:00:00.000Z'],
    ['0 0 29 2 *', undefined, '2025-01-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0 0 13 * 5', undefined, '2025-01-01T00:00:00Z', '2025-01-03T00:00:00.000Z'],
    ['0 0 13 * *', undefined, '2025-01-01T00:00:00Z', '2025-01-13T00:00:00.000Z'],
    ['0 9 * * 1', 'America/New_York', '2025-01-01T00:00:00Z', '2025-01-06T14:00:00.000Z'],
    ['0 9 * * 1', 'America/New_York', '2025-07-01T00:00:00Z', '2025-07-07T13:00:00.000Z'],
    ['TZ=Asia/Tokyo 30 8 * * *', undefined, '2025-01-01T00:00:00Z', '2025-01-01T23:30:00.000Z'],
    ['@every 90s', undefined, '2025-01-01T12:00:00.500Z', '2025-01-01T12:01:30.000Z'],
  ];
  for (const [spec, tz, after, want] of cases) {
    it(`${spec}${tz ? ` in ${tz}` : ''} after ${after}`, () => {
      assert.equal(parseCronSchedule(spec, tz).next(new Date(after))?.toISOString(), want);
    });
  }
});

describe('helpers', () => {
  it('parses Go durations', () => {
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('-2m'), -120_000);
    assert.throws(() => parseGoDuration('x'), /time: invalid duration "x"/);
  });

  const zones: Array<[string, boolean]> = [
    ['UTC', true],
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Mars/Base', false],
    ['europe/berlin', false],
    ['Local', false],
    ['', false],
  ];
  for (const [tz, known] of zones) {
    it(`${JSON.stringify(tz)} is ${known ? '' : 'not '}a known time zone`, () =>
      assert.equal(isKnownTimeZone(tz), known));
  }
});
