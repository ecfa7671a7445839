import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorString } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { StrategyContext } from '../../resource.js';
import {
  bindingsResource,
  podGracePeriod,
  podRow,
  podTemplatesResource,
  podsResource,
  validatePodEphemeralContainersUpdate,
  syncStatusIPs,
} from './pods.js';

type Obj = Record<string, any>;
const now = new Date('2025-06-01T12:00:00Z');
const ctx: StrategyContext = { now, subresource: '' };
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();

function pod(spec: Obj = {}, status: Obj = {}, meta: Obj = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(90_000), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
    status,
  };
}

/** Create path: prepare, default, validate. */
function created(p: KubeObject): KubeObject {
  podsResource.prepareForCreate!(p, ctx);
  podsResource.defaults!(p);
  return p;
}

function createErrors(p: KubeObject): string[] {
  return podsResource.validateCreate!(created(p)).map(fieldErrorString);
}

describe('pod create', () => {
  it('starts Pending with the QoS class and default spec', () => {
    const p = created(
      pod(
        { containers: [{ name: 'app', image: 'nginx', resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
        { phase: 'Running' },
      ),
    );
    assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'Guaranteed' });
    const spec = p.spec as Obj;
    assert.equal(spec.enableServiceLinks, true);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.containers[0].resources.requests, { cpu: '1', memory: '1Gi' });
    assert.deepEqual(createErrors(p), []);
  });

  it('marks gated pods SchedulingGated', () => {
    const p = created(pod({ schedulingGates: [{ name: 'example.com/wait' }] }));
    assert.deepEqual((p.status as Obj).conditions, [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ]);
  });

  it('turns matchLabelKeys into selector requirements', () => {
    const term = {
      labelSelector: { matchLabels: { app: 'web' } },
      topologyKey: 'zone',
      matchLabelKeys: ['version'],
    };
    const p = created(
      pod(
        { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } },
        {},
        { labels: { app: 'web', version: 'v2' } },
      ),
    );
    const sel = (p.spec as Obj).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]
      .labelSelector;
    assert.deepEqual(sel.matchExpressions, [{ key: 'version', operator: 'In', values: ['v2'] }]);
  });

  it('mirrors AppArmor fields into the deprecated annotation', () => {
    const p = created(pod({ securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } }));
    assert.equal(
      p.metadata.annotations?.['container.apparmor.security.beta.kubernetes.io/app'],
      'runtime/default',
    );
  });

  const cases: Array<[string, KubeObject, string[]]> = [
    [
      'ephemeral containers only through the subresource',
      pod({ ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] }),
      ['spec.ephemeralContainers: Forbidden: cannot be set on create'],
    ],
    [
      'image whitespace is pod-only',
      pod({ containers: [{ name: 'app', image: ' nginx' }] }),
      ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    ],
    [
      'nodeName with scheduling gates',
      pod({ nodeName: 'node-1', schedulingGates: [{ name: 'gate' }] }),
      ['spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared'],
    ],
    [
      'projected token without a service account',
      pod({
        volumes: [{ name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
      }),
      [
        'spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set',
      ],
    ],
    [
      'deletion cost annotation',
      pod({}, {}, { annotations: { 'controller.kubernetes.io/pod-deletion-cost': 'lots' } }),
      [
        'metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "lots": must be a 32bit integer',
      ],
    ],
  ];
  for (const [name, p, want] of cases) it(name, () => assert.deepEqual(createErrors(p), want));
});

const PREFIX =
  'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

