/** @module The policy/v1 resources. */
import type { ResourceDef } from '../../resource.js';
import { poddisruptionbudgets } from './poddisruptionbudget.js';

export { poddisruptionbudgets };

export const policyResources: ResourceDef[] = [poddisruptionbudgets];
