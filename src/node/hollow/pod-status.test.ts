import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import { formatDuration, parseDuration } from './duration.js';
import {
  CONTAINER_ID_SCHEME,
  hollowContainerID,
  hollowImageID,
  hollowPodStatus,
  podPhase,
  restartDelay,
} from './pod-status.js';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const at = (s: number): Date => new Date(T0 + s * 1000);
const iso = (s: number): string => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');
const CTX = { hostIP: '172.16.0.1', podIP: '10.0.0.2' };

function pod(opts: {
  annotations?: Record<string, string>;
  restartPolicy?: string;
  containers?: api.Container[];
  initContainers?: api.Container[];
  readinessGates?: api.PodReadinessGate[];
  status?: api.PodStatus;
}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'uid-1', annotations: opts.annotations },
    spec: {
      nodeName: 'hollow-node-0',
      restartPolicy: opts.restartPolicy ?? 'Always',
      containers: opts.containers ?? [{ name: 'main', image: 'nginx:1.25' }],
      ...(opts.initContainers ? { initContainers: opts.initContainers } : {}),
      ...(opts.readinessGates ? { readinessGates: opts.readinessGates } : {}),
    },
    status: opts.status ?? { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

/** Applies the computed status at each time in turn, as the pool does, and returns the last result. */
function run(p: Pod, seconds: number[]): { pod: Pod; result: ReturnType<typeof hollowPodStatus> } {
  let cur = p;
  let result = hollowPodStatus(cur, { ...CTX, now: at(seconds[0]!) });
  for (const s of seconds) {
    result = hollowPodStatus(cur, { ...CTX, now: at(s) });
    cur = { ...cur, status: { ...cur.status, ...result.status } };
  }
  return { pod: cur, result };
}

function cond(status: api.PodStatus, type: string): api.PodCondition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

function main(status: api.PodStatus): api.ContainerStatus {
  return status.containerStatuses![0]!;
}

describe('hollowPodStatus: a new pod', () => {
  const { result } = run(pod({}), [0]);
  const s = result.status;

  it('is Running with IPs and a start time', () => {
    assert.equal(s.phase, 'Running');
    assert.equal(s.hostIP, '172.16.0.1');
    assert.deepEqual(s.hostIPs, [{ ip: '172.16.0.1' }]);
    assert.equal(s.podIP, '10.0.0.2');
    assert.deepEqual(s.podIPs, [{ ip: '10.0.0.2' }]);
    assert.equal(s.startTime, iso(0));
    assert.equal(result.changed, true);
    assert.equal(result.nextAt, undefined);
  });

  it('has the five kubelet conditions, all True, in upstream order', () => {
    assert.deepEqual(s.conditions, [
      { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: iso(0) },
      { type: 'Initialized', status: 'True', lastTransitionTime: iso(0) },
      { type: 'Ready', status: 'True', lastTransitionTime: iso(0) },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: iso(0) },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(0) },
    ]);
  });

  it('reports an upstream-shaped container status', () => {
    assert.deepEqual(main(s), {
      name: 'main',
      state: { running: { startedAt: iso(0) } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: 'nginx:1.25',
      imageID: hollowImageID('nginx:1.25'),
      containerID: hollowContainerID('uid-1', 'main', 0),
      started: true,
    });
    assert.match(main(s).imageID, /^nginx@sha256:[0-9a-f]{64}$/);
    assert.ok(main(s).containerID!.startsWith(CONTAINER_ID_SCHEME));
  });

  it('is stable: recomputing later changes nothing and keeps timestamps', () => {
    const again = run(pod({}), [0, 50, 100]).result;
    assert.equal(again.changed, false);
    assert.equal(again.signature, result.signature);
    assert.equal(again.status.startTime, iso(0));
    assert.equal(cond(again.status, 'Ready')!.lastTransitionTime, iso(0));
  });

  it('keeps the transition time of a PodScheduled condition set at binding', () => {
    const bound = pod({
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: iso(-5) }],
      },
    });
    const r = hollowPodStatus(bound, { ...CTX, now: at(0) });
    assert.equal(cond(r.status, 'PodScheduled')!.lastTransitionTime, iso(-5));
  });
});

interface StageCase {
  name: string;
  annotations: Record<string, string>;
  restartPolicy: string;
  /** Times (seconds) at which the pool recomputes. */
  times: number[];
  phase: string;
  state: 'running' | 'terminated' | 'waiting';
  restartCount: number;
  exitCode?: number;
  reason?: string;
  ready: { status: string; reason?: string; message?: string };
  nextAt?: number;
  waitingMessage?: string;
}

