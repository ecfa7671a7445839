/**
 * @module Per-container cgroups for the process runtime: finds the cpu and memory controllers (cgroup v1 or
 * v2) below the agent's own cgroup, creates one cgroup per container there, applies CPU quota and memory
 * limits, counts OOM kills, and kills and removes what is left.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errorText } from '../../../util/errors.js';

/** Upstream's CFS period (100 ms) and the smallest quota it writes (1 ms). */
export const CPU_PERIOD_US = 100_000;
export const MIN_CPU_QUOTA_US = 1_000;

/** CPU quota for a limit in millicores, as the kubelet computes it (0 means no limit). */
export function cpuQuotaUs(milliCPU: number, periodUs: number = CPU_PERIOD_US): number {
  if (milliCPU <= 0) return 0;
  return Math.max(MIN_CPU_QUOTA_US, Math.floor((milliCPU * periodUs) / 1000));
}

export type ControllerName = 'cpu' | 'memory';

/** Where one controller lives: its hierarchy version and the directory the runtime creates container cgroups in. */
export interface CgroupController {
  version: 1 | 2;
  /** Parent directory of the per-container cgroups (below the agent's own cgroup). */
  parentDir: string;
}

/** The result of {@link setupCgroups}: the usable controllers, and why others are missing. */
export interface CgroupSetup {
  cpu?: CgroupController;
  memory?: CgroupController;
  /** Set when a controller is not usable; the runtime reports it once. */
  note?: string;
}

interface ProcCgroupLine {
  controllers: string[];
  path: string;
  v2: boolean;
}

interface CgroupMount {
  root: string;
  mountPoint: string;
  v2: boolean;
  options: string[];
}

const unescapeMountinfo = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseProcCgroup(text: string): ProcCgroupLine[] {
  const out: ProcCgroupLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, ctl = '', path = '/'] = m;
    out.push({ controllers: ctl === '' ? [] : ctl.split(','), path, v2: id === '0' && ctl === '' });
  }
  return out;
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fsType, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    out.push({
      root: unescapeMountinfo(left[3] ?? '/'),
      mountPoint: unescapeMountinfo(left[4] ?? ''),
      v2: fsType === 'cgroup2',
      options: superOpts.split(','),
    });
  }
  return out;
}

function joinUnderMount(mount: CgroupMount, selfPath: string): string | undefined {
  const root = mount.root === '/' ? '' : mount.root;
  if (root !== '' && selfPath !== root && !selfPath.startsWith(root + '/')) return undefined;
  return join(mount.mountPoint, selfPath.slice(root.length));
}

/** For each controller: the agent's own cgroup directory and hierarchy version, from /proc texts. */
export function locateControllers(
  procCgroup: string,
  mountinfo: string,
  v2Available: (dir: string) => string[],
): Partial<Record<ControllerName, { version: 1 | 2; selfDir: string; mountDir: string }>> {
  const lines = parseProcCgroup(procCgroup);
  const mounts = parseCgroupMounts(mountinfo);
  const out: Partial<Record<ControllerName, { version: 1 | 2; selfDir: string; mountDir: string }>> = {};
  for (const name of ['cpu', 'memory'] as const) {
    const line = lines.find((l) => !l.v2 && l.controllers.includes(name));
    const mount = mounts.find((m) => !m.v2 && m.options.includes(name));
    if (line && mount) {
      const selfDir = joinUnderMount(mount, line.path);
      if (selfDir) out[name] = { version: 1, selfDir, mountDir: mount.mountPoint };
      continue;
    }
    const l2 = lines.find((l) => l.v2);
    const m2 = mounts.find((m) => m.v2);
    if (!l2 || !m2) continue;
    const selfDir = joinUnderMount(m2, l2.path);
    if (selfDir && v2Available(selfDir).includes(name))
      out[name] = { version: 2, selfDir, mountDir: m2.mountPoint };
  }
  return out;
}

function readControllers(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch {
    return [];
  }
}

/**
 * Prepares `<agent's cgroup>/<parentName>` for each available controller. A controller that cannot be used
 * (missing, read-only, v2 without delegation) is left out and explained in `note`.
 */
