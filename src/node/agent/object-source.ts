/**
 * @module The ConfigMaps, Secrets and Services pods refer to, read through the client: ConfigMaps and Secrets
 * by GET (concurrent reads of one object share a request, and a result is reused for a short time), Services
 * from a shared informer's cache.
 */
import { isStatusError } from '../../api/errors.js';
import type { KubeClient } from '../../client/client.js';
import type { Store } from '../../client/informer/index.js';
import { CONFIG_MAPS, SECRETS, type ConfigMap, type Secret, type Service } from '../../client/resources.js';
import type { Clock } from '../../util/clock.js';
import type { ObjectSource } from './env.js';

interface Cached<T> {
  at: number;
  value: Promise<T | undefined>;
}

export interface ClientObjectSourceOptions {
  client: KubeClient;
  clock: Clock;
  /** Services cache (all namespaces); without it there are no service link variables. */
  services?: Store<Service>;
  /** How long a read is reused; default 1 s. */
  ttlMs?: number;
}

/** An {@link ObjectSource} over the API. */
export class ClientObjectSource implements ObjectSource {
  private readonly cache = new Map<string, Cached<ConfigMap | Secret>>();
  private readonly ttl: number;

  constructor(private readonly opts: ClientObjectSourceOptions) {
    this.ttl = opts.ttlMs ?? 1000;
  }

  private read<T extends ConfigMap | Secret>(
    kind: 'cm' | 'secret',
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    const key = `${kind}/${namespace}/${name}`;
    const now = this.opts.clock.now().getTime();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttl) return hit.value as Promise<T | undefined>;
    const res = kind === 'cm' ? CONFIG_MAPS : SECRETS;
    const value = (this.opts.client.get(res, name, { namespace }) as Promise<T>).catch((err: unknown) => {
      if (isStatusError(err) && err.code === 404) return undefined;
      this.cache.delete(key);
      throw err;
    });
    this.cache.set(key, { at: now, value });
    if (this.cache.size > 4096) {
      for (const [k, v] of this.cache) if (now - v.at >= this.ttl) this.cache.delete(k);
    }
    return value;
  }

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.read<ConfigMap>('cm', namespace, name);
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.read<Secret>('secret', namespace, name);
  }

  services(namespace: string): readonly Service[] {
    return this.opts.services?.byIndex('namespace', namespace) ?? [];
  }
}
