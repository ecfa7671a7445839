/** @module Reads a kubeconfig file: the current context's server URL and namespace. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { isObject } from '../api/object.js';

/** What the client needs from a kubeconfig. TLS and credential fields are not read yet (http only). */
export interface KubeconfigInfo {
  /** The current context's name. */
  context: string;
  /** The cluster's server URL, e.g. `http://127.0.0.1:6443`. */
  server: string;
  /** The context's namespace, `default` when it names none. */
  namespace: string;
}

/** Parses kubeconfig text; `context` overrides current-context. Throws an Error naming what is missing. */
export function parseKubeconfig(text: string, context?: string): KubeconfigInfo {
  const cfg: unknown = parse(text);
  if (!isObject(cfg)) throw new Error('kubeconfig: not a YAML mapping');
  const name = context ?? cfg['current-context'];
  if (typeof name !== 'string' || !name) throw new Error('kubeconfig: no current-context');
  const ctx = namedEntry(cfg['contexts'], name, 'context');
  if (!ctx) throw new Error(`kubeconfig: context "${name}" not found`);
  const clusterName = ctx['cluster'];
  if (typeof clusterName !== 'string') throw new Error(`kubeconfig: context "${name}" names no cluster`);
  const cluster = namedEntry(cfg['clusters'], clusterName, 'cluster');
  if (!cluster) throw new Error(`kubeconfig: cluster "${clusterName}" not found`);
  const server = cluster['server'];
  if (typeof server !== 'string' || !server)
    throw new Error(`kubeconfig: cluster "${clusterName}" has no server`);
  const ns = ctx['namespace'];
  return { context: name, server, namespace: typeof ns === 'string' && ns ? ns : 'default' };
}

/** Reads and parses a kubeconfig file. */
export function loadKubeconfig(path: string, context?: string): KubeconfigInfo {
  return parseKubeconfig(readFileSync(path, 'utf8'), context);
}

function namedEntry(list: unknown, name: string, field: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const e of list) {
    if (isObject(e) && e['name'] === name && isObject(e[field])) return e[field];
  }
  return undefined;
}
