import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorString } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import {
  componentStatusesResource,
  namespacesResource,
  nodeRoles,
  nodeStatus,
  nodesResource,
  persistentVolumesResource,
} from './cluster.js';

type Obj = Record<string, any>;
const now = new Date('2025-06-01T12:00:00Z');

describe('namespaces', () => {
  const create = (ns: KubeObject): KubeObject => {
    namespacesResource.prepareForCreate!(ns, { now, subresource: '' });
    namespacesResource.defaults!(ns);
    return ns;
  };
  it('gets the kubernetes finalizer, Active phase and name label', () => {
    const ns = create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'dev', labels: { team: 'a' } },
      status: { phase: 'Terminating' },
    });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
    assert.deepEqual(ns.metadata.labels, { team: 'a', 'kubernetes.io/metadata.name': 'dev' });
    assert.deepEqual(namespacesResource.validateCreate!(ns), []);
  });
  it('labels generated names once they exist', () => {
    const ns: KubeObject = { metadata: { generateName: 'tmp-' } };
    namespacesResource.defaults!(ns);
    ns.metadata.name = 'tmp-x7k2p';
    namespacesResource.prepareForCreate!(ns, { now, subresource: '' });
    assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'tmp-x7k2p' });
  });
  it('keeps spec.finalizers on a main-resource update, lets finalize change them', () => {
    const old = create({ metadata: { name: 'dev' } });
    const next = structuredClone(old);
    (next.spec as Obj).finalizers = [];
    namespacesResource.prepareForUpdate!(next, old, { now, subresource: '' });
    assert.deepEqual((next.spec as Obj).finalizers, ['kubernetes']);
    const fin = structuredClone(old);
    (fin.spec as Obj).finalizers = [];
    namespacesResource.prepareForUpdate!(fin, old, { now, subresource: 'finalize' });
    assert.deepEqual((fin.spec as Obj).finalizers, []);
  });
  it('validates finalizer names', () => {
    const ns: KubeObject = {
      metadata: { name: 'x' },
      spec: { finalizers: ['kubernetes', 'custom', 'example.com/cleanup'] },
    };
    assert.deepEqual(namespacesResource.validateUpdate!(ns, ns).map(fieldErrorString), [
      'spec.finalizers[1]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });
  const statusCases: Array<[Obj, string[]]> = [
    [{ metadata: { name: 'x' }, status: { phase: 'Active' } }, []],
    [
      { metadata: { name: 'x' }, status: { phase: 'Terminating' } },
      ['status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty'],
    ],
    [
      { metadata: { name: 'x', deletionTimestamp: '2025-01-01T00:00:00Z' }, status: { phase: 'Active' } },
      [
        'status.Phase: Invalid value: "Active": may only be \'Terminating\' if `deletionTimestamp` is not empty',
      ],
    ],
  ];
  for (const [ns, want] of statusCases) {
    it(`status update ${JSON.stringify(ns.status)} ${ns.metadata.deletionTimestamp ? 'deleting' : ''}`, () => {
      assert.deepEqual(
        namespacesResource.validateStatusUpdate!(ns as KubeObject, ns as KubeObject).map(fieldErrorString),
        want,
      );
    });
  }
  it('blocks deletion on spec.finalizers and turns Terminating', () => {
    const ns = create({ metadata: { name: 'dev' } });
    assert.equal(namespacesResource.deletionBlocked!(ns), true);
    namespacesResource.beforeDelete!(ns, { now, subresource: '' });
    assert.equal((ns.status as Obj).phase, 'Terminating');
    assert.deepEqual(namespacesResource.selectableFields!(ns), { 'status.phase': 'Terminating' });
  });
  it('table', () => {
    const ns = create({ metadata: { name: 'dev', creationTimestamp: '2025-05-30T12:00:00Z' } });
    assert.deepEqual(
      namespacesResource.table!.map((c) => c.cell(ns, now)),
      ['dev', 'Active', '2d'],
    );
  });
});

describe('nodes', () => {
  const node = (spec: Obj, status: Obj, labels: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', labels, creationTimestamp: '2025-06-01T07:00:00Z' },
    spec,
    status,
  });
  const ready = (s: string) => ({
    conditions: [
      { type: 'MemoryPressure', status: 'False' },
      { type: 'Ready', status: s },
    ],
  });
  const cases: Array<[string, KubeObject, string]> = [
    ['ready', node({}, ready('True')), 'Ready'],
    ['not ready', node({}, ready('False')), 'NotReady'],
    ['unknown', node({}, ready('Unknown')), 'NotReady'],
    ['no conditions', node({}, {}), 'Unknown'],
    ['cordoned', node({ unschedulable: true }, ready('True')), 'Ready,SchedulingDisabled'],
  ];
  for (const [name, n, want] of cases) it(`status: ${name}`, () => assert.equal(nodeStatus(n), want));
  it('roles from labels', () => {
    assert.equal(
      nodeRoles(
        node(
          {},
          {},
          {
            'node-role.kubernetes.io/control-plane': '',
            'kubernetes.io/role': 'edge',
            'node-role.kubernetes.io/': 'x',
          },
        ),
      ),
      'control-plane,edge',
    );
    assert.equal(nodeRoles(node({}, {})), '<none>');
  });
  it('defaults allocatable from capacity, canonical quantities', () => {
    const n = node({}, { capacity: { cpu: 4, memory: '8000000Ki', pods: '110' } });
    nodesResource.defaults!(n);
    assert.deepEqual((n.status as Obj).allocatable, { cpu: '4', memory: '8000000Ki', pods: '110' });
    assert.equal(nodesResource.resetStatusOnCreate, false);
  });
  it('validates taints and pod CIDRs', () => {
    const n = node(
      {
        taints: [
          { key: 'k', effect: 'NoSchedule' },
          { key: 'k', effect: 'NoSchedule', value: 'v' },
          { key: 'x', effect: 'Never' },
        ],
        podCIDRs: ['10.0.0.1/24'],
      },
      { capacity: { cpu: '-1' } },
    );
    assert.deepEqual(nodesResource.validateCreate!(n).map(fieldErrorString), [
      'metadata.taints[1]: Duplicate value: {"key":"k","effect":"NoSchedule","value":"v"}: taints must be unique by key and effect pair',
      'metadata.taints[2].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0',
      'spec.podCIDRs[0]: Invalid value: "10.0.0.1/24": must not have bits set beyond the prefix length',
    ]);
  });
  it('keeps podCIDRs and providerID once set', () => {
    const old = node({ podCIDRs: ['10.244.1.0/24'], providerID: 'kind://n1' }, {});
    const next = node({ podCIDRs: ['10.244.2.0/24'], providerID: 'other' }, {});
    assert.deepEqual(nodesResource.validateUpdate!(next, old).map(fieldErrorString), [
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
      'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
    ]);
  });
  it('table and selectable fields', () => {
    const n = node(
      { unschedulable: true },
      {
        ...ready('True'),
        addresses: [
          { type: 'InternalIP', address: '192.168.1.10' },
          { type: 'Hostname', address: 'n1' },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'Debian GNU/Linux 12',
          kernelVersion: '6.1.0',
          containerRuntimeVersion: 'skiff://0.1.0',
        },
      },
      { 'node-role.kubernetes.io/control-plane': '' },
    );
    assert.deepEqual(
      nodesResource.table!.map((c) => c.cell(n, now)),
      [
        'n1',
        'Ready,SchedulingDisabled',
        'control-plane',
        '5h',
        'v1.32.0',
        '192.168.1.10',
        '<none>',
        'Debian GNU/Linux 12',
        '6.1.0',
        'skiff://0.1.0',
      ],
    );
    assert.deepEqual(nodesResource.selectableFields!(n), { 'spec.unschedulable': 'true' });
  });
});

describe('componentstatuses', () => {
  it('prints the Healthy condition', () => {
    const cs: KubeObject = {
      metadata: { name: 'etcd-0' },
      conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
    };
    assert.deepEqual(
      componentStatusesResource.table!.map((c) => c.cell(cs, now)),
      ['etcd-0', 'Healthy', 'ok', ''],
    );
    assert.deepEqual(componentStatusesResource.verbs, ['get', 'list']);
  });
});

describe('persistentvolumes', () => {
  const pv = (spec: Obj): KubeObject => {
    const o: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'task-pv-volume', creationTimestamp: '2025-06-01T11:00:00Z' },
      spec,
    };
    persistentVolumesResource.defaults!(o);
    persistentVolumesResource.prepareForCreate!(o, { now, subresource: '' });
    return o;
  };
  it('defaults reclaim policy, volume mode and phase', () => {
    const o = pv({
      storageClassName: 'manual',
      capacity: { storage: '10Gi' },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: '/mnt/data' },
    });
    assert.deepEqual(o.spec, {
      storageClassName: 'manual',
      capacity: { storage: '10Gi' },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: '/mnt/data', type: '' },
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
    });
    assert.deepEqual(o.status, { phase: 'Pending', lastPhaseTransitionTime: '2025-06-01T12:00:00Z' });
    assert.deepEqual(persistentVolumesResource.validateCreate!(o), []);
    assert.deepEqual(
      persistentVolumesResource.table!.map((c) => c.cell(o, now)),
      [
        'task-pv-volume',
        '10Gi',
        'RWO',
        'Retain',
        'Pending',
        '',
        'manual',
        '<unset>',
        '',
        '60m',
        'Filesystem',
      ],
    );
  });
  it('validates modes, capacity and the source', () => {
    const o = pv({
      capacity: { storage: '0', cpu: '1' },
      hostPath: { path: '/a' },
      nfs: { server: 'x', path: '/b' },
    });
    assert.deepEqual(persistentVolumesResource.validateCreate!(o).map(fieldErrorString), [
      'spec.accessModes: Required value',
      'spec.capacity: Unsupported value: {"storage":"0","cpu":"1"}: supported values: "storage"',
      'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
      'spec.nfs: Forbidden: may not specify more than 1 volume type',
    ]);
  });
  it('the volume source is immutable', () => {
    const old = pv({
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: '/a' },
    });
    const next = structuredClone(old);
    (next.spec as Obj).hostPath.path = '/b';
    assert.deepEqual(persistentVolumesResource.validateUpdate!(next, old).map(fieldErrorString), [
      'spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation',
    ]);
  });
});
