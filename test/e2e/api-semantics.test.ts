/**
 * @module End-to-end: the API semantics upstream documents, asserted over raw HTTP against a real skiff server:
 * watch resourceVersion rules, bookmarks, 410 Expired, paging, selectors, subresources, generation, dry run,
 * deletion, binding, scale, Table, metadata lists, discovery, openapi, metrics, health and field validation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, type SkiffProcess, startSkiff } from './harness.js';

/** Events each watch cache keeps; the overflow test writes more than this to one resource. */
const HISTORY = 40;
/** Revisions the store keeps behind the current one when it compacts (every second here). */
const RETAIN = 60;

let skiff: SkiffProcess;

before(async () => {
  skiff = await startSkiff({
    apiOnly: true,
    extraArgs: [
      '--watch-bookmark-interval',
      '0.5',
      '--watch-history-size',
      String(HISTORY),
      '--storage-compaction-interval',
      '1',
      '--storage-compaction-retain',
      String(RETAIN),
    ],
  });
});

after(async () => {
  await skiff?.cleanup();
});

type Json = Record<string, any>;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: Json;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  const res = await skiff.fetch(path, init);
  const text = await res.text();
  let parsed: Json = {};
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    // not JSON (metrics, health)
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

async function ok(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<Json> {
  const r = await call(method, path, body, headers);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} -> ${r.status}: ${r.text}`);
  return r.body;
}

function assertStatus(r: Reply, code: number, reason: string, message?: string | RegExp): void {
  assert.equal(r.status, code, r.text);
  assert.equal(r.body['kind'], 'Status', r.text);
  assert.equal(r.body['apiVersion'], 'v1');
  assert.equal(r.body['status'], 'Failure');
  assert.equal(r.body['code'], code);
  assert.equal(r.body['reason'], reason, r.text);
  if (typeof message === 'string') assert.equal(r.body['message'], message);
  else if (message) assert.match(String(r.body['message']), message);
}

async function namespace(name: string): Promise<string> {
  await ok('POST', '/api/v1/namespaces', { metadata: { name } });
  return name;
}

const cmPath = (ns: string, name = ''): string =>
  `/api/v1/namespaces/${ns}/configmaps${name ? `/${name}` : ''}`;

async function configMap(
  ns: string,
  name: string,
  labels?: Record<string, string>,
  data?: Json,
): Promise<Json> {
  return ok('POST', cmPath(ns), { metadata: { name, labels }, data });
}

const rvOf = (o: Json): string => String(o['metadata']['resourceVersion']);
const namesOf = (list: Json): string[] => (list['items'] as Json[]).map((i) => String(i['metadata']['name']));

interface WatchEvent {
  type: string;
  object: Json;
}

/** A watch stream read line by line. */
interface OpenWatch {
  status: number;
  headers: Headers;
  events: WatchEvent[];
  /** Resolves when `n` events arrived (rejects after the timeout). */
  waitFor(n: number, timeoutMs?: number): Promise<WatchEvent[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

async function watch(path: string, headers: Record<string, string> = {}): Promise<OpenWatch> {
  const controller = new AbortController();
  const res = await skiff.fetch(path, { headers, signal: controller.signal });
  const events: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) events.push(JSON.parse(line) as WatchEvent);
        }
        wake?.();
      }
      if (buf.trim()) events.push(JSON.parse(buf) as WatchEvent);
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    } finally {
      wake?.();
    }
  })();
  let done = false;
  void ended.finally(() => (done = true));
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    close: () => controller.abort(),
    waitFor: async (n, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (done)
          throw new Error(
            `watch ended after ${events.length} events, wanted ${n}: ${JSON.stringify(events)}`,
          );
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`timed out with ${events.length} events, wanted ${n}: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 100));
        });
      }
      return events.slice(0, n);
    },
  };
}

