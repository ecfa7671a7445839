/** @module ConfigMaps, Secrets and ServiceAccounts. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { isConfigMapKey } from '../../validation/names.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import {
  type Obj,
  deepEqual,
  forbidden,
  invalid,
  key,
  keys,
  obj,
  objs,
  required,
  str,
  validateImmutableField,
} from './util.js';
import { errorText } from '../../../util/errors.js';

/** Upstream's MaxSecretSize (also the ConfigMap limit). */
export const MAX_SECRET_SIZE = 1024 * 1024;

const BASE64_ALPHABET = /^[A-Za-z0-9+/]$/;

/**
 * Checks a base64 value the way Go's encoding/json decodes []byte (standard alphabet, padded,
 * CR/LF ignored). Returns the decoded length, or the offset of the first bad byte.
 */
export function checkBase64(s: string): { length: number } | { badByte: number } {
  let bytes = 0;
  let quantumStart = 0;
  let inQuantum = 0;
  let padding = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\r' || c === '\n') continue;
    if (padding > 0) {
      if (c !== '=' || inQuantum === 0) return { badByte: i };
      padding++;
      inQuantum++;
      if (inQuantum === 4) inQuantum = 0;
      continue;
    }
    if (c === '=') {
      if (inQuantum < 2) return { badByte: i };
      padding = 1;
      bytes += inQuantum - 1;
      inQuantum++;
      if (inQuantum === 4) inQuantum = 0;
      continue;
    }
    if (!BASE64_ALPHABET.test(c)) return { badByte: i };
    if (inQuantum === 0) quantumStart = i;
    inQuantum++;
    if (inQuantum === 4) {
      bytes += 3;
      inQuantum = 0;
    }
  }
  if (inQuantum !== 0) return { badByte: padding > 0 ? s.length : quantumStart };
  return { length: bytes };
}

/** Validates the base64 values of a map (Secret.data, ConfigMap.binaryData); returns the decoded total size. */
function validateBase64Map(m: Obj, field: string, errs: FieldError[]): number {
  let total = 0;
  for (const k of keys(m)) {
    const v = m[k];
    if (typeof v !== 'string') {
      errs.push(invalid(key(field, k), v, 'must be a base64-encoded string'));
      continue;
    }
    const r = checkBase64(v);
    if ('badByte' in r)
      errs.push(invalid(key(field, k), '<value redacted>', `illegal base64 data at input byte ${r.badByte}`));
    else total += r.length;
  }
  return total;
}

function decodeBase64(v: unknown): string | undefined {
  if (typeof v !== 'string' || 'badByte' in checkBase64(v)) return undefined;
  return Buffer.from(v, 'base64').toString('utf8');
}

// ---- ConfigMaps ----

function validateConfigMap(cm: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(cm.data) ?? {};
  const binary = obj(cm.binaryData) ?? {};
  let total = 0;
  for (const k of keys(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, m));
    if (k in binary) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(str(data[k]));
  }
  for (const k of keys(binary))
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('binaryData', k), k, m));
  total += validateBase64Map(binary, 'binaryData', errs);
  if (total > MAX_SECRET_SIZE)
    errs.push({
      type: 'FieldValueTooLong',
      field: '',
      detail: `may not be more than ${MAX_SECRET_SIZE} bytes`,
    });
  return errs;
}

function validateImmutableData(next: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (next.immutable !== true)
    errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual(next[f], old[f])) {
      errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}

export const configMapsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.ConfigMap',
  validateCreate: validateConfigMap,
  validateUpdate: (o, old) => [
    ...validateImmutableData(o, old, ['data', 'binaryData']),
    ...validateConfigMap(o),
  ],
  table: [
    nameColumn(),
    column(
      'Data',
      (o) => Object.keys(obj(o.data) ?? {}).length + Object.keys(obj(o.binaryData) ?? {}).length,
      {
        description: 'Number of data entries.',
      },
    ),
    ageColumn(),
  ],
};

// ---- Secrets ----

/** Upstream's SetDefaults_Secret, plus the v1 conversion that folds stringData into data. */
function defaultSecret(secret: KubeObject): void {
  if (secret.type === undefined || secret.type === null || secret.type === '') secret.type = 'Opaque';
  const sd = obj(secret.stringData);
  if (sd) {
    const data: Obj = { ...(obj(secret.data) ?? {}) };
    for (const k of Object.keys(sd)) data[k] = Buffer.from(str(sd[k]), 'utf8').toString('base64');
    secret.data = data;
  }
  delete secret.stringData;
}

function validateSecret(secret: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(secret.data) ?? {};
  for (const k of keys(data)) for (const m of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, m));
  const total = validateBase64Map(data, 'data', errs);
  if (total > MAX_SECRET_SIZE)
    errs.push({
      type: 'FieldValueTooLong',
      field: 'data',
      detail: `may not be more than ${MAX_SECRET_SIZE} bytes`,
    });
  const has = (k: string): boolean => k in data;
  const jsonCheck = (k: string): void => {
    if (!has(k)) {
      errs.push(required(key('data', k)));
      return;
    }
    const text = decodeBase64(data[k]);
    if (text === undefined) return;
    try {
      const v: unknown = JSON.parse(text);
      if (!obj(v))
        throw new Error(
          `json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type map[string]interface {}`,
        );
    } catch (e) {
      errs.push(invalid(key('data', k), '<secret contents redacted>', errorText(e)));
    }
  };
  switch (str(secret.type)) {
    case 'kubernetes.io/service-account-token':
      if (!str(secret.metadata.annotations?.['kubernetes.io/service-account.name'])) {
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      jsonCheck('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      jsonCheck('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password'))
        errs.push(required('data[username]'), required('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!str(data['ssh-privatekey'])) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required('data[tls.crt]'));
      if (!has('tls.key')) errs.push(required('data[tls.key]'));
      break;
  }
  return errs;
}

export const secretsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  schema: 'io.k8s.api.core.v1.Secret',
  defaults: defaultSecret,
  validateCreate: validateSecret,
  validateUpdate: (o, old) => [
    ...validateImmutableField(o.type, old.type, 'type'),
    ...validateImmutableData(o, old, ['data']),
    ...validateSecret(o),
  ],
  table: [
    nameColumn(),
    column('Type', (o) => str(o.type), {
      description: 'Used to facilitate programmatic handling of secret data.',
    }),
    column('Data', (o) => Object.keys(obj(o.data) ?? {}).length, { description: 'Number of data entries.' }),
    ageColumn(),
  ],
  selectableFields: (o) => ({ type: str(o.type) }),
};

// ---- ServiceAccounts ----

/** Upstream's cleanSecretReferences: secret references keep only their name. */
function cleanSecretReferences(sa: KubeObject): void {
  if (!Array.isArray(sa.secrets)) return;
  sa.secrets = objs(sa.secrets).map(([s]) => (s.name === undefined ? {} : { name: s.name }));
}

export const serviceAccountsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.ServiceAccount',
  subresources: { others: ['token'] },
  returnDeletedObject: true,
  prepareForCreate: cleanSecretReferences,
  prepareForUpdate: cleanSecretReferences,
  table: [
    nameColumn(),
    column('Secrets', (o) => objs(o.secrets).length, {
      description: 'Secrets that pods running with this account may use.',
    }),
    ageColumn(),
  ],
};
