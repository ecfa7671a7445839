import assert from 'node:assert/strict';
import test from 'node:test';
import { StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { getDefinition } from '../../api/openapi/index.js';
import type { SchemaLookup } from '../patch/schema.js';
import { WIDGET, fixtureLookup } from '../patch/testing/fixtures.js';
import { serverSideApply, updateManagedFields } from './field-manager.js';
import { FieldSet, finishBuilt } from './field-set.js';
import { fieldElement } from './path.js';
import * as ref from './testing/reference/field-manager.js';
import { FieldSet as RefFieldSet } from './testing/reference/field-set.js';
import { DEDUCED, SchemaResolver, type TypeRef } from './testing/reference/smd-schema.js';
import * as refTyped from './testing/reference/typed.js';
import {
  Rng,
  TIMES,
  mutate,
  perturbEntries,
  perturbFieldsV1,
  randomManager,
  randomValue,
} from './testing/random-objects.js';
import {
  DEPLOYMENT_DEFINITION,
  POD_DEFINITION,
  sampleDeployment,
  samplePod,
  sampleRunningPodStatus,
} from './testing/sample-objects.js';
import {
  DEDUCED as PROD_DEDUCED,
  SchemaResolver as ProdResolver,
  type TypeRef as ProdTypeRef,
} from './smd-schema.js';
import * as typed from './typed.js';

type Obj = Record<string, unknown>;

/** How many random histories each test runs; raise FM_DIFF_RUNS locally for a deeper search. */
const RUNS = Number(process.env.FM_DIFF_RUNS ?? 300);
const SEED = Number(process.env.FM_DIFF_SEED ?? 1);

interface Kind {
  name: string;
  apiVersion: string;
  kind: string;
  rootDefinition?: string;
  lookup?: SchemaLookup;
  status: boolean;
  sample?: () => KubeObject;
}

const KINDS: Kind[] = [
  {
    name: 'pod',
    apiVersion: 'v1',
    kind: 'Pod',
    rootDefinition: POD_DEFINITION,
    lookup: getDefinition,
    status: true,
    sample: samplePod,
  },
  {
    name: 'deployment',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    rootDefinition: DEPLOYMENT_DEFINITION,
    lookup: getDefinition,
    status: true,
    sample: sampleDeployment,
  },
  {
    name: 'widget',
    apiVersion: 'test/v1',
    kind: 'Widget',
    rootDefinition: WIDGET,
    lookup: fixtureLookup,
    status: true,
  },
  { name: 'untyped', apiVersion: 'example.com/v1', kind: 'Thing', status: false },
];

const resolvers = new Map<SchemaLookup, SchemaResolver>();
function typeOf(k: Kind): TypeRef {
  if (!k.lookup || !k.rootDefinition) return DEDUCED;
  let r = resolvers.get(k.lookup);
  if (!r) {
    r = new SchemaResolver(k.lookup);
    resolvers.set(k.lookup, r);
  }
  return r.definition(k.rootDefinition);
}

const prodResolvers = new Map<SchemaLookup, ProdResolver>();
function typedTypeOf(k: Kind): ProdTypeRef {
  if (!k.lookup || !k.rootDefinition) return PROD_DEDUCED;
  let r = prodResolvers.get(k.lookup);
  if (!r) {
    r = new ProdResolver(k.lookup);
    prodResolvers.set(k.lookup, r);
  }
  return r.definition(k.rootDefinition);
}

type Outcome = { ok: true; value: unknown; json: string } | { ok: false; error: string };

function describeError(e: unknown): string {
  if (e instanceof StatusError) return `StatusError ${JSON.stringify(e.status)}`;
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return String(e);
}

function outcome(fn: () => unknown): Outcome {
  try {
    const value = fn();
    return { ok: true, value, json: JSON.stringify(value) ?? 'undefined' };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

function assertSame(got: Outcome, want: Outcome, what: string): void {
  if (!want.ok) {
    assert.equal(got.ok ? `ok ${got.json}` : got.error, want.error, what);
    return;
  }
  assert.ok(got.ok, `${what}: threw ${got.ok ? '' : got.error}`);
  assert.equal(got.json, want.json, what);
  assert.deepStrictEqual(got.value, want.value, what);
}

function baseObject(rng: Rng, k: Kind, type: TypeRef): KubeObject {
  let obj: KubeObject;
  if (k.sample && rng.chance(0.6)) {
    obj = k.sample();
    if (rng.chance(0.6)) obj = mutate(rng, obj, type);
  } else {
    const v = randomValue(rng, type, 0, rng.pick([0, 0.04, 0.15]));
    obj = (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}) as KubeObject;
    if (typeof obj.metadata !== 'object' || obj.metadata === null || Array.isArray(obj.metadata))
      obj.metadata = {};
  }
  obj.apiVersion = k.apiVersion;
  obj.kind = k.kind;
  obj.metadata.name = 'obj';
  if (rng.chance(0.8)) obj.metadata.namespace = 'default';
  obj.metadata.uid = 'uid-1';
  delete obj.metadata.managedFields;
  return obj;
}

function resetFieldsFor(k: Kind, obj: KubeObject, subresource: string): string[][] {
  if (!k.status) return [];
  if (subresource === 'status')
    return Object.keys(obj)
      .filter((f) => f !== 'apiVersion' && f !== 'kind' && f !== 'metadata' && f !== 'status')
      .map((f) => [f]);
  return subresource === '' ? [['status']] : [];
}

/** Runs one write through both implementations on private copies and checks they agree. */
function compareUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  opts: Parameters<typeof updateManagedFields>[2],
  what: string,
): KubeObject {
  const prodNext = structuredClone(next);
  const refNext = structuredClone(next);
  const prodOld = structuredClone(old);
  const got = outcome(() => updateManagedFields(prodOld, prodNext, opts));
  const want = outcome(() => ref.updateManagedFields(structuredClone(old), refNext, opts));
  assertSame(got, want, `${what}: entries`);
  assert.equal(JSON.stringify(prodNext), JSON.stringify(refNext), `${what}: object`);
  assert.deepStrictEqual(prodOld, old, `${what}: the old object is left alone`);
  return prodNext;
}

function compareApply(
  live: KubeObject | undefined,
  config: unknown,
  opts: Parameters<typeof serverSideApply>[2],
  what: string,
): KubeObject | undefined {
  const prodLive = structuredClone(live);
  const prodConfig = structuredClone(config);
  const got = outcome(() => serverSideApply(prodLive, prodConfig, opts));
  const want = outcome(() => ref.serverSideApply(structuredClone(live), structuredClone(config), opts));
  assertSame(got, want, what);
  assert.deepStrictEqual(prodLive, live, `${what}: the live object is left alone`);
  assert.deepStrictEqual(prodConfig, config, `${what}: the configuration is left alone`);
  return got.ok ? (got.value as KubeObject) : undefined;
}

function applyConfig(rng: Rng, k: Kind, type: TypeRef, from: KubeObject | undefined): Obj {
  let config: KubeObject;
  if (from && rng.chance(0.8)) {
    config = structuredClone(from);
    delete config.metadata.managedFields;
    for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'generation'] as const)
      if (rng.chance(0.8)) delete config.metadata[f];
    if (rng.chance(0.7)) delete config.status;
    if (rng.chance(0.6)) config = mutate(rng, config, type);
  } else {
    config = baseObject(rng, k, type);
    delete config.metadata.uid;
  }
  if (rng.chance(0.03)) config.apiVersion = 'other/v1';
  if (rng.chance(0.02)) delete config.metadata.name;
  return config;
}

