/** @module Resource name classes (upstream's v1helper): native, extended, hugepages and "scalar" resources. */
import { isQualifiedName } from '../../../api/validation/names.js';

const DEFAULT_NAMESPACE_PREFIX = 'kubernetes.io/';
const REQUESTS_PREFIX = 'requests.';
const HUGEPAGES_PREFIX = 'hugepages-';
const ATTACHABLE_VOLUMES_PREFIX = 'attachable-volumes-';

/** The name contains `kubernetes.io/`. */
export function isPrefixedNativeResourceName(name: string): boolean {
  return name.includes(DEFAULT_NAMESPACE_PREFIX);
}

/** Unprefixed names and `kubernetes.io/` names. */
export function isNativeResourceName(name: string): boolean {
  return !name.includes('/') || isPrefixedNativeResourceName(name);
}

const extendedMemo = new Map<string, boolean>();

/** A fully-qualified name outside `kubernetes.io` (e.g. `nvidia.com/gpu`) that is also valid as a quota name. */
export function isExtendedResourceName(name: string): boolean {
  let r = extendedMemo.get(name);
  if (r === undefined) {
    r =
      !isNativeResourceName(name) &&
      !name.startsWith(REQUESTS_PREFIX) &&
      isQualifiedName(REQUESTS_PREFIX + name).length === 0;
    if (extendedMemo.size > 10_000) extendedMemo.clear();
    extendedMemo.set(name, r);
  }
  return r;
}

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX);
}

export function isAttachableVolumeResourceName(name: string): boolean {
  return name.startsWith(ATTACHABLE_VOLUMES_PREFIX);
}

/**
 * Resources the scheduler tracks besides cpu, memory, ephemeral-storage and pods (upstream's
 * IsScalarResourceName): extended, hugepages, `kubernetes.io/`-prefixed and attachable volumes.
 */
export function isScalarResourceName(name: string): boolean {
  return (
    isExtendedResourceName(name) ||
    isHugePageResourceName(name) ||
    isPrefixedNativeResourceName(name) ||
    isAttachableVolumeResourceName(name)
  );
}
