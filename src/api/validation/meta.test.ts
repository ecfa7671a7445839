import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { fieldErrorString, invalid } from '../errors.js';
import type { ObjectMeta, OwnerReference } from '../object.js';
import {
  TOTAL_ANNOTATION_SIZE_LIMIT_B,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateManagedFields,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateOwnerReferences,
  type ObjectMetaValidationOptions,
} from './meta.js';

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const strings = (errs: ReturnType<typeof validateObjectMeta>): string[] => errs.map(fieldErrorString);

const namespaced: ObjectMetaValidationOptions = { namespaced: true, nameValidation: 'dns1123Subdomain' };
const cluster: ObjectMetaValidationOptions = { namespaced: false, nameValidation: 'dns1123Label' };

void describe('validateObjectMeta', () => {
  const cases: Array<[string, ObjectMeta, ObjectMetaValidationOptions, string[]]> = [
    ['valid namespaced', { name: 'web', namespace: 'default' }, namespaced, []],
    ['valid cluster-scoped', { name: 'node-1' }, cluster, []],
    [
      'generateName only is not enough',
      { generateName: 'web-', namespace: 'ns' },
      namespaced,
      ['metadata.name: Required value: name or generateName is required'],
    ],
    [
      'missing name',
      { namespace: 'ns' },
      namespaced,
      ['metadata.name: Required value: name or generateName is required'],
    ],
    ['generateName may end in a dash', { name: 'web-abcde', generateName: 'web-' }, cluster, []],
    [
      'bad generateName',
      { name: 'web-x', generateName: 'Web-' },
      cluster,
      [`metadata.generateName: Invalid value: "Web-": ${LABEL}`],
    ],
    [
      'bad name',
      { name: 'Web', namespace: 'ns' },
      namespaced,
      [`metadata.name: Invalid value: "Web": ${SUBDOMAIN}`],
    ],
    [
      'dots not allowed in a label name',
      { name: 'a.b' },
      cluster,
      ['metadata.name: Invalid value: "a.b": must not contain dots'],
    ],
    ['missing namespace', { name: 'x' }, namespaced, ['metadata.namespace: Required value']],
    [
      'bad namespace',
      { name: 'x', namespace: 'a.b' },
      namespaced,
      ['metadata.namespace: Invalid value: "a.b": must not contain dots'],
    ],
    [
      'namespace forbidden',
      { name: 'x', namespace: 'ns' },
      cluster,
      ['metadata.namespace: Forbidden: not allowed on this type'],
    ],
    [
      'negative generation',
      { name: 'x', generation: -1 },
      cluster,
      ['metadata.generation: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'bad label key and value',
      { name: 'x', labels: { '-a': 'ok', b: 'no pe' } },
      cluster,
      [
        `metadata.labels: Invalid value: "-a": ${NAME_PART}`,
        `metadata.labels: Invalid value: "no pe": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
    [
      'bad finalizer',
      { name: 'x', finalizers: ['a/b/c'] },
      cluster,
      [
        "metadata.finalizers: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
    ],
    [
      'conflicting finalizers',
      { name: 'x', finalizers: ['orphan', 'foregroundDeletion'] },
      cluster,
      [
        'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
      ],
    ],
    [
      'path segment names',
      { name: 'system:controller:x' },
      { namespaced: false, nameValidation: 'pathSegment' },
      [],
    ],
    [
      'path segment rejects slash',
      { name: 'a/b' },
      { namespaced: false, nameValidation: 'pathSegment' },
      ['metadata.name: Invalid value: "a/b": may not contain \'/\''],
    ],
    [
      'custom root path',
      { name: 'Bad' },
      { namespaced: false, nameValidation: 'dns1035Label', path: 'spec.template.metadata' },
      [
        "spec.template.metadata.name: Invalid value: \"Bad\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    [
      'bad managed fields',
      { name: 'x', managedFields: [{ manager: 'a\u0007', fieldsType: 'FieldsV2' } as never] },
      cluster,
      [
        'metadata.managedFields[0].operation: Invalid value: "": must be `Apply` or `Update`',
        'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`',
        'metadata.managedFields[0].manager: Invalid value: "a\\u0007": invalid character U+0007 (at position 1)',
      ],
    ],
  ];
  for (const [label, meta, opts, want] of cases) {
    void it(label, () => assert.deepEqual(strings(validateObjectMeta(meta, opts)), want));
  }

  // Upstream TestValidateObjectMetaCustomName: the name function sees both name and generateName.
  const custom = (s: string): string[] => (s === 'test' ? [] : ['wrong value']);
  const customCases: Array<[ObjectMeta, number]> = [
    [{ name: 'test' }, 0],
    [{ name: 'test', generateName: 'test' }, 0],
    [{ name: 'invalid' }, 1],
    [{ name: 'invalid', generateName: 'test' }, 1],
    [{ name: 'invalid', generateName: 'invalid' }, 2],
  ];
  for (const [meta, n] of customCases) {
    void it(`custom name function on ${JSON.stringify(meta)}`, () => {
      const errs = validateObjectMeta(meta, { namespaced: false, nameValidation: custom });
      assert.equal(errs.length, n);
      for (const e of errs) assert.equal(e.detail, 'wrong value');
    });
  }

  void it('builds a 422 message the way upstream does', () => {
    const errs = validateObjectMeta({ namespace: 'ns' }, namespaced);
    assert.equal(
      invalid('', 'ConfigMap', '', errs).message,
      'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    );
  });
});

void describe('validateOwnerReferences (upstream cases)', () => {
  const ref = (
    kind: string,
    uid: string,
    controller?: boolean,
    apiVersion = 'customresourceVersion',
  ): OwnerReference => ({
    apiVersion,
    kind,
    name: 'name',
    uid,
    ...(controller === undefined ? {} : { controller }),
  });
  const cases: Array<[string, OwnerReference[], string[]]> = [
    ['third-party owner', [ref('customresourceKind', '1')], []],
    [
      'event as owner',
      [ref('Event', '1', undefined, 'v1')],
      [
        'metadata.ownerReferences: Invalid value: {"apiVersion":"v1","kind":"Event","name":"name","uid":"1"}: /v1, Kind=Event is disallowed from being an owner',
      ],
    ],
    ['one controller', [ref('k', '1', false), ref('k', '2', true), ref('k', '3', false), ref('k', '4')], []],
    [
      'two controllers',
      [
        ref('customresourceKind1', '1', false),
        ref('customresourceKind2', '2', true),
        ref('customresourceKind3', '3', true),
      ],
      [
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"customresourceVersion","kind":"customresourceKind1","name":"name","uid":"1","controller":false},{"apiVersion":"customresourceVersion","kind":"customresourceKind2","name":"name","uid":"2","controller":true},{"apiVersion":"customresourceVersion","kind":"customresourceKind3","name":"name","uid":"3","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for customresourceKind2/name and customresourceKind3/name',
      ],
    ],
    [
      'missing fields',
      [{ apiVersion: 'apps/', kind: '', name: '', uid: '' }],
      [
        'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
      ],
    ],
    ['group/version is fine', [ref('Deployment', '1', true, 'apps/v1')], []],
  ];
  for (const [label, refs, want] of cases) {
    void it(label, () =>
      assert.deepEqual(strings(validateOwnerReferences(refs, 'metadata.ownerReferences')), want),
    );
  }
});

void describe('validateAnnotations (upstream cases)', () => {
  const ok: Array<Record<string, string>> = [
    { simple: 'bar' },
    { 'now-with-dashes/now-with-dashes': 'bar' },
    { '1.2.3.4/5678': 'bar' },
    { UpperCase123: 'bar' },
    { 'Example.COM/Key': 'upper-case prefixes pass because keys are lower-cased first' },
    { a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B - 1) },
    {
      a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2 - 1),
      c: 'd'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2 - 1),
    },
  ];
  ok.forEach((a, i) => {
    void it(`accepts case ${i}`, () => assert.deepEqual(validateAnnotations(a, 'metadata.annotations'), []));
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ 'nospecialchars^=@': 'bar' }, NAME_PART],
    [{ 'cantendwithadash-': 'bar' }, NAME_PART],
    [{ 'only/one/slash': 'bar' }, 'a valid label key must consist of'],
    [{ ['a'.repeat(254)]: 'bar' }, 'name part must be no more than 63 bytes'],
  ];
  for (const [a, want] of bad) {
    void it(`rejects ${Object.keys(a)[0]!.slice(0, 20)}`, () => {
      const errs = validateAnnotations(a, 'metadata.annotations');
      assert.equal(errs.length, 1);
      assert.ok(String(errs[0]!.detail).includes(want), errs[0]!.detail);
    });
  }

  const tooBig: Array<Record<string, string>> = [
    { a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B) },
    { a: 'b'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2), c: 'd'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2) },
    { a: 'é'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2) },
  ];
  tooBig.forEach((a, i) => {
    void it(`limits total size, case ${i}`, () => {
      assert.deepEqual(strings(validateAnnotations(a, 'metadata.annotations')), [
        'metadata.annotations: Too long: may not be more than 262144 bytes',
      ]);
    });
  });
});