const STAGES: StageCase[] = [
  {
    name: 'complete-after, before its time: Running, next check at the end',
    annotations: { 'skiff.dev/complete-after': '30s' },
    restartPolicy: 'Never',
    times: [0, 10],
    phase: 'Running',
    state: 'running',
    restartCount: 0,
    ready: { status: 'True' },
    nextAt: 30,
  },
  {
    name: 'complete-after under Never: Succeeded',
    annotations: { 'skiff.dev/complete-after': '30s' },
    restartPolicy: 'Never',
    times: [0, 31],
    phase: 'Succeeded',
    state: 'terminated',
    restartCount: 0,
    exitCode: 0,
    reason: 'Completed',
    ready: { status: 'False', reason: 'PodCompleted' },
  },
  {
    name: 'complete-after under OnFailure: Succeeded',
    annotations: { 'skiff.dev/complete-after': '1m' },
    restartPolicy: 'OnFailure',
    times: [0, 60],
    phase: 'Succeeded',
    state: 'terminated',
    restartCount: 0,
    exitCode: 0,
    reason: 'Completed',
    ready: { status: 'False', reason: 'PodCompleted' },
  },
  {
    name: 'fail-after under Never: Failed',
    annotations: { 'skiff.dev/fail-after': '5s' },
    restartPolicy: 'Never',
    times: [0, 7],
    phase: 'Failed',
    state: 'terminated',
    restartCount: 0,
    exitCode: 1,
    reason: 'Error',
    ready: { status: 'False', reason: 'PodFailed' },
  },
  {
    name: 'the earlier of fail-after and complete-after wins',
    annotations: { 'skiff.dev/fail-after': '50s', 'skiff.dev/complete-after': '10s' },
    restartPolicy: 'Never',
    times: [0, 60],
    phase: 'Succeeded',
    state: 'terminated',
    restartCount: 0,
    exitCode: 0,
    reason: 'Completed',
    ready: { status: 'False', reason: 'PodCompleted' },
  },
  {
    name: 'fail-after under OnFailure: the first restart is immediate',
    annotations: { 'skiff.dev/fail-after': '5s' },
    restartPolicy: 'OnFailure',
    times: [0, 5],
    phase: 'Running',
    state: 'running',
    restartCount: 1,
    ready: { status: 'True' },
    nextAt: 10,
  },
  {
    name: 'fail-after under OnFailure: the second waits 10s in CrashLoopBackOff',
    annotations: { 'skiff.dev/fail-after': '5s' },
    restartPolicy: 'OnFailure',
    times: [0, 5, 12],
    phase: 'Running',
    state: 'waiting',
    restartCount: 1,
    ready: {
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [main]',
    },
    nextAt: 20,
    waitingMessage: 'back-off 10s restarting failed container=main pod=p_default(uid-1)',
  },
  {
    name: 'fail-after under OnFailure: running again after the back-off',
    annotations: { 'skiff.dev/fail-after': '5s' },
    restartPolicy: 'OnFailure',
    times: [0, 5, 12, 20],
    phase: 'Running',
    state: 'running',
    restartCount: 2,
    ready: { status: 'True' },
    nextAt: 25,
  },
  {
    name: 'complete-after under Always restarts, as the kubelet does',
    annotations: { 'skiff.dev/complete-after': '10s' },
    restartPolicy: 'Always',
    times: [0, 10],
    phase: 'Running',
    state: 'running',
    restartCount: 1,
    ready: { status: 'True' },
    nextAt: 20,
  },
  {
    // Restarts at 1, 12, 33, 74, 155, 316, 617, 918 (10 s doubling, capped at 5 min); fails again at 919.
    name: 'catching up a long history in one step',
    annotations: { 'skiff.dev/fail-after': '1s' },
    restartPolicy: 'Always',
    times: [0, 1000],
    phase: 'Running',
    state: 'waiting',
    restartCount: 8,
    ready: {
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [main]',
    },
    nextAt: 1219,
    waitingMessage: 'back-off 5m0s restarting failed container=main pod=p_default(uid-1)',
  },
  {
    name: 'an unparsable annotation is ignored',
    annotations: { 'skiff.dev/complete-after': 'soon' },
    restartPolicy: 'Never',
    times: [0, 1000],
    phase: 'Running',
    state: 'running',
    restartCount: 0,
    ready: { status: 'True' },
  },
];

