/**
 * @module PodLogOptions from a query string (`pods/log` on the API server, `/containerLogs` on the agent), with
 * upstream's validation, and their form in the agent's URL.
 */
import type { FieldError } from '../../api/errors.js';

/** The options of `kubectl logs` as they travel in a query string. */
export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** RFC 3339, as given. */
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
}

/**
 * A boolean query parameter as upstream's parameter codec reads it: absent is false; present is true unless it
 * is `0`, `f` or `false` (any case), so `?follow` alone means true.
 */
export function queryFlag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  const l = v.toLowerCase();
  return !(l === '0' || l === 'f' || l === 'false');
}

const INT_RE = /^[+-]?\d+$/;
const RFC3339_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

/** Parses and validates (upstream's ValidatePodLogOptions); `errors` is empty when the options are usable. */
export function parsePodLogOptions(q: URLSearchParams): { options: PodLogOptions; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const int = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    if (!INT_RE.test(v)) {
      errors.push({ type: 'FieldValueInvalid', field: name, badValue: v, detail: 'must be an integer' });
      return undefined;
    }
    return Number(v);
  };
  const options: PodLogOptions = {
    follow: queryFlag(q, 'follow'),
    previous: queryFlag(q, 'previous'),
    timestamps: queryFlag(q, 'timestamps'),
  };
  const container = q.get('container');
  if (container) options.container = container;
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = q.get('sinceTime') || undefined;
  if (tailLines !== undefined) {
    options.tailLines = tailLines;
    if (tailLines < 0) {
      errors.push({
        type: 'FieldValueInvalid',
        field: 'tailLines',
        badValue: tailLines,
        detail: 'must be greater than or equal to 0',
      });
    }
  }
  if (limitBytes !== undefined) {
    options.limitBytes = limitBytes;
    if (limitBytes < 1) {
      errors.push({
        type: 'FieldValueInvalid',
        field: 'limitBytes',
        badValue: limitBytes,
        detail: 'must be greater than 0',
      });
    }
  }
  if (sinceTime !== undefined) {
    options.sinceTime = sinceTime;
    if (!RFC3339_RE.test(sinceTime) || Number.isNaN(Date.parse(sinceTime))) {
      errors.push({
        type: 'FieldValueInvalid',
        field: 'sinceTime',
        badValue: sinceTime,
        detail: 'must be an RFC 3339 time',
      });
    }
  }
  if (sinceSeconds !== undefined) options.sinceSeconds = sinceSeconds;
  if (sinceSeconds !== undefined && sinceTime !== undefined) {
    errors.push({
      type: 'FieldValueForbidden',
      field: '',
      detail: 'at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  } else if (sinceSeconds !== undefined && sinceSeconds < 1) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'sinceSeconds',
      badValue: sinceSeconds,
      detail: 'must be greater than 0',
    });
  }
  return { options, errors };
}

/** The query of the agent's `/containerLogs` URL, as the API server builds it (upstream's LogLocation). */
export function podLogQuery(o: PodLogOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.timestamps) q.set('timestamps', 'true');
  if (o.sinceSeconds !== undefined) q.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime !== undefined) q.set('sinceTime', o.sinceTime);
  if (o.tailLines !== undefined) q.set('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) q.set('limitBytes', String(o.limitBytes));
  return q;
}
