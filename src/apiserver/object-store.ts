/**
 * @module The generic storage logic of one resource (upstream's genericregistry.Store): keys, encoding,
 * create/update/delete with the resource's strategy, optimistic concurrency, graceful deletion and finalizers.
 * Reads come from the resource's watch cache.
 */
import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  badRequest,
  conflict,
  type FieldError,
  type GroupResource,
  invalid,
  isStatusError,
  notFound,
  optimisticLockConflict,
  StatusError,
  timeout,
} from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { apiVersionOf, type ResourceDef, type StrategyContext } from '../api/resource.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/meta.js';
import { isStorageError, type KeyValue, type Store } from '../storage/interface.js';
import { type Clock, rfc3339 } from '../util/clock.js';
import { deepEqual, deepEqualExcept } from '../util/deep-equal.js';
import { copyJson } from '../util/json-copy.js';
import type { AdmissionAttributes, AdmissionPlugin } from './admission/types.js';
import { ConvertedCache } from './converted-cache.js';
import { type CacheEntry, type ResourceCache, WatchCache } from './watch-cache.js';

/** Records which manager owns which fields on ordinary (non-apply) writes. */
export interface FieldTracker {
  trackUpdate(
    old: KubeObject | undefined,
    obj: KubeObject,
    opts: {
      manager: string;
      subresource: string;
      apiVersion: string;
      time: string;
      rootDefinition: string;
      /** Top-level paths this write does not own: status for the main resource, the rest for /status. */
      resetFields: ReadonlyArray<readonly string[]>;
    },
  ): void;
}

export interface ObjectStoreDeps {
  store: Store;
  /** Events kept by the resource's watch cache for watches that resume from older revisions. */
  watchHistorySize?: number;
  onCacheError?: (err: unknown) => void;
  clock: Clock;
  admission: readonly AdmissionPlugin[];
  fieldTracker?: FieldTracker;
  /**
   * For a resource with `sharedStorage`: the watch cache of the resource that owns the storage, which this
   * store reads through a converting view instead of a cache of its own.
   */
  sharedCache?: WatchCache;
}

