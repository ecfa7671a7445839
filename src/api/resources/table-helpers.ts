/** @module Shared cell formatting for the Tables of `kubectl get`, following upstream's printers. */
import type { KubeObject } from '../object.js';
import { isObject } from '../object.js';
import type { TableColumn } from '../resource.js';
import { selectorFromLabelSelector } from '../labels.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * A duration in milliseconds as upstream's HumanDuration prints it: "45s", "3m2s", "12m", "4h5m",
 * "10h", "3d4h", "20d", "2y30d", "9y". A skew of under 2s into the future prints "0s"; more is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.trunc(hours / 24);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const years = Math.trunc(hours / 24 / 365);
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Upstream's ShortHumanDuration: one unit only ("45s", "3m", "4h", "2d", "1y"). */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * The age of an RFC 3339 timestamp at `now`, as upstream's translateTimestampSince prints it;
 * "<unknown>" when the timestamp is absent or unparsable.
 */
export function translateTimestamp(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** The time remaining until an RFC 3339 timestamp (upstream's translateTimestampUntil). */
export function translateTimestampUntil(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(t - now.getTime());
}

/** The NAME column every upstream table starts with. */
export function nameColumn(): TableColumn {
  return {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: 'Name must be unique within a namespace.',
    priority: 0,
    cell: (obj) => obj.metadata.name ?? '',
  };
}

/** The AGE column: the translated creationTimestamp. */
export function ageColumn(): TableColumn {
  return {
    name: 'Age',
    type: 'string',
    description: 'Time since the object was created.',
    priority: 0,
    cell: (obj, now) => translateTimestamp(obj.metadata.creationTimestamp, now),
  };
}

/** A column definition with a cell function. */
export function column(
  name: string,
  cell: TableColumn['cell'],
  opts: { type?: TableColumn['type']; priority?: number; description?: string; format?: string } = {},
): TableColumn {
  const col: TableColumn = { name, type: opts.type ?? 'string', priority: opts.priority ?? 0, cell };
  if (opts.description !== undefined) col.description = opts.description;
  if (opts.format !== undefined) col.format = opts.format;
  return col;
}

/** A label map as upstream's labels.FormatLabels: sorted `k=v` joined by commas, "<none>" when empty. */
export function formatLabels(m: unknown): string {
  if (!isObject(m)) return '<none>';
  const keys = Object.keys(m).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${String(m[k])}`).join(',');
}

/**
 * A metav1.LabelSelector as upstream's FormatLabelSelector: requirements sorted by key
 * (`k=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`); "<none>" for an absent or empty selector,
 * "<error>" for an invalid one.
 */
export function formatLabelSelector(sel: unknown): string {
  if (!isObject(sel)) return '<none>';
  try {
    const s = selectorFromLabelSelector(sel).toString();
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}

/** Joins non-empty strings with commas; `empty` when there are none. */
export function joinOr(items: readonly string[], empty = '<none>'): string {
  const xs = items.filter((s) => s !== '');
  return xs.length === 0 ? empty : xs.join(',');
}

/** Container names and images of a pod template's spec, as the CONTAINERS and IMAGES wide cells. */
export function containerCells(podSpec: unknown): { names: string; images: string } {
  const containers = isObject(podSpec) && Array.isArray(podSpec.containers) ? podSpec.containers : [];
  const names: string[] = [];
  const images: string[] = [];
  for (const c of containers) {
    if (!isObject(c)) continue;
    names.push(typeof c.name === 'string' ? c.name : '');
    images.push(typeof c.image === 'string' ? c.image : '');
  }
  return { names: names.join(','), images: images.join(',') };
}

/** Reads a nested value by dotted path (`spec.template.spec`), or undefined. */
export function pathValue(obj: KubeObject | Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}
