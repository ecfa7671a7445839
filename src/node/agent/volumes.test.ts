import assert from 'node:assert/strict';
import {
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import type { ConfigMap, Secret } from '../../client/resources.js';
import type { ObjectSource } from './env.js';
import { testPod } from './testing.js';
import {
  containerMounts,
  PLACEHOLDER_TOKEN,
  setUpVolumes,
  tearDownVolumes,
  writeAtomic,
  type VolumeContext,
} from './volumes.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-volumes-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function objects(): {
  configMaps: Map<string, ConfigMap>;
  secrets: Map<string, Secret>;
  source: ObjectSource;
} {
  const configMaps = new Map<string, ConfigMap>();
  const secrets = new Map<string, Secret>();
  return {
    configMaps,
    secrets,
    source: {
      configMap: (_ns, name) => Promise.resolve(configMaps.get(name)),
      secret: (_ns, name) => Promise.resolve(secrets.get(name)),
      services: () => [],
    },
  };
}

function ctx(volumes: api.Volume[], source: ObjectSource): VolumeContext {
  return {
    pod: testPod('vol', { volumes }, { labels: { app: 'x' } }),
    podDir: join(root, `pod-${n++}`),
    source,
    hostIPs: ['10.0.0.1'],
    podIPs: ['10.0.0.1'],
    allocatable: { milliCPU: 2000, memory: 2 ** 30, ephemeralStorage: 2 ** 30 },
  };
}

const mode = (p: string): number => statSync(p).mode & 0o777;

