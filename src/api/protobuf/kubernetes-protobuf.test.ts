import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import {
  decodeKubernetesProtobuf,
  encodeKubernetesProtobuf,
  ProtobufDecodeError,
  ProtobufEncodeError,
  supportedKinds,
} from './index.js';
import { KUBECTL_CAPTURES } from './testing/kubectl-captures.js';
import { SAMPLE_OBJECTS } from './testing/sample-objects.js';

const { Writer } = protobuf;

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A body with the given typeMeta and raw message bytes. */
function body(
  apiVersion: string,
  kind: string,
  raw: Uint8Array,
  extra?: (w: protobuf.Writer) => void,
): Uint8Array {
  const w = Writer.create();
  w.uint32(10).fork().uint32(10).string(apiVersion).uint32(18).string(kind).ldelim();
  w.uint32(18).bytes(raw);
  extra?.(w);
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...w.finish()]);
}

/** Drops nulls, undefined and (recursively) empty objects: the zero values JSON and protobuf disagree on. */
function withoutZeros(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutZeros);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = withoutZeros(x);
    if (s === null || s === undefined) continue;
    if (typeof s === 'object' && !Array.isArray(s) && Object.keys(s).length === 0) continue;
    out[k] = s;
  }
  return out;
}

describe('decodeKubernetesProtobuf', () => {
  it('decodes the `kubectl create namespace foo` vector as upstream prints the decoded struct', () => {
    const vector =
      '6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a0032003800420012001a020a001a002200';
    assert.deepEqual(decodeKubernetesProtobuf(hex(vector)), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'foo', creationTimestamp: null },
      spec: {},
      status: {},
    });
  });

  describe('bodies sent by kubectl create equal its --dry-run=client -o json output', () => {
    for (const c of KUBECTL_CAPTURES.filter((x) => x.json !== undefined)) {
      it(c.command, () => {
        assert.deepEqual(decodeKubernetesProtobuf(hex(c.body)), c.json);
      });
    }
  });

  it('decodes kubectl create token (no dry-run exists) to the TokenRequest upstream prints', () => {
    const c = KUBECTL_CAPTURES.find((x) => x.command.startsWith('kubectl create token'));
    assert.ok(c);
    assert.equal(c.request, 'POST /api/v1/namespaces/default/serviceaccounts/sa/token');
    assert.deepEqual(decodeKubernetesProtobuf(hex(c.body)), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { creationTimestamp: null },
      spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: null },
      status: { token: '', expirationTimestamp: null },
    });
  });

  it('accepts DeleteOptions under any served apiVersion and meta.k8s.io/v1', () => {
    const raw = new Writer().uint32(8).int64(0).uint32(34).string('Foreground').finish();
    for (const apiVersion of ['v1', 'apps/v1', 'batch/v1', 'meta.k8s.io/v1']) {
      assert.deepEqual(decodeKubernetesProtobuf(body(apiVersion, 'DeleteOptions', raw)), {
        apiVersion,
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        propagationPolicy: 'Foreground',
      });
    }
  });

  it('fills an empty typeMeta from the caller defaults, as upstream does from the endpoint', () => {
    const raw = new Writer().uint32(10).fork().uint32(10).string('x').ldelim().finish();
    assert.deepEqual(decodeKubernetesProtobuf(body('', '', raw), { apiVersion: 'v1', kind: 'ConfigMap' }), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', creationTimestamp: null },
    });
  });

  const bad: { name: string; body: Uint8Array; reason: 'Malformed' | 'UnsupportedKind'; message: RegExp }[] =
    [
      { name: 'empty', body: new Uint8Array(0), reason: 'Malformed', message: /empty data/ },
      {
        name: 'JSON body',
        body: Buffer.from('{"kind":"Pod"}'),
        reason: 'Malformed',
        message: /expected prefix/,
      },
      { name: 'prefix only', body: hex('6b387300'), reason: 'Malformed', message: /empty body/ },
      {
        name: 'truncated envelope',
        body: hex('6b3873000a0f0a0276'),
        reason: 'Malformed',
        message: /envelope/,
      },
      {
        name: 'unknown kind',
        body: body('v1', 'Widget', new Uint8Array(0)),
        reason: 'UnsupportedKind',
        message: /no kind "Widget" is registered for version "v1"/,
      },
      {
        name: 'unknown apiVersion',
        body: body('example.com/v9', 'Pod', new Uint8Array(0)),
        reason: 'UnsupportedKind',
        message: /version "example.com\/v9"/,
      },
      { name: 'missing kind', body: body('v1', '', new Uint8Array(0)), reason: 'Malformed', message: /Kind/ },
      {
        name: 'missing apiVersion',
        body: body('', 'Pod', new Uint8Array(0)),
        reason: 'Malformed',
        message: /apiVersion/,
      },
      {
        name: 'content encoding',
        body: body('v1', 'Pod', new Uint8Array(0), (w) => w.uint32(26).string('gzip')),
        reason: 'Malformed',
        message: /content encoding "gzip"/,
      },
      {
        name: 'wrong wire type for metadata',
        body: body('v1', 'Pod', hex('0801')),
        reason: 'Malformed',
        message: /core\.v1\.Pod\.metadata: wrong wire type 0/,
      },
      {
        name: 'nested length past the end',
        body: body('v1', 'Pod', hex('0a050a03666f')),
        reason: 'Malformed',
        message: /runs past the end/,
      },
      {
        name: 'field number 0',
        body: body('v1', 'ConfigMap', hex('0000')),
        reason: 'Malformed',
        message: /field number 0/,
      },
      {
        name: 'stray end-group',
        body: body('v1', 'ConfigMap', hex('7c')),
        reason: 'Malformed',
        message: /end-group/,
      },
      {
        name: 'invalid quantity',
        body: body(
          'v1',
          'ResourceQuota',
          new Writer()
            .uint32(18)
            .fork()
            .uint32(10)
            .fork()
            .uint32(10)
            .string('pods')
            .uint32(18)
            .fork()
            .uint32(10)
            .string('ten')
            .ldelim()
            .ldelim()
            .ldelim()
            .finish(),
        ),
        reason: 'Malformed',
        message: /quantities must match/,
      },
    ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.throws(
        () => decodeKubernetesProtobuf(c.body),
        (err: unknown) =>
          err instanceof ProtobufDecodeError && err.reason === c.reason && c.message.test(err.message),
      );
    });
  }
});