describe('pod update', () => {
  const base = (): KubeObject =>
    created(
      pod({
        tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }],
        activeDeadlineSeconds: 100,
      }),
    );
  const update = (mutate: (s: Obj) => void): string[] => {
    const old = base();
    const next = structuredClone(old);
    mutate(next.spec as Obj);
    podsResource.prepareForUpdate!(next, old, ctx);
    podsResource.defaults!(next);
    return podsResource.validateUpdate!(next, old).map(fieldErrorString);
  };
  const ok: Array<[string, (s: Obj) => void]> = [
    ['image change', (s) => (s.containers[0].image = 'nginx:1.28')],
    ['lower activeDeadlineSeconds', (s) => (s.activeDeadlineSeconds = 50)],
    ['added toleration', (s) => s.tolerations.push({ key: 'b', operator: 'Exists' })],
    ['changed tolerationSeconds', (s) => (s.tolerations[0].tolerationSeconds = 20)],
    ['removed tolerationSeconds', (s) => delete s.tolerations[0].tolerationSeconds],
    ['an empty toleration value', (s) => (s.tolerations[0].value = '')],
  ];
  for (const [name, m] of ok) it(`allows ${name}`, () => assert.deepEqual(update(m), []));

  it('allows keeping a toleration that has no tolerationSeconds', () => {
    const old = created(pod({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }] }));
    const next = structuredClone(old);
    next.metadata.labels = { changed: 'yes' };
    podsResource.prepareForUpdate!(next, old, ctx);
    assert.deepEqual(podsResource.validateUpdate!(next, old).map(fieldErrorString), []);
  });
  it('rejects other spec changes with upstream message', () => {
    const errs = update((s) => (s.containers[0].command = ['sh']));
    assert.equal(errs.length, 1);
    assert.ok(errs[0]!.startsWith(`${PREFIX}\n`), errs[0]);
    assert.ok(errs[0]!.includes('spec.containers[0].command'), errs[0]);
  });
  it('rejects adding containers', () => {
    assert.deepEqual(
      update((s) => s.containers.push({ name: 'b', image: 'x' })),
      ['spec.containers: Forbidden: pod updates may not add or remove containers'],
    );
  });
  it('rejects raising activeDeadlineSeconds', () => {
    assert.deepEqual(
      update((s) => (s.activeDeadlineSeconds = 500)),
      ['spec.activeDeadlineSeconds: Invalid value: 500: must be less than or equal to previous value'],
    );
  });
  it('rejects modifying an existing toleration', () => {
    assert.deepEqual(
      update((s) => (s.tolerations[0].key = 'z')),
      ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'],
    );
  });
  it('rejects adding scheduling gates', () => {
    const errs = update((s) => (s.schedulingGates = [{ name: 'g' }]));
    assert.equal(
      errs[0],
      "spec.schedulingGates[0].name: Forbidden: only deletion is allowed, but found new scheduling gate 'g'",
    );
  });
});

describe('pod status update', () => {
  const statusUpdate = (mutate: (p: KubeObject) => void, restartPolicy = 'Never'): string[] => {
    const old = created(pod({ restartPolicy }));
    (old.status as Obj).containerStatuses = [{ name: 'app', state: { terminated: { exitCode: 0 } } }];
    const next = structuredClone(old);
    mutate(next);
    podsResource.prepareForUpdate!(next, old, { now, subresource: 'status' });
    return podsResource.validateStatusUpdate!(next, old).map(fieldErrorString);
  };
  it('keeps the spec from the old object', () => {
    assert.deepEqual(
      statusUpdate((p) => ((p.spec as Obj).nodeName = 'n1')),
      [],
    );
  });
  it('keeps an omitted qosClass', () => {
    assert.deepEqual(
      statusUpdate((p) => delete (p.status as Obj).qosClass),
      [],
    );
  });
  const cases: Array<[string, (p: KubeObject) => void, string[]]> = [
    [
      'qosClass is immutable',
      (p) => ((p.status as Obj).qosClass = 'Burstable'),
      ['status.qosClass: Invalid value: "Burstable": field is immutable'],
    ],
    [
      'terminated containers stay terminated under restartPolicy Never',
      (p) => ((p.status as Obj).containerStatuses = [{ name: 'app', state: { running: {} } }]),
      ['status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state'],
    ],
    [
      'pod IPs',
      (p) => ((p.status as Obj).podIPs = [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]),
      [
        'status.podIPs: Invalid value: [{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}]: may specify no more than one IP for each IP family',
      ],
    ],
  ];
  for (const [name, m, want] of cases) it(name, () => assert.deepEqual(statusUpdate(m), want));
  it('allows restarts under restartPolicy Always', () => {
    assert.deepEqual(
      statusUpdate(
        (p) => ((p.status as Obj).containerStatuses = [{ name: 'app', state: { running: {} } }]),
        'Always',
      ),
      [],
    );
  });
});

