import assert from 'node:assert/strict';
import test from 'node:test';
import { StatusError } from '../../api/errors.js';
import type { KubeObject, ManagedFieldsEntry } from '../../api/object.js';
import { getDefinition } from '../../api/openapi/index.js';
import { WIDGET, fixtureLookup } from '../patch/testing/fixtures.js';
import {
  LAST_APPLIED_ANNOTATION,
  fieldManagerName,
  managerFromUserAgent,
  serverSideApply,
  updateManagedFields,
  type ApplyOptions,
} from './field-manager.js';

type Obj = Record<string, unknown>;

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';
const T2 = '2025-01-01T00:02:00Z';

const schema = { rootDefinition: WIDGET, lookup: fixtureLookup, apiVersion: 'test/v1' };

function widget(extra: Obj = {}, meta: Obj = {}): KubeObject {
  return { apiVersion: 'test/v1', kind: 'Widget', metadata: { name: 'w', ...meta }, ...extra };
}

/** The entries as `manager/operation → fieldsV1`, ignoring times. */
function owners(obj: KubeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of obj.metadata.managedFields ?? []) {
    out[`${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`] = e.fieldsV1;
  }
  return out;
}

function created(manager: string, obj: KubeObject, time = T0): KubeObject {
  const o = structuredClone(obj);
  o.metadata.uid = 'uid-1';
  updateManagedFields(undefined, o, { ...schema, manager, time });
  return o;
}

function apply(
  live: KubeObject | undefined,
  config: Obj,
  opts: Partial<ApplyOptions> & { manager: string },
): KubeObject {
  return serverSideApply(live, config, { ...schema, kind: 'Widget', time: T1, ...opts });
}

function conflictOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError);
    return e;
  }
  assert.fail('expected an error');
}

