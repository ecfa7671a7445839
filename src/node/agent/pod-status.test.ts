import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import type { ContainerStatus } from '../runtime/interface.js';
import {
  containersReadyCondition,
  generatePodStatus,
  getPhase,
  podInitializedCondition,
  podReadyCondition,
  qosClass,
  type PodStatusInput,
} from './pod-status.js';
import { testPod } from './testing.js';

type CS = api.ContainerStatus;
const running = (name: string, extra: Partial<CS> = {}): CS => ({
  name,
  image: 'i',
  imageID: 'i',
  ready: true,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: '2024-01-01T00:00:00Z' } },
  ...extra,
});
const terminated = (name: string, exitCode: number, extra: Partial<CS> = {}): CS => ({
  name,
  image: 'i',
  imageID: 'i',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode } },
  ...extra,
});
const waiting = (name: string, lastExit?: number): CS => ({
  name,
  image: 'i',
  imageID: 'i',
  ready: false,
  restartCount: 0,
  state: { waiting: { reason: 'ContainerCreating' } },
  ...(lastExit !== undefined ? { lastState: { terminated: { exitCode: lastExit } } } : {}),
});

function pod(
  policy: string,
  containers: string[],
  inits: Array<string | { name: string; sidecar: true }> = [],
): Pod {
  return testPod('p', {
    restartPolicy: policy,
    containers: containers.map((name) => ({ name, image: 'i' })),
    initContainers: inits.map((i) =>
      typeof i === 'string' ? { name: i, image: 'i' } : { name: i.name, image: 'i', restartPolicy: 'Always' },
    ),
  });
}

describe('getPhase (upstream table)', () => {
  const cases: Array<{ name: string; pod: Pod; statuses: CS[]; terminal?: boolean; want: string }> = [
    {
      name: 'all running',
      pod: pod('Always', ['a', 'b']),
      statuses: [running('a'), running('b')],
      want: 'Running',
    },
    {
      name: 'one waiting',
      pod: pod('Always', ['a', 'b']),
      statuses: [running('a'), waiting('b')],
      want: 'Pending',
    },
    { name: 'unknown container', pod: pod('Always', ['a', 'b']), statuses: [running('a')], want: 'Pending' },
    {
      name: 'all stopped, Always restarts',
      pod: pod('Always', ['a']),
      statuses: [terminated('a', 0)],
      want: 'Running',
    },
    {
      name: 'all succeeded, OnFailure',
      pod: pod('OnFailure', ['a']),
      statuses: [terminated('a', 0)],
      want: 'Succeeded',
    },
    {
      name: 'one failed, Never',
      pod: pod('Never', ['a', 'b']),
      statuses: [terminated('a', 0), terminated('b', 1)],
      want: 'Failed',
    },
    {
      name: 'one failed, OnFailure restarts',
      pod: pod('OnFailure', ['a']),
      statuses: [terminated('a', 1)],
      want: 'Running',
    },
    {
      name: 'waiting after a failure counts as stopped',
      pod: pod('Never', ['a']),
      statuses: [waiting('a', 2)],
      want: 'Failed',
    },
    {
      name: 'terminal pod with Always: Failed when one failed',
      pod: pod('Always', ['a', 'b']),
      statuses: [terminated('a', 0), terminated('b', 137)],
      terminal: true,
      want: 'Failed',
    },
    {
      name: 'terminal pod with Always: Succeeded when all exited 0',
      pod: pod('Always', ['a']),
      statuses: [terminated('a', 0)],
      terminal: true,
      want: 'Succeeded',
    },
    {
      name: 'init container running',
      pod: pod('Always', ['a'], ['init']),
      statuses: [running('init'), waiting('a')],
      want: 'Pending',
    },
    {
      name: 'init container failed, Never',
      pod: pod('Never', ['a'], ['init']),
      statuses: [terminated('init', 1), waiting('a')],
      want: 'Failed',
    },
    {
      name: 'init container failed, Always: back to Pending',
      pod: pod('Always', ['a'], ['init']),
      statuses: [waiting('init', 1), waiting('a')],
      want: 'Pending',
    },
    {
      name: 'init done, app running',
      pod: pod('Always', ['a'], ['init']),
      statuses: [terminated('init', 0), running('a')],
      want: 'Running',
    },
    {
      name: 'sidecar not started yet',
      pod: pod('Always', ['a'], [{ name: 'side', sidecar: true }]),
      statuses: [running('side', { started: false }), waiting('a')],
      want: 'Pending',
    },
    {
      name: 'sidecar started and app running',
      pod: pod('Always', ['a'], [{ name: 'side', sidecar: true }]),
      statuses: [running('side'), running('a')],
      want: 'Running',
    },
    {
      name: 'sidecar restarting after the app started keeps Running',
      pod: pod('Always', ['a'], [{ name: 'side', sidecar: true }]),
      statuses: [waiting('side', 1), running('a')],
      want: 'Running',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(getPhase(c.pod, c.statuses, c.terminal ?? false), c.want));
  }
});

