/**
 * @module Generates src/api/openapi/generated/{definitions.json,types.ts} from the model metadata
 * that @kubernetes/client-node ships (field names, JSON names, types, formats, required fields),
 * plus our overlay (upstream definition names, patch/list/map metadata, Quantity fields).
 * Run by hand: `npx tsx scripts/gen-openapi.ts`. The output is committed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OVERLAY, type FieldOverlay } from '../src/api/openapi/overlay.js';
import { KRUISE_DEFINITIONS } from '../src/api/openapi/kruise.js';
import {
  FIELDS_V1,
  INT_OR_STRING,
  MICRO_TIME,
  QUANTITY,
  RAW_EXTENSION,
  TIME,
  PATCH,
  ref,
  refName,
  type GroupVersionKind,
  type Schema,
} from '../src/api/openapi/schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = join(root, 'node_modules/@kubernetes/client-node/dist/gen/models');
const outDir = join(root, 'src/api/openapi/generated');

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
interface Model {
  attributes: Attribute[];
  required: Set<string>;
}

const PKG = {
  core: 'io.k8s.api.core.v1',
  apps: 'io.k8s.api.apps.v1',
  batch: 'io.k8s.api.batch.v1',
  policy: 'io.k8s.api.policy.v1',
  rbac: 'io.k8s.api.rbac.v1',
  discovery: 'io.k8s.api.discovery.v1',
  coordination: 'io.k8s.api.coordination.v1',
  scheduling: 'io.k8s.api.scheduling.v1',
  events: 'io.k8s.api.events.v1',
  autoscaling: 'io.k8s.api.autoscaling.v1',
  meta: 'io.k8s.apimachinery.pkg.apis.meta.v1',
} as const;
type Pkg = keyof typeof PKG;

const GROUP: Record<Exclude<Pkg, 'meta'>, string> = {
  core: '',
  apps: 'apps',
  batch: 'batch',
  policy: 'policy',
  rbac: 'rbac.authorization.k8s.io',
  discovery: 'discovery.k8s.io',
  coordination: 'coordination.k8s.io',
  scheduling: 'scheduling.k8s.io',
  events: 'events.k8s.io',
  autoscaling: 'autoscaling',
};

/** Served kinds: client-node class, package, whether a List kind exists, our short description. */
const KINDS: Array<[cls: string, pkg: Exclude<Pkg, 'meta'>, hasList: boolean, description: string]> = [
  ['V1Namespace', 'core', true, 'Namespace scopes the names of namespaced objects.'],
  ['V1Node', 'core', true, 'Node is a machine that runs pods; its status is reported by the node agent.'],
  ['V1Pod', 'core', true, 'Pod is a group of containers scheduled together onto one node.'],
  ['V1Binding', 'core', false, 'Binding assigns a pod to a node (the pods/binding subresource).'],
  [
    'V1Service',
    'core',
    true,
    'Service exposes a set of pods, chosen by a label selector, behind one name and virtual IP.',
  ],
  ['V1Endpoints', 'core', true, 'Endpoints lists the addresses that back a service.'],
  ['V1ConfigMap', 'core', true, 'ConfigMap holds non-secret configuration as key-value pairs.'],
  ['V1Secret', 'core', true, 'Secret holds sensitive data as base64-encoded key-value pairs.'],
  ['V1ServiceAccount', 'core', true, 'ServiceAccount is an identity for processes running in pods.'],
  ['CoreV1Event', 'core', true, 'Event reports something that happened to an object (core/v1 form).'],
  ['V1PersistentVolumeClaim', 'core', true, 'PersistentVolumeClaim is a request for storage by a user.'],
  ['V1ResourceQuota', 'core', true, 'ResourceQuota caps the total resources used in a namespace.'],
  ['V1LimitRange', 'core', true, 'LimitRange sets per-object resource limits and defaults in a namespace.'],
  ['V1PodTemplate', 'core', true, 'PodTemplate is a stored template for creating pods.'],
  [
    'V1ReplicationController',
    'core',
    true,
    'ReplicationController keeps a number of identical pods running (the older form of ReplicaSet).',
  ],
  ['V1PersistentVolume', 'core', true, 'PersistentVolume is a piece of storage provisioned in the cluster.'],
  ['V1ComponentStatus', 'core', true, 'ComponentStatus reports the health of a control-plane component.'],
  [
    'V1Eviction',
    'policy',
    false,
    'Eviction asks for a pod to be deleted, respecting disruption budgets (pods/eviction).',
  ],
  [
    'V1PodDisruptionBudget',
    'policy',
    true,
    'PodDisruptionBudget limits voluntary disruption of a set of pods.',
  ],
  [
    'V1Scale',
    'autoscaling',
    false,
    'Scale is the replica count of a scalable resource (the scale subresource).',
  ],
  ['V1Deployment', 'apps', true, 'Deployment declares pods and replica sets and rolls out changes to them.'],
  ['V1ReplicaSet', 'apps', true, 'ReplicaSet keeps a number of identical pods running.'],
  ['V1StatefulSet', 'apps', true, 'StatefulSet runs pods with stable identities and per-pod storage.'],
  ['V1DaemonSet', 'apps', true, 'DaemonSet runs one copy of a pod on each selected node.'],
  [
    'V1ControllerRevision',
    'apps',
    true,
    'ControllerRevision is an immutable snapshot of a controller state.',
  ],
  ['V1Job', 'batch', true, 'Job runs pods until a number of them complete successfully.'],
  ['V1CronJob', 'batch', true, 'CronJob creates jobs on a repeating schedule.'],
  [
    'V1Lease',
    'coordination',
    true,
    'Lease is a lock held by one holder for a duration, used for leader election and heartbeats.',
  ],
  [
    'EventsV1Event',
    'events',
    true,
    'Event reports something that happened to an object (events.k8s.io/v1 form).',
  ],
  ['V1PriorityClass', 'scheduling', true, 'PriorityClass maps a name to a pod priority value.'],
  [
    'V1EndpointSlice',
    'discovery',
    true,
    'EndpointSlice lists a subset of the endpoints that back a service.',
  ],
  ['V1Role', 'rbac', true, 'Role grants permissions within one namespace.'],
  [
    'V1RoleBinding',
    'rbac',
    true,
    'RoleBinding grants the permissions of a role to subjects within one namespace.',
  ],
  [
    'V1ClusterRole',
    'rbac',
    true,
    'ClusterRole grants permissions cluster-wide or, through role bindings, in namespaces.',
  ],
  [
    'V1ClusterRoleBinding',
    'rbac',
    true,
    'ClusterRoleBinding grants the permissions of a cluster role cluster-wide.',
  ],
];

