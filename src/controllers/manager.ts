/**
 * @module The kube-controller-manager of Skiff: every built-in controller, run under leader election on the
 * Lease kube-system/kube-controller-manager. `skiff up`/`skiff server` run it in-process; `skiff
 * controller-manager` runs it against a remote API server.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../client/client.js';
import type { TimerClock } from '../util/clock.js';
import { cloneSetControllerDescriptor } from './cloneset/cloneset-controller.js';
import { garbageCollectorController } from './garbage-collector/index.js';
import { namespaceController } from './namespace/index.js';
import { deploymentControllerDescriptor } from './deployment/deployment-controller.js';
import { replicaSetControllerDescriptor } from './replicaset/replicaset-controller.js';
import {
  ControllerManager,
  type ControllerDescriptor,
  type LeaderElectionOptions,
} from './runtime/controller-manager.js';

/**
 * Every controller the manager runs, by upstream's --controllers name. To add one: export a
 * {@link ControllerDescriptor} from its folder and list it here.
 */
export const CONTROLLERS: readonly ControllerDescriptor[] = [
  replicaSetControllerDescriptor,
  deploymentControllerDescriptor,
  garbageCollectorController,
  namespaceController,
  cloneSetControllerDescriptor,
];

export interface ControllerManagerConfig {
  client: KubeClient;
  /** Names to run (default: all); upstream's `--controllers`, without the `*`/`-name` syntax. */
  controllers?: readonly string[];
  leaderElection?: LeaderElectionOptions | false;
  identity?: string;
  workers?: number;
  /** After losing the lease: campaign again (default) or stop. */
  rejoinAfterLoss?: boolean;
  clock?: TimerClock;
  logger?: Logger;
}

/** Builds and starts the manager; `stop()` on the result shuts it down. */
export function startControllerManager(config: ControllerManagerConfig): ControllerManager {
  const wanted = config.controllers;
  const unknown = wanted?.filter((n) => !CONTROLLERS.some((c) => c.name === n)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown controllers: ${unknown.join(', ')}`);
  const manager = new ControllerManager({
    client: config.client,
    controllers: wanted ? CONTROLLERS.filter((c) => wanted.includes(c.name)) : CONTROLLERS,
    leaderElection: config.leaderElection,
    identity: config.identity,
    workers: config.workers,
    rejoinAfterLoss: config.rejoinAfterLoss,
    clock: config.clock,
    logger: config.logger,
  });
  manager.start();
  return manager;
}
