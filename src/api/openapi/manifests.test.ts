import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { definitionNameForKind, validateAgainstSchema } from './index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const manifestsDir = join(repoRoot, '../shared/data/manifests');

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(entry)) out.push(p);
  }
  return out;
}

void test('the manifest corpus is present', () => {
  assert.ok(existsSync(manifestsDir), `manifest corpus missing at ${manifestsDir}`);
  assert.ok(yamlFiles(manifestsDir).length >= 60);
});

void test('every corpus manifest validates with no unknown fields and no type errors', () => {
  const files = yamlFiles(manifestsDir);
  let objects = 0;
  const kinds = new Set<string>();
  for (const file of files) {
    const name = relative(manifestsDir, file);
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${name}: YAML errors`);
      const obj = doc.toJS() as { apiVersion?: string; kind?: string } | null;
      if (obj === null || obj === undefined) continue;
      assert.equal(typeof obj.apiVersion, 'string', `${name}: apiVersion`);
      assert.equal(typeof obj.kind, 'string', `${name}: kind`);
      const apiVersion = obj.apiVersion as string;
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      const definition = definitionNameForKind({
        group: group ?? '',
        version: version ?? '',
        kind: obj.kind as string,
      });
      if (!definition) assert.fail(`${name}: no definition for ${apiVersion} ${obj.kind}`);
      const result = validateAgainstSchema(obj, definition);
      assert.deepEqual(result, { unknownFields: [], typeErrors: [] }, `${name} (${obj.kind})`);
      objects++;
      kinds.add(obj.kind as string);
    }
  }
  assert.ok(objects >= files.length, `only ${objects} objects in ${files.length} files`);
  assert.ok(kinds.has('CloneSet') && kinds.has('Deployment') && kinds.has('Pod'));
});
