/**
 * @module Field ownership (`metadata.managedFields`) and server-side apply, as kube-apiserver's field
 * manager does it on top of structured-merge-diff: updates move changed fields to their writer,
 * apply merges a configuration into the live object, prunes what its manager stopped applying and
 * refuses to take fields another manager owns unless forced.
 */
import { StatusError, badRequest } from '../../api/errors.js';
import type { KubeObject, ManagedFieldsEntry, StatusCause } from '../../api/object.js';
import { goJSON } from '../patch/go-format.js';
import type { SchemaLookup } from '../patch/schema.js';
import { FieldSet, finishBuilt } from './field-set.js';
import {
  capUpdateManagers,
  decodeOrEmpty,
  emptyManaged,
  encodeManagedFields,
  managerIdentifier,
  parseIdentifier,
  type Managed,
} from './managed-fields.js';
import { fieldElement, pathString, type Path } from './path.js';
import { DEDUCED, SchemaResolver, type TypeRef } from './smd-schema.js';
import {
  ADDED,
  MODIFIED,
  MergeError,
  REMOVED,
  compare,
  compareInto,
  createBaseline,
  createdFields,
  ensureNamedFieldsAreMembers,
  merge,
  removeItems,
  toFieldSet,
  toNamedFieldSet,
  validateApplied,
  valuesEqual,
  type Comparison,
} from './typed.js';

type Obj = Record<string, unknown>;

/** The annotation client-side `kubectl apply` keeps its last configuration in. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Upstream's limit on the length of a field manager name. */
export const FIELD_MANAGER_MAX_LENGTH = 128;

/**
 * The manager name upstream derives from a User-Agent when a request names no fieldManager: the
 * part before the first `/`, printable characters only, at most 128 bytes (`kubectl/v1.32.4 (...)` → `kubectl`).
 */
export function managerFromUserAgent(userAgent: string): string {
  let out = '';
  let bytes = 0;
  for (const ch of userAgent.split('/')[0] ?? '') {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** The `fieldManager` query parameter, or the manager derived from the User-Agent. */
export function fieldManagerName(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager ? fieldManager : managerFromUserAgent(userAgent ?? '');
}

/** Where the field manager finds the object's schema; without one every field is "deduced". */
export interface SchemaOptions {
  /** OpenAPI definition name of the kind, e.g. `io.k8s.api.apps.v1.Deployment`. */
  rootDefinition?: string;
  lookup?: SchemaLookup;
  /**
   * Top-level field paths the write does not own and does not change, as upstream's reset fields:
   * `[['status']]` for the main resource of a kind with a status subresource, the spec-side fields
   * (e.g. `[['spec'], ['metadata', 'labels']]`) for its status subresource.
   */
  resetFields?: readonly (readonly string[])[];
}

export interface UpdateManagedFieldsOptions extends SchemaOptions {
  /** The manager name ({@link fieldManagerName}); '' becomes "unknown" as upstream. */
  manager: string;
  operation?: 'Update';
  /** The subresource written through ('' or absent for the main resource). */
  subresource?: string;
  /** The apiVersion the request used, e.g. `apps/v1`. */
  apiVersion: string;
  /** When the write happens (default: now); recorded with second precision. */
  time?: Date | string;
}

export interface ApplyOptions extends SchemaOptions {
  /** The fieldManager of the apply request (required by upstream for apply). */
  manager: string;
  /** `force=true`: take fields other managers own instead of failing with a conflict. */
  force?: boolean;
  /** The apiVersion of the resource the request addressed, e.g. `apps/v1`. */
  apiVersion: string;
  /** The kind of the resource; the applied configuration must name the same apiVersion and kind. */
  kind?: string;
  /** The object name in the request URL, which the configuration must match. */
  name?: string;
  subresource?: string;
  time?: Date | string;
}

const resolvers = new WeakMap<SchemaLookup, SchemaResolver>();

function rootType(opts: SchemaOptions): TypeRef {
  if (!opts.lookup || !opts.rootDefinition) return DEDUCED;
  let r = resolvers.get(opts.lookup);
  if (!r) {
    r = new SchemaResolver(opts.lookup);
    resolvers.set(opts.lookup, r);
  }
  return r.definition(opts.rootDefinition);
}

let lastTime: { in: string; out: string } | undefined;

function timeString(t: Date | string | undefined): string {
  if (typeof t === 'string' && lastTime?.in === t) return lastTime.out;
  const d = t === undefined ? new Date() : typeof t === 'string' ? new Date(t) : t;
  const valid = Number.isNaN(d.getTime()) ? new Date() : d;
  const out = valid.toISOString().replace(/\.\d{3}Z$/, 'Z');
  // An invalid string means "now", which must not be remembered.
  if (typeof t === 'string' && valid === d) lastTime = { in: t, out };
  return out;
}

/** Fields of the object the field manager never records (identity, bookkeeping, managedFields). */
const STRIPPED = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
  ].map((f): Path => [fieldElement('metadata'), fieldElement(f)]),
);