/** Meta types (apimachinery meta/v1) by client-node class; gvk true means kind {"" , v1}. */
const META: Record<string, boolean> = {
  V1ObjectMeta: false,
  V1ListMeta: false,
  V1LabelSelector: false,
  V1LabelSelectorRequirement: false,
  V1OwnerReference: false,
  V1ManagedFieldsEntry: false,
  V1Condition: false,
  V1Status: true,
  V1StatusDetails: false,
  V1StatusCause: false,
  V1DeleteOptions: false,
  V1Preconditions: false,
  V1APIResourceList: true,
  V1APIResource: false,
  V1APIGroup: true,
  V1APIGroupList: true,
  V1APIVersions: true,
  V1GroupVersionForDiscovery: false,
  V1ServerAddressByClientCIDR: false,
  V1WatchEvent: false,
};

/** Group-versions listed on DeleteOptions and WatchEvent, as upstream lists every registered one. */
const SERVED_GVS: Array<[string, string]> = [
  ['', 'v1'],
  ['apps', 'v1'],
  ['apps.kruise.io', 'v1alpha1'],
  ['autoscaling', 'v1'],
  ['batch', 'v1'],
  ['coordination.k8s.io', 'v1'],
  ['discovery.k8s.io', 'v1'],
  ['events.k8s.io', 'v1'],
  ['policy', 'v1'],
  ['rbac.authorization.k8s.io', 'v1'],
  ['scheduling.k8s.io', 'v1'],
];