export function setupCgroups(
  parentName: string,
  files: { procCgroup?: string; mountinfo?: string } = {},
): CgroupSetup {
  let procCgroup: string;
  let mountinfo: string;
  try {
    procCgroup = files.procCgroup ?? readFileSync('/proc/self/cgroup', 'utf8');
    mountinfo = files.mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8');
  } catch (e) {
    return { note: `cgroups unavailable: ${errorText(e)}` };
  }
  const found = locateControllers(procCgroup, mountinfo, readControllers);
  const setup: CgroupSetup = {};
  const problems: string[] = [];
  for (const name of ['cpu', 'memory'] as const) {
    const c = found[name];
    if (!c) {
      problems.push(`no ${name} controller`);
      continue;
    }
    const parentDir = join(c.selfDir, parentName);
    try {
      if (c.version === 2) {
        // Controllers must be enabled on every level between the agent's cgroup and the containers'.
        enableV2(c.selfDir, name);
        mkdirSync(parentDir, { recursive: true });
        enableV2(parentDir, name);
      } else {
        mkdirSync(parentDir, { recursive: true });
      }
      setup[name] = { version: c.version, parentDir };
    } catch (e) {
      problems.push(`${name} controller not writable at ${parentDir} (${errorText(e)})`);
    }
  }
  if (problems.length) setup.note = `cgroup limits partly unavailable: ${problems.join('; ')}`;
  return setup;
}

function enableV2(dir: string, name: ControllerName): void {
  const current = readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8');
  if (current.split(/\s+/).includes(name)) return;
  writeFileSync(join(dir, 'cgroup.subtree_control'), `+${name}`);
}

/** The directories a container's cgroups live in (one per hierarchy used). */
export function containerCgroupDirs(setup: CgroupSetup, id: string): string[] {
  const dirs: string[] = [];
  for (const c of [setup.cpu, setup.memory]) {
    if (!c) continue;
    const d = join(c.parentDir, id);
    if (!dirs.includes(d)) dirs.push(d);
  }
  return dirs;
}

/** The cgroup directories of a container and the limit files to write in them. */
function containerCgroupPlan(
  setup: CgroupSetup,
  id: string,
  limits: { milliCPU?: number; memoryBytes?: number } | undefined,
): { dirs: string[]; files: Array<[path: string, content: string]> } {
  const dirs = containerCgroupDirs(setup, id);
  const files: Array<[string, string]> = [];
  const cpu = setup.cpu;
  const quota = cpuQuotaUs(limits?.milliCPU ?? 0);
  if (cpu && quota > 0) {
    const d = join(cpu.parentDir, id);
    if (cpu.version === 1) {
      files.push([join(d, 'cpu.cfs_period_us'), String(CPU_PERIOD_US)]);
      files.push([join(d, 'cpu.cfs_quota_us'), String(quota)]);
    } else {
      files.push([join(d, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`]);
    }
  }
  const mem = setup.memory;
  const bytes = limits?.memoryBytes ?? 0;
  if (mem && bytes > 0) {
    const d = join(mem.parentDir, id);
    files.push([
      join(d, mem.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'),
      String(Math.floor(bytes)),
    ]);
  }
  return { dirs, files };
}

/** Creates a container's cgroups and writes its limits; returns the directories the shim joins. */
export function createContainerCgroups(
  setup: CgroupSetup,
  id: string,
  limits: { milliCPU?: number; memoryBytes?: number } | undefined,
): string[] {
  const { dirs, files } = containerCgroupPlan(setup, id, limits);
  for (const d of dirs) mkdirSync(d, { recursive: true });
  for (const [path, content] of files) writeFileSync(path, content);
  return dirs;
}

/** How many times the OOM killer killed a process in these cgroups (v1 memory.oom_control, v2 memory.events). */
export function readOomKills(dirs: readonly string[]): number {
  let total = 0;
  for (const d of dirs) {
    for (const file of ['memory.oom_control', 'memory.events']) {
      try {
        const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(d, file), 'utf8'));
        if (m) total += Number(m[1]);
      } catch {
        // not a memory cgroup, or gone
      }
    }
  }
  return total;
}

/** Pids still in these cgroups. */
export function cgroupPids(dirs: readonly string[]): number[] {
  const pids = new Set<number>();
  for (const d of dirs) {
    try {
      for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) pids.add(Number(l));
    } catch {
      // gone
    }
  }
  return [...pids];
}

/** Sends `signal` to every process in the cgroups. */
export function signalCgroups(dirs: readonly string[], signal: NodeJS.Signals): void {
  for (const pid of cgroupPids(dirs)) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Kills what is left and removes the cgroups, retrying while killed processes are still exiting; returns the
 * ones that could not be removed.
 */
export async function removeCgroups(dirs: readonly string[], attempts = 20): Promise<string[]> {
  let left = dirs.filter((d) => existsSync(d));
  for (let i = 0; i < attempts && left.length; i++) {
    if (i > 0) await delay(50);
    signalCgroups(left, 'SIGKILL');
    left = left.filter((d) => {
      try {
        rmdirSync(d);
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code !== 'ENOENT';
      }
    });
  }
  return left;
}
