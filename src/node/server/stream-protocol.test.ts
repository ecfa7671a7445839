import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeFrame,
  encodeFrame,
  exitCodeStatus,
  negotiateProtocol,
  offeredProtocols,
  statusPayload,
  successStatus,
} from './stream-protocol.js';

describe('negotiateProtocol', () => {
  const cases: Array<{ offered: string | string[] | undefined; want: string | undefined; version?: number }> =
    [
      { offered: 'v5.channel.k8s.io', want: 'v5.channel.k8s.io', version: 5 },
      { offered: 'v4.channel.k8s.io, v5.channel.k8s.io', want: 'v4.channel.k8s.io', version: 4 },
      { offered: ['x', 'v3.channel.k8s.io'], want: 'v3.channel.k8s.io', version: 3 },
      { offered: 'base64.channel.k8s.io', want: 'base64.channel.k8s.io', version: 1 },
      { offered: undefined, want: '', version: 1 },
      { offered: 'v9.channel.k8s.io', want: undefined },
    ];
  for (const c of cases) {
    it(`${JSON.stringify(c.offered)} → ${JSON.stringify(c.want)}`, () => {
      const p = negotiateProtocol(offeredProtocols(c.offered));
      assert.equal(p?.name, c.want);
      if (c.version !== undefined) assert.equal(p?.version, c.version);
    });
  }
});

describe('frames', () => {
  it('binary: a channel byte, then the data', () => {
    const p = negotiateProtocol(['v5.channel.k8s.io'])!;
    const f = encodeFrame(p, 1, Buffer.from('hi'));
    assert.deepEqual(f, Buffer.from([1, 0x68, 0x69]));
    assert.deepEqual(decodeFrame(p, f as Buffer), { channel: 1, data: Buffer.from('hi') });
    assert.deepEqual(decodeFrame(p, Buffer.from([255, 0])), { channel: 255, data: Buffer.from([0]) });
    assert.equal(decodeFrame(p, Buffer.alloc(0)), undefined);
  });

  it('base64: an ASCII channel digit, then base64 text', () => {
    const p = negotiateProtocol(['v4.base64.channel.k8s.io'])!;
    const f = encodeFrame(p, 2, Buffer.from('hi'));
    assert.equal(f, '2aGk=');
    assert.deepEqual(decodeFrame(p, Buffer.from('0aGk=')), { channel: 0, data: Buffer.from('hi') });
    assert.equal(decodeFrame(p, Buffer.from('xaGk=')), undefined);
  });
});

describe('statusPayload', () => {
  const v5 = negotiateProtocol(['v5.channel.k8s.io'])!;
  const v1 = negotiateProtocol(['channel.k8s.io'])!;
  const cases = [
    { p: v5, s: successStatus(), want: '{"metadata":{},"status":"Success"}' },
    {
      p: v5,
      s: exitCodeStatus(['sh', '-c', 'exit 3'], 3),
      want:
        '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing ' +
        'command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
    },
    { p: v1, s: successStatus(), want: undefined },
    {
      p: v1,
      s: exitCodeStatus(['false'], 1),
      want: 'command terminated with non-zero exit code: error executing command [false], exit code 1',
    },
  ];
  for (const [i, c] of cases.entries()) {
    it(`case ${i}`, () => assert.equal(statusPayload(c.p, c.s)?.toString(), c.want));
  }
});