void test('updateManagedFields', async (t) => {
  await t.test('create: the creator owns every field it set; the object carries the entries', () => {
    const o = widget({
      count: 1,
      labels: { a: '1' },
      parts: [{ name: 'p', value: 'v' }],
      spec: { replicas: 2, parts: [] },
    });
    const entries = updateManagedFields(undefined, o, { ...schema, manager: 'creator', time: T0 });
    assert.deepEqual(entries, [
      {
        manager: 'creator',
        operation: 'Update',
        apiVersion: 'test/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:count': {},
          'f:labels': { '.': {}, 'f:a': {} },
          'f:parts': { '.': {}, 'k:{"name":"p"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
          'f:spec': { 'f:parts': {}, 'f:replicas': {} },
        },
      },
    ]);
    assert.deepEqual(o.metadata.managedFields, entries);
  });

  await t.test('metadata bookkeeping is never owned, labels/annotations/finalizers are', () => {
    const o = widget(
      {},
      {
        namespace: 'ns',
        uid: 'u',
        resourceVersion: '5',
        generation: 1,
        creationTimestamp: T0,
        labels: { a: 'b' },
        finalizers: ['f'],
      },
    );
    updateManagedFields(undefined, o, { ...schema, manager: 'm', time: T0 });
    assert.deepEqual(owners(o), {
      'm/Update': {
        'f:metadata': { 'f:finalizers': { '.': {}, 'v:"f"': {} }, 'f:labels': { '.': {}, 'f:a': {} } },
      },
    });
  });

  const cases: Array<{
    name: string;
    before: KubeObject;
    after: (o: KubeObject) => void;
    manager: string;
    subresource?: string;
    want: Record<string, unknown> | undefined;
  }> = [
    {
      name: 'another manager changing a field takes it; the creator keeps the rest',
      before: created('creator', widget({ count: 1, value: 'x' })),
      after: (o) => (o.count = 2),
      manager: 'scaler',
      want: { 'creator/Update': { 'f:value': {} }, 'scaler/Update': { 'f:count': {} } },
    },
    {
      name: 'removing a field removes it from its owner; an owner left with nothing is dropped',
      before: created('creator', widget({ count: 1 })),
      after: (o) => delete o.count,
      manager: 'editor',
      want: undefined,
    },
    {
      name: 'the same manager accumulates fields in one entry',
      before: created('m', widget({ count: 1 })),
      after: (o) => (o.value = 'v'),
      manager: 'm',
      want: { 'm/Update': { 'f:count': {}, 'f:value': {} } },
    },
    {
      name: 'a write that changes nothing records nothing',
      before: created('m', widget({ count: 1 })),
      after: () => undefined,
      manager: 'other',
      want: { 'm/Update': { 'f:count': {} } },
    },
    {
      name: 'a status subresource write gets its own entry',
      before: created('m', widget({ count: 1 })),
      after: (o) => (o.status = { ready: 1 }),
      manager: 'controller',
      subresource: 'status',
      want: {
        'm/Update': { 'f:count': {} },
        'controller/Update/status': { 'f:status': { '.': {}, 'f:ready': {} } },
      },
    },
    {
      name: 'an empty manager name becomes "unknown"',
      before: created('m', widget({ count: 1 })),
      after: (o) => (o.value = 'v'),
      manager: '',
      want: { 'm/Update': { 'f:count': {} }, 'unknown/Update': { 'f:value': {} } },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const next = structuredClone(c.before);
      delete next.metadata.managedFields;
      c.after(next);
      const entries = updateManagedFields(c.before, next, {
        ...schema,
        manager: c.manager,
        subresource: c.subresource,
        time: T1,
      });
      assert.deepEqual(entries === undefined ? undefined : owners(next), c.want);
    });
  }

  await t.test('managedFields sent with the request are honoured; [] resets them', () => {
    const before = created('m', widget({ count: 1 }));
    const honoured = structuredClone(before);
    honoured.metadata.managedFields = [
      {
        manager: 'imported',
        operation: 'Update',
        apiVersion: 'test/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:count': {} },
      },
    ];
    honoured.value = 'v';
    updateManagedFields(before, honoured, { ...schema, manager: 'w', time: T1 });
    assert.deepEqual(owners(honoured), {
      'imported/Update': { 'f:count': {} },
      'w/Update': { 'f:value': {} },
    });

    const reset = structuredClone(before);
    reset.metadata.managedFields = [];
    reset.value = 'v';
    assert.equal(updateManagedFields(before, reset, { ...schema, manager: 'w', time: T1 }), undefined);
    assert.equal(reset.metadata.managedFields, undefined, 'and the object stays untracked until an apply');
  });

  await t.test('an existing object without managedFields stays untracked', () => {
    const before = widget({ count: 1 }, { uid: 'u' });
    const next = structuredClone(before);
    next.count = 2;
    assert.equal(updateManagedFields(before, next, { ...schema, manager: 'w', time: T1 }), undefined);
    assert.equal(next.metadata.managedFields, undefined);
  });

  await t.test('reset fields (status of the main resource) are not owned', () => {
    const o = widget({ count: 1, status: { ready: 1 } });
    updateManagedFields(undefined, o, { ...schema, manager: 'm', time: T0, resetFields: [['status']] });
    assert.deepEqual(owners(o), { 'm/Update': { 'f:count': {} } });
  });

  await t.test('more than ten updaters: the oldest merge into ancient-changes', () => {
    let o = created('m0', widget({ labels: { k0: 'v' } }), '2025-01-01T00:00:00Z');
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(o);
      delete next.metadata.managedFields;
      (next.labels as Obj)[`k${i}`] = 'v';
      updateManagedFields(o, next, {
        ...schema,
        manager: `m${i}`,
        time: `2025-01-01T00:00:${String(i).padStart(2, '0')}Z`,
      });
      o = next;
    }
    const entries = o.metadata.managedFields!;
    assert.equal(entries.length, 10);
    assert.deepEqual(
      entries.map((e) => e.manager),
      ['ancient-changes', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11'],
    );
    assert.deepEqual(entries[0]!.fieldsV1, { 'f:labels': { '.': {}, 'f:k0': {}, 'f:k1': {}, 'f:k2': {} } });
  });

  await t.test('the manager defaults from the User-Agent', () => {
    const cases: Array<[string | undefined, string | undefined, string]> = [
      ['kubectl-edit', 'kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07', 'kubectl-edit'],
      [undefined, 'kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07', 'kubectl'],
      ['', 'Go-http-client/1.1', 'Go-http-client'],
      [undefined, 'bad\u0001agent/1', 'badagent'],
      [undefined, undefined, ''],
    ];
    for (const [fm, ua, want] of cases) assert.equal(fieldManagerName(fm, ua), want);
    assert.equal(managerFromUserAgent('x'.repeat(200)).length, 128);
  });
});

