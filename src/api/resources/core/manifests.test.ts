import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { fieldErrorString } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { coreResources } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const manifestDir = resolve(here, '../../../..', '../shared/data/manifests');

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.ya?ml$/.test(entry)) out.push(p);
  }
  return out;
}

function defFor(obj: KubeObject): ResourceDef | undefined {
  return coreResources.find((d) => obj.apiVersion === 'v1' && d.kind === obj.kind);
}

/** The generic create path minus storage: prepare, default, validate. */
function createErrors(def: ResourceDef, input: KubeObject): string[] {
  const obj = structuredClone(input);
  obj.metadata.uid = '7d3f2c1a-9b8e-4f6d-a5c4-3b2a1f0e9d8c';
  if (def.namespaced) obj.metadata.namespace ??= 'default';
  obj.metadata.creationTimestamp = '2025-01-01T00:00:00Z';
  def.prepareForCreate?.(obj, { now: new Date('2025-01-01T00:00:00Z'), subresource: '' });
  def.defaults?.(obj);
  return (def.validateCreate?.(obj) ?? []).map(fieldErrorString);
}

describe('core manifest corpus', () => {
  it('is present', () => {
    assert.ok(existsSync(manifestDir), `manifest corpus missing at ${manifestDir}`);
    assert.ok(walk(manifestDir).length > 0, 'manifest corpus is empty');
  });

  const files = existsSync(manifestDir) ? walk(manifestDir) : [];
  const kinds = new Set<string>();
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (!obj || typeof obj !== 'object') continue;
      const def = defFor(obj);
      if (!def) continue;
      kinds.add(obj.kind ?? '');
      it(`${relative(manifestDir, file)}: ${obj.kind}/${obj.metadata.name} defaults and validates cleanly`, () => {
        assert.deepEqual(createErrors(def, obj), []);
      });
    }
  }

  it('covers the core kinds the corpus holds', () => {
    for (const k of [
      'Pod',
      'Service',
      'ConfigMap',
      'Secret',
      'Namespace',
      'ServiceAccount',
      'LimitRange',
      'ResourceQuota',
      'PersistentVolumeClaim',
    ]) {
      assert.ok(kinds.has(k), `no ${k} found in the corpus`);
    }
  });
});
