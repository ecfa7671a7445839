/** @module The scheduling.k8s.io/v1 resources and the built-in system priority classes. */
import type { ResourceDef } from '../../resource.js';
import { priorityclasses, systemPriorityClasses } from './priorityclass.js';

export { priorityclasses, systemPriorityClasses };

export const schedulingResources: ResourceDef[] = [priorityclasses];
