/** @module Cluster-scoped core kinds: Namespaces (+status, finalize), Nodes (+status, proxy) and ComponentStatuses. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef, StrategyContext } from '../../resource.js';
import {
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSSubdomain,
  validateCIDR,
} from '../../validation/names.js';
import { accessModesString } from './namespaced.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import {
  type Obj,
  arr,
  canonicalizeResourceList,
  child,
  deepEqual,
  duplicate,
  ensureObj,
  forbidden,
  index,
  invalid,
  keys,
  notSupported,
  obj,
  objs,
  parseQuantity,
  setDefaultString,
  str,
  validateLabelName,
  validateResourceQuantityValue,
} from './util.js';

// ---- Namespaces ----

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** Upstream's validateFinalizerName: a qualified name; unprefixed names must be standard. */
function validateFinalizerName(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    errs.push(invalid(field, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

function defaultNamespace(ns: KubeObject): void {
  const name = ns.metadata.name;
  if (name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
  setDefaultString(ensureObj(ns, 'status'), 'phase', 'Active');
}

function namespacePrepareForCreate(ns: KubeObject): void {
  // Names from generateName only exist now, after defaulting (upstream's Canonicalize).
  const name = ns.metadata.name;
  if (name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
  ns.status = { phase: 'Active' };
  const spec = ensureObj(ns, 'spec');
  const finalizers = arr(spec.finalizers);
  if (!finalizers.includes('kubernetes')) spec.finalizers = [...finalizers, 'kubernetes'];
}

function namespacePrepareForUpdate(ns: KubeObject, old: KubeObject, ctx: StrategyContext): void {
  if (ctx.subresource === '') {
    const oldFinalizers = obj(old.spec)?.finalizers;
    const spec = ensureObj(ns, 'spec');
    if (oldFinalizers === undefined) delete spec.finalizers;
    else spec.finalizers = oldFinalizers;
  }
  if (ctx.subresource === '' || ctx.subresource === 'finalize') ns.status = old.status;
}

function validateNamespaceFinalizers(ns: KubeObject): FieldError[] {
  return arr(obj(ns.spec)?.finalizers).flatMap((f, i) =>
    validateFinalizerName(str(f), index('spec.finalizers', i)),
  );
}

function validateNamespaceStatusUpdate(ns: KubeObject): FieldError[] {
  const phase = str(obj(ns.status)?.phase);
  if (!ns.metadata.deletionTimestamp) {
    if (phase !== 'Active')
      return [invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty")];
  } else if (phase !== 'Terminating') {
    return [invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
  }
  return [];
}

export const namespacesResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  namespaced: false,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  schema: 'io.k8s.api.core.v1.Namespace',
  subresources: { status: true, others: ['finalize'] },
  nameValidation: 'dns1123Label',
  generation: false,
  returnDeletedObject: true,
  defaults: defaultNamespace,
  prepareForCreate: namespacePrepareForCreate,
  prepareForUpdate: namespacePrepareForUpdate,
  validateCreate: validateNamespaceFinalizers,
  validateUpdate: validateNamespaceFinalizers,
  validateStatusUpdate: validateNamespaceStatusUpdate,
  beforeDelete: (ns) => {
    ensureObj(ns, 'status').phase = 'Terminating';
  },
  deletionBlocked: (ns) => arr(obj(ns.spec)?.finalizers).length > 0,
  table: [
    nameColumn(),
    column('Status', (o) => str(obj(o.status)?.phase), { description: 'The status of the namespace' }),
    ageColumn(),
  ],
  selectableFields: (o) => ({ 'status.phase': str(obj(o.status)?.phase) }),
};

// ---- Nodes ----

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateNodeTaints(taints: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Map<string, Set<string>>();
  for (const [t, i] of objs(taints)) {
    const p = index(field, i);
    const k = str(t.key);
    const v = str(t.value);
    const effect = str(t.effect);
    errs.push(...validateLabelName(k, child(p, 'key')));
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(invalid(child(p, 'value'), v, valueErrs.join(';')));
    if (!effect) errs.push({ type: 'FieldValueRequired', field: child(p, 'effect') });
    else if (!TAINT_EFFECTS.includes(effect))
      errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
    const seen = unique.get(effect) ?? new Set<string>();
    if (seen.has(k)) {
      const e = duplicate(p, t);
      e.detail = 'taints must be unique by key and effect pair';
      errs.push(e);
      continue;
    }
    seen.add(k);
    unique.set(effect, seen);
  }
  return errs;
}

function validateNodeResources(node: KubeObject): FieldError[] {
  const status = obj(node.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of ['capacity', 'allocatable'] as const) {
    const list = obj(status[k]) ?? {};
    for (const r of keys(list)) errs.push(...validateResourceQuantityValue(r, list[r], `status.${k}.${r}`));
  }
  return errs;
}

function validatePodCIDRs(spec: Obj): FieldError[] {
  const cidrs = arr(spec.podCIDRs).map(str);
  const errs: FieldError[] = [];
  cidrs.forEach((c, i) => errs.push(...validateCIDR(index('spec.podCIDRs', i), c)));
  if (cidrs.length > 1) {
    if (cidrs.length > 2 || cidrs.filter((c) => c.includes(':')).length !== 1) {
      errs.push(invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
    }
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(index('spec.podCIDRs', i), c));
      seen.add(c);
    });
  }
  return errs;
}

/** Upstream's ValidateNode (ObjectMeta is generic). */
export function validateNode(node: KubeObject): FieldError[] {
  const spec = obj(node.spec) ?? {};
  return [
    ...validateNodeTaints(spec.taints, 'metadata.taints'),
    ...validateNodeResources(node),
    ...validatePodCIDRs(spec),
  ];
}

/** Upstream's ValidateNodeUpdate. */
export function validateNodeUpdate(node: KubeObject, old: KubeObject): FieldError[] {
  const spec = obj(node.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const errs = validateNodeResources(node);
  const seen: Obj[] = [];
  for (const [a, i] of objs(obj(node.status)?.addresses)) {
    if (seen.some((s) => deepEqual(s, a))) errs.push(duplicate(index('status.addresses', i), a));
    seen.push(a);
  }
  const oldCIDRs = arr(oldSpec.podCIDRs).map(str);
  const cidrs = arr(spec.podCIDRs).map(str);
  const cidrMsg = 'node updates may not change podCIDR except from "" to valid';
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== cidrs.length) errs.push(forbidden('spec.podCIDRs', cidrMsg));
    else oldCIDRs.forEach((c, i) => c !== cidrs[i] && errs.push(forbidden('spec.podCIDRs', cidrMsg)));
  }
  const oldProvider = str(oldSpec.providerID);
  if (oldProvider && oldProvider !== str(spec.providerID)) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  errs.push(...validateNodeTaints(spec.taints, 'metadata.taints'));
  if (str(spec.externalID) !== str(oldSpec.externalID))
    errs.push(forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

function defaultNode(node: KubeObject): void {
  const status = obj(node.status);
  if (!status) return;
  canonicalizeResourceList(status.capacity);
  canonicalizeResourceList(status.allocatable);
  if ((status.allocatable === undefined || status.allocatable === null) && obj(status.capacity)) {
    status.allocatable = { ...obj(status.capacity) };
  }
}

/** Upstream's printNode STATUS: Ready/NotReady/Unknown, plus SchedulingDisabled. */
export function nodeStatus(node: KubeObject): string {
  const status: string[] = [];
  for (const [c] of objs(obj(node.status)?.conditions)) {
    if (c.type === 'Ready') {
      status.length = 0;
      status.push(c.status === 'True' ? 'Ready' : 'NotReady');
    }
  }
  if (status.length === 0) status.push('Unknown');
  if (obj(node.spec)?.unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Node roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels. */
export function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

function nodeAddress(node: KubeObject, type: string): string {
  for (const [a] of objs(obj(node.status)?.addresses)) if (a.type === type) return str(a.address);
  return '<none>';
}

function nodeInfo(node: KubeObject, k: string): string {
  return str(obj(obj(node.status)?.nodeInfo)?.[k]);
}

export const nodesResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  shortNames: ['no'],
  namespaced: false,
  schema: 'io.k8s.api.core.v1.Node',
  subresources: { status: true, others: ['proxy'] },
  resetStatusOnCreate: false,
  defaults: defaultNode,
  validateCreate: validateNode,
  validateUpdate: validateNodeUpdate,
  validateStatusUpdate: validateNodeUpdate,
  table: [
    nameColumn(),
    column('Status', nodeStatus, { description: 'The status of the node' }),
    column('Roles', nodeRoles, { description: 'The roles of the node' }),
    ageColumn(),
    column('Version', (o) => nodeInfo(o, 'kubeletVersion'), {
      description: 'Kubelet Version reported by the node.',
    }),
    column('Internal-IP', (o) => nodeAddress(o, 'InternalIP'), {
      priority: 1,
      description: 'The node internal IP.',
    }),
    column('External-IP', (o) => nodeAddress(o, 'ExternalIP'), {
      priority: 1,
      description: 'The node external IP.',
    }),
    column('OS-Image', (o) => nodeInfo(o, 'osImage') || '<unknown>', {
      priority: 1,
      description: 'OS image reported by the node.',
    }),
    column('Kernel-Version', (o) => nodeInfo(o, 'kernelVersion') || '<unknown>', {
      priority: 1,
      description: 'Kernel version reported by the node.',
    }),
    column('Container-Runtime', (o) => nodeInfo(o, 'containerRuntimeVersion') || '<unknown>', {
      priority: 1,
      description: 'Container runtime version reported by the node.',
    }),
  ],
  selectableFields: (o) => ({ 'spec.unschedulable': String(obj(o.spec)?.unschedulable === true) }),
};

// ---- ComponentStatuses ----

function componentCondition(cs: KubeObject): { status: string; message: string; error: string } {
  for (const [c] of objs(cs.conditions)) {
    if (c.type === 'Healthy') {
      return {
        status: c.status === 'True' ? 'Healthy' : 'Unhealthy',
        message: str(c.message),
        error: str(c.error),
      };
    }
  }
  return { status: 'Unknown', message: '', error: '' };
}

export const componentStatusesResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ComponentStatus',
  plural: 'componentstatuses',
  singular: 'componentstatus',
  shortNames: ['cs'],
  namespaced: false,
  verbs: ['get', 'list'],
  schema: 'io.k8s.api.core.v1.ComponentStatus',
  table: [
    nameColumn(),
    column('Status', (o) => componentCondition(o).status, {
      description: 'Status of the component conditions',
    }),
    column('Message', (o) => componentCondition(o).message, {
      description: 'Message of the component conditions',
    }),
    column('Error', (o) => componentCondition(o).error, { description: 'Error of the component conditions' }),
  ],
};

// ---- PersistentVolumes ----

const PV_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'flocker',
  'nfs',
  'rbd',
  'quobyte',
  'cephfs',
  'iscsi',
  'cinder',
  'fc',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'scaleIO',
  'local',
  'storageos',
  'csi',
] as const;
const PV_REQUIRED: Partial<Record<(typeof PV_SOURCES)[number], string[]>> = {
  hostPath: ['path'],
  gcePersistentDisk: ['pdName'],
  awsElasticBlockStore: ['volumeID'],
  glusterfs: ['endpoints', 'path'],
  nfs: ['server', 'path'],
  rbd: ['monitors', 'image'],
  cephfs: ['monitors'],
  iscsi: ['targetPortal', 'iqn'],
  cinder: ['volumeID'],
  flexVolume: ['driver'],
  azureFile: ['secretName', 'shareName'],
  vsphereVolume: ['volumePath'],
  photonPersistentDisk: ['pdID'],
  portworxVolume: ['volumeID'],
  azureDisk: ['diskName', 'diskURI'],
  scaleIO: ['gateway', 'system', 'volumeName'],
  local: ['path'],
  storageos: ['volumeName'],
  csi: ['driver', 'volumeHandle'],
};
const PV_ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];

/** Upstream's SetDefaults_PersistentVolume plus canonical capacity quantities. */
function defaultPV(pv: KubeObject): void {
  const spec = ensureObj(pv, 'spec');
  setDefaultString(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  canonicalizeResourceList(spec.capacity);
  const hostPath = obj(spec.hostPath);
  if (hostPath && (hostPath.type === undefined || hostPath.type === null)) hostPath.type = '';
  setDefaultString(ensureObj(pv, 'status'), 'phase', 'Pending');
}

/** Upstream's ValidatePersistentVolumeSpec for stand-alone volumes (the common rules). */
export function validatePersistentVolume(pv: KubeObject): FieldError[] {
  const spec = obj(pv.spec) ?? {};
  const errs: FieldError[] = [];
  const modes = arr(spec.accessModes).map(str);
  if (modes.length === 0) errs.push({ type: 'FieldValueRequired', field: 'spec.accessModes' });
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!PV_ACCESS_MODES.includes(m)) errs.push(notSupported('spec.accessModes', m, PV_ACCESS_MODES));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (PV_ACCESS_MODES.includes(m)) other = true;
  }
  if (rwop && other)
    errs.push(forbidden('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'));
  const capacity = obj(spec.capacity) ?? {};
  const capKeys = keys(capacity);
  if (capKeys.length === 0) errs.push({ type: 'FieldValueRequired', field: 'spec.capacity' });
  if (!capKeys.includes('storage') || capKeys.length > 1)
    errs.push(notSupported('spec.capacity', capacity, ['storage']));
  for (const r of capKeys) {
    const e = validateResourceQuantityValue(r, capacity[r], `spec.capacity[${r}]`);
    errs.push(...e);
    const q = parseQuantity(capacity[r]);
    if (e.length === 0 && q && q.sign() <= 0)
      errs.push(invalid(`spec.capacity[${r}]`, q.toString(), 'must be greater than zero'));
  }
  const policy = str(spec.persistentVolumeReclaimPolicy);
  if (policy && !RECLAIM_POLICIES.includes(policy))
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  let count = 0;
  for (const src of PV_SOURCES) {
    const s = obj(spec[src]);
    if (!s) continue;
    if (count > 0) {
      errs.push(forbidden(`spec.${src}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    for (const f of PV_REQUIRED[src] ?? []) {
      if (!str(s[f]) && arr(s[f]).length === 0)
        errs.push({ type: 'FieldValueRequired', field: `spec.${src}.${f}` });
    }
    if (src === 'local' && !obj(obj(spec.nodeAffinity)?.required)) {
      errs.push({
        type: 'FieldValueRequired',
        field: 'spec.nodeAffinity',
        detail: 'Local volume requires node affinity',
      });
    }
  }
  if (count === 0)
    errs.push({ type: 'FieldValueRequired', field: 'spec', detail: 'must specify a volume type' });
  const sc = str(spec.storageClassName);
  if (sc) for (const m of nameIsDNSSubdomain(sc, false)) errs.push(invalid('spec.storageClassName', sc, m));
  if (
    typeof spec.volumeMode === 'string' &&
    spec.volumeMode !== 'Block' &&
    spec.volumeMode !== 'Filesystem'
  ) {
    errs.push(notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  }
  return errs;
}

function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePersistentVolume(pv);
  const spec = obj(pv.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const source = (s: Obj): Obj =>
    Object.fromEntries(PV_SOURCES.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  const next = source(spec);
  const prev = source(oldSpec);
  // Upstream lets a CSI volume gain a controllerExpandSecretRef.
  const nextCSI = obj(next.csi);
  if (nextCSI && obj(prev.csi) && !obj(prev.csi)?.controllerExpandSecretRef) {
    next.csi = { ...nextCSI };
    delete (next.csi as Obj).controllerExpandSecretRef;
  }
  if (!deepEqual(next, prev))
    errs.push(
      forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'),
    );
  if (!deepEqual(spec.volumeMode, oldSpec.volumeMode))
    errs.push(invalid('volumeMode', spec.volumeMode ?? null, 'field is immutable'));
  return errs;
}

export const persistentVolumesResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  shortNames: ['pv'],
  namespaced: false,
  schema: 'io.k8s.api.core.v1.PersistentVolume',
  subresources: { status: true },
  returnDeletedObject: true,
  defaults: defaultPV,
  prepareForCreate: (pv, ctx) => {
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: ctx.now.toISOString().replace(/\.\d+Z$/, 'Z') };
  },
  prepareForUpdate: (pv, old, ctx) => {
    if (ctx.subresource !== 'status') return;
    const status = ensureObj(pv, 'status');
    if (status.phase !== obj(old.status)?.phase)
      status.lastPhaseTransitionTime = ctx.now.toISOString().replace(/\.\d+Z$/, 'Z');
  },
  validateCreate: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,
  validateStatusUpdate: () => [],
  table: [
    nameColumn(),
    column('Capacity', (o) => parseQuantity(obj(obj(o.spec)?.capacity)?.storage)?.toString() ?? '0', {
      description: 'The capacity of the volume.',
    }),
    column('Access Modes', (o) => accessModesString(obj(o.spec)?.accessModes), {
      description: 'The access modes of the volume.',
    }),
    column('Reclaim Policy', (o) => str(obj(o.spec)?.persistentVolumeReclaimPolicy), {
      description: 'What happens to the volume when released.',
    }),
    column('Status', (o) => (o.metadata.deletionTimestamp ? 'Terminating' : str(obj(o.status)?.phase)), {
      description: 'The phase of the volume.',
    }),
    column('Claim', (o) => claimRef(o), { description: 'The claim bound to the volume.' }),
    column(
      'StorageClass',
      (o) =>
        o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ??
        str(obj(o.spec)?.storageClassName),
      {
        description: 'StorageClass of the pv',
      },
    ),
    column('VolumeAttributesClass', (o) => str(obj(o.spec)?.volumeAttributesClassName) || '<unset>', {
      description: 'VolumeAttributesClass of the pv',
    }),
    column('Reason', (o) => str(obj(o.status)?.reason), { description: 'Why the volume is in its phase.' }),
    ageColumn(),
    column('VolumeMode', (o) => str(obj(o.spec)?.volumeMode) || '<unset>', {
      priority: 1,
      description: 'The volume mode.',
    }),
  ],
};

function claimRef(pv: KubeObject): string {
  const ref = obj(obj(pv.spec)?.claimRef);
  return ref ? `${str(ref.namespace)}/${str(ref.name)}` : '';
}