describe('hollowPodStatus: stages and restarts', () => {
  for (const tc of STAGES) {
    it(tc.name, () => {
      const { result } = run(pod({ annotations: tc.annotations, restartPolicy: tc.restartPolicy }), tc.times);
      const s = result.status;
      const cs = main(s);
      assert.equal(s.phase, tc.phase);
      assert.equal(cs.restartCount, tc.restartCount);
      assert.ok(cs.state?.[tc.state], `state ${JSON.stringify(cs.state)}`);
      if (tc.exitCode !== undefined) {
        assert.equal(cs.state?.terminated?.exitCode, tc.exitCode);
        assert.equal(cs.state?.terminated?.reason, tc.reason);
        assert.equal(cs.ready, false);
        assert.equal(cs.started, false);
      }
      const ready = cond(s, 'Ready')!;
      assert.equal(ready.status, tc.ready.status);
      assert.equal(ready.reason, tc.ready.reason);
      assert.equal(ready.message, tc.ready.message);
      assert.equal(result.nextAt, tc.nextAt === undefined ? undefined : T0 + tc.nextAt * 1000);
      if (tc.waitingMessage) {
        assert.deepEqual(cs.state?.waiting, { reason: 'CrashLoopBackOff', message: tc.waitingMessage });
      }
      if (cs.restartCount > 0) assert.ok(cs.lastState?.terminated, 'a restarted container has a lastState');
    });
  }

  it('a finished pod: terminated times, conditions, and nothing more to do', () => {
    const { result } = run(
      pod({ annotations: { 'skiff.dev/complete-after': '30s' }, restartPolicy: 'Never' }),
      [0, 45],
    );
    const s = result.status;
    assert.deepEqual(main(s).state, {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: iso(0),
        finishedAt: iso(30),
        containerID: hollowContainerID('uid-1', 'main', 0),
      },
    });
    assert.deepEqual(
      s.conditions!.map((c) => [c.type, c.status, c.reason]),
      [
        ['PodReadyToStartContainers', 'False', undefined],
        ['Initialized', 'True', 'PodCompleted'],
        ['Ready', 'False', 'PodCompleted'],
        ['ContainersReady', 'False', 'PodCompleted'],
        ['PodScheduled', 'True', undefined],
      ],
    );
    assert.equal(cond(s, 'Ready')!.lastTransitionTime, iso(45));
    assert.equal(cond(s, 'PodScheduled')!.lastTransitionTime, iso(0));
  });

  it('leaves Succeeded and Failed pods alone', () => {
    for (const phase of ['Succeeded', 'Failed']) {
      const p = pod({ status: { phase, reason: 'OutOfcpu' } });
      const r = hollowPodStatus(p, { ...CTX, now: at(0) });
      assert.equal(r.changed, false);
      assert.equal(r.status, p.status);
    }
  });
});

describe('hollowPodStatus: image changes, init containers, readiness gates', () => {
  it('a changed image restarts only that container', () => {
    const containers = [
      { name: 'app', image: 'app:v1' },
      { name: 'side', image: 'side:v1' },
    ];
    const { pod: running } = run(pod({ containers }), [0]);
    const updated: Pod = {
      ...running,
      spec: { ...running.spec!, containers: [{ name: 'app', image: 'app:v2' }, containers[1]!] },
    };
    const r = hollowPodStatus(updated, { ...CTX, now: at(60) });
    const [app, side] = r.status.containerStatuses!;
    assert.equal(r.changed, true);
    assert.equal(r.status.phase, 'Running');
    assert.equal(app!.image, 'app:v2');
    assert.equal(app!.imageID, hollowImageID('app:v2'));
    assert.equal(app!.restartCount, 1);
    assert.deepEqual(app!.state, { running: { startedAt: iso(60) } });
    assert.deepEqual(app!.lastState, {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: iso(0),
        finishedAt: iso(60),
        containerID: hollowContainerID('uid-1', 'app', 0),
      },
    });
    assert.notEqual(app!.containerID, hollowContainerID('uid-1', 'app', 0));
    assert.deepEqual(side, running.status!.containerStatuses![1]);
    assert.equal(r.status.podIP, running.status!.podIP);
    assert.equal(r.status.startTime, iso(0));
  });

  it('init containers complete; sidecars run and count for readiness', () => {
    const p = pod({
      initContainers: [
        { name: 'setup', image: 'busybox' },
        { name: 'proxy', image: 'envoy', restartPolicy: 'Always' },
      ],
    });
    const s = hollowPodStatus(p, { ...CTX, now: at(0) }).status;
    const [setup, proxy] = s.initContainerStatuses!;
    assert.deepEqual(setup!.state, {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: iso(0),
        finishedAt: iso(0),
        containerID: hollowContainerID('uid-1', 'setup', 0),
      },
    });
    assert.equal(setup!.ready, true);
    assert.equal(setup!.started, false);
    assert.deepEqual(proxy!.state, { running: { startedAt: iso(0) } });
    assert.equal(proxy!.ready, true);
    assert.equal(proxy!.started, true);
    assert.equal(cond(s, 'Ready')!.status, 'True');
  });

  it('a finished pod stops its sidecars', () => {
    const p = pod({
      restartPolicy: 'Never',
      annotations: { 'skiff.dev/complete-after': '10s' },
      initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }],
    });
    const { result } = run(p, [0, 20]);
    assert.equal(result.status.phase, 'Succeeded');
    const proxy = result.status.initContainerStatuses![0]!;
    assert.equal(proxy.state?.terminated?.finishedAt, iso(10));
    assert.equal(proxy.ready, false);
  });

  const GATES: Array<{ name: string; conditions: api.PodCondition[]; ready: string; message?: string }> = [
    {
      name: 'missing gate condition',
      conditions: [],
      ready: 'False',
      message: 'corresponding condition of pod readiness gate "InPlaceUpdateReady" does not exist.',
    },
    {
      name: 'gate condition False',
      conditions: [{ type: 'InPlaceUpdateReady', status: 'False' }],
      ready: 'False',
      message: 'the status of pod readiness gate "InPlaceUpdateReady" is not "True", but False',
    },
    {
      name: 'gate condition True',
      conditions: [{ type: 'InPlaceUpdateReady', status: 'True' }],
      ready: 'True',
    },
  ];
  for (const g of GATES) {
    it(`readiness gate: ${g.name}`, () => {
      const p = pod({
        readinessGates: [{ conditionType: 'InPlaceUpdateReady' }],
        status: { phase: 'Pending', conditions: g.conditions },
      });
      const s = hollowPodStatus(p, { ...CTX, now: at(0) }).status;
      const ready = cond(s, 'Ready')!;
      assert.equal(ready.status, g.ready);
      assert.equal(ready.message, g.message);
      assert.equal(ready.reason, g.message ? 'ReadinessGatesNotReady' : undefined);
      assert.equal(cond(s, 'ContainersReady')!.status, 'True');
      assert.equal(cond(s, 'InPlaceUpdateReady'), undefined, 'other conditions are not part of the patch');
    });
  }
});

