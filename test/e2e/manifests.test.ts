/**
 * @module End-to-end: every file of the shared manifest corpus applies unchanged with a plain
 * `kubectl apply -f FILE` (into a fresh namespace unless the file names its own), and every object it
 * names then exists.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { manifestsDir, type SkiffProcess, startSkiff } from './harness.js';

const EXPECTED_FILES = 68;

let skiff: SkiffProcess;

before(async () => {
  skiff = await startSkiff();
});

after(async () => {
  await skiff?.cleanup();
});

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.ya?ml$/.test(entry)) out.push(p);
  }
  return out;
}

interface Named {
  kind: string;
  name: string;
  namespace: string | undefined;
}

/** The objects a manifest file names (kind, name and any namespace it pins). */
function objectsOf(file: string): Named[] {
  const out: Named[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
    if (!o?.kind) continue;
    out.push({ kind: o.kind, name: o.metadata?.name ?? '', namespace: o.metadata?.namespace });
  }
  return out;
}

/** kubectl's printed resource name for a kind, e.g. `deployment.apps/web`. */
function printedName(kind: string, name: string): RegExp {
  return new RegExp(
    `^${kind.toLowerCase()}(\\.[a-z0-9.-]+)?/${name.replaceAll('.', '\\.')} (created|configured|unchanged)$`,
    'm',
  );
}

/**
 * What kubectl apply owns of each object: everything but status, the resourceVersion and the field
 * managers of the control loops (a controller may write status or its own fields between two reads).
 */
function appliedState(listJson: string): unknown[] {
  const parsed = JSON.parse(listJson) as { kind: string; items?: KubeItem[] } & KubeItem;
  const items = parsed.kind === 'List' ? parsed.items! : [parsed];
  return items.map((it) => {
    const { status: _status, ...rest } = it;
    const { resourceVersion: _rv, managedFields, annotations, ...metadata } = it.metadata;
    const kubectlFields = (managedFields ?? []).filter((m) => m.manager.startsWith('kubectl'));
    // Annotations a control loop owns (a Deployment's revision, say) are theirs to change.
    const controllerOwned = new Set(
      (managedFields ?? [])
        .filter((m) => !m.manager.startsWith('kubectl'))
        .flatMap((m) => Object.keys(m.fieldsV1?.['f:metadata']?.['f:annotations'] ?? {}))
        .map((k) => k.slice('f:'.length)),
    );
    const kept = Object.entries(annotations ?? {}).filter(([k]) => !controllerOwned.has(k));
    return { ...rest, metadata: { ...metadata, annotations: kept, managedFields: kubectlFields } };
  });
}

interface KubeItem {
  kind: string;
  status?: unknown;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; fieldsV1?: { 'f:metadata'?: { 'f:annotations'?: object } } }[];
  };
}

const root = manifestsDir();
// Sorted paths put namespace.yaml before serviceaccount.yaml in the folder that needs that order.
const files = walk(root).sort();

describe('manifest corpus', () => {
  test('the corpus has every file INDEX.md lists', () => {
    assert.equal(files.length, EXPECTED_FILES);
    const index = readFileSync(join(root, 'INDEX.md'), 'utf8');
    for (const f of files)
      assert.ok(index.includes(`\`${relative(root, f)}\``), `INDEX.md lists ${relative(root, f)}`);
  });

  test('a namespace a file pins is made by an earlier file', () => {
    const made = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
    for (const f of files) {
      for (const o of objectsOf(f)) {
        if (o.namespace)
          assert.ok(made.has(o.namespace), `${relative(root, f)} needs namespace ${o.namespace} first`);
        if (o.kind === 'Namespace') made.add(o.name);
      }
    }
  });

  files.forEach((file, i) => {
    const rel = relative(root, file);
    test(rel, async () => {
      const objects = objectsOf(file);
      assert.ok(objects.length > 0, 'the file names objects');
      const pinsNamespace = objects.some((o) => o.namespace !== undefined);
      const args = ['apply', '-f', file];
      let ns: string | undefined;
      if (!pinsNamespace) {
        ns = `corpus-${i}`;
        await skiff.kubectlOk(['create', 'namespace', ns]);
        args.unshift('-n', ns);
      }
      const r = await skiff.kubectl(args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}:\n${r.stderr}\n${r.stdout}`);
      for (const o of objects)
        assert.match(r.stdout, printedName(o.kind, o.name), `${o.kind}/${o.name} in:\n${r.stdout}`);

      const got = await skiff.kubectl([...(ns ? ['-n', ns] : []), 'get', '-f', file, '-o', 'json']);
      assert.equal(got.code, 0, `kubectl get -f ${rel}:\n${got.stderr}`);
      const parsed = JSON.parse(got.stdout) as { kind: string; items?: KubeItem[] } & KubeItem;
      const items = parsed.kind === 'List' ? parsed.items! : [parsed];
      assert.deepEqual(
        items.map((it) => `${it.kind}/${it.metadata.name}`),
        objects.map((o) => `${o.kind}/${o.name}`),
      );
      for (const [j, it] of items.entries()) {
        assert.ok(it.metadata.uid, `${it.kind}/${it.metadata.name} has a uid`);
        const want = objects[j]!.namespace ?? ns;
        if (it.metadata.namespace !== undefined) assert.equal(it.metadata.namespace, want);
      }

      // Applying the same file again changes nothing on the server. (kubectl may still send a patch and say
      // "configured", as against kube-apiserver: atomic lists the server defaults, canonicalized quantities.)
      const again = await skiff.kubectl(args);
      assert.equal(again.code, 0, again.stderr);
      const after = await skiff.kubectlOk([...(ns ? ['-n', ns] : []), 'get', '-f', file, '-o', 'json']);
      assert.deepEqual(
        appliedState(after),
        appliedState(got.stdout),
        `re-applying ${rel} wrote:\n${again.stdout}`,
      );
    });
  });
});
