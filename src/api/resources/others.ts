/**
 * @module Every built-in resource outside the core group: apps, batch, coordination, events, scheduling,
 * policy, discovery, rbac and OpenKruise's CloneSet; plus the system priority classes made at bootstrap.
 */
import type { ResourceDef } from '../resource.js';
import { appsResources } from './apps/index.js';
import { batchResources } from './batch/index.js';
import { coordinationResources } from './coordination/index.js';
import { discoveryResources } from './discovery/index.js';
import { eventsResources } from './events/index.js';
import { kruiseResources } from './kruise/index.js';
import { policyResources } from './policy/index.js';
import { rbacResources } from './rbac/index.js';
import { schedulingResources } from './scheduling/index.js';

export { systemPriorityClasses } from './scheduling/index.js';

export const otherResources: ResourceDef[] = [
  ...appsResources,
  ...batchResources,
  ...coordinationResources,
  ...eventsResources,
  ...schedulingResources,
  ...policyResources,
  ...discoveryResources,
  ...rbacResources,
  ...kruiseResources,
];
