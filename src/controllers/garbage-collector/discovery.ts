/**
 * @module Resource discovery for generic controllers (garbage collector, namespace deletion): which
 * resources the server serves, with scope and verbs, and a mapping from apiVersion/kind to resource.
 */
import { isObject } from '../../api/object.js';
import { KubeClient, statusErrorFrom } from '../../client/client.js';
import { resourceDescriptor, type ResourceDescriptor } from '../../client/resources.js';
import type {
  Transport,
  TransportRequest,
  TransportResponse,
  StreamResponse,
} from '../../client/transport.js';

/** A served resource (never a subresource) with the verbs discovery lists for it. */
export interface ApiResource extends ResourceDescriptor {
  readonly verbs: readonly string[];
}

/** What the server serves. */
export interface DiscoveryResult {
  /** Every resource of every served version. */
  all: ApiResource[];
  /** The resources of each group's preferred version. */
  preferred: ApiResource[];
  /** Group versions whose discovery failed, with the reason. */
  failed: Map<string, string>;
}

/** Some group versions could not be discovered; the message is worded as upstream's ErrGroupDiscoveryFailed. */
export class GroupDiscoveryFailedError extends Error {
  constructor(readonly groups: ReadonlyMap<string, string>) {
    const parts = [...groups].map(([gv, err]) => `${gv}: ${err}`).sort();
    super(`unable to retrieve the complete list of server APIs: ${parts.join(', ')}`);
    this.name = 'GroupDiscoveryFailedError';
  }
}

const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/**
 * Reads the aggregated discovery documents (`/api` and `/apis`). A failed request throws its StatusError
 * (or TransportError); group versions the server marks stale are reported in `failed`.
 */
export async function discoverResources(client: KubeClient, signal?: AbortSignal): Promise<DiscoveryResult> {
  const result: DiscoveryResult = { all: [], preferred: [], failed: new Map() };
  for (const path of ['/api', '/apis']) {
    const res = await client.transport.request({
      method: 'GET',
      path,
      headers: { accept: AGGREGATED_ACCEPT },
      signal,
    });
    if (res.status < 200 || res.status > 299) throw statusErrorFrom(res.status, res.body);
    parseAggregated(JSON.parse(res.body) as unknown, result);
  }
  return result;
}

function parseAggregated(doc: unknown, out: DiscoveryResult): void {
  const items = isObject(doc) && Array.isArray(doc['items']) ? (doc['items'] as unknown[]) : [];
  for (const g of items) {
    if (!isObject(g)) continue;
    const meta = isObject(g['metadata']) ? g['metadata'] : {};
    const group = typeof meta['name'] === 'string' ? meta['name'] : '';
    const versions = Array.isArray(g['versions']) ? (g['versions'] as unknown[]) : [];
    let preferredTaken = false;
    for (const v of versions) {
      if (!isObject(v) || typeof v['version'] !== 'string') continue;
      const version = v['version'];
      const gv = group ? `${group}/${version}` : version;
      if (v['freshness'] === 'Stale') {
        out.failed.set(gv, 'the server reports stale discovery information');
        continue;
      }
      const resources = Array.isArray(v['resources']) ? (v['resources'] as unknown[]) : [];
      const parsed: ApiResource[] = [];
      for (const r of resources) {
        if (!isObject(r) || typeof r['resource'] !== 'string') continue;
        const kindOf = isObject(r['responseKind']) ? r['responseKind']['kind'] : undefined;
        parsed.push({
          ...resourceDescriptor({
            group,
            version,
            resource: r['resource'],
            namespaced: r['scope'] === 'Namespaced',
            kind: typeof kindOf === 'string' ? kindOf : '',
          }),
          verbs: Array.isArray(r['verbs'])
            ? (r['verbs'] as unknown[]).filter((x) => typeof x === 'string')
            : [],
        });
      }
      out.all.push(...parsed);
      if (!preferredTaken) {
        out.preferred.push(...parsed);
        preferredTaken = true;
      }
    }
  }
}

/** Whether a resource lists every one of `verbs`. */
export function supportsVerbs(r: ApiResource, verbs: readonly string[]): boolean {
  return verbs.every((v) => r.verbs.includes(v));
}

/** `group/version` or `version` of a resource. */
export function groupVersionOf(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Splits an apiVersion; undefined when it is not `version` or `group/version`. */
export function parseGroupVersion(apiVersion: string): { group: string; version: string } | undefined {
  const parts = apiVersion.split('/');
  if (parts.length === 1 && parts[0]) return { group: '', version: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { group: parts[0], version: parts[1] };
  return undefined;
}

/** Maps apiVersion + kind to the resource that serves it. */
export class RestMapper {
  private readonly byKind = new Map<string, ApiResource>();

  constructor(resources: readonly ApiResource[]) {
    for (const r of resources) {
      const key = `${groupVersionOf(r)}\u0000${r.kind}`;
      if (!this.byKind.has(key)) this.byKind.set(key, r);
    }
  }

  /** The resource of `kind` in `apiVersion`, or undefined when the server serves none. */
  resourceFor(apiVersion: string, kind: string): ApiResource | undefined {
    return this.byKind.get(`${apiVersion}\u0000${kind}`);
  }
}

/** Accept header of upstream's metadata-only client: PartialObjectMetadata(List), then plain JSON. */
export const METADATA_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/**
 * A transport that asks for metadata-only answers (PartialObjectMetadata), as upstream's metadata client
 * does. It shares the wrapped transport; `close()` leaves it open.
 */
export class MetadataTransport implements Transport {
  constructor(private readonly inner: Transport) {}

  request(req: TransportRequest): Promise<TransportResponse> {
    return this.inner.request(withMetadataAccept(req));
  }
  stream(req: TransportRequest): Promise<StreamResponse> {
    return this.inner.stream(withMetadataAccept(req));
  }
  close(): void {}
}

function withMetadataAccept(req: TransportRequest): TransportRequest {
  return { ...req, headers: { ...req.headers, accept: METADATA_ACCEPT } };
}

/** A client over the same transport whose reads (lists, watches, gets) answer metadata only. */
export function metadataClientOf(client: KubeClient): KubeClient {
  return new KubeClient(new MetadataTransport(client.transport), {
    defaultNamespace: client.defaultNamespace,
    fieldManager: client.fieldManager,
  });
}
