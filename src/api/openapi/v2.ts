/**
 * @module The /openapi/v2 document: a Swagger 2.0 header with no paths and no definitions, in JSON and in
 * the gnostic protobuf form kubectl reads. kubectl falls back to it to validate what openapi v3 cannot
 * answer for (a `kind: List` file); with no definitions it leaves each item to the server's own
 * (fieldValidation) checks.
 */

/** The served document as JSON and as an `openapi.v2.Document` message. */
export interface OpenApiV2Document {
  json: string;
  protobuf: Buffer;
}

/** The media type clients ask for the protobuf form with. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The Content-Type it is answered with: `@` is not valid in a media type, so upstream spells it with a dot. */
export const OPENAPI_V2_PROTOBUF_RESPONSE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** A length-delimited field (wire type 2). */
function field(num: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...varint((num << 3) | 2), ...varint(payload.length)]), payload]);
}

function text(num: number, s: string): Buffer {
  return field(num, Buffer.from(s, 'utf8'));
}

/** Builds the document for a server whose version string is `version` (e.g. `v1.32.4`). */
export function openapiV2Document(version: string): OpenApiV2Document {
  const json = JSON.stringify({
    swagger: '2.0',
    info: { title: 'Kubernetes', version },
    paths: {},
    definitions: {},
  });
  // Document: 1 swagger, 2 info {1 title, 2 version}, 8 paths, 9 definitions.
  const protobuf = Buffer.concat([
    text(1, '2.0'),
    field(2, Buffer.concat([text(1, 'Kubernetes'), text(2, version)])),
    field(8, Buffer.alloc(0)),
    field(9, Buffer.alloc(0)),
  ]);
  return { json, protobuf };
}