describe('podPhase (upstream getPhase over app containers)', () => {
  const R: api.ContainerStatus = {
    name: 'a',
    image: '',
    imageID: '',
    ready: true,
    restartCount: 0,
    state: { running: {} },
  };
  const T0s: api.ContainerStatus = { ...R, state: { terminated: { exitCode: 0 } } };
  const T1: api.ContainerStatus = { ...R, state: { terminated: { exitCode: 1 } } };
  const W: api.ContainerStatus = { ...R, state: { waiting: { reason: 'ContainerCreating' } } };
  const WB: api.ContainerStatus = { ...W, lastState: { terminated: { exitCode: 1 } } };
  const U: api.ContainerStatus = { ...R, state: {} };
  const CASES: Array<[string, api.ContainerStatus[], string, string]> = [
    ['running', [R], 'Always', 'Running'],
    ['waiting to start', [R, W], 'Always', 'Pending'],
    ['back-off counts as stopped', [WB], 'Always', 'Running'],
    ['all succeeded, Never', [T0s, T0s], 'Never', 'Succeeded'],
    ['all succeeded, OnFailure', [T0s], 'OnFailure', 'Succeeded'],
    ['one failed, Never', [T0s, T1], 'Never', 'Failed'],
    ['one failed, OnFailure', [T0s, T1], 'OnFailure', 'Running'],
    ['stopped under Always', [T0s], 'Always', 'Running'],
    ['one running, one done', [R, T1], 'Never', 'Running'],
    ['unknown', [U], 'Always', 'Pending'],
  ];
  for (const [name, statuses, policy, phase] of CASES) {
    it(name, () => assert.equal(podPhase(statuses, policy), phase));
  }
});

describe('restartDelay', () => {
  const CASES: Array<[number, number, number]> = [
    [0, 0, 0],
    [1, 0, 10_000],
    [2, 0, 20_000],
    [5, 0, 160_000],
    [6, 0, 300_000],
    [40, 0, 300_000],
    [3, 600_000, 0],
  ];
  for (const [count, ran, delay] of CASES) {
    it(`restart ${count + 1} after a ${ran} ms run waits ${delay} ms`, () =>
      assert.equal(restartDelay(count, ran), delay));
  }
});

describe('durations', () => {
  const PARSE: Array<[string | undefined, number | undefined]> = [
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['10', 10_000],
    ['0', 0],
    ['0s', 0],
    ['', undefined],
    [undefined, undefined],
    ['-5s', undefined],
    ['5 s', undefined],
    ['5d', undefined],
    ['soon', undefined],
  ];
  for (const [text, ms] of PARSE) {
    it(`parses ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), ms));
  }
  const FORMAT: Array<[number, string]> = [
    [0, '0s'],
    [250, '250ms'],
    [10_000, '10s'],
    [80_000, '1m20s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
    [1_500, '1.5s'],
  ];
  for (const [ms, text] of FORMAT) {
    it(`formats ${ms} ms as ${text}`, () => assert.equal(formatDuration(ms), text));
  }
});
