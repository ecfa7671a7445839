/** @module The garbage collector controller and its registration with the controller manager. */
import type { ControllerDescriptor } from '../runtime/controller-manager.js';
import { GarbageCollector } from './garbage-collector.js';

export * from './discovery.js';
export * from './garbage-collector.js';
export * from './graph.js';
export * from './graph-builder.js';

/** Upstream's `garbagecollector` controller. */
export const garbageCollectorController: ControllerDescriptor = {
  name: 'garbagecollector',
  init: (ctx) =>
    new GarbageCollector({
      client: ctx.client,
      workers: ctx.workers,
      recorder: ctx.recorder('garbage-collector-controller'),
      clock: ctx.clock,
      logger: ctx.logger,
    }),
};
