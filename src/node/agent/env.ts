/**
 * @module A container's environment as the kubelet builds it: envFrom, env with `$(VAR)` expansion and
 * valueFrom sources (downward API fields and resources, ConfigMap and Secret keys), service link variables,
 * and the GPU share of Koordinator's device-allocated annotation. Also `$(VAR)` expansion of command and args.
 */
import type * as api from '../../api/openapi/generated/types.js';
import type { ConfigMap, Pod, Secret, Service } from '../../client/resources.js';
import { quantityNumber } from './pod-status.js';

/** A container could not be configured (upstream: CreateContainerConfigError); the message is upstream's. */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

/** Reads the objects a pod's environment and volumes refer to. `undefined` means not found. */
export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** Services of a namespace (for service links); synchronous, from a cache. */
  services(namespace: string): readonly Service[];
}

/** Node allocatable in base units, for resourceFieldRef on containers without limits. */
export interface NodeAllocatable {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
}

/** What {@link makeEnvironment} reads. */
export interface EnvContext {
  pod: Pod;
  container: api.Container;
  hostIPs: readonly string[];
  podIPs: readonly string[];
  allocatable: NodeAllocatable;
  source: ObjectSource;
  /** Warning events (InvalidEnvironmentVariableNames). */
  warn?(reason: string, message: string): void;
}

/** Resolves `$(VAR)` references; `$$` escapes; unknown references stay as written. */
export function expand(input: string, mapping: (name: string) => string | undefined): string {
  if (!input.includes('$')) return input;
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1]!;
    let advance = 1;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close < 0) out += '$(';
      else {
        const name = input.slice(cursor + 2, close);
        out += mapping(name) ?? `$(${name})`;
        advance = close - cursor;
      }
    } else out += '$' + next;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** The command line: command then args, each expanded against the container's environment. */
export function expandArgv(container: api.Container, env: Readonly<Record<string, string>>): string[] {
  const map = (name: string): string | undefined => (Object.hasOwn(env, name) ? env[name] : undefined);
  return [...(container.command ?? []), ...(container.args ?? [])].map((s) => expand(s, map));
}

function envVariableName(s: string): string {
  return s.replaceAll('-', '_').toUpperCase();
}

function serviceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** Upstream's envvars.FromServices: FOO_SERVICE_HOST/PORT, named ports and docker-link variables. */
export function serviceEnv(services: readonly Service[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const svc of services) {
    const ports = svc.spec?.ports ?? [];
    if (!serviceIPSet(svc) || ports.length === 0) continue;
    const ip = svc.spec!.clusterIP!;
    const prefix = envVariableName(svc.metadata.name ?? '');
    out[`${prefix}_SERVICE_HOST`] = ip;
    const portVar = `${prefix}_SERVICE_PORT`;
    out[portVar] = String(ports[0]!.port);
    for (const p of ports) if (p.name) out[`${portVar}_${envVariableName(p.name)}`] = String(p.port);
    const hostPort = ip.includes(':') ? `[${ip}]:` : `${ip}:`;
    ports.forEach((p, i) => {
      const proto = (p.protocol || 'TCP').toLowerCase();
      const url = `${proto}://${hostPort}${p.port}`;
      if (i === 0) out[`${prefix}_PORT`] = url;
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out[pp] = url;
      out[`${pp}_PROTO`] = proto;
      out[`${pp}_PORT`] = String(p.port);
      out[`${pp}_ADDR`] = ip;
    });
  }
  return out;
}

/** Service links for a pod: the `kubernetes` service of `default` always, the namespace's when enabled. */
export function serviceEnvFor(pod: Pod, source: ObjectSource): Record<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  const enabled = pod.spec?.enableServiceLinks !== false;
  const chosen = new Map<string, Service>();
  for (const svc of source.services('default')) {
    if (svc.metadata.name === 'kubernetes' && serviceIPSet(svc)) chosen.set('kubernetes', svc);
  }
  if (enabled) {
    for (const svc of source.services(ns)) {
      if (!serviceIPSet(svc)) continue;
      const name = svc.metadata.name ?? '';
      if (ns === 'default' && name === 'kubernetes') continue;
      chosen.set(name, svc);
    }
  }
  return serviceEnv([...chosen.values()]);
}

const ENV_NAME_RE = /^[^=]+$/;

function isEnvVarName(k: string): boolean {
  if (!ENV_NAME_RE.test(k)) return false;
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/** Go's %q of a string, as FormatMap writes label and annotation values. */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (_m, h: string) => `\\u${h}`);
}

