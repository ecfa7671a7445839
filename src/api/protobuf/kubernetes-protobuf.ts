/**
 * @module The `application/vnd.kubernetes.protobuf` body: the prefix `k8s\0`, then a runtime.Unknown envelope
 * {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType} whose `raw` is the kind's message.
 */
import protobuf from 'protobufjs/minimal.js';
import type { KubeObject } from '../object.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { ProtobufDecodeError, ProtobufEncodeError } from './errors.js';
import { messageForKind } from './schema.js';
import { errorText } from '../../util/errors.js';

const { Reader, Writer } = protobuf;

export const KUBERNETES_PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** "k8s\0" */
const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

function readEnvelope(data: Uint8Array): Envelope {
  const env: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '' };
  const r = Reader.create(data);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) throw new ProtobufDecodeError('illegal field number 0 in the envelope');
    if (no >= 1 && no <= 4) {
      if (wt !== 2) throw new ProtobufDecodeError(`wrong wire type ${wt} for envelope field ${no}`);
      if (no === 1) {
        const tm = Reader.create(r.bytes());
        while (tm.pos < tm.len) {
          const t = tm.uint32();
          const tno = t >>> 3;
          if (tno === 0) throw new ProtobufDecodeError('illegal field number 0 in typeMeta');
          if ((tno === 1 || tno === 2) && (t & 7) !== 2) {
            throw new ProtobufDecodeError(`wrong wire type ${t & 7} for typeMeta field ${tno}`);
          }
          if (tno === 1) env.apiVersion = tm.string();
          else if (tno === 2) env.kind = tm.string();
          else skip(tm, t & 7, tno);
        }
      } else if (no === 2) env.raw = r.bytes();
      else if (no === 3) env.contentEncoding = r.string();
      else r.string();
    } else {
      skip(r, wt, no);
    }
  }
  return env;
}

function skip(r: protobuf.Reader, wt: number, no: number): void {
  if (wt === 4) throw new ProtobufDecodeError('unexpected end-group tag');
  r.skipType(wt, 0, no);
}

/** Fallbacks for an envelope whose typeMeta leaves apiVersion or kind empty (upstream uses the endpoint's). */
export interface KindDefaults {
  apiVersion?: string;
  kind?: string;
}

/**
 * Decodes a Kubernetes protobuf request body into the object the equivalent JSON request carries: apiVersion and
 * kind from the envelope, JSON field names, and the fields upstream's JSON encoding of the decoded Go struct
 * prints (zero `omitempty` values left out, zero non-pointer structs as `{}`, nil non-omitempty slices, maps and
 * pointers as `null`, zero times as `null`, e.g. `metadata.creationTimestamp: null`).
 *
 * Throws ProtobufDecodeError: `Malformed` for a missing prefix or invalid data, `UnsupportedKind` for an
 * apiVersion/kind without a message here. Never throws anything else for any input. The result of a
 * DeleteOptions body has no `metadata`.
 */
export function decodeKubernetesProtobuf(body: Uint8Array, defaults: KindDefaults = {}): KubeObject {
  if (body.length === 0) throw new ProtobufDecodeError('empty data');
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufDecodeError(
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
    );
  }
  if (body.length === MAGIC.length) throw new ProtobufDecodeError('empty body');
  let env: Envelope;
  try {
    env = readEnvelope(body.subarray(MAGIC.length));
  } catch (err) {
    throw asDecodeError(err, 'the envelope');
  }
  const apiVersion = env.apiVersion || defaults.apiVersion || '';
  const kind = env.kind || defaults.kind || '';
  if (!kind) throw new ProtobufDecodeError("Object 'Kind' is missing in the protobuf envelope");
  if (!apiVersion) throw new ProtobufDecodeError("Object 'apiVersion' is missing in the protobuf envelope");
  if (env.contentEncoding) {
    throw new ProtobufDecodeError(
      `unsupported content encoding "${env.contentEncoding}" in the protobuf envelope`,
    );
  }
  const message = messageForKind(apiVersion, kind);
  if (!message) {
    throw new ProtobufDecodeError(
      `no kind "${kind}" is registered for version "${apiVersion}" in the protobuf decoder`,
      'UnsupportedKind',
    );
  }
  let fields: Record<string, unknown>;
  try {
    fields = decodeMessage(env.raw, message);
  } catch (err) {
    throw asDecodeError(err, `${apiVersion} ${kind}`);
  }
  return { apiVersion, kind, ...fields } as KubeObject;
}

function asDecodeError(err: unknown, what: string): ProtobufDecodeError {
  if (err instanceof ProtobufDecodeError) return err;
  const detail = errorText(err);
  return new ProtobufDecodeError(`invalid protobuf data in ${what}: ${detail}`);
}

/**
 * Encodes an object (apiVersion and kind required) as a Kubernetes protobuf body, byte for byte as upstream's
 * gogo-protobuf marshalling of the same object would. Throws ProtobufEncodeError for an unsupported kind or a
 * field of the wrong JSON type.
 */
export function encodeKubernetesProtobuf(obj: KubeObject | Record<string, unknown>): Uint8Array {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    throw new ProtobufEncodeError('apiVersion and kind are required to encode an object as protobuf');
  }
  const message = messageForKind(apiVersion, kind);
  if (!message)
    throw new ProtobufEncodeError(`no protobuf message for kind "${kind}" in version "${apiVersion}"`);
  const raw = encodeMessage(obj, message);
  const w = Writer.create();
  w.uint32(10).fork().uint32(10).string(apiVersion).uint32(18).string(kind).ldelim();
  w.uint32(18).bytes(raw).uint32(26).string('').uint32(34).string('');
  const envelope = w.finish();
  const out = new Uint8Array(MAGIC.length + envelope.length);
  out.set(MAGIC);
  out.set(envelope, MAGIC.length);
  return out;
}
