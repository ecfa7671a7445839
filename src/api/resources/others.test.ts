import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { fieldErrorString } from '../errors.js';
import type { KubeObject } from '../object.js';
import { apiVersionOf } from '../resource.js';
import type { ResourceDef } from '../resource.js';
import { otherResources, systemPriorityClasses } from './others.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const manifestDir = resolve(repoRoot, '../shared/data/manifests');

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.ya?ml$/.test(entry)) out.push(p);
  }
  return out;
}

function defFor(obj: KubeObject): ResourceDef | undefined {
  return otherResources.find((d) => apiVersionOf(d) === obj.apiVersion && d.kind === obj.kind);
}

/** The create path of the generic apiserver, minus storage: prepare, default, validate. */
function createErrors(def: ResourceDef, input: KubeObject): string[] {
  const obj = structuredClone(input);
  obj.metadata.uid = '0f9c2b4e-5a71-4c1e-9a43-2d7e0c1f8b6a';
  if (def.namespaced) obj.metadata.namespace ??= 'default';
  obj.metadata.creationTimestamp = '2025-01-01T00:00:00Z';
  def.prepareForCreate?.(obj, { now: new Date('2025-01-01T00:00:00Z'), subresource: '' });
  def.defaults?.(obj);
  return (def.validateCreate?.(obj) ?? []).map(fieldErrorString);
}

describe('manifest corpus', () => {
  it('is present', () => {
    assert.ok(existsSync(manifestDir), `manifest corpus missing at ${manifestDir}`);
    assert.ok(walk(manifestDir).length > 0, 'manifest corpus is empty');
  });

  const files = existsSync(manifestDir) ? walk(manifestDir) : [];
  let owned = 0;
  for (const file of files) {
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    for (const doc of docs) {
      const obj = doc.toJS() as KubeObject | null;
      if (!obj || typeof obj !== 'object') continue;
      const def = defFor(obj);
      if (!def) continue;
      owned++;
      it(`${relative(manifestDir, file)}: ${obj.kind}/${obj.metadata.name} defaults and validates cleanly`, () => {
        assert.deepEqual(createErrors(def, obj), []);
      });
    }
  }
  it('contains objects of the kinds declared here', () => {
    assert.ok(owned >= 20, `only ${owned} objects of these kinds found`);
  });
});

describe('otherResources', () => {
  it('declares each group/version/plural once', () => {
    const keys = otherResources.map((d) => `${d.group}/${d.version}/${d.plural}`);
    assert.equal(new Set(keys).size, keys.length);
  });

  const expected: Array<[string, string, string, boolean, string[] | undefined]> = [
    ['apps', 'Deployment', 'deployments', true, ['deploy']],
    ['apps', 'ReplicaSet', 'replicasets', true, ['rs']],
    ['apps', 'StatefulSet', 'statefulsets', true, ['sts']],
    ['apps', 'DaemonSet', 'daemonsets', true, ['ds']],
    ['apps', 'ControllerRevision', 'controllerrevisions', true, undefined],
    ['batch', 'Job', 'jobs', true, undefined],
    ['batch', 'CronJob', 'cronjobs', true, ['cj']],
    ['coordination.k8s.io', 'Lease', 'leases', true, undefined],
    ['events.k8s.io', 'Event', 'events', true, ['ev']],
    ['scheduling.k8s.io', 'PriorityClass', 'priorityclasses', false, ['pc']],
    ['policy', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb']],
    ['discovery.k8s.io', 'EndpointSlice', 'endpointslices', true, undefined],
    ['rbac.authorization.k8s.io', 'Role', 'roles', true, undefined],
    ['rbac.authorization.k8s.io', 'ClusterRole', 'clusterroles', false, undefined],
    ['rbac.authorization.k8s.io', 'RoleBinding', 'rolebindings', true, undefined],
    ['rbac.authorization.k8s.io', 'ClusterRoleBinding', 'clusterrolebindings', false, undefined],
    ['apps.kruise.io', 'CloneSet', 'clonesets', true, ['clone']],
  ];
  for (const [group, kind, plural, namespaced, shortNames] of expected) {
    it(`${plural}.${group}: ${kind}, ${namespaced ? 'namespaced' : 'cluster-scoped'}`, () => {
      const def = otherResources.find((d) => d.group === group && d.plural === plural);
      assert.ok(def);
      assert.equal(def.kind, kind);
      assert.equal(def.namespaced, namespaced);
      assert.deepEqual(def.shortNames, shortNames);
      assert.equal(def.table?.length ? true : false, true);
    });
  }

  it('puts the workloads in the "all" category, as upstream', () => {
    const all = otherResources.filter((d) => d.categories?.includes('all')).map((d) => d.plural);
    assert.deepEqual(all.sort(), [
      'cronjobs',
      'daemonsets',
      'deployments',
      'jobs',
      'replicasets',
      'statefulsets',
    ]);
  });

  it('exports the two system priority classes with upstream values', () => {
    const byName = new Map(systemPriorityClasses.map((c) => [c.metadata.name, c]));
    assert.equal(byName.get('system-cluster-critical')?.value, 2000000000);
    assert.equal(byName.get('system-node-critical')?.value, 2000001000);
    for (const c of systemPriorityClasses) {
      assert.equal(c.globalDefault, false);
      assert.equal(c.preemptionPolicy, 'PreemptLowerPriority');
      const def = otherResources.find((d) => d.kind === 'PriorityClass');
      assert.deepEqual(def?.validateCreate?.(structuredClone(c)), []);
    }
  });
});
