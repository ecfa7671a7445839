import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { ProtobufDecodeError } from './errors.js';

const { Writer } = protobuf;
type W = protobuf.Writer;

/** Builds message bytes with a protobufjs Writer. */
const msg = (build: (w: W) => void): Uint8Array => {
  const w = Writer.create();
  build(w);
  return w.finish();
};
const sub = (w: W, tag: number, build: (w: W) => void): W => {
  w.uint32(tag).fork();
  build(w);
  return w.ldelim();
};

describe('decodeMessage follows Go JSON encoding of the decoded struct', () => {
  const cases: { name: string; message: string; body: Uint8Array; json: Record<string, unknown> }[] = [
    {
      name: 'omitempty zero scalars are dropped; non-pointer structs print (Time as null)',
      message: 'core.v1.ConfigMap',
      body: msg((w) => sub(w, 10, (m) => m.uint32(10).string('').uint32(56).int64(0))),
      json: { metadata: { creationTimestamp: null } },
    },
    {
      name: 'pointer fields keep explicit zeros',
      message: 'apps.v1.DeploymentSpec',
      body: msg((w) => w.uint32(8).int32(0).uint32(40).int32(0).uint32(56).bool(false)),
      json: {
        replicas: 0,
        selector: null,
        template: { metadata: { creationTimestamp: null }, spec: { containers: null } },
        strategy: {},
      },
    },
    {
      name: 'non-omitempty scalars print their zero; nil slices without omitempty print null',
      message: 'core.v1.ContainerPort',
      body: new Uint8Array(0),
      json: { containerPort: 0 },
    },
    {
      name: 'nil non-omitempty slice is null',
      message: 'rbac.v1.PolicyRule',
      body: msg((w) => w.uint32(18).string('')),
      json: { verbs: null, apiGroups: [''] },
    },
    {
      name: 'inline structs print in the parent',
      message: 'core.v1.Volume',
      body: msg((w) => {
        w.uint32(10).string('v');
        sub(w, 18, (vs) => sub(vs, 18, (ed) => ed.uint32(10).string('Memory')));
      }),
      json: { name: 'v', emptyDir: { medium: 'Memory' } },
    },
    {
      name: 'map keys come out sorted; __proto__ is an ordinary key; bytes as base64',
      message: 'core.v1.Secret',
      body: msg((w) => {
        for (const [k, v] of [
          ['z', 'AQ=='],
          ['__proto__', 'Ag=='],
          ['a', ''],
        ] as const) {
          sub(w, 18, (e) => e.uint32(10).string(k).uint32(18).bytes(Buffer.from(v, 'base64')));
        }
        sub(w, 18, (e) => e.uint32(10).string('nokey-value-missing'));
      }),
      json: {
        metadata: { creationTimestamp: null },
        data: JSON.parse('{"__proto__":"Ag==","a":"","nokey-value-missing":"","z":"AQ=="}') as unknown,
      },
    },
    {
      name: 'repeated varints are accepted packed and unpacked',
      message: 'core.v1.PodSecurityContext',
      body: msg((w) => {
        w.uint32(32).int64(1);
        sub(w, 34, (p) => p.int64(2).int64(3));
      }),
      json: { supplementalGroups: [1, 2, 3] },
    },
    {
      name: 'a message field seen twice is merged, a scalar seen twice keeps the last value',
      message: 'core.v1.ObjectReference',
      body: msg((w) => w.uint32(10).string('Pod').uint32(10).string('Node').uint32(26).string('n1')),
      json: { kind: 'Node', name: 'n1' },
    },
    {
      name: 'unknown fields of every wire type, including groups, are skipped',
      message: 'core.v1.LocalObjectReference',
      body: msg((w) => {
        w.uint32(800).uint64(5).uint32(809).fixed64(1).uint32(813).fixed32(1).uint32(810).string('x');
        w.uint32(803).uint32(808).int32(1).uint32(804);
        w.uint32(10).string('ok');
      }),
      json: { name: 'ok' },
    },
    {
      name: 'int64 beyond 32 bits and negative int32',
      message: 'core.v1.ContainerImage',
      body: msg((w) => w.uint32(16).int64(2 ** 40)),
      json: { names: null, sizeBytes: 2 ** 40 },
    },
    {
      name: 'each occurrence of a repeated message is its own element',
      message: 'meta.v1.ObjectMeta',
      body: msg((w) => {
        sub(w, 106, (o) =>
          o.uint32(10).string('Pod').uint32(26).string('a').uint32(34).string('u').uint32(42).string('v1'),
        );
        sub(w, 106, (o) => o.uint32(48).bool(true));
        sub(w, 66, (t) => t.uint32(8).int64(1704164645));
      }),
      json: {
        creationTimestamp: '2024-01-02T03:04:05Z',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Pod', name: 'a', uid: 'u' },
          { apiVersion: '', kind: '', name: '', uid: '', controller: true },
        ],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(decodeMessage(c.body, c.message), c.json));
  }

  const errors: { name: string; message: string; body: Uint8Array; error: RegExp }[] = [
    {
      name: 'wrong wire type for a string',
      message: 'core.v1.LocalObjectReference',
      body: msg((w) => w.uint32(8).int32(1)),
      error: /LocalObjectReference\.name: wrong wire type 0/,
    },
    {
      name: 'wrong wire type for a varint',
      message: 'core.v1.ContainerPort',
      body: msg((w) => w.uint32(26).string('x')),
      error: /containerPort: wrong wire type 2/,
    },
    {
      name: 'truncated string',
      message: 'core.v1.LocalObjectReference',
      body: Uint8Array.of(10, 5, 97),
      error: /index out of range|runs past/,
    },
    {
      name: 'truncated varint',
      message: 'core.v1.ContainerPort',
      body: Uint8Array.of(16, 0x80),
      error: /index out of range/,
    },
    {
      name: 'wrong wire type for a map value',
      message: 'core.v1.ConfigMap',
      body: msg((w) => sub(w, 18, (e) => e.uint32(10).string('k').uint32(16).int32(1))),
      error: /map value/,
    },
    {
      name: 'unterminated group',
      message: 'core.v1.LocalObjectReference',
      body: msg((w) => w.uint32(803).uint32(808).int32(1)),
      error: /index out of range/,
    },
  ];
  for (const c of errors) {
    it(`fails on ${c.name}`, () => {
      assert.throws(
        () => decodeMessage(c.body, c.message),
        (err: unknown) => err instanceof Error && c.error.test(err.message),
      );
    });
  }
  it('reports malformed input as ProtobufDecodeError where it detects it itself', () => {
    assert.throws(() => decodeMessage(Uint8Array.of(0), 'core.v1.ConfigMap'), ProtobufDecodeError);
  });
});