describe('pod conditions (upstream messages)', () => {
  it('Initialized: incomplete and unknown init containers, then True once an app container ran', () => {
    const p = pod('Always', ['a'], ['i1', 'i2']);
    assert.deepEqual(podInitializedCondition(p, [running('i1')], 'Pending'), {
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with unknown status: [i2], containers with incomplete status: [i1]',
    });
    assert.deepEqual(podInitializedCondition(p, [terminated('i1', 0), terminated('i2', 0)], 'Pending'), {
      type: 'Initialized',
      status: 'True',
    });
    assert.deepEqual(podInitializedCondition(p, [waiting('i1', 1), running('a')], 'Running'), {
      type: 'Initialized',
      status: 'True',
    });
    assert.deepEqual(podInitializedCondition(p, [terminated('i1', 0), terminated('i2', 0)], 'Succeeded'), {
      type: 'Initialized',
      status: 'True',
      reason: 'PodCompleted',
    });
  });

  const readyCases: Array<{ name: string; statuses: CS[]; phase: string; want: Partial<api.PodCondition> }> =
    [
      {
        name: 'all ready',
        statuses: [running('a'), running('b')],
        phase: 'Running',
        want: { status: 'True' },
      },
      {
        name: 'unready and unknown',
        statuses: [running('a', { ready: false })],
        phase: 'Running',
        want: {
          status: 'False',
          reason: 'ContainersNotReady',
          message: 'containers with unknown status: [b], containers with unready status: [a]',
        },
      },
      {
        name: 'succeeded',
        statuses: [terminated('a', 0), terminated('b', 0)],
        phase: 'Succeeded',
        want: { status: 'False', reason: 'PodCompleted' },
      },
      {
        name: 'failed',
        statuses: [terminated('a', 1), running('b')],
        phase: 'Failed',
        want: { status: 'False', reason: 'PodFailed' },
      },
    ];
  for (const c of readyCases) {
    it(`ContainersReady: ${c.name}`, () => {
      const got = containersReadyCondition(pod('Always', ['a', 'b']), c.statuses, c.phase);
      assert.deepEqual(got, { type: 'ContainersReady', ...c.want });
    });
  }

  it('Ready follows readiness gates', () => {
    const p = pod('Always', ['a']);
    p.spec!.readinessGates = [{ conditionType: 'InPlaceUpdateReady' }, { conditionType: 'example.com/lb' }];
    const statuses = [running('a')];
    assert.deepEqual(
      podReadyCondition(p, [{ type: 'InPlaceUpdateReady', status: 'False' }], statuses, 'Running'),
      {
        type: 'Ready',
        status: 'False',
        reason: 'ReadinessGatesNotReady',
        message:
          'the status of pod readiness gate "InPlaceUpdateReady" is not "True", but False, corresponding condition of pod readiness gate "example.com/lb" does not exist.',
      },
    );
    assert.deepEqual(
      podReadyCondition(
        p,
        [
          { type: 'InPlaceUpdateReady', status: 'True' },
          { type: 'example.com/lb', status: 'True' },
        ],
        statuses,
        'Running',
      ),
      { type: 'Ready', status: 'True' },
    );
  });
});

describe('qosClass', () => {
  const cases: Array<{ name: string; resources: api.ResourceRequirements[]; want: string }> = [
    { name: 'no resources', resources: [{}], want: 'BestEffort' },
    {
      name: 'limits equal requests for cpu and memory',
      resources: [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } }],
      want: 'Guaranteed',
    },
    {
      name: 'limits only (requests default to them)',
      resources: [{ limits: { cpu: '1', memory: '1Gi' } }],
      want: 'Guaranteed',
    },
    { name: 'requests only', resources: [{ requests: { cpu: '100m' } }], want: 'Burstable' },
    {
      name: 'one container without limits',
      resources: [{ limits: { cpu: '1', memory: '1Gi' } }, {}],
      want: 'Burstable',
    },
    {
      name: 'requests below limits',
      resources: [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } }],
      want: 'Burstable',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = testPod('q', {
        containers: c.resources.map((r, i) => ({ name: `c${i}`, image: 'i', resources: r })),
      });
      assert.equal(qosClass(p), c.want);
    });
  }
});

function rt(
  name: string,
  attempt: number,
  state: ContainerStatus['state'],
  extra: Partial<ContainerStatus> = {},
): ContainerStatus {
  const t = new Date(Date.parse('2024-01-01T00:00:00Z') + attempt * 1000);
  return {
    id: `${name}-${attempt}`,
    podUid: 'uid-p',
    name,
    attempt,
    state,
    createdAt: t,
    startedAt: t,
    image: 'busybox',
    imageRef: 'busybox',
    specHash: 'h',
    logPath: '',
    ...(state === 'exited' ? { exitCode: 1, reason: 'Error', finishedAt: new Date(t.getTime() + 500) } : {}),
    ...extra,
  };
}