describe('encodeKubernetesProtobuf', () => {
  it('re-encodes every kubectl body byte for byte', () => {
    for (const c of KUBECTL_CAPTURES) {
      assert.equal(toHex(encodeKubernetesProtobuf(decodeKubernetesProtobuf(hex(c.body)))), c.body, c.command);
    }
  });

  it('has a sample object for every supported kind', () => {
    const have = new Set(SAMPLE_OBJECTS.map((o) => `${String(o.apiVersion)} ${String(o.kind)}`));
    const missing = supportedKinds()
      .filter((k) => !k.kind.endsWith('List'))
      .map((k) => `${k.apiVersion} ${k.kind}`)
      .filter((k) => !have.has(k));
    assert.deepEqual(missing, []);
  });

  describe('round-trips realistic objects', () => {
    for (const obj of SAMPLE_OBJECTS) {
      it(`${String(obj.apiVersion)} ${String(obj.kind)}`, () => {
        const bytes = encodeKubernetesProtobuf(obj);
        const decoded = decodeKubernetesProtobuf(bytes);
        assert.deepEqual(withoutZeros(decoded), withoutZeros(obj));
        const again = encodeKubernetesProtobuf(decoded);
        assert.equal(toHex(again), toHex(bytes));
        assert.deepEqual(decodeKubernetesProtobuf(again), decoded);
      });
    }
  });

  it('round-trips a list', () => {
    const items = SAMPLE_OBJECTS.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret').map((o) => {
      const { apiVersion: _a, kind: _k, ...rest } = o;
      return decodeKubernetesProtobuf(
        encodeKubernetesProtobuf({ ...rest, apiVersion: 'v1', kind: 'ConfigMap' }),
      );
    });
    const list = {
      apiVersion: 'v1',
      kind: 'ConfigMapList',
      metadata: { resourceVersion: '99', continue: 'abc', remainingItemCount: 0 },
      items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
    };
    assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(list)), list);
  });

  const bad: { name: string; obj: Record<string, unknown>; message: RegExp }[] = [
    { name: 'no kind', obj: { apiVersion: 'v1', metadata: {} }, message: /apiVersion and kind are required/ },
    { name: 'unknown kind', obj: { apiVersion: 'v1', kind: 'Widget', metadata: {} }, message: /Widget/ },
    {
      name: 'string where an int is expected',
      obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { replicas: '3' } },
      message: /apps\.v1\.Deployment\.spec\.replicas: expected an int32/,
    },
    {
      name: 'object where an array is expected',
      obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { finalizers: 'x' } },
      message: /metadata\.finalizers: expected an array/,
    },
    {
      name: 'bad base64',
      obj: { apiVersion: 'v1', kind: 'Secret', metadata: {}, data: { k: 'not base64!' } },
      message: /expected base64/,
    },
    {
      name: 'bad time',
      obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { creationTimestamp: 'yesterday' } },
      message: /RFC 3339/,
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.throws(
        () => encodeKubernetesProtobuf(c.obj),
        (err: unknown) => err instanceof ProtobufEncodeError && c.message.test(err.message),
      );
    });
  }
});

