/** @module The coordination.k8s.io/v1 resources. */
import type { ResourceDef } from '../../resource.js';
import { leases } from './lease.js';

export { leases };

export const coordinationResources: ResourceDef[] = [leases];