/** Upstream's FormatMap: `key="value"` lines in key order. */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  if (!m) return '';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${goQuote(m[k]!)}`)
    .join('\n');
}

const SUBSCRIPT_RE = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** A downward API field of the pod (env fieldRef and downwardAPI volume items). */
export function podFieldValue(
  pod: Pod,
  fieldPath: string,
  ips: { hostIPs: readonly string[]; podIPs: readonly string[] },
): string {
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return ips.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return ips.hostIPs.join(',');
    case 'status.podIP':
      return ips.podIPs[0] ?? '';
    case 'status.podIPs':
      return ips.podIPs.join(',');
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
  }
  const m = SUBSCRIPT_RE.exec(fieldPath);
  if (m) {
    const map = m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[m[2]!] ?? '';
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
}

/** A container resource for the downward API; limits default to the node's allocatable as upstream. */
export function containerResourceValue(
  sel: api.ResourceFieldSelector,
  container: api.Container | undefined,
  allocatable: NodeAllocatable,
): string {
  if (!container) throw new ContainerConfigError(`container name required for resource ${sel.resource}`);
  const [kind, name] = splitResource(sel.resource);
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const divisor =
    sel.divisor === undefined || quantityNumber(sel.divisor) === 0 ? 1 : quantityNumber(sel.divisor);
  let amount: number;
  if (kind === 'limits') {
    const q = limits[name];
    if (q !== undefined) amount = quantityNumber(q);
    else if (name === 'cpu') amount = allocatable.milliCPU / 1000;
    else if (name === 'memory') amount = allocatable.memory;
    else if (name === 'ephemeral-storage') amount = allocatable.ephemeralStorage;
    else if (name.startsWith('hugepages-')) amount = 0;
    else throw new ContainerConfigError(`unsupported container resource : ${sel.resource}`);
  } else if (kind === 'requests') {
    if (!['cpu', 'memory', 'ephemeral-storage'].includes(name) && !name.startsWith('hugepages-')) {
      throw new ContainerConfigError(`unsupported container resource : ${sel.resource}`);
    }
    const q = requests[name] ?? limits[name];
    amount = q === undefined ? 0 : quantityNumber(q);
  } else throw new ContainerConfigError(`unsupported container resource : ${sel.resource}`);
  if (name === 'cpu') {
    // In millis, rounded up, as upstream's convertResourceCPUToString.
    return String(Math.ceil(Math.round(amount * 1000) / Math.round(divisor * 1000)));
  }
  return String(Math.ceil(amount / divisor));
}

function splitResource(resource: string): [string, string] {
  const i = resource.indexOf('.');
  return i < 0 ? [resource, ''] : [resource.slice(0, i), resource.slice(i + 1)];
}

/** Decodes a Secret's data value (base64 on the wire). */
export function secretValue(secret: Secret, key: string): string | undefined {
  const v = secret.data?.[key];
  if (v !== undefined) return Buffer.from(v, 'base64').toString('utf8');
  return secret.stringData?.[key];
}

/** Upstream's makeEnvironmentVariables: envFrom, then env (expanded), then service links not already set. */
export async function makeEnvironment(ctx: EnvContext): Promise<Record<string, string>> {
  const { pod, container, source } = ctx;
  const ns = pod.metadata.namespace ?? 'default';
  const services = serviceEnvFor(pod, source);
  const configMaps = new Map<string, ConfigMap>();
  const secrets = new Map<string, Secret>();
  const env: Record<string, string> = {};

  const getConfigMap = async (name: string, optional: boolean): Promise<ConfigMap | undefined> => {
    let cm = configMaps.get(name);
    if (cm) return cm;
    cm = await source.configMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    configMaps.set(name, cm);
    return cm;
  };
  const getSecret = async (name: string, optional: boolean): Promise<Secret | undefined> => {
    let s = secrets.get(name);
    if (s) return s;
    s = await source.secret(ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    secrets.set(name, s);
    return s;
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    const invalid: string[] = [];
    let kind: string;
    let name: string;
    if (from.configMapRef) {
      kind = 'configMap';
      name = from.configMapRef.name ?? '';
      const cm = await getConfigMap(name, from.configMapRef.optional === true);
      if (!cm) continue;
      for (const [k0, v] of Object.entries(cm.data ?? {})) {
        const k = prefix + k0;
        if (!isEnvVarName(k)) invalid.push(k);
        else env[k] = v;
      }
    } else if (from.secretRef) {
      kind = 'secret';
      name = from.secretRef.name ?? '';
      const s = await getSecret(name, from.secretRef.optional === true);
      if (!s) continue;
      for (const k0 of Object.keys(s.data ?? {})) {
        const k = prefix + k0;
        if (!isEnvVarName(k)) invalid.push(k);
        else env[k] = secretValue(s, k0) ?? '';
      }
    } else continue;
    if (invalid.length) {
      invalid.sort();
      ctx.warn?.(
        'InvalidEnvironmentVariableNames',
        `Keys [${invalid.join(', ')}] from the EnvFrom ${kind} ${ns}/${name} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }

  const mapping = (name: string): string | undefined =>
    Object.hasOwn(env, name) ? env[name] : Object.hasOwn(services, name) ? services[name] : undefined;
  for (const e of container.env ?? []) {
    let value = e.value ?? '';
    if (value !== '') value = expand(value, mapping);
    else if (e.valueFrom) {
      const vf = e.valueFrom;
      if (vf.fieldRef) value = podFieldValue(pod, vf.fieldRef.fieldPath, ctx);
      else if (vf.resourceFieldRef) {
        const target = vf.resourceFieldRef.containerName
          ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
              (c) => c.name === vf.resourceFieldRef!.containerName,
            )
          : container;
        value = containerResourceValue(vf.resourceFieldRef, target, ctx.allocatable);
      } else if (vf.configMapKeyRef) {
        const ref = vf.configMapKeyRef;
        const optional = ref.optional === true;
        const cm = await getConfigMap(ref.name ?? '', optional);
        if (!cm) continue;
        const v = cm.data?.[ref.key];
        if (v === undefined) {
          if (optional) continue;
          throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name ?? ''}`);
        }
        value = v;
      } else if (vf.secretKeyRef) {
        const ref = vf.secretKeyRef;
        const optional = ref.optional === true;
        const s = await getSecret(ref.name ?? '', optional);
        if (!s) continue;
        const v = secretValue(s, ref.key);
        if (v === undefined) {
          if (optional) continue;
          throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name ?? ''}`);
        }
        value = v;
      }
    }
    env[e.name] = value;
  }
  for (const [k, v] of Object.entries(services)) if (!Object.hasOwn(env, k)) env[k] = v;
  return env;
}

