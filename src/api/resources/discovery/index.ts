/** @module The discovery.k8s.io/v1 resources. */
import type { ResourceDef } from '../../resource.js';
import { endpointslices } from './endpointslice.js';

export { endpointslices };

export const discoveryResources: ResourceDef[] = [endpointslices];