const resetSets = new Map<string, FieldSet>();

function resetSet(opts: SchemaOptions): FieldSet {
  const paths = opts.resetFields ?? [];
  if (paths.length === 0) return EMPTY_SET;
  const key = paths.length === 1 && paths[0]!.length === 1 ? `.${paths[0]![0]!}` : JSON.stringify(paths);
  let set = resetSets.get(key);
  if (!set) {
    set = FieldSet.of(...paths.map((p) => p.map(fieldElement)));
    if (resetSets.size >= 1000) resetSets.clear();
    resetSets.set(key, set);
  }
  return set;
}

const EMPTY_SET = new FieldSet();

function filterComparison(c: Comparison, reset: FieldSet): Comparison {
  return {
    added: c.added.recursiveDifference(reset),
    modified: c.modified.recursiveDifference(reset),
    removed: c.removed.recursiveDifference(reset),
  };
}

/** A shallow copy without metadata.managedFields, for comparisons. */
function withoutManagedFields(obj: KubeObject): KubeObject {
  if (!obj.metadata || !Object.hasOwn(obj.metadata, 'managedFields')) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function isResetManagedFields(entries: ManagedFieldsEntry[] | undefined): boolean {
  if (entries === undefined) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && Object.keys(entries[0]!).length === 0;
}

/**
 * Records an Update by manager `id`: every other manager loses the fields that changed or went
 * away; `id` gains the fields that changed (StripMeta'd) and its time is set when it gained any.
 * `before` undefined is a create: the object is compared with {@link createBaseline}.
 */
function recordUpdate(
  managed: Managed,
  before: unknown,
  after: unknown,
  id: string,
  apiVersion: string,
  time: string,
  type: TypeRef,
  reset: FieldSet,
): void {
  let own: FieldSet;
  if (before === undefined && managed.fields.size === 0) {
    own = FieldSet.fromNode(createdFields(after, type, reset.node));
  } else {
    const c = compareInto(before ?? createBaseline(after, type), after, type, reset.node);
    own = FieldSet.fromNode(finishBuilt(c.tree, ADDED | MODIFIED, undefined));
    const touched = c.removed
      ? FieldSet.fromNode(finishBuilt(c.tree, ADDED | MODIFIED | REMOVED, undefined))
      : own;
    for (const [m, vs] of managed.fields) {
      const set = vs.set.difference(touched);
      if (set.isEmpty()) managed.fields.delete(m);
      else if (set !== vs.set) managed.fields.set(m, { ...vs, set });
    }
  }
  own = own.difference(STRIPPED);
  if (own.isEmpty()) return;
  const prev = managed.fields.get(id);
  managed.fields.set(id, { set: prev ? own.union(prev.set) : own, apiVersion, applied: false });
  managed.times.set(id, time);
}

/**
 * Computes the managedFields of `newObj` after a create (`oldObj` undefined), update or non-apply
 * patch by `opts.manager`: it becomes the owner of the fields it changed (on create, of every field
 * it set), other managers lose the fields whose values changed or that were removed, empty entries
 * are dropped and at most ten Update entries are kept. The result is also written to
 * `newObj.metadata.managedFields` (deleted when there is none). A subresource write keeps the live
 * entries; otherwise entries the request carries are honoured (`[]` resets them). An existing
 * object without managedFields stays untracked until its first apply, as upstream.
 */
export function updateManagedFields(
  oldObj: KubeObject | undefined,
  newObj: KubeObject,
  opts: UpdateManagedFieldsOptions,
): ManagedFieldsEntry[] | undefined {
  const requested = newObj.metadata?.managedFields;
  let managed: Managed;
  if (opts.subresource) {
    managed = decodeOrEmpty(oldObj?.metadata?.managedFields);
  } else if (isResetManagedFields(requested)) {
    managed = emptyManaged();
  } else {
    managed = decodeOrEmpty(requested);
    if (managed.fields.size === 0) managed = decodeOrEmpty(oldObj?.metadata?.managedFields);
  }
  const exists = oldObj !== undefined && Boolean(oldObj.metadata?.uid);
  if (!(managed.fields.size === 0 && exists)) {
    const type = rootType(opts);
    const after = withoutManagedFields(newObj);
    const before = oldObj ? withoutManagedFields(oldObj) : undefined;
    const id = managerIdentifier({
      manager: opts.manager || 'unknown',
      operation: 'Update',
      apiVersion: opts.apiVersion,
      subresource: opts.subresource,
    });
    recordUpdate(managed, before, after, id, opts.apiVersion, timeString(opts.time), type, resetSet(opts));
    capUpdateManagers(managed);
  }
  const entries = encodeManagedFields(managed);
  if (newObj.metadata) {
    if (entries) newObj.metadata.managedFields = entries;
    else delete newObj.metadata.managedFields;
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Server-side apply.

/** The fields of one other manager an apply would change. */
interface Conflict {
  manager: string;
  set: FieldSet;
}

class ApplyConflicts extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super('apply conflicts');
  }
}

function printManager(id: string): string {
  const info = parseIdentifier(id);
  let s = JSON.stringify(info.manager ?? '');
  if (info.subresource) s += ` with subresource ${JSON.stringify(info.subresource)}`;
  if (info.operation === 'Update') s += ` using ${info.apiVersion ?? ''}`;
  return s;
}

/** The 409 upstream answers for apply conflicts: one cause per conflicting field. */
export function applyConflictError(conflicts: readonly { manager: string; path: Path }[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const list = byManager.get(c.manager) ?? [];
      list.push(pathString(c.path));
      byManager.set(c.manager, list);
    }
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(m)}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Conflict',
    details: { causes },
    code: 409,
  });
}