void test('server-side apply', async (t) => {
  const config = (extra: Obj = {}, meta: Obj = {}): Obj => ({
    apiVersion: 'test/v1',
    kind: 'Widget',
    metadata: { name: 'w', ...meta },
    ...extra,
  });

  await t.test('create via apply: the object is the configuration, owned by the applier', () => {
    const o = apply(
      undefined,
      config({ count: 1, parts: [{ name: 'a', value: '1' }] }, { labels: { x: 'y' } }),
      {
        manager: 'alice',
      },
    );
    assert.deepEqual(o.metadata.managedFields, [
      {
        manager: 'alice',
        operation: 'Apply',
        apiVersion: 'test/v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:count': {},
          'f:metadata': { 'f:labels': { 'f:x': {} } },
          'f:parts': { 'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
        },
      },
    ]);
    const { managedFields: _m, ...meta } = o.metadata;
    assert.deepEqual(
      { ...o, metadata: meta },
      config({ count: 1, parts: [{ name: 'a', value: '1' }] }, { labels: { x: 'y' } }),
    );
  });

  await t.test('re-applying the same configuration is a no-op', () => {
    const first = apply(undefined, config({ count: 1 }), { manager: 'alice' });
    first.metadata.uid = 'u';
    const again = apply(first, config({ count: 1 }), { manager: 'alice', time: T2 });
    assert.deepEqual(again, first);
  });

  await t.test('changing a field another manager owns is a conflict', () => {
    const live = created('kubectl-client-side-apply', widget({ count: 1, value: 'v' }));
    const err = conflictOf(() => apply(live, config({ count: 3 }), { manager: 'alice' }));
    assert.deepEqual(err.status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using test/v1: .count',
      reason: 'Conflict',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "kubectl-client-side-apply" using test/v1',
            field: '.count',
          },
        ],
      },
      code: 409,
    });
  });

  await t.test('conflicts with several managers and fields', () => {
    let live = apply(undefined, config({ count: 1, parts: [{ name: 'a', value: '1' }] }), { manager: 'bob' });
    live.metadata.uid = 'u';
    const next = structuredClone(live);
    delete next.metadata.managedFields;
    next.value = 'x';
    updateManagedFields(live, next, { ...schema, manager: 'carol', subresource: 'status', time: T1 });
    live = next;
    const err = conflictOf(() =>
      apply(live, config({ count: 2, value: 'y', parts: [{ name: 'a', value: '2' }] }), { manager: 'alice' }),
    );
    assert.equal(
      err.message,
      'Apply failed with 3 conflicts: conflicts with "bob":\n- .count\n- .parts[name="a"].value\n' +
        'conflicts with "carol" with subresource "status" using test/v1:\n- .value',
    );
    assert.deepEqual(
      err.status.details?.causes?.map((c) => c.field),
      ['.count', '.parts[name="a"].value', '.value'],
    );
  });

  await t.test('force takes ownership from the other manager', () => {
    const live = created('kubectl-client-side-apply', widget({ count: 1, value: 'v' }));
    const o = apply(live, config({ count: 3 }), { manager: 'alice', force: true });
    assert.equal(o.count, 3);
    assert.deepEqual(owners(o), {
      'alice/Apply': { 'f:count': {} },
      'kubectl-client-side-apply/Update': { 'f:value': {} },
    });
  });

  await t.test('fields dropped from the configuration are removed from the object', () => {
    let o = apply(
      undefined,
      config({ count: 1, value: 'v', parts: [{ name: 'a' }, { name: 'b', value: 'x' }], labels: { l: '1' } }),
      { manager: 'alice' },
    );
    o.metadata.uid = 'u';
    o = apply(o, config({ count: 1, parts: [{ name: 'b' }] }), { manager: 'alice', time: T2 });
    const { managedFields: _m, ...meta } = o.metadata;
    assert.deepEqual(
      { ...o, metadata: meta },
      { ...config({ count: 1, parts: [{ name: 'b' }] }), metadata: { name: 'w', uid: 'u' } },
    );
    assert.deepEqual(owners(o), {
      'alice/Apply': { 'f:count': {}, 'f:parts': { 'k:{"name":"b"}': { '.': {}, 'f:name': {} } } },
    });
  });

  await t.test('a dropped field another manager also owns stays', () => {
    let o = apply(undefined, config({ count: 1, value: 'v' }), { manager: 'alice' });
    o.metadata.uid = 'u';
    o = apply(o, config({ value: 'v' }), { manager: 'bob' });
    o = apply(o, config({ count: 1 }), { manager: 'alice', time: T2 });
    assert.equal(o.value, 'v');
    assert.deepEqual(owners(o), { 'alice/Apply': { 'f:count': {} }, 'bob/Apply': { 'f:value': {} } });
  });

  await t.test('two appliers co-own a value they both set', () => {
    let o = apply(undefined, config({ count: 3 }), { manager: 'alice' });
    o.metadata.uid = 'u';
    o = apply(o, config({ count: 3 }), { manager: 'bob' });
    assert.deepEqual(owners(o), { 'alice/Apply': { 'f:count': {} }, 'bob/Apply': { 'f:count': {} } });
    const err = conflictOf(() => apply(o, config({ count: 4 }), { manager: 'alice' }));
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "bob": .count');
    o = apply(o, config({}), { manager: 'alice', time: T2 });
    assert.equal(o.count, 3, 'still applied by bob');
  });

  await t.test('list semantics: list-maps and sets merge, atomic lists are replaced', () => {
    let o = created(
      'm',
      widget({ parts: [{ name: 'a' }], tags: ['x'], plainParts: [{ name: 'p' }] }, { finalizers: ['f1'] }),
    );
    o = apply(o, config({ parts: [{ name: 'b' }], tags: ['y'] }, { finalizers: ['f2'] }), {
      manager: 'alice',
    });
    assert.deepEqual(o.parts, [{ name: 'a' }, { name: 'b' }]);
    assert.deepEqual(o.tags, ['x', 'y']);
    assert.deepEqual(o.metadata.finalizers, ['f1', 'f2']);
    const err = conflictOf(() => apply(o, config({ plainParts: [{ name: 'q' }] }), { manager: 'alice' }));
    assert.equal(err.status.details?.causes?.[0]?.field, '.plainParts');
  });

  await t.test('a list-map key the element omits takes the schema default', () => {
    const live = created('m', widget({ ports: [{ port: 80, protocol: 'TCP', name: 'http' }] }));
    const o = apply(live, config({ ports: [{ port: 80 }, { port: 80, protocol: 'UDP' }] }), {
      manager: 'alice',
    });
    assert.deepEqual(o.ports, [
      { port: 80, protocol: 'TCP', name: 'http' },
      { port: 80, protocol: 'UDP' },
    ]);
    assert.deepEqual(owners(o)['alice/Apply'], {
      'f:ports': {
        'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} },
        'k:{"port":80,"protocol":"UDP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} },
      },
    });
  });

  await t.test('status is reset for apply on the main resource', () => {
    const live = created('m', widget({ count: 1, status: { ready: 1 } }));
    const o = apply(live, config({ count: 1, status: { ready: 5, phase: 'x' } }), {
      manager: 'alice',
      resetFields: [['status']],
    });
    assert.deepEqual(o.status, { ready: 1 });
    assert.deepEqual(owners(o)['alice/Apply'], { 'f:count': {} });
    const c = apply(undefined, config({ status: { ready: 5 } }), {
      manager: 'alice',
      resetFields: [['status']],
    });
    assert.equal(c.status, undefined);
  });

  await t.test('fields set before the first apply belong to before-first-apply', () => {
    const live = widget({ count: 1, value: 'v' }, { uid: 'u' });
    const err = conflictOf(() => apply(live, config({ count: 2 }), { manager: 'alice' }));
    assert.equal(
      err.message,
      'Apply failed with 1 conflict: conflict with "before-first-apply" using test/v1: .count',
    );
    const o = apply(live, config({ value: 'v' }), { manager: 'alice' });
    assert.deepEqual(owners(o), {
      'alice/Apply': { 'f:value': {} },
      'before-first-apply/Update': { 'f:count': {}, 'f:value': {} },
    });
  });

  await t.test(
    'kubectl may take fields its last-applied configuration set, and refreshes the annotation',
    () => {
      const lastApplied = JSON.stringify(config({ count: 1 }));
      const live = created(
        'kubectl-client-side-apply',
        widget({ count: 1, value: 'v' }, { annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied } }),
      );
      const o = apply(live, config({ count: 2 }), { manager: 'kubectl' });
      assert.equal(o.count, 2);
      assert.equal(
        (o.metadata.annotations ?? {})[LAST_APPLIED_ANNOTATION],
        '{"apiVersion":"test/v1","count":2,"kind":"Widget","metadata":{"name":"w"}}\n',
      );
      const err = conflictOf(() => apply(live, config({ value: 'x' }), { manager: 'kubectl' }));
      assert.equal(err.status.details?.causes?.[0]?.field, '.value');
    },
  );

  await t.test('invalid configurations', () => {
    const cases: Array<[unknown, Partial<ApplyOptions>, string]> = [
      [{ kind: 'Widget', metadata: { name: 'w' } }, {}, 'invalid object type: /, Kind=Widget'],
      [config({}, {}), { apiVersion: 'apps/v1' }, 'invalid object type: test/v1, Kind=Widget'],
      [{ apiVersion: 'test/v1', metadata: { name: 'w' } }, {}, 'invalid object type: test/v1, Kind='],
      [
        config({}, { name: undefined }),
        { name: 'w' },
        'the name of the object (w based on URL) was undeterminable: name must be provided',
      ],
      [
        config({}, { name: 'x' }),
        { name: 'w' },
        'the name of the object (x) does not match the name on the URL (w)',
      ],
      [config({}, { managedFields: [] }), {}, 'metadata.managedFields must be nil'],
      [
        config({ parts: [{ name: 'a' }, { name: 'a' }] }, { namespace: 'ns' }),
        {},
        'failed to create typed patch object (ns/w; test/v1, Kind=Widget): .parts: duplicate entries for key [name="a"]',
      ],
      [
        config({ parts: [{ value: 'a' }] }),
        {},
        'failed to create typed patch object (/w; test/v1, Kind=Widget): .parts: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn\'t have default values for any key fields)',
      ],
      [
        [1],
        {},
        'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}',
      ],
    ];
    for (const [body, opts, message] of cases) {
      const err = conflictOf(() => apply(undefined, body as Obj, { manager: 'alice', ...opts }));
      assert.equal(err.code, 400, message);
      assert.equal(err.message, message);
    }
  });
});