const brief = (events: WatchEvent[]): string[] =>
  events.map((e) => `${e.type} ${String(e.object['metadata']?.['name'] ?? e.object['reason'] ?? '')}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('watch', () => {
  test('resourceVersion unset and "0" start with ADDED for existing objects, then live changes', async () => {
    const ns = await namespace('sem-watch-initial');
    await configMap(ns, 'a');
    await configMap(ns, 'b');
    const existing = ['ADDED a', 'ADDED b'];
    for (const [rv, live] of [
      ['', 'c'],
      ['0', 'd'],
    ] as const) {
      const w = await watch(`${cmPath(ns)}?watch=true${rv === '' ? '' : `&resourceVersion=${rv}`}`);
      try {
        assert.equal(w.status, 200);
        assert.equal(w.headers.get('content-type'), 'application/json');
        const n = existing.length;
        assert.deepEqual(brief(await w.waitFor(n)), existing);
        const created = await configMap(ns, live);
        const got = await w.waitFor(n + 1);
        assert.deepEqual(brief(got.slice(n)), [`ADDED ${live}`]);
        assert.equal(rvOf(got[n]!.object), rvOf(created));
        existing.push(`ADDED ${live}`);
      } finally {
        w.close();
      }
    }
  });

  test('an exact resourceVersion gives only the changes after it, in order', async () => {
    const ns = await namespace('sem-watch-exact');
    const a = await configMap(ns, 'a');
    await configMap(ns, 'b');
    await ok(
      'PATCH',
      cmPath(ns, 'a'),
      { data: { k: 'v' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    await ok('DELETE', cmPath(ns, 'b'));
    const w = await watch(`${cmPath(ns)}?watch=1&resourceVersion=${rvOf(a)}`);
    try {
      const events = await w.waitFor(3);
      assert.deepEqual(brief(events), ['ADDED b', 'MODIFIED a', 'DELETED b']);
      assert.deepEqual(events[1]!.object['data'], { k: 'v' });
      await sleep(300);
      assert.equal(w.events.length, 3, 'nothing older than the resourceVersion is replayed');
    } finally {
      w.close();
    }
  });

  test('a selector watch sees objects entering as ADDED and leaving as DELETED', async () => {
    const ns = await namespace('sem-watch-selector');
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const w = await watch(`${cmPath(ns)}?watch=true&labelSelector=app%3Dx`);
    try {
      await configMap(ns, 'a', { app: 'x' });
      await configMap(ns, 'other', { app: 'y' });
      await ok('PATCH', cmPath(ns, 'a'), { metadata: { labels: { app: 'y' } } }, merge);
      await ok('PATCH', cmPath(ns, 'other'), { metadata: { labels: { app: 'x' } } }, merge);
      await ok('PATCH', cmPath(ns, 'other'), { data: { k: 'v' } }, merge);
      await ok('DELETE', cmPath(ns, 'other'));
      const events = await w.waitFor(5);
      assert.deepEqual(brief(events), [
        'ADDED a',
        'DELETED a',
        'ADDED other',
        'MODIFIED other',
        'DELETED other',
      ]);
      assert.deepEqual(events[1]!.object['metadata']['labels'], { app: 'y' }, 'the object as it left');
    } finally {
      w.close();
    }
  });

  test('allowWatchBookmarks brings BOOKMARK events carrying only the resourceVersion', async () => {
    const ns = await namespace('sem-watch-bookmark');
    const other = await namespace('sem-watch-bookmark-other');
    const start = await configMap(ns, 'a');
    const w = await watch(`${cmPath(ns)}?watch=true&allowWatchBookmarks=true&resourceVersion=${rvOf(start)}`);
    try {
      // A change the watch does not select still moves its resourceVersion on.
      const elsewhere = await configMap(other, 'x');
      const [bookmark] = await w.waitFor(1, 5000);
      assert.equal(bookmark!.type, 'BOOKMARK');
      assert.deepEqual(bookmark!.object, {
        kind: 'ConfigMap',
        apiVersion: 'v1',
        metadata: { resourceVersion: rvOf(elsewhere) },
      });
    } finally {
      w.close();
    }
    const plain = await watch(`${cmPath(ns)}?watch=true&resourceVersion=${rvOf(start)}`);
    try {
      await configMap(other, 'y');
      await sleep(1500);
      assert.deepEqual(plain.events, [], 'no bookmarks unless asked for');
    } finally {
      plain.close();
    }
  });

  test('timeoutSeconds ends the stream', async () => {
    const ns = await namespace('sem-watch-timeout');
    const started = Date.now();
    const w = await watch(`${cmPath(ns)}?watch=true&timeoutSeconds=1`);
    await w.ended;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 4000, `the watch lasted ${elapsed} ms`);
    assert.deepEqual(w.events, []);
  });

  test('a resourceVersion older than the watch history is a 410 Expired ERROR event', async () => {
    const ns = await namespace('sem-watch-expired');
    const first = await ok('POST', `/api/v1/namespaces/${ns}/podtemplates`, podTemplate('t0'));
    for (let i = 1; i <= HISTORY + 5; i++) {
      await ok('POST', `/api/v1/namespaces/${ns}/podtemplates`, podTemplate(`t${i}`));
    }
    const w = await watch(`/api/v1/namespaces/${ns}/podtemplates?watch=true&resourceVersion=${rvOf(first)}`);
    await w.ended;
    assert.equal(w.status, 200);
    assert.equal(w.events.length, 1);
    const [ev] = w.events;
    assert.equal(ev!.type, 'ERROR');
    assert.equal(ev!.object['kind'], 'Status');
    assert.equal(ev!.object['code'], 410);
    assert.equal(ev!.object['reason'], 'Expired');
    assert.match(
      String(ev!.object['message']),
      new RegExp(`^too old resource version: ${rvOf(first)} \\(\\d+\\)$`),
    );
  });

  test('sendInitialEvents=true sends the current state, then the initial-events-end bookmark', async () => {
    const ns = await namespace('sem-watch-list');
    await configMap(ns, 'a');
    await configMap(ns, 'b');
    const list = await ok('GET', cmPath(ns));
    const w = await watch(
      `${cmPath(ns)}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
    );
    try {
      const events = await w.waitFor(3);
      assert.deepEqual(brief(events.slice(0, 2)), ['ADDED a', 'ADDED b']);
      const end = events[2]!;
      assert.equal(end.type, 'BOOKMARK');
      assert.deepEqual(end.object['metadata']['annotations'], { 'k8s.io/initial-events-end': 'true' });
      assert.ok(Number(rvOf(end.object)) >= Number(rvOf(list)));
      await configMap(ns, 'c');
      assert.deepEqual(brief((await w.waitFor(4)).slice(3)), ['ADDED c']);
    } finally {
      w.close();
    }
    // Upstream's ListOptions validation for the streaming list.
    const bad = await call('GET', `${cmPath(ns)}?watch=true&sendInitialEvents=true`);
    assertStatus(
      bad,
      422,
      'Invalid',
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    );
    const onList = await call('GET', `${cmPath(ns)}?sendInitialEvents=true`);
    assertStatus(
      onList,
      422,
      'Invalid',
      'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
    );
  });
});