function flattenConflicts(conflicts: Conflict[]): { manager: string; path: Path }[] {
  return [...conflicts]
    .sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0))
    .flatMap((c) => c.set.paths().map((path) => ({ manager: c.manager, path })));
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseGroupVersion(apiVersion: string): { group: string; version: string } | undefined {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return undefined;
}

function gvkString(apiVersion: unknown, kind: unknown): string {
  const gv = parseGroupVersion(typeof apiVersion === 'string' ? apiVersion : '') ?? {
    group: '',
    version: '',
  };
  return `${gv.group}/${gv.version}, Kind=${typeof kind === 'string' ? kind : ''}`;
}

/** Removes from `merged` what the applier owned before and no longer applies, unless someone owns it. */
function prune(merged: unknown, managed: Managed, last: FieldSet | undefined, type: TypeRef): unknown {
  if (!last || last.isEmpty()) return merged;
  const lastSet = ensureNamedFieldsAreMembers(last, type);
  const mergedSet = toNamedFieldSet(merged, type);
  let owned = new FieldSet();
  for (const vs of managed.fields.values()) owned = owned.union(vs.set);
  const kept = toNamedFieldSet(removeItems(merged, lastSet, type), type);
  const unowned = mergedSet.difference(kept.union(ensureNamedFieldsAreMembers(owned, type)));
  // Nothing is left unowned: the pruned object is the merged one and nothing is gone.
  if (unowned.isEmpty()) return merged;
  const gone = mergedSet.difference(toNamedFieldSet(removeItems(merged, unowned, type), type));
  return removeItems(merged, gone.intersection(lastSet), type);
}

/**
 * `obj` with the live values of the reset fields put back (or removed when the live object has
 * none); copies the objects it changes.
 */
function restoreResetFields(obj: Obj, live: Obj, paths: readonly (readonly string[])[]): Obj {
  for (const path of paths) {
    if (path.length === 0) continue;
    const chain: Obj[] = [obj];
    let src: Obj | undefined = live;
    let reachable = true;
    for (const seg of path.slice(0, -1)) {
      const d: unknown = chain[chain.length - 1]![seg];
      const s: unknown = src && Object.hasOwn(src, seg) ? src[seg] : undefined;
      if (!isObj(d)) {
        reachable = false;
        break;
      }
      chain.push(d);
      src = isObj(s) ? s : undefined;
    }
    if (!reachable) continue;
    const last = path[path.length - 1]!;
    let child: Obj = { ...chain[chain.length - 1]! };
    if (src && Object.hasOwn(src, last)) child[last] = src[last];
    else delete child[last];
    for (let i = chain.length - 2; i >= 0; i--) {
      const parent = { ...chain[i]! };
      parent[path[i]!] = child;
      child = parent;
    }
    obj = child;
  }
  return obj;
}

