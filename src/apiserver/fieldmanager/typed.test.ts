import assert from 'node:assert/strict';
import test from 'node:test';
import { WIDGET, fixtureLookup } from '../patch/testing/fixtures.js';
import { FieldSet, finishBuilt } from './field-set.js';
import { fieldElement } from './path.js';
import { SchemaResolver } from './smd-schema.js';
import { ADDED, MODIFIED, REMOVED, compare, compareInto, createdFields } from './typed.js';

type Obj = Record<string, unknown>;

const widget = new SchemaResolver(fixtureLookup).definition(WIDGET);
const v1 = (s: FieldSet): unknown => s.toFieldsV1();

void test('compare', async (t) => {
  const cases: Array<{ name: string; before: Obj; after: Obj; added?: Obj; modified?: Obj; removed?: Obj }> =
    [
      {
        name: 'equal objects differ in nothing',
        before: { spec: { replicas: 1 } },
        after: { spec: { replicas: 1 } },
      },
      {
        name: 'an explicit undefined still counts as a field on both sides',
        before: { spec: { replicas: undefined } },
        after: { spec: { replicas: undefined } },
        added: { 'f:spec': { 'f:replicas': {} } },
      },
      {
        name: 'list-map elements compare by key, whatever their order',
        before: { parts: [{ name: 'a', value: '1' }, { name: 'b' }] },
        after: { parts: [{ name: 'b' }, { name: 'a', value: '2' }] },
        modified: { 'f:parts': { 'k:{"name":"a"}': { 'f:value': {} } } },
      },
      {
        name: 'an element becoming duplicated is added as a whole, its single version removed',
        before: { parts: [{ name: 'a' }] },
        after: { parts: [{ name: 'a' }, { name: 'a' }] },
        added: { 'f:parts': { 'k:{"name":"a"}': {} } },
        removed: { 'f:parts': { 'k:{"name":"a"}': { '.': {}, 'f:name': {} } } },
      },
      {
        name: 'removals and additions',
        before: { labels: { x: '1' }, count: 1 },
        after: { labels: { y: '1' }, count: 1 },
        added: { 'f:labels': { 'f:y': {} } },
        removed: { 'f:labels': { 'f:x': {} } },
      },
    ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = compare(c.before, c.after, widget);
      assert.deepEqual(
        { added: v1(got.added), modified: v1(got.modified), removed: v1(got.removed) },
        { added: c.added ?? {}, modified: c.modified ?? {}, removed: c.removed ?? {} },
      );
    });
  }

  await t.test('skipped paths are left out, as a recursive difference would', () => {
    const skip = FieldSet.of([fieldElement('status')], [fieldElement('spec'), fieldElement('template')]);
    const c = compareInto(
      { spec: { replicas: 1, template: { image: 'a' } }, status: { ready: 1 } },
      { spec: { replicas: 2, template: { image: 'b' } }, status: { ready: 2 } },
      widget,
      skip.node,
    );
    assert.deepEqual(finishBuilt(c.tree, ADDED | MODIFIED | REMOVED, undefined), {
      'f:spec': { 'f:replicas': {} },
    });
    assert.equal(c.removed, false);
  });
});

void test('createdFields', async (t) => {
  const cases: Array<{ name: string; obj: Obj; skip?: string[][]; want: Obj | null }> = [
    {
      name: 'struct fields are not owned themselves, their contents are',
      obj: { spec: { replicas: 1, template: { labels: { a: 'b' } } }, labels: { x: 'y' } },
      want: {
        'f:labels': { '.': {}, 'f:x': {} },
        'f:spec': { 'f:replicas': {}, 'f:template': { 'f:labels': { '.': {}, 'f:a': {} } } },
      },
    },
    {
      name: 'a required list is not owned itself, its elements are',
      obj: { spec: { parts: [{ name: 'b' }, { name: 'a', value: 'v' }] } },
      want: {
        'f:spec': {
          'f:parts': {
            'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:value': {} },
            'k:{"name":"b"}': { '.': {}, 'f:name': {} },
          },
        },
      },
    },
    {
      name: 'an empty required list is',
      obj: { spec: { parts: [] } },
      want: { 'f:spec': { 'f:parts': {} } },
    },
    { name: 'an empty struct sets nothing', obj: { spec: {} }, want: null },
    {
      name: 'an atomic struct is one field',
      obj: { selector: { expression: 'x' } },
      want: { 'f:selector': {} },
    },
    {
      name: 'an explicit undefined below a skipped path still counts',
      obj: { extra: undefined },
      skip: [['extra', 'app']],
      want: { 'f:extra': {} },
    },
    {
      name: 'skipped paths, also nested ones',
      obj: { spec: { replicas: 1, template: { image: 'a' } }, status: { ready: 1 }, count: 1 },
      skip: [['status'], ['spec', 'template']],
      want: { 'f:count': {}, 'f:spec': { 'f:replicas': {} } },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const skip = FieldSet.of(...(c.skip ?? []).map((p) => p.map(fieldElement)));
      const got = createdFields(c.obj, widget, skip.node);
      assert.equal(JSON.stringify(got), JSON.stringify(c.want));
    });
  }
});