void describe('validateObjectMetaUpdate', () => {
  const base: ObjectMeta = { name: 'test', namespace: 'ns', uid: 'u1', resourceVersion: '1' };
  const now = '1970-01-01T00:16:40Z';
  const later = '1970-01-01T00:33:20Z';
  const cases: Array<[string, ObjectMeta, ObjectMeta, string[]]> = [
    ['unchanged', base, base, []],
    [
      'renamed',
      { ...base, name: 'other' },
      base,
      ['metadata.name: Invalid value: "other": field is immutable'],
    ],
    [
      'moved',
      { ...base, namespace: 'b' },
      base,
      ['metadata.namespace: Invalid value: "b": field is immutable'],
    ],
    ['uid changed', { ...base, uid: 'u2' }, base, ['metadata.uid: Invalid value: "u2": field is immutable']],
    [
      'uid cleared',
      { ...base, uid: undefined },
      base,
      ['metadata.uid: Invalid value: "": field is immutable'],
    ],
    [
      'no resourceVersion',
      { ...base, resourceVersion: undefined },
      base,
      ['metadata.resourceVersion: Invalid value: "": must be specified for an update'],
    ],
    [
      'generation decremented',
      { ...base, generation: 4 },
      { ...base, generation: 5 },
      ['metadata.generation: Invalid value: 4: must not be decremented'],
    ],
    ['generation incremented', { ...base, generation: 2 }, { ...base, generation: 1 }, []],
    [
      'creationTimestamp set',
      { ...base, creationTimestamp: now },
      base,
      [`metadata.creationTimestamp: Invalid value: "${now}": field is immutable`],
    ],
    [
      'creationTimestamp cleared',
      base,
      { ...base, creationTimestamp: now },
      ['metadata.creationTimestamp: Invalid value: null: field is immutable'],
    ],
    [
      'creationTimestamp same instant',
      { ...base, creationTimestamp: '1970-01-01T00:16:40.000Z' },
      { ...base, creationTimestamp: now },
      [],
    ],
    ['creationTimestamp null equals absent', { ...base, creationTimestamp: null }, base, []],
    [
      'deletionTimestamp set',
      { ...base, deletionTimestamp: now },
      base,
      [`metadata.deletionTimestamp: Invalid value: "${now}": field is immutable`],
    ],
    [
      'deletionTimestamp cleared',
      base,
      { ...base, deletionTimestamp: now },
      ['metadata.deletionTimestamp: Invalid value: null: field is immutable'],
    ],
    [
      'deletionTimestamp changed',
      { ...base, deletionTimestamp: later },
      { ...base, deletionTimestamp: now },
      [`metadata.deletionTimestamp: Invalid value: "${later}": field is immutable`],
    ],
    [
      'grace period set',
      { ...base, deletionGracePeriodSeconds: 30 },
      base,
      ['metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable'],
    ],
    [
      'grace period cleared',
      base,
      { ...base, deletionGracePeriodSeconds: 30 },
      ['metadata.deletionGracePeriodSeconds: Invalid value: null: field is immutable'],
    ],
    [
      'grace period changed',
      { ...base, deletionGracePeriodSeconds: 40 },
      { ...base, deletionGracePeriodSeconds: 30 },
      ['metadata.deletionGracePeriodSeconds: Invalid value: 40: field is immutable'],
    ],
    [
      'finalizer added while deleting',
      { ...base, deletionTimestamp: now, finalizers: ['x/a', 'y/b', 'a/c'] },
      { ...base, deletionTimestamp: now, finalizers: ['x/a'] },
      [
        'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a/c", "y/b"}',
      ],
    ],
    [
      'finalizer removed while deleting',
      { ...base, deletionTimestamp: now, finalizers: [] },
      { ...base, deletionTimestamp: now, finalizers: ['x/a'] },
      [],
    ],
    [
      'finalizer added when not deleting',
      { ...base, finalizers: ['x/a', 'y/b'] },
      { ...base, finalizers: ['x/a'] },
      [],
    ],
    [
      'labels re-validated',
      { ...base, labels: { a: '-' } },
      base,
      [
        `metadata.labels: Invalid value: "-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
  ];
  for (const [label, next, old, want] of cases) {
    void it(label, () => assert.deepEqual(strings(validateObjectMetaUpdate(next, old)), want));
  }
});

void describe('validateLabels and validateManagedFields', () => {
  void it('accepts valid labels and reports each bad key', () => {
    assert.deepEqual(validateLabels({ 'app.kubernetes.io/name': 'web', tier: '' }, 'metadata.labels'), []);
    assert.equal(validateLabels({ 'a/b/c': 'x', '': 'y' }, 'metadata.labels').length, 3);
  });

  void it('limits manager and subresource lengths', () => {
    assert.deepEqual(
      strings(
        validateManagedFields(
          [{ manager: 'm'.repeat(129), operation: 'Apply', subresource: 's'.repeat(257) }],
          'f',
        ),
      ),
      [
        'f[0].manager: Too long: may not be more than 128 bytes',
        'f[0].subresource: Too long: may not be more than 256 bytes',
      ],
    );
  });
});

void describe('validateLabelSelector', () => {
  const cases: Array<[string, Parameters<typeof validateLabelSelector>[0], string[]]> = [
    ['nil', undefined, []],
    ['empty', {}, []],
    [
      'valid',
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] },
      [],
    ],
    [
      'In without values',
      { matchExpressions: [{ key: 'tier', operator: 'In' }] },
      [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['a'] }] },
      [
        "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      ],
    ],
    [
      'unknown operator',
      { matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] },
      ['spec.selector.matchExpressions[0].operator: Invalid value: "Gt": not a valid selector operator'],
    ],
    [
      'bad key and value',
      {
        matchLabels: { 'a b': 'c' },
        matchExpressions: [{ key: '-k', operator: 'NotIn', values: ['ok', 'no t'] }],
      },
      [
        `spec.selector.matchLabels: Invalid value: "a b": ${NAME_PART}`,
        `spec.selector.matchExpressions[0].key: Invalid value: "-k": ${NAME_PART}`,
        `spec.selector.matchExpressions[0].values[1]: Invalid value: "no t": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
  ];
  for (const [label, sel, want] of cases) {
    void it(label, () => assert.deepEqual(strings(validateLabelSelector(sel, 'spec.selector')), want));
  }

  void it('honours the relaxation options', () => {
    const sel = { matchExpressions: [{ key: 'k', operator: 'Gt', values: ['no t'] }] };
    assert.deepEqual(
      validateLabelSelector(sel, 's', {
        allowInvalidLabelValueInSelector: true,
        allowUnknownOperatorInRequirement: true,
      }),
      [],
    );
  });
});