/** A deep copy of a decoded JSON value (own enumerable properties, explicit undefined kept). */
function cloneJSON<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(cloneJSON) as T;
  const out: Obj = {};
  for (const k in v) {
    const c = cloneJSON((v as Obj)[k]);
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
    else out[k] = c;
  }
  return out as T;
}

interface ApplyState {
  managed: Managed;
  live: Obj;
  config: Obj;
  id: string;
  type: TypeRef;
  reset: FieldSet;
  opts: ApplyOptions;
  time: string;
}

/** One apply attempt (structured-merge-diff's Apply with StripMeta and the time bookkeeping). */
function applyOnce(s: ApplyState, force: boolean): { object: Obj; managed: Managed } {
  const managed: Managed = { fields: new Map(s.managed.fields), times: new Map(s.managed.times) };
  let merged: unknown;
  try {
    merged = merge(s.live, s.config, s.type);
  } catch (e) {
    if (e instanceof MergeError) throw badRequest(`failed to merge config: ${e.message}`);
    throw e;
  }
  const last = managed.fields.get(s.id)?.set;
  const set = toFieldSet(s.config, s.type).recursiveDifference(s.reset);
  managed.fields.set(s.id, { set, apiVersion: s.opts.apiVersion, applied: true });
  const pruned = (isObj(merged) ? prune(merged, managed, last, s.type) : {}) as Obj;
  const result = restoreResetFields(pruned, s.live, s.opts.resetFields ?? []);

  const c = filterComparison(compare(s.live, result, s.type), s.reset);
  const changed = c.modified.union(c.added);
  const conflicts: Conflict[] = [];
  for (const [m, vs] of managed.fields) {
    if (m === s.id) continue;
    const overlap = vs.set.intersection(changed);
    if (!overlap.isEmpty()) conflicts.push({ manager: m, set: overlap });
  }
  if (!force && conflicts.length > 0) throw new ApplyConflicts(conflicts);
  for (const [m, vs] of managed.fields) {
    if (m === s.id) continue;
    const rest = vs.set.difference(changed).difference(c.removed);
    if (rest.isEmpty()) managed.fields.delete(m);
    else managed.fields.set(m, { ...vs, set: rest });
  }
  const own = managed.fields.get(s.id)!.set.difference(STRIPPED);
  if (own.isEmpty()) managed.fields.delete(s.id);
  else managed.fields.set(s.id, { set: own, apiVersion: s.opts.apiVersion, applied: true });

  if (valuesEqual(s.live, result)) return { object: cloneJSON(s.live), managed };
  managed.times.set(s.id, s.time);
  return { object: cloneJSON(result), managed };
}

/**
 * The conflicts `kubectl` (the manager name of `kubectl apply --server-side`) may override: fields
 * its client-side last-applied configuration set that still hold the value it set.
 */
