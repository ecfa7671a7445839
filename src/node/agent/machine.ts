/**
 * @module Facts about the machine a node agent runs on (cadvisor's part of the kubelet): CPUs, memory, the
 * data directory's filesystem, OS and kernel, machine/system/boot ids, the node IP, NVIDIA GPUs, and the
 * current free memory, disk, inodes and PIDs for the pressure conditions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, resolve } from 'node:path';

/** Static facts, read once at start. */
export interface MachineInfo {
  hostname: string;
  cpus: number;
  memoryBytes: number;
  /** Size of the filesystem holding the agent's data directory. */
  ephemeralStorageBytes: number;
  osImage: string;
  kernelVersion: string;
  /** GOARCH naming: amd64, arm64, ... */
  architecture: string;
  operatingSystem: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  /** The node's InternalIP. */
  internalIP: string;
  /** NVIDIA GPUs found by nvidia-smi (count and memory per device), if any. */
  gpus?: { count: number; memoryBytesPerDevice: number };
}

/** What the pressure conditions are computed from, sampled periodically. */
export interface ResourceSample {
  memoryCapacityBytes: number;
  memoryAvailableBytes: number;
  fsCapacityBytes: number;
  fsAvailableBytes: number;
  inodes: number;
  inodesFree: number;
  pidMax: number;
  pidsInUse: number;
}

/** Node's process.arch in Go's GOARCH names, as kubernetes.io/arch carries them. */
export function goArch(arch: string = process.arch): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return 'ppc64le';
    default:
      return arch;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** PRETTY_NAME of /etc/os-release. */
export function parseOsRelease(text: string): string {
  for (const line of text.split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (m) return m[1]!.replace(/^["']|["']$/g, '');
  }
  return '';
}

/** A /proc/meminfo field in bytes. */
export function meminfoBytes(text: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** The first non-internal IPv4 address (then IPv6), else loopback. */
export function defaultNodeIP(): string {
  const ifaces = os.networkInterfaces();
  let v6: string | undefined;
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') return a.address;
      if (a.family === 'IPv6' && !a.address.startsWith('fe80') && !v6) v6 = a.address;
    }
  }
  return v6 ?? '127.0.0.1';
}

/** NVIDIA GPUs through nvidia-smi, when it is installed. */
export function discoverNvidiaGpus(): { count: number; memoryBytesPerDevice: number } | undefined {
  let out: string;
  try {
    out = execFileSync('nvidia-smi', ['--query-gpu=memory.total', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  const mib = out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isFinite(n) && n > 0);
  if (mib.length === 0) return undefined;
  return { count: mib.length, memoryBytesPerDevice: Math.min(...mib) * 2 ** 20 };
}

/** The filesystem of `path`, or of its nearest existing ancestor (the data directory may not exist yet). */
function statfs(path: string): { capacity: number; available: number; inodes: number; inodesFree: number } {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    const s = statfsSync(p);
    return {
      capacity: s.blocks * s.bsize,
      available: s.bavail * s.bsize,
      inodes: s.files,
      inodesFree: s.ffree,
    };
  } catch {
    return { capacity: 0, available: 0, inodes: 0, inodesFree: 0 };
  }
}

/** Reads the machine's facts; `dataDir` is where pods' files live (its filesystem is ephemeral-storage). */
export function readMachineInfo(
  dataDir: string,
  opts: { nodeIP?: string; discoverGpus?: boolean } = {},
): MachineInfo {
  const meminfo = readText('/proc/meminfo');
  const info: MachineInfo = {
    hostname: os.hostname().toLowerCase(),
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    memoryBytes: meminfoBytes(meminfo, 'MemTotal') ?? os.totalmem(),
    ephemeralStorageBytes: statfs(dataDir).capacity,
    osImage: parseOsRelease(readText('/etc/os-release')) || `${os.type()} ${os.release()}`,
    kernelVersion: os.release(),
    architecture: goArch(),
    operatingSystem: os.platform() === 'win32' ? 'windows' : os.platform(),
    machineID: readText('/etc/machine-id') || readText('/var/lib/dbus/machine-id'),
    systemUUID: readText('/sys/class/dmi/id/product_uuid').toLowerCase(),
    bootID: readText('/proc/sys/kernel/random/boot_id'),
    internalIP: opts.nodeIP ?? defaultNodeIP(),
  };
  if (opts.discoverGpus !== false) {
    const gpus = discoverNvidiaGpus();
    if (gpus) info.gpus = gpus;
  }
  return info;
}

/** Samples free memory (MemAvailable), the data directory's free space and inodes, and PIDs in use. */
export function sampleResources(dataDir: string): ResourceSample {
  const meminfo = readText('/proc/meminfo');
  const fs = statfs(dataDir);
  const loadavg = readText('/proc/loadavg');
  const threads = /\s\d+\/(\d+)\s/.exec(loadavg);
  const total = meminfoBytes(meminfo, 'MemTotal') ?? os.totalmem();
  return {
    memoryCapacityBytes: total,
    memoryAvailableBytes: meminfoBytes(meminfo, 'MemAvailable') ?? os.freemem(),
    fsCapacityBytes: fs.capacity,
    fsAvailableBytes: fs.available,
    inodes: fs.inodes,
    inodesFree: fs.inodesFree,
    pidMax: Number(readText('/proc/sys/kernel/pid_max')) || 32768,
    pidsInUse: threads ? Number(threads[1]) : 0,
  };
}