/** One random history: a create, then updates through the main resource and subresources, and applies. */
function history(seed: number): void {
  const rng = new Rng(seed);
  const k = rng.pick(KINDS);
  const type = typeOf(k);
  const schema = { rootDefinition: k.rootDefinition, lookup: k.lookup };
  let cur: KubeObject | undefined;
  if (rng.chance(0.8)) {
    const obj = baseObject(rng, k, type);
    if (rng.chance(0.1)) {
      obj.metadata.managedFields = perturbEntries(rng, [
        {
          manager: 'imported',
          operation: 'Update',
          apiVersion: k.apiVersion,
          time: TIMES[0],
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } }, 'f:spec': {} },
        },
      ]);
    }
    cur = compareUpdate(
      undefined,
      obj,
      {
        ...schema,
        manager: randomManager(rng),
        apiVersion: k.apiVersion,
        time: rng.pick(TIMES),
        resetFields: resetFieldsFor(k, obj, ''),
      },
      `seed ${seed} create ${k.name}`,
    );
  }
  const steps = 1 + rng.int(7);
  for (let step = 0; step < steps; step++) {
    const what = `seed ${seed} step ${step} ${k.name}`;
    if (cur && rng.chance(0.7)) {
      let next = mutate(rng, cur, type);
      const subresource = rng.pick(['', '', '', 'status', 'scale']);
      if (subresource === 'status' && k.name === 'pod' && rng.chance(0.5))
        next.status = sampleRunningPodStatus();
      const r = rng.next();
      if (r < 0.3) delete next.metadata.managedFields;
      else if (r < 0.4 && Array.isArray(next.metadata.managedFields))
        next.metadata.managedFields = perturbEntries(rng, next.metadata.managedFields);
      else if (r < 0.43) next.metadata.managedFields = [];
      if (rng.chance(0.03)) next = mutate(rng, next, type, 0.3);
      const old = rng.chance(0.05) ? { ...cur, metadata: { ...cur.metadata, uid: undefined } } : cur;
      cur = compareUpdate(
        old,
        next,
        {
          ...schema,
          manager: randomManager(rng),
          subresource,
          apiVersion: k.apiVersion,
          time: rng.pick(TIMES),
          resetFields: resetFieldsFor(k, next, subresource),
        },
        `${what} update`,
      );
      continue;
    }
    const live = cur && rng.chance(0.95) ? cur : undefined;
    const manager = rng.pick(['kubectl', 'alice', 'bob', randomManager(rng)]);
    const result = compareApply(
      live,
      applyConfig(rng, k, type, live),
      {
        ...schema,
        manager,
        apiVersion: k.apiVersion,
        kind: k.kind,
        name: 'obj',
        force: rng.chance(0.3),
        time: rng.pick(TIMES),
        resetFields: resetFieldsFor(k, live ?? { metadata: {} }, ''),
      },
      `${what} apply by ${manager}`,
    );
    if (result) {
      result.metadata.uid ??= 'uid-1';
      cur = result;
    }
  }
}

