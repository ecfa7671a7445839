import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorString } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import { checkBase64, configMapsResource, secretsResource, serviceAccountsResource } from './config.js';

type Obj = Record<string, any>;
const now = new Date('2025-06-01T12:00:00Z');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('checkBase64', () => {
  const cases: Array<[string, ReturnType<typeof checkBase64>]> = [
    ['', { length: 0 }],
    ['YWRtaW4=', { length: 5 }],
    ['bXktYXBw', { length: 6 }],
    ['YWRt\naW4=', { length: 5 }],
    ['abc', { badByte: 0 }],
    ['abcde', { badByte: 4 }],
    ['ab*d', { badByte: 2 }],
    ['=abc', { badByte: 0 }],
  ];
  for (const [s, want] of cases) it(JSON.stringify(s), () => assert.deepEqual(checkBase64(s), want));
});

function secret(fields: Obj, annotations?: Record<string, string>): KubeObject {
  const s: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'default', creationTimestamp: '2025-06-01T11:59:00Z' },
    ...fields,
  };
  if (annotations) s.metadata.annotations = annotations;
  secretsResource.defaults!(s);
  return s;
}

describe('secrets', () => {
  it('defaults type Opaque and folds stringData into data', () => {
    const s = secret({ data: { a: b64('1') }, stringData: { b: 'two', a: 'one' } });
    assert.deepEqual(s, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default', creationTimestamp: '2025-06-01T11:59:00Z' },
      type: 'Opaque',
      data: { a: b64('one'), b: b64('two') },
    });
    assert.deepEqual(
      secretsResource.table!.map((c) => c.cell(s, now)),
      ['s', 'Opaque', 2, '60s'],
    );
    assert.deepEqual(secretsResource.selectableFields!(s), { type: 'Opaque' });
  });
  const cases: Array<[string, KubeObject, string[]]> = [
    ['valid', secret({ data: { 'tls.crt': b64('x') } }), []],
    [
      'bad key and bad base64',
      secret({ data: { 'bad key': b64('x'), ok: 'not base64!' } }),
      [
        "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        'data[ok]: Invalid value: "<value redacted>": illegal base64 data at input byte 3',
      ],
    ],
    [
      'tls needs both keys',
      secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }),
      ['data[tls.key]: Required value'],
    ],
    [
      'basic-auth needs a field',
      secret({ type: 'kubernetes.io/basic-auth' }),
      ['data[username]: Required value', 'data[password]: Required value'],
    ],
    [
      'token needs the account name',
      secret({ type: 'kubernetes.io/service-account-token' }),
      ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    ],
    [
      'dockerconfigjson must be JSON',
      secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('[1]') } }),
      [
        'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}',
      ],
    ],
    [
      'size limit',
      secret({ data: { big: Buffer.alloc(1024 * 1024 + 1).toString('base64') } }),
      ['data: Too long: may not be more than 1048576 bytes'],
    ],
  ];
  for (const [name, s, want] of cases)
    it(name, () => assert.deepEqual(secretsResource.validateCreate!(s).map(fieldErrorString), want));

  it('type and immutable data do not change', () => {
    const old = secret({ immutable: true, data: { a: b64('1') } });
    const next = secret({ type: 'kubernetes.io/tls', data: { a: b64('2') }, immutable: false });
    assert.deepEqual(secretsResource.validateUpdate!(next, old).map(fieldErrorString), [
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
    ]);
  });
});

describe('configmaps', () => {
  const cm = (fields: Obj): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', creationTimestamp: '2025-06-01T11:00:00Z' },
    ...fields,
  });
  const cases: Array<[string, KubeObject, string[]]> = [
    ['valid', cm({ data: { 'game.properties': 'x=1' }, binaryData: { bin: b64('\u0001') } }), []],
    [
      'bad key, duplicate in binaryData',
      cm({ data: { '..': 'x', k: 'y' }, binaryData: { k: b64('z') } }),
      [
        'data[..]: Invalid value: "..": must not be \'..\'',
        'data[k]: Invalid value: "k": duplicate of key present in binaryData',
      ],
    ],
    [
      'bad binary',
      cm({ binaryData: { k: '%%%%' } }),
      ['binaryData[k]: Invalid value: "<value redacted>": illegal base64 data at input byte 0'],
    ],
    [
      'too big',
      cm({ data: { k: 'x'.repeat(1024 * 1024 + 1) } }),
      ['Too long: may not be more than 1048576 bytes'],
    ],
  ];
  for (const [name, c, want] of cases)
    it(name, () => assert.deepEqual(configMapsResource.validateCreate!(c).map(fieldErrorString), want));
  it('immutable configmaps keep their data', () => {
    const old = cm({ immutable: true, data: { a: '1' } });
    assert.deepEqual(
      configMapsResource.validateUpdate!(cm({ immutable: true, data: { a: '2' } }), old).map(
        fieldErrorString,
      ),
      ['data: Forbidden: field is immutable when `immutable` is set'],
    );
    assert.deepEqual(configMapsResource.validateUpdate!(cm({ immutable: true, data: { a: '1' } }), old), []);
  });
  it('table counts data and binaryData', () => {
    assert.deepEqual(
      configMapsResource.table!.map((c) => c.cell(cm({ data: { a: '1' }, binaryData: { b: '' } }), now)),
      ['c', 2, '60m'],
    );
  });
});

describe('serviceaccounts', () => {
  it('keeps only secret names and counts them', () => {
    const sa: KubeObject = {
      metadata: { name: 'default', creationTimestamp: '2025-06-01T11:00:00Z' },
      secrets: [{ name: 'tok', namespace: 'x', uid: 'u' }],
    };
    serviceAccountsResource.prepareForCreate!(sa, { now, subresource: '' });
    assert.deepEqual(sa.secrets, [{ name: 'tok' }]);
    assert.deepEqual(
      serviceAccountsResource.table!.map((c) => c.cell(sa, now)),
      ['default', 1, '60m'],
    );
  });
});