describe('decodeKubernetesProtobuf on garbage', () => {
  /** Deterministic PRNG (mulberry32) so failures reproduce. */
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Either decodes or throws ProtobufDecodeError; anything else fails the test. */
  function survives(input: Uint8Array): 'ok' | 'error' {
    try {
      const out = decodeKubernetesProtobuf(input);
      assert.equal(typeof out, 'object');
      return 'ok';
    } catch (err) {
      if (err instanceof ProtobufDecodeError) return 'error';
      throw new Error(`unexpected ${String(err)} for ${toHex(input)}`);
    }
  }

  const samples = [
    ...KUBECTL_CAPTURES.map((c) => hex(c.body)),
    ...SAMPLE_OBJECTS.map((o) => encodeKubernetesProtobuf(o)),
  ];

  it('never crashes on any truncation of a valid body', () => {
    let errors = 0;
    for (const b of samples) {
      for (let n = 0; n < b.length; n++) if (survives(b.subarray(0, n)) === 'error') errors++;
    }
    assert.ok(errors > 0);
  });

  it('survives random byte mutations of valid bodies', () => {
    const next = rng(42);
    const outcomes = { ok: 0, error: 0 };
    for (let i = 0; i < 4000; i++) {
      const b = Uint8Array.from(samples[Math.floor(next() * samples.length)] ?? []);
      const flips = 1 + Math.floor(next() * 4);
      for (let j = 0; j < flips; j++) b[4 + Math.floor(next() * (b.length - 4))] = Math.floor(next() * 256);
      outcomes[survives(b)]++;
    }
    assert.ok(outcomes.error > 0 && outcomes.ok > 0, JSON.stringify(outcomes));
  });

  it('survives random bytes after the prefix', () => {
    const next = rng(7);
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(4 + Math.floor(next() * 64));
      b.set([0x6b, 0x38, 0x73, 0x00]);
      for (let j = 4; j < b.length; j++) b[j] = Math.floor(next() * 256);
      if (survives(b) === 'error') errors++;
    }
    assert.ok(errors > 0);
  });

  it('survives random messages inside a valid envelope for every kind', () => {
    const next = rng(99);
    for (const { apiVersion, kind } of supportedKinds()) {
      for (let i = 0; i < 40; i++) {
        const raw = new Uint8Array(Math.floor(next() * 48));
        for (let j = 0; j < raw.length; j++) raw[j] = Math.floor(next() * 256);
        survives(body(apiVersion, kind, raw));
      }
    }
  });

  it('rejects deeply nested groups in unknown fields without overflowing the stack', () => {
    const raw = new Uint8Array(20000).fill(0xfb).map((v, i) => (i % 2 === 0 ? 0xfb : 0x07));
    assert.equal(survives(body('v1', 'ConfigMap', raw)), 'error');
  });
});