/** Resource names of a GPU request (whole devices or a Koordinator share). */
const GPU_RESOURCES = [
  'nvidia.com/gpu',
  'koordinator.sh/gpu',
  'koordinator.sh/gpu-core',
  'koordinator.sh/gpu-memory',
  'koordinator.sh/gpu-memory-ratio',
];

export const DEVICE_ALLOCATED_ANNOTATION = 'scheduling.koordinator.sh/device-allocated';

/**
 * The environment of a container's GPU share from the pod's device-allocated annotation: the device minors as
 * NVIDIA_VISIBLE_DEVICES, and (for a share of a device) the memory limit and core percentage as the
 * HAMi-core style CUDA_DEVICE_MEMORY_LIMIT / CUDA_DEVICE_SM_LIMIT. Empty for containers without a GPU request.
 */
export function gpuEnv(pod: Pod, container: api.Container): Record<string, string> {
  const raw = pod.metadata.annotations?.[DEVICE_ALLOCATED_ANNOTATION];
  if (!raw) return {};
  const res = { ...container.resources?.requests, ...container.resources?.limits };
  if (!GPU_RESOURCES.some((r) => res[r] !== undefined)) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return {};
  }
  const gpus = (doc as { gpu?: unknown }).gpu;
  if (!Array.isArray(gpus)) return {};
  const minors: number[] = [];
  let memory: number | undefined;
  let core: number | undefined;
  for (const g of gpus as Array<{ minor?: unknown; resources?: Record<string, string | number> }>) {
    if (typeof g?.minor !== 'number') continue;
    minors.push(g.minor);
    const r = g.resources ?? {};
    if (r['koordinator.sh/gpu-memory'] !== undefined) memory = quantityNumber(r['koordinator.sh/gpu-memory']);
    if (r['koordinator.sh/gpu-core'] !== undefined) core = quantityNumber(r['koordinator.sh/gpu-core']);
  }
  if (minors.length === 0) return {};
  const out: Record<string, string> = { NVIDIA_VISIBLE_DEVICES: minors.join(',') };
  if (core !== undefined && core < 100) {
    out['CUDA_DEVICE_SM_LIMIT'] = String(Math.round(core));
    if (memory !== undefined) out['CUDA_DEVICE_MEMORY_LIMIT'] = `${Math.floor(memory / 2 ** 20)}m`;
  }
  return out;
}