describe('encodeMessage writes what gogo-protobuf writes', () => {
  const cases: { name: string; message: string; json: Record<string, unknown>; hex: string }[] = [
    {
      name: 'non-pointer scalars always, in field-number order',
      message: 'core.v1.ContainerPort',
      json: { protocol: 'TCP', containerPort: 80 },
      hex: '0a00' + '1000' + '1850' + '2203544350' + '2a00',
    },
    {
      name: 'pointers only when set, including false; zero non-pointer structs as their zero fields',
      message: 'core.v1.ServiceAccount',
      json: { automountServiceAccountToken: false },
      hex: '0a10' + '0a0012001a0022002a00320038004200' + '2000',
    },
    {
      name: 'repeated strings one tag each; omitempty does not stop gogo writing zero scalars',
      message: 'core.v1.NodeSpec',
      json: { podCIDRs: ['a', 'b'] },
      hex: '0a00' + '1200' + '1a00' + '2000' + '3a0161' + '3a0162',
    },
    {
      name: 'map entries sorted by key; a nil bytes value writes only the key',
      message: 'core.v1.ConfigMap',
      json: { data: { b: '2', a: '1' }, binaryData: { x: null } },
      hex: '0a100a0012001a0022002a00320038004200' + '12060a0161120131' + '12060a0162120132' + '1a030a0178',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(Buffer.from(encodeMessage(c.json, c.message)).toString('hex'), c.hex));
  }
});