export interface WriteOptions {
  dryRun: boolean;
  /** The field manager recorded in managedFields. */
  fieldManager: string;
  /** '' for the main resource, else 'status', 'scale', ... */
  subresource: string;
  /**
   * Set when the object's managedFields are already final: recorded by the caller (server-side apply), or
   * to be kept as they are (pods/binding, which upstream writes to storage without a field manager).
   */
  managedFieldsDone?: boolean;
  /**
   * Skip the resource's defaulting, strategy and validation (a subresource such as pods/binding that
   * writes a field the main resource may not change). Metadata rules and admission still apply.
   */
  bypassStrategy?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

export interface UpdateResult {
  obj: KubeObject;
  created: boolean;
}

export interface DeleteResult {
  obj: KubeObject;
  /** True when the object is gone; false when it now waits (grace period, finalizers). */
  deleted: boolean;
}

/**
 * Computes the new object from the current one (undefined when absent). May throw a StatusError.
 * Returning the same object it was given is allowed; it is a private copy.
 */
export type TryUpdate = (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_NAME_ATTEMPTS = 8;
const MAX_CONFLICT_RETRIES = 10;
const FRESHNESS_TIMEOUT_MS = 3000;

const GC_FINALIZERS = ['orphan', 'foregroundDeletion'];

export class ObjectStore {
  readonly def: ResourceDef;
  readonly gr: GroupResource;
  readonly prefix: string;
  readonly apiVersion: string;
  /** What reads and watches of this resource use; entries are in this resource's form. */
  readonly cache: ResourceCache;
  /** The watch cache fed by the store: `cache` itself, or the one of the resource whose storage this one shares. */
  readonly sourceCache: WatchCache;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly admission: readonly AdmissionPlugin[];
  private readonly fieldTracker: FieldTracker | undefined;
  private readonly statusFields: readonly string[];
  /**
   * Objects this store just wrote, by key, with the exact value written: the watch cache takes the
   * object from here instead of parsing the value again.
   */
  private readonly written = new Map<string, { value: string; obj: KubeObject }>();
  /** How every stored value of this resource begins, up to the inside of its metadata ('' when converted). */
  private readonly metadataPrefix: string;
  private readonly storedApiVersion: string;
  private readonly storedKind: string;

  constructor(def: ResourceDef, prefix: string, deps: ObjectStoreDeps) {
    this.def = def;
    this.gr = { group: def.group, resource: def.plural };
    this.prefix = prefix;
    this.apiVersion = apiVersionOf(def);
    this.store = deps.store;
    const shared = def.sharedStorage;
    this.storedApiVersion = shared ? apiVersionOf(shared) : this.apiVersion;
    this.storedKind = shared ? shared.kind : def.kind;
    if (shared) {
      if (!deps.sharedCache)
        throw new Error(`${this.apiVersion} ${def.plural}: no cache of the shared storage`);
      this.sourceCache = deps.sharedCache;
      this.cache = new ConvertedCache(deps.sharedCache, (e) => this.fromStoredEntry(e));
    } else {
      this.sourceCache = new WatchCache({
        store: deps.store,
        prefix,
        decode: (kv) => this.decodeForCache(kv),
        indexedFields: def.indexedFields,
        historySize: deps.watchHistorySize,
        onError: deps.onCacheError,
      });
      this.cache = this.sourceCache;
    }
    this.clock = deps.clock;
    this.admission = deps.admission;
    this.fieldTracker = deps.fieldTracker;
    this.statusFields = def.statusFields ?? (def.subresources?.status ? ['status'] : []);
    this.metadataPrefix = shared
      ? ''
      : `{"apiVersion":${JSON.stringify(this.apiVersion)},"kind":${JSON.stringify(def.kind)},"metadata":{`;
  }

  key(namespace: string, name: string): string {
    return this.def.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  /** Key prefix of one namespace (or of everything when namespace is ''). */
  namespacePrefix(namespace: string): string {
    return this.def.namespaced && namespace ? `${this.prefix}${namespace}/` : this.prefix;
  }

  /** Decodes a stored value into an object carrying its resourceVersion, plus its selectable fields. */
  decode(kv: KeyValue): { obj: KubeObject; fields: Record<string, string> } {
    const stored = JSON.parse(kv.value) as KubeObject;
    stored.metadata.resourceVersion = String(kv.modRevision);
    const obj = this.fromStored(stored);
    return { obj, fields: this.fieldsOf(obj) };
  }

  /** This resource's form of a stored object: the object itself unless the storage is shared. */
  private fromStored(stored: KubeObject): KubeObject {
    const shared = this.def.sharedStorage;
    if (!shared) return stored;
    return { ...shared.fromStorage(stored), apiVersion: this.apiVersion, kind: this.def.kind };
  }

  /** This resource's entry for an entry of the shared storage's cache. */
  private fromStoredEntry(e: CacheEntry): CacheEntry {
    const obj = this.fromStored(e.obj);
    return { ...e, obj, fields: this.fieldsOf(obj), json: undefined };
  }

  /**
   * Like {@link decode}, for the watch cache: reuses the object of a write this store just made when the
   * value is the one it wrote. The object is then shared with the write's response; neither mutates it.
   */
  decodeForCache(kv: KeyValue): { obj: KubeObject; fields: Record<string, string>; json?: string } {
    const hint = this.written.get(kv.key);
    if (hint !== undefined) {
      this.written.delete(kv.key);
      if (hint.value === kv.value) {
        const { obj, json } = this.stored(hint.obj, kv);
        shareFieldsV1(obj);
        return { obj, fields: this.fieldsOf(obj), json };
      }
    }
    const decoded = this.decode(kv);
    shareFieldsV1(decoded.obj);
    return decoded;
  }

  /**
   * The object as stored at `kv`'s revision, with its JSON: the written value with the resourceVersion
   * spliced into metadata (the stored form always starts with apiVersion, kind and a non-empty metadata).
   */
  private stored(obj: KubeObject, kv: KeyValue): { obj: KubeObject; json: string } {
    const stored = withResourceVersion(obj, kv.modRevision);
    const value = kv.value;
    const at = this.metadataPrefix.length;
    const json =
      at > 0 && value.startsWith(this.metadataPrefix)
        ? `${value.slice(0, at)}"resourceVersion":"${kv.modRevision}"${value[at] === '}' ? '' : ','}${value.slice(at)}`
        : JSON.stringify(stored);
    serializedObjects.set(stored, json);
    return { obj: stored, json };
  }

  /** Encodes `obj`, remembering it for {@link decodeForCache}. */
  private encodeForWrite(key: string, obj: KubeObject): string {
    const value = this.encode(obj);
    // Only this store's own cache takes objects from here.
    if (this.def.sharedStorage) return value;
    if (this.written.size > 10_000) this.written.clear();
    this.written.set(key, { value, obj });
    return value;
  }

  fieldsOf(obj: KubeObject): Record<string, string> {
    const own = this.def.selectableFields?.(obj) ?? {};
    const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '', ...own };
    if (this.def.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
    return fields;
  }

  /** The stored form: without resourceVersion, top-level fields in upstream's order. */
  encode(obj: KubeObject): string {
    const storedObj = this.def.sharedStorage ? this.def.sharedStorage.toStorage(obj) : obj;
    const { resourceVersion: _rv, selfLink: _sl, ...metadata } = storedObj.metadata;
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = storedObj;
    return JSON.stringify({ apiVersion: this.storedApiVersion, kind: this.storedKind, metadata, ...rest });
  }

  /** Waits until the cache reflects every write acknowledged so far (a consistent read). */
  async waitFresh(): Promise<void> {
    const rev = await this.store.currentRevision();
    try {
      await this.cache.waitForRevision(rev, FRESHNESS_TIMEOUT_MS);
    } catch {
      throw timeout(`the watch cache of ${this.gr.resource} did not catch up with revision ${rev}`);
    }
  }

  /** The current object, from the cache after a freshness wait; 404 when absent. */
  async get(namespace: string, name: string): Promise<CacheEntry> {
    await this.waitFresh();
    const entry = this.cache.get(this.key(namespace, name));
    if (!entry) throw notFound(this.gr, name);
    return entry;
  }

  /**
   * One page of a list read from the store at `revision` (for continue tokens and Exact reads that the
   * cache cannot answer). Scans past non-matching keys until `limit` matches are found.
   */
  async listAtRevision(
    namespace: string,
    revision: number,
    startAfterRelative: string,
    limit: number,
    matches: (e: CacheEntry) => boolean,
  ): Promise<{ entries: CacheEntry[]; more: boolean; lastKey: string }> {
    const prefix = this.namespacePrefix(namespace);
    let startAfter = startAfterRelative ? this.prefix + startAfterRelative : undefined;
    const entries: CacheEntry[] = [];
    let lastKey = '';
    for (;;) {
      const page = await this.store.list(prefix, {
        revision,
        limit: limit > 0 ? Math.max(limit, 500) : 0,
        startAfter,
      });
      for (let i = 0; i < page.kvs.length; i++) {
        const kv = page.kvs[i]!;
        const { obj, fields } = this.decode(kv);
        const entry: CacheEntry = {
          key: kv.key,
          obj,
          rev: kv.modRevision,
          namespace: obj.metadata.namespace ?? '',
          fields,
          labels: obj.metadata.labels ?? {},
        };
        lastKey = kv.key;
        if (matches(entry)) entries.push(entry);
        if (limit > 0 && entries.length === limit) {
          const more = i + 1 < page.kvs.length || page.more;
          return { entries, more, lastKey };
        }
      }
      if (!page.more || page.kvs.length === 0) return { entries, more: false, lastKey };
      startAfter = page.kvs[page.kvs.length - 1]!.key;
    }
  }

  private ctx(subresource: string): StrategyContext {
    return { now: this.clock.now(), subresource };
  }

  private async runAdmission(phase: 'admit' | 'validate', attrs: AdmissionAttributes): Promise<void> {
    for (const p of this.admission) {
      const fn = p[phase];
      if (fn) await fn.call(p, attrs);
    }
  }

  private abortAdmission(attrs: AdmissionAttributes): void {
    for (const p of this.admission) p.abort?.(attrs);
  }

  private committedAdmission(attrs: AdmissionAttributes, stored: KubeObject): void {
    for (const p of this.admission) p.committed?.(attrs, stored);
  }

  private throwIfInvalid(name: string, errs: FieldError[]): void {
    if (errs.length > 0) throw invalid(this.def.group, this.def.kind, name, errs);
  }

  /** Creates an object in `namespace` ('' for cluster-scoped kinds). */
  async create(namespace: string, input: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const meta = input.metadata;
    if (meta.resourceVersion) {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    if (this.def.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    const now = this.clock.now();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.def.generation) meta.generation = 1;
    else delete meta.generation;
    input.apiVersion = this.apiVersion;
    input.kind = this.def.kind;

    const ctx = this.ctx(opts.subresource);
    const resetStatus = this.def.resetStatusOnCreate ?? this.statusFields.length > 0;
    // Upstream strategies replace status with its zero value, which serializes as {}.
    if (resetStatus) for (const f of this.statusFields) input[f] = {};
    this.def.defaults?.(input);

    const generate = !meta.name && !!meta.generateName;
    const attempts = generate ? GENERATE_NAME_ATTEMPTS : 1;
    for (let attempt = 0; ; attempt++) {
      // Each attempt prepares a fresh copy: strategies may derive fields from the name (Job labels).
      const obj = attempts > 1 ? copyJson(input) : input;
      const meta = obj.metadata;
      if (generate) meta.name = generateName(meta.generateName!);
      this.def.prepareForCreate?.(obj, ctx);
      const attrs: AdmissionAttributes = {
        operation: 'CREATE',
        def: this.def,
        namespace,
        name: meta.name ?? '',
        subresource: opts.subresource,
        obj,
        old: undefined,
        dryRun: opts.dryRun,
      };
      await this.runAdmission('admit', attrs);
      const errs = validateObjectMeta(meta, {
        namespaced: this.def.namespaced,
        nameValidation: this.def.nameValidation ?? 'dns1123Subdomain',
      });
      errs.push(...(this.def.validateCreate?.(obj) ?? []));
      this.throwIfInvalid(meta.name ?? '', errs);
      try {
        await this.runAdmission('validate', attrs);
      } catch (err) {
        this.abortAdmission(attrs);
        throw err;
      }
      if (!opts.managedFieldsDone) {
        this.fieldTracker?.trackUpdate(undefined, obj, {
          manager: opts.fieldManager,
          subresource: opts.subresource,
          apiVersion: this.apiVersion,
          time: rfc3339(now),
          rootDefinition: this.def.schema,
          resetFields: this.resetFields(obj, opts.subresource),
        });
      }
      const key = this.key(namespace, meta.name!);
      if (opts.dryRun) {
        // As upstream's dry-run storage: a create that would collide fails the same way.
        this.abortAdmission(attrs);
        const { kv: existing } = await this.store.get(key);
        if (!existing) return obj;
        if (attempt + 1 < attempts) continue;
        throw this.alreadyExistsError(meta.name!, existing);
      }
      try {
        const kv = await this.store.create(key, this.encodeForWrite(key, obj));
        const stored = this.stored(obj, kv).obj;
        this.committedAdmission(attrs, stored);
        return stored;
      } catch (err) {
        this.written.delete(key);
        this.abortAdmission(attrs);
        if (isStorageError(err, 'KeyExists')) {
          if (attempt + 1 < attempts) continue;
          throw this.alreadyExistsError(meta.name!, (await this.store.get(key)).kv);
        }
        throw err;
      }
    }
  }

  /**
   * Reads the current object, computes the new one with `tryUpdate` and writes it guarded by the
   * read's revision, retrying on conflicts unless `precondition` (a resourceVersion the client sent)
   * is set. Creates when absent if `allowCreate` (tryUpdate then gets undefined).
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    opts: WriteOptions & { allowCreate?: boolean; precondition?: string; requirePrecondition?: boolean },
    tryUpdate: TryUpdate,
  ): Promise<UpdateResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      // The first try starts from the watch cache (no store read, no parse of the stored value); a stale
      // entry only costs a Conflict from the guarded write, and the retry reads the store.
      const cached = attempt === 0 ? this.cache.get(key) : undefined;
      if (cached) {
        const current = cached.obj;
        this.checkPreconditions(current, name, opts);
        const obj = await tryUpdate(copyJson(cached.obj));
        const result = await this.writeUpdate(
          namespace,
          name,
          { key, modRevision: cached.rev },
          current,
          obj,
          opts,
        );
        if (result === 'conflict') {
          if (opts.precondition) throw optimisticLockConflict(this.gr, name);
          continue;
        }
        return { obj: result, created: false };
      }
      const { kv } = await this.store.get(key);
      if (!kv) {
        if (!opts.allowCreate) throw notFound(this.gr, name);
        const obj = await tryUpdate(undefined);
        if (obj.metadata.name && obj.metadata.name !== name) {
          throw badRequest(
            `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
          );
        }
        if (this.def.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
          throw namespaceMismatch(obj.metadata.namespace, namespace);
        }
        obj.metadata.name = name;
        delete obj.metadata.resourceVersion;
        try {
          return { obj: await this.create(namespace, obj, opts), created: true };
        } catch (err) {
          if (isStatusError(err, 'AlreadyExists') && attempt < MAX_CONFLICT_RETRIES) continue;
          throw err;
        }
      }
      const old = this.decode(kv).obj;
      this.checkPreconditions(old, name, opts);
      const obj = await tryUpdate(this.decode(kv).obj);
      const result = await this.writeUpdate(namespace, name, kv, old, obj, opts);
      if (result === 'conflict') {
        if (opts.precondition || attempt >= MAX_CONFLICT_RETRIES) throw optimisticLockConflict(this.gr, name);
        continue;
      }
      return { obj: result, created: false };
    }
  }

  private checkPreconditions(
    current: KubeObject,
    name: string,
    opts: { precondition?: string; requirePrecondition?: boolean },
  ): void {
    if (opts.precondition && opts.precondition !== current.metadata.resourceVersion) {
      throw optimisticLockConflict(this.gr, name);
    }
    if (!opts.precondition && opts.requirePrecondition && this.def.allowUnconditionalUpdate === false) {
      throw invalid(this.def.group, this.def.kind, name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          badValue: '',
          detail: 'must be specified for an update',
        },
      ]);
    }
  }

  /**
   * The update half: strategy, validation, admission, write. `old` may be the watch cache's shared object:
   * it is only read, and nothing of it is put into `obj` without a copy. Returns 'conflict' when the revision
   * moved.
   */
  private async writeUpdate(
    namespace: string,
    name: string,
    kv: { key: string; modRevision: number },
    old: KubeObject,
    obj: KubeObject,
    opts: WriteOptions,
  ): Promise<KubeObject | 'conflict'> {
    const meta = obj.metadata;
    const oldMeta = old.metadata;
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (this.def.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw namespaceMismatch(meta.namespace, namespace);
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.def.kind;
    meta.name = name;
    if (this.def.namespaced) meta.namespace = namespace;
    // Fields only the server sets.
    meta.uid ||= oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    delete meta.selfLink;
    meta.resourceVersion = oldMeta.resourceVersion;

    const ctx = this.ctx(opts.subresource);
    const strategy = !opts.bypassStrategy;
    this.applySubresourceScope(obj, old, opts.subresource);
    if (strategy) this.def.defaults?.(obj);
    if (this.def.generation) {
      meta.generation = oldMeta.generation ?? 1;
      if (opts.subresource !== 'status' && this.specChanged(obj, old))
        meta.generation = (oldMeta.generation ?? 0) + 1;
    } else {
      delete meta.generation;
    }
    if (strategy) this.def.prepareForUpdate?.(obj, old, ctx);

    const attrs: AdmissionAttributes = {
      operation: 'UPDATE',
      def: this.def,
      namespace,
      name,
      subresource: opts.subresource,
      obj,
      old,
      dryRun: opts.dryRun,
    };
    await this.runAdmission('admit', attrs);
    const nameValidation = this.def.nameValidation ?? 'dns1123Subdomain';
    const errs = [
      ...validateObjectMeta(meta, { namespaced: this.def.namespaced, nameValidation }),
      ...validateObjectMetaUpdate(meta, oldMeta),
    ];
    const validate =
      opts.subresource === 'status'
        ? (this.def.validateStatusUpdate ?? this.def.validateUpdate)
        : this.def.validateUpdate;
    if (strategy) errs.push(...(validate?.call(this.def, obj, old) ?? []));
    this.throwIfInvalid(name, errs);
    await this.runAdmission('validate', attrs);

    // Server-side apply has computed managedFields already: a change of owners alone (a co-owner) is a write.
    const withManagers = opts.managedFieldsDone === true;
    const unchanged = this.sameContent(obj, old, withManagers);
    if (unchanged) {
      this.abortAdmission(attrs);
      return old;
    }
    if (!opts.managedFieldsDone) {
      this.fieldTracker?.trackUpdate(old, obj, {
        manager: opts.fieldManager,
        subresource: opts.subresource,
        apiVersion: this.apiVersion,
        time: rfc3339(ctx.now),
        rootDefinition: this.def.schema,
        resetFields: this.resetFields(obj, opts.subresource),
      });
    }
    if (opts.dryRun) {
      this.abortAdmission(attrs);
      return obj;
    }
    // An object being deleted whose last finalizer is gone is deleted now.
    if (meta.deletionTimestamp && this.readyToDelete(obj)) {
      try {
        const res = await this.store.delete(kv.key, kv.modRevision);
        this.committedAdmission(attrs, obj);
        return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(res.revision) } };
      } catch (err) {
        this.abortAdmission(attrs);
        if (isStorageError(err, 'Conflict')) return 'conflict';
        if (isStorageError(err, 'KeyNotFound')) throw notFound(this.gr, name);
        throw err;
      }
    }
    try {
      const written = await this.store.update(kv.key, this.encodeForWrite(kv.key, obj), kv.modRevision);
      const stored = this.stored(obj, written).obj;
      this.committedAdmission(attrs, stored);
      return stored;
    } catch (err) {
      this.written.delete(kv.key);
      this.abortAdmission(attrs);
      if (isStorageError(err, 'Conflict')) return 'conflict';
      if (isStorageError(err, 'KeyNotFound')) throw notFound(this.gr, name);
      throw err;
    }
  }

  /**
   * Fields a write through `subresource` neither owns nor changes (upstream's reset fields): the status
   * fields for the main resource, everything else for /status.
   */
  resetFields(obj: KubeObject, subresource: string): string[][] {
    if (this.statusFields.length === 0) return [];
    if (subresource === 'status') {
      return Object.keys(obj)
        .filter(
          (k) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && !this.statusFields.includes(k),
        )
        .map((k) => [k]);
    }
    return subresource === '' ? this.statusFields.map((f) => [f]) : [];
  }

  /** A main-resource write keeps the old status; a status write keeps everything but status and a few metadata. */
  private applySubresourceScope(obj: KubeObject, old: KubeObject, subresource: string): void {
    if (this.statusFields.length === 0) return;
    if (subresource === 'status') {
      for (const k of Object.keys(obj)) {
        if (k !== 'metadata' && k !== 'apiVersion' && k !== 'kind' && !this.statusFields.includes(k))
          if (!Object.hasOwn(old, k)) delete obj[k];
      }
      for (const k of Object.keys(old)) {
        if (k !== 'metadata' && k !== 'apiVersion' && k !== 'kind' && !this.statusFields.includes(k))
          keepOld(obj, old, k);
      }
      const m = obj.metadata;
      const o = old.metadata;
      // As upstream's ResetObjectMetaForStatus: managedFields may change, the rest of these may not.
      setOrDelete(m, 'deletionTimestamp', o.deletionTimestamp);
      setOrDelete(m, 'generation', o.generation);
      const writable = this.def.statusWritableMetadata ?? [];
      for (const f of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
        if (!writable.includes(f)) setOrDelete(m, f, copyJson(o[f]));
      }
    } else if (subresource === '') {
      for (const f of this.statusFields) {
        if (old[f] === undefined) delete obj[f];
        else keepOld(obj, old, f);
      }
    }
  }

  private specChanged(obj: KubeObject, old: KubeObject): boolean {
    const keys = new Set([...Object.keys(obj), ...Object.keys(old)]);
    for (const k of keys) {
      if (k === 'metadata' || k === 'apiVersion' || k === 'kind' || this.statusFields.includes(k)) continue;
      if (!deepEqual(obj[k], old[k])) return true;
    }
    return false;
  }

  /** AlreadyExists for a create colliding with `existing`, worded as upstream when that object is being deleted. */
  private alreadyExistsError(name: string, existing: KeyValue | undefined): StatusError {
    const err = alreadyExists(this.gr, name);
    if (!existing || !this.decode(existing).obj.metadata.deletionTimestamp) return err;
    return new StatusError({
      ...err.status,
      message: `object is being deleted: ${err.status.message ?? ''}`,
    });
  }

  /** Whether a write would change nothing: resourceVersion and, unless asked for, managedFields aside. */
  private sameContent(obj: KubeObject, old: KubeObject, withManagedFields: boolean): boolean {
    return (
      deepEqualExcept(obj, old, TOP_LEVEL_IGNORED) &&
      deepEqualExcept(
        obj.metadata as Record<string, unknown>,
        old.metadata as Record<string, unknown>,
        withManagedFields ? IGNORED_META : IGNORED_META_AND_MANAGERS,
      )
    );
  }

  private readyToDelete(obj: KubeObject): boolean {
    const finalizers = obj.metadata.finalizers ?? [];
    if (finalizers.length > 0) return false;
    if (this.def.deletionBlocked?.(obj)) return false;
    return (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0;
  }

  /** Deletes an object: immediately, or by marking it with deletionTimestamp when it must wait. */
  async delete(namespace: string, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const { kv } = await this.store.get(key);
      if (!kv) throw notFound(this.gr, name);
      const obj = this.decode(kv).obj;
      const meta = obj.metadata;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw conflict(
          this.gr,
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw conflict(
          this.gr,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
        );
      }
      const attrs: AdmissionAttributes = {
        operation: 'DELETE',
        def: this.def,
        namespace,
        name,
        subresource: '',
        obj: undefined,
        old: obj,
        dryRun: options.dryRun,
      };
      await this.runAdmission('validate', attrs);

      const updated = copyJson(obj);
      const changedFinalizers = this.applyGcPolicy(updated, options);
      const requested = options.gracePeriodSeconds;
      const now = this.clock.now();
      let grace = this.def.gracePeriod ? this.def.gracePeriod(obj, requested) : 0;
      if (grace < 0) grace = 0;
      let changed = changedFinalizers;
      if (meta.deletionTimestamp) {
        // Already terminating: only a shorter grace period changes anything.
        const current = meta.deletionGracePeriodSeconds ?? 0;
        if (requested !== undefined && grace < current) {
          updated.metadata.deletionGracePeriodSeconds = grace;
          updated.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
          changed = true;
        }
      } else if (
        grace > 0 ||
        (updated.metadata.finalizers ?? []).length > 0 ||
        this.def.deletionBlocked?.(obj)
      ) {
        updated.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
        updated.metadata.deletionGracePeriodSeconds = grace;
        if (this.def.generation) updated.metadata.generation = (meta.generation ?? 0) + 1;
        this.def.beforeDelete?.(updated, this.ctx(''));
        changed = true;
      }

      if (this.readyToDelete(updated)) {
        if (options.dryRun) return { obj, deleted: true };
        try {
          const res = await this.store.delete(key, kv.modRevision);
          const last = { ...obj, metadata: { ...meta, resourceVersion: String(res.revision) } };
          return { obj: last, deleted: true };
        } catch (err) {
          if (isStorageError(err, 'Conflict') && attempt < MAX_CONFLICT_RETRIES) continue;
          if (isStorageError(err, 'KeyNotFound')) throw notFound(this.gr, name);
          throw err;
        }
      }
      if (!changed || options.dryRun) return { obj: changed ? updated : obj, deleted: false };
      try {
        const written = await this.store.update(key, this.encode(updated), kv.modRevision);
        return { obj: this.decode(written).obj, deleted: false };
      } catch (err) {
        if (isStorageError(err, 'Conflict') && attempt < MAX_CONFLICT_RETRIES) continue;
        if (isStorageError(err, 'KeyNotFound')) throw notFound(this.gr, name);
        throw err;
      }
    }
  }

  /**
   * Sets the orphan / foregroundDeletion finalizers the deletion's propagation policy asks for
   * (as upstream's deletionFinalizersForGarbageCollection). Returns true when finalizers changed.
   */
  private applyGcPolicy(obj: KubeObject, options: DeleteOptions): boolean {
    let policy = options.propagationPolicy;
    if (!policy && options.orphanDependents !== undefined) {
      policy = options.orphanDependents ? 'Orphan' : 'Background';
    }
    if (!policy) return false;
    const before = obj.metadata.finalizers ?? [];
    const kept = before.filter((f) => !GC_FINALIZERS.includes(f));
    if (policy === 'Orphan') kept.push('orphan');
    if (policy === 'Foreground') kept.push('foregroundDeletion');
    const same = kept.length === before.length && kept.every((f) => before.includes(f));
    if (same) return false;
    if (kept.length > 0) obj.metadata.finalizers = kept;
    else delete obj.metadata.finalizers;
    return true;
  }
}

/**
 * FieldsV1 trees by their JSON. Objects of one shape have equal trees (every pod of a ReplicaSet, say), so
 * the watch cache keeps one tree per shape instead of one per object: managedFields are about a third of
 * a cached pod's heap. Cached objects are never mutated, so sharing is safe.
 */
const sharedFieldsV1 = new Map<string, Record<string, unknown>>();
const SHARED_FIELDS_V1_LIMIT = 10_000;

/** Replaces each managedFields entry's FieldsV1 tree of `obj` with the shared equal one. */
function shareFieldsV1(obj: KubeObject): void {
  const entries = obj.metadata.managedFields;
  if (!Array.isArray(entries)) return;
  for (const e of entries) {
    const tree = e.fieldsV1;
    if (typeof tree !== 'object' || tree === null) continue;
    const key = JSON.stringify(tree);
    const shared = sharedFieldsV1.get(key);
    if (shared !== undefined) {
      e.fieldsV1 = shared;
      continue;
    }
    if (sharedFieldsV1.size >= SHARED_FIELDS_V1_LIMIT) sharedFieldsV1.clear();
    sharedFieldsV1.set(key, tree);
  }
}

/** The JSON of objects a write just stored, so responses need not serialize them again. */
const serializedObjects = new WeakMap<KubeObject, string>();

/** The JSON the store already made of `obj`, if it was just written. */
export function knownJson(obj: KubeObject): string | undefined {
  return serializedObjects.get(obj);
}

/**
 * Sets `obj[key]` to a copy of `old[key]`; `obj` (a private copy) keeps its own value when it is already
 * equal: comparing costs a fraction of copying, and most writes leave the other half of the object alone.
 */
function keepOld(obj: KubeObject, old: KubeObject, key: string): void {
  if (!deepEqual(obj[key], old[key])) obj[key] = copyJson(old[key]);
}

/** A shallow copy of `obj` whose metadata carries the revision as resourceVersion. */
function withResourceVersion(obj: KubeObject, rev: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rev) } };
}

const TOP_LEVEL_IGNORED = new Set(['metadata', 'apiVersion', 'kind']);
const IGNORED_META = new Set(['resourceVersion']);
const IGNORED_META_AND_MANAGERS = new Set(['resourceVersion', 'managedFields']);

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/** Upstream's checkName error for updates and patches whose object names another namespace. */
export function namespaceMismatch(objNamespace: string, namespace: string): StatusError {
  return badRequest(
    `the namespace of the object (${objNamespace}) does not match the namespace on the request (${namespace})`,
  );
}

/** generateName plus five random characters from upstream's alphabet; the base is cut to fit 63 characters. */
export function generateName(base: string): string {
  const maxBase = 63 - 5;
  const b = base.length > maxBase ? base.slice(0, maxBase) : base;
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  }
  return b + suffix;
}
