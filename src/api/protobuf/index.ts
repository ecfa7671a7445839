/** @module Kubernetes protobuf request/response bodies (application/vnd.kubernetes.protobuf). */
export {
  decodeKubernetesProtobuf,
  encodeKubernetesProtobuf,
  KUBERNETES_PROTOBUF_CONTENT_TYPE,
  type KindDefaults,
} from './kubernetes-protobuf.js';
export { ProtobufDecodeError, ProtobufEncodeError } from './errors.js';
export { supportedKinds } from './schema.js';
