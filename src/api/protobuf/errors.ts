/** @module Errors thrown by the Kubernetes protobuf codec. */

/**
 * A request body that cannot be decoded. `reason` tells the apiserver how to answer: `Malformed` (bad prefix,
 * truncated or invalid wire data, a value with no JSON form) is a 400; `UnsupportedKind` (an apiVersion/kind
 * this codec has no message for) may be answered 415 or 400.
 */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
  constructor(
    message: string,
    readonly reason: 'Malformed' | 'UnsupportedKind' = 'Malformed',
  ) {
    super(message);
  }
}

/** An object that cannot be encoded: unknown kind, or a field value of the wrong JSON type. */
export class ProtobufEncodeError extends Error {
  override readonly name = 'ProtobufEncodeError';
}
