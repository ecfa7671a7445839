import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import { ProtobufDecodeError, ProtobufEncodeError } from './errors.js';
import { formatGoDuration, parseGoDuration, specialCodec } from './well-known.js';

const { Writer } = protobuf;
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const timestamp = (seconds: number, nanos: number): Uint8Array =>
  new Writer().uint32(8).int64(seconds).uint32(16).int32(nanos).finish();

describe('Go durations', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [999n, '999ns'],
    [1500n, '1.5µs'],
    [1_000_000n, '1ms'],
    [2_500_000n, '2.5ms'],
    [1_000_000_000n, '1s'],
    [1_500_000_000n, '1.5s'],
    [60_000_000_000n, '1m0s'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_723_000_000_001n, '1h2m3.000000001s'],
    [-90_000_000_000n, '-1m30s'],
  ];
  for (const [ns, text] of cases) {
    it(`${ns}ns prints ${text} and parses back`, () => {
      assert.equal(formatGoDuration(ns), text);
      assert.equal(parseGoDuration(text), ns);
    });
  }
  const parsed: [string, bigint | undefined][] = [
    ['0', 0n],
    ['+5s', 5_000_000_000n],
    ['1h30m', 5_400_000_000_000n],
    ['300ms', 300_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['2us', 2000n],
    ['.5s', 500_000_000n],
    ['', undefined],
    ['5', undefined],
    ['1d', undefined],
    ['s', undefined],
  ];
  for (const [text, ns] of parsed) {
    it(`parses "${text}"`, () => assert.equal(parseGoDuration(text), ns));
  }
  it('encodes and decodes metav1.Duration', () => {
    const d = specialCodec('meta.v1.Duration');
    assert.equal(d.decode(d.encode('1m30s', 'd'), 'd'), '1m30s');
    assert.equal(d.decode(new Uint8Array(0), 'd'), '0s');
    assert.throws(() => d.encode('soon', 'd'), ProtobufEncodeError);
  });
});

describe('metav1.Time', () => {
  const time = specialCodec('meta.v1.Time');
  const cases: { name: string; body: Uint8Array; json: unknown }[] = [
    { name: 'empty body is the zero time', body: new Uint8Array(0), json: null },
    { name: 'seconds', body: timestamp(1704164645, 0), json: '2024-01-02T03:04:05Z' },
    {
      name: 'nanos are dropped as upstream does',
      body: timestamp(1704164645, 999),
      json: '2024-01-02T03:04:05Z',
    },
    { name: 'explicit epoch is not zero', body: timestamp(0, 0), json: '1970-01-01T00:00:00Z' },
    { name: 'Go zero time', body: timestamp(-62135596800, 0), json: null },
    { name: 'year 1', body: timestamp(-62135596799, 0), json: '0001-01-01T00:00:01Z' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(time.decode(c.body, 't'), c.json));
  }
  it('rejects years past 9999', () => {
    assert.throws(() => time.decode(timestamp(253402300800, 0), 't'), ProtobufDecodeError);
  });
  it('encodes as gogo does: whole seconds, nanos written as 0, zero as an empty body', () => {
    assert.equal(toHex(time.encode('2024-01-02T03:04:05Z', 't')), toHex(timestamp(1704164645, 0)));
    assert.equal(toHex(time.encode('2024-01-02T05:04:05.5+02:00', 't')), toHex(timestamp(1704164645, 0)));
    assert.equal(time.encode(null, 't').length, 0);
    assert.equal(time.encode('0001-01-01T00:00:00Z', 't').length, 0);
    assert.throws(() => time.encode('2024-02-30T00:00:00Z', 't'), ProtobufEncodeError);
    assert.throws(() => time.encode(5, 't'), ProtobufEncodeError);
  });
});

