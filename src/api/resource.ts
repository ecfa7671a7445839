/**
 * @module The declaration of one served resource. The apiserver has no per-resource handlers:
 * everything a resource does differently is declared here and read by the generic handlers,
 * discovery, the openapi documents and the table printer.
 */
import type { FieldError } from './errors.js';
import type { KubeObject } from './object.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export const ALL_VERBS: readonly Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** Where the scale subresource reads and writes, as JSON paths without the leading dot. */
export interface ScaleDef {
  /** e.g. 'spec.replicas' */
  specReplicasPath: string;
  /** e.g. 'status.replicas' */
  statusReplicasPath: string;
  /** e.g. 'status.selector' (a string selector) — or absent, then the selector is built from spec.selector. */
  labelSelectorPath?: string;
}

/** One column of the Table printed by `kubectl get`. */
export interface TableColumn {
  /** Upstream's header, e.g. 'Name', 'Ready', 'Status', 'Restarts', 'Age' (kubectl upper-cases it). */
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0 for the default view, 1 for columns shown only with -o wide. */
  priority: number;
  /** The cell for one object; `now` is the time the table is rendered (for ages). */
  cell: (obj: KubeObject, now: Date) => string | number | boolean | null;
}

/** Context handed to the strategy hooks. */
export interface StrategyContext {
  /** The current time, from the server's clock. */
  now: Date;
  /** Which subresource the write came through ('' for the main resource). */
  subresource: string;
}

/**
 * The storage of another resource that a resource shares (upstream's cohabitating resources, such as
 * events.k8s.io/v1 Events kept as core/v1 Events): the same keys, the same stored form and one watch cache.
 * Objects are converted on the way in and out, so both APIs see every object with the same name, uid and
 * resourceVersion, and a watch of either sees the writes made through the other.
 */
export interface SharedStorage {
  /** The resource whose storage is shared; it must be served too. */
  group: string;
  version: string;
  kind: string;
  plural: string;
  /** The stored form of an object of this resource. Returns a new object; apiVersion and kind are set by the caller. */
  toStorage: (obj: KubeObject) => KubeObject;
  /**
   * This resource's form of a stored object. Returns a new object and never mutates its input (a cached
   * object), though parts it does not change may be shared; apiVersion and kind are set by the caller.
   */
  fromStorage: (obj: KubeObject) => KubeObject;
}

export interface ResourceDef {
  /** API group ('' for core). */
  group: string;
  version: string;
  kind: string;
  /** Defaults to `${kind}List`. */
  listKind?: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  /** Verbs of the main resource; defaults to {@link ALL_VERBS}. */
  verbs?: Verb[];
  /** OpenAPI definition name of the kind, e.g. 'io.k8s.api.core.v1.Pod'. */
  schema: string;

  subresources?: {
    /** A status subresource: PUT/PATCH on /status writes only `status`; the main resource ignores `status`. */
    status?: boolean;
    scale?: ScaleDef;
    /** Other subresource names served by special handlers (binding, eviction, log, exec, finalize, ...). */
    others?: string[];
  };

  /**
   * Which top-level fields are status (kept from the old object on a main-resource update and
   * written only through /status). Defaults to ['status'] when a status subresource exists.
   */
  statusFields?: string[];
  /**
   * True for kinds whose strategy maintains metadata.generation (Deployment, Job, ...): it starts at 1
   * and is bumped by any change outside metadata and the status fields. False/absent: the server
   * leaves generation unset, as upstream does for ConfigMap, Pod (1.32), Service, ...
   */
  generation?: boolean;

  /** How names are validated: upstream's NameIsDNSSubdomain (default), NameIsDNSLabel, or path-segment. */
  nameValidation?: 'dns1123Subdomain' | 'dns1123Label' | 'pathSegment';

  /** Upstream's SetDefaults for the kind (and everything it contains); mutates `obj`. */
  defaults?: (obj: KubeObject) => void;
  /** Strategy PrepareForCreate: e.g. set the initial pod phase. Runs after defaults and name generation. */
  prepareForCreate?: (obj: KubeObject, ctx: StrategyContext) => void;
  /** Strategy PrepareForUpdate: kind-specific extras (status is kept generically). Runs after defaults and the generic generation bump. */
  prepareForUpdate?: (obj: KubeObject, old: KubeObject, ctx: StrategyContext) => void;
  /** Validation on create, after defaulting. Metadata (name, labels, annotations) is validated generically. */
  validateCreate?: (obj: KubeObject) => FieldError[];
  /** Validation on update (including immutable fields), after defaulting. */
  validateUpdate?: (obj: KubeObject, old: KubeObject) => FieldError[];
  /** Validation of a write through /status. Defaults to validateUpdate. */
  validateStatusUpdate?: (obj: KubeObject, old: KubeObject) => FieldError[];

  /**
   * Metadata fields a write through /status may change. Default none: upstream's ResetObjectMetaForStatus
   * keeps labels, annotations, finalizers and ownerReferences. The apps workloads' status strategies only
   * pin the spec (and, for Deployments, labels), so their controllers can set annotations with status.
   */
  statusWritableMetadata?: ReadonlyArray<'labels' | 'annotations' | 'finalizers' | 'ownerReferences'>;
  /**
   * Whether a create drops the client's `status` (upstream strategies reset it for most kinds with a status
   * subresource; Node keeps it). Default: true when `subresources.status` is set.
   */
  resetStatusOnCreate?: boolean;
  /** DELETE answers with the deleted object instead of a Success Status (upstream's ReturnDeletedObject). */
  returnDeletedObject?: boolean;
  /** Field paths (as in selectableFields) that the watch cache indexes, e.g. ['spec.nodeName']. */
  indexedFields?: string[];

  /** May PUT create a missing object (upstream's AllowCreateOnUpdate). */
  allowCreateOnUpdate?: boolean;
  /** May PUT omit metadata.resourceVersion (upstream's AllowUnconditionalUpdate); default true. */
  allowUnconditionalUpdate?: boolean;

  /**
   * Graceful deletion: given the object and the requested grace period (undefined when none was asked),
   * returns the grace period to use, or 0 for immediate deletion. Absent: immediate deletion.
   */
  gracePeriod?: (obj: KubeObject, requested: number | undefined) => number;

  /**
   * Called when a delete finds the object must wait (grace period, finalizers, or `deletionBlocked`), right
   * after deletionTimestamp is set; e.g. a Namespace turns its phase to Terminating.
   */
  beforeDelete?: (obj: KubeObject, ctx: StrategyContext) => void;
  /** Whether something besides metadata.finalizers keeps the object (a Namespace's spec.finalizers). */
  deletionBlocked?: (obj: KubeObject) => boolean;

  /** Columns of the Table; absent means NAME and AGE. */
  table?: TableColumn[];
  /**
   * Field selector values beyond metadata.name and metadata.namespace, which every
   * resource supports. Keys are the selectable field paths (e.g. 'spec.nodeName').
   */
  selectableFields?: (obj: KubeObject) => Record<string, string>;

  /** Set when the objects live in another resource's storage, converted at the boundary. */
  sharedStorage?: SharedStorage;
}

export function listKindOf(def: ResourceDef): string {
  return def.listKind ?? `${def.kind}List`;
}

export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
