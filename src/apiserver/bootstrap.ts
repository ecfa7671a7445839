/**
 * @module Objects every cluster has from its first start: the system namespaces, the `kubernetes`
 * Service and its Endpoints, and the system PriorityClasses.
 */
import type { Logger } from 'pino';
import { isStatusError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { systemPriorityClasses } from '../api/resources/others.js';
import { firstServiceIP } from './admission/service-allocator.js';
import type { ResourceRegistry } from './resource-registry.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface BootstrapOptions {
  serviceCIDR: string;
  /** host:port the API server listens on. */
  apiserverAddress: string;
  log: Logger;
}

async function ensure(
  registry: ResourceRegistry,
  log: Logger,
  group: string,
  kind: string,
  namespace: string,
  obj: KubeObject,
): Promise<void> {
  const store = registry.forKind(group, kind);
  if (!store) return;
  if (store.cache.get(store.key(namespace, obj.metadata.name!))) return;
  try {
    await store.create(namespace, obj, { dryRun: false, fieldManager: 'skiff-apiserver', subresource: '' });
  } catch (err) {
    if (isStatusError(err, 'AlreadyExists')) return;
    if (isStatusError(err, 'Invalid')) {
      log.warn({ kind, name: obj.metadata.name, err: err.message }, 'built-in object not created');
      return;
    }
    throw err;
  }
}

export async function bootstrap(registry: ResourceRegistry, opts: BootstrapOptions): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(registry, opts.log, '', 'Namespace', '', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
  for (const pc of systemPriorityClasses) {
    await ensure(registry, opts.log, 'scheduling.k8s.io', 'PriorityClass', '', structuredClone(pc));
  }
  const [host, portText] = splitHostPort(opts.apiserverAddress);
  const port = Number(portText);
  await ensure(registry, opts.log, '', 'Service', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: firstServiceIP(opts.serviceCIDR),
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
      sessionAffinity: 'None',
    },
  });
  // Endpoints may not point at loopback addresses; a server bound to one publishes none (clients in
  // this machine's process pods reach it through the kubeconfig address instead).
  if (isLoopback(host)) return;
  await ensure(registry, opts.log, '', 'Endpoints', 'default', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: host }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  });
}

function isLoopback(host: string): boolean {
  return host.startsWith('127.') || host === '::1' || host === 'localhost';
}

function splitHostPort(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), address.slice(i + 1)];
}
