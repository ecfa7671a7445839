/**
 * @module Pod volumes materialized as directories under the pod's directory, as the kubelet's volume plugins
 * lay them out (`volumes/kubernetes.io~configmap/<name>`, ...): emptyDir, configMap, secret, downwardAPI and
 * projected (with a placeholder service account token) through an atomic writer (`..data` symlink swap, so
 * updates appear at once), hostPath passed through with its type checks. Other kinds fail with a message.
 */
import {
  chmodSync,
  closeSync,
  constants as fsc,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import type { Mount } from '../runtime/interface.js';
import {
  containerResourceValue,
  expand,
  podFieldValue,
  type NodeAllocatable,
  type ObjectSource,
} from './env.js';
import { errorText } from '../../util/errors.js';

/** The text written as a projected service account token until a token issuer exists. */
export const PLACEHOLDER_TOKEN = 'skiff-placeholder-service-account-token';

/** The ConfigMap the API server publishes the cluster CA in (read for projected kube-api-access volumes). */
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';

const DEFAULT_MODE = 0o644;

export interface VolumeContext {
  pod: Pod;
  podDir: string;
  source: ObjectSource;
  hostIPs: readonly string[];
  podIPs: readonly string[];
  allocatable: NodeAllocatable;
}

/** One set-up volume: where it is on the host and whether containers must see it read-only. */
export interface VolumePath {
  path: string;
  readOnly: boolean;
}

export interface VolumeSetUpResult {
  volumes: Map<string, VolumePath>;
  /** Volumes that could not be set up, with upstream-style messages (FailedMount events). */
  failures: Array<{ name: string; message: string }>;
}

/** Sets up (or refreshes) every volume of the pod. Never throws for a volume's own problem. */
export async function setUpVolumes(ctx: VolumeContext): Promise<VolumeSetUpResult> {
  const volumes = new Map<string, VolumePath>();
  const failures: Array<{ name: string; message: string }> = [];
  for (const v of ctx.pod.spec?.volumes ?? []) {
    try {
      volumes.set(v.name, await setUpVolume(ctx, v));
    } catch (err) {
      failures.push({
        name: v.name,
        message: `MountVolume.SetUp failed for volume "${v.name}" : ${errorText(err)}`,
      });
    }
  }
  return { volumes, failures };
}

function pluginDir(ctx: VolumeContext, plugin: string, name: string): string {
  return join(ctx.podDir, 'volumes', `kubernetes.io~${plugin}`, name);
}

async function setUpVolume(ctx: VolumeContext, v: api.Volume): Promise<VolumePath> {
  if (v.emptyDir) {
    const dir = pluginDir(ctx, 'empty-dir', v.name);
    mkdirSync(dir, { recursive: true, mode: 0o777 });
    chmodSync(dir, 0o777);
    return { path: dir, readOnly: false };
  }
  if (v.hostPath) return { path: hostPath(v.hostPath), readOnly: false };
  if (v.configMap) {
    const dir = pluginDir(ctx, 'configmap', v.name);
    const files = await configMapPayload(ctx, v.configMap, v.configMap.defaultMode ?? DEFAULT_MODE);
    writeAtomic(dir, files ?? new Map());
    return { path: dir, readOnly: true };
  }
  if (v.secret) {
    const dir = pluginDir(ctx, 'secret', v.name);
    const files = await secretPayload(ctx, v.secret, v.secret.defaultMode ?? DEFAULT_MODE);
    writeAtomic(dir, files ?? new Map());
    return { path: dir, readOnly: true };
  }
  if (v.downwardAPI) {
    const dir = pluginDir(ctx, 'downward-api', v.name);
    const files = downwardPayload(ctx, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE);
    writeAtomic(dir, files);
    return { path: dir, readOnly: true };
  }
  if (v.projected) {
    const dir = pluginDir(ctx, 'projected', v.name);
    writeAtomic(dir, await projectedPayload(ctx, v.projected));
    return { path: dir, readOnly: true };
  }
  if (v.persistentVolumeClaim) {
    throw new Error(
      `persistentVolumeClaim "${v.persistentVolumeClaim.claimName}" is not supported on this node's runtime`,
    );
  }
  const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
  throw new Error(`volume type ${kind} is not supported on this node's runtime`);
}

function hostPath(src: api.HostPathVolumeSource): string {
  const p = src.path;
  const type = src.type ?? '';
  const stat = statOrUndefined(p);
  switch (type) {
    case '':
      return p;
    case 'DirectoryOrCreate':
      if (!stat) mkdirSync(p, { recursive: true, mode: 0o755 });
      else if (!stat.isDirectory()) throw new Error(`hostPath type check failed: ${p} is not a directory`);
      return p;
    case 'Directory':
      if (!stat?.isDirectory()) throw new Error(`hostPath type check failed: ${p} is not a directory`);
      return p;
    case 'FileOrCreate':
      if (!stat) {
        mkdirSync(dirname(p), { recursive: true });
        closeSync(openSync(p, fsc.O_CREAT | fsc.O_WRONLY, 0o644));
      } else if (!stat.isFile()) throw new Error(`hostPath type check failed: ${p} is not a file`);
      return p;
    case 'File':
      if (!stat?.isFile()) throw new Error(`hostPath type check failed: ${p} is not a file`);
      return p;
    case 'Socket':
      if (!stat?.isSocket()) throw new Error(`hostPath type check failed: ${p} is not a socket file`);
      return p;
    case 'CharDevice':
      if (!stat?.isCharacterDevice())
        throw new Error(`hostPath type check failed: ${p} is not a character device`);
      return p;
    case 'BlockDevice':
      if (!stat?.isBlockDevice()) throw new Error(`hostPath type check failed: ${p} is not a block device`);
      return p;
    default:
      throw new Error(`hostPath type check failed: unknown type ${type}`);
  }
}

/** A file of a volume payload: content and mode, by relative path. */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

type Payload = Map<string, FileProjection>;

function keysToPaths(
  all: Map<string, Buffer>,
  items: readonly api.KeyToPath[] | undefined,
  defaultMode: number,
  missing: (key: string) => string,
  optional: boolean,
): Payload {
  const out: Payload = new Map();
  if (!items || items.length === 0) {
    for (const [k, data] of all) out.set(k, { data, mode: defaultMode });
    return out;
  }
  for (const it of items) {
    const data = all.get(it.key);
    if (!data) {
      if (optional) continue;
      throw new Error(missing(it.key));
    }
    out.set(it.path, { data, mode: it.mode ?? defaultMode });
  }
  return out;
}

async function configMapPayload(
  ctx: VolumeContext,
  src: api.ConfigMapVolumeSource | api.ConfigMapProjection,
  defaultMode: number,
  tolerateMissing = false,
): Promise<Payload | undefined> {
  const name = src.name ?? '';
  const cm = await ctx.source.configMap(ctx.pod.metadata.namespace ?? 'default', name);
  if (!cm) {
    if (src.optional || tolerateMissing) return undefined;
    throw new Error(`configmap "${name}" not found`);
  }
  const all = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) all.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) all.set(k, Buffer.from(v, 'base64'));
  return keysToPaths(
    all,
    src.items,
    defaultMode,
    (k) => `configmap references non-existent config key: ${k}`,
    src.optional === true,
  );
}

