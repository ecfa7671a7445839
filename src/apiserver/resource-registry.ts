/** @module The served resources: their declarations, object stores and watch caches, looked up by URL parts. */
import { apiVersionOf, type ResourceDef } from '../api/resource.js';
import type { Store } from '../storage/interface.js';
import type { Clock } from '../util/clock.js';
import type { AdmissionPlugin } from './admission/types.js';
import { type FieldTracker, ObjectStore } from './object-store.js';
import type { WatchCache } from './watch-cache.js';

/** Upstream's order of groups in discovery (core first); groups not listed follow alphabetically. */
const GROUP_ORDER = [
  '',
  'apps',
  'events.k8s.io',
  'autoscaling',
  'batch',
  'policy',
  'rbac.authorization.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
];

export interface GroupInfo {
  name: string;
  /** Versions, preferred first. */
  versions: string[];
}

export interface ResourceRegistryOptions {
  defs: readonly ResourceDef[];
  store: Store;
  clock: Clock;
  admission: readonly AdmissionPlugin[];
  fieldTracker?: FieldTracker;
  watchHistorySize?: number;
  onError?: (err: unknown) => void;
}

export class ResourceRegistry {
  private readonly byPath = new Map<string, ObjectStore>();
  private readonly byKind = new Map<string, ObjectStore>();
  readonly stores: ObjectStore[] = [];
  readonly groups: GroupInfo[];
  /** One watch cache per storage prefix; resources sharing a storage read it through converting views. */
  private readonly caches = new Map<string, WatchCache>();

  constructor(opts: ResourceRegistryOptions) {
    const storagePrefix = (d: Pick<ResourceDef, 'group' | 'plural'>): string =>
      `/registry/${d.group || 'core'}/${d.plural}/`;
    const built = new Map<ResourceDef, ObjectStore>();
    // Owners of their storage first: the resources sharing it need their caches.
    for (const def of [...opts.defs].sort((a, b) => Number(!!a.sharedStorage) - Number(!!b.sharedStorage))) {
      const prefix = storagePrefix(def.sharedStorage ?? def);
      let sharedCache: WatchCache | undefined;
      if (def.sharedStorage) {
        sharedCache = this.caches.get(prefix);
        if (!sharedCache) {
          throw new Error(`${apiVersionOf(def)} ${def.plural} shares the storage of a resource not served`);
        }
      }
      const os = new ObjectStore(def, prefix, {
        store: opts.store,
        clock: opts.clock,
        admission: opts.admission,
        fieldTracker: opts.fieldTracker,
        watchHistorySize: opts.watchHistorySize,
        onCacheError: opts.onError,
        sharedCache,
      });
      if (!def.sharedStorage) {
        if (this.caches.has(prefix)) {
          throw new Error(`two resources own the storage ${prefix}: declare sharedStorage on one of them`);
        }
        this.caches.set(prefix, os.sourceCache);
      }
      built.set(def, os);
    }
    for (const def of opts.defs) {
      const os = built.get(def)!;
      this.stores.push(os);
      this.byPath.set(pathKey(def.group, def.version, def.plural), os);
      this.byKind.set(kindKey(def.group, def.kind), os);
    }
    const versions = new Map<string, Set<string>>();
    for (const d of opts.defs) {
      let s = versions.get(d.group);
      if (!s) versions.set(d.group, (s = new Set()));
      s.add(d.version);
    }
    const rank = (g: string): number => {
      const i = GROUP_ORDER.indexOf(g);
      return i < 0 ? GROUP_ORDER.length : i;
    };
    this.groups = [...versions.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([name, vs]) => ({ name, versions: [...vs] }));
  }

  /** Starts every watch cache; resolves when all hold a complete state. */
  async start(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.start()));
  }

  stop(): void {
    for (const c of this.caches.values()) c.stop();
  }

  lookup(group: string, version: string, plural: string): ObjectStore | undefined {
    return this.byPath.get(pathKey(group, version, plural));
  }

  /** The store serving a kind in a group (any version). */
  forKind(group: string, kind: string): ObjectStore | undefined {
    return this.byKind.get(kindKey(group, kind));
  }

  /** Resources of one group version, in declaration order. */
  resourcesOf(group: string, version: string): ResourceDef[] {
    return this.stores.map((s) => s.def).filter((d) => d.group === group && d.version === version);
  }

  groupVersions(): string[] {
    const out: string[] = [];
    for (const g of this.groups)
      for (const v of g.versions) out.push(apiVersionOf({ group: g.name, version: v }));
    return out;
  }

  get watcherCount(): number {
    let n = 0;
    for (const c of this.caches.values()) n += c.watcherCount;
    return n;
  }
}

function pathKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

function kindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}
