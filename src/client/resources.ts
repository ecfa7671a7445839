/** @module Resource descriptors: where a kind lives in the REST API, typed with its wire shape. */
import type { KubeObject, ObjectMeta } from '../api/object.js';
import type * as api from '../api/openapi/generated/types.js';

/**
 * Identifies one resource for the client: group ('' for core), version, plural resource name, whether it is
 * namespaced, and its kind. `T` is the object type methods return; it only types the client's results.
 */
export interface ResourceDescriptor<T extends KubeObject = KubeObject> {
  readonly group: string;
  readonly version: string;
  /** The plural resource name as in URLs, e.g. `pods`. */
  readonly resource: string;
  readonly namespaced: boolean;
  readonly kind: string;
  /** Phantom: never set; carries `T`. */
  readonly __type?: T;
}

/**
 * A generated wire type whose metadata is present (as on every stored object); assignable both to the
 * generated type and to KubeObject.
 */
export type Typed<T extends { metadata?: object }> = T & {
  metadata: NonNullable<T['metadata']> & ObjectMeta;
} & KubeObject;

/** A descriptor for a resource not listed here (custom resources, other versions). */
export function resourceDescriptor<T extends KubeObject = KubeObject>(d: {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
  kind: string;
}): ResourceDescriptor<T> {
  return Object.freeze({ ...d });
}

/** `v1` or `apps/v1`. */
export function apiVersionOf(res: ResourceDescriptor<KubeObject>): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

export type Pod = Typed<api.Pod>;
export type Node = Typed<api.Node>;
export type Namespace = Typed<api.Namespace>;
export type Event = Typed<api.Event>;
export type EventsV1Event = Typed<api.EventsV1Event>;
export type Lease = Typed<api.Lease>;
export type PriorityClass = Typed<api.PriorityClass>;
export type PodDisruptionBudget = Typed<api.PodDisruptionBudget>;
export type Service = Typed<api.Service>;
export type Endpoints = Typed<api.Endpoints>;
export type EndpointSlice = Typed<api.EndpointSlice>;
export type ConfigMap = Typed<api.ConfigMap>;
export type Secret = Typed<api.Secret>;
export type ServiceAccount = Typed<api.ServiceAccount>;
export type PersistentVolume = Typed<api.PersistentVolume>;
export type PersistentVolumeClaim = Typed<api.PersistentVolumeClaim>;
export type ResourceQuota = Typed<api.ResourceQuota>;
export type LimitRange = Typed<api.LimitRange>;
export type PodTemplate = Typed<api.PodTemplate>;
export type ReplicationController = Typed<api.ReplicationController>;
export type Deployment = Typed<api.Deployment>;
export type ReplicaSet = Typed<api.ReplicaSet>;
export type StatefulSet = Typed<api.StatefulSet>;
export type DaemonSet = Typed<api.DaemonSet>;
export type ControllerRevision = Typed<api.ControllerRevision>;
export type Job = Typed<api.Job>;
export type CronJob = Typed<api.CronJob>;
export type Role = Typed<api.Role>;
export type ClusterRole = Typed<api.ClusterRole>;
export type RoleBinding = Typed<api.RoleBinding>;
export type ClusterRoleBinding = Typed<api.ClusterRoleBinding>;
export type CloneSet = Typed<api.CloneSet>;

const d = resourceDescriptor;