describe('ephemeral containers update', () => {
  it('forbids changing an existing ephemeral container', () => {
    const old = created(pod());
    (old.spec as Obj).ephemeralContainers = [
      { name: 'dbg', image: 'busybox', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' },
    ];
    const next = structuredClone(old);
    (next.spec as Obj).ephemeralContainers[0].image = 'alpine';
    const errs = validatePodEphemeralContainersUpdate(next, old).map(fieldErrorString);
    assert.equal(errs.length, 1);
    assert.ok(
      errs[0]!.startsWith(
        'spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed',
      ),
    );
  });
});

describe('pod status IPs kept in step (v1 conversion)', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['podIP fills podIPs', { podIP: '10.0.0.1' }, { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }] }],
    [
      'podIPs fills podIP',
      { podIPs: [{ ip: '10.0.0.2' }, { ip: 'fd00::2' }] },
      { podIP: '10.0.0.2', podIPs: [{ ip: '10.0.0.2' }, { ip: 'fd00::2' }] },
    ],
    [
      'podIP wins when they differ',
      { podIP: '10.0.0.3', podIPs: [{ ip: '10.0.0.9' }] },
      { podIP: '10.0.0.3', podIPs: [{ ip: '10.0.0.3' }] },
    ],
    [
      'hostIP fills hostIPs',
      { hostIP: '192.168.1.1' },
      { hostIP: '192.168.1.1', hostIPs: [{ ip: '192.168.1.1' }] },
    ],
    [
      'hostIPs fills hostIP',
      { hostIPs: [{ ip: '192.168.1.2' }] },
      { hostIP: '192.168.1.2', hostIPs: [{ ip: '192.168.1.2' }] },
    ],
    ['nothing set stays so', { phase: 'Pending' }, { phase: 'Pending' }],
  ];
  for (const [name, status, want] of cases) {
    it(name, () => {
      const pod: Record<string, unknown> = { status: structuredClone(status) };
      syncStatusIPs(pod);
      assert.deepEqual(pod.status, want);
    });
  }
});

describe('pod grace period', () => {
  const cases: Array<[string, KubeObject, number | undefined, number]> = [
    ['unscheduled pods go at once', pod(), undefined, 0],
    ['scheduled pods use the spec value', created(pod({ nodeName: 'n1' })), undefined, 30],
    ['a requested value wins', created(pod({ nodeName: 'n1' })), 5, 5],
    [
      'terminal pods go at once',
      pod({ nodeName: 'n1', terminationGracePeriodSeconds: 30 }, { phase: 'Succeeded' }),
      undefined,
      0,
    ],
    ['negative becomes 1', pod({ nodeName: 'n1', terminationGracePeriodSeconds: -5 }), undefined, 1],
  ];
  for (const [name, p, req, want] of cases) it(name, () => assert.equal(podGracePeriod(p, req), want));
});

