import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  containerCgroupDirs,
  cpuQuotaUs,
  createContainerCgroups,
  locateControllers,
  readOomKills,
  removeCgroups,
  setupCgroups,
} from './cgroups.js';

describe('cpuQuotaUs (upstream MilliCPUToQuota)', () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [-5, 0],
    [1, 1000],
    [5, 1000],
    [10, 1000],
    [250, 25_000],
    [500, 50_000],
    [1000, 100_000],
    [2500, 250_000],
  ];
  for (const [milli, want] of cases) it(`${milli}m`, () => assert.equal(cpuQuotaUs(milli), want));
});

const V1_CGROUP = `12:memory:/agent.slice/x
11:cpu,cpuacct:/agent.slice
1:name=systemd:/agent.slice
0::/agent.slice`;
const V1_MOUNTS = `30 23 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
35 30 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd`;
const V2_CGROUP = '0::/user.slice/agent';
const V2_MOUNTS = '30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';
const NS_CGROUP = '4:memory:/outer/inner\n3:cpu:/outer';
const NS_MOUNTS = `40 30 0:40 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
41 30 0:41 /outer /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu`;

describe('locateControllers', () => {
  const cases: Array<[string, string, string, string[], ReturnType<typeof locateControllers>]> = [
    [
      'cgroup v1 with a combined cpu,cpuacct hierarchy',
      V1_CGROUP,
      V1_MOUNTS,
      [],
      {
        cpu: {
          version: 1,
          selfDir: '/sys/fs/cgroup/cpu,cpuacct/agent.slice',
          mountDir: '/sys/fs/cgroup/cpu,cpuacct',
        },
        memory: {
          version: 1,
          selfDir: '/sys/fs/cgroup/memory/agent.slice/x',
          mountDir: '/sys/fs/cgroup/memory',
        },
      },
    ],
    [
      'cgroup v2 with both controllers',
      V2_CGROUP,
      V2_MOUNTS,
      ['cpuset', 'cpu', 'io', 'memory', 'pids'],
      {
        cpu: { version: 2, selfDir: '/sys/fs/cgroup/user.slice/agent', mountDir: '/sys/fs/cgroup' },
        memory: { version: 2, selfDir: '/sys/fs/cgroup/user.slice/agent', mountDir: '/sys/fs/cgroup' },
      },
    ],
    ['cgroup v2 without delegated controllers', V2_CGROUP, V2_MOUNTS, ['pids'], {}],
    [
      'a hierarchy mounted from a sub-root (cgroup namespace or bind)',
      NS_CGROUP,
      NS_MOUNTS,
      [],
      {
        cpu: { version: 1, selfDir: '/sys/fs/cgroup/cpu', mountDir: '/sys/fs/cgroup/cpu' },
        memory: { version: 1, selfDir: '/sys/fs/cgroup/memory/inner', mountDir: '/sys/fs/cgroup/memory' },
      },
    ],
    ['no cgroup mounts', V1_CGROUP, '', [], {}],
  ];
  for (const [name, procCgroup, mounts, v2, want] of cases) {
    it(name, () =>
      assert.deepEqual(
        locateControllers(procCgroup, mounts, () => v2),
        want,
      ),
    );
  }
});

const tmp = mkdtempSync(join(tmpdir(), 'cgroups-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('readOomKills and removeCgroups', () => {
  it('sums oom_kill over v1 and v2 files', () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    writeFileSync(join(b, 'memory.events'), 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n');
    assert.equal(readOomKills([a, b, join(tmp, 'missing')]), 3);
    assert.equal(readOomKills([]), 0);
  });

  it('removes empty cgroup directories and ignores missing ones', async () => {
    const c = join(tmp, 'c');
    mkdirSync(c);
    assert.deepEqual(await removeCgroups([c, join(tmp, 'nope')]), []);
    assert.equal(existsSync(c), false);
  });
});

// This machine's own cgroups: limits are written where a controller is writable; otherwise the note says why.
describe('setupCgroups on this machine', () => {
  const parent = `skiff-cgtest-${process.pid}`;
  const setup = setupCgroups(parent);
  const id = 'c0ffee';
  after(async () => {
    await removeCgroups(containerCgroupDirs(setup, id));
    for (const c of [setup.cpu, setup.memory]) if (c && existsSync(c.parentDir)) rmdirSync(c.parentDir);
  });

  it('finds each controller or explains its absence', () => {
    for (const name of ['cpu', 'memory'] as const) {
      if (!setup[name]) assert.match(setup.note ?? '', new RegExp(name));
      else assert.ok(existsSync(setup[name].parentDir), `${name} parent created`);
    }
  });

  it('writes CPU quota and memory limit into a container cgroup', () => {
    const dirs = createContainerCgroups(setup, id, { milliCPU: 250, memoryBytes: 64 * 1024 * 1024 });
    assert.equal(dirs.length, new Set([setup.cpu?.parentDir, setup.memory?.parentDir].filter(Boolean)).size);
    const read = (d: string, f: string): string => readFileSync(join(d, f), 'utf8').trim();
    if (setup.cpu) {
      const d = join(setup.cpu.parentDir, id);
      if (setup.cpu.version === 1) {
        assert.equal(read(d, 'cpu.cfs_quota_us'), '25000');
        assert.equal(read(d, 'cpu.cfs_period_us'), '100000');
      } else assert.equal(read(d, 'cpu.max'), '25000 100000');
    }
    if (setup.memory) {
      const d = join(setup.memory.parentDir, id);
      const file = setup.memory.version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
      assert.equal(read(d, file), String(64 * 1024 * 1024));
      assert.equal(readOomKills([d]), 0);
    }
  });
});
