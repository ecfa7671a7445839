/**
 * @module One exec or attach session over a websocket: channel frames in and out, stdin closing (v5), resize
 * frames accepted, and the final Status on the error channel before the websocket closes.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import {
  CLOSE_CHANNEL,
  ERROR_CHANNEL,
  RESIZE_CHANNEL,
  STDERR_CHANNEL,
  STDIN_CHANNEL,
  STDOUT_CHANNEL,
  decodeFrame,
  encodeFrame,
  internalErrorStatus,
  statusPayload,
  type ChannelProtocol,
  type ChannelStatus,
} from './stream-protocol.js';
import { errorText } from '../../util/errors.js';

/** Which streams the client asked for (stderr is already off when tty is on). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The session's side of the streams, handed to whatever runs the command. */
export interface SessionStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** Terminal size from the resize channel (accepted; the process runtime cannot resize). */
export interface TerminalSize {
  Width: number;
  Height: number;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Serves one session on an open websocket: `run` gets the streams and resolves with the Status to report
 * (a thrown error becomes an InternalError Status). Resolves once the websocket is closed.
 */
export async function serveChannelSession(
  ws: WebSocket,
  protocol: ChannelProtocol,
  opts: StreamOptions,
  run: (streams: SessionStreams) => Promise<ChannelStatus>,
  onResize?: (size: TerminalSize) => void,
): Promise<void> {
  const abort = new AbortController();
  const stdin = opts.stdin ? new PassThrough() : undefined;
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));

  const send = (channel: number, data: Buffer, done?: () => void): void => {
    if (ws.readyState !== WebSocket.OPEN) {
      done?.();
      return;
    }
    ws.send(encodeFrame(protocol, channel, data), { binary: !protocol.base64 }, () => done?.());
  };
  // Each chunk is acknowledged once written to the socket, so a slow client slows the command down.
  const output = (channel: number): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        send(channel, chunk, () => cb());
      },
    });
  const stdout = opts.stdout ? output(STDOUT_CHANNEL) : undefined;
  const stderr = opts.stderr ? output(STDERR_CHANNEL) : undefined;

  const endStdin = (): void => {
    if (stdin && !stdin.writableEnded) stdin.end();
  };
  ws.on('message', (raw) => {
    const frame = decodeFrame(protocol, toBuffer(raw));
    if (!frame) return;
    switch (frame.channel) {
      case STDIN_CHANNEL:
        if (stdin && !stdin.writableEnded && frame.data.length > 0) stdin.write(frame.data);
        break;
      case RESIZE_CHANNEL:
        if (protocol.version >= 3 && onResize) {
          try {
            onResize(JSON.parse(frame.data.toString('utf8')) as TerminalSize);
          } catch {
            // A malformed resize is ignored, as upstream drops it.
          }
        }
        break;
      case CLOSE_CHANNEL:
        if (protocol.version >= 5 && frame.data[0] === STDIN_CHANNEL) endStdin();
        break;
      default:
        break;
    }
  });
  ws.on('close', () => {
    abort.abort();
    endStdin();
  });
  ws.on('error', () => {
    abort.abort();
    endStdin();
  });

  // An empty frame on the lowest writable channel tells the client the streams are ready.
  send(opts.stdout ? STDOUT_CHANNEL : opts.stderr ? STDERR_CHANNEL : ERROR_CHANNEL, Buffer.alloc(0));

  let status: ChannelStatus;
  try {
    status = await run({
      ...(stdin ? { stdin } : {}),
      ...(stdout ? { stdout } : {}),
      ...(stderr ? { stderr } : {}),
      tty: opts.tty,
      signal: abort.signal,
    });
  } catch (err) {
    status = internalErrorStatus(errorText(err));
  }
  await Promise.all([finish(stdout), finish(stderr)]);
  if (!abort.signal.aborted) {
    const payload = statusPayload(protocol, status);
    if (payload) send(ERROR_CHANNEL, payload);
    ws.close(1000);
  }
  await closed;
}

/** Ends an output stream once everything written to it went out. */
function finish(w: Writable | undefined): Promise<void> {
  if (!w || w.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', resolve);
    w.once('error', () => resolve());
    w.end();
  });
}
