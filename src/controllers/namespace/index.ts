/** @module The namespace controller and its registration with the controller manager. */
import { NAMESPACES } from '../../client/resources.js';
import type { ControllerDescriptor } from '../runtime/controller-manager.js';
import { NamespaceController } from './namespace-controller.js';

export * from './conditions.js';
export * from './namespace-controller.js';
export * from './namespaced-resources-deleter.js';

/** Upstream's `namespace` controller. */
export const namespaceController: ControllerDescriptor = {
  name: 'namespace',
  init: (ctx) =>
    new NamespaceController({
      client: ctx.client,
      informer: ctx.informers.informerFor(NAMESPACES),
      workers: ctx.workers,
      clock: ctx.clock,
      logger: ctx.logger,
    }),
};
