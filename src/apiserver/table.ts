/** @module Renders objects as meta.k8s.io Tables for `kubectl get`, from each resource's declared columns. */
import type { KubeObject, ListMeta } from '../api/object.js';
import type { ResourceDef, TableColumn } from '../api/resource.js';
import { translateTimestamp } from '../api/resources/table-helpers.js';

const DEFAULT_COLUMNS: TableColumn[] = [
  {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: 'Name of the object.',
    priority: 0,
    cell: (o) => o.metadata.name ?? '',
  },
  {
    name: 'Age',
    type: 'string',
    description: 'Time since the object was created.',
    priority: 0,
    cell: (o, now) => translateTimestamp(o.metadata.creationTimestamp ?? undefined, now),
  },
];

export function columnsOf(def: ResourceDef): readonly TableColumn[] {
  return def.table ?? DEFAULT_COLUMNS;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function partialMetadata(
  obj: KubeObject,
  version: string,
  dropManagedFields: boolean,
): Record<string, unknown> {
  let metadata = obj.metadata;
  if (dropManagedFields && metadata.managedFields) {
    const { managedFields: _mf, ...rest } = metadata;
    metadata = rest;
  }
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata };
}

function rowOf(
  obj: KubeObject,
  columns: readonly TableColumn[],
  now: Date,
  include: IncludeObject,
  version: string,
): Record<string, unknown> {
  const cells = columns.map((c) => {
    try {
      return c.cell(obj, now);
    } catch {
      return '<error>';
    }
  });
  const row: Record<string, unknown> = { cells };
  if (include === 'Metadata') row['object'] = partialMetadata(obj, version, true);
  else if (include === 'Object') row['object'] = obj;
  return row;
}

/** A Table of `objects`; `withColumns` false omits columnDefinitions (later watch events). */
export function buildTable(
  def: ResourceDef,
  objects: readonly KubeObject[],
  listMeta: ListMeta,
  opts: { now: Date; include: IncludeObject; version: string; withColumns?: boolean },
): Record<string, unknown> {
  const columns = columnsOf(def);
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: listMeta,
    columnDefinitions:
      opts.withColumns === false
        ? null
        : columns.map((c) => {
            const d: Record<string, unknown> = {
              name: c.name,
              type: c.type,
              format: c.format ?? '',
              description: c.description ?? '',
              priority: c.priority,
            };
            return d;
          }),
    rows: objects.map((o) => rowOf(o, columns, opts.now, opts.include, opts.version)),
  };
}

export function partialObjectMetadata(obj: KubeObject, version: string): Record<string, unknown> {
  return partialMetadata(obj, version, false);
}
