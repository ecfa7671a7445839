import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { OPENAPI_V2_PROTOBUF_RESPONSE, openapiV2Document } from './v2.js';

/** The few gnostic openapi.v2 messages the document uses, with upstream's field numbers. */
const root = protobuf.parse(`
syntax = "proto3";
package openapi.v2;
message Info { string title = 1; string version = 2; }
message Paths { }
message Definitions { }
message Document {
  string swagger = 1;
  Info info = 2;
  string host = 3;
  Paths paths = 8;
  Definitions definitions = 9;
}
`).root;
const Document = root.lookupType('openapi.v2.Document');

describe('openapi v2 document', () => {
  const doc = openapiV2Document('v1.32.4');

  it('decodes as an openapi.v2.Document', () => {
    const decoded = Document.toObject(Document.decode(doc.protobuf), { defaults: false }) as Record<
      string,
      unknown
    >;
    assert.deepEqual(decoded, {
      swagger: '2.0',
      info: { title: 'Kubernetes', version: 'v1.32.4' },
      paths: {},
      definitions: {},
    });
  });

  it('has the same content as JSON', () => {
    assert.deepEqual(JSON.parse(doc.json), {
      swagger: '2.0',
      info: { title: 'Kubernetes', version: 'v1.32.4' },
      paths: {},
      definitions: {},
    });
  });

  it('answers with a media type Go can parse (no "@")', () => {
    assert.doesNotMatch(OPENAPI_V2_PROTOBUF_RESPONSE, /@/);
    assert.match(OPENAPI_V2_PROTOBUF_RESPONSE, /^application\/[a-z0-9.+-]+$/);
  });

  it('encodes long strings with multi-byte lengths', () => {
    const long = `v${'9'.repeat(300)}`;
    const decoded = Document.decode(openapiV2Document(long).protobuf) as unknown as {
      info: { version: string };
    };
    assert.equal(decoded.info.version, long);
  });
});