void test('updateManagedFields and serverSideApply agree with the reference implementation', () => {
  for (let i = 0; i < RUNS; i++) {
    try {
      history(SEED * 1_000_003 + i);
    } catch (e) {
      if (e instanceof Error && !e.message.includes('seed'))
        e.message = `seed ${SEED * 1_000_003 + i}: ${e.message}`;
      throw e;
    }
  }
});

void test('typed operations agree with the reference implementation', () => {
  for (let i = 0; i < RUNS; i++) {
    const rng = new Rng(SEED * 7_000_001 + i);
    const k = rng.pick(KINDS);
    const type = typeOf(k);
    const a = baseObject(rng, k, type);
    const b = rng.chance(0.2) ? baseObject(rng, k, type) : mutate(rng, a, type, rng.pick([0.04, 0.3]));
    const what = `seed ${i} ${k.name}`;
    const prodType = typedTypeOf(k);
    const fs = (s: { toFieldsV1(): unknown }) => JSON.stringify(s.toFieldsV1());
    assert.equal(fs(typed.toFieldSet(a, prodType)), fs(refTyped.toFieldSet(a, type)), `${what} toFieldSet`);
    assert.equal(
      fs(typed.toNamedFieldSet(a, prodType)),
      fs(refTyped.ensureNamedFieldsAreMembers(refTyped.toFieldSet(a, type), type)),
      `${what} toNamedFieldSet`,
    );
    const c = typed.compare(a, b, prodType);
    const rc = refTyped.compare(a, b, type);
    for (const f of ['added', 'modified', 'removed'] as const)
      assert.equal(fs(c[f]), fs(rc[f]), `${what} compare ${f}`);
    assert.equal(
      JSON.stringify(typed.createBaseline(a, prodType)),
      JSON.stringify(refTyped.createBaseline(a, type)),
      `${what} createBaseline`,
    );
    assertSame(
      outcome(() => typed.merge(a, b, prodType)),
      outcome(() => refTyped.merge(a, b, type)),
      `${what} merge`,
    );
    const removeSet = refTyped.toFieldSet(b, type);
    const prodRemove = FieldSet.fromFieldsV1(removeSet.toFieldsV1());
    assert.equal(
      JSON.stringify(typed.removeItems(a, prodRemove, prodType)),
      JSON.stringify(refTyped.removeItems(a, removeSet, type)),
      `${what} removeItems`,
    );
    assert.equal(
      fs(typed.ensureNamedFieldsAreMembers(prodRemove, prodType)),
      fs(refTyped.ensureNamedFieldsAreMembers(removeSet, type)),
      `${what} ensureNamedFieldsAreMembers`,
    );
    assert.deepEqual(
      typed.validateApplied(b, prodType),
      refTyped.validateApplied(b, type),
      `${what} validate`,
    );
  }
});