export const PODS = d<Pod>({ group: '', version: 'v1', resource: 'pods', namespaced: true, kind: 'Pod' });
export const NODES = d<Node>({
  group: '',
  version: 'v1',
  resource: 'nodes',
  namespaced: false,
  kind: 'Node',
});
export const NAMESPACES = d<Namespace>({
  group: '',
  version: 'v1',
  resource: 'namespaces',
  namespaced: false,
  kind: 'Namespace',
});
export const EVENTS = d<Event>({
  group: '',
  version: 'v1',
  resource: 'events',
  namespaced: true,
  kind: 'Event',
});
export const EVENTS_V1 = d<EventsV1Event>({
  group: 'events.k8s.io',
  version: 'v1',
  resource: 'events',
  namespaced: true,
  kind: 'Event',
});
export const SERVICES = d<Service>({
  group: '',
  version: 'v1',
  resource: 'services',
  namespaced: true,
  kind: 'Service',
});
export const ENDPOINTS = d<Endpoints>({
  group: '',
  version: 'v1',
  resource: 'endpoints',
  namespaced: true,
  kind: 'Endpoints',
});
export const CONFIG_MAPS = d<ConfigMap>({
  group: '',
  version: 'v1',
  resource: 'configmaps',
  namespaced: true,
  kind: 'ConfigMap',
});
export const SECRETS = d<Secret>({
  group: '',
  version: 'v1',
  resource: 'secrets',
  namespaced: true,
  kind: 'Secret',
});
export const SERVICE_ACCOUNTS = d<ServiceAccount>({
  group: '',
  version: 'v1',
  resource: 'serviceaccounts',
  namespaced: true,
  kind: 'ServiceAccount',
});
export const PERSISTENT_VOLUMES = d<PersistentVolume>({
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  namespaced: false,
  kind: 'PersistentVolume',
});
export const PERSISTENT_VOLUME_CLAIMS = d<PersistentVolumeClaim>({
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  namespaced: true,
  kind: 'PersistentVolumeClaim',
});
export const RESOURCE_QUOTAS = d<ResourceQuota>({
  group: '',
  version: 'v1',
  resource: 'resourcequotas',
  namespaced: true,
  kind: 'ResourceQuota',
});
export const LIMIT_RANGES = d<LimitRange>({
  group: '',
  version: 'v1',
  resource: 'limitranges',
  namespaced: true,
  kind: 'LimitRange',
});
export const POD_TEMPLATES = d<PodTemplate>({
  group: '',
  version: 'v1',
  resource: 'podtemplates',
  namespaced: true,
  kind: 'PodTemplate',
});
export const REPLICATION_CONTROLLERS = d<ReplicationController>({
  group: '',
  version: 'v1',
  resource: 'replicationcontrollers',
  namespaced: true,
  kind: 'ReplicationController',
});
export const DEPLOYMENTS = d<Deployment>({
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  namespaced: true,
  kind: 'Deployment',
});
export const REPLICA_SETS = d<ReplicaSet>({
  group: 'apps',
  version: 'v1',
  resource: 'replicasets',
  namespaced: true,
  kind: 'ReplicaSet',
});
export const STATEFUL_SETS = d<StatefulSet>({
  group: 'apps',
  version: 'v1',
  resource: 'statefulsets',
  namespaced: true,
  kind: 'StatefulSet',
});
export const DAEMON_SETS = d<DaemonSet>({
  group: 'apps',
  version: 'v1',
  resource: 'daemonsets',
  namespaced: true,
  kind: 'DaemonSet',
});
export const CONTROLLER_REVISIONS = d<ControllerRevision>({
  group: 'apps',
  version: 'v1',
  resource: 'controllerrevisions',
  namespaced: true,
  kind: 'ControllerRevision',
});
export const JOBS = d<Job>({
  group: 'batch',
  version: 'v1',
  resource: 'jobs',
  namespaced: true,
  kind: 'Job',
});
export const CRON_JOBS = d<CronJob>({
  group: 'batch',
  version: 'v1',
  resource: 'cronjobs',
  namespaced: true,
  kind: 'CronJob',
});
export const LEASES = d<Lease>({
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  namespaced: true,
  kind: 'Lease',
});
export const PRIORITY_CLASSES = d<PriorityClass>({
  group: 'scheduling.k8s.io',
  version: 'v1',
  resource: 'priorityclasses',
  namespaced: false,
  kind: 'PriorityClass',
});
export const POD_DISRUPTION_BUDGETS = d<PodDisruptionBudget>({
  group: 'policy',
  version: 'v1',
  resource: 'poddisruptionbudgets',
  namespaced: true,
  kind: 'PodDisruptionBudget',
});
export const ENDPOINT_SLICES = d<EndpointSlice>({
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  namespaced: true,
  kind: 'EndpointSlice',
});
export const ROLES = d<Role>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'roles',
  namespaced: true,
  kind: 'Role',
});
export const CLUSTER_ROLES = d<ClusterRole>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'clusterroles',
  namespaced: false,
  kind: 'ClusterRole',
});
export const ROLE_BINDINGS = d<RoleBinding>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'rolebindings',
  namespaced: true,
  kind: 'RoleBinding',
});
export const CLUSTER_ROLE_BINDINGS = d<ClusterRoleBinding>({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'clusterrolebindings',
  namespaced: false,
  kind: 'ClusterRoleBinding',
});
export const CLONE_SETS = d<CloneSet>({
  group: 'apps.kruise.io',
  version: 'v1alpha1',
  resource: 'clonesets',
  namespaced: true,
  kind: 'CloneSet',
});

/** Every descriptor above. */
export const BUILTIN_RESOURCES: readonly ResourceDescriptor[] = [
  PODS,
  NODES,
  NAMESPACES,
  EVENTS,
  EVENTS_V1,
  SERVICES,
  ENDPOINTS,
  CONFIG_MAPS,
  SECRETS,
  SERVICE_ACCOUNTS,
  PERSISTENT_VOLUMES,
  PERSISTENT_VOLUME_CLAIMS,
  RESOURCE_QUOTAS,
  LIMIT_RANGES,
  POD_TEMPLATES,
  REPLICATION_CONTROLLERS,
  DEPLOYMENTS,
  REPLICA_SETS,
  STATEFUL_SETS,
  DAEMON_SETS,
  CONTROLLER_REVISIONS,
  JOBS,
  CRON_JOBS,
  LEASES,
  PRIORITY_CLASSES,
  POD_DISRUPTION_BUDGETS,
  ENDPOINT_SLICES,
  ROLES,
  CLUSTER_ROLES,
  ROLE_BINDINGS,
  CLUSTER_ROLE_BINDINGS,
  CLONE_SETS,
] as ResourceDescriptor[];
