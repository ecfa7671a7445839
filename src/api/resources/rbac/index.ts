/** @module The rbac.authorization.k8s.io/v1 resources. */
import type { ResourceDef } from '../../resource.js';
import { clusterrolebindings, clusterroles, rolebindings, roles } from './rbac.js';

export { clusterrolebindings, clusterroles, rolebindings, roles };

export const rbacResources: ResourceDef[] = [roles, clusterroles, rolebindings, clusterrolebindings];
