import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorString } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import {
  accessModesString,
  eventsResource,
  limitRangesResource,
  persistentVolumeClaimsResource,
  replicationControllersResource,
  resourceQuotasResource,
} from './namespaced.js';

type Obj = Record<string, any>;
const now = new Date('2025-06-01T12:00:00Z');
const ctx = { now, subresource: '' };
const errs = (list: ReturnType<NonNullable<typeof eventsResource.validateCreate>>): string[] =>
  list.map(fieldErrorString);

describe('events', () => {
  const ev = (fields: Obj, namespace = 'default'): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.1', namespace },
    ...fields,
  });
  const cases: Array<[string, KubeObject, string[]]> = [
    [
      'legacy event',
      ev({ involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Scheduled' }),
      [],
    ],
    [
      'namespace mismatch',
      ev({ involvedObject: { kind: 'Pod', namespace: 'other' } }),
      ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
    ],
    ['cluster object in default is fine', ev({ involvedObject: { kind: 'Node', name: 'n1' } }), []],
    [
      'new-style event needs reporting fields',
      ev({ eventTime: '2025-06-01T11:59:00.000000Z', involvedObject: { kind: 'Pod', namespace: 'default' } }),
      [
        'reportingComponent: Required value',
        'reportingComponent: Invalid value: "": name part must be non-empty',
        "reportingComponent: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        'reportingInstance: Required value',
        'action: Required value',
        'reason: Required value',
      ],
    ],
  ];
  for (const [name, e, want] of cases)
    it(name, () => assert.deepEqual(errs(eventsResource.validateCreate!(e)), want));

  it('table: LAST SEEN TYPE REASON OBJECT MESSAGE, then wide columns', () => {
    const e = ev({
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled',
      type: 'Normal',
      message: ' Successfully pulled image "nginx" \n',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2025-06-01T11:50:00Z',
      lastTimestamp: '2025-06-01T11:58:00Z',
      count: 3,
    });
    const t = eventsResource.table!;
    assert.deepEqual(
      t.filter((c) => c.priority === 0).map((c) => c.name),
      ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
    );
    assert.deepEqual(
      t.map((c) => c.cell(e, now)),
      [
        '2m',
        'Normal',
        'Pulled',
        'pod/web-1',
        'spec.containers{app}',
        'kubelet, node-1',
        'Successfully pulled image "nginx"',
        '10m',
        3,
        'web.1',
      ],
    );
  });
  it('new-style events print eventTime and series', () => {
    const e = ev({
      eventTime: '2025-06-01T11:59:00.000000Z',
      series: { count: 7, lastObservedTime: '2025-06-01T11:59:30.000000Z' },
      reportingComponent: 'sched',
      involvedObject: { kind: 'Pod', name: 'p' },
    });
    const cells = Object.fromEntries(eventsResource.table!.map((c) => [c.name, c.cell(e, now)]));
    assert.equal(cells['Last Seen'], '30s');
    assert.equal(cells['First Seen'], '60s');
    assert.equal(cells.Count, 7);
    assert.equal(cells.Source, 'sched');
  });
  it('selectable fields', () => {
    const e = ev({
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: 'u1' },
      reason: 'Killing',
      type: 'Warning',
      reportingComponent: 'kubelet',
    });
    assert.deepEqual(eventsResource.selectableFields!(e), {
      'involvedObject.kind': 'Pod',
      'involvedObject.namespace': 'default',
      'involvedObject.name': 'p',
      'involvedObject.uid': 'u1',
      'involvedObject.apiVersion': '',
      'involvedObject.resourceVersion': '',
      'involvedObject.fieldPath': '',
      reason: 'Killing',
      reportingComponent: 'kubelet',
      source: 'kubelet',
      type: 'Warning',
    });
  });
});

