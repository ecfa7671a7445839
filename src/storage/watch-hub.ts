/** @module In-process watch fan-out for the embedded backends: replay from history, then live batches. */
import {
  type StorageError,
  type Revision,
  type WatchEvent,
  type WatchHandle,
  type WatchListener,
} from './interface.js';
import { compactedError, eventRevision } from './internal.js';

/** What a {@link WatchHub} reads from its backend. All calls are synchronous and see committed state only. */
export interface WatchHistory {
  /** The highest committed (and already published) revision. */
  currentRevision(): Revision;
  compactedRevision(): Revision;
  /** Events under `prefix` with `after < revision <= upTo`, ascending, at most `limit` of them. */
  readHistory(prefix: string, after: Revision, upTo: Revision, limit: number): WatchEvent[];
}

interface Watcher {
  readonly prefix: string;
  readonly listener: WatchListener;
  /** Everything under the prefix up to this revision has been delivered. */
  delivered: Revision;
  /** Replay is finished; the watcher now takes events from {@link WatchHub.publish}. */
  live: boolean;
  done: boolean;
}

/**
 * Fans committed changes out to watchers. A new watcher first replays history from the backend in
 * chunks (each on its own macrotask), then receives live batches. The backend calls {@link publish}
 * once per committed batch; listener calls never overlap because publishing and replay both run
 * synchronously and a listener can only schedule (not perform) further writes.
 *
 * A listener that throws is cancelled and its error is rethrown on a later microtask.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private closedWith: StorageError | undefined;

  constructor(
    private readonly history: WatchHistory,
    private readonly replayChunk = 1000,
  ) {}

  add(prefix: string, afterRevision: Revision, listener: WatchListener): WatchHandle {
    const watcher: Watcher = { prefix, listener, delivered: afterRevision, live: false, done: false };
    this.watchers.add(watcher);
    setImmediate(() => this.replay(watcher));
    return { cancel: () => this.remove(watcher) };
  }

  /** Delivers one committed batch (ascending revisions, ending at `lastRevision`) to live watchers. */
  publish(events: readonly WatchEvent[], lastRevision: Revision): void {
    for (const w of this.watchers) {
      if (!w.live || w.done || lastRevision <= w.delivered) continue;
      const matched = matching(events, w.prefix, w.delivered);
      w.delivered = lastRevision;
      if (matched.length > 0) this.call(w, () => w.listener.onEvents(matched));
      // Progress up to the batch's end even when this watcher's last event came earlier in the batch:
      // readers waiting for `lastRevision` (consistent reads of the watch cache) must not stall.
      if (matched.length === 0 || eventRevision(matched[matched.length - 1]!) < lastRevision) {
        this.call(w, () => w.listener.onProgress?.(lastRevision));
      }
    }
  }

  /** Ends every watch with `err`, and every watch added later too (used on close). */
  closeAll(err: StorageError): void {
    this.closedWith = err;
    for (const w of [...this.watchers]) this.fail(w, err);
  }

  private replay(w: Watcher): void {
    if (w.done) return;
    if (this.closedWith) {
      this.fail(w, this.closedWith);
      return;
    }
    const compacted = this.history.compactedRevision();
    if (w.delivered < compacted) {
      this.fail(w, compactedError(w.prefix, w.delivered, compacted));
      return;
    }
    const upTo = this.history.currentRevision();
    if (w.delivered < upTo) {
      const events = this.history.readHistory(w.prefix, w.delivered, upTo, this.replayChunk);
      if (events.length === this.replayChunk) {
        w.delivered = eventRevision(events[events.length - 1]!);
        this.call(w, () => w.listener.onEvents(events));
        setImmediate(() => this.replay(w));
        return;
      }
      w.delivered = upTo;
      if (events.length > 0) this.call(w, () => w.listener.onEvents(events));
    }
    w.live = true;
    if (w.delivered === upTo) this.call(w, () => w.listener.onProgress?.(upTo));
  }

  private call(w: Watcher, fn: () => void): void {
    if (w.done) return;
    try {
      fn();
    } catch (err) {
      this.remove(w);
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  private fail(w: Watcher, err: StorageError): void {
    if (w.done) return;
    this.remove(w);
    try {
      w.listener.onError(err);
    } catch (thrown) {
      queueMicrotask(() => {
        throw thrown;
      });
    }
  }

  private remove(w: Watcher): void {
    w.done = true;
    this.watchers.delete(w);
  }
}

function eventKey(e: WatchEvent): string {
  return e.type === 'put' ? e.kv.key : e.key;
}

const NONE: readonly WatchEvent[] = [];

/** The events after `after` under `prefix`; allocates only when some event matches. */
function matching(events: readonly WatchEvent[], prefix: string, after: Revision): readonly WatchEvent[] {
  let out: WatchEvent[] | undefined;
  for (const e of events) {
    if (eventRevision(e) > after && eventKey(e).startsWith(prefix)) (out ??= []).push(e);
  }
  return out ?? NONE;
}