async function secretPayload(
  ctx: VolumeContext,
  src: api.SecretVolumeSource | api.SecretProjection,
  defaultMode: number,
): Promise<Payload | undefined> {
  const name = ('secretName' in src ? src.secretName : (src as api.SecretProjection).name) ?? '';
  const secret = await ctx.source.secret(ctx.pod.metadata.namespace ?? 'default', name);
  if (!secret) {
    if (src.optional) return undefined;
    throw new Error(`secret "${name}" not found`);
  }
  const all = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) all.set(k, Buffer.from(v, 'base64'));
  return keysToPaths(
    all,
    src.items,
    defaultMode,
    (k) => `references non-existent secret key: ${k}`,
    src.optional === true,
  );
}

function downwardPayload(
  ctx: VolumeContext,
  items: readonly api.DownwardAPIVolumeFile[],
  defaultMode: number,
): Payload {
  const out: Payload = new Map();
  for (const it of items) {
    let value: string;
    if (it.fieldRef) value = podFieldValue(ctx.pod, it.fieldRef.fieldPath, ctx);
    else if (it.resourceFieldRef) {
      const c = [...(ctx.pod.spec?.containers ?? []), ...(ctx.pod.spec?.initContainers ?? [])].find(
        (x) => x.name === it.resourceFieldRef!.containerName,
      );
      value = containerResourceValue(it.resourceFieldRef, c, ctx.allocatable);
    } else continue;
    out.set(it.path, { data: Buffer.from(value, 'utf8'), mode: it.mode ?? defaultMode });
  }
  return out;
}

async function projectedPayload(ctx: VolumeContext, src: api.ProjectedVolumeSource): Promise<Payload> {
  const mode = src.defaultMode ?? DEFAULT_MODE;
  const out: Payload = new Map();
  const sources = src.sources ?? [];
  const hasToken = sources.some((s) => s.serviceAccountToken);
  for (const s of sources) {
    let part: Payload | undefined;
    if (s.configMap) {
      // The cluster CA ConfigMap may not be published on this cluster: the token volume works without it.
      const tolerate = hasToken && s.configMap.name === ROOT_CA_CONFIG_MAP;
      part = await configMapPayload(ctx, s.configMap, mode, tolerate);
    } else if (s.secret) part = await secretPayload(ctx, s.secret, mode);
    else if (s.downwardAPI) part = downwardPayload(ctx, s.downwardAPI.items ?? [], mode);
    else if (s.serviceAccountToken) {
      part = new Map([[s.serviceAccountToken.path, { data: Buffer.from(PLACEHOLDER_TOKEN), mode }]]);
    } else if (s.clusterTrustBundle) {
      if (s.clusterTrustBundle.optional) continue;
      throw new Error('clusterTrustBundle projections are not supported on this node');
    }
    for (const [k, v] of part ?? []) out.set(k, v);
  }
  return out;
}