function podTemplate(name: string): Json {
  return { metadata: { name }, template: { spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } };
}

describe('lists', () => {
  test('limit/continue pages come from one snapshot while writes happen', async () => {
    const ns = await namespace('sem-paging');
    for (const n of ['a', 'b', 'c', 'd', 'e']) await configMap(ns, n);
    const p1 = await ok('GET', `${cmPath(ns)}?limit=2`);
    assert.deepEqual(namesOf(p1), ['a', 'b']);
    assert.equal(p1['metadata']['remainingItemCount'], 3);
    const token = String(p1['metadata']['continue']);
    assert.ok(token);
    // Writes after the first page must not show in later pages.
    await ok('DELETE', cmPath(ns, 'c'));
    await configMap(ns, 'bb');
    await ok(
      'PATCH',
      cmPath(ns, 'd'),
      { data: { changed: 'yes' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    const p2 = await ok('GET', `${cmPath(ns)}?limit=2&continue=${encodeURIComponent(token)}`);
    assert.deepEqual(namesOf(p2), ['c', 'd']);
    assert.equal((p2['items'] as Json[])[1]!['data'], undefined, 'd as it was in the snapshot');
    assert.equal(rvOf(p2), rvOf(p1));
    const p3 = await ok(
      'GET',
      `${cmPath(ns)}?limit=2&continue=${encodeURIComponent(String(p2['metadata']['continue']))}`,
    );
    assert.deepEqual(namesOf(p3), ['e']);
    assert.equal(p3['metadata']['continue'], undefined);
    assert.equal(rvOf(p3), rvOf(p1));
    // A fresh list sees the writes.
    assert.deepEqual(namesOf(await ok('GET', cmPath(ns))), ['a', 'b', 'bb', 'd', 'e']);
    // A continue token with a resourceVersion is refused.
    const both = await call(
      'GET',
      `${cmPath(ns)}?limit=2&resourceVersion=${rvOf(p1)}&continue=${encodeURIComponent(token)}`,
    );
    assertStatus(both, 400, 'BadRequest', 'specifying resource version is not allowed when using continue');
  });

  test('resourceVersionMatch NotOlderThan and Exact', async () => {
    const ns = await namespace('sem-rvmatch');
    const a = await configMap(ns, 'a');
    await configMap(ns, 'b');
    const exact = await ok('GET', `${cmPath(ns)}?resourceVersion=${rvOf(a)}&resourceVersionMatch=Exact`);
    assert.deepEqual(namesOf(exact), ['a']);
    assert.equal(rvOf(exact), rvOf(a));
    const notOlder = await ok(
      'GET',
      `${cmPath(ns)}?resourceVersion=${rvOf(a)}&resourceVersionMatch=NotOlderThan`,
    );
    assert.deepEqual(namesOf(notOlder), ['a', 'b']);
    assert.ok(Number(rvOf(notOlder)) > Number(rvOf(a)));
    const future = Number(rvOf(notOlder)) + 1000;
    const tooLarge = await call(
      'GET',
      `${cmPath(ns)}?resourceVersion=${future}&resourceVersionMatch=NotOlderThan`,
    );
    assertStatus(tooLarge, 504, 'Timeout', /^Too large resource version: \d+, current: \d+$/);
    const noRv = await call('GET', `${cmPath(ns)}?resourceVersionMatch=Exact`);
    assertStatus(
      noRv,
      422,
      'Invalid',
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    const zero = await call('GET', `${cmPath(ns)}?resourceVersion=0&resourceVersionMatch=Exact`);
    assertStatus(
      zero,
      422,
      'Invalid',
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    );
    const bogus = await call('GET', `${cmPath(ns)}?resourceVersion=1&resourceVersionMatch=Bogus`);
    assertStatus(
      bogus,
      422,
      'Invalid',
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Bogus": supported values: "Exact", "NotOlderThan", ""',
    );
  });

  test('an Exact list at a compacted resourceVersion is 410 Expired', async () => {
    const ns = await namespace('sem-compacted');
    const first = await configMap(ns, 'first');
    for (let i = 0; i < RETAIN + 10; i++) await configMap(ns, `filler-${i}`);
    const r = await eventually(async () => {
      const res = await call(
        'GET',
        `${cmPath(ns)}?resourceVersion=${rvOf(first)}&resourceVersionMatch=Exact`,
      );
      return res.status === 410 ? res : undefined;
    }, 10_000);
    assertStatus(r, 410, 'Expired', `too old resource version: ${rvOf(first)}`);
  });

  test('a continue token whose snapshot was compacted is 410 Expired, with a token that goes on at the latest state', async () => {
    const ns = await namespace('sem-continue-compacted');
    const filler = await namespace('sem-continue-filler');
    for (const n of ['a', 'b', 'c']) await configMap(ns, n);
    const p1 = await ok('GET', `${cmPath(ns)}?limit=1`);
    assert.deepEqual(namesOf(p1), ['a']);
    const token = encodeURIComponent(String(p1['metadata']['continue']));
    for (let i = 0; i < RETAIN + 10; i++) await configMap(filler, `f-${i}`);
    await configMap(ns, 'd');
    const r = await eventually(async () => {
      const res = await call('GET', `${cmPath(ns)}?limit=1&continue=${token}`);
      return res.status === 410 ? res : undefined;
    }, 10_000);
    assertStatus(
      r,
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
    const next = String(r.body['metadata']['continue']);
    assert.ok(next, 'the 410 carries a continue token');
    const rest = await ok('GET', `${cmPath(ns)}?continue=${encodeURIComponent(next)}`);
    assert.deepEqual(namesOf(rest), ['b', 'c', 'd'], 'the rest, as it is now');
    assert.ok(Number(rvOf(rest)) > Number(rvOf(p1)));
  });

  test('label selector operators, field selectors, and invalid selectors are 400', async () => {
    const ns = await namespace('sem-selectors');
    await configMap(ns, 'a', { tier: 'front', env: 'prod' });
    await configMap(ns, 'b', { tier: 'back', env: 'prod' });
    await configMap(ns, 'c', { tier: 'front' });
    await configMap(ns, 'd');
    const cases: Array<[string, string[]]> = [
      ['tier=front', ['a', 'c']],
      ['tier==front', ['a', 'c']],
      ['tier!=front', ['b', 'd']],
      ['tier in (front,back)', ['a', 'b', 'c']],
      ['tier notin (front)', ['b', 'd']],
      ['env', ['a', 'b']],
      ['!env', ['c', 'd']],
      ['tier=front,env=prod', ['a']],
      ['tier in (front),!env', ['c']],
    ];
    for (const [selector, want] of cases) {
      const list = await ok('GET', `${cmPath(ns)}?labelSelector=${encodeURIComponent(selector)}`);
      assert.deepEqual(namesOf(list), want, selector);
    }
    const fields: Array<[string, string[]]> = [
      ['metadata.name=b', ['b']],
      ['metadata.name==b', ['b']],
      ['metadata.name!=b', ['a', 'c', 'd']],
      [`metadata.namespace=${ns},metadata.name!=a`, ['b', 'c', 'd']],
    ];
    for (const [selector, want] of fields) {
      const list = await ok('GET', `${cmPath(ns)}?fieldSelector=${encodeURIComponent(selector)}`);
      assert.deepEqual(namesOf(list), want, selector);
    }
    const both = await ok(
      'GET',
      `${cmPath(ns)}?labelSelector=tier%3Dfront&fieldSelector=metadata.name%21%3Da`,
    );
    assert.deepEqual(namesOf(both), ['c']);

    const badSelectors: Array<[string, string]> = [
      ['tier in (front', "unable to parse requirement: found '', expected: ',' or ')'"],
      ['tier=front=x', "found '=', expected: ',' or 'end of string'"],
      ['!', "unable to parse requirement: found '', expected: identifier"],
      ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
      ['tier notin front', "unable to parse requirement: found 'front' expected: '('"],
    ];
    for (const [bad, message] of badSelectors) {
      const r = await call('GET', `${cmPath(ns)}?labelSelector=${encodeURIComponent(bad)}`);
      assertStatus(r, 400, 'BadRequest', message);
    }
    assertStatus(
      await call('GET', `${cmPath(ns)}?fieldSelector=${encodeURIComponent('data.x=1')}`),
      400,
      'BadRequest',
      'field label not supported: data.x',
    );
    assertStatus(
      await call('GET', `${cmPath(ns)}?fieldSelector=${encodeURIComponent('metadata.name in (a)')}`),
      400,
      'BadRequest',
    );
    // Pods select on their own fields.
    await ok('POST', `/api/v1/namespaces/${ns}/pods`, pod('bound', 'node-1'));
    await ok('POST', `/api/v1/namespaces/${ns}/pods`, pod('pending'));
    const onNode = await ok('GET', `/api/v1/namespaces/${ns}/pods?fieldSelector=spec.nodeName%3Dnode-1`);
    assert.deepEqual(namesOf(onNode), ['bound']);
    const unbound = await ok('GET', `/api/v1/namespaces/${ns}/pods?fieldSelector=spec.nodeName%3D`);
    assert.deepEqual(namesOf(unbound), ['pending']);
  });
});

function pod(name: string, nodeName?: string, labels?: Record<string, string>): Json {
  const spec: Json = { containers: [{ name: 'main', image: 'busybox:1.36' }] };
  if (nodeName) spec['nodeName'] = nodeName;
  return { metadata: { name, labels }, spec };
}

function deployment(name: string, replicas = 1): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] },
      },
    },
  };
}

