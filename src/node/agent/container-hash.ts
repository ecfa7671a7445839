/**
 * @module A stable hash of a container's spec (upstream's HashContainer, resources left out so an in-place
 * resize does not restart): a change means the running container no longer matches and is restarted.
 */
import { createHash } from 'node:crypto';
import type * as api from '../../api/openapi/generated/types.js';

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

const cache = new WeakMap<object, string>();

/** 8 hex digits; equal specs (ignoring key order and resources) hash equal. */
export function containerHash(c: api.Container): string {
  const hit = cache.get(c);
  if (hit) return hit;
  const { resources: _resources, resizePolicy: _resize, ...rest } = c;
  const h = createHash('sha256')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex')
    .slice(0, 8);
  cache.set(c, h);
  return h;
}