describe('metav1.MicroTime', () => {
  const micro = specialCodec('meta.v1.MicroTime');
  const cases: [Uint8Array, unknown][] = [
    [new Uint8Array(0), null],
    [timestamp(1704164645, 123456789), '2024-01-02T03:04:05.123456Z'],
    [timestamp(1704164645, 0), '2024-01-02T03:04:05.000000Z'],
    [timestamp(1704164645, 1_000_000_000), '2024-01-02T03:04:06.000000Z'],
  ];
  for (const [b, json] of cases) {
    it(`decodes ${toHex(b) || 'empty'} to ${String(json)}`, () => assert.equal(micro.decode(b, 'm'), json));
  }
  it('encodes microseconds', () => {
    assert.equal(
      toHex(micro.encode('2024-01-02T03:04:05.123456Z', 'm')),
      toHex(timestamp(1704164645, 123456000)),
    );
  });
});

describe('resource.Quantity', () => {
  const q = specialCodec('resource.Quantity');
  const quantity = (s: string): Uint8Array => new Writer().uint32(10).string(s).finish();
  for (const s of [
    '10',
    '500m',
    '1Gi',
    '1.5',
    '-2',
    '+3k',
    '1e3',
    '2E-2',
    '.5',
    '5.',
    '100Ei',
    '7n',
    '64Mi',
  ]) {
    it(`keeps "${s}"`, () => assert.equal(q.decode(quantity(s), 'q'), s));
  }
  for (const s of ['', 'ten', '1Gb', '1.2.3', 'Mi', '1 Gi', '1ki']) {
    it(`rejects "${s}"`, () => assert.throws(() => q.decode(quantity(s), 'q'), ProtobufDecodeError));
  }
  it('decodes a missing string as the zero quantity and encodes zero as "0"', () => {
    assert.equal(q.decode(new Uint8Array(0), 'q'), '0');
    assert.equal(toHex(q.encode(undefined, 'q')), toHex(quantity('0')));
    assert.equal(toHex(q.encode(2, 'q')), toHex(quantity('2')));
  });
});

describe('intstr.IntOrString', () => {
  const ios = specialCodec('intstr.IntOrString');
  const cases: [unknown, string][] = [
    [8080, '080010903f1a00'],
    ['http', '080110001a0468747470'],
    [0, '080010001a00'],
    [-1, '080010ffffffffffffffffff011a00'],
  ];
  for (const [json, wire] of cases) {
    it(`${JSON.stringify(json)} <-> ${wire}`, () => {
      assert.equal(toHex(ios.encode(json, 'i')), wire);
      assert.equal(ios.decode(Buffer.from(wire, 'hex'), 'i'), json);
    });
  }
  it('decodes the zero value as 0 and rejects an impossible type', () => {
    assert.equal(ios.decode(new Uint8Array(0), 'i'), 0);
    assert.throws(
      () => ios.decode(new Writer().uint32(8).int64(2).finish(), 'i'),
      /impossible IntOrString.Type/,
    );
    assert.throws(() => ios.encode(1.5, 'i'), ProtobufEncodeError);
  });
});

describe('runtime.RawExtension and metav1.FieldsV1', () => {
  const raw = (s: string): Uint8Array => new Writer().uint32(10).bytes(Buffer.from(s)).finish();
  it('decodes raw JSON to its value and nil to null', () => {
    const ext = specialCodec('runtime.RawExtension');
    assert.deepEqual(ext.decode(raw('{"a":[1,"x"]}'), 'r'), { a: [1, 'x'] });
    assert.equal(ext.decode(new Uint8Array(0), 'r'), null);
    assert.throws(() => ext.decode(raw(''), 'r'), /not JSON/);
    assert.throws(() => ext.decode(raw('k8s\u0000proto'), 'r'), ProtobufDecodeError);
    assert.deepEqual(ext.decode(ext.encode({ b: true }, 'r'), 'r'), { b: true });
  });
  it('treats empty FieldsV1 as null', () => {
    const fields = specialCodec('meta.v1.FieldsV1');
    assert.equal(fields.decode(raw(''), 'f'), null);
    assert.deepEqual(fields.decode(raw('{"f:a":{}}'), 'f'), { 'f:a': {} });
  });
});
