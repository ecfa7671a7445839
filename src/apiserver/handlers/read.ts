/** @module GET of one object and LIST of a collection, served from the watch cache (or the store for old snapshots). */
import { badRequest, expired, timeout } from '../../api/errors.js';
import type { ListMeta } from '../../api/object.js';
import { isStorageError } from '../../storage/interface.js';
import { encodeContinue, type ListOptions, parseListOptions } from '../list-options.js';
import type { OutputForm } from '../negotiation.js';
import type { ObjectStore } from '../object-store.js';
import type { ResourceRequestInfo } from '../request-info.js';
import type { ApiRequest, ApiResponse } from '../transport.js';
import type { CacheEntry } from '../watch-cache.js';
import type { HandlerContext } from './context.js';
import { entryJson, writeList, writeObject } from './output.js';
import { handleWatch } from './watch.js';

const TOO_LARGE_RV_WAIT_MS = 3000;

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export async function handleGet(
  ctx: HandlerContext,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
): Promise<void> {
  const entry = await os.get(info.namespace, info.name);
  writeObject(res, 200, os.def, form, entry.obj, { now: ctx.clock.now(), json: entryJson(entry) });
}

/** Field paths a resource can select on. */
const supportedFieldsCache = new WeakMap<ObjectStore, Set<string>>();
export function supportedFields(os: ObjectStore): Set<string> {
  let s = supportedFieldsCache.get(os);
  if (!s) {
    s = new Set(['metadata.name', 'metadata.namespace']);
    try {
      for (const k of Object.keys(os.def.selectableFields?.({ metadata: {} }) ?? {})) s.add(k);
    } catch {
      // A selectableFields that needs a fuller object still works for matching; its keys are unknown here.
    }
    supportedFieldsCache.set(os, s);
  }
  return s;
}

export async function handleList(
  ctx: HandlerContext,
  req: ApiRequest,
  res: ApiResponse,
  os: ObjectStore,
  info: ResourceRequestInfo,
  form: OutputForm,
): Promise<void> {
  const opts = parseListOptions(req.query, info.namespace, supportedFields(os), info.verb === 'watch');
  if (opts.watch) return handleWatch(ctx, req, res, os, info, form, opts);
  const page = await listPage(os, info.namespace, opts);
  writeList(res, os.def, form, page.entries, page.meta, ctx.clock.now());
}

export interface ListPage {
  entries: CacheEntry[];
  meta: ListMeta;
}

/** Resolves a list request to one page of entries, following upstream's resourceVersion rules. */
export async function listPage(os: ObjectStore, namespace: string, opts: ListOptions): Promise<ListPage> {
  const cache = os.cache;
  const token = opts.continueFrom;
  if (token) {
    if (token.rv < 0) {
      await os.waitFresh();
      return cachePage(os, opts, token.startAfter);
    }
    if (token.rv > cache.currentRevision) {
      await os.waitFresh();
      if (token.rv > cache.currentRevision)
        throw badRequest('continue key is not valid: its resourceVersion is in the future');
    }
    if (cache.currentRevision === token.rv) return cachePage(os, opts, token.startAfter);
    return storePage(os, namespace, opts, token.rv, token.startAfter);
  }
  const rv = opts.resourceVersion;
  if (rv === '') {
    await os.waitFresh();
  } else if (rv !== '0') {
    const n = Number(rv);
    try {
      await cache.waitForRevision(n, TOO_LARGE_RV_WAIT_MS);
    } catch {
      throw timeout(`Too large resource version: ${n}, current: ${cache.currentRevision}`);
    }
    if (opts.resourceVersionMatch === 'Exact' && n !== cache.currentRevision) {
      return storePage(os, namespace, opts, n, '');
    }
  }
  return cachePage(os, opts, '');
}

function cachePage(os: ObjectStore, opts: ListOptions, startAfter: string): ListPage {
  const rev = os.cache.currentRevision;
  const page = os.cache.page(
    opts.filter,
    startAfter ? os.prefix + startAfter : '',
    opts.limit,
    !opts.selective,
  );
  const meta: ListMeta = { resourceVersion: String(rev) };
  if (page.more) {
    const last = page.entries[page.entries.length - 1]!;
    meta.continue = encodeContinue(rev, last.key.slice(os.prefix.length));
    if (!opts.selective) meta.remainingItemCount = page.remaining;
  }
  return { entries: page.entries, meta };
}

async function storePage(
  os: ObjectStore,
  namespace: string,
  opts: ListOptions,
  rev: number,
  startAfter: string,
): Promise<ListPage> {
  try {
    const page = await os.listAtRevision(namespace, rev, startAfter, opts.limit, opts.filter.matches);
    const meta: ListMeta = { resourceVersion: String(rev) };
    if (page.more && page.entries.length > 0) {
      meta.continue = encodeContinue(rev, page.entries[page.entries.length - 1]!.key.slice(os.prefix.length));
    } else if (page.more) {
      meta.continue = encodeContinue(rev, page.lastKey.slice(os.prefix.length));
    }
    return { entries: page.entries, meta };
  } catch (err) {
    if (isStorageError(err, 'Compacted')) {
      if (!opts.continueFrom) throw expired(`too old resource version: ${rev}`);
      // As upstream: the Status carries a token that goes on from the same key at the latest state.
      const gone = expired(CONTINUE_EXPIRED);
      gone.status.metadata = { continue: encodeContinue(-1, startAfter) };
      throw gone;
    }
    throw err;
  }
}