void test('server-side apply against the real Deployment schema', async (t) => {
  const opts = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    rootDefinition: 'io.k8s.api.apps.v1.Deployment',
    lookup: getDefinition,
    resetFields: [['status']],
  };
  const manifest = (image: string, replicas?: number): Obj => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image, env: [{ name: 'A', value: '1' }] }] },
      },
    },
  });

  await t.test('kubectl client-side create, then a server-side apply of replicas conflicts', () => {
    const live = manifest('nginx:1.25', 1) as KubeObject;
    live.metadata.uid = 'u';
    updateManagedFields(undefined, live, { ...opts, manager: 'kubectl-client-side-apply', time: T0 });
    const entry: ManagedFieldsEntry = live.metadata.managedFields![0]!;
    assert.deepEqual(entry.fieldsV1, {
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:env': { '.': {}, 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
              },
            },
          },
        },
      },
    });
    const err = conflictOf(() =>
      serverSideApply(live, manifest('nginx:1.25', 3), { ...opts, manager: 'kubectl', time: T1 }),
    );
    assert.equal(
      err.message,
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    assert.deepEqual(err.status.details, {
      causes: [
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: '.spec.replicas',
        },
      ],
    });
    const forced = serverSideApply(live, manifest('nginx:1.26', 3), {
      ...opts,
      manager: 'kubectl',
      force: true,
      time: T1,
    });
    const spec = forced.spec as { replicas: number; template: { spec: { containers: Obj[] } } };
    assert.equal(spec.replicas, 3);
    assert.equal(spec.template.spec.containers[0]!.image, 'nginx:1.26');
    assert.deepEqual(
      forced.metadata.managedFields!.map((e) => `${e.manager}/${e.operation}`),
      ['kubectl/Apply', 'kubectl-client-side-apply/Update'],
    );
  });

  await t.test('removing a container from the applied manifest removes it', () => {
    const two = manifest('nginx');
    ((two.spec as Obj).template as { spec: { containers: Obj[] } }).spec.containers.push({
      name: 'log',
      image: 'busybox',
    });
    let o = serverSideApply(undefined, two, { ...opts, manager: 'kubectl', time: T0 });
    o.metadata.uid = 'u';
    o = serverSideApply(o, manifest('nginx'), { ...opts, manager: 'kubectl', time: T1 });
    const containers = ((o.spec as Obj).template as { spec: { containers: Obj[] } }).spec.containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ['web'],
    );
  });
});