describe('writes', () => {
  test('status subresource: PUT on the main resource ignores status, PUT on /status ignores spec', async () => {
    const ns = await namespace('sem-status');
    const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
    const created = await ok('POST', base, deployment('web', 2));
    assert.deepEqual(created['status'], {});

    const main = structuredClone(created);
    main['spec']['replicas'] = 3;
    main['status'] = { replicas: 7, observedGeneration: 9 };
    const afterMain = await ok('PUT', `${base}/web`, main);
    assert.equal(afterMain['spec']['replicas'], 3);
    assert.deepEqual(afterMain['status'], {});
    assert.equal(afterMain['metadata']['generation'], 2);

    const st = structuredClone(afterMain);
    st['spec']['replicas'] = 10;
    st['metadata']['labels'] = { app: 'web', sneaky: 'yes' };
    st['status'] = {
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 1,
      availableReplicas: 1,
    };
    const afterStatus = await ok('PUT', `${base}/web/status`, st);
    assert.equal(afterStatus['spec']['replicas'], 3);
    assert.deepEqual(afterStatus['metadata']['labels'], { app: 'web' });
    assert.equal(afterStatus['status']['replicas'], 3);
    assert.equal(afterStatus['status']['readyReplicas'], 1);
    assert.equal(afterStatus['metadata']['generation'], 2, 'a status write does not move generation');

    const read = await ok('GET', `${base}/web`);
    assert.equal(read['spec']['replicas'], 3);
    assert.equal(read['status']['availableReplicas'], 1);
    const viaStatus = await ok('GET', `${base}/web/status`);
    assert.equal(viaStatus['kind'], 'Deployment');
    assert.equal(viaStatus['status']['availableReplicas'], 1);
  });

  test('metadata.generation moves only with spec changes', async () => {
    const ns = await namespace('sem-generation');
    const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const d0 = await ok('POST', base, deployment('gen'));
    assert.equal(d0['metadata']['generation'], 1);
    const d1 = await ok('PATCH', `${base}/gen`, { metadata: { labels: { extra: 'x' } } }, merge);
    assert.equal(d1['metadata']['generation'], 1);
    const d2 = await ok('PATCH', `${base}/gen`, { spec: { replicas: 4 } }, merge);
    assert.equal(d2['metadata']['generation'], 2);
    const d3 = await ok('PATCH', `${base}/gen/status`, { status: { replicas: 4 } }, merge);
    assert.equal(d3['metadata']['generation'], 2);
    const d4 = await ok('PATCH', `${base}/gen`, { spec: { replicas: 4 } }, merge);
    assert.equal(d4['metadata']['generation'], 2, 'a no-op spec patch');
    assert.equal(rvOf(d4), rvOf(d3), 'a no-op patch writes nothing');
    const image = { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } };
    const d5 = await ok('PATCH', `${base}/gen`, image, merge);
    assert.equal(d5['metadata']['generation'], 3);
    // Deployments also count annotation changes (they are copied to ReplicaSets); a ConfigMap-like kind without
    // generation never gets one.
    const d6 = await ok('PATCH', `${base}/gen`, { metadata: { annotations: { note: 'x' } } }, merge);
    assert.equal(d6['metadata']['generation'], 4);
    const svc = await ok('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'nogen' } });
    assert.equal(svc['metadata']['generation'], undefined);
  });

  test('generateName appends five random characters', async () => {
    const ns = await namespace('sem-generate');
    const names = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await call('POST', cmPath(ns), { metadata: { generateName: 'gen-' } });
      assert.equal(r.status, 201);
      const name = String(r.body['metadata']['name']);
      assert.match(name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(r.body['metadata']['generateName'], 'gen-');
      names.add(name);
    }
    assert.equal(names.size, 3);
    assert.equal(namesOf(await ok('GET', cmPath(ns))).length, 3);
  });

  test('dryRun=All on create, update, patch and delete persists nothing', async () => {
    const ns = await namespace('sem-dryrun');
    const created = await call('POST', `${cmPath(ns)}?dryRun=All`, {
      metadata: { name: 'ghost' },
      data: { a: '1' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body['metadata']['name'], 'ghost');
    assert.ok(created.body['metadata']['uid']);
    assertStatus(await call('GET', cmPath(ns, 'ghost')), 404, 'NotFound');

    const real = await configMap(ns, 'real', undefined, { a: '1' });
    const upd = structuredClone(real);
    upd['data'] = { a: '2' };
    const put = await ok('PUT', `${cmPath(ns, 'real')}?dryRun=All`, upd);
    assert.deepEqual(put['data'], { a: '2' });
    const patched = await ok(
      'PATCH',
      `${cmPath(ns, 'real')}?dryRun=All`,
      { data: { b: '3' } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    assert.deepEqual(patched['data'], { a: '1', b: '3' });
    const del = await call('DELETE', `${cmPath(ns, 'real')}?dryRun=All`);
    assert.equal(del.status, 200);
    const after = await ok('GET', cmPath(ns, 'real'));
    assert.deepEqual(after['data'], { a: '1' });
    assert.equal(rvOf(after), rvOf(real));
    assertStatus(
      await call('POST', `${cmPath(ns)}?dryRun=Maybe`, { metadata: { name: 'x' } }),
      400,
      'BadRequest',
    );
  });

  test('deletecollection with a label selector deletes only the matching objects', async () => {
    const ns = await namespace('sem-deletecollection');
    await configMap(ns, 'a', { app: 'x' });
    await configMap(ns, 'b', { app: 'x' });
    await configMap(ns, 'c', { app: 'y' });
    const r = await ok('DELETE', `${cmPath(ns)}?labelSelector=app%3Dx`);
    assert.equal(r['kind'], 'ConfigMapList');
    assert.deepEqual(namesOf(r), ['a', 'b']);
    assert.deepEqual(namesOf(await ok('GET', cmPath(ns))), ['c']);
  });

  test('DeleteOptions preconditions: a uid or resourceVersion mismatch is 409 and deletes nothing', async () => {
    const ns = await namespace('sem-preconditions');
    const cm = await configMap(ns, 'a');
    const uid = String(cm['metadata']['uid']);
    const wrongUid = await call('DELETE', cmPath(ns, 'a'), { preconditions: { uid: 'not-the-uid' } });
    assertStatus(
      wrongUid,
      409,
      'Conflict',
      `Operation cannot be fulfilled on configmaps "a": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`,
    );
    const wrongRv = await call('DELETE', cmPath(ns, 'a'), { preconditions: { resourceVersion: '1' } });
    assertStatus(
      wrongRv,
      409,
      'Conflict',
      /Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: \d+/,
    );
    await ok('GET', cmPath(ns, 'a'));
    const right = await ok('DELETE', cmPath(ns, 'a'), { preconditions: { uid, resourceVersion: rvOf(cm) } });
    assert.equal(right['status'], 'Success');
    assert.deepEqual(right['details'], { name: 'a', kind: 'configmaps', uid });
    assertStatus(await call('GET', cmPath(ns, 'a')), 404, 'NotFound', 'configmaps "a" not found');
  });

  test('finalizers keep a deleted object, with deletionTimestamp, until they are removed', async () => {
    const ns = await namespace('sem-finalizers');
    await ok('POST', cmPath(ns), { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const deleted = await ok('DELETE', cmPath(ns, 'held'));
    assert.ok(deleted['metadata']['deletionTimestamp']);
    assert.equal(deleted['metadata']['deletionGracePeriodSeconds'], 0);
    const still = await ok('GET', cmPath(ns, 'held'));
    assert.equal(still['metadata']['deletionTimestamp'], deleted['metadata']['deletionTimestamp']);
    // A new finalizer cannot be added while terminating; changing data is still fine.
    const added = await call(
      'PATCH',
      cmPath(ns, 'held'),
      { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    assertStatus(added, 422, 'Invalid', /no new finalizers can be added if the object is being deleted/);
    await ok(
      'PATCH',
      cmPath(ns, 'held'),
      { metadata: { finalizers: null } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    assertStatus(await call('GET', cmPath(ns, 'held')), 404, 'NotFound');
  });

  test('graceful pod deletion: a pod on a node waits 30 s, an unscheduled pod goes at once', async () => {
    const ns = await namespace('sem-graceful');
    const pods = `/api/v1/namespaces/${ns}/pods`;
    await ok('POST', pods, pod('on-node', 'node-1'));
    await ok('POST', pods, pod('unscheduled'));
    const d1 = await ok('DELETE', `${pods}/on-node`);
    assert.equal(d1['metadata']['deletionGracePeriodSeconds'], 30);
    assert.ok(d1['metadata']['deletionTimestamp']);
    const stamp = Date.parse(String(d1['metadata']['deletionTimestamp']));
    assert.ok(Math.abs(stamp - (Date.now() + 30_000)) < 5_000, 'deletionTimestamp is now + 30 s');
    const still = await ok('GET', `${pods}/on-node`);
    assert.equal(still['metadata']['deletionGracePeriodSeconds'], 30);
    await ok('DELETE', `${pods}/unscheduled`);
    assertStatus(await call('GET', `${pods}/unscheduled`), 404, 'NotFound');
    // A zero grace period removes the pod on the node too.
    await ok('DELETE', `${pods}/on-node`, { gracePeriodSeconds: 0 });
    assertStatus(await call('GET', `${pods}/on-node`), 404, 'NotFound');
  });

  test('pods/binding sets nodeName and PodScheduled, leaves managedFields alone, honours a uid; a second binding is 409', async () => {
    const ns = await namespace('sem-binding');
    const pods = `/api/v1/namespaces/${ns}/pods`;
    const created = await ok('POST', pods, pod('p'));
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p' },
      target: { kind: 'Node', name: 'node-7' },
    };
    const wrongUid = await call('POST', `${pods}/p/binding`, {
      ...binding,
      metadata: { name: 'p', uid: 'not-the-pod' },
    });
    assertStatus(wrongUid, 409, 'Conflict', /Precondition failed: UID in precondition: not-the-pod/);
    const r = await call('POST', `${pods}/p/binding?fieldManager=some-scheduler`, {
      ...binding,
      metadata: { name: 'p', uid: created['metadata']['uid'] },
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      code: 201,
    });
    const bound = await ok('GET', `${pods}/p`);
    assert.equal(bound['spec']['nodeName'], 'node-7');
    const cond = (bound['status']['conditions'] as Json[]).find((c) => c['type'] === 'PodScheduled');
    assert.equal(cond?.['status'], 'True');
    // As upstream, the binding writes the pod directly: no field manager entry for the binder.
    assert.deepEqual(bound['metadata']['managedFields'], created['metadata']['managedFields']);
    const again = await call('POST', `${pods}/p/binding`, {
      ...binding,
      target: { kind: 'Node', name: 'node-8' },
    });
    assertStatus(again, 409, 'Conflict', /pod p is already assigned to node "node-7"/);
    assert.equal((await ok('GET', `${pods}/p`))['spec']['nodeName'], 'node-7');
  });

  test('scale subresource GET/PUT/PATCH for deployments and clonesets', async () => {
    const ns = await namespace('sem-scale');
    const kinds: Array<[string, Json]> = [
      [`/apis/apps/v1/namespaces/${ns}/deployments`, deployment('web', 2)],
      [
        `/apis/apps.kruise.io/v1alpha1/namespaces/${ns}/clonesets`,
        { ...deployment('web', 2), apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet' },
      ],
    ];
    for (const [base, body] of kinds) {
      await ok('POST', base, body);
      const s0 = await ok('GET', `${base}/web/scale`);
      assert.equal(s0['kind'], 'Scale');
      assert.equal(s0['apiVersion'], 'autoscaling/v1');
      assert.equal(s0['metadata']['name'], 'web');
      assert.equal(s0['spec']['replicas'], 2);
      const s1 = await ok('PUT', `${base}/web/scale`, { ...s0, spec: { replicas: 4 } });
      assert.equal(s1['spec']['replicas'], 4);
      assert.equal((await ok('GET', `${base}/web`))['spec']['replicas'], 4);
      const s2 = await ok(
        'PATCH',
        `${base}/web/scale`,
        { spec: { replicas: 5 } },
        {
          'Content-Type': 'application/merge-patch+json',
        },
      );
      assert.equal(s2['spec']['replicas'], 5);
      const obj = await ok('GET', `${base}/web`);
      assert.equal(obj['spec']['replicas'], 5);
      assert.equal(obj['metadata']['generation'], 3);
      const stale = await call('PUT', `${base}/web/scale`, { ...s0, spec: { replicas: 1 } });
      assertStatus(
        stale,
        409,
        'Conflict',
        base.includes('kruise') ? /clonesets.apps.kruise.io "web"/ : /deployments.apps "web"/,
      );
      const negative = await call(
        'PATCH',
        `${base}/web/scale`,
        { spec: { replicas: -1 } },
        {
          'Content-Type': 'application/merge-patch+json',
        },
      );
      assertStatus(
        negative,
        422,
        'Invalid',
        /spec.replicas: Invalid value: -1: must be greater than or equal to 0/,
      );
    }
    const deploymentScale = await ok('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`);
    assert.equal(deploymentScale['status']['selector'], 'app=web');
  });
});

describe('response forms', () => {
  test('Table responses carry column definitions and rows with PartialObjectMetadata', async () => {
    const ns = await namespace('sem-table');
    await configMap(ns, 'a', { app: 'x' }, { k1: 'v', k2: 'v' });
    await configMap(ns, 'b');
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const r = await call('GET', cmPath(ns), undefined, { Accept: accept });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json;as=Table;v=v1;g=meta.k8s.io');
    const table = r.body;
    assert.equal(table['kind'], 'Table');
    assert.equal(table['apiVersion'], 'meta.k8s.io/v1');
    assert.deepEqual(
      (table['columnDefinitions'] as Json[]).map((c) => c['name']),
      ['Name', 'Data', 'Age'],
    );
    const rows = table['rows'] as Json[];
    assert.deepEqual(
      rows.map((row) => (row['cells'] as unknown[]).slice(0, 2)),
      [
        ['a', 2],
        ['b', 0],
      ],
    );
    assert.equal(rows[0]!['object']['kind'], 'PartialObjectMetadata');
    assert.equal(rows[0]!['object']['apiVersion'], 'meta.k8s.io/v1');
    assert.equal(rows[0]!['object']['metadata']['namespace'], ns);
    assert.deepEqual(rows[0]!['object']['metadata']['labels'], { app: 'x' });
    const one = await call('GET', cmPath(ns, 'a'), undefined, { Accept: accept });
    assert.equal(one.body['kind'], 'Table');
    assert.equal((one.body['rows'] as Json[]).length, 1);
    const none = await call('GET', `${cmPath(ns)}?includeObject=None`, undefined, { Accept: accept });
    assert.equal((none.body['rows'] as Json[])[0]!['object'], undefined);
  });

  test('PartialObjectMetadataList', async () => {
    const ns = await namespace('sem-metadata');
    await configMap(ns, 'a', { app: 'x' }, { secret: 'not in metadata' });
    const r = await call('GET', cmPath(ns), undefined, {
      Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(r.status, 200);
    assert.equal(
      r.headers.get('content-type'),
      'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
    );
    assert.equal(r.body['kind'], 'PartialObjectMetadataList');
    assert.equal(r.body['apiVersion'], 'meta.k8s.io/v1');
    const [item] = r.body['items'] as Json[];
    assert.equal(item!['kind'], 'PartialObjectMetadata');
    assert.equal(item!['metadata']['name'], 'a');
    assert.deepEqual(item!['metadata']['labels'], { app: 'x' });
    assert.equal(item!['data'], undefined);
    assert.ok(r.body['metadata']['resourceVersion']);
  });
});

describe('non-resource endpoints', () => {
  test('aggregated discovery content type, and the legacy forms', async () => {
    const aggregated =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    for (const path of ['/api', '/apis']) {
      const r = await call('GET', path, undefined, { Accept: aggregated });
      assert.equal(r.status, 200);
      assert.equal(
        r.headers.get('content-type'),
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      );
      assert.equal(r.body['kind'], 'APIGroupDiscoveryList');
      assert.equal(r.body['apiVersion'], 'apidiscovery.k8s.io/v2');
    }
    const apis = await call('GET', '/apis', undefined, { Accept: aggregated });
    const apps = (apis.body['items'] as Json[]).find((g) => g['metadata']['name'] === 'apps');
    const deployments = (apps!['versions'][0]['resources'] as Json[]).find(
      (r) => r['resource'] === 'deployments',
    );
    assert.equal(deployments!['scope'], 'Namespaced');
    assert.deepEqual(deployments!['responseKind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.deepEqual((deployments!['subresources'] as Json[]).map((s) => s['subresource']).sort(), [
      'scale',
      'status',
    ]);

    const legacyApi = await call('GET', '/api', undefined, { Accept: 'application/json, */*' });
    assert.equal(legacyApi.headers.get('content-type'), 'application/json');
    assert.equal(legacyApi.body['kind'], 'APIVersions');
    assert.deepEqual(legacyApi.body['versions'], ['v1']);
    const legacyApis = await ok('GET', '/apis');
    assert.equal(legacyApis['kind'], 'APIGroupList');
    const appsGroup = (legacyApis['groups'] as Json[]).find((g) => g['name'] === 'apps');
    assert.deepEqual(appsGroup!['preferredVersion'], { groupVersion: 'apps/v1', version: 'v1' });
    const v1 = await ok('GET', '/api/v1');
    assert.equal(v1['kind'], 'APIResourceList');
    assert.equal(v1['groupVersion'], 'v1');
    const podsResource = (v1['resources'] as Json[]).find((r) => r['name'] === 'pods');
    assert.equal(podsResource!['namespaced'], true);
    assert.deepEqual(podsResource!['shortNames'], ['po']);
    assert.ok((v1['resources'] as Json[]).some((r) => r['name'] === 'pods/binding'));
    const appsV1 = await ok('GET', '/apis/apps/v1');
    assert.equal(appsV1['groupVersion'], 'apps/v1');
    assert.ok((appsV1['resources'] as Json[]).some((r) => r['name'] === 'deployments/scale'));
  });

  test('/openapi/v3 root and a group-version document', async () => {
    const root = await ok('GET', '/openapi/v3');
    const paths = root['paths'] as Record<string, { serverRelativeURL: string }>;
    assert.ok(paths['api/v1']);
    assert.ok(paths['apis/apps/v1']);
    const url = paths['apis/apps/v1']?.serverRelativeURL ?? '';
    assert.match(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
    const r = await call('GET', url);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'public, immutable');
    assert.match(String(r.body['openapi']), /^3\./);
    const schemas = r.body['components']['schemas'] as Json;
    const dep = schemas['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(dep['x-kubernetes-group-version-kind'], [
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ]);
    const patchOp = r.body['paths']['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']['patch'];
    assert.ok(patchOp);
    assert.equal((await call('GET', '/openapi/v3/apis/nope/v1')).status, 404);
  });

  test('/metrics is Prometheus text with apiserver_request_total', async () => {
    await ok('GET', '/api/v1/namespaces');
    const r = await call('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
    assert.match(r.text, /^# TYPE apiserver_request_total counter$/m);
    // Upstream's labels: canonical verbs (LIST for collection reads), group/version/resource/subresource, scope.
    assert.match(
      r.text,
      /^apiserver_request_total\{verb="LIST",group="",version="v1",resource="namespaces",subresource="",scope="cluster",code="200"\} \d+$/m,
    );
    const missing = await call('GET', '/apis/apps/v1/namespaces/default/deployments/nope/scale');
    assert.equal(missing.status, 404);
    const after = await call('GET', '/metrics');
    assert.match(
      after.text,
      /^apiserver_request_total\{verb="GET",group="apps",version="v1",resource="deployments",subresource="scale",scope="resource",code="404"\} 1$/m,
    );
    assert.match(
      after.text,
      /^apiserver_request_duration_seconds_bucket\{le="[^"]+",verb="LIST",group="",version="v1",resource="namespaces"/m,
    );
  });

  test('/healthz /livez /readyz answer ok', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const r = await call('GET', path);
      assert.equal(r.status, 200, path);
      assert.equal(r.text, 'ok');
      assert.match(String(r.headers.get('content-type')), /^text\/plain/);
    }
  });
});

describe('fieldValidation', () => {
  const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","name":"NAME"},"data":{"a":"1"},"bogus":1}`;

  test('Strict rejects unknown and duplicate fields with 400', async () => {
    const ns = await namespace('sem-fv-strict');
    const r = await call('POST', `${cmPath(ns)}?fieldValidation=Strict`, body.replaceAll('NAME', 'strict'));
    assertStatus(
      r,
      400,
      'BadRequest',
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name", unknown field "bogus"',
    );
    const unknownOnly = await call('POST', `${cmPath(ns)}?fieldValidation=Strict`, {
      metadata: { name: 'x' },
      data: {},
      spec: { nope: true },
    });
    assertStatus(
      unknownOnly,
      400,
      'BadRequest',
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"',
    );
    assert.deepEqual(namesOf(await ok('GET', cmPath(ns))), []);
  });

  test('Warn (and the default) accept with Warning headers; Ignore accepts silently', async () => {
    const ns = await namespace('sem-fv-warn');
    for (const [query, name] of [
      ['?fieldValidation=Warn', 'warn'],
      ['', 'default'],
    ] as const) {
      const r = await call('POST', `${cmPath(ns)}${query}`, body.replaceAll('NAME', name));
      assert.equal(r.status, 201, r.text);
      assert.equal(
        r.headers.get('warning'),
        '299 - "duplicate field \\"metadata.name\\"", 299 - "unknown field \\"bogus\\""',
      );
      assert.equal(r.body['bogus'], undefined, 'unknown fields are dropped');
    }
    const ignored = await call(
      'POST',
      `${cmPath(ns)}?fieldValidation=Ignore`,
      body.replaceAll('NAME', 'ignore'),
    );
    assert.equal(ignored.status, 201);
    assert.equal(ignored.headers.get('warning'), null);
    assert.deepEqual(namesOf(await ok('GET', cmPath(ns))), ['default', 'ignore', 'warn']);
    const bad = await call('POST', `${cmPath(ns)}?fieldValidation=Loose`, { metadata: { name: 'x' } });
    assertStatus(bad, 400, 'BadRequest', /fieldValidation/);
  });
});