/** Definitions client-node has no class for. */
const SPECIAL: Record<string, Schema> = {
  [QUANTITY]: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  [INT_OR_STRING]: {
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
  [TIME]: { type: 'string', format: 'date-time' },
  [MICRO_TIME]: { type: 'string', format: 'date-time' },
  [RAW_EXTENSION]: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  [FIELDS_V1]: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  [PATCH]: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
};

const models = new Map<string, Model>();

async function loadModel(cls: string): Promise<Model> {
  const cached = models.get(cls);
  if (cached) return cached;
  const mod = (await import(pathToFileURL(join(modelsDir, `${cls}.js`)).href)) as Record<
    string,
    { attributeTypeMap?: Attribute[] }
  >;
  const attributes = mod[cls]?.attributeTypeMap;
  if (!attributes) throw new Error(`client-node model ${cls} has no attributeTypeMap`);
  const dts = readFileSync(join(modelsDir, `${cls}.d.ts`), 'utf8');
  const required = new Set<string>();
  for (const m of dts.matchAll(/^\s+'([^']+)'(\?)?:/gm)) if (!m[2] && m[1]) required.add(m[1]);
  const model = { attributes, required };
  models.set(cls, model);
  return model;
}

const CLASS_PREFIX = /^(V1|CoreV1|EventsV1|DiscoveryV1|RbacV1)(?=[A-Z])/;

function goName(cls: string): string {
  return cls.replace(CLASS_PREFIX, '');
}

/** Class names an attribute type refers to. */
function referencedClasses(type: string): string[] {
  return [...type.matchAll(/\b((?:V1|CoreV1|EventsV1|DiscoveryV1|RbacV1)[A-Z]\w*)/g)]
    .map((m) => m[1] ?? '')
    .filter((c) => c !== 'V1MicroTime');
}

// --- package assignment: meta by table; otherwise core if any core kind reaches it, else the single package reaching it.
const reachers = new Map<string, Set<Pkg>>();

async function walk(cls: string, pkg: Pkg): Promise<void> {
  let set = reachers.get(cls);
  if (set?.has(pkg)) return;
  if (!set) reachers.set(cls, (set = new Set()));
  set.add(pkg);
  const model = await loadModel(cls);
  for (const a of model.attributes) for (const c of referencedClasses(a.type)) await walk(c, pkg);
}

function packageOf(cls: string): Pkg {
  if (cls in META) return 'meta';
  const set = reachers.get(cls);
  if (!set) throw new Error(`${cls} not reached`);
  if (set.has('core')) return 'core';
  const pkgs = [...set].filter((p) => p !== 'meta');
  if (pkgs.length !== 1 || !pkgs[0])
    throw new Error(`${cls} is reached from several packages: ${pkgs.join(', ')}`);
  return pkgs[0];
}

function defName(cls: string): string {
  return `${PKG[packageOf(cls)]}.${goName(cls)}`;
}

function scalar(type: string, format: string, where: string): Schema {
  switch (type) {
    case 'string':
      return format ? { type: 'string', format } : { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'number':
      if (format === 'int32' || format === 'int64') return { type: 'integer', format };
      return format ? { type: 'number', format } : { type: 'number' };
    case 'Date':
      return ref(format === 'date-time-micro' ? MICRO_TIME : TIME);
    case 'V1MicroTime':
      return ref(MICRO_TIME);
    case 'IntOrString':
      return ref(INT_OR_STRING);
    default:
      if (CLASS_PREFIX.test(type)) return ref(defName(type));
      throw new Error(`unsupported type ${type} at ${where}`);
  }
}

const HOLDS: Record<NonNullable<FieldOverlay['holds']>, string> = {
  Quantity: QUANTITY,
  RawExtension: RAW_EXTENSION,
  FieldsV1: FIELDS_V1,
};

function fieldSchema(a: Attribute, ov: FieldOverlay | undefined, where: string): Schema {
  const leaf = (type: string): Schema => {
    if (ov?.holds) return ref(HOLDS[ov.holds]);
    return scalar(type, a.format, where);
  };
  let s: Schema;
  const arr = /^Array<(.+)>$/.exec(a.type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(a.type);
  if (arr?.[1]) {
    const inner = /^Array<(.+)>$/.exec(arr[1]);
    s = { type: 'array', items: inner?.[1] ? { type: 'array', items: leaf(inner[1]) } : leaf(arr[1]) };
  } else if (map?.[1]) {
    const inner = /^Array<(.+)>$/.exec(map[1]);
    s = {
      type: 'object',
      additionalProperties: inner?.[1] ? { type: 'array', items: leaf(inner[1]) } : leaf(map[1]),
    };
  } else if (a.type === 'any') {
    if (!ov?.holds) throw new Error(`untyped field ${where} needs an overlay 'holds'`);
    s = ref(HOLDS[ov.holds]);
  } else {
    s = leaf(a.type);
  }
  if (ov) {
    if (ov.patchStrategy) s['x-kubernetes-patch-strategy'] = ov.patchStrategy;
    if (ov.patchMergeKey) s['x-kubernetes-patch-merge-key'] = ov.patchMergeKey;
    if (ov.listType) s['x-kubernetes-list-type'] = ov.listType;
    if (ov.listMapKeys) s['x-kubernetes-list-map-keys'] = ov.listMapKeys;
    if (ov.mapType) s['x-kubernetes-map-type'] = ov.mapType;
    if (ov.default !== undefined) s['default'] = ov.default;
  }
  return s;
}

async function main(): Promise<void> {
  const roots: Array<[string, Pkg]> = [];
  const gvks = new Map<string, GroupVersionKind>();
  const descriptions = new Map<string, string>();
  for (const [cls, pkg, hasList, description] of KINDS) {
    const group = GROUP[pkg];
    roots.push([cls, pkg]);
    gvks.set(cls, { group, version: 'v1', kind: goName(cls) });
    descriptions.set(cls, description);
    if (hasList) {
      roots.push([`${cls}List`, pkg]);
      gvks.set(`${cls}List`, { group, version: 'v1', kind: `${goName(cls)}List` });
    }
  }
  for (const cls of Object.keys(META)) roots.push([cls, 'meta']);
  for (const [cls, pkg] of roots) await walk(cls, pkg);

  const out: Record<string, Schema> = {};
  const usedOverlay = new Set<string>();
  for (const cls of [...reachers.keys()].sort()) {
    const name = defName(cls);
    if (out[name]) throw new Error(`two classes map to ${name}`);
    const model = await loadModel(cls);
    const ov = OVERLAY[name];
    if (ov) usedOverlay.add(name);
    const def: Schema = {};
    const description = descriptions.get(cls);
    if (description) def.description = description;
    const properties: Record<string, Schema> = {};
    for (const a of model.attributes) {
      const fov = ov?.fields?.[a.baseName];
      properties[a.baseName] = fieldSchema(a, fov, `${name}.${a.baseName}`);
    }
    for (const f of Object.keys(ov?.fields ?? {}))
      if (!properties[f]) throw new Error(`overlay names ${name}.${f}, which client-node lacks`);
    if (model.attributes.length) def.properties = properties;
    const required = model.attributes.filter((a) => model.required.has(a.name)).map((a) => a.baseName);
    if (required.length) def.required = required;
    def.type = 'object';
    const gvk = gvks.get(cls);
    if (gvk) def['x-kubernetes-group-version-kind'] = [gvk];
    if (cls in META && META[cls])
      def['x-kubernetes-group-version-kind'] = [{ group: '', version: 'v1', kind: goName(cls) }];
    if (cls === 'V1DeleteOptions' || cls === 'V1WatchEvent')
      def['x-kubernetes-group-version-kind'] = SERVED_GVS.map(([group, version]) => ({
        group,
        version,
        kind: goName(cls),
      }));
    if (gvk) describeTopLevel(def);
    if (ov?.mapType) def['x-kubernetes-map-type'] = ov.mapType;
    if (ov?.unions) def['x-kubernetes-unions'] = ov.unions;
    out[name] = def;
  }
  for (const [name, s] of Object.entries(SPECIAL)) out[name] = s;
  for (const name of Object.keys(OVERLAY))
    if (!usedOverlay.has(name)) throw new Error(`overlay names ${name}, which is not generated`);

  const sorted: Record<string, Schema> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k] as Schema;
  checkRefs(sorted);
  await writeFormatted(join(outDir, 'definitions.json'), JSON.stringify(sorted));
  await writeFormatted(join(outDir, 'types.ts'), emitTypes({ ...sorted, ...KRUISE_DEFINITIONS }));
  console.log(`wrote ${Object.keys(sorted).length} definitions`);
}

async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(text, { ...options, filepath: file }));
}

