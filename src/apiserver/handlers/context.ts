/** @module What every handler can reach: the registry, the clock, limits and hooks of the server. */
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import type { Clock } from '../../util/clock.js';
import type { ResourceRegistry } from '../resource-registry.js';
import type { ApiRequest, ApiResponse } from '../transport.js';

/**
 * Serves the node-side subresources (pods/log, pods/exec, ...) by forwarding to the agent of the pod's node.
 * Absent until a node agent registers a way to reach it.
 */
export interface NodeProxy {
  proxy(pod: KubeObject, subresource: string, req: ApiRequest, res: ApiResponse): Promise<void>;
}

export interface HandlerOptions {
  /** Largest accepted request body (upstream: 3 MiB). */
  maxBodyBytes: number;
  /** How often a watch that allows bookmarks gets one. */
  bookmarkIntervalMs: number;
  /** Default watch duration when the client sets no timeoutSeconds (upstream: 30-60 minutes, randomized). */
  minRequestTimeoutSeconds: number;
  /** A watch whose unsent buffer grows past this is ended (a slow client). */
  maxWatchBufferBytes: number;
}

export const DEFAULT_HANDLER_OPTIONS: HandlerOptions = {
  maxBodyBytes: 3 * 1024 * 1024,
  bookmarkIntervalMs: 60_000,
  minRequestTimeoutSeconds: 1800,
  maxWatchBufferBytes: 32 * 1024 * 1024,
};

export interface HandlerContext {
  registry: ResourceRegistry;
  clock: Clock;
  log: Logger;
  options: HandlerOptions;
  nodeProxy?: NodeProxy;
  /** Resolves when the server is shutting down; long-running requests end then. */
  shutdown: AbortSignal;
}