describe('setUpVolumes', () => {
  it('configMap: every key by default, items with paths and modes, binaryData, read-only', async () => {
    const o = objects();
    o.configMaps.set('cfg', {
      metadata: { name: 'cfg' },
      data: { 'app.conf': 'port=80\n', other: 'x' },
      binaryData: { blob: Buffer.from([1, 2, 3]).toString('base64') },
    });
    const c = ctx(
      [
        { name: 'all', configMap: { name: 'cfg' } },
        {
          name: 'some',
          configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] },
        },
        { name: 'modes', configMap: { name: 'cfg', defaultMode: 0o400 } },
      ],
      o.source,
    );
    const r = await setUpVolumes(c);
    assert.deepEqual(r.failures, []);
    const all = r.volumes.get('all')!;
    assert.equal(all.readOnly, true);
    assert.deepEqual(
      readdirSync(all.path)
        .filter((e) => !e.startsWith('..'))
        .sort(),
      ['app.conf', 'blob', 'other'],
    );
    assert.equal(readFileSync(join(all.path, 'app.conf'), 'utf8'), 'port=80\n');
    assert.deepEqual([...readFileSync(join(all.path, 'blob'))], [1, 2, 3]);
    assert.equal(readlinkSync(join(all.path, 'app.conf')), join('..data', 'app.conf'));
    assert.equal(mode(join(all.path, 'app.conf')), 0o644);
    const some = r.volumes.get('some')!.path;
    assert.equal(readFileSync(join(some, 'conf/app.conf'), 'utf8'), 'port=80\n');
    assert.equal(mode(join(some, 'conf/app.conf')), 0o600);
    assert.deepEqual(
      readdirSync(some).filter((e) => !e.startsWith('..')),
      ['conf'],
    );
    assert.equal(mode(join(r.volumes.get('modes')!.path, 'other')), 0o400);
  });

  it('an update swaps ..data at once and drops removed keys; an unchanged payload is left alone', async () => {
    const o = objects();
    o.configMaps.set('cfg', { metadata: { name: 'cfg' }, data: { a: '1', b: '2' } });
    const c = ctx([{ name: 'v', configMap: { name: 'cfg' } }], o.source);
    const dir = (await setUpVolumes(c)).volumes.get('v')!.path;
    const first = readlinkSync(join(dir, '..data'));
    await setUpVolumes(c);
    assert.equal(readlinkSync(join(dir, '..data')), first, 'same payload: no new generation');
    o.configMaps.set('cfg', { metadata: { name: 'cfg' }, data: { a: '10' } });
    await setUpVolumes(c);
    assert.notEqual(readlinkSync(join(dir, '..data')), first);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '10');
    assert.deepEqual(
      readdirSync(dir).filter((e) => !e.startsWith('..')),
      ['a'],
    );
    assert.equal(
      readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data').length,
      1,
      'old generation removed',
    );
  });

  it('secret: decoded, optional missing is empty, required missing fails like upstream', async () => {
    const o = objects();
    o.secrets.set('s', {
      metadata: { name: 's' },
      data: { password: Buffer.from('hunter2').toString('base64') },
    });
    const r = await setUpVolumes(
      ctx(
        [
          { name: 'ok', secret: { secretName: 's' } },
          { name: 'opt', secret: { secretName: 'missing', optional: true } },
          { name: 'bad', secret: { secretName: 'missing' } },
          { name: 'badcm', configMap: { name: 'nope' } },
          { name: 'badkey', secret: { secretName: 's', items: [{ key: 'user', path: 'u' }] } },
        ],
        o.source,
      ),
    );
    assert.equal(readFileSync(join(r.volumes.get('ok')!.path, 'password'), 'utf8'), 'hunter2');
    assert.deepEqual(
      readdirSync(r.volumes.get('opt')!.path).filter((e) => !e.startsWith('..')),
      [],
    );
    assert.deepEqual(r.failures, [
      { name: 'bad', message: 'MountVolume.SetUp failed for volume "bad" : secret "missing" not found' },
      { name: 'badcm', message: 'MountVolume.SetUp failed for volume "badcm" : configmap "nope" not found' },
      {
        name: 'badkey',
        message: 'MountVolume.SetUp failed for volume "badkey" : references non-existent secret key: user',
      },
    ]);
  });

  it('downwardAPI and projected (token placeholder, CA when published, namespace)', async () => {
    const o = objects();
    const c = ctx(
      [
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              {
                path: 'mem',
                resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' },
              },
            ],
          },
        },
        {
          name: 'kube-api-access-abcde',
          projected: {
            defaultMode: 0o644,
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              {
                downwardAPI: {
                  items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }],
                },
              },
            ],
          },
        },
      ],
      o.source,
    );
    let r = await setUpVolumes(c);
    assert.deepEqual(r.failures, []);
    const info = r.volumes.get('info')!.path;
    assert.equal(readFileSync(join(info, 'labels'), 'utf8'), 'app="x"');
    assert.equal(readFileSync(join(info, 'mem'), 'utf8'), '1024');
    const sa = r.volumes.get('kube-api-access-abcde')!.path;
    assert.equal(readFileSync(join(sa, 'token'), 'utf8'), PLACEHOLDER_TOKEN);
    assert.equal(readFileSync(join(sa, 'namespace'), 'utf8'), 'default');
    assert.deepEqual(
      readdirSync(sa)
        .filter((e) => !e.startsWith('..'))
        .sort(),
      ['namespace', 'token'],
    );
    o.configMaps.set('kube-root-ca.crt', {
      metadata: { name: 'kube-root-ca.crt' },
      data: { 'ca.crt': 'PEM' },
    });
    r = await setUpVolumes(c);
    assert.equal(readFileSync(join(sa, 'ca.crt'), 'utf8'), 'PEM');
  });

  it('emptyDir is a writable directory; hostPath types are checked; PVCs are refused', async () => {
    const o = objects();
    const hostDir = join(root, 'host-data');
    const hostFile = join(root, 'host-file');
    writeFileSync(hostFile, 'x');
    const r = await setUpVolumes(
      ctx(
        [
          { name: 'scratch', emptyDir: {} },
          { name: 'create', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
          { name: 'file', hostPath: { path: hostFile, type: 'File' } },
          { name: 'notdir', hostPath: { path: hostFile, type: 'Directory' } },
          { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
        ],
        o.source,
      ),
    );
    assert.equal(mode(r.volumes.get('scratch')!.path), 0o777);
    assert.equal(r.volumes.get('scratch')!.readOnly, false);
    assert.ok(statSync(hostDir).isDirectory());
    assert.equal(r.volumes.get('create')!.path, hostDir);
    assert.equal(r.volumes.get('file')!.path, hostFile);
    assert.deepEqual(
      r.failures.map((f) => f.name),
      ['notdir', 'claim'],
    );
    assert.match(r.failures[0]!.message, /hostPath type check failed: .* is not a directory/);
    assert.match(r.failures[1]!.message, /persistentVolumeClaim "data" is not supported/);
  });

  it('tearDown removes materialized volumes but never hostPath targets', async () => {
    const o = objects();
    const hostDir = join(root, 'keep-me');
    const c = ctx(
      [
        { name: 'scratch', emptyDir: {} },
        { name: 'h', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
      ],
      o.source,
    );
    await setUpVolumes(c);
    await tearDownVolumes(c.podDir);
    assert.throws(() => statSync(join(c.podDir, 'volumes')));
    assert.ok(statSync(hostDir).isDirectory());
  });
});

describe('containerMounts', () => {
  it('joins subPath (created) and subPathExpr; read-only from the mount or the volume kind', () => {
    const vols = new Map([
      ['data', { path: join(root, 'mnt-data'), readOnly: false }],
      ['cfg', { path: join(root, 'mnt-cfg'), readOnly: true }],
    ]);
    const mounts = containerMounts(
      {
        name: 'c',
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'data', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' },
          { name: 'data', mountPath: '/ro', subPath: 'ro', readOnly: true },
          { name: 'cfg', mountPath: '/etc/cfg' },
        ],
      },
      vols,
      { POD_NAME: 'web-1' },
    );
    assert.deepEqual(mounts, [
      { hostPath: join(root, 'mnt-data'), containerPath: '/data', readOnly: false },
      { hostPath: join(root, 'mnt-data/logs/web-1'), containerPath: '/logs', readOnly: false },
      { hostPath: join(root, 'mnt-data/ro'), containerPath: '/ro', readOnly: true },
      { hostPath: join(root, 'mnt-cfg'), containerPath: '/etc/cfg', readOnly: true },
    ]);
    assert.ok(statSync(join(root, 'mnt-data/logs/web-1')).isDirectory());
    assert.throws(
      () =>
        containerMounts(
          { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/x', subPath: '../escape' }] },
          vols,
          {},
        ),
      /invalid path/,
    );
  });

  it('writeAtomic refuses paths outside the volume', () => {
    assert.throws(
      () => writeAtomic(join(root, 'atomic'), new Map([['../x', { data: Buffer.from(''), mode: 0o644 }]])),
      /invalid path/,
    );
  });
});