/** Our own one-line descriptions of the standard top-level fields, for `kubectl explain`. */
const TOP_LEVEL: Record<string, string> = {
  apiVersion: 'Group and version of the schema this object is written in, e.g. "apps/v1".',
  kind: 'Type of this object in CamelCase, e.g. "Deployment".',
  spec: 'Desired state, written by the user.',
  status: 'Observed state, written by the system; read-only for users.',
  items: 'The objects of the list.',
};

function describeTopLevel(def: Schema): void {
  for (const [field, schema] of Object.entries(def.properties ?? {})) {
    if (field === 'metadata')
      schema.description = def.properties?.items
        ? 'List metadata: resourceVersion and the continue token.'
        : 'Object metadata: name, namespace, labels, annotations, owners, finalizers.';
    else if (TOP_LEVEL[field]) schema.description = TOP_LEVEL[field];
  }
}

function checkRefs(defs: Record<string, Schema>): void {
  const visit = (s: unknown, where: string): void => {
    if (Array.isArray(s)) s.forEach((x) => visit(x, where));
    else if (s && typeof s === 'object') {
      for (const [k, v] of Object.entries(s)) {
        if (k === '$ref' && typeof v === 'string') {
          const n = refName(v);
          if (!n || !defs[n]) throw new Error(`dangling $ref ${v} in ${where}`);
        } else visit(v, where);
      }
    }
  };
  for (const [name, s] of Object.entries(defs)) visit(s, name);
}

