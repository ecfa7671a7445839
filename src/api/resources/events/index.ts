/** @module The events.k8s.io/v1 resources. */
import type { ResourceDef } from '../../resource.js';
import { events } from './event.js';

export { events };

export const eventsResources: ResourceDef[] = [events];