void test('field set algebra and FieldsV1 round trips agree with the reference implementation', () => {
  for (let i = 0; i < RUNS; i++) {
    const rng = new Rng(SEED * 9_000_011 + i);
    const k = rng.pick(KINDS);
    const type = typeOf(k);
    const x = baseObject(rng, k, type);
    const y = mutate(rng, x, type, 0.2);
    const reread = (s: RefFieldSet): RefFieldSet => RefFieldSet.fromFieldsV1(s.toFieldsV1());
    const ra = reread(refTyped.toFieldSet(x, type));
    const rb = reread(rng.chance(0.5) ? refTyped.toFieldSet(y, type) : refTyped.compare(x, y, type).modified);
    const pa = FieldSet.fromFieldsV1(ra.toFieldsV1());
    const pb = FieldSet.fromFieldsV1(rb.toFieldsV1());
    const what = `seed ${i}`;
    const same = (p: FieldSet, r: RefFieldSet, op: string): void => {
      assert.equal(JSON.stringify(p.toFieldsV1()), JSON.stringify(r.toFieldsV1()), `${what} ${op}`);
      assert.equal(p.isEmpty(), r.isEmpty(), `${what} ${op} isEmpty`);
    };
    same(pa.union(pb), ra.union(rb), 'union');
    same(pb.union(pa), rb.union(ra), 'union reversed');
    same(pa.intersection(pb), ra.intersection(rb), 'intersection');
    same(pa.difference(pb), ra.difference(rb), 'difference');
    same(pb.difference(pa), rb.difference(ra), 'difference reversed');
    same(pa.recursiveDifference(pb), ra.recursiveDifference(rb), 'recursiveDifference');
    assert.equal(pa.equals(pb), ra.equals(rb), `${what} equals`);
    assert.deepEqual(pa.paths(), ra.paths(), `${what} paths`);
    const odd = perturbFieldsV1(rng, ra.toFieldsV1());
    assertSame(
      outcome(() => FieldSet.fromFieldsV1(odd).toFieldsV1()),
      outcome(() => RefFieldSet.fromFieldsV1(odd).toFieldsV1()),
      `${what} fromFieldsV1 of ${JSON.stringify(odd)}`,
    );
  }
});

/** Up to three random paths of nested map keys of `obj` (what reset fields may name). */
function randomFieldPaths(rng: Rng, obj: unknown): string[][] {
  const out: string[][] = [];
  const n = rng.int(4);
  for (let i = 0; i < n; i++) {
    const path: string[] = [];
    let v: unknown = obj;
    while (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 0) break;
      const k = rng.pick(keys);
      path.push(k);
      v = (v as Obj)[k];
      if (rng.chance(0.4)) break;
    }
    if (rng.chance(0.1)) path.push('absent');
    if (path.length > 0) out.push(path);
  }
  return out;
}