function checkRelativePath(p: string): string {
  const n = normalize(p);
  if (p === '' || p.startsWith('/') || n === '..' || n.startsWith(`..${sep}`) || p.startsWith('..')) {
    throw new Error(`invalid path ${JSON.stringify(p)} in a volume item`);
  }
  return n;
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

function readlinkOrUndefined(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

function currentPayloadMatches(dir: string, files: Payload): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((e) => !e.startsWith('..'));
  } catch {
    return false;
  }
  const tops = new Set([...files.keys()].map((p) => checkRelativePath(p).split(sep)[0]!));
  if (entries.length !== tops.size || entries.some((e) => !tops.has(e))) return false;
  for (const [p, f] of files) {
    try {
      const full = join(dir, '..data', p);
      const data = readFileSync(full);
      const st = statSync(full);
      if (!data.equals(f.data) || (st.mode & 0o7777) !== f.mode) return false;
    } catch {
      return false;
    }
  }
  return true;
}

let tsSeq = 0;

/**
 * Upstream's AtomicWriter: the payload goes into a fresh `..<timestamp>` directory, `..data` is switched to
 * it with one rename, and each top-level entry is a symlink through `..data`. Unchanged payloads are left as
 * they are. Synchronous: a handful of small files, cheaper than a chain of thread-pool round trips while the
 * agent is busy starting processes.
 */
export function writeAtomic(dir: string, files: Payload): void {
  // A directory just created has nothing to compare, replace or clean up.
  const fresh = mkdirSync(dir, { recursive: true, mode: 0o755 }) !== undefined;
  if (!fresh && currentPayloadMatches(dir, files)) return;
  const stamp = new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '');
  const tsName = `..${stamp}.${process.pid}.${tsSeq++}`;
  const tsDir = join(dir, tsName);
  mkdirSync(tsDir, { mode: 0o755 });
  const tops = new Set<string>();
  for (const [p, f] of files) {
    const rel = checkRelativePath(p);
    tops.add(rel.split(sep)[0]!);
    const full = join(tsDir, rel);
    if (dirname(rel) !== '.') mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    writeFileSync(full, f.data, { mode: f.mode });
    chmodSync(full, f.mode);
  }
  if (fresh) {
    symlinkSync(tsName, join(dir, '..data'));
    for (const top of tops) symlinkSync(join('..data', top), join(dir, top));
    return;
  }
  const oldTarget = readlinkOrUndefined(join(dir, '..data'));
  const tmpLink = join(dir, '..data_tmp');
  rmSync(tmpLink, { force: true });
  symlinkSync(tsName, tmpLink);
  renameSync(tmpLink, join(dir, '..data'));
  for (const top of tops) {
    const link = join(dir, top);
    const target = join('..data', top);
    if (readlinkOrUndefined(link) === target) continue;
    rmSync(link, { force: true, recursive: true });
    symlinkSync(target, link);
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..') || tops.has(e)) continue;
    rmSync(join(dir, e), { force: true, recursive: true });
  }
  if (oldTarget && oldTarget !== tsName) rmSync(join(dir, oldTarget), { recursive: true, force: true });
}

/** Removes the pod's materialized volumes (hostPath targets are never touched). */
export async function tearDownVolumes(podDir: string): Promise<void> {
  await rm(join(podDir, 'volumes'), { recursive: true, force: true });
}

/**
 * The mounts of one container: each volumeMount's volume path with its subPath (created when missing) or
 * subPathExpr (expanded against the container's environment) joined in.
 */
export function containerMounts(
  container: api.Container,
  volumes: ReadonlyMap<string, VolumePath>,
  env: Readonly<Record<string, string>>,
): Mount[] {
  const out: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (!vol) throw new Error(`unable to find volume "${vm.name}" for container "${container.name}"`);
    let sub = vm.subPath ?? '';
    if (vm.subPathExpr) {
      sub = expand(vm.subPathExpr, (n) => (Object.hasOwn(env, n) ? env[n] : ''));
    }
    let hostPath = vol.path;
    if (sub) {
      hostPath = join(vol.path, checkRelativePath(sub));
      let exists = true;
      try {
        lstatSync(hostPath);
      } catch {
        exists = false;
      }
      if (!exists) mkdirSync(hostPath, { recursive: true, mode: 0o755 });
    }
    out.push({ hostPath, containerPath: vm.mountPath, readOnly: vm.readOnly === true || vol.readOnly });
  }
  return out;
}
