/**
 * @module The websocket channel protocols of exec and attach (`channel.k8s.io` through `v5.channel.k8s.io` and
 * their base64 forms): negotiation, frame encoding, and the Status written on the error channel.
 */

export const STDIN_CHANNEL = 0;
export const STDOUT_CHANNEL = 1;
export const STDERR_CHANNEL = 2;
export const ERROR_CHANNEL = 3;
export const RESIZE_CHANNEL = 4;
/** v5: a client frame `[255, channel]` closes that channel (stdin). */
export const CLOSE_CHANNEL = 255;

export const V5_PROTOCOL = 'v5.channel.k8s.io';
export const V4_PROTOCOL = 'v4.channel.k8s.io';

/** What a negotiated subprotocol means for the session. */
export interface ChannelProtocol {
  /** The name echoed in Sec-WebSocket-Protocol ('' when the client offered none). */
  name: string;
  /** 1..5; 4 and 5 write a JSON Status on the error channel, older ones a plain message on failure only. */
  version: number;
  /** Text frames: an ASCII channel digit, then base64 data. */
  base64: boolean;
}

/** Supported protocols, most preferred first (the kubelet's list). */
const SUPPORTED: readonly ChannelProtocol[] = [
  { name: V5_PROTOCOL, version: 5, base64: false },
  { name: V4_PROTOCOL, version: 4, base64: false },
  { name: 'v4.base64.channel.k8s.io', version: 4, base64: true },
  { name: 'v3.channel.k8s.io', version: 3, base64: false },
  { name: 'v2.channel.k8s.io', version: 2, base64: false },
  { name: 'channel.k8s.io', version: 1, base64: false },
  { name: 'base64.channel.k8s.io', version: 1, base64: true },
];

export const SUPPORTED_PROTOCOLS: readonly string[] = SUPPORTED.map((p) => p.name);

/** The offered protocols of a Sec-WebSocket-Protocol header (comma-separated, possibly repeated). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Picks the protocol for a client's offer: the first offered one we support. No offer means the unversioned
 * binary protocol, as upstream; an offer with nothing supported is undefined (the handshake fails).
 */
export function negotiateProtocol(offered: readonly string[]): ChannelProtocol | undefined {
  if (offered.length === 0) return { name: '', version: 1, base64: false };
  for (const o of offered) {
    const p = SUPPORTED.find((s) => s.name === o);
    if (p) return p;
  }
  return undefined;
}

/** One frame for `channel`. */
export function encodeFrame(p: ChannelProtocol, channel: number, data: Buffer): Buffer | string {
  if (p.base64) return String.fromCharCode(0x30 + channel) + data.toString('base64');
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

/** A received frame split into its channel and data; undefined for an empty or malformed frame. */
export function decodeFrame(
  p: ChannelProtocol,
  frame: Buffer,
): { channel: number; data: Buffer } | undefined {
  if (frame.length === 0) return undefined;
  if (p.base64) {
    const ch = frame[0]! - 0x30;
    if (ch < 0 || ch > 9) return undefined;
    return { channel: ch, data: Buffer.from(frame.subarray(1).toString('latin1'), 'base64') };
  }
  return { channel: frame[0]!, data: frame.subarray(1) };
}

/** A metav1.Status as the error channel carries it (no kind/apiVersion, as upstream marshals it). */
export interface ChannelStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason?: string; message: string }> };
  code?: number;
}

export function successStatus(): ChannelStatus {
  return { metadata: {}, status: 'Success' };
}

/** A non-zero exit: reason NonZeroExitCode with the code as an ExitCode cause. */
export function exitCodeStatus(argv: readonly string[], code: number): ChannelStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** Anything else that went wrong (an InternalError Status). */
export function internalErrorStatus(message: string): ChannelStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

/**
 * The error channel's payload for a protocol: the JSON Status for v4 and v5; for older ones nothing on success
 * and the message on failure.
 */
export function statusPayload(p: ChannelProtocol, s: ChannelStatus): Buffer | undefined {
  if (p.version >= 4) return Buffer.from(JSON.stringify(s));
  if (s.status === 'Success') return undefined;
  return Buffer.from(s.message ?? '');
}
