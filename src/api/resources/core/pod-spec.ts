/**
 * @module The pod spec shared by Pods and every workload template: upstream's defaulting
 * (SetDefaults_PodSpec and everything it contains), validation (ValidatePodSpec,
 * ValidatePodTemplateSpec) and the pod QoS class.
 */
import type { FieldError } from '../../errors.js';
import { isObject } from '../../object.js';
import {
  isConfigMapKey,
  isEnvVarName,
  isHTTPHeaderName,
  isValidPortName,
  isValidLabelValue,
  isValidPortNum,
  nameIsDNSSubdomain,
  validateIP,
  validateNamespaceName,
  inclusiveRangeError,
} from '../../validation/names.js';
import {
  type Obj,
  arr,
  canonical,
  canonicalizeResourceList,
  child,
  duplicate,
  ensureObj,
  forbidden,
  index,
  invalid,
  isHugePageResourceName,
  isOvercommitAllowed,
  isValidGroupID,
  isValidUserID,
  key,
  keys,
  notFound,
  notSupported,
  num,
  obj,
  objs,
  parseQuantity,
  required,
  setDefault,
  setDefaultString,
  str,
  validateAnnotations,
  validateContainerResourceName,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateLabelName,
  validateLabelSelector,
  validateLabels,
  validateNonnegativeField,
  validateQualifiedName,
  validateResourceQuantityValue,
  IS_NOT_POSITIVE_ERROR_MSG,
} from './util.js';

// ============================================================================================
// Defaults
// ============================================================================================

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const IMAGE_REFERENCE = new RegExp(
  `^((?:(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?/)?` +
    `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)` +
    '(?::([\\w][\\w.-]{0,127}))?' +
    '(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}))?$',
);

/**
 * The tag upstream's ParseImageName finds: the explicit tag, "latest" when neither tag nor digest
 * is given, '' for a digest-only or unparsable reference.
 */
export function imageTag(image: string): string {
  const m = IMAGE_REFERENCE.exec(image);
  if (!m || m[1]!.length > 255) return '';
  if (m[2] !== undefined) return m[2];
  return m[3] !== undefined ? '' : 'latest';
}

function defaultHTTPGet(h: unknown): void {
  const g = obj(h);
  if (!g) return;
  setDefaultString(g, 'path', '/');
  setDefaultString(g, 'scheme', 'HTTP');
}

function defaultProbe(p: unknown): void {
  const probe = obj(p);
  if (!probe) return;
  for (const [k, v] of [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3],
  ] as const) {
    if (probe[k] === undefined || probe[k] === null || probe[k] === 0) probe[k] = v;
  }
  defaultHTTPGet(probe.httpGet);
  const grpc = obj(probe.grpc);
  if (grpc) setDefault(grpc, 'service', '');
}

function defaultFieldRef(ref: unknown): void {
  const r = obj(ref);
  if (r) setDefaultString(r, 'apiVersion', 'v1');
}

function defaultResourceFieldRef(ref: unknown): void {
  const r = obj(ref);
  if (!r) return;
  // A zero Quantity is never omitted upstream, so an unset divisor reads back as "0".
  r.divisor = r.divisor === undefined || r.divisor === null ? '0' : canonical(r.divisor);
}

function defaultContainer(c: Obj): void {
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === null || c.imagePullPolicy === '') {
    c.imagePullPolicy = imageTag(str(c.image)) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setDefaultString(c, 'terminationMessagePath', '/dev/termination-log');
  setDefaultString(c, 'terminationMessagePolicy', 'File');
  // ResourceRequirements is not a pointer upstream: it always serializes, at least as {}.
  const res = ensureObj(c, 'resources');
  canonicalizeResourceList(res.limits);
  canonicalizeResourceList(res.requests);
  for (const [p] of objs(c.ports)) setDefaultString(p, 'protocol', 'TCP');
  for (const [e] of objs(c.env)) {
    const vf = obj(e.valueFrom);
    if (!vf) continue;
    defaultFieldRef(vf.fieldRef);
    defaultResourceFieldRef(vf.resourceFieldRef);
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lc = obj(c.lifecycle);
  if (lc) {
    defaultHTTPGet(obj(lc.postStart)?.httpGet);
    defaultHTTPGet(obj(lc.preStop)?.httpGet);
  }
}

/** Volume source fields in upstream's validation order. */
const VOLUME_SOURCES = [
  'emptyDir',
  'hostPath',
  'gitRepo',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'flocker',
  'persistentVolumeClaim',
  'rbd',
  'cinder',
  'cephfs',
  'quobyte',
  'downwardAPI',
  'fc',
  'flexVolume',
  'configMap',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'storageos',
  'projected',
  'scaleIO',
  'csi',
  'ephemeral',
  'image',
] as const;

/** Path names upstream uses for a second source (Forbidden) and for a source's own fields, where they differ. */
const FORBIDDEN_SOURCE_PATH: Record<string, string> = { downwardAPI: 'downwarAPI', cephfs: 'cephFS' };
const SOURCE_FIELD_PATH: Record<string, string> = { gcePersistentDisk: 'persistentDisk' };

function defaultDownwardAPIItems(items: unknown): void {
  for (const [it] of objs(items)) {
    defaultFieldRef(it.fieldRef);
    defaultResourceFieldRef(it.resourceFieldRef);
  }
}

function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  const emptyDir = obj(v.emptyDir);
  if (emptyDir && emptyDir.sizeLimit !== undefined) emptyDir.sizeLimit = canonical(emptyDir.sizeLimit);
  const hostPath = obj(v.hostPath);
  if (hostPath) setDefault(hostPath, 'type', '');
  for (const k of ['secret', 'configMap'] as const) {
    const s = obj(v[k]);
    if (s) setDefault(s, 'defaultMode', 0o644);
  }
  const dapi = obj(v.downwardAPI);
  if (dapi) {
    setDefault(dapi, 'defaultMode', 0o644);
    defaultDownwardAPIItems(dapi.items);
  }
  const projected = obj(v.projected);
  if (projected) {
    setDefault(projected, 'defaultMode', 0o644);
    for (const [src] of objs(projected.sources)) {
      const sat = obj(src.serviceAccountToken);
      if (sat) setDefault(sat, 'expirationSeconds', 3600);
      defaultDownwardAPIItems(obj(src.downwardAPI)?.items);
    }
  }
  const iscsi = obj(v.iscsi);
  if (iscsi) setDefaultString(iscsi, 'iscsiInterface', 'default');
  const rbd = obj(v.rbd);
  if (rbd) {
    setDefaultString(rbd, 'pool', 'rbd');
    setDefaultString(rbd, 'user', 'admin');
    setDefaultString(rbd, 'keyring', '/etc/ceph/keyring');
  }
  const azureDisk = obj(v.azureDisk);
  if (azureDisk) {
    setDefault(azureDisk, 'cachingMode', 'ReadWrite');
    setDefault(azureDisk, 'fsType', 'ext4');
    setDefault(azureDisk, 'readOnly', false);
    setDefault(azureDisk, 'kind', 'Shared');
  }
  const scaleIO = obj(v.scaleIO);
  if (scaleIO) {
    setDefaultString(scaleIO, 'storageMode', 'ThinProvisioned');
    setDefaultString(scaleIO, 'fsType', 'xfs');
  }
  const claimSpec = obj(obj(obj(v.ephemeral)?.volumeClaimTemplate)?.spec);
  if (claimSpec) defaultPersistentVolumeClaimSpec(claimSpec);
  const image = obj(v.image);
  if (image && !image.pullPolicy)
    image.pullPolicy = imageTag(str(image.reference)) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Upstream's SetDefaults_PersistentVolumeClaimSpec (also used by PVC templates). */
export function defaultPersistentVolumeClaimSpec(spec: Obj): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
  const res = obj(spec.resources);
  if (res) {
    canonicalizeResourceList(res.requests);
    canonicalizeResourceList(res.limits);
  }
}

/**
 * Upstream's SetDefaults_PodSpec and the defaults of everything a pod spec contains (containers,
 * probes, ports, env field refs, volumes). This is what workload templates get; fields defaulted
 * only on Pods (requests from limits, enableServiceLinks, host ports) are in {@link defaultPod}.
 */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  setDefaultString(spec, 'dnsPolicy', 'ClusterFirst');
  setDefaultString(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefaultString(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    for (const [c] of objs(spec[list])) defaultContainer(c);
  }
  for (const [v] of objs(spec.volumes)) defaultVolume(v);
  canonicalizeResourceList(spec.overhead);
}

/**
 * Defaults of a PodTemplateSpec: the pod spec defaults, and `metadata.creationTimestamp: null`
 * (a zero metav1.Time is never omitted upstream, so a 1.32 server always shows it in templates).
 */
export function defaultPodTemplateSpec(t: Record<string, unknown>): void {
  const meta = ensureObj(t, 'metadata');
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
  defaultPodSpec(ensureObj(t, 'spec'));
}

