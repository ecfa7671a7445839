/** @module Discovery documents: legacy (/api, /apis, per group version) and aggregated (apidiscovery.k8s.io v2, v2beta1). */
import { createHash } from 'node:crypto';
import { ALL_VERBS, apiVersionOf, type ResourceDef } from '../api/resource.js';
import { parseMediaTypes } from './negotiation.js';
import type { ResourceRegistry } from './resource-registry.js';

interface SubresourceInfo {
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

/** What each subresource returns and which verbs it takes, as upstream's discovery lists them. */
function subresourceInfo(def: ResourceDef, name: string): SubresourceInfo {
  const same = { group: def.group, version: def.version };
  switch (name) {
    case 'status':
      return { ...same, kind: def.kind, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'binding':
      return { ...same, kind: 'Binding', verbs: ['create'] };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'log':
      return { ...same, kind: 'Pod', verbs: ['get'] };
    case 'exec':
      return { ...same, kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'attach':
      return { ...same, kind: 'PodAttachOptions', verbs: ['create', 'get'] };
    case 'portforward':
      return { ...same, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'proxy':
      return {
        ...same,
        kind: `${def.kind}ProxyOptions`,
        verbs: ['create', 'delete', 'get', 'patch', 'update'],
      };
    case 'finalize':
      return { ...same, kind: def.kind, verbs: ['update'] };
    case 'ephemeralcontainers':
    case 'resize':
      return { ...same, kind: def.kind, verbs: ['get', 'patch', 'update'] };
    default:
      return { ...same, kind: def.kind, verbs: ['get'] };
  }
}

export function subresourcesOf(def: ResourceDef): string[] {
  const out: string[] = [];
  if (def.subresources?.status) out.push('status');
  if (def.subresources?.scale) out.push('scale');
  for (const s of def.subresources?.others ?? []) out.push(s);
  return out;
}

function verbsOf(def: ResourceDef): string[] {
  return [...(def.verbs ?? ALL_VERBS)].sort();
}

/** A short stable hash, like upstream's storageVersionHash. */
function storageVersionHash(def: ResourceDef): string {
  return (
    createHash('sha256').update(`${def.group}/${def.version}/${def.kind}`).digest('base64').slice(0, 11) + '='
  );
}

function apiResourceList(defs: readonly ResourceDef[], groupVersion: string): Record<string, unknown> {
  const resources: Array<Record<string, unknown>> = [];
  for (const def of [...defs].sort((a, b) => a.plural.localeCompare(b.plural))) {
    const r: Record<string, unknown> = {
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: verbsOf(def),
    };
    if (def.shortNames?.length) r['shortNames'] = def.shortNames;
    if (def.categories?.length) r['categories'] = def.categories;
    r['storageVersionHash'] = storageVersionHash(def);
    resources.push(r);
    for (const sub of subresourcesOf(def)) {
      const info = subresourceInfo(def, sub);
      const s: Record<string, unknown> = {
        name: `${def.plural}/${sub}`,
        singularName: '',
        namespaced: def.namespaced,
        kind: info.kind,
        verbs: info.verbs,
      };
      if (info.group !== def.group || info.version !== def.version) {
        s['group'] = info.group;
        s['version'] = info.version;
      }
      resources.push(s);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function aggregatedResource(def: ResourceDef): Record<string, unknown> {
  const r: Record<string, unknown> = {
    resource: def.plural,
    responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: verbsOf(def),
  };
  if (def.shortNames?.length) r['shortNames'] = def.shortNames;
  if (def.categories?.length) r['categories'] = def.categories;
  const subs = subresourcesOf(def).map((sub) => {
    const info = subresourceInfo(def, sub);
    return {
      subresource: sub,
      responseKind: { group: info.group, version: info.version, kind: info.kind },
      verbs: info.verbs,
    };
  });
  if (subs.length > 0) r['subresources'] = subs;
  return r;
}

/** Which aggregated-discovery version the Accept header asks for, if any. */
export function aggregatedDiscoveryVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const mt of parseMediaTypes(accept)) {
    if (
      mt.type === 'application/json' &&
      mt.params['g'] === 'apidiscovery.k8s.io' &&
      mt.params['as'] === 'APIGroupDiscoveryList'
    ) {
      const v = mt.params['v'];
      if (v === 'v2' || v === 'v2beta1') return v;
    }
    if (mt.type === 'application/json' && !mt.params['as']) return undefined;
    if (mt.type === '*/*') return undefined;
  }
  return undefined;
}

/** Every discovery document, computed once from the registry. */
export class Discovery {
  private readonly gvLists = new Map<string, string>();
  private readonly groupDocs = new Map<string, string>();
  private readonly groupList: string;
  private readonly aggregated = new Map<string, string>();
  private readonly registry: ResourceRegistry;

  constructor(registry: ResourceRegistry) {
    this.registry = registry;
    for (const g of registry.groups) {
      for (const v of g.versions) {
        const gv = apiVersionOf({ group: g.name, version: v });
        this.gvLists.set(gv, JSON.stringify(apiResourceList(registry.resourcesOf(g.name, v), gv)));
      }
      if (g.name)
        this.groupDocs.set(g.name, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g) }));
    }
    this.groupList = JSON.stringify({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: registry.groups.filter((g) => g.name).map(groupEntry),
    });
  }

  apiVersions(serverAddress: string): string {
    return JSON.stringify({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    });
  }

  apiGroupList(): string {
    return this.groupList;
  }

  apiGroup(group: string): string | undefined {
    return this.groupDocs.get(group);
  }

  resourceList(groupVersion: string): string | undefined {
    return this.gvLists.get(groupVersion);
  }

  /** The aggregated document for the core group (`/api`) or the named groups (`/apis`). */
  aggregatedList(core: boolean, version: 'v2' | 'v2beta1'): string {
    const cacheKey = `${core}/${version}`;
    let doc = this.aggregated.get(cacheKey);
    if (!doc) {
      const groups = this.registry.groups.filter((g) => (core ? g.name === '' : g.name !== ''));
      doc = JSON.stringify({
        kind: 'APIGroupDiscoveryList',
        apiVersion: `apidiscovery.k8s.io/${version}`,
        metadata: {},
        items: groups.map((g) => ({
          metadata: g.name ? { name: g.name } : {},
          versions: g.versions.map((v) => ({
            version: v,
            resources: this.registry.resourcesOf(g.name, v).map(aggregatedResource),
            freshness: 'Current',
          })),
        })),
      });
      this.aggregated.set(cacheKey, doc);
    }
    return doc;
  }
}

function groupEntry(g: { name: string; versions: string[] }): Record<string, unknown> {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
