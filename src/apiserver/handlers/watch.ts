/** @module WATCH: newline-delimited JSON events over a chunked response, fed by the watch cache. */
import { expired } from '../../api/errors.js';
import type { KubeObject, Status } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import type { ListOptions } from '../list-options.js';
import type { OutputForm } from '../negotiation.js';
import type { ObjectStore } from '../object-store.js';
import type { ResourceRequestInfo } from '../request-info.js';
import { buildTable, partialObjectMetadata } from '../table.js';
import type { ApiRequest, ApiResponse } from '../transport.js';
import {
  type CacheEntry,
  type CacheEvent,
  type CacheFilter,
  type CacheWatcher,
  TooOldResourceVersionError,
} from '../watch-cache.js';
import type { HandlerContext } from './context.js';
import { entryJson } from './output.js';

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

export async function handleWatch(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
  opts: ListOptions,
): Promise<void> {
  const cache = os.cache;
  const def = os.def;
  let filter: CacheFilter = opts.filter;
  if (info.name) {
    // A watch addressed to one object (the deprecated /watch/.../name form).
    const name = info.name;
    const inner = filter;
    filter = {
      namespace: inner.namespace,
      equalities: [...inner.equalities, ['field', 'metadata.name', name]],
      matches: (e) => e.fields['metadata.name'] === name && inner.matches(e),
    };
  }
  const rv = opts.resourceVersion;
  const fromNow = rv === '' || rv === '0';
  const sendInitial = fromNow ? opts.sendInitialEvents !== false : opts.sendInitialEvents === true;
  if (rv === '') await os.waitFresh();
  else if (rv !== '0') await cache.waitForRevision(Number(rv), 3000).catch(() => undefined);

  const contentType =
    form.kind === 'table'
      ? `application/json;as=Table;v=${form.version};g=meta.k8s.io`
      : form.kind === 'metadata'
        ? `application/json;as=PartialObjectMetadata;v=${form.version};g=meta.k8s.io`
        : 'application/json';

  let tableColumnsSent = false;
  const objectJson = (e: CacheEntry): string => {
    switch (form.kind) {
      case 'json':
        return entryJson(e);
      case 'metadata':
        return JSON.stringify(partialObjectMetadata(e.obj, form.version));
      case 'table': {
        const withColumns = !tableColumnsSent;
        tableColumnsSent = true;
        return JSON.stringify(
          buildTable(
            def,
            [e.obj],
            { resourceVersion: e.obj.metadata.resourceVersion },
            {
              now: ctx.clock.now(),
              include: form.includeObject,
              version: form.version,
              withColumns,
            },
          ),
        );
      }
    }
  };
  const eventLine = (type: string, e: CacheEntry): string => `{"type":"${type}","object":${objectJson(e)}}\n`;
  const bookmarkLine = (rev: number, annotations?: Record<string, string>): string => {
    const metadata: KubeObject['metadata'] = { resourceVersion: String(rev) };
    if (annotations) metadata.annotations = annotations;
    return `${JSON.stringify({ type: 'BOOKMARK', object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata } })}\n`;
  };
  const errorLine = (status: Status): string => `${JSON.stringify({ type: 'ERROR', object: status })}\n`;

  res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' });
  // Send the headers now: clients wait for them before reading, and a quiet watch may write nothing for minutes.
  res.write('');

  let finished = false;
  let lastRev = cache.currentRevision;
  let bookmarkedRev = 0;
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    if (finished) return;
    finished = true;
    cache.removeWatcher(watcher);
    for (const t of timers) clearTimeout(t);
    req.signal.removeEventListener('abort', finish);
    ctx.shutdown.removeEventListener('abort', finish);
    res.end();
  };
  const write = (chunk: string): void => {
    if (finished) return;
    res.write(chunk);
    if (res.bufferedBytes > ctx.options.maxWatchBufferBytes) {
      ctx.log.warn({ resource: def.plural }, 'ending a watch whose client is not keeping up');
      finish();
    }
  };
  const watcher: CacheWatcher = {
    filter,
    onEvents: (events: CacheEvent[]) => {
      let chunk = '';
      for (const e of events) chunk += eventLine(e.type, e.entry);
      lastRev = events[events.length - 1]!.rev;
      write(chunk);
    },
    onProgress: (rev) => {
      lastRev = rev;
    },
    onClose: () => finish(),
  };

  // From here to addWatcher nothing awaits, so no event falls between the snapshot and the live stream.
  let initial = '';
  if (fromNow) {
    if (sendInitial) {
      for (const e of cache.list(filter)) initial += eventLine('ADDED', e);
    }
    lastRev = cache.currentRevision;
  } else {
    const from = Number(rv);
    try {
      if (sendInitial) {
        for (const e of cache.list(filter)) initial += eventLine('ADDED', e);
        lastRev = cache.currentRevision;
      } else {
        for (const e of cache.eventsSince(from, filter)) initial += eventLine(e.type, e.entry);
        lastRev = Math.max(from, cache.currentRevision);
      }
    } catch (err) {
      if (err instanceof TooOldResourceVersionError) {
        res.end(errorLine(expired(err.message).status));
        return;
      }
      throw err;
    }
  }
  if (sendInitial && opts.allowWatchBookmarks && opts.sendInitialEvents === true) {
    initial += bookmarkLine(lastRev, { [INITIAL_EVENTS_END]: 'true' });
    bookmarkedRev = lastRev;
  }
  cache.addWatcher(watcher);
  if (initial) write(initial);

  if (req.signal.aborted || ctx.shutdown.aborted) {
    finish();
    return;
  }
  req.signal.addEventListener('abort', finish);
  ctx.shutdown.addEventListener('abort', finish);
  const timeoutSeconds = opts.timeoutSeconds ?? ctx.options.minRequestTimeoutSeconds * (1 + Math.random());
  timers.push(setTimeout(finish, timeoutSeconds * 1000));
  if (opts.allowWatchBookmarks) {
    const tick = (): void => {
      if (finished) return;
      if (lastRev > bookmarkedRev) {
        bookmarkedRev = lastRev;
        write(bookmarkLine(lastRev));
      }
      timers.push(setTimeout(tick, ctx.options.bookmarkIntervalMs));
    };
    timers.push(setTimeout(tick, ctx.options.bookmarkIntervalMs));
  }
}