// --- TypeScript types -------------------------------------------------------------------------

const ALIASES: Record<string, string> = {
  [QUANTITY]: 'string | number',
  [INT_OR_STRING]: 'string | number',
  [TIME]: 'string',
  [MICRO_TIME]: 'string',
  [RAW_EXTENSION]: 'Record<string, unknown>',
  [FIELDS_V1]: 'Record<string, unknown>',
  [PATCH]: 'Record<string, unknown>',
};

const PREFIX_BY_PACKAGE: Record<string, string> = {
  'io.k8s.api.events.v1': 'EventsV1',
  'io.k8s.api.discovery.v1': 'DiscoveryV1',
  'io.k8s.api.rbac.v1': 'RbacV1',
  'io.k8s.api.apps.v1': 'AppsV1',
  'io.k8s.api.batch.v1': 'BatchV1',
  'io.k8s.api.policy.v1': 'PolicyV1',
  'io.kruise.apps.v1alpha1': 'Kruise',
  'io.kruise.apps.pub': 'Kruise',
};

function typeNames(defs: Record<string, Schema>): Map<string, string> {
  const byShort = new Map<string, string[]>();
  for (const name of Object.keys(defs)) {
    const short = name.slice(name.lastIndexOf('.') + 1);
    byShort.set(short, [...(byShort.get(short) ?? []), name]);
  }
  const names = new Map<string, string>();
  for (const [short, full] of byShort) {
    for (const name of full) {
      const pkg = name.slice(0, name.lastIndexOf('.'));
      if (full.length === 1 || pkg === PKG.core) names.set(name, short);
      else {
        const prefix = PREFIX_BY_PACKAGE[pkg];
        if (!prefix) throw new Error(`no type prefix for ${pkg} (collision on ${short})`);
        names.set(name, prefix + short);
      }
    }
  }
  return names;
}

function tsType(s: Schema, names: Map<string, string>, indent: string): string {
  if (s.$ref) {
    const n = refName(s.$ref) ?? '';
    const t = names.get(n);
    if (!t) throw new Error(`no type for ${s.$ref}`);
    return t;
  }
  if (s.allOf?.[0]) return tsType(s.allOf[0], names, indent);
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return s.items ? `${wrap(tsType(s.items, names, indent))}[]` : 'unknown[]';
    case 'object':
      if (s.properties) return objectBody(s, names, indent);
      if (s.additionalProperties && typeof s.additionalProperties === 'object')
        return `Record<string, ${tsType(s.additionalProperties, names, indent)}>`;
      return 'Record<string, unknown>';
    default:
      return 'unknown';
  }
}

function wrap(t: string): string {
  return /[ |]/.test(t) && !t.startsWith('Record<') ? `(${t})` : t;
}

function objectBody(s: Schema, names: Map<string, string>, indent: string): string {
  const req = new Set(s.required ?? []);
  const lines = Object.entries(s.properties ?? {}).map(([k, v]) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
    return `${indent}  ${key}${req.has(k) ? '' : '?'}: ${tsType(v, names, indent + '  ')};`;
  });
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function emitTypes(defs: Record<string, Schema>): string {
  const names = typeNames(defs);
  const parts = [
    '/** @module TypeScript types of every served definition. Generated by scripts/gen-openapi.ts; do not edit. */',
    '/* eslint-disable */',
    '',
  ];
  for (const name of Object.keys(defs).sort((a, b) =>
    (names.get(a) ?? '').localeCompare(names.get(b) ?? ''),
  )) {
    const s = defs[name];
    const t = names.get(name);
    if (!s || !t) continue;
    parts.push(`/** ${name} */`);
    const alias = ALIASES[name];
    if (alias) parts.push(`export type ${t} = ${alias};`);
    else if (s.type === 'object' && s.properties)
      parts.push(`export interface ${t} ${objectBody(s, names, '')}`);
    else parts.push(`export type ${t} = ${tsType(s, names, '')};`);
    parts.push('');
  }
  return parts.join('\n');
}

await main();