describe('persistentvolumeclaims', () => {
  const pvc = (spec: Obj, status?: Obj): KubeObject => {
    const o: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default', creationTimestamp: '2025-06-01T11:00:00Z' },
      spec,
    };
    if (status) o.status = status;
    persistentVolumeClaimsResource.prepareForCreate!(o, ctx);
    persistentVolumeClaimsResource.defaults!(o);
    return o;
  };
  it('defaults volumeMode and Pending phase', () => {
    const p = pvc(
      { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } } },
      { phase: 'Bound' },
    );
    assert.equal((p.spec as Obj).volumeMode, 'Filesystem');
    assert.deepEqual(p.status, { phase: 'Pending' });
    assert.deepEqual(persistentVolumeClaimsResource.validateCreate!(p), []);
  });
  const cases: Array<[string, Obj, string[]]> = [
    [
      'no access modes, no storage',
      {},
      [
        'spec.accessModes: Required value: at least 1 access mode is required',
        'spec.resources[storage]: Required value',
      ],
    ],
    [
      'bad modes',
      {
        accessModes: ['ReadWriteOncePod', 'ReadWriteMany', 'Sometimes'],
        resources: { requests: { storage: '0' } },
      },
      [
        'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
        'spec.resources[storage]: Invalid value: "0": must be greater than zero',
      ],
    ],
  ];
  for (const [name, spec, want] of cases)
    it(name, () => assert.deepEqual(errs(persistentVolumeClaimsResource.validateCreate!(pvc(spec))), want));
  it('spec is immutable except storage on bound claims and a first volumeName', () => {
    const old = pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    const bind = structuredClone(old);
    (bind.spec as Obj).volumeName = 'pv-1';
    assert.deepEqual(persistentVolumeClaimsResource.validateUpdate!(bind, old), []);
    const grow = structuredClone(old);
    (grow.spec as Obj).resources.requests.storage = '2Gi';
    assert.deepEqual(errs(persistentVolumeClaimsResource.validateUpdate!(grow, old)), [
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
    (grow.status as Obj).phase = 'Bound';
    assert.deepEqual(persistentVolumeClaimsResource.validateUpdate!(grow, old), []);
  });
  it('table and access modes', () => {
    assert.equal(
      accessModesString(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod', 'ReadOnlyMany']),
      'RWO,ROX,RWX,RWOP',
    );
    const p = pvc({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'manual',
      resources: { requests: { storage: '3Gi' } },
    });
    assert.deepEqual(
      persistentVolumeClaimsResource.table!.map((c) => c.cell(p, now)),
      ['data', 'Pending', '', '', '', 'manual', '<unset>', '60m', 'Filesystem'],
    );
    (p.spec as Obj).volumeName = 'pv-1';
    p.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } };
    assert.deepEqual(persistentVolumeClaimsResource.table!.map((c) => c.cell(p, now)).slice(0, 5), [
      'data',
      'Bound',
      'pv-1',
      '10Gi',
      'RWO',
    ]);
  });
});

describe('resourcequotas', () => {
  const quota = (spec: Obj, status?: Obj): KubeObject => {
    const o: KubeObject = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: 'default' },
      spec,
    };
    resourceQuotasResource.prepareForCreate!(o, ctx);
    if (status) o.status = status;
    resourceQuotasResource.defaults!(o);
    return o;
  };
  const cases: Array<[string, Obj, string[]]> = [
    [
      'compute',
      { hard: { 'requests.cpu': '1', 'limits.memory': '2Gi', pods: 10, 'count/deployments.apps': '2' } },
      [],
    ],
    [
      'names and integers',
      { hard: { gpus: '1', pods: '1.5', 'requests.cpu': '-1' } },
      [
        'spec.hard[gpus]: Invalid value: "gpus": must be a standard resource type or fully qualified',
        'spec.hard[gpus]: Invalid value: "gpus": must be a standard resource for quota',
        'spec.hard[pods]: Invalid value: "1500m": must be an integer',
        'spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0',
      ],
    ],
    [
      'scopes',
      { hard: { 'requests.cpu': '1' }, scopes: ['BestEffort', 'NotBestEffort'] },
      [
        'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource',
        'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes',
      ],
    ],
    [
      'scope selector operator',
      {
        hard: { pods: '1' },
        scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }] },
      },
      [
        "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
      ],
    ],
  ];
  for (const [name, spec, want] of cases)
    it(name, () => assert.deepEqual(errs(resourceQuotasResource.validateCreate!(quota(spec))), want));
  it('scopes are immutable', () => {
    const old = quota({ hard: { pods: '1' }, scopes: ['NotTerminating'] });
    const next = quota({ hard: { pods: '1' }, scopes: ['Terminating'] });
    assert.deepEqual(errs(resourceQuotasResource.validateUpdate!(next, old)), [
      'spec.scopes: Invalid value: ["Terminating"]: field is immutable',
    ]);
  });
  it('table splits requests and limits', () => {
    const q = quota(
      {},
      {
        hard: { 'limits.cpu': '2', 'requests.cpu': '1', pods: '10' },
        used: { 'requests.cpu': '500m', pods: '3' },
      },
    );
    q.metadata.creationTimestamp = '2025-06-01T11:00:00Z';
    assert.deepEqual(
      resourceQuotasResource.table!.map((c) => c.cell(q, now)),
      ['q', 'pods: 3/10, requests.cpu: 500m/1', 'limits.cpu: 0/2', '60m'],
    );
  });
});