function allowedFromLastApplied(s: ApplyState): FieldSet | undefined {
  const raw = (s.live.metadata as Obj | undefined)?.annotations;
  const text = isObj(raw) ? raw[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string' || text === '') return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(lastApplied) || lastApplied.apiVersion !== s.opts.apiVersion) return undefined;
  const c = compare(lastApplied, s.live, s.type);
  return toFieldSet(lastApplied, s.type).difference(c.modified).difference(c.added).difference(c.removed);
}

function withoutLastApplied(config: Obj): Obj {
  const meta = config.metadata;
  if (!isObj(meta) || !isObj(meta.annotations) || !Object.hasOwn(meta.annotations, LAST_APPLIED_ANNOTATION))
    return config;
  const { [LAST_APPLIED_ANNOTATION]: _drop, ...annotations } = meta.annotations;
  return { ...config, metadata: { ...meta, annotations } };
}

/**
 * Server-side apply of the configuration `applied` (the decoded request body) to `live` (undefined
 * when the object does not exist yet). Returns the resulting object with its managedFields; when
 * nothing but ownership changes it is a copy of `live` with the new managedFields.
 *
 * Throws StatusErrors as upstream: 400 when the configuration is not an object, names another
 * apiVersion/kind ("invalid object type: ..."), lacks metadata.name or carries managedFields, or
 * has invalid lists (duplicate keys); 409 Conflict, with one FieldManagerConflict cause per field,
 * when it would change fields another manager owns and `force` is not set.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: unknown,
  opts: ApplyOptions,
): KubeObject {
  if (!isObj(applied)) {
    const what = Array.isArray(applied) ? 'array' : applied === null ? 'null' : typeof applied;
    throw badRequest(
      `error decoding patch: json: cannot unmarshal ${what} into Go value of type map[string]interface {}`,
    );
  }
  const gv = parseGroupVersion(typeof applied.apiVersion === 'string' ? applied.apiVersion : '');
  if (
    applied.apiVersion !== opts.apiVersion ||
    !gv ||
    typeof applied.kind !== 'string' ||
    applied.kind === '' ||
    (opts.kind !== undefined && applied.kind !== opts.kind)
  ) {
    throw badRequest(`invalid object type: ${gvkString(applied.apiVersion, applied.kind)}`);
  }
  const meta = isObj(applied.metadata) ? applied.metadata : undefined;
  if (meta && Object.hasOwn(meta, 'managedFields') && meta.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const name = typeof meta?.name === 'string' ? meta.name : '';
  if (name === '') {
    throw badRequest(
      opts.name
        ? `the name of the object (${opts.name} based on URL) was undeterminable: name must be provided`
        : 'name must be provided',
    );
  }
  if (opts.name !== undefined && name !== opts.name) {
    throw badRequest(`the name of the object (${name}) does not match the name on the URL (${opts.name})`);
  }
  const type = rootType(opts);
  const errs = validateApplied(applied, type);
  if (errs.length > 0) {
    const ns = typeof meta?.namespace === 'string' ? meta.namespace : '';
    const detail = errs.length === 1 ? errs[0] : ['errors:', ...errs].join('\n  ');
    throw badRequest(
      `failed to create typed patch object (${ns}/${name}; ${gvkString(applied.apiVersion, applied.kind)}): ${detail}`,
    );
  }

  // Nothing below mutates the configuration or the live object; the result is copied out at the end.
  let config: Obj = applied;
  if (meta && Object.hasOwn(meta, 'managedFields')) {
    const { managedFields: _drop, ...rest } = meta;
    config = { ...applied, metadata: rest };
  }
  const liveCopy = live ? (withoutManagedFields(live) as Obj) : {};
  const time = timeString(opts.time);
  let managed = live ? decodeOrEmpty(live.metadata?.managedFields) : emptyManaged();
  const reset = resetSet(opts);
  if (live && managed.fields.size === 0) {
    // Fields set before the first apply belong to "before-first-apply".
    const id = managerIdentifier({
      manager: 'before-first-apply',
      operation: 'Update',
      apiVersion: opts.apiVersion,
    });
    recordUpdate(managed, undefined, liveCopy, id, opts.apiVersion, time, type, reset);
    capUpdateManagers(managed);
  }
  const state: ApplyState = {
    managed,
    live: liveCopy,
    config,
    id: managerIdentifier({ manager: opts.manager, operation: 'Apply', subresource: opts.subresource }),
    type,
    reset,
    opts,
    time,
  };

  let result: { object: Obj; managed: Managed };
  try {
    result = applyOnce(state, opts.force ?? false);
  } catch (e) {
    if (!(e instanceof ApplyConflicts)) throw e;
    const allowed = opts.manager === 'kubectl' ? allowedFromLastApplied(state) : undefined;
    if (!allowed) throw applyConflictError(flattenConflicts(e.conflicts));
    const remaining = e.conflicts
      .map((c) => ({ manager: c.manager, set: c.set.difference(allowed) }))
      .filter((c) => !c.set.isEmpty());
    if (remaining.length > 0) throw applyConflictError(flattenConflicts(remaining));
    result = applyOnce(state, true);
  }
  managed = result.managed;
  const object = result.object as KubeObject;

  if (opts.manager === 'kubectl') {
    const annotations = (object.metadata as Obj | undefined)?.annotations;
    if (
      isObj(annotations) &&
      typeof annotations[LAST_APPLIED_ANNOTATION] === 'string' &&
      annotations[LAST_APPLIED_ANNOTATION] !== ''
    ) {
      annotations[LAST_APPLIED_ANNOTATION] = `${goJSON(withoutLastApplied(config))}\n`;
    }
  }
  object.metadata ??= {};
  const entries = encodeManagedFields(managed);
  if (entries) object.metadata.managedFields = entries;
  else delete object.metadata.managedFields;
  return object;
}
