/**
 * @module `metadata.managedFields` in memory: one field set per manager identifier (manager,
 * operation, apiVersion for updates, subresource), decoded from and encoded to the API's entries
 * with upstream's validation, ordering and cap on the number of updaters.
 */
import type { ManagedFieldsEntry } from '../../api/object.js';
import { goJSONString } from '../patch/go-format.js';
import { FieldSet } from './field-set.js';

export type Operation = 'Apply' | 'Update';

/** The fields one manager owns, and at which apiVersion it set them. */
export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  /** True for an Apply entry. */
  readonly applied: boolean;
}

/** All managers of an object, keyed by {@link managerIdentifier}, with the time each last changed something. */
export interface Managed {
  readonly fields: Map<string, VersionedSet>;
  readonly times: Map<string, string | undefined>;
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

/** What identifies one managedFields entry; an Apply entry is one per manager whatever its apiVersion. */
export interface ManagerInfo {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
}

const CACHE_LIMIT = 1000;
const identifiers = new Map<string, string>();
const parsedIdentifiers = new Map<string, Readonly<ManagerInfo>>();

/** Upstream's manager identifier: the entry without time and fields, as JSON (apiVersion dropped for Apply). */
export function managerIdentifier(info: ManagerInfo): string {
  const { manager, operation, apiVersion, subresource } = info;
  if (
    (manager !== undefined && typeof manager !== 'string') ||
    (operation !== undefined && typeof operation !== 'string') ||
    (apiVersion !== undefined && typeof apiVersion !== 'string') ||
    (subresource !== undefined && typeof subresource !== 'string')
  ) {
    return buildIdentifier(info);
  }
  const key = `${manager ?? ''}\u0000${operation ?? ''}\u0000${operation === 'Apply' ? '' : (apiVersion ?? '')}\u0000${subresource ?? ''}`;
  // The key is ambiguous only if a part holds the separator itself.
  if (countNul(key) !== 3) return buildIdentifier(info);
  let id = identifiers.get(key);
  if (id === undefined) {
    id = buildIdentifier(info);
    if (identifiers.size >= CACHE_LIMIT) identifiers.clear();
    identifiers.set(key, id);
  }
  return id;
}

function countNul(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\u0000'); i !== -1; i = s.indexOf('\u0000', i + 1)) n++;
  return n;
}

function buildIdentifier(info: ManagerInfo): string {
  const parts: string[] = [];
  const add = (k: string, v: string | undefined): void => {
    if (v) parts.push(`"${k}":${goJSONString(v)}`);
  };
  add('manager', info.manager);
  add('operation', info.operation);
  if (info.operation !== 'Apply') add('apiVersion', info.apiVersion);
  add('subresource', info.subresource);
  return `{${parts.join(',')}}`;
}

/** The fields of an identifier (shared: do not mutate). */
export function parseIdentifier(id: string): Readonly<ManagerInfo> {
  let info = parsedIdentifiers.get(id);
  if (info === undefined) {
    info = { manager: id };
    try {
      const v: unknown = JSON.parse(id);
      if (typeof v === 'object' && v !== null) info = v;
    } catch {
      // not JSON: the whole string names the manager
    }
    if (parsedIdentifiers.size >= CACHE_LIMIT) parsedIdentifiers.clear();
    parsedIdentifiers.set(id, info);
  }
  return info;
}

/** Decodes managedFields; throws an Error (upstream's message) for an invalid entry. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Managed {
  const m = emptyManaged();
  (entries ?? []).forEach((e, i) => {
    if (e.operation !== 'Apply' && e.operation !== 'Update')
      throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (e.fieldsType === undefined || (e.fieldsType as string) === '') {
      throw new Error(`missing fieldsType in managed fields entry ${i}`);
    }
    if (e.fieldsType !== 'FieldsV1')
      throw new Error(`invalid fieldsType "${e.fieldsType}" in managed fields entry ${i}`);
    const id = managerIdentifier(e);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw new Error(`error decoding versioned set: error decoding set: ${(err as Error).message}`);
    }
    m.fields.set(id, { set, apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    m.times.set(id, e.time);
  });
  return m;
}

/** Decodes, answering an empty set of managers for entries that do not decode. */
export function decodeOrEmpty(entries: readonly ManagedFieldsEntry[] | undefined): Managed {
  try {
    return decodeManagedFields(entries);
  } catch {
    return emptyManaged();
  }
}

const parsedTimes = new Map<string, number>();

function seconds(time: string | undefined): number {
  if (!time) return 0;
  if (typeof time !== 'string') {
    const t = Date.parse(time);
    return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
  }
  let s = parsedTimes.get(time);
  if (s === undefined) {
    const t = Date.parse(time);
    s = Number.isNaN(t) ? 0 : Math.floor(t / 1000);
    if (parsedTimes.size >= CACHE_LIMIT) parsedTimes.clear();
    parsedTimes.set(time, s);
  }
  return s;
}

function compareStrings(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Encodes managers as entries sorted by operation, time, manager, apiVersion, subresource; undefined if none. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (m.fields.size === 0) return undefined;
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const info = parseIdentifier(id);
    const e: ManagedFieldsEntry = {};
    if (info.manager) e.manager = info.manager;
    e.operation = vs.applied ? 'Apply' : (info.operation as 'Apply' | 'Update' | undefined);
    if (vs.apiVersion) e.apiVersion = vs.apiVersion;
    const time = m.times.get(id);
    if (time) e.time = time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = vs.set.toFieldsV1();
    if (info.subresource) e.subresource = info.subresource;
    out.push(e);
  }
  if (out.length === 1) return out;
  const parsed = new Map<ManagedFieldsEntry, number>();
  const secs = (e: ManagedFieldsEntry): number => {
    let n = parsed.get(e);
    if (n === undefined) {
      n = seconds(e.time);
      parsed.set(e, n);
    }
    return n;
  };
  return out.sort(
    (p, q) =>
      compareStrings(p.operation, q.operation) ||
      secs(p) - secs(q) ||
      compareStrings(p.manager, q.manager) ||
      compareStrings(p.apiVersion, q.apiVersion) ||
      compareStrings(p.subresource, q.subresource),
  );
}

/** Upstream keeps at most this many Update entries; older ones merge into "ancient-changes". */
export const MAX_UPDATE_MANAGERS = 10;

/** Merges the oldest Update managers into one "ancient-changes" entry per apiVersion beyond the cap. */
export function capUpdateManagers(m: Managed, max = MAX_UPDATE_MANAGERS): void {
  if (m.fields.size <= max) return;
  const updaters = [...m.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => seconds(m.times.get(a)) - seconds(m.times.get(b)) || compareStrings(a, b));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i]!;
    const vs = m.fields.get(id)!;
    const time = m.times.get(id);
    const bucket = managerIdentifier({
      manager: 'ancient-changes',
      operation: 'Update',
      apiVersion: vs.apiVersion,
    });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!m.fields.has(bucket)) {
      const s = m.fields.get(first)!;
      m.fields.delete(first);
      m.times.delete(first);
      m.fields.set(bucket, s);
    }
    const b = m.fields.get(bucket)!;
    m.fields.set(bucket, { set: vs.set.union(b.set), apiVersion: vs.apiVersion, applied: vs.applied });
    m.fields.delete(id);
    m.times.delete(id);
    length--;
    m.times.set(bucket, time);
  }
}
