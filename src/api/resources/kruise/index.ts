/** @module The OpenKruise apps.kruise.io/v1alpha1 resources served built in. */
import type { ResourceDef } from '../../resource.js';
import { clonesets } from './cloneset.js';

export { clonesets };

export const kruiseResources: ResourceDef[] = [clonesets];