describe('limitranges', () => {
  const lr = (limits: Obj[]): KubeObject => {
    const o: KubeObject = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'l', namespace: 'default', creationTimestamp: '2025-06-01T11:00:00Z' },
      spec: { limits },
    };
    limitRangesResource.defaults!(o);
    return o;
  };
  it('defaults container items from max/min', () => {
    const o = lr([{ type: 'Container', max: { cpu: '800m' }, min: { cpu: '200m', memory: 0.5 } }]);
    assert.deepEqual((o.spec as Obj).limits[0], {
      type: 'Container',
      max: { cpu: '800m' },
      min: { cpu: '200m', memory: '500m' },
      default: { cpu: '800m' },
      defaultRequest: { cpu: '800m', memory: '500m' },
    });
  });
  const cases: Array<[string, Obj[], string[]]> = [
    ['valid', [{ type: 'Container', default: { memory: '512Mi' }, defaultRequest: { memory: '256Mi' } }], []],
    [
      'min above max, duplicate type, Pod defaults',
      [
        { type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } },
        { type: 'Container' },
        { type: 'Pod', default: { cpu: '1' } },
      ],
      [
        'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
        'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
        'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
        'spec.limits[1].type: Duplicate value: "Container"',
        "spec.limits[2].default: Forbidden: may not be specified when `type` is 'Pod'",
      ],
    ],
    [
      'PVC items need storage bounds',
      [{ type: 'PersistentVolumeClaim' }],
      [
        'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
      ],
    ],
  ];
  for (const [name, limits, want] of cases)
    it(name, () => assert.deepEqual(errs(limitRangesResource.validateCreate!(lr(limits))), want));
  it('table is NAME and CREATED AT', () => {
    assert.deepEqual(
      limitRangesResource.table!.map((c) => [c.name, c.type, c.cell(lr([]), now)]),
      [
        ['Name', 'string', 'l'],
        ['Created At', 'date', '2025-06-01T11:00:00Z'],
      ],
    );
  });
});

describe('replicationcontrollers', () => {
  const rc = (spec: Obj, labels?: Record<string, string>): KubeObject => {
    const o: KubeObject = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'nginx', namespace: 'default', creationTimestamp: '2025-06-01T11:00:00Z' },
      spec,
    };
    if (labels) o.metadata.labels = labels;
    replicationControllersResource.prepareForCreate!(o, ctx);
    replicationControllersResource.defaults!(o);
    return o;
  };
  const template = (labels: Record<string, string>, spec: Obj = {}) => ({
    metadata: { labels },
    spec: { containers: [{ name: 'nginx', image: 'nginx' }], ...spec },
  });
  it('defaults selector, labels, replicas and the template', () => {
    const o = rc({ template: template({ app: 'nginx' }) });
    assert.deepEqual(o.metadata.labels, { app: 'nginx' });
    const spec = o.spec as Obj;
    assert.deepEqual(spec.selector, { app: 'nginx' });
    assert.equal(spec.replicas, 1);
    assert.equal(spec.template.spec.restartPolicy, 'Always');
    assert.deepEqual(o.status, { replicas: 0 });
    assert.deepEqual(replicationControllersResource.validateCreate!(o), []);
  });
  const cases: Array<[string, Obj, string[]]> = [
    ['no template', { selector: { app: 'x' } }, ['spec.template: Required value']],
    [
      'selector mismatch, bad restart policy, negative replicas',
      {
        selector: { app: 'x' },
        replicas: -1,
        template: template({ app: 'y' }, { restartPolicy: 'OnFailure', activeDeadlineSeconds: 10 }),
      },
      [
        'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        'spec.template.metadata.labels: Invalid value: {"app":"y"}: `selector` does not match template `labels`',
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported',
      ],
    ],
  ];
  for (const [name, spec, want] of cases)
    it(name, () => assert.deepEqual(errs(replicationControllersResource.validateCreate!(rc(spec))), want));
  it('status validation', () => {
    const o = rc({ template: template({ app: 'nginx' }) });
    o.status = { replicas: 1, readyReplicas: 2, availableReplicas: 2 };
    assert.deepEqual(errs(replicationControllersResource.validateStatusUpdate!(o, o)), [
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });
  it('table and scale', () => {
    const o = rc({ replicas: 3, template: template({ app: 'nginx' }) });
    o.status = { replicas: 3, readyReplicas: 2 };
    assert.deepEqual(
      replicationControllersResource.table!.map((c) => c.cell(o, now)),
      ['nginx', 3, 3, 2, '60m', 'nginx', 'nginx', 'app=nginx'],
    );
    assert.deepEqual(replicationControllersResource.subresources?.scale, {
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
    });
    assert.deepEqual(replicationControllersResource.selectableFields!(o), { 'status.replicas': '3' });
  });
});
