/** @module The core/v1 resource declarations, in upstream's discovery order. */
import type { ResourceDef } from '../../resource.js';
import {
  componentStatusesResource,
  namespacesResource,
  nodesResource,
  persistentVolumesResource,
} from './cluster.js';
import { configMapsResource, secretsResource, serviceAccountsResource } from './config.js';
import {
  eventsResource,
  limitRangesResource,
  persistentVolumeClaimsResource,
  replicationControllersResource,
  resourceQuotasResource,
} from './namespaced.js';
import { bindingsResource, podTemplatesResource, podsResource } from './pods.js';
import { endpointsResource, servicesResource } from './services.js';

/** Every core/v1 kind Skiff serves. */
export const coreResources: readonly ResourceDef[] = [
  bindingsResource,
  componentStatusesResource,
  configMapsResource,
  endpointsResource,
  eventsResource,
  limitRangesResource,
  namespacesResource,
  nodesResource,
  persistentVolumeClaimsResource,
  persistentVolumesResource,
  podsResource,
  podTemplatesResource,
  replicationControllersResource,
  resourceQuotasResource,
  secretsResource,
  serviceAccountsResource,
  servicesResource,
];