describe('pod table', () => {
  const running = { running: { startedAt: ago(60_000) } };
  const cases: Array<[string, KubeObject, { ready: string; status: string; restarts: string }]> = [
    ['pending', pod({}, { phase: 'Pending' }), { ready: '0/1', status: 'Pending', restarts: '0' }],
    [
      'running and ready',
      pod(
        {},
        {
          phase: 'Running',
          containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
        },
      ),
      { ready: '1/1', status: 'Running', restarts: '0' },
    ],
    [
      'container creating',
      pod(
        {},
        {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ContainerCreating' } },
            },
          ],
        },
      ),
      { ready: '0/1', status: 'ContainerCreating', restarts: '0' },
    ],
    [
      'crash loop with last restart',
      pod(
        {},
        {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 5,
              state: { waiting: { reason: 'CrashLoopBackOff' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * 60_000) } },
            },
          ],
        },
      ),
      { ready: '0/1', status: 'CrashLoopBackOff', restarts: '5 (5m ago)' },
    ],
    [
      'init container running',
      pod(
        { initContainers: [{ name: 'init', image: 'busybox' }] },
        {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: running }],
          containerStatuses: [
            { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
          ],
        },
      ),
      { ready: '0/1', status: 'Init:0/1', restarts: '0' },
    ],
    [
      'init container image pull',
      pod(
        { initContainers: [{ name: 'init', image: 'busybox' }] },
        {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'init', restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } },
          ],
        },
      ),
      { ready: '0/1', status: 'Init:ErrImagePull', restarts: '0' },
    ],
    [
      'init container failed',
      pod(
        { initContainers: [{ name: 'init', image: 'busybox' }] },
        {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'init', restartCount: 2, state: { terminated: { exitCode: 3 } } }],
        },
      ),
      { ready: '0/1', status: 'Init:ExitCode:3', restarts: '2' },
    ],
    [
      'init done, containers starting',
      pod(
        { initContainers: [{ name: 'init', image: 'busybox' }] },
        {
          phase: 'Pending',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [
            { name: 'init', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          ],
          containerStatuses: [
            { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
          ],
        },
      ),
      { ready: '0/1', status: 'PodInitializing', restarts: '0' },
    ],
    [
      'sidecar counts as a container',
      pod(
        { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [
            { name: 'proxy', ready: true, started: true, restartCount: 1, state: running },
          ],
          containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
        },
      ),
      { ready: '2/2', status: 'Running', restarts: '1' },
    ],
    [
      'completed',
      pod(
        {},
        {
          phase: 'Succeeded',
          containerStatuses: [
            { name: 'app', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          ],
        },
      ),
      { ready: '0/1', status: 'Completed', restarts: '0' },
    ],
    [
      'error',
      pod(
        {},
        {
          phase: 'Failed',
          containerStatuses: [
            { name: 'app', restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } },
          ],
        },
      ),
      { ready: '0/1', status: 'Error', restarts: '0' },
    ],
    [
      'one completed, one still running without Ready',
      pod(
        {
          containers: [
            { name: 'a', image: 'x' },
            { name: 'b', image: 'y' },
          ],
        },
        {
          phase: 'Running',
          containerStatuses: [
            { name: 'a', ready: true, restartCount: 0, state: running },
            {
              name: 'b',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 0, reason: 'Completed' } },
            },
          ],
        },
      ),
      { ready: '1/2', status: 'NotReady', restarts: '0' },
    ],
    [
      'terminating',
      pod(
        {},
        {
          phase: 'Running',
          containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
        },
        { deletionTimestamp: ago(1000) },
      ),
      { ready: '1/1', status: 'Terminating', restarts: '0' },
    ],
    [
      'scheduling gated',
      pod(
        {},
        {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
        },
      ),
      { ready: '0/1', status: 'SchedulingGated', restarts: '0' },
    ],
    [
      'evicted',
      pod({}, { phase: 'Failed', reason: 'Evicted' }),
      { ready: '0/1', status: 'Evicted', restarts: '0' },
    ],
  ];
  for (const [name, p, want] of cases) it(name, () => assert.deepEqual(podRow(p, now), want));

  it('has upstream columns and wide cells', () => {
    const p = pod(
      {
        nodeName: 'node-1',
        readinessGates: [{ conditionType: 'example.com/a' }, { conditionType: 'example.com/b' }],
      },
      {
        phase: 'Running',
        podIPs: [{ ip: '10.244.0.5' }],
        conditions: [{ type: 'example.com/a', status: 'True' }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
      },
    );
    const table = podsResource.table!;
    assert.deepEqual(
      table.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Ready', 0],
        ['Status', 0],
        ['Restarts', 0],
        ['Age', 0],
        ['IP', 1],
        ['Node', 1],
        ['Nominated Node', 1],
        ['Readiness Gates', 1],
      ],
    );
    assert.deepEqual(
      table.map((c) => c.cell(p, now)),
      ['web', '1/1', 'Running', '0', '90s', '10.244.0.5', 'node-1', '<none>', '1/2'],
    );
  });
});

describe('pod selectable fields', () => {
  it('exposes upstream field labels', () => {
    const p = created(pod({ nodeName: 'n1', hostNetwork: true }));
    (p.status as Obj).podIPs = [{ ip: '10.0.0.9' }];
    assert.deepEqual(podsResource.selectableFields!(p), {
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': '',
      'spec.hostNetwork': 'true',
      'status.phase': 'Pending',
      'status.podIP': '10.0.0.9',
      'status.podIPs': '',
      'status.nominatedNodeName': '',
    });
  });
});

describe('bindings', () => {
  const cases: Array<[Obj, string[]]> = [
    [{ target: { kind: 'Node', name: 'n1' } }, []],
    [{ target: { name: 'n1' } }, []],
    [
      { target: { kind: 'Pod' } },
      [
        'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
        'target.name: Required value',
      ],
    ],
  ];
  for (const [b, want] of cases) {
    it(JSON.stringify(b), () => {
      const obj: KubeObject = { metadata: { name: 'p' }, ...b };
      assert.deepEqual(bindingsResource.validateCreate!(obj).map(fieldErrorString), want);
    });
  }
  it('is create-only', () => assert.deepEqual(bindingsResource.verbs, ['create']));
});

describe('pod templates', () => {
  it('defaults and validates the template at template.*', () => {
    const t: KubeObject = {
      metadata: { name: 't' },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }] } },
    };
    podTemplatesResource.defaults!(t);
    assert.equal((t.template as Obj).metadata.creationTimestamp, null);
    assert.deepEqual(podTemplatesResource.validateCreate!(t).map(fieldErrorString), [
      'template.spec.containers[0].image: Required value',
    ]);
    assert.deepEqual(
      podTemplatesResource.table!.map((c) => c.cell(t, now)),
      ['t', 'c', '', 'a=b'],
    );
  });
});
