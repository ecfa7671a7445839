/**
 * @module The /openapi/v3 root and per-group-version documents that kubectl fetches to validate
 * `apply`/`create -f` (a PATCH operation with the kind's GVK and a fieldValidation query parameter)
 * and to answer `kubectl explain` (components.schemas). Built lazily once per set of resources.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, listKindOf, ALL_VERBS, type ResourceDef, type Verb } from '../resource.js';
import { definitionNameForKind, getDefinition } from './definitions.js';
import {
  APIRESOURCE_LIST,
  DELETE_OPTIONS,
  PATCH,
  SCALE,
  STATUS,
  WATCH_EVENT,
  ref,
  refName,
  type GroupVersionKind,
  type Schema,
} from './schema.js';

/** An OpenAPI v3 document as served at /openapi/v3/<api|apis>/<group-version>. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
  security: Array<Record<string, string[]>>;
}

export interface PathItem {
  parameters?: Parameter[];
  get?: Operation;
  put?: Operation;
  post?: Operation;
  patch?: Operation;
  delete?: Operation;
}

export interface Parameter {
  name: string;
  in: 'query' | 'path';
  required?: boolean;
  schema: { type: string; uniqueItems?: boolean };
}

export interface Operation {
  operationId: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }>; required?: boolean };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind'?: GroupVersionKind;
}

/** The root document: `{ paths: { "apis/apps/v1": { serverRelativeURL: "/openapi/v3/apis/apps/v1?hash=..." } } }`. */
export interface OpenApiRoot {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** A serialized document and its content hash (sha512, upper-case hex, as upstream). */
export interface SerializedDocument {
  json: string;
  hash: string;
}

/** `api/v1` for the core group, `apis/<group>/<version>` otherwise; accepts `v1` or `apps/v1`. */
export function openapiV3PathOf(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

// --- caching: one entry per distinct set of ResourceDef objects --------------------------------

const ids = new WeakMap<ResourceDef, number>();
let nextId = 0;
const cache = new Map<string, { doc: OpenApiDocument; serialized?: SerializedDocument }>();

function cacheKey(groupVersion: string, resources: readonly ResourceDef[]): string {
  const parts = resources
    .filter((r) => apiVersionOf(r) === groupVersion)
    .map((r) => {
      let id = ids.get(r);
      if (id === undefined) ids.set(r, (id = nextId++));
      return id;
    });
  return `${groupVersion}#${parts.join(',')}`;
}

/**
 * The document of one group-version (`v1`, `apps/v1`, ...), built from the resources of that
 * group-version found in `resources` (others are ignored). Cached per (group-version, identical
 * ResourceDef objects): pass the registry's own objects and the work happens once.
 */
export function openapiV3Document(groupVersion: string, resources: readonly ResourceDef[]): OpenApiDocument {
  const key = cacheKey(groupVersion, resources);
  let entry = cache.get(key);
  if (!entry) {
    entry = {
      doc: buildDocument(
        groupVersion,
        resources.filter((r) => apiVersionOf(r) === groupVersion),
      ),
    };
    cache.set(key, entry);
  }
  return entry.doc;
}

/** {@link openapiV3Document} serialized compactly, with its hash; cached the same way. */
export function openapiV3DocumentJson(
  groupVersion: string,
  resources: readonly ResourceDef[],
): SerializedDocument {
  const doc = openapiV3Document(groupVersion, resources);
  const entry = cache.get(cacheKey(groupVersion, resources));
  if (entry?.serialized) return entry.serialized;
  const json = JSON.stringify(doc);
  const serialized = { json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() };
  if (entry) entry.serialized = serialized;
  return serialized;
}

/**
 * The root document listing each group-version with the hash of its document. `resources` are all
 * served resources (the same objects passed to {@link openapiV3Document}).
 */
export function openapiV3Root(
  groupVersions: readonly string[],
  resources: readonly ResourceDef[],
): OpenApiRoot {
  const paths: OpenApiRoot['paths'] = {};
  for (const gv of groupVersions) {
    const path = openapiV3PathOf(gv);
    const { hash } = openapiV3DocumentJson(gv, resources);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

// --- building ----------------------------------------------------------------------------------

const q = (name: string, type = 'string'): Parameter => ({
  name,
  in: 'query',
  schema: { type, uniqueItems: true },
});
const PRETTY = q('pretty');
const NAME: Parameter = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', uniqueItems: true },
};
const NAMESPACE: Parameter = {
  name: 'namespace',
  in: 'path',
  required: true,
  schema: { type: 'string', uniqueItems: true },
};
const LIST_PARAMS = [
  q('allowWatchBookmarks', 'boolean'),
  q('continue'),
  q('fieldSelector'),
  q('labelSelector'),
  q('limit', 'integer'),
  q('resourceVersion'),
  q('resourceVersionMatch'),
  q('sendInitialEvents', 'boolean'),
  q('timeoutSeconds', 'integer'),
  q('watch', 'boolean'),
];
const WRITE_PARAMS = [q('dryRun'), q('fieldManager'), q('fieldValidation')];
const PATCH_PARAMS = [...WRITE_PARAMS, q('force', 'boolean')];
const DELETE_PARAMS = [
  q('dryRun'),
  q('gracePeriodSeconds', 'integer'),
  q('orphanDependents', 'boolean'),
  q('propagationPolicy'),
];
const MEDIA = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const WATCH_MEDIA = [
  ...MEDIA,
  'application/json;stream=watch',
  'application/vnd.kubernetes.protobuf;stream=watch',
];
const PATCH_MEDIA = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];
const UNAUTHORIZED = { description: 'Unauthorized' };

function content(schema: Schema, media: readonly string[] = MEDIA): Record<string, { schema: Schema }> {
  return Object.fromEntries(media.map((m) => [m, { schema }]));
}

function responses(
  schema: Schema,
  codes: Array<[string, string]>,
  media?: readonly string[],
): Operation['responses'] {
  const out: Operation['responses'] = {};
  for (const [code, description] of codes) out[code] = { description, content: content(schema, media) };
  out['401'] = UNAUTHORIZED;
  return out;
}

function camel(s: string): string {
  return s
    .split(/[.\-_]/)
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}

/** Upstream's group part of operation ids and tags: `Core`, `Apps`, `RbacAuthorization`, `AppsKruiseIo`. */
function groupWord(group: string): string {
  if (!group) return 'Core';
  return camel(group.endsWith('.k8s.io') ? group.slice(0, -'.k8s.io'.length) : group);
}

const FREE_FORM: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

function schemaRef(name: string | undefined): Schema {
  return name && getDefinition(name) ? ref(name) : FREE_FORM;
}

function buildDocument(groupVersion: string, resources: readonly ResourceDef[]): OpenApiDocument {
  const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const word = `${groupWord(group ?? '')}${camel(version ?? '')}`;
  const tag = group ? `${word[0]?.toLowerCase()}${groupWord(group).slice(1)}_${version}` : `core_${version}`;
  const paths: Record<string, PathItem> = {};
  const roots = new Set<string>([STATUS, DELETE_OPTIONS, PATCH, WATCH_EVENT, APIRESOURCE_LIST]);

  paths[`${prefix}/`] = {
    get: {
      operationId: `get${word}APIResources`,
      tags: [tag],
      responses: responses(ref(APIRESOURCE_LIST), [['200', 'OK']], MEDIA),
      'x-kubernetes-action': 'get',
    },
  };

  for (const def of [...resources].sort((a, b) => a.plural.localeCompare(b.plural))) {
    const verbs = new Set<Verb>(def.verbs ?? ALL_VERBS);
    const gvk: GroupVersionKind = { group: def.group, version: def.version, kind: def.kind };
    const listName = definitionNameForKind({ ...gvk, kind: listKindOf(def) });
    const kindSchema = schemaRef(def.schema);
    const listSchema = schemaRef(listName);
    if (getDefinition(def.schema)) roots.add(def.schema);
    if (listName) roots.add(listName);
    const ns = def.namespaced ? 'Namespaced' : '';
    const base = def.namespaced
      ? `${prefix}/namespaces/{namespace}/${def.plural}`
      : `${prefix}/${def.plural}`;
    const scopeParams = def.namespaced ? [NAMESPACE, PRETTY] : [PRETTY];
    const op = (
      action: string,
      id: string,
      extra: Partial<Operation>,
      opGvk: GroupVersionKind = gvk,
    ): Operation => ({
      operationId: id,
      tags: [tag],
      responses: {},
      ...extra,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': opGvk,
    });

    const collection: PathItem = { parameters: scopeParams };
    if (verbs.has('list'))
      collection.get = op('list', `list${word}${ns}${def.kind}`, {
        parameters: LIST_PARAMS,
        responses: responses(listSchema, [['200', 'OK']], WATCH_MEDIA),
      });
    if (verbs.has('create'))
      collection.post = op('post', `create${word}${ns}${def.kind}`, {
        parameters: WRITE_PARAMS,
        requestBody: { content: { '*/*': { schema: kindSchema } }, required: true },
        responses: responses(kindSchema, [
          ['200', 'OK'],
          ['201', 'Created'],
          ['202', 'Accepted'],
        ]),
      });
    if (verbs.has('deletecollection'))
      collection.delete = op('deletecollection', `delete${word}Collection${ns}${def.kind}`, {
        parameters: [
          ...DELETE_PARAMS,
          ...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'),
        ],
        requestBody: { content: { '*/*': { schema: ref(DELETE_OPTIONS) } } },
        responses: responses(ref(STATUS), [['200', 'OK']]),
      });
    if (collection.get ?? collection.post ?? collection.delete) paths[base] = collection;

    if (def.namespaced && verbs.has('list'))
      paths[`${prefix}/${def.plural}`] = {
        parameters: [PRETTY],
        get: op('list', `list${word}${def.kind}ForAllNamespaces`, {
          parameters: LIST_PARAMS,
          responses: responses(listSchema, [['200', 'OK']], WATCH_MEDIA),
        }),
      };

    const item: PathItem = { parameters: [NAME, ...scopeParams] };
    const itemOps = (sub: string, schema: Schema, opGvk: GroupVersionKind, allowed: Set<Verb>): PathItem => {
      const out: PathItem = { parameters: [NAME, ...scopeParams] };
      const suffix = sub ? camel(sub) : '';
      if (allowed.has('get'))
        out.get = op(
          'get',
          `read${word}${ns}${def.kind}${suffix}`,
          { responses: responses(schema, [['200', 'OK']]) },
          opGvk,
        );
      if (allowed.has('update'))
        out.put = op(
          'put',
          `replace${word}${ns}${def.kind}${suffix}`,
          {
            parameters: WRITE_PARAMS,
            requestBody: { content: { '*/*': { schema } }, required: true },
            responses: responses(schema, [
              ['200', 'OK'],
              ['201', 'Created'],
            ]),
          },
          opGvk,
        );
      if (allowed.has('patch'))
        out.patch = op(
          'patch',
          `patch${word}${ns}${def.kind}${suffix}`,
          {
            parameters: PATCH_PARAMS,
            requestBody: { content: content(ref(PATCH), PATCH_MEDIA), required: true },
            responses: responses(schema, [
              ['200', 'OK'],
              ['201', 'Created'],
            ]),
          },
          opGvk,
        );
      return out;
    };
    Object.assign(item, itemOps('', kindSchema, gvk, verbs));
    if (verbs.has('delete'))
      item.delete = op('delete', `delete${word}${ns}${def.kind}`, {
        parameters: DELETE_PARAMS,
        requestBody: { content: { '*/*': { schema: ref(DELETE_OPTIONS) } } },
        responses: responses(kindSchema, [
          ['200', 'OK'],
          ['202', 'Accepted'],
        ]),
      });
    if (item.get ?? item.put ?? item.patch ?? item.delete) paths[`${base}/{name}`] = item;

    const subVerbs = new Set<Verb>(['get', 'update', 'patch']);
    if (def.subresources?.status)
      paths[`${base}/{name}/status`] = itemOps('status', kindSchema, gvk, subVerbs);
    if (def.subresources?.scale) {
      roots.add(SCALE);
      paths[`${base}/{name}/scale`] = itemOps(
        'scale',
        ref(SCALE),
        { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        subVerbs,
      );
    }
    for (const sub of def.subresources?.others ?? []) {
      const special = otherSubresource(sub, word, ns, def, tag, scopeParams);
      if (!special) continue;
      paths[`${base}/{name}/${sub}`] = special.item;
      for (const r of special.roots) roots.add(r);
    }
  }

  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: {
      schemas: closure(roots),
      securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

/** Path items of the subresources served by special handlers. */
function otherSubresource(
  sub: string,
  word: string,
  ns: string,
  def: ResourceDef,
  tag: string,
  scopeParams: Parameter[],
): { item: PathItem; roots: string[] } | undefined {
  const parameters = [NAME, ...scopeParams];
  const idSuffix = `${word}${ns}${def.kind}${camel(sub)}`;
  const post = (kindName: string, gvk: GroupVersionKind): PathItem => ({
    parameters,
    post: {
      operationId: `create${idSuffix}`,
      tags: [tag],
      parameters: WRITE_PARAMS,
      requestBody: { content: { '*/*': { schema: ref(kindName) } }, required: true },
      responses: responses(ref(kindName), [
        ['200', 'OK'],
        ['201', 'Created'],
        ['202', 'Accepted'],
      ]),
      'x-kubernetes-action': 'post',
      'x-kubernetes-group-version-kind': gvk,
    },
  });
  switch (sub) {
    case 'binding':
      return {
        item: post('io.k8s.api.core.v1.Binding', { group: '', version: 'v1', kind: 'Binding' }),
        roots: ['io.k8s.api.core.v1.Binding'],
      };
    case 'eviction':
      return {
        item: post('io.k8s.api.policy.v1.Eviction', { group: 'policy', version: 'v1', kind: 'Eviction' }),
        roots: ['io.k8s.api.policy.v1.Eviction'],
      };
    case 'finalize': {
      const schema = schemaRef(def.schema);
      return {
        item: {
          parameters,
          put: {
            operationId: `replace${idSuffix}`,
            tags: [tag],
            parameters: WRITE_PARAMS,
            requestBody: { content: { '*/*': { schema } }, required: true },
            responses: responses(schema, [
              ['200', 'OK'],
              ['201', 'Created'],
            ]),
            'x-kubernetes-action': 'put',
            'x-kubernetes-group-version-kind': { group: def.group, version: def.version, kind: def.kind },
          },
        },
        roots: [],
      };
    }
    default:
      // log, exec, attach, portforward, proxy: connect actions with plain-text or streamed bodies.
      return {
        item: {
          parameters,
          get: {
            operationId: `connect${word}Get${ns}${def.kind}${camel(sub)}`,
            tags: [tag],
            responses: {
              '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } },
              '401': UNAUTHORIZED,
            },
            'x-kubernetes-action': 'connect',
          },
        },
        roots: [],
      };
  }
}

/** The named definitions and every definition they reach through $ref, sorted by name. */
export function closure(roots: Iterable<string>): Record<string, Schema> {
  const seen = new Set<string>();
  const queue = [...roots];
  const visit = (s: unknown): void => {
    if (Array.isArray(s)) s.forEach(visit);
    else if (s && typeof s === 'object') {
      for (const [k, v] of Object.entries(s)) {
        if (k === '$ref' && typeof v === 'string') {
          const n = refName(v);
          if (n && !seen.has(n)) queue.push(n);
        } else visit(v);
      }
    }
  };
  while (queue.length) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    const def = getDefinition(name);
    if (!def) continue;
    seen.add(name);
    visit(def);
  }
  const out: Record<string, Schema> = {};
  for (const name of [...seen].sort()) out[name] = getDefinition(name) as Schema;
  return out;
}