void test('the one-pass create walk and skipped comparisons agree with compare + recursive difference', () => {
  for (let i = 0; i < RUNS; i++) {
    const rng = new Rng(SEED * 5_000_011 + i);
    const k = rng.pick(KINDS);
    const type = typeOf(k);
    const prodType = typedTypeOf(k);
    const a = baseObject(rng, k, type);
    const b = mutate(rng, a, type, rng.pick([0.04, 0.3]));
    const paths = randomFieldPaths(rng, rng.chance(0.5) ? a : b);
    const skip = FieldSet.of(...paths.map((p) => p.map(fieldElement)));
    const refSkip = RefFieldSet.of(...paths.map((p) => p.map(fieldElement)));
    const what = `seed ${i} ${k.name} skip ${JSON.stringify(paths)}`;
    const fs = (s: { toFieldsV1(): unknown }) => JSON.stringify(s.toFieldsV1());

    const rc = refTyped.compare(refTyped.createBaseline(a, type), a, type);
    const wantCreated = rc.modified.union(rc.added).recursiveDifference(refSkip);
    assert.equal(
      fs(FieldSet.fromNode(typed.createdFields(a, prodType, skip.node))),
      fs(wantCreated),
      `${what} created`,
    );

    const c = typed.compareInto(a, b, prodType, skip.node);
    const rcmp = refTyped.compare(a, b, type);
    const masks = [
      [typed.ADDED | typed.MODIFIED, rcmp.added.union(rcmp.modified)],
      [typed.REMOVED, rcmp.removed],
      [typed.ADDED | typed.MODIFIED | typed.REMOVED, rcmp.added.union(rcmp.modified).union(rcmp.removed)],
    ] as const;
    for (const [mask, want] of masks) {
      assert.equal(
        fs(FieldSet.fromNode(finishBuilt(c.tree, mask, undefined))),
        fs(want.recursiveDifference(refSkip)),
        `${what} compare mask ${mask}`,
      );
    }
    if (!c.removed)
      assert.ok(rcmp.removed.recursiveDifference(refSkip).isEmpty(), `${what}: a removal went unnoticed`);
  }
});

void test('long lists (sorted another way) agree with the reference implementation', () => {
  const widget = KINDS.find((k) => k.name === 'widget')!;
  const pod = KINDS.find((k) => k.name === 'pod')!;
  for (let i = 0; i < Math.max(20, RUNS / 10); i++) {
    const rng = new Rng(SEED * 3_000_017 + i);
    const names = (n: number): unknown[] =>
      Array.from({ length: n }, () => (rng.chance(0.8) ? `n${rng.int(70)}` : rng.int(70)));
    const obj: KubeObject = {
      apiVersion: 'test/v1',
      kind: 'Widget',
      metadata: { name: 'obj', uid: 'uid-1' },
      parts: names(33 + rng.int(40)).map((name) => ({ name, value: rng.pick(['a', 'b']) })),
      tags: names(33 + rng.int(40)),
      ports: Array.from({ length: 33 + rng.int(20) }, () => ({
        port: rng.int(40),
        ...(rng.chance(0.5) ? { protocol: rng.pick(['TCP', 'UDP']) } : {}),
      })),
    };
    const p = samplePod();
    const containers = (p.spec as { containers: Obj[] }).containers;
    containers[0]!.env = names(33 + rng.int(40)).map((name) => ({ name, value: 'v' }));
    for (const [k, o] of [
      [widget, obj],
      [pod, p],
    ] as const) {
      const schema = { rootDefinition: k.rootDefinition, lookup: k.lookup, apiVersion: k.apiVersion };
      const what = `seed ${i} ${k.name}`;
      const created = compareUpdate(
        undefined,
        o,
        { ...schema, manager: 'm', time: TIMES[0] },
        `${what} create`,
      );
      const next = mutate(rng, created, typeOf(k));
      compareUpdate(created, next, { ...schema, manager: 'n', time: TIMES[1] }, `${what} update`);
      compareApply(
        created,
        applyConfig(rng, k, typeOf(k), created),
        { ...schema, manager: 'a', kind: k.kind, name: 'obj', time: TIMES[2] },
        `${what} apply`,
      );
    }
  }
});
