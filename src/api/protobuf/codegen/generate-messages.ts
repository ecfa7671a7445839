/**
 * @module Generates `../messages.ts` from an upstream k8s.io/api and k8s.io/apimachinery source tree:
 * field numbers and proto types from each package's generated.proto, JSON names, omitempty, inline and
 * pointer-ness from the Go struct tags. Only facts are carried over (no comments or code).
 *
 * Usage: `npx tsx src/api/protobuf/codegen/generate-messages.ts <k8s.io/api dir> <k8s.io/apimachinery dir> <label>`,
 * then `npx prettier --write src/api/protobuf/messages.ts`. The directories are source trees of the two modules
 * (e.g. `git archive` of a release tag); `<label>` names that release in the output's header.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Kinds whose messages (and everything they reach) are emitted. `<Kind>List` is added when upstream has one. */
const ROOTS: Record<string, string[]> = {
  v1: [
    'Namespace',
    'ConfigMap',
    'Secret',
    'Service',
    'ServiceAccount',
    'Pod',
    'PodTemplate',
    'ReplicationController',
    'Event',
    'Endpoints',
    'LimitRange',
    'PersistentVolumeClaim',
    'PersistentVolume',
    'Node',
    'Binding',
    'ResourceQuota',
  ],
  'apps/v1': ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'],
  'batch/v1': ['Job', 'CronJob'],
  'rbac.authorization.k8s.io/v1': ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'policy/v1': ['PodDisruptionBudget', 'Eviction'],
  'coordination.k8s.io/v1': ['Lease'],
  'discovery.k8s.io/v1': ['EndpointSlice'],
  'autoscaling/v1': ['Scale', 'HorizontalPodAutoscaler'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'networking.k8s.io/v1': ['Ingress', 'IngressClass', 'NetworkPolicy'],
  'events.k8s.io/v1': ['Event'],
  'authentication.k8s.io/v1': ['TokenRequest'],
  'storage.k8s.io/v1': ['StorageClass'],
  'meta.k8s.io/v1': ['DeleteOptions', 'Status'],
};

/** Messages with a hand-written codec in well-known.ts; referenced, never emitted. */
const SPECIAL = new Set([
  'meta.v1.Time',
  'meta.v1.MicroTime',
  'meta.v1.Duration',
  'meta.v1.FieldsV1',
  'resource.Quantity',
  'intstr.IntOrString',
  'runtime.RawExtension',
]);

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float']);

interface ProtoField {
  label: 'optional' | 'repeated' | 'map';
  type: string;
  name: string;
  number: number;
}

interface GoField {
  goType: string;
  jsonName: string;
  omitempty: boolean;
  inline: boolean;
  pbName: string | undefined;
  pbNumber: number;
}

const protoPackages = new Map<string, Map<string, ProtoField[]>>();
const goPackages = new Map<string, Map<string, GoField[]>>();

function shortPackage(protoPackage: string): string {
  const api = /^k8s\.io\.api\.(\w+)\.(\w+)$/.exec(protoPackage);
  if (api) return `${api[1]}.${api[2]}`;
  const known: Record<string, string> = {
    'k8s.io.apimachinery.pkg.apis.meta.v1': 'meta.v1',
    'k8s.io.apimachinery.pkg.runtime': 'runtime',
    'k8s.io.apimachinery.pkg.runtime.schema': 'schema',
    'k8s.io.apimachinery.pkg.api.resource': 'resource',
    'k8s.io.apimachinery.pkg.util.intstr': 'intstr',
  };
  const s = known[protoPackage];
  if (!s) throw new Error(`unmapped proto package ${protoPackage}`);
  return s;
}

function sourceDir(pkg: string, apiDir: string, machineryDir: string): string {
  const machinery: Record<string, string> = {
    'meta.v1': 'pkg/apis/meta/v1',
    runtime: 'pkg/runtime',
    resource: 'pkg/api/resource',
    intstr: 'pkg/util/intstr',
  };
  const m = machinery[pkg];
  if (m) return join(machineryDir, m);
  return join(apiDir, ...pkg.split('.'));
}

function parseProto(file: string): void {
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, ''))
    .join('\n')
    .replace(/\/\*[\s\S]*?\*\//g, '');
  const pkgMatch = /^package\s+([\w.]+);/m.exec(text);
  if (!pkgMatch?.[1]) throw new Error(`no package in ${file}`);
  const pkg = shortPackage(pkgMatch[1]);
  const messages = new Map<string, ProtoField[]>();
  const resolve = (t: string): string => {
    if (SCALARS.has(t)) return t;
    const dot = t.replace(/^\./, '').lastIndexOf('.');
    if (dot < 0) return `${pkg}.${t}`;
    const bare = t.replace(/^\./, '');
    return `${shortPackage(bare.slice(0, dot))}.${bare.slice(dot + 1)}`;
  };
  for (const m of text.matchAll(/^message\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const [, name, body] = m;
    if (!name || body === undefined) continue;
    const fields: ProtoField[] = [];
    for (const raw of body.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      const plain = /^(optional|repeated|required)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;$/.exec(line);
      const map = /^map<\s*(\w+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;$/.exec(line);
      if (plain?.[1] && plain[2] && plain[3] && plain[4]) {
        fields.push({
          label: plain[1] === 'repeated' ? 'repeated' : 'optional',
          type: resolve(plain[2]),
          name: plain[3],
          number: Number(plain[4]),
        });
      } else if (map?.[1] && map[2] && map[3] && map[4]) {
        if (map[1] !== 'string') throw new Error(`${pkg}.${name}: non-string map key`);
        fields.push({ label: 'map', type: resolve(map[2]), name: map[3], number: Number(map[4]) });
      } else {
        throw new Error(`${pkg}.${name}: cannot parse "${line}"`);
      }
    }
    messages.set(name, fields);
  }
  protoPackages.set(pkg, messages);
}

function parseTags(tags: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tags.matchAll(/(\w+):"([^"]*)"/g)) if (m[1] && m[2] !== undefined) out.set(m[1], m[2]);
  return out;
}

function parseGoPackage(pkg: string, dir: string): void {
  const structs = new Map<string, GoField[]>();
  const files = readdirSync(dir).filter(
    (f) => f.endsWith('.go') && !f.endsWith('_test.go') && !f.startsWith('zz_') && !f.startsWith('generated'),
  );
  for (const f of files) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    let current: GoField[] | undefined;
    for (const line of lines) {
      const start = /^type (\w+) struct \{$/.exec(line);
      if (start?.[1]) {
        current = [];
        structs.set(start[1], current);
        continue;
      }
      if (!current) continue;
      if (line === '}') {
        current = undefined;
        continue;
      }
      const field = /^\s*(?:(\w+)\s+)?([^\s`]+)\s+`([^`]*)`/.exec(line.replace(/^\s*\/\/.*$/, ''));
      if (!field?.[2] || field[3] === undefined) continue;
      const tags = parseTags(field[3]);
      const pb = tags.get('protobuf');
      if (!pb || pb === '-') continue;
      const pbParts = pb.split(',');
      const pbName = pbParts.find((p) => p.startsWith('name='))?.slice(5);
      const pbNumber = Number(pbParts[1]);
      if (!Number.isInteger(pbNumber)) throw new Error(`${pkg}: bad protobuf tag ${pb}`);
      const json = (tags.get('json') ?? '').split(',');
      const jsonName = json[0] ?? '';
      current.push({
        goType: field[2],
        jsonName,
        omitempty: json.includes('omitempty'),
        inline: json.includes('inline') || (field[1] === undefined && jsonName === ''),
        pbName,
        pbNumber,
      });
    }
  }
  goPackages.set(pkg, structs);
}

function load(pkg: string, apiDir: string, machineryDir: string): void {
  if (protoPackages.has(pkg)) return;
  const dir = sourceDir(pkg, apiDir, machineryDir);
  parseProto(join(dir, 'generated.proto'));
  parseGoPackage(pkg, dir);
}

function splitName(full: string): [string, string] {
  const dot = full.lastIndexOf('.');
  return [full.slice(0, dot), full.slice(dot + 1)];
}

function main(): void {
  const [apiDir, machineryDir, version] = process.argv.slice(2);
  if (!apiDir || !machineryDir || !version) {
    throw new Error('usage: generate-messages <k8s.io/api dir> <k8s.io/apimachinery dir> <version label>');
  }
  const kinds: Record<string, Record<string, string>> = {};
  const queue: string[] = [];
  for (const [apiVersion, names] of Object.entries(ROOTS)) {
    const [group, ver] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const pkg = group === 'meta.k8s.io' ? `meta.${ver}` : `${(group ?? '').split('.')[0] || 'core'}.${ver}`;
    load(pkg, apiDir, machineryDir);
    const table: Record<string, string> = {};
    for (const kind of names) {
      for (const k of [kind, `${kind}List`]) {
        if (!protoPackages.get(pkg)?.has(k)) {
          if (k === kind) throw new Error(`${apiVersion} ${kind}: no message ${pkg}.${kind}`);
          continue;
        }
        table[k] = `${pkg}.${k}`;
        queue.push(`${pkg}.${k}`);
      }
    }
    kinds[apiVersion] = table;
  }

  const emitted = new Map<string, string[]>();
  const seen = new Set<string>();
  while (queue.length > 0) {
    const full = queue.shift() as string;
    if (seen.has(full)) continue;
    seen.add(full);
    if (SPECIAL.has(full)) continue;
    const [pkg, name] = splitName(full);
    load(pkg, apiDir, machineryDir);
    const proto = protoPackages.get(pkg)?.get(name);
    const go = goPackages.get(pkg)?.get(name);
    if (!proto) throw new Error(`no proto message ${full}`);
    if (!go) throw new Error(`no Go struct for ${full}`);
    const lines: string[] = [];
    const byNumber = new Map(proto.map((f) => [f.number, f]));
    const used = new Set<string>();
    for (const g of go) {
      const p = byNumber.get(g.pbNumber);
      if (!p) throw new Error(`${full}: Go field ${g.pbNumber} not in generated.proto`);
      if (g.pbName !== undefined && p.name !== g.pbName) throw new Error(`${full}.${p.name}: name mismatch`);
      used.add(p.name);
      if (g.jsonName === '-') throw new Error(`${full}.${p.name}: hidden from JSON`);
      const pointer = g.goType.startsWith('*');
      let flags = '';
      if (p.label === 'repeated') flags += 'r';
      if (p.label === 'map') flags += 'm';
      if (pointer) flags += 'p';
      if (g.omitempty) flags += 'o';
      if (g.inline) {
        if (pointer || p.label !== 'optional' || SCALARS.has(p.type))
          throw new Error(`${full}.${p.name}: odd inline`);
        flags += 'i';
      }
      if (p.label !== 'optional' && pointer) throw new Error(`${full}.${p.name}: pointer to collection`);
      if (!SCALARS.has(p.type)) queue.push(p.type);
      const type = JSON.stringify(p.type);
      const key = g.inline ? p.name : g.jsonName;
      if (!/^[A-Za-z_]\w*$/.test(key)) throw new Error(`${full}.${p.name}: odd JSON name ${key}`);
      lines.push(`    ${key}: [${p.number}, ${type}${flags ? `, '${flags}'` : ''}],`);
    }
    for (const p of proto) if (!used.has(p.name)) throw new Error(`${full}.${p.name}: no Go field`);
    emitted.set(full, lines);
  }

  const out: string[] = [
    `/** @module Kubernetes protobuf message declarations, generated from upstream ${version} by codegen/generate-messages.ts. */`,
    '// Do not edit by hand: regenerate. Field tuple: [number, type, flags]; flags: r repeated, m map (string keys),',
    '// p Go pointer, o JSON omitempty, i JSON inline.',
    "import type { KindTable, MessageTable } from './schema.js';",
    '',
    'export const MESSAGES: MessageTable = {',
  ];
  for (const full of [...emitted.keys()].sort()) {
    out.push(`  ${JSON.stringify(full).replace(/"/g, "'")}: {`, ...(emitted.get(full) ?? []), '  },');
  }
  out.push('};', '', 'export const KINDS: KindTable = {');
  for (const [apiVersion, table] of Object.entries(kinds)) {
    out.push(`  '${apiVersion}': {`);
    for (const [kind, msg] of Object.entries(table)) out.push(`    ${kind}: '${msg}',`);
    out.push('  },');
  }
  out.push('};', '');
  const target = fileURLToPath(new URL('../messages.ts', import.meta.url));
  writeFileSync(target, out.join('\n').replace(/"/g, "'"));
  process.stdout.write(
    `${emitted.size} messages, ${Object.values(kinds).flatMap(Object.keys).length} kinds\n`,
  );
}

main();
