/**
 * @module What the client-node models do not carry, per upstream definition and JSON field name:
 * strategic-merge patch strategy and merge key, server-side-apply list type / map keys / map type
 * (from upstream's struct tags and +listType/+listMapKey/+mapType/+structType markers, k8s.io/api
 * and apimachinery v0.34.0), unions, and which fields hold a Quantity, RawExtension or FieldsV1
 * (client-node types those as plain strings or `any`). Read by scripts/gen-openapi.ts only.
 */
import type { ListType, MapType, UnionDef } from './schema.js';

/** Metadata of one field. `holds` names the special type of the field, its items or its map values. */
export interface FieldOverlay {
  patchStrategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
  patchMergeKey?: string;
  listType?: ListType;
  listMapKeys?: string[];
  mapType?: MapType;
  holds?: 'Quantity' | 'RawExtension' | 'FieldsV1';
  /** The server-side default, where upstream's schema states it (server-side apply keys lists by it). */
  default?: string | number | boolean;
}

/** Metadata of one definition: `mapType` is upstream's +structType on the type itself. */
export interface DefinitionOverlay {
  mapType?: MapType;
  unions?: UnionDef[];
  fields?: Record<string, FieldOverlay>;
}

export const OVERLAY: Record<string, DefinitionOverlay> = {
  'io.k8s.api.core.v1.ContainerPort': {
    fields: {
      protocol: { default: 'TCP' },
    },
  },
  'io.k8s.api.core.v1.ServicePort': {
    fields: {
      protocol: { default: 'TCP' },
    },
  },
  'io.k8s.api.apps.v1.ControllerRevision': {
    fields: {
      data: { holds: 'RawExtension' },
    },
  },
  'io.k8s.api.apps.v1.DaemonSetStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
    },
  },
  'io.k8s.api.apps.v1.DeploymentSpec': {
    fields: {
      strategy: { patchStrategy: 'retainKeys' },
    },
  },
  'io.k8s.api.apps.v1.DeploymentStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
    },
  },
  'io.k8s.api.apps.v1.ReplicaSetStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
    },
  },
  'io.k8s.api.apps.v1.StatefulSetSpec': {
    fields: {
      volumeClaimTemplates: { listType: 'atomic' },
    },
  },
  'io.k8s.api.apps.v1.StatefulSetStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
    },
  },
  'io.k8s.api.batch.v1.CronJobStatus': {
    fields: {
      active: { listType: 'atomic' },
    },
  },
  'io.k8s.api.batch.v1.JobStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' },
    },
  },
  'io.k8s.api.batch.v1.PodFailurePolicy': {
    fields: {
      rules: { listType: 'atomic' },
    },
  },
  'io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement': {
    fields: {
      values: { listType: 'set' },
    },
  },
  'io.k8s.api.batch.v1.PodFailurePolicyRule': {
    fields: {
      onPodConditions: { listType: 'atomic' },
    },
  },
  'io.k8s.api.batch.v1.SuccessPolicy': {
    fields: {
      rules: { listType: 'atomic' },
    },
  },
  'io.k8s.api.batch.v1.UncountedTerminatedPods': {
    fields: {
      succeeded: { listType: 'set' },
      failed: { listType: 'set' },
    },
  },
  'io.k8s.api.core.v1.AppArmorProfile': {
    unions: [{ discriminator: 'type', 'fields-to-discriminateBy': { localhostProfile: 'LocalhostProfile' } }],
  },
  'io.k8s.api.core.v1.Capabilities': {
    fields: {
      add: { listType: 'atomic' },
      drop: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.CephFSVolumeSource': {
    fields: {
      monitors: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ConfigMapKeySelector': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.ConfigMapProjection': {
    fields: {
      items: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ConfigMapVolumeSource': {
    fields: {
      items: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.Container': {
    fields: {
      command: { listType: 'atomic' },
      args: { listType: 'atomic' },
      ports: {
        patchStrategy: 'merge',
        patchMergeKey: 'containerPort',
        listType: 'map',
        listMapKeys: ['containerPort', 'protocol'],
      },
      envFrom: { listType: 'atomic' },
      env: { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
      resizePolicy: { listType: 'atomic' },
      restartPolicyRules: { listType: 'atomic' },
      volumeMounts: {
        patchStrategy: 'merge',
        patchMergeKey: 'mountPath',
        listType: 'map',
        listMapKeys: ['mountPath'],
      },
      volumeDevices: {
        patchStrategy: 'merge',
        patchMergeKey: 'devicePath',
        listType: 'map',
        listMapKeys: ['devicePath'],
      },
    },
  },
  'io.k8s.api.core.v1.ContainerImage': {
    fields: {
      names: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes': {
    fields: {
      values: { listType: 'set' },
    },
  },
  'io.k8s.api.core.v1.ContainerStatus': {
    fields: {
      allocatedResources: { holds: 'Quantity' },
      volumeMounts: {
        patchStrategy: 'merge',
        patchMergeKey: 'mountPath',
        listType: 'map',
        listMapKeys: ['mountPath'],
      },
      allocatedResourcesStatus: {
        patchStrategy: 'merge',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      },
    },
  },
  'io.k8s.api.core.v1.DownwardAPIProjection': {
    fields: {
      items: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.DownwardAPIVolumeSource': {
    fields: {
      items: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.EmptyDirVolumeSource': {
    fields: {
      sizeLimit: { holds: 'Quantity' },
    },
  },
  'io.k8s.api.core.v1.EndpointAddress': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.EndpointPort': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.EndpointSubset': {
    fields: {
      addresses: { listType: 'atomic' },
      notReadyAddresses: { listType: 'atomic' },
      ports: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.Endpoints': {
    fields: {
      subsets: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.EphemeralContainer': {
    fields: {
      command: { listType: 'atomic' },
      args: { listType: 'atomic' },
      ports: {
        patchStrategy: 'merge',
        patchMergeKey: 'containerPort',
        listType: 'map',
        listMapKeys: ['containerPort', 'protocol'],
      },
      envFrom: { listType: 'atomic' },
      env: { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
      resizePolicy: { listType: 'atomic' },
      restartPolicyRules: { listType: 'atomic' },
      volumeMounts: {
        patchStrategy: 'merge',
        patchMergeKey: 'mountPath',
        listType: 'map',
        listMapKeys: ['mountPath'],
      },
      volumeDevices: {
        patchStrategy: 'merge',
        patchMergeKey: 'devicePath',
        listType: 'map',
        listMapKeys: ['devicePath'],
      },
    },
  },
  'io.k8s.api.core.v1.ExecAction': {
    fields: {
      command: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.FCVolumeSource': {
    fields: {
      targetWWNs: { listType: 'atomic' },
      wwids: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.FileKeySelector': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.HTTPGetAction': {
    fields: {
      httpHeaders: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.HostAlias': {
    fields: {
      hostnames: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ISCSIVolumeSource': {
    fields: {
      portals: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.LimitRangeItem': {
    fields: {
      max: { holds: 'Quantity' },
      min: { holds: 'Quantity' },
      default: { holds: 'Quantity' },
      defaultRequest: { holds: 'Quantity' },
      maxLimitRequestRatio: { holds: 'Quantity' },
    },
  },
  'io.k8s.api.core.v1.LimitRangeSpec': {
    fields: {
      limits: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.LinuxContainerUser': {
    fields: {
      supplementalGroups: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.LoadBalancerIngress': {
    fields: {
      ports: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.LoadBalancerStatus': {
    fields: {
      ingress: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.LocalObjectReference': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.NamespaceSpec': {
    fields: {
      finalizers: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.NamespaceStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
    },
  },
  'io.k8s.api.core.v1.NodeAffinity': {
    fields: {
      preferredDuringSchedulingIgnoredDuringExecution: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.NodeSelector': {
    mapType: 'atomic',
    fields: {
      nodeSelectorTerms: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.NodeSelectorRequirement': {
    fields: {
      values: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.NodeSelectorTerm': {
    mapType: 'atomic',
    fields: {
      matchExpressions: { listType: 'atomic' },
      matchFields: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.NodeSpec': {
    fields: {
      podCIDRs: { patchStrategy: 'merge', listType: 'set' },
      taints: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.NodeStatus': {
    fields: {
      capacity: { holds: 'Quantity' },
      allocatable: { holds: 'Quantity' },
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
      addresses: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
      images: { listType: 'atomic' },
      volumesInUse: { listType: 'atomic' },
      volumesAttached: { listType: 'atomic' },
      runtimeHandlers: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ObjectFieldSelector': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.ObjectReference': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec': {
    fields: {
      accessModes: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.PersistentVolumeClaimStatus': {
    fields: {
      accessModes: { listType: 'atomic' },
      capacity: { holds: 'Quantity' },
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
      allocatedResources: { holds: 'Quantity' },
      allocatedResourceStatuses: { mapType: 'granular' },
    },
  },
  'io.k8s.api.core.v1.PodAffinity': {
    fields: {
      requiredDuringSchedulingIgnoredDuringExecution: { listType: 'atomic' },
      preferredDuringSchedulingIgnoredDuringExecution: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.PodAffinityTerm': {
    fields: {
      namespaces: { listType: 'atomic' },
      matchLabelKeys: { listType: 'atomic' },
      mismatchLabelKeys: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.PodAntiAffinity': {
    fields: {
      requiredDuringSchedulingIgnoredDuringExecution: { listType: 'atomic' },
      preferredDuringSchedulingIgnoredDuringExecution: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.PodDNSConfig': {
    fields: {
      nameservers: { listType: 'atomic' },
      searches: { listType: 'atomic' },
      options: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.PodExtendedResourceClaimStatus': {
    fields: {
      requestMappings: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.PodSecurityContext': {
    fields: {
      supplementalGroups: { listType: 'atomic' },
      sysctls: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.PodSpec': {
    fields: {
      volumes: {
        patchStrategy: 'merge,retainKeys',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      },
      initContainers: {
        patchStrategy: 'merge',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      },
      containers: { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
      ephemeralContainers: {
        patchStrategy: 'merge',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      },
      nodeSelector: { mapType: 'atomic' },
      imagePullSecrets: {
        patchStrategy: 'merge',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      },
      tolerations: { listType: 'atomic' },
      hostAliases: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] },
      readinessGates: { listType: 'atomic' },
      overhead: { holds: 'Quantity' },
      topologySpreadConstraints: {
        patchStrategy: 'merge',
        patchMergeKey: 'topologyKey',
        listType: 'map',
        listMapKeys: ['topologyKey', 'whenUnsatisfiable'],
      },
      schedulingGates: {
        patchStrategy: 'merge',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      },
      resourceClaims: {
        patchStrategy: 'merge,retainKeys',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      },
    },
  },
  'io.k8s.api.core.v1.PodStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
      hostIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
      podIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] },
      initContainerStatuses: { listType: 'atomic' },
      containerStatuses: { listType: 'atomic' },
      ephemeralContainerStatuses: { listType: 'atomic' },
      resourceClaimStatuses: {
        patchStrategy: 'merge,retainKeys',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      },
    },
  },
  'io.k8s.api.core.v1.ProjectedVolumeSource': {
    fields: {
      sources: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.RBDVolumeSource': {
    fields: {
      monitors: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ResourceFieldSelector': {
    mapType: 'atomic',
    fields: {
      divisor: { holds: 'Quantity' },
    },
  },
  'io.k8s.api.core.v1.ResourceQuotaSpec': {
    fields: {
      hard: { holds: 'Quantity' },
      scopes: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ResourceQuotaStatus': {
    fields: {
      hard: { holds: 'Quantity' },
      used: { holds: 'Quantity' },
    },
  },
  'io.k8s.api.core.v1.ResourceRequirements': {
    fields: {
      limits: { holds: 'Quantity' },
      requests: { holds: 'Quantity' },
      claims: { listType: 'map', listMapKeys: ['name'] },
    },
  },
  'io.k8s.api.core.v1.ResourceStatus': {
    fields: {
      resources: { listType: 'map', listMapKeys: ['resourceID'] },
    },
  },
  'io.k8s.api.core.v1.ScopeSelector': {
    mapType: 'atomic',
    fields: {
      matchExpressions: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ScopedResourceSelectorRequirement': {
    fields: {
      values: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.SeccompProfile': {
    unions: [{ discriminator: 'type', 'fields-to-discriminateBy': { localhostProfile: 'LocalhostProfile' } }],
  },
  'io.k8s.api.core.v1.SecretKeySelector': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.SecretProjection': {
    fields: {
      items: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.SecretVolumeSource': {
    fields: {
      items: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ServiceAccount': {
    fields: {
      secrets: { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
      imagePullSecrets: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ServiceSpec': {
    fields: {
      ports: {
        patchStrategy: 'merge',
        patchMergeKey: 'port',
        listType: 'map',
        listMapKeys: ['port', 'protocol'],
      },
      selector: { mapType: 'atomic' },
      clusterIPs: { listType: 'atomic' },
      externalIPs: { listType: 'atomic' },
      loadBalancerSourceRanges: { listType: 'atomic' },
      ipFamilies: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.ServiceStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
    },
  },
  'io.k8s.api.core.v1.TopologySpreadConstraint': {
    fields: {
      matchLabelKeys: { listType: 'atomic' },
    },
  },
  'io.k8s.api.core.v1.TypedLocalObjectReference': {
    mapType: 'atomic',
  },
  'io.k8s.api.core.v1.VolumeResourceRequirements': {
    fields: {
      limits: { holds: 'Quantity' },
      requests: { holds: 'Quantity' },
    },
  },
  'io.k8s.api.discovery.v1.Endpoint': {
    fields: {
      addresses: { listType: 'set' },
    },
  },
  'io.k8s.api.discovery.v1.EndpointHints': {
    fields: {
      forZones: { listType: 'atomic' },
      forNodes: { listType: 'atomic' },
    },
  },
  'io.k8s.api.discovery.v1.EndpointPort': {
    mapType: 'atomic',
  },
  'io.k8s.api.discovery.v1.EndpointSlice': {
    fields: {
      endpoints: { listType: 'atomic' },
      ports: { listType: 'atomic' },
    },
  },
  'io.k8s.api.policy.v1.PodDisruptionBudgetSpec': {
    fields: {
      selector: { patchStrategy: 'replace' },
    },
  },
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': {
    fields: {
      conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
    },
  },
  'io.k8s.api.rbac.v1.AggregationRule': {
    fields: {
      clusterRoleSelectors: { listType: 'atomic' },
    },
  },
  'io.k8s.api.rbac.v1.ClusterRole': {
    fields: {
      rules: { listType: 'atomic' },
    },
  },
  'io.k8s.api.rbac.v1.ClusterRoleBinding': {
    fields: {
      subjects: { listType: 'atomic' },
    },
  },
  'io.k8s.api.rbac.v1.PolicyRule': {
    fields: {
      verbs: { listType: 'atomic' },
      apiGroups: { listType: 'atomic' },
      resources: { listType: 'atomic' },
      resourceNames: { listType: 'atomic' },
      nonResourceURLs: { listType: 'atomic' },
    },
  },
  'io.k8s.api.rbac.v1.Role': {
    fields: {
      rules: { listType: 'atomic' },
    },
  },
  'io.k8s.api.rbac.v1.RoleBinding': {
    fields: {
      subjects: { listType: 'atomic' },
    },
  },
  'io.k8s.api.rbac.v1.RoleRef': {
    mapType: 'atomic',
  },
  'io.k8s.api.rbac.v1.Subject': {
    mapType: 'atomic',
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroup': {
    fields: {
      versions: { listType: 'atomic' },
      serverAddressByClientCIDRs: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList': {
    fields: {
      groups: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIResource': {
    fields: {
      shortNames: { listType: 'atomic' },
      categories: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList': {
    fields: {
      resources: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions': {
    fields: {
      versions: { listType: 'atomic' },
      serverAddressByClientCIDRs: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions': {
    fields: {
      dryRun: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': {
    mapType: 'atomic',
    fields: {
      matchExpressions: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement': {
    fields: {
      values: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry': {
    fields: {
      fieldsV1: { holds: 'FieldsV1' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    fields: {
      ownerReferences: {
        patchStrategy: 'merge',
        patchMergeKey: 'uid',
        listType: 'map',
        listMapKeys: ['uid'],
      },
      finalizers: { patchStrategy: 'merge', listType: 'set' },
      managedFields: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference': {
    mapType: 'atomic',
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status': {
    fields: {
      details: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails': {
    fields: {
      causes: { listType: 'atomic' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent': {
    fields: { object: { holds: 'RawExtension' } },
  },
};