function defaultHostNetworkPorts(containers: unknown): void {
  for (const [c] of objs(containers)) {
    for (const [p] of objs(c.ports)) {
      if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
}

/** Upstream's SetDefaults_Pod plus {@link defaultPodSpec}: what a Pod (not a template) gets. */
export function defaultPod(pod: Record<string, unknown>): void {
  const spec = ensureObj(pod, 'spec');
  defaultPodSpec(spec);
  for (const list of ['containers', 'initContainers'] as const) {
    for (const [c] of objs(spec[list])) {
      const res = ensureObj(c, 'resources');
      const limits = obj(res.limits);
      if (!limits) continue;
      const requests = ensureObj(res, 'requests');
      for (const k of Object.keys(limits)) {
        if (!(k in requests)) requests[k] = limits[k];
      }
    }
  }
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) {
    defaultHostNetworkPorts(spec.containers);
    defaultHostNetworkPorts(spec.initContainers);
  }
}

// ============================================================================================
// QoS
// ============================================================================================

/** Upstream's ComputePodQOS over containers and init containers (cpu and memory only). */
export function podQOSClass(pod: unknown): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = obj(obj(pod)?.spec) ?? {};
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const list of ['containers', 'initContainers'] as const) {
    for (const [c] of objs(spec[list])) {
      const res = obj(c.resources) ?? {};
      for (const [name, into, isLimit] of [
        ['requests', requests, false],
        ['limits', limits, true],
      ] as const) {
        const found = new Set<string>();
        const rl = obj(res[name]) ?? {};
        for (const r of Object.keys(rl)) {
          if (r !== 'cpu' && r !== 'memory') continue;
          const q = parseQuantity(rl[r]);
          if (!q || q.sign() <= 0) continue;
          found.add(r);
          into.set(r, (into.get(r) ?? 0n) + q.milliValue());
        }
        if (isLimit && !(found.has('cpu') && found.has('memory'))) guaranteed = false;
      }
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [r, v] of requests) {
      if (limits.get(r) !== v) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

// ============================================================================================
// Validation
// ============================================================================================

/** Options of the pod validation that differ between a Pod and an embedded template. */
export interface PodValidationOptions {
  /** The spec belongs to a Pod (not a template): stricter image and host-port rules. */
  resourceIsPod?: boolean;
  /** The pod's metadata, for checks that need the pod name (generic ephemeral volumes). */
  podMeta?: Obj;
}

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const MORE_THAN_ONE_VOLUME = 'may not specify more than 1 volume type';

function validateFileMode(mode: unknown, field: string): FieldError[] {
  const m = num(mode);
  return m !== undefined && (m > 0o777 || m < 0) ? [invalid(field, m, FILE_MODE_ERROR)] : [];
}

function validatePathNoBacksteps(p: string, field: string): FieldError[] {
  return p.split('/').includes('..') ? [invalid(field, p, "must not contain '..'")] : [];
}

function validateLocalDescendingPath(p: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(invalid(field, p, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(p, field));
  return errs;
}

function validateLocalNonReservedPath(p: string, field: string): FieldError[] {
  const errs = validateLocalDescendingPath(p, field);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(invalid(field, p, "must not start with '..'"));
  return errs;
}

function validateKeyToPath(kp: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(kp.key)) errs.push(required(child(field, 'key')));
  if (!str(kp.path)) errs.push(required(child(field, 'path')));
  errs.push(...validateLocalNonReservedPath(str(kp.path), child(field, 'path')));
  errs.push(...validateFileMode(kp.mode, child(field, 'mode')));
  return errs;
}

const VOLUME_DOWNWARD_API_FIELDS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
];
const ENV_DOWNWARD_API_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const DOWNWARD_API_CONVERTIBLE = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const CONTAINER_RESOURCE_FIELDS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

/** fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['key']` → ['metadata.labels', 'key']. */
function splitSubscriptedPath(p: string): [string, string] | undefined {
  if (!p.endsWith("']")) return undefined;
  const s = p.slice(0, -2);
  const i = s.indexOf("['");
  if (i <= 0) return undefined;
  return [s.slice(0, i), s.slice(i + 2)];
}

function validateObjectFieldSelector(fs: Obj, expressions: readonly string[], field: string): FieldError[] {
  const apiVersion = str(fs.apiVersion);
  const fieldPath = str(fs.fieldPath);
  if (!apiVersion) return [required(child(field, 'apiVersion'))];
  if (!fieldPath) return [required(child(field, 'fieldPath'))];
  let convErr = '';
  const sub = splitSubscriptedPath(fieldPath);
  if (apiVersion !== 'v1') convErr = `unsupported pod version: ${apiVersion}`;
  else if (sub && sub[0] !== 'metadata.annotations' && sub[0] !== 'metadata.labels') {
    convErr = `field label does not support subscript: ${fieldPath}`;
  } else if (!sub && !DOWNWARD_API_CONVERTIBLE.has(fieldPath) && fieldPath !== 'spec.host') {
    convErr = `field label not supported: ${fieldPath}`;
  }
  if (convErr)
    return [invalid(child(field, 'fieldPath'), fieldPath, `error converting fieldPath: ${convErr}`)];
  const internal = fieldPath === 'spec.host' ? 'spec.nodeName' : fieldPath;
  if (sub) {
    return sub[0] === 'metadata.annotations'
      ? validateQualifiedName(sub[1].toLowerCase(), field)
      : validateQualifiedName(sub[1], field);
  }
  if (!expressions.includes(internal))
    return [notSupported(child(field, 'fieldPath'), internal, expressions)];
  return [];
}

const DIVISORS_CPU = new Set(['1m', '1']);
const DIVISORS_BYTES = new Set([
  '1',
  '1k',
  '1M',
  '1G',
  '1T',
  '1P',
  '1E',
  '1Ki',
  '1Mi',
  '1Gi',
  '1Ti',
  '1Pi',
  '1Ei',
]);

function validateContainerResourceDivisor(resource: string, divisor: unknown, field: string): FieldError[] {
  const q = parseQuantity(divisor);
  if (divisor === undefined || divisor === null || (q && q.isZero())) return [];
  const s = q ? q.toString() : JSON.stringify(divisor);
  const p = child(field, 'divisor');
  switch (resource) {
    case 'limits.cpu':
    case 'requests.cpu':
      if (!DIVISORS_CPU.has(s))
        return [invalid(p, resource, "only divisor's values 1m and 1 are supported with the cpu resource")];
      break;
    case 'limits.memory':
    case 'requests.memory':
      if (!DIVISORS_BYTES.has(s)) {
        return [
          invalid(
            p,
            resource,
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource",
          ),
        ];
      }
      break;
    case 'limits.ephemeral-storage':
    case 'requests.ephemeral-storage':
      if (!DIVISORS_BYTES.has(s)) {
        return [
          invalid(
            p,
            resource,
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource",
          ),
        ];
      }
      break;
  }
  if (
    (resource.startsWith('requests.hugepages-') || resource.startsWith('limits.hugepages-')) &&
    !DIVISORS_BYTES.has(s)
  ) {
    return [
      invalid(
        p,
        resource,
        "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource",
      ),
    ];
  }
  return [];
}

function validateContainerResourceFieldSelector(fs: Obj, field: string, volume: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const resource = str(fs.resource);
  if (volume && !str(fs.containerName)) errs.push(required(child(field, 'containerName')));
  else if (!resource) errs.push(required(child(field, 'resource')));
  else if (
    !CONTAINER_RESOURCE_FIELDS.includes(resource) &&
    !resource.startsWith('requests.hugepages-') &&
    !resource.startsWith('limits.hugepages-')
  ) {
    errs.push(notSupported(child(field, 'resource'), resource, CONTAINER_RESOURCE_FIELDS));
  }
  errs.push(...validateContainerResourceDivisor(resource, fs.divisor, field));
  return errs;
}

function validateDownwardAPIVolumeFile(file: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(file.path)) errs.push(required(child(field, 'path')));
  errs.push(...validateLocalNonReservedPath(str(file.path), child(field, 'path')));
  const fieldRef = obj(file.fieldRef);
  const resourceFieldRef = obj(file.resourceFieldRef);
  if (fieldRef) {
    errs.push(...validateObjectFieldSelector(fieldRef, VOLUME_DOWNWARD_API_FIELDS, child(field, 'fieldRef')));
    if (resourceFieldRef) {
      errs.push(
        invalid(field, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'),
      );
    }
  } else if (resourceFieldRef) {
    errs.push(
      ...validateContainerResourceFieldSelector(resourceFieldRef, child(field, 'resourceFieldRef'), true),
    );
  } else {
    errs.push(required(field, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateFileMode(file.mode, child(field, 'mode')));
  return errs;
}

function validateProjectedSources(projection: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const allPaths = new Set<string>();
  const addPath = (p: string, bad: unknown): void => {
    if (!p) return;
    if (allPaths.has(p)) errs.push(invalid(field, bad, 'conflicting duplicate paths'));
    else allPaths.add(p);
  };
  for (const [source, i] of objs(projection.sources)) {
    let numSources = 0;
    const srcPath = index(child(field, 'sources'), i);
    for (const kind of ['secret', 'configMap'] as const) {
      const s = obj(source[kind]);
      if (!s) continue;
      numSources++;
      const projPath = child(srcPath, kind);
      if (!str(s.name)) errs.push(required(child(projPath, 'name')));
      for (const [kp, j] of objs(s.items)) {
        errs.push(...validateKeyToPath(kp, index(child(projPath, 'items'), j)));
        addPath(str(kp.path), str(s.name));
      }
    }
    const dapi = obj(source.downwardAPI);
    if (dapi) {
      numSources++;
      for (const [file] of objs(dapi.items)) {
        errs.push(...validateDownwardAPIVolumeFile(file, child(srcPath, 'downwardAPI')));
        addPath(str(file.path), str(file.path));
      }
    }
    const sat = obj(source.serviceAccountToken);
    if (sat) {
      numSources++;
      const exp = num(sat.expirationSeconds) ?? 0;
      const p = child(srcPath, 'serviceAccountToken', 'expirationSeconds');
      if (exp < 600) errs.push(invalid(p, exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32) errs.push(invalid(p, exp, 'may not specify a duration larger than 2^32 seconds'));
      if (!str(sat.path)) errs.push(required(child(field, 'path')));
      else errs.push(...validateLocalNonReservedPath(str(sat.path), child(field, 'path')));
    }
    const ctb = obj(source.clusterTrustBundle);
    if (ctb) {
      numSources++;
      const projPath = child(srcPath, 'clusterTrustBundle');
      const usingName = typeof ctb.name === 'string';
      const usingSigner = typeof ctb.signerName === 'string';
      if (usingName && usingSigner)
        errs.push(invalid(projPath, ctb, 'only one of name and signerName may be used'));
      else if (usingName && !str(ctb.name))
        errs.push(required(child(projPath, 'name'), 'must be a valid object name'));
      else if (usingSigner && !str(ctb.signerName)) {
        errs.push(required(child(projPath, 'signerName'), 'must be a valid signer name'));
      } else if (!usingName && !usingSigner) {
        errs.push(required(projPath, 'either name or signerName must be specified'));
      }
      if (!str(ctb.path)) errs.push(required(child(projPath, 'path')));
      errs.push(...validateLocalNonReservedPath(str(ctb.path), child(projPath, 'path')));
      addPath(str(ctb.path), str(ctb.path));
    }
    if (numSources > 1) errs.push(forbidden(srcPath, 'may not specify more than 1 volume type per source'));
  }
  return errs;
}

const HOST_PATH_TYPES = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
];

/** Per-source checks for the volume sources pods commonly use; the rest only need their required fields. */
function validateOneVolumeSource(
  kind: string,
  s: Obj,
  field: string,
  volName: string,
  opts: PodValidationOptions,
): FieldError[] {
  const errs: FieldError[] = [];
  const need = (...names: string[]): void => {
    for (const n of names)
      if (!str(s[n]) && !(Array.isArray(s[n]) && s[n].length > 0)) errs.push(required(child(field, n)));
  };
  switch (kind) {
    case 'emptyDir': {
      const q = s.sizeLimit === undefined ? undefined : parseQuantity(s.sizeLimit);
      if (s.sizeLimit !== undefined && (!q || q.sign() < 0)) {
        errs.push(forbidden(child(field, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'hostPath':
      if (!str(s.path)) return [required(child(field, 'path'))];
      errs.push(...validatePathNoBacksteps(str(s.path), child(field, 'path')));
      if (typeof s.type === 'string' && !HOST_PATH_TYPES.includes(s.type)) {
        errs.push(notSupported(child(field, 'type'), s.type, HOST_PATH_TYPES));
      }
      break;
    case 'gitRepo':
      need('repository');
      errs.push(...validateLocalDescendingPath(str(s.directory), child(field, 'directory')));
      break;
    case 'secret':
      need('secretName');
      errs.push(...validateFileMode(s.defaultMode, child(field, 'defaultMode')));
      for (const [kp, i] of objs(s.items))
        errs.push(...validateKeyToPath(kp, index(child(field, 'items'), i)));
      break;
    case 'configMap':
      need('name');
      errs.push(...validateFileMode(s.defaultMode, child(field, 'defaultMode')));
      for (const [kp, i] of objs(s.items))
        errs.push(...validateKeyToPath(kp, index(child(field, 'items'), i)));
      break;
    case 'persistentVolumeClaim':
      need('claimName');
      break;
    case 'nfs':
      need('server', 'path');
      if (!str(s.path).startsWith('/'))
        errs.push(invalid(child(field, 'path'), str(s.path), 'must be an absolute path'));
      break;
    case 'downwardAPI':
      errs.push(...validateFileMode(s.defaultMode, child(field, 'defaultMode')));
      for (const [file] of objs(s.items)) errs.push(...validateDownwardAPIVolumeFile(file, field));
      break;
    case 'projected':
      errs.push(...validateFileMode(s.defaultMode, child(field, 'defaultMode')));
      errs.push(...validateProjectedSources(s, field));
      break;
    case 'iscsi':
      need('targetPortal', 'iqn');
      break;
    case 'glusterfs':
      need('endpoints', 'path');
      break;
    case 'rbd':
      need('monitors', 'image');
      break;
    case 'cinder':
    case 'awsElasticBlockStore':
    case 'portworxVolume':
      need('volumeID');
      break;
    case 'gcePersistentDisk':
      need('pdName');
      break;
    case 'cephfs':
      need('monitors');
      break;
    case 'flexVolume':
      need('driver');
      break;
    case 'azureFile':
      need('secretName', 'shareName');
      break;
    case 'azureDisk':
      need('diskName', 'diskURI');
      break;
    case 'vsphereVolume':
      need('volumePath');
      break;
    case 'photonPersistentDisk':
      need('pdID');
      break;
    case 'scaleIO':
      need('gateway', 'system', 'volumeName');
      break;
    case 'quobyte':
      need('registry', 'volume');
      break;
    case 'storageos':
      need('volumeName');
      break;
    case 'csi':
      if (!str(s.driver)) errs.push(required(child(field, 'driver')));
      else
        errs.push(
          ...validateDNS1123Subdomain(str(s.driver).toLowerCase(), child(field, 'driver')).map((e) => ({
            ...e,
            badValue: s.driver,
          })),
        );
      break;
    case 'ephemeral': {
      const tmpl = obj(s.volumeClaimTemplate);
      if (!tmpl) errs.push(required(child(field, 'volumeClaimTemplate')));
      else {
        const tp = child(field, 'volumeClaimTemplate');
        const meta = obj(tmpl.metadata) ?? {};
        errs.push(...validateAnnotations(meta.annotations, child(tp, 'metadata', 'annotations')));
        errs.push(...validateLabels(meta.labels, child(tp, 'metadata', 'labels')));
        for (const k of Object.keys(meta).sort()) {
          if (k !== 'labels' && k !== 'annotations' && meta[k] !== null && meta[k] !== undefined) {
            errs.push(forbidden(child(tp, 'metadata', k), 'cannot be set'));
          }
        }
        errs.push(...validatePersistentVolumeClaimSpec(obj(tmpl.spec) ?? {}, child(tp, 'spec')));
      }
      const podName = str(opts.podMeta?.name);
      if (podName && volName) {
        for (const m of nameIsDNSSubdomain(`${podName}-${volName}`, false)) {
          errs.push(invalid(child(field, 'name'), volName, `PVC name "${podName}-${volName}": ${m}`));
        }
      }
      break;
    }
    case 'image':
      if (opts.resourceIsPod && !str(s.reference)) errs.push(required(child(field, 'reference')));
      errs.push(...validatePullPolicy(s.pullPolicy, child(field, 'pullPolicy')));
      break;
  }
  return errs;
}

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];

/** Upstream's ValidatePersistentVolumeClaimSpec (used by PVCs and ephemeral volume templates). */
export function validatePersistentVolumeClaimSpec(spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const modes = arr(spec.accessModes).map(str);
  if (modes.length === 0)
    errs.push(required(child(field, 'accessModes'), 'at least 1 access mode is required'));
  if (spec.selector !== undefined && spec.selector !== null) {
    errs.push(...validateLabelSelector(spec.selector, child(field, 'selector')));
  }
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!ACCESS_MODES.includes(m)) errs.push(notSupported(child(field, 'accessModes'), m, ACCESS_MODES));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(m)) other = true;
  }
  if (rwop && other)
    errs.push(forbidden(child(field, 'accessModes'), 'may not use ReadWriteOncePod with other access modes'));
  const storagePath = key(child(field, 'resources'), 'storage');
  const requests = obj(obj(spec.resources)?.requests) ?? {};
  if (!('storage' in requests)) errs.push(required(storagePath));
  else {
    const q = parseQuantity(requests.storage);
    if (!q || q.sign() <= 0)
      errs.push(invalid(storagePath, q ? q.toString() : requests.storage, IS_NOT_POSITIVE_ERROR_MSG));
    else errs.push(...validateResourceQuantityValue('storage', requests.storage, storagePath));
  }
  const sc = spec.storageClassName;
  if (typeof sc === 'string' && sc.length > 0) {
    for (const m of nameIsDNSSubdomain(sc, false))
      errs.push(invalid(child(field, 'storageClassName'), sc, m));
  }
  if (typeof spec.volumeMode === 'string' && !VOLUME_MODES.includes(spec.volumeMode)) {
    errs.push(notSupported(child(field, 'volumeMode'), spec.volumeMode, VOLUME_MODES));
  }
  for (const k of ['dataSource', 'dataSourceRef'] as const) {
    const ds = obj(spec[k]);
    if (!ds) continue;
    const p = child(field, k);
    if (!str(ds.name)) errs.push(required(child(p, 'name')));
    if (!str(ds.kind)) errs.push(required(child(p, 'kind')));
    const group = str(ds.apiGroup);
    if (!group && str(ds.kind) !== 'PersistentVolumeClaim') {
      errs.push(
        invalid(p, str(ds.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"),
      );
    }
    if (group) errs.push(...validateDNS1123Subdomain(group, child(p, 'apiGroup')));
  }
  return errs;
}

function validateVolumes(
  volumes: unknown,
  field: string,
  opts: PodValidationOptions,
): { names: Map<string, Obj>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const names = new Map<string, Obj>();
  const podName = str(opts.podMeta?.name);
  const createdPVCs = new Set<string>();
  if (podName)
    for (const [v] of objs(volumes)) if (obj(v.ephemeral)) createdPVCs.add(`${podName}-${str(v.name)}`);
  for (const [vol, i] of objs(volumes)) {
    const idxPath = index(field, i);
    const namePath = child(idxPath, 'name');
    const name = str(vol.name);
    const el: FieldError[] = [];
    let count = 0;
    for (const kind of VOLUME_SOURCES) {
      const s = vol[kind];
      if (s === undefined || s === null) continue;
      if (count > 0) {
        el.push(forbidden(child(idxPath, FORBIDDEN_SOURCE_PATH[kind] ?? kind), MORE_THAN_ONE_VOLUME));
        continue;
      }
      count++;
      el.push(
        ...validateOneVolumeSource(
          kind,
          obj(s) ?? {},
          child(idxPath, SOURCE_FIELD_PATH[kind] ?? kind),
          name,
          opts,
        ),
      );
    }
    if (count === 0) el.push(required(idxPath, 'must specify a volume type'));
    if (!name) el.push(required(namePath));
    else el.push(...validateDNS1123Label(name, namePath));
    if (names.has(name)) el.push(duplicate(namePath, name));
    if (el.length === 0) names.set(name, vol);
    else errs.push(...el);
    const claim = str(obj(vol.persistentVolumeClaim)?.claimName);
    if (claim && createdPVCs.has(claim)) {
      errs.push(
        invalid(
          child(idxPath, 'persistentVolumeClaim', 'claimName'),
          claim,
          'must not reference a PVC that gets created for an ephemeral volume',
        ),
      );
    }
  }
  return { names, errs };
}

const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateContainerPorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [p, i] of objs(ports)) {
    const idxPath = index(field, i);
    const name = str(p.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(invalid(child(idxPath, 'name'), name, m));
      else if (names.has(name)) errs.push(duplicate(child(idxPath, 'name'), name));
      else names.add(name);
    }
    const cp = num(p.containerPort) ?? 0;
    if (cp === 0) errs.push(required(child(idxPath, 'containerPort')));
    else for (const m of isValidPortNum(cp)) errs.push(invalid(child(idxPath, 'containerPort'), cp, m));
    const hp = num(p.hostPort) ?? 0;
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(invalid(child(idxPath, 'hostPort'), hp, m));
    const proto = str(p.protocol);
    if (!proto) errs.push(required(child(idxPath, 'protocol')));
    else if (!PORT_PROTOCOLS.includes(proto))
      errs.push(notSupported(child(idxPath, 'protocol'), proto, PORT_PROTOCOLS));
  }
  return errs;
}

function validateKeySelector(s: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.name);
  for (const m of nameIsDNSSubdomain(name, false)) errs.push(invalid(child(field, 'name'), name, m));
  const k = str(s.key);
  if (!k) errs.push(required(child(field, 'key')));
  else for (const m of isConfigMapKey(k)) errs.push(invalid(child(field, 'key'), k, m));
  return errs;
}

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [ev, i] of objs(env)) {
    const idxPath = index(field, i);
    const name = str(ev.name);
    if (!name) errs.push(required(child(idxPath, 'name')));
    else for (const m of isEnvVarName(name)) errs.push(invalid(child(idxPath, 'name'), name, m));
    const vf = obj(ev.valueFrom);
    if (!vf) continue;
    const vfPath = child(idxPath, 'valueFrom');
    let numSources = 0;
    const fieldRef = obj(vf.fieldRef);
    if (fieldRef) {
      numSources++;
      errs.push(...validateObjectFieldSelector(fieldRef, ENV_DOWNWARD_API_FIELDS, child(vfPath, 'fieldRef')));
    }
    const rfr = obj(vf.resourceFieldRef);
    if (rfr) {
      numSources++;
      errs.push(...validateContainerResourceFieldSelector(rfr, child(vfPath, 'resourceFieldRef'), false));
    }
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const s = obj(vf[k]);
      if (!s) continue;
      numSources++;
      errs.push(...validateKeySelector(s, child(vfPath, k)));
    }
    if (numSources === 0) {
      errs.push(
        invalid(
          vfPath,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        ),
      );
    } else if (str(ev.value)) {
      errs.push(invalid(vfPath, '', 'may not be specified when `value` is not empty'));
    } else if (numSources > 1) {
      errs.push(invalid(vfPath, '', 'may not have more than one field specified at a time'));
    }
  }
  return errs;
}

