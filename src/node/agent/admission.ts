/**
 * @module Pod admission on the node (upstream's predicate admit handler, resource part): a pod is rejected
 * when its requests do not fit the node's allocatable minus the pods already admitted, with upstream's
 * reason (`OutOfcpu`, `OutOfmemory`, `OutOfpods`, ...) and message.
 */
import type { Pod } from '../../client/resources.js';
import { podRequests, Resource } from '../../scheduler/framework/types.js';

export type AdmitResult = { admit: true } | { admit: false; reason: string; message: string };

/** Extended resources the scheduler accounts per GPU device; a node that does not list them does not check them. */
const DEVICE_SHARE_PREFIX = 'koordinator.sh/';

function insufficient(name: string, requested: number, used: number, capacity: number): AdmitResult {
  return {
    admit: false,
    reason: `OutOf${name}`,
    message: `Node didn't have enough resource: ${name}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  };
}

/** Requests by pod object (an updated pod is a new object): admitting n pods one by one stays O(n) each. */
const requestsCache = new WeakMap<Pod, ReturnType<typeof podRequests>>();

function cachedRequests(pod: Pod): ReturnType<typeof podRequests> {
  let r = requestsCache.get(pod);
  if (!r) {
    r = podRequests(pod);
    requestsCache.set(pod, r);
  }
  return r;
}

/**
 * Whether `pod` fits next to `admitted` (the pods already running or admitted on the node) within
 * `allocatable` (the node's status.allocatable). The first failure wins, in upstream's order: pods, cpu,
 * memory, ephemeral-storage, then extended resources.
 */
export function admitPod(
  pod: Pod,
  admitted: readonly Pod[],
  allocatable: Record<string, string | number>,
): AdmitResult {
  const alloc = Resource.fromList(allocatable);
  const used = new Resource();
  for (const p of admitted) used.add(cachedRequests(p));
  const req = podRequests(pod);
  if (admitted.length + 1 > alloc.allowedPodNumber) {
    return insufficient('pods', 1, admitted.length, alloc.allowedPodNumber);
  }
  const base: Array<[string, number, number, number]> = [
    ['cpu', req.milliCPU, used.milliCPU, alloc.milliCPU],
    ['memory', req.memory, used.memory, alloc.memory],
    ['ephemeral-storage', req.ephemeralStorage, used.ephemeralStorage, alloc.ephemeralStorage],
  ];
  for (const [name, r, u, c] of base) {
    if (r > 0 && r > c - u) return insufficient(name, r, u, c);
  }
  for (const [name, r] of req.scalar) {
    if (r <= 0) continue;
    const advertised = Object.hasOwn(allocatable, name);
    if (!advertised && name.startsWith(DEVICE_SHARE_PREFIX)) continue;
    const c = alloc.scalar.get(name) ?? 0;
    const u = used.scalar.get(name) ?? 0;
    if (r > c - u) return insufficient(name, r, u, c);
  }
  return { admit: true };
}