function input(p: Pod, containers: ContainerStatus[], extra: Partial<PodStatusInput> = {}): PodStatusInput {
  return {
    pod: p,
    containers,
    startFailures: new Map(),
    probeResult: () => undefined,
    sandboxIP: '10.0.0.5',
    hostIP: '10.0.0.5',
    oldStatus: undefined,
    podIsTerminal: false,
    startTime: new Date('2024-01-01T00:00:00Z'),
    ...extra,
  };
}

describe('generatePodStatus', () => {
  it('a new pod: ContainerCreating, Pending, IPs and start time', () => {
    const s = generatePodStatus(input(testPod('p'), [], { sandboxIP: undefined }));
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(s.podIP, undefined);
    assert.equal(s.hostIP, '10.0.0.5');
    assert.equal(s.startTime, '2024-01-01T00:00:00Z');
    assert.equal(s.qosClass, 'BestEffort');
    assert.deepEqual(
      s.conditions?.map((c) => `${c.type}=${c.status}`),
      [
        'PodReadyToStartContainers=False',
        'Initialized=True',
        'Ready=False',
        'ContainersReady=False',
        'PodScheduled=True',
      ],
    );
  });

  it('app containers wait with PodInitializing while init containers run', () => {
    const p = testPod('p', { initContainers: [{ name: 'init', image: 'i' }] });
    const s = generatePodStatus(input(p, [rt('init', 0, 'running')]));
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
    assert.ok(s.initContainerStatuses?.[0]?.state?.running);
    assert.equal(s.phase, 'Pending');
  });

  it('running: containerID, imageID, restartCount and lastState from the previous attempt', () => {
    const s = generatePodStatus(input(testPod('p'), [rt('main', 0, 'exited'), rt('main', 1, 'running')]));
    const cs = s.containerStatuses![0]!;
    assert.equal(cs.containerID, 'skiff://main-1');
    assert.equal(cs.imageID, 'busybox');
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.lastState?.terminated?.reason, 'Error');
    assert.equal(s.phase, 'Running');
    assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('CrashLoopBackOff: waiting with the reason, lastState the terminated container', () => {
    const msg = 'back-off 10s restarting failed container=main pod=p_default(uid-p)';
    const s = generatePodStatus(
      input(testPod('p'), [rt('main', 1, 'exited')], {
        startFailures: new Map([['main', { reason: 'CrashLoopBackOff', message: msg }]]),
      }),
    );
    const cs = s.containerStatuses![0]!;
    assert.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff', message: msg } });
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.restartCount, 1);
    assert.equal(s.phase, 'Running');
  });

  it('readiness and startup probes drive ready and started', () => {
    const p = testPod('p', {
      containers: [
        {
          name: 'main',
          image: 'i',
          readinessProbe: { exec: { command: ['true'] } },
          startupProbe: { exec: { command: ['true'] } },
        },
      ],
    });
    const results = new Map<string, string>();
    const i = input(p, [rt('main', 0, 'running')], {
      probeResult: (id, kind) => results.get(`${id}/${kind}`) as 'Success' | undefined,
    });
    let cs = generatePodStatus(i).containerStatuses![0]!;
    assert.deepEqual([cs.started, cs.ready], [false, false]);
    results.set('main-0/startup', 'Success');
    cs = generatePodStatus(i).containerStatuses![0]!;
    assert.deepEqual([cs.started, cs.ready], [true, false]);
    results.set('main-0/readiness', 'Success');
    cs = generatePodStatus(i).containerStatuses![0]!;
    assert.deepEqual([cs.started, cs.ready], [true, true]);
  });

  it('a terminal phase in the API is never left', () => {
    const p = testPod('p');
    p.status = { phase: 'Failed', reason: 'OutOfcpu', message: 'Pod was rejected: x' };
    const s = generatePodStatus(input(p, [rt('main', 0, 'running')]));
    assert.equal(s.phase, 'Failed');
    assert.equal(s.reason, 'OutOfcpu');
  });

  it('keeps conditions it does not own out of its output', () => {
    const p = testPod('p');
    p.status = { conditions: [{ type: 'DisruptionTarget', status: 'True' }] };
    const s = generatePodStatus(input(p, []));
    assert.ok(!s.conditions?.some((c) => c.type === 'DisruptionTarget'));
    assert.equal(s.conditions?.at(-1)?.type, 'PodScheduled', 'written True as upstream');
  });

  it('app statuses are sorted by name, init statuses keep spec order', () => {
    const p = testPod('p', {
      containers: [
        { name: 'zeta', image: 'i' },
        { name: 'alpha', image: 'i' },
      ],
      initContainers: [
        { name: 'second', image: 'i' },
        { name: 'first', image: 'i' },
      ],
    });
    const s = generatePodStatus(input(p, []));
    assert.deepEqual(
      s.containerStatuses?.map((c) => c.name),
      ['alpha', 'zeta'],
    );
    assert.deepEqual(
      s.initContainerStatuses?.map((c) => c.name),
      ['second', 'first'],
    );
  });
});
