/** @module Writes objects and lists in the form the client negotiated (JSON, YAML, Table, metadata-only). */
import { stringify as toYaml } from 'yaml';
import type { KubeObject, ListMeta } from '../../api/object.js';
import { apiVersionOf, listKindOf, type ResourceDef } from '../../api/resource.js';
import type { OutputForm } from '../negotiation.js';
import { knownJson } from '../object-store.js';
import { buildTable, partialObjectMetadata } from '../table.js';
import type { ApiResponse } from '../transport.js';
import { type CacheEntry, entryJson } from '../watch-cache.js';

export { entryJson };

const TABLE_CONTENT_TYPE = (v: string): string => `application/json;as=Table;v=${v};g=meta.k8s.io`;

function contentTypeOf(form: OutputForm): string {
  switch (form.kind) {
    case 'json':
      return form.yaml ? 'application/yaml' : 'application/json';
    case 'table':
      return TABLE_CONTENT_TYPE(form.version);
    case 'metadata':
      return `application/json;as=PartialObjectMetadata;v=${form.version};g=meta.k8s.io`;
  }
}

function send(
  res: ApiResponse,
  status: number,
  form: OutputForm,
  body: string,
  headers: Record<string, string>,
): void {
  // With the length known, node sends the body as is instead of in chunked encoding.
  res.writeHead(status, {
    'Content-Type': contentTypeOf(form),
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

/** Writes one object (its cached JSON when given) in the negotiated form. */
export function writeObject(
  res: ApiResponse,
  status: number,
  def: ResourceDef,
  form: OutputForm,
  obj: KubeObject,
  opts: { now: Date; json?: string; headers?: Record<string, string> },
): void {
  const headers = opts.headers ?? {};
  switch (form.kind) {
    case 'json':
      if (form.yaml) send(res, status, form, toYaml(obj), headers);
      else send(res, status, form, opts.json ?? knownJson(obj) ?? JSON.stringify(obj), headers);
      return;
    case 'table': {
      const table = buildTable(
        def,
        [obj],
        { resourceVersion: obj.metadata.resourceVersion },
        {
          now: opts.now,
          include: form.includeObject,
          version: form.version,
        },
      );
      send(res, status, form, JSON.stringify(table), headers);
      return;
    }
    case 'metadata':
      send(res, status, form, JSON.stringify(partialObjectMetadata(obj, form.version)), headers);
      return;
  }
}

/** Writes a list of cached entries in the negotiated form. */
export function writeList(
  res: ApiResponse,
  def: ResourceDef,
  form: OutputForm,
  entries: readonly CacheEntry[],
  listMeta: ListMeta,
  now: Date,
): void {
  switch (form.kind) {
    case 'json': {
      if (form.yaml) {
        const list = {
          apiVersion: apiVersionOf(def),
          kind: listKindOf(def),
          metadata: listMeta,
          items: entries.map((e) => e.obj),
        };
        send(res, 200, form, toYaml(list), {});
        return;
      }
      const head = `{"kind":${JSON.stringify(listKindOf(def))},"apiVersion":${JSON.stringify(apiVersionOf(def))},"metadata":${JSON.stringify(listMeta)},"items":[`;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Large lists go out in chunks rather than one giant string.
      let buf = head;
      for (let i = 0; i < entries.length; i++) {
        if (i > 0) buf += ',';
        buf += entryJson(entries[i]!);
        if (buf.length > 1 << 20) {
          res.write(buf);
          buf = '';
        }
      }
      res.end(`${buf}]}`);
      return;
    }
    case 'table': {
      const table = buildTable(
        def,
        entries.map((e) => e.obj),
        listMeta,
        { now, include: form.includeObject, version: form.version },
      );
      send(res, 200, form, JSON.stringify(table), {});
      return;
    }
    case 'metadata': {
      const list = {
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${form.version}`,
        metadata: listMeta,
        items: entries.map((e) => partialObjectMetadata(e.obj, form.version)),
      };
      res.writeHead(200, {
        'Content-Type': `application/json;as=PartialObjectMetadataList;v=${form.version};g=meta.k8s.io`,
      });
      res.end(JSON.stringify(list));
      return;
    }
  }
}