function validateEnvFrom(envFrom: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [ev, i] of objs(envFrom)) {
    const idxPath = index(field, i);
    const prefix = str(ev.prefix);
    if (prefix) for (const m of isEnvVarName(prefix)) errs.push(invalid(child(idxPath, 'prefix'), prefix, m));
    let numSources = 0;
    for (const k of ['configMapRef', 'secretRef'] as const) {
      const s = obj(ev[k]);
      if (!s) continue;
      numSources++;
      const name = str(s.name);
      if (!name) errs.push(required(child(idxPath, k, 'name')));
      else
        for (const m of nameIsDNSSubdomain(name, true))
          errs.push(invalid(child(idxPath, k, 'name'), name, m));
    }
    if (numSources === 0) errs.push(invalid(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (numSources > 1)
      errs.push(invalid(field, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

const MOUNT_PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];
const RECURSIVE_READ_ONLY = ['Disabled', 'Enabled', 'IfPossible'];

function validateVolumeMounts(
  mounts: unknown,
  devices: Map<string, string>,
  volumes: Map<string, Obj>,
  container: Obj | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const mountpoints = new Set<string>();
  const devicePaths = new Set(devices.values());
  for (const [m, i] of objs(mounts)) {
    const idxPath = index(field, i);
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(required(child(idxPath, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(idxPath, 'name'), name));
    if (!mountPath) errs.push(required(child(idxPath, 'mountPath')));
    if (mountpoints.has(mountPath))
      errs.push(invalid(child(idxPath, 'mountPath'), mountPath, 'must be unique'));
    mountpoints.add(mountPath);
    if (devices.has(name))
      errs.push(invalid(child(idxPath, 'name'), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath)) {
      errs.push(
        invalid(child(idxPath, 'mountPath'), mountPath, 'must not already exist as a path in volumeDevices'),
      );
    }
    const subPath = str(m.subPath);
    const subPathExpr = str(m.subPathExpr);
    if (obj(volumes.get(name)?.image)) {
      if (subPath)
        errs.push(invalid(child(idxPath, 'subPath'), subPath, 'not allowed in image volume sources'));
      if (subPathExpr)
        errs.push(invalid(child(idxPath, 'subPathExpr'), subPathExpr, 'not allowed in image volume sources'));
    }
    if (subPath) errs.push(...validateLocalDescendingPath(subPath, child(field, 'subPath')));
    if (subPathExpr) {
      if (subPath)
        errs.push(
          invalid(
            child(idxPath, 'subPathExpr'),
            subPathExpr,
            'subPathExpr and subPath are mutually exclusive',
          ),
        );
      errs.push(...validateLocalDescendingPath(subPathExpr, child(field, 'subPathExpr')));
    }
    const prop = m.mountPropagation;
    if (typeof prop === 'string') {
      const p = child(field, 'mountPropagation');
      if (!MOUNT_PROPAGATIONS.includes(prop)) errs.push(notSupported(p, prop, MOUNT_PROPAGATIONS));
      const privileged = obj(container?.securityContext)?.privileged === true;
      if (container && prop === 'Bidirectional' && !privileged) {
        errs.push(forbidden(p, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    const rro = m.recursiveReadOnly;
    if (typeof rro === 'string') {
      const p = child(field, 'recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (m.readOnly !== true) errs.push(forbidden(p, 'may only be specified when readOnly is true'));
        if (typeof prop === 'string' && prop !== 'None') {
          errs.push(forbidden(p, 'may only be specified when mountPropagation is None or not specified'));
        }
      } else if (rro !== 'Disabled') {
        errs.push(notSupported(p, rro, RECURSIVE_READ_ONLY));
      }
    }
  }
  return errs;
}

function validateVolumeDevices(
  devices: unknown,
  mounts: Map<string, string>,
  volumes: Map<string, Obj>,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  const names = new Set<string>();
  const mountPaths = new Set(mounts.values());
  for (const [d, i] of objs(devices)) {
    const idxPath = index(field, i);
    const name = str(d.name);
    const devPath = str(d.devicePath);
    const vol = volumes.get(name);
    if (!name) errs.push(required(child(idxPath, 'name')));
    if (names.has(name)) errs.push(invalid(child(idxPath, 'name'), name, 'must be unique'));
    if (vol && !obj(vol.persistentVolumeClaim) && !obj(vol.ephemeral)) {
      errs.push(
        invalid(
          child(idxPath, 'name'),
          name,
          'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode',
        ),
      );
    }
    if (!vol) errs.push(notFound(child(idxPath, 'name'), name));
    if (!devPath) errs.push(required(child(idxPath, 'devicePath')));
    if (paths.has(devPath)) errs.push(invalid(child(idxPath, 'devicePath'), devPath, 'must be unique'));
    if (devPath && devPath.split('/').includes('..')) {
      errs.push(invalid(child(idxPath, 'devicePath'), devPath, "can not contain backsteps ('..')"));
    } else paths.add(devPath);
    if (mounts.has(name))
      errs.push(invalid(child(idxPath, 'name'), name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devPath))
      errs.push(
        invalid(child(idxPath, 'devicePath'), devPath, 'must not already exist as a path in volumeMounts'),
      );
    if (name) names.add(name);
  }
  return errs;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

function validatePullPolicy(policy: unknown, field: string): FieldError[] {
  const p = str(policy);
  if (PULL_POLICIES.includes(p)) return [];
  if (!p) return [required(field)];
  return [notSupported(field, p, PULL_POLICIES)];
}

function hugePageSize(name: string): bigint | undefined {
  const q = parseQuantity(name.slice('hugepages-'.length));
  if (!q || q.sign() <= 0) return undefined;
  return q.value();
}

/** Upstream's validateResourceRequirements with container resource names. */
export function validateContainerResourceRequirements(
  res: unknown,
  field: string,
  podClaimNames: ReadonlySet<string> = new Set(),
): FieldError[] {
  const errs: FieldError[] = [];
  const r = obj(res) ?? {};
  const limPath = child(field, 'limits');
  const reqPath = child(field, 'requests');
  const limits = obj(r.limits) ?? {};
  const requests = obj(r.requests) ?? {};
  let cpuOrMemory = false;
  let hugePages = false;
  const checkHugePage = (name: string, value: unknown, p: string): void => {
    if (!isHugePageResourceName(name)) return;
    hugePages = true;
    const q = parseQuantity(value);
    const size = hugePageSize(name);
    if (q && (size === undefined || q.value() % size !== 0n)) {
      errs.push(invalid(p, q.toString(), `${q.toString()} is not positive integer multiple of ${name}`));
    }
  };
  for (const name of keys(limits)) {
    const p = key(limPath, name);
    errs.push(...validateContainerResourceName(name, p));
    errs.push(...validateResourceQuantityValue(name, limits[name], p));
    checkHugePage(name, limits[name], p);
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const name of keys(requests)) {
    const p = key(reqPath, name);
    errs.push(...validateContainerResourceName(name, p));
    errs.push(...validateResourceQuantityValue(name, requests[name], p));
    const q = parseQuantity(requests[name]);
    if (name in limits) {
      const lim = parseQuantity(limits[name]);
      if (q && lim) {
        if (q.cmp(lim) !== 0 && !isOvercommitAllowed(name)) {
          errs.push(invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
        } else if (q.cmp(lim) > 0) {
          errs.push(
            invalid(
              reqPath,
              q.toString(),
              `must be less than or equal to ${name} limit of ${lim.toString()}`,
            ),
          );
        }
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    checkHugePage(name, requests[name], p);
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (!cpuOrMemory && hugePages) errs.push(forbidden(field, 'HugePages require cpu or memory'));
  const names = new Set<string>();
  for (const [c, i] of objs(r.claims)) {
    const name = str(c.name);
    const p = index(child(field, 'claims'), i);
    if (!name) {
      errs.push(required(p));
      continue;
    }
    const k = str(c.request) ? `${name}/${str(c.request)}` : name;
    if (names.has(name) || names.has(k)) errs.push(duplicate(p, names.has(name) ? name : k));
    names.add(k);
    if (!podClaimNames.has(name)) {
      const e = notFound(p, name);
      e.detail =
        podClaimNames.size === 0
          ? 'must be one of the names in pod.spec.resourceClaims which is empty'
          : `must be one of the names in pod.spec.resourceClaims: ${[...podClaimNames].sort().join(', ')}`;
      errs.push(e);
    }
  }
  return errs;
}

const RESIZE_RESOURCES = ['cpu', 'memory'];
const RESIZE_POLICIES = ['NotRequired', 'RestartContainer'];

function validateResizePolicy(list: unknown, field: string, podRestartPolicy: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [p, i] of objs(list)) {
    const rn = str(p.resourceName);
    const rp = str(p.restartPolicy);
    if (seen.has(rn)) errs.push(duplicate(index(field, i), rn));
    seen.add(rn);
    if (!rn) errs.push(required(field));
    else if (!RESIZE_RESOURCES.includes(rn)) errs.push(notSupported(field, rn, RESIZE_RESOURCES));
    if (!rp) errs.push(required(field));
    else if (!RESIZE_POLICIES.includes(rp)) errs.push(notSupported(field, rp, RESIZE_POLICIES));
    if (podRestartPolicy === 'Never' && rp !== 'NotRequired') {
      errs.push(invalid(field, rp, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
    }
  }
  return errs;
}

const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function validateSeccompProfileField(sp: unknown, field: string): FieldError[] {
  const p = obj(sp);
  if (!p) return [];
  const errs: FieldError[] = [];
  const t = str(p.type);
  if (!t) errs.push(required(child(field, 'type'), 'type is required when seccompProfile is set'));
  else if (!SECCOMP_TYPES.includes(t)) errs.push(notSupported(child(field, 'type'), t, SECCOMP_TYPES));
  if (t === 'Localhost') {
    if (typeof p.localhostProfile !== 'string') {
      errs.push(required(child(field, 'localhostProfile'), 'must be set when seccomp type is Localhost'));
    } else errs.push(...validateLocalDescendingPath(p.localhostProfile, child(field, 'localhostProfile')));
  } else if (p.localhostProfile !== undefined && p.localhostProfile !== null) {
    errs.push(invalid(child(field, 'localhostProfile'), p, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

const APPARMOR_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function validateAppArmorProfileField(profile: unknown, field: string): FieldError[] {
  const p = obj(profile);
  if (!p) return [];
  const errs: FieldError[] = [];
  const t = str(p.type);
  const lp = p.localhostProfile;
  switch (t) {
    case 'Localhost':
      if (typeof lp !== 'string')
        errs.push(required(child(field, 'localhostProfile'), 'must be set when AppArmor type is Localhost'));
      else if (lp.trim() !== lp)
        errs.push(invalid(child(field, 'localhostProfile'), lp, 'must not be padded with whitespace'));
      else if (lp === '')
        errs.push(required(child(field, 'localhostProfile'), 'must be set when AppArmor type is Localhost'));
      break;
    case 'RuntimeDefault':
    case 'Unconfined':
      if (lp !== undefined && lp !== null)
        errs.push(
          invalid(child(field, 'localhostProfile'), lp, 'can only be set when AppArmor type is Localhost'),
        );
      break;
    case '':
      errs.push(required(child(field, 'type'), 'type is required when appArmorProfile is set'));
      break;
    default:
      errs.push(notSupported(child(field, 'type'), t, APPARMOR_TYPES));
  }
  return errs;
}

function validateSecurityContext(sc: unknown, field: string, hostUsers: boolean): FieldError[] {
  const s = obj(sc);
  if (!s) return [];
  const errs: FieldError[] = [];
  for (const [k, check] of [
    ['runAsUser', isValidUserID],
    ['runAsGroup', isValidGroupID],
  ] as const) {
    const v = num(s[k]);
    if (v !== undefined) for (const m of check(v)) errs.push(invalid(child(field, k), v, m));
  }
  const procMount = s.procMount;
  if (typeof procMount === 'string') {
    if (procMount !== 'Default' && procMount !== 'Unmasked') {
      errs.push(notSupported(child(field, 'procMount'), procMount, ['Default', 'Unmasked']));
    }
    if (hostUsers && procMount === 'Unmasked') {
      errs.push(invalid(child(field, 'procMount'), procMount, '`hostUsers` must be false to use `Unmasked`'));
    }
  }
  errs.push(...validateSeccompProfileField(s.seccompProfile, child(field, 'seccompProfile')));
  if (s.allowPrivilegeEscalation === false) {
    if (s.privileged === true) {
      errs.push(invalid(field, s, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
    for (const cap of arr(obj(s.capabilities)?.add)) {
      if (cap === 'CAP_SYS_ADMIN') {
        errs.push(
          invalid(
            field,
            s,
            'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
          ),
        );
      }
    }
  }
  errs.push(...validateAppArmorProfileField(s.appArmorProfile, child(field, 'appArmorProfile')));
  return errs;
}

function validateContainerCommon(
  c: Obj,
  volumes: Map<string, Obj>,
  podClaimNames: ReadonlySet<string>,
  path: string,
  podRestartPolicy: string,
  hostUsers: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  const namePath = child(path, 'name');
  if (!name) errs.push(required(namePath));
  else errs.push(...validateDNS1123Label(name, namePath));
  if (!str(c.image)) errs.push(required(child(path, 'image')));
  const tmp = str(c.terminationMessagePolicy);
  if (!tmp) errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  }
  const mounts = new Map<string, string>();
  for (const [m] of objs(c.volumeMounts)) mounts.set(str(m.name), str(m.mountPath));
  const devices = new Map<string, string>();
  for (const [d] of objs(c.volumeDevices)) devices.set(str(d.name), str(d.devicePath));
  errs.push(...validateContainerPorts(c.ports, child(path, 'ports')));
  errs.push(...validateEnv(c.env, child(path, 'env')));
  errs.push(...validateEnvFrom(c.envFrom, child(path, 'envFrom')));
  errs.push(...validateVolumeMounts(c.volumeMounts, devices, volumes, c, child(path, 'volumeMounts')));
  errs.push(...validateVolumeDevices(c.volumeDevices, mounts, volumes, child(path, 'volumeDevices')));
  errs.push(...validatePullPolicy(c.imagePullPolicy, child(path, 'imagePullPolicy')));
  errs.push(...validateContainerResourceRequirements(c.resources, child(path, 'resources'), podClaimNames));
  errs.push(...validateResizePolicy(c.resizePolicy, child(path, 'resizePolicy'), podRestartPolicy));
  errs.push(...validateSecurityContext(c.securityContext, child(path, 'securityContext'), hostUsers));
  return errs;
}

function validatePortNumOrName(port: unknown, field: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(field, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(field, port, m));
  return isValidPortNum(0).map((m) => invalid(field, 0, m));
}

function validateHandler(
  h: Obj,
  gracePeriod: number | undefined,
  field: string,
  lifecycle: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  const kinds = lifecycle
    ? ['exec', 'httpGet', 'tcpSocket', 'sleep']
    : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  for (const kind of kinds) {
    const a = obj(h[kind]);
    if (!a) continue;
    const p = child(field, kind);
    if (n > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    switch (kind) {
      case 'exec':
        if (arr(a.command).length === 0) errs.push(required(child(p, 'command')));
        break;
      case 'httpGet': {
        if (!str(a.path)) errs.push(required(child(p, 'path')));
        errs.push(...validatePortNumOrName(a.port, child(p, 'port')));
        const scheme = str(a.scheme);
        if (scheme !== 'HTTP' && scheme !== 'HTTPS')
          errs.push(notSupported(child(p, 'scheme'), scheme, ['HTTP', 'HTTPS']));
        for (const [hdr] of objs(a.httpHeaders)) {
          for (const m of isHTTPHeaderName(str(hdr.name)))
            errs.push(invalid(child(p, 'httpHeaders'), str(hdr.name), m));
        }
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a.port, child(p, 'port')));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(num(a.port) ?? 0, child(p, 'port')));
        break;
      case 'sleep': {
        const s = num(a.seconds) ?? 0;
        if (gracePeriod !== undefined && (s <= 0 || s > gracePeriod)) {
          errs.push(
            invalid(
              p,
              s,
              `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
            ),
          );
        }
        break;
      }
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

function validateLifecycle(lc: unknown, gracePeriod: number | undefined, field: string): FieldError[] {
  const l = obj(lc);
  if (!l) return [];
  const errs: FieldError[] = [];
  for (const k of ['postStart', 'preStop'] as const) {
    const h = obj(l[k]);
    if (h) errs.push(...validateHandler(h, gracePeriod, child(field, k), true));
  }
  return errs;
}

function validateProbe(
  probe: unknown,
  gracePeriod: number | undefined,
  field: string,
  kind: 'liveness' | 'readiness' | 'startup',
): FieldError[] {
  const p = obj(probe);
  if (!p) return [];
  const errs = validateHandler(p, gracePeriod, field, false);
  for (const k of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ]) {
    errs.push(...validateNonnegativeField(p[k], child(field, k)));
  }
  const tgps = num(p.terminationGracePeriodSeconds);
  if (tgps !== undefined && tgps <= 0) {
    errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  }
  const st = num(p.successThreshold) ?? 0;
  if (kind !== 'readiness' && st !== 1) errs.push(invalid(child(field, 'successThreshold'), st, 'must be 1'));
  if (
    kind === 'readiness' &&
    p.terminationGracePeriodSeconds !== undefined &&
    p.terminationGracePeriodSeconds !== null
  ) {
    errs.push(
      invalid(
        child(field, 'terminationGracePeriodSeconds'),
        p.terminationGracePeriodSeconds,
        'must not be set for readinessProbes',
      ),
    );
  }
  return errs;
}

function validateProbesAndLifecycle(c: Obj, gracePeriod: number | undefined, path: string): FieldError[] {
  return [
    ...validateLifecycle(c.lifecycle, gracePeriod, child(path, 'lifecycle')),
    ...validateProbe(c.livenessProbe, gracePeriod, child(path, 'livenessProbe'), 'liveness'),
    ...validateProbe(c.readinessProbe, gracePeriod, child(path, 'readinessProbe'), 'readiness'),
    ...validateProbe(c.startupProbe, gracePeriod, child(path, 'startupProbe'), 'startup'),
  ];
}

function checkHostPortConflicts(containers: Array<[Obj, number]>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [c, ci] of containers) {
    for (const [p, pi] of objs(c.ports)) {
      const hp = num(p.hostPort) ?? 0;
      if (hp === 0) continue;
      const s = `${str(p.protocol)}/${str(p.hostIP)}/${hp}`;
      if (seen.has(s))
        errs.push(duplicate(child(index(child(index(field, ci), 'ports'), pi), 'hostPort'), s));
      else seen.add(s);
    }
  }
  return errs;
}

interface SpecContext {
  volumes: Map<string, Obj>;
  podClaimNames: ReadonlySet<string>;
  gracePeriod: number | undefined;
  restartPolicy: string;
  hostUsers: boolean;
}

function validateContainers(containers: unknown, ctx: SpecContext, field: string): FieldError[] {
  const list = objs(containers);
  if (list.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [c, i] of list) {
    const p = index(field, i);
    errs.push(
      ...validateContainerCommon(c, ctx.volumes, ctx.podClaimNames, p, ctx.restartPolicy, ctx.hostUsers),
    );
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    errs.push(...validateProbesAndLifecycle(c, ctx.gracePeriod, p));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
    }
  }
  errs.push(...checkHostPortConflicts(list, field));
  return errs;
}

const INIT_FORBIDDEN = 'may not be set for init containers without restartPolicy=Always';

function validateInitContainers(
  inits: unknown,
  regular: unknown,
  ctx: SpecContext,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(objs(regular).map(([c]) => str(c.name)));
  for (const [c, i] of objs(inits)) {
    const p = index(field, i);
    errs.push(
      ...validateContainerCommon(c, ctx.volumes, ctx.podClaimNames, p, ctx.restartPolicy, ctx.hostUsers),
    );
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      const rp = str(c.restartPolicy);
      if (rp !== 'Always') errs.push(notSupported(child(p, 'restartPolicy'), c.restartPolicy, ['Always']));
      restartAlways = rp === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else if (name) names.add(name);
    errs.push(...checkHostPortConflicts([[c, i]], field));
    if (restartAlways) errs.push(...validateProbesAndLifecycle(c, ctx.gracePeriod, p));
    else {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[k] !== undefined && c[k] !== null) errs.push(forbidden(child(p, k), INIT_FORBIDDEN));
      }
    }
  }
  return errs;
}

const EPHEMERAL_ALLOWED = new Set([
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'envFrom',
  'env',
  'volumeMounts',
  'volumeDevices',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
  'targetContainerName',
]);

function isZeroValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.values(v).every(isZeroValue);
  return false;
}

function validateEphemeralContainers(
  ephemeral: unknown,
  spec: Obj,
  ctx: SpecContext,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const other = new Set<string>();
  for (const list of ['containers', 'initContainers'])
    for (const [c] of objs(spec[list])) other.add(str(c.name));
  const all = new Set(other);
  for (const [ec, i] of objs(ephemeral)) {
    const p = index(field, i);
    errs.push(
      ...validateContainerCommon(ec, ctx.volumes, ctx.podClaimNames, p, ctx.restartPolicy, ctx.hostUsers),
    );
    errs.push(...validateContainerOnlyForPod(ec, p));
    const name = str(ec.name);
    if (all.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else all.add(name);
    const target = str(ec.targetContainerName);
    if (target && !other.has(target)) errs.push(notFound(child(p, 'targetContainerName'), target));
    for (const k of Object.keys(ec).sort()) {
      if (!EPHEMERAL_ALLOWED.has(k) && !isZeroValue(ec[k])) {
        errs.push(forbidden(child(p, k), 'cannot be set for an Ephemeral Container'));
      }
    }
    for (const [vm, j] of objs(ec.volumeMounts)) {
      for (const k of ['subPath', 'subPathExpr']) {
        if (str(vm[k]))
          errs.push(
            forbidden(
              child(index(child(p, 'volumeMounts'), j), k),
              'cannot be set for an Ephemeral Container',
            ),
          );
      }
    }
  }
  return errs;
}

/** Pod-only container check (not templates): no whitespace around the image. */
export function validateContainerOnlyForPod(c: Obj, path: string): FieldError[] {
  const image = str(c.image);
  return image.trim() !== image
    ? [invalid(child(path, 'image'), image, 'must not have leading or trailing whitespace')]
    : [];
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function validateNodeSelectorRequirement(rq: Obj, field: string, allowInvalidValue: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const values = arr(rq.values);
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errs.push(required(child(field, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        errs.push(
          forbidden(
            child(field, 'values'),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1)
        errs.push(
          required(child(field, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"),
        );
      break;
    default:
      errs.push(invalid(child(field, 'operator'), rq.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(rq.key), child(field, 'key')));
  if (!allowInvalidValue) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(str(v)))
        errs.push(invalid(index(child(field, 'values'), i), str(v), m));
    });
  }
  return errs;
}

function validateNodeSelectorTerm(term: Obj, field: string, allowInvalidValue: boolean): FieldError[] {
  const errs: FieldError[] = [];
  for (const [rq, j] of objs(term.matchExpressions)) {
    errs.push(
      ...validateNodeSelectorRequirement(rq, index(child(field, 'matchExpressions'), j), allowInvalidValue),
    );
  }
  for (const [rq, j] of objs(term.matchFields)) {
    const p = index(child(field, 'matchFields'), j);
    const values = arr(rq.values);
    if (rq.operator === 'In' || rq.operator === 'NotIn') {
      if (values.length !== 1) {
        errs.push(
          required(
            child(p, 'values'),
            "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
          ),
        );
      }
    } else errs.push(invalid(child(p, 'operator'), rq.operator ?? '', 'not a valid selector operator'));
    if (rq.key !== 'metadata.name')
      errs.push(invalid(child(p, 'key'), str(rq.key), 'not a valid field selector key'));
    else {
      values.forEach((v, i) => {
        for (const m of nameIsDNSSubdomain(str(v), false))
          errs.push(invalid(index(child(p, 'values'), i), str(v), m));
      });
    }
  }
  return errs;
}

/** Upstream's ValidateNodeSelector (at least one term). */
export function validateNodeSelector(sel: Obj, field: string, allowInvalidValue = false): FieldError[] {
  const termPath = child(field, 'nodeSelectorTerms');
  const terms = objs(sel.nodeSelectorTerms);
  if (terms.length === 0) return [required(termPath, 'must have at least one node selector term')];
  return terms.flatMap(([t, i]) => validateNodeSelectorTerm(t, index(termPath, i), allowInvalidValue));
}

function validatePodAffinityTerm(term: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(term.labelSelector, child(field, 'labelSelector')));
  errs.push(...validateLabelSelector(term.namespaceSelector, child(field, 'namespaceSelector')));
  for (const ns of arr(term.namespaces)) {
    for (const m of validateNamespaceName(str(ns), false))
      errs.push(invalid(child(field, 'namespace'), str(ns), m));
  }
  const sel = obj(term.labelSelector);
  const matchKeys = arr(term.matchLabelKeys).map(str);
  const mismatchKeys = arr(term.mismatchLabelKeys).map(str);
  for (const [k, list] of [
    ['matchLabelKeys', matchKeys],
    ['mismatchLabelKeys', mismatchKeys],
  ] as const) {
    if (list.length === 0) continue;
    if (!sel) errs.push(forbidden(child(field, k), 'must not be specified when labelSelector is not set'));
    else list.forEach((lk, i) => errs.push(...validateLabelName(lk, index(child(field, k), i))));
  }
  matchKeys.forEach((k, i) => {
    if (mismatchKeys.includes(k)) {
      errs.push(
        invalid(
          index(child(field, 'matchLabelKeys'), i),
          k,
          'exists in both matchLabelKeys and mismatchLabelKeys',
        ),
      );
    }
  });
  const topologyKey = str(term.topologyKey);
  if (!topologyKey) errs.push(required(child(field, 'topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(topologyKey, child(field, 'topologyKey')));
  return errs;
}

function validateWeight(w: unknown, field: string): FieldError[] {
  const n = num(w) ?? 0;
  return n <= 0 || n > 100 ? [invalid(field, n, 'must be in the range 1-100')] : [];
}

function validateAffinity(affinity: unknown, field: string): FieldError[] {
  const a = obj(affinity);
  if (!a) return [];
  const errs: FieldError[] = [];
  const na = obj(a.nodeAffinity);
  if (na) {
    const p = child(field, 'nodeAffinity');
    const req = obj(na.requiredDuringSchedulingIgnoredDuringExecution);
    if (req)
      errs.push(...validateNodeSelector(req, child(p, 'requiredDuringSchedulingIgnoredDuringExecution')));
    for (const [t, i] of objs(na.preferredDuringSchedulingIgnoredDuringExecution)) {
      const tp = index(child(p, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      errs.push(...validateWeight(t.weight, child(tp, 'weight')));
      errs.push(...validateNodeSelectorTerm(obj(t.preference) ?? {}, child(tp, 'preference'), true));
    }
  }
  for (const k of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = obj(a[k]);
    if (!pa) continue;
    const p = child(field, k);
    for (const [t, i] of objs(pa.requiredDuringSchedulingIgnoredDuringExecution)) {
      errs.push(
        ...validatePodAffinityTerm(t, index(child(p, 'requiredDuringSchedulingIgnoredDuringExecution'), i)),
      );
    }
    for (const [t, i] of objs(pa.preferredDuringSchedulingIgnoredDuringExecution)) {
      const tp = index(child(p, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      errs.push(...validateWeight(t.weight, child(tp, 'weight')));
      errs.push(...validatePodAffinityTerm(obj(t.podAffinityTerm) ?? {}, child(tp, 'podAffinityTerm')));
    }
  }
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Upstream's ValidateTolerations. */
export function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [t, i] of objs(tolerations)) {
    const p = index(field, i);
    const k = str(t.key);
    const op = str(t.operator);
    const effect = str(t.effect);
    const value = str(t.value);
    if (k) errs.push(...validateLabelName(k, child(p, 'key')));
    if (!k && op !== 'Exists') {
      errs.push(
        invalid(
          child(p, 'operator'),
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(
        invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"),
      );
    }
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(value);
        if (msgs.length > 0) errs.push(invalid(child(p, 'operator'), value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (value)
          errs.push(invalid(child(p, 'operator'), value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (effect && !TAINT_EFFECTS.includes(effect))
      errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
  }
  return errs;
}

const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL_RE = new RegExp(`^(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}$`);

function sysctlNamespace(name: string): 'net' | 'ipc' | '' {
  const n = name.replace(/\//g, '.');
  if (n.startsWith('net.')) return 'net';
  if (
    n.startsWith('kernel.shm') ||
    n.startsWith('kernel.msg') ||
    n === 'kernel.sem' ||
    n.startsWith('fs.mqueue.')
  )
    return 'ipc';
  return '';
}

function validatePodSecurityContext(spec: Obj, field: string): FieldError[] {
  const sc = obj(spec.securityContext);
  if (!sc) return [];
  const errs: FieldError[] = [];
  for (const [k, check] of [
    ['fsGroup', isValidGroupID],
    ['runAsUser', isValidUserID],
    ['runAsGroup', isValidGroupID],
  ] as const) {
    const v = num(sc[k]);
    if (v !== undefined) for (const m of check(v)) errs.push(invalid(child(field, k), v, m));
  }
  arr(sc.supplementalGroups).forEach((g, i) => {
    const v = num(g) ?? -1;
    for (const m of isValidGroupID(v)) errs.push(invalid(index(child(field, 'supplementalGroups'), i), v, m));
  });
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(
      invalid(
        child(field, 'shareProcessNamespace'),
        true,
        'ShareProcessNamespace and HostPID cannot both be enabled',
      ),
    );
  }
  const seen = new Set<string>();
  for (const [s, i] of objs(sc.sysctls)) {
    const p = child(index(child(field, 'sysctls'), i), 'name');
    const name = str(s.name);
    if (!name) errs.push(required(p));
    else if (name.length > 253 || !SYSCTL_RE.test(name)) {
      errs.push(invalid(p, name, `must have at most 253 characters and match regex ${SYSCTL_RE.source}`));
    } else if (seen.has(name)) errs.push(duplicate(p, name));
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork === true && ns === 'net')
      errs.push(invalid(p, name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && ns === 'ipc')
      errs.push(invalid(p, name, "may not be specified when 'hostIPC' is true"));
    seen.add(name);
  }
  const fsgcp = sc.fsGroupChangePolicy;
  if (typeof fsgcp === 'string' && fsgcp !== 'OnRootMismatch' && fsgcp !== 'Always') {
    errs.push(notSupported(child(field, 'fsGroupChangePolicy'), fsgcp, ['Always', 'OnRootMismatch']));
  }
  errs.push(...validateSeccompProfileField(sc.seccompProfile, child(field, 'seccompProfile')));
  errs.push(...validateAppArmorProfileField(sc.appArmorProfile, child(field, 'appArmorProfile')));
  const sgp = sc.supplementalGroupsPolicy;
  if (typeof sgp === 'string' && sgp !== 'Merge' && sgp !== 'Strict') {
    errs.push(notSupported(child(field, 'supplementalGroupsPolicy'), sgp, ['Merge', 'Strict']));
  }
  const slcp = sc.seLinuxChangePolicy;
  if (typeof slcp === 'string' && slcp !== 'Recursive' && slcp !== 'MountOption') {
    errs.push(notSupported(child(field, 'seLinuxChangePolicy'), slcp, ['MountOption', 'Recursive']));
  }
  return errs;
}

function validateDNSConfig(spec: Obj, field: string): FieldError[] {
  const cfg = obj(spec.dnsConfig);
  const policy = str(spec.dnsPolicy);
  const errs: FieldError[] = [];
  if (policy === 'None') {
    if (!cfg) return [required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(cfg.nameservers).length === 0) {
      return [
        required(
          child(field, 'nameservers'),
          'must provide at least one DNS nameserver when `dnsPolicy` is None',
        ),
      ];
    }
  }
  if (!cfg) return errs;
  const ns = arr(cfg.nameservers).map(str);
  if (ns.length > 3)
    errs.push(invalid(child(field, 'nameservers'), ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => errs.push(...validateIP(index(child(field, 'nameservers'), i), n)));
  const searches = arr(cfg.searches).map(str);
  if (searches.length > 32)
    errs.push(invalid(child(field, 'searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(
      invalid(
        child(field, 'searches'),
        searches,
        'must not have more than 2048 characters (including spaces) in the search list',
      ),
    );
  }
  searches.forEach((s, i) =>
    errs.push(...validateDNS1123Subdomain(s.replace(/\.$/, ''), index(child(field, 'searches'), i))),
  );
  for (const [o, i] of objs(cfg.options)) {
    if (!str(o.name)) errs.push(required(index(child(field, 'options'), i), 'must not be empty'));
  }
  return errs;
}

function validateTopologySpreadConstraints(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const constraints = objs(list);
  for (const [c, i] of constraints) {
    const p = index(field, i);
    const maxSkew = num(c.maxSkew) ?? 0;
    if (maxSkew <= 0) errs.push(invalid(child(p, 'maxSkew'), maxSkew, IS_NOT_POSITIVE_ERROR_MSG));
    const tk = str(c.topologyKey);
    if (!tk) errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    const wu = str(c.whenUnsatisfiable);
    if (wu !== 'DoNotSchedule' && wu !== 'ScheduleAnyway') {
      errs.push(notSupported(child(p, 'whenUnsatisfiable'), wu, ['DoNotSchedule', 'ScheduleAnyway']));
    }
    for (const [rest] of constraints.slice(i + 1)) {
      if (str(rest.topologyKey) === tk && str(rest.whenUnsatisfiable) === wu) {
        errs.push(duplicate(child(p, '{topologyKey, whenUnsatisfiable}'), `{${tk}, ${wu}}`));
        break;
      }
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      const md = num(c.minDomains) ?? 0;
      if (md <= 0) errs.push(invalid(child(p, 'minDomains'), md, IS_NOT_POSITIVE_ERROR_MSG));
      if (wu !== 'DoNotSchedule') {
        errs.push(
          invalid(
            child(p, 'minDomains'),
            md,
            `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${wu}`,
          ),
        );
      }
    }
    for (const k of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const v = c[k];
      if (typeof v === 'string' && v !== 'Honor' && v !== 'Ignore')
        errs.push(notSupported(child(p, k), v, ['Honor', 'Ignore']));
    }
    const mlk = arr(c.matchLabelKeys).map(str);
    if (mlk.length > 0) {
      const sel = obj(c.labelSelector);
      const selKeys = new Set<string>([
        ...Object.keys(obj(sel?.matchLabels) ?? {}),
        ...objs(sel?.matchExpressions).map(([e]) => str(e.key)),
      ]);
      if (!sel)
        errs.push(
          forbidden(child(p, 'matchLabelKeys'), 'must not be specified when labelSelector is not set'),
        );
      mlk.forEach((k, j) => {
        errs.push(...validateLabelName(k, index(child(p, 'matchLabelKeys'), j)));
        if (selKeys.has(k))
          errs.push(
            invalid(
              index(child(p, 'matchLabelKeys'), j),
              k,
              'exists in both matchLabelKeys and labelSelector',
            ),
          );
      });
    }
    errs.push(...validateLabelSelector(c.labelSelector, child(p, 'labelSelector')));
  }
  return errs;
}

const WINDOWS_FORBIDDEN_POD_SC: Array<[string, boolean]> = [
  ['appArmorProfile', true],
  ['seLinuxOptions', true],
  ['seccompProfile', true],
  ['fsGroup', true],
  ['fsGroupChangePolicy', true],
  ['sysctls', true],
  ['runAsUser', true],
  ['runAsGroup', true],
  ['supplementalGroups', true],
  ['supplementalGroupsPolicy', true],
  ['seLinuxChangePolicy', true],
];
const WINDOWS_FORBIDDEN_CONTAINER_SC = [
  'appArmorProfile',
  'seLinuxOptions',
  'seccompProfile',
  'capabilities',
  'readOnlyRootFilesystem',
  'privileged',
  'allowPrivilegeEscalation',
  'procMount',
  'runAsUser',
  'runAsGroup',
];

function visitContainers(spec: Obj, field: string, fn: (c: Obj, path: string) => void): void {
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const [c, i] of objs(spec[list])) fn(c, index(child(field, list), i));
  }
}

function validateOS(spec: Obj, field: string): FieldError[] {
  const os = obj(spec.os);
  if (!os) return [];
  const name = str(os.name);
  if (!name) return [required(child(field, 'os', 'name'), 'cannot be empty')];
  if (name !== 'linux' && name !== 'windows')
    return [notSupported(child(field, 'os'), name, ['linux', 'windows'])];
  const errs: FieldError[] = [];
  const sc = obj(spec.securityContext);
  const set = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
  if (name === 'linux') {
    if (set(sc?.windowsOptions))
      errs.push(
        forbidden(
          child(field, 'securityContext', 'windowsOptions'),
          'windows options cannot be set for a linux pod',
        ),
      );
    visitContainers(spec, field, (c, p) => {
      if (set(obj(c.securityContext)?.windowsOptions)) {
        errs.push(
          forbidden(
            child(p, 'securityContext', 'windowsOptions'),
            'windows options cannot be set for a linux pod',
          ),
        );
      }
    });
    return errs;
  }
  if (sc) {
    for (const [k] of WINDOWS_FORBIDDEN_POD_SC) {
      if (set(sc[k]))
        errs.push(forbidden(child(field, 'securityContext', k), 'cannot be set for a windows pod'));
    }
  }
  if (set(spec.hostUsers)) errs.push(forbidden(child(field, 'hostUsers'), 'cannot be set for a windows pod'));
  if (spec.hostPID === true) errs.push(forbidden(child(field, 'hostPID'), 'cannot be set for a windows pod'));
  if (spec.hostIPC === true) errs.push(forbidden(child(field, 'hostIPC'), 'cannot be set for a windows pod'));
  if (set(spec.shareProcessNamespace))
    errs.push(forbidden(child(field, 'shareProcessNamespace'), 'cannot be set for a windows pod'));
  visitContainers(spec, field, (c, p) => {
    const csc = obj(c.securityContext);
    if (!csc) return;
    for (const k of WINDOWS_FORBIDDEN_CONTAINER_SC) {
      if (set(csc[k]))
        errs.push(forbidden(child(p, 'securityContext', k), 'cannot be set for a windows pod'));
    }
  });
  return errs;
}

function validatePodResourceClaims(claims: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [c, i] of objs(claims)) {
    const p = index(field, i);
    const name = str(c.name);
    if (!name) errs.push(required(child(p, 'name')));
    else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else {
      errs.push(...validateDNS1123Label(name, child(p, 'name')));
      names.add(name);
    }
    const hasName = typeof c.resourceClaimName === 'string';
    const hasTmpl = typeof c.resourceClaimTemplateName === 'string';
    if (hasName && hasTmpl)
      errs.push(
        invalid(p, c, 'at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified'),
      );
    if (!hasName && !hasTmpl)
      errs.push(invalid(p, c, 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
    for (const k of ['resourceClaimName', 'resourceClaimTemplateName'] as const) {
      if (typeof c[k] === 'string') {
        for (const m of nameIsDNSSubdomain(c[k], false)) errs.push(invalid(child(p, k), c[k], m));
      }
    }
  }
  return errs;
}

/**
 * Upstream's ValidatePodSpec with options; {@link validatePodSpec} is the template form. Expects a
 * defaulted spec (upstream validates after defaulting).
 */
export function validatePodSpecWith(specIn: unknown, path: string, opts: PodValidationOptions): FieldError[] {
  const spec = obj(specIn) ?? {};
  const errs: FieldError[] = [];
  const tgps = num(spec.terminationGracePeriodSeconds);
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) {
    errs.push(required(child(path, 'terminationGracePeriodSeconds')));
  }
  const sc = obj(spec.securityContext);
  const hostUsers = sc?.hostUsers !== false && spec.hostUsers !== false;
  const vols = validateVolumes(spec.volumes, child(path, 'volumes'), opts);
  errs.push(...vols.errs);
  const podClaimNames = new Set(
    objs(spec.resourceClaims)
      .map(([c]) => str(c.name))
      .filter((n) => n),
  );
  errs.push(...validatePodResourceClaims(spec.resourceClaims, child(path, 'resourceClaims')));
  const ctx: SpecContext = {
    volumes: vols.names,
    podClaimNames,
    gracePeriod: tgps,
    restartPolicy: str(spec.restartPolicy),
    hostUsers,
  };
  errs.push(...validateContainers(spec.containers, ctx, child(path, 'containers')));
  errs.push(
    ...validateInitContainers(spec.initContainers, spec.containers, ctx, child(path, 'initContainers')),
  );
  errs.push(
    ...validateEphemeralContainers(spec.ephemeralContainers, spec, ctx, child(path, 'ephemeralContainers')),
  );

  if (spec.hostNetwork === true) {
    for (const [c, i] of objs(spec.containers)) {
      for (const [p, j] of objs(c.ports)) {
        const hp = num(p.hostPort) ?? 0;
        const cp = num(p.containerPort) ?? 0;
        if ((opts.resourceIsPod || hp !== 0) && hp !== cp) {
          errs.push(
            invalid(
              child(index(child(index(child(path, 'containers'), i), 'ports'), j), 'hostPort'),
              hp,
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
        }
      }
    }
  }
  const rp = str(spec.restartPolicy);
  if (!rp) errs.push(required(child(path, 'restartPolicy')));
  else if (!RESTART_POLICIES.includes(rp))
    errs.push(notSupported(child(path, 'restartPolicy'), rp, RESTART_POLICIES));
  const dp = str(spec.dnsPolicy);
  if (!dp) errs.push(required(child(path, 'dnsPolicy')));
  else if (!DNS_POLICIES.includes(dp)) errs.push(notSupported(child(path, 'dnsPolicy'), dp, DNS_POLICIES));
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  errs.push(...validatePodSecurityContext(spec, child(path, 'securityContext')));
  for (const [s, i] of objs(spec.imagePullSecrets)) {
    if (Object.keys(s).some((k) => k !== 'name'))
      errs.push(invalid(index(child(path, 'imagePullSecrets'), i), s, 'only name may be set'));
  }
  errs.push(...validateAffinity(spec.affinity, child(path, 'affinity')));
  errs.push(...validateDNSConfig(spec, child(path, 'dnsConfig')));
  for (const [g, i] of objs(spec.readinessGates)) {
    errs.push(
      ...validateQualifiedName(
        str(g.conditionType),
        child(index(child(path, 'readinessGates'), i), 'conditionType'),
      ),
    );
  }
  const gates = new Set<string>();
  for (const [g, i] of objs(spec.schedulingGates)) {
    const p = index(child(path, 'schedulingGates'), i);
    const name = str(g.name);
    errs.push(...validateQualifiedName(name, p));
    if (gates.has(name)) errs.push(duplicate(p, name));
    gates.add(name);
  }
  errs.push(
    ...validateTopologySpreadConstraints(
      spec.topologySpreadConstraints,
      child(path, 'topologySpreadConstraints'),
    ),
  );
  if (!hostUsers) {
    if (spec.hostNetwork === true)
      errs.push(forbidden(child(path, 'hostNetwork'), 'when `pod.Spec.HostUsers` is false'));
    if (spec.hostPID === true)
      errs.push(forbidden(child(path, 'HostPID'), 'when `pod.Spec.HostUsers` is false'));
    if (spec.hostIPC === true)
      errs.push(forbidden(child(path, 'HostIPC'), 'when `pod.Spec.HostUsers` is false'));
  }
  for (const k of ['serviceAccountName', 'nodeName', 'priorityClassName'] as const) {
    const v = str(spec[k]);
    if (v) for (const m of nameIsDNSSubdomain(v, false)) errs.push(invalid(child(path, k), v, m));
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = num(spec.activeDeadlineSeconds) ?? 0;
    if (v < 1 || v > 2147483647)
      errs.push(invalid(child(path, 'activeDeadlineSeconds'), v, inclusiveRangeError(1, 2147483647)));
  }
  for (const k of ['hostname', 'subdomain'] as const) {
    const v = str(spec[k]);
    if (v) errs.push(...validateDNS1123Label(v, child(path, k)));
  }
  errs.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  for (const [h, i] of objs(spec.hostAliases)) {
    const p = index(child(path, 'hostAliases'), i);
    errs.push(...validateIP(child(p, 'ip'), str(h.ip)));
    arr(h.hostnames).forEach((hn, j) =>
      errs.push(...validateDNS1123Subdomain(str(hn), index(child(p, 'hostnames'), j))),
    );
  }
  if (typeof spec.runtimeClassName === 'string') {
    for (const m of nameIsDNSSubdomain(spec.runtimeClassName, false)) {
      errs.push(invalid(child(path, 'runtimeClassName'), spec.runtimeClassName, m));
    }
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null) {
    const pp = str(spec.preemptionPolicy);
    if (!pp) errs.push(required(child(path, 'preemptionPolicy')));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') {
      errs.push(notSupported(child(path, 'preemptionPolicy'), pp, ['PreemptLowerPriority', 'Never']));
    }
  }
  if (obj(spec.overhead))
    errs.push(...validateContainerResourceRequirements({ limits: spec.overhead }, child(path, 'overhead')));
  errs.push(...validateOS(spec, path));
  return errs;
}

/** Upstream's ValidatePodSpec for an embedded pod spec (path like 'spec.template.spec'). */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  return validatePodSpecWith(spec, path, {});
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

function validateSeccompProfileAnnotation(p: string, field: string): FieldError[] {
  if (p === 'runtime/default' || p === 'docker/default' || p === 'unconfined') return [];
  if (p.startsWith('localhost/')) return validateLocalDescendingPath(p.slice('localhost/'.length), field);
  return [invalid(field, p, 'must be a valid seccomp profile')];
}

/** Upstream's ValidatePodSpecificAnnotations (annotations path like 'metadata.annotations'). */
export function validatePodSpecificAnnotations(
  annotations: unknown,
  spec: unknown,
  field: string,
): FieldError[] {
  const a = obj(annotations) ?? {};
  const s = obj(spec) ?? {};
  const errs: FieldError[] = [];
  if (MIRROR_POD_ANNOTATION in a && !str(s.nodeName)) {
    errs.push(
      invalid(
        key(field, MIRROR_POD_ANNOTATION),
        a[MIRROR_POD_ANNOTATION],
        'must set spec.nodeName if mirror pod annotation is set',
      ),
    );
  }
  if (DELETION_COST_ANNOTATION in a) {
    const v = str(a[DELETION_COST_ANNOTATION]);
    const n = /^[+-]?[0-9]+$/.test(v) ? Number(v) : NaN;
    if (!(n >= -2147483648 && n <= 2147483647)) {
      errs.push(invalid(key(field, DELETION_COST_ANNOTATION), v, 'must be a 32bit integer'));
    }
  }
  for (const k of keys(a)) {
    if (k === SECCOMP_POD_ANNOTATION || k.startsWith(SECCOMP_CONTAINER_ANNOTATION_PREFIX)) {
      errs.push(...validateSeccompProfileAnnotation(str(a[k]), child(field, k)));
    }
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX)) {
      const containerName = k.slice(APPARMOR_ANNOTATION_PREFIX.length);
      let found = false;
      visitContainers(s, 'spec', (c) => {
        if (str(c.name) === containerName) found = true;
      });
      if (!found) errs.push(invalid(key(field, k), containerName, 'container not found'));
      const p = str(a[k]);
      if (p !== '' && p !== 'runtime/default' && p !== 'unconfined' && !p.startsWith('localhost/')) {
        errs.push(invalid(key(field, k), p, `invalid AppArmor profile name: ${JSON.stringify(p)}`));
      }
    }
  }
  return errs;
}

/**
 * Upstream's ValidatePodTemplateSpec (path like 'spec.template'): template labels and
 * annotations, the pod spec, and no ephemeral containers.
 */
export function validatePodTemplateSpec(t: unknown, path: string): FieldError[] {
  const tmpl = obj(t) ?? {};
  const meta = obj(tmpl.metadata) ?? {};
  const spec = obj(tmpl.spec) ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateLabels(meta.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, child(path, 'annotations')));
  errs.push(...validatePodSpecificAnnotations(meta.annotations, spec, child(path, 'annotations')));
  errs.push(...validatePodSpec(spec, child(path, 'spec')));
  if (arr(spec.ephemeralContainers).length > 0) {
    errs.push(
      forbidden(
        child(path, 'spec', 'ephemeralContainers'),
        'ephemeral containers not allowed in pod template',
      ),
    );
  }
  return errs;
}
