import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { notFound } from '../../api/errors.js';
import type * as api from '../../api/openapi/generated/types.js';
import type { ConfigMap, Pod } from '../../client/resources.js';
import { FakeClock } from '../../util/clock.js';
import { containerHash } from './container-hash.js';
import { podChangeMatters, PodWorkers } from './pod-workers.js';
import { StatusManager, type StatusWriter } from './status-manager.js';
import { FakeRuntime, RecordedEvents, ScriptedProber, testPod } from './testing.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-workers-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Applies status patches as the API server's strategic merge would (conditions merged by type). */
class MemoryWriter implements StatusWriter {
  readonly pods = new Map<string, Pod>();
  readonly deleted: string[] = [];
  patches = 0;
  patchStatus(pod: Pod, patch: Record<string, unknown>): Promise<Pod> {
    this.patches++;
    const cur = structuredClone(this.pods.get(pod.metadata.uid!) ?? pod);
    const status = (cur.status ??= {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(patch['status'] as Record<string, unknown>)) {
      if (k === 'conditions') {
        const list = (status['conditions'] ?? []) as api.PodCondition[];
        for (const c of v as api.PodCondition[]) {
          const i = list.findIndex((x) => x.type === c.type);
          if (i >= 0) list[i] = c;
          else list.push(c);
        }
        status['conditions'] = list;
      } else if (v === null) delete status[k];
      else status[k] = v;
    }
    this.pods.set(pod.metadata.uid!, cur);
    return Promise.resolve(cur);
  }
  deletePod(pod: Pod): Promise<void> {
    this.deleted.push(pod.metadata.name!);
    return Promise.resolve();
  }
  status(uid: string): api.PodStatus {
    return this.pods.get(uid)?.status ?? {};
  }
  container(uid: string, name: string): api.ContainerStatus | undefined {
    const s = this.status(uid);
    return [...(s.containerStatuses ?? []), ...(s.initContainerStatuses ?? [])].find((c) => c.name === name);
  }
  condition(uid: string, type: string): string | undefined {
    return this.status(uid).conditions?.find((c) => c.type === type)?.status;
  }
}

interface Harness {
  clock: FakeClock;
  runtime: FakeRuntime;
  writer: MemoryWriter;
  events: RecordedEvents;
  prober: ScriptedProber;
  workers: PodWorkers;
  configMaps: Map<string, ConfigMap>;
  podsDir: string;
  /** Lets timers due within `ms` fire and async work settle. */
  run(ms?: number): Promise<void>;
}

let seq = 0;

function harness(opts: { allocatable?: Record<string, string> } = {}): Harness {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  const writer = new MemoryWriter();
  const events = new RecordedEvents();
  const prober = new ScriptedProber();
  const configMaps = new Map<string, ConfigMap>();
  const podsDir = join(root, `node-${seq++}`);
  mkdirSync(podsDir, { recursive: true });
  const statusManager = new StatusManager({ writer, clock, batchMs: 0 });
  const workers = new PodWorkers({
    nodeName: 'node-1',
    runtime,
    clock,
    logger: pino({ level: 'silent' }),
    podsDir,
    statusManager,
    events,
    probeRunner: prober,
    source: {
      configMap: (_ns, name) => Promise.resolve(configMaps.get(name)),
      secret: () => Promise.resolve(undefined),
      services: () => [],
    },
    hostIP: () => '10.0.0.5',
    allocatable: () =>
      opts.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' },
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 30; i++) {
      clock.advance(0);
      await new Promise((r) => setImmediate(r));
      await workers.whenIdle();
    }
  };
  return {
    clock,
    runtime,
    writer,
    events,
    prober,
    workers,
    configMaps,
    podsDir,
    run: async (ms = 0) => {
      await settle();
      const step = 500;
      for (let t = 0; t < ms; t += step) {
        clock.advance(Math.min(step, ms - t));
        await settle();
      }
    },
  };
}

describe('PodWorkers: starting pods', () => {
  it('creates the sandbox, starts the container, and reports Running and Ready', async () => {
    const h = harness();
    const pod = testPod('web', {
      containers: [
        {
          name: 'main',
          image: 'busybox:1.36',
          command: ['sh', '-c'],
          args: ['echo $(GREETING)'],
          env: [{ name: 'GREETING', value: 'hi' }],
        },
      ],
    });
    h.workers.updatePod(pod);
    await h.run();
    const cs = h.runtime.running('uid-web', 'main')!;
    const cfg = h.runtime.configOf(cs.id)!;
    assert.deepEqual(cfg.argv, ['sh', '-c', 'echo hi']);
    assert.equal(cfg.env['GREETING'], 'hi');
    assert.equal(cfg.attempt, 0);
    assert.equal(cfg.specHash, containerHash(pod.spec!.containers[0]!));
    assert.equal(cfg.labels['io.kubernetes.pod.uid'], 'uid-web');
    const st = h.writer.status('uid-web');
    assert.equal(st.phase, 'Running');
    assert.equal(st.podIP, '10.0.0.5');
    assert.equal(h.writer.condition('uid-web', 'Ready'), 'True');
    assert.equal(h.writer.container('uid-web', 'main')?.containerID, `skiff://${cs.id}`);
    assert.equal(h.writer.container('uid-web', 'main')?.imageID, 'busybox:1.36');
    assert.deepEqual(
      h.events.list.filter((e) => /Pulled|Created|Started/.test(e)),
      [
        'Normal Pulled: Container image "busybox:1.36" already present on machine',
        'Normal Created: Created container: main',
        'Normal Started: Started container main',
      ],
    );
  });

  it('runs init containers one at a time, in order, before the app containers', async () => {
    const h = harness();
    const pod = testPod('init', {
      initContainers: [
        { name: 'first', image: 'i', command: ['true'] },
        { name: 'second', image: 'i', command: ['true'] },
      ],
    });
    h.workers.updatePod(pod);
    await h.run();
    assert.deepEqual(
      h.runtime.calls.filter((c) => c.startsWith('startContainer')),
      ['startContainer first attempt=0'],
    );
    assert.equal(h.writer.container('uid-init', 'main')?.state?.waiting?.reason, 'PodInitializing');
    assert.equal(h.writer.condition('uid-init', 'Initialized'), 'False');
    h.runtime.exit('uid-init', 'first', 0);
    await h.run();
    assert.ok(h.runtime.running('uid-init', 'second'));
    assert.ok(!h.runtime.running('uid-init', 'main'));
    h.runtime.exit('uid-init', 'second', 0);
    await h.run();
    assert.ok(h.runtime.running('uid-init', 'main'));
    assert.equal(h.writer.condition('uid-init', 'Initialized'), 'True');
    assert.equal(h.writer.container('uid-init', 'first')?.state?.terminated?.reason, 'Completed');
    assert.equal(h.writer.status('uid-init').phase, 'Running');
  });

  it('a failed init container fails a Never pod', async () => {
    const h = harness();
    h.workers.updatePod(
      testPod('initfail', { restartPolicy: 'Never', initContainers: [{ name: 'setup', image: 'i' }] }),
    );
    await h.run();
    h.runtime.exit('uid-initfail', 'setup', 3);
    await h.run();
    assert.equal(h.writer.status('uid-initfail').phase, 'Failed');
    assert.ok(!h.runtime.running('uid-initfail', 'main'));
    assert.equal(h.runtime.calls.filter((c) => c.startsWith('startContainer')).length, 1);
  });

  it('rejects a pod that does not fit, with upstream reason and message', async () => {
    const h = harness({ allocatable: { cpu: '1', memory: '1Gi', pods: '110' } });
    const pod = testPod('big', {
      containers: [{ name: 'main', image: 'i', resources: { requests: { cpu: '2' } } }],
    });
    h.workers.updatePod(pod);
    await h.run();
    const st = h.writer.status('uid-big');
    assert.equal(st.phase, 'Failed');
    assert.equal(st.reason, 'OutOfcpu');
    assert.equal(
      st.message,
      "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 0, capacity: 1000",
    );
    assert.ok(h.events.has('OutOfcpu'));
    assert.equal(h.runtime.sandboxes.size, 0);
  });

  it('counts admitted pods against allocatable', async () => {
    const h = harness({ allocatable: { cpu: '1', memory: '1Gi', pods: '110' } });
    const req = (name: string): Pod =>
      testPod(name, {
        containers: [{ name: 'main', image: 'i', resources: { requests: { memory: '600Mi' } } }],
      });
    h.workers.updatePod(req('a'));
    h.workers.updatePod(req('b'));
    await h.run();
    assert.equal(h.writer.status('uid-a').phase, 'Running');
    assert.equal(h.writer.status('uid-b').reason, 'OutOfmemory');
  });

  it('a missing ConfigMap key is CreateContainerConfigError, retried until it appears', async () => {
    const h = harness();
    h.workers.updatePod(
      testPod('cfgerr', {
        containers: [
          {
            name: 'main',
            image: 'i',
            env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'x' } } }],
          },
        ],
      }),
    );
    await h.run();
    assert.deepEqual(h.writer.container('uid-cfgerr', 'main')?.state, {
      waiting: { reason: 'CreateContainerConfigError', message: 'configmap "cfg" not found' },
    });
    assert.ok(h.events.has('Failed', 'Error: configmap "cfg" not found'));
    h.configMaps.set('cfg', { metadata: { name: 'cfg' }, data: { x: '1' } });
    await h.run(10_000);
    assert.ok(h.runtime.running('uid-cfgerr', 'main'));
  });

  it('a volume that cannot be set up is a FailedMount and keeps the pod in ContainerCreating', async () => {
    const h = harness();
    h.workers.updatePod(
      testPod('mnt', {
        volumes: [{ name: 'cfg', configMap: { name: 'absent' } }],
        containers: [{ name: 'main', image: 'i', volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] }],
      }),
    );
    await h.run();
    assert.ok(
      h.events.has('FailedMount', 'MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found'),
    );
    assert.equal(h.writer.container('uid-mnt', 'main')?.state?.waiting?.reason, 'ContainerCreating');
    assert.equal(h.runtime.calls.filter((c) => c.startsWith('startContainer')).length, 0);
    h.configMaps.set('absent', { metadata: { name: 'absent' }, data: { k: 'v' } });
    await h.run(5_000);
    const cs = h.runtime.running('uid-mnt', 'main')!;
    assert.equal(h.runtime.configOf(cs.id)!.mounts[0]!.containerPath, '/etc/cfg');
  });
});

describe('PodWorkers: restarts', () => {
  it('CrashLoopBackOff: immediate first restart, then 10 s, then 20 s, with upstream messages', async () => {
    const h = harness();
    h.workers.updatePod(testPod('crash'));
    await h.run();
    h.runtime.exit('uid-crash', 'main', 1);
    await h.run();
    assert.equal(h.runtime.running('uid-crash', 'main')?.attempt, 1, 'first restart is immediate');
    h.runtime.exit('uid-crash', 'main', 1);
    await h.run();
    assert.equal(h.runtime.running('uid-crash', 'main'), undefined);
    const cs = h.writer.container('uid-crash', 'main')!;
    assert.deepEqual(cs.state, {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: 'back-off 10s restarting failed container=main pod=crash_default(uid-crash)',
      },
    });
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.restartCount, 1);
    assert.ok(
      h.events.has('BackOff', 'Back-off restarting failed container main in pod crash_default(uid-crash)'),
    );
    await h.run(9_000);
    assert.equal(h.runtime.running('uid-crash', 'main'), undefined, 'still backing off at 9 s');
    await h.run(1_500);
    assert.equal(h.runtime.running('uid-crash', 'main')?.attempt, 2);
    assert.equal(h.writer.container('uid-crash', 'main')?.restartCount, 2);
    h.runtime.exit('uid-crash', 'main', 1);
    await h.run(15_000);
    assert.equal(h.runtime.running('uid-crash', 'main'), undefined, 'second back-off is 20 s');
    assert.match(h.writer.container('uid-crash', 'main')!.state!.waiting!.message!, /back-off 20s/);
    await h.run(6_000);
    assert.equal(h.runtime.running('uid-crash', 'main')?.attempt, 3);
    const removed = h.runtime.calls.filter((c) => c.startsWith('removeContainer'));
    assert.ok(removed.length >= 1, 'old attempts are garbage-collected, one previous kept');
    assert.equal(h.runtime.listContainers('uid-crash').length, 2);
  });

  const policyCases = [
    { policy: 'Never', exit: 1, restarts: false, phase: 'Failed' },
    { policy: 'Never', exit: 0, restarts: false, phase: 'Succeeded' },
    { policy: 'OnFailure', exit: 1, restarts: true, phase: 'Running' },
    { policy: 'OnFailure', exit: 0, restarts: false, phase: 'Succeeded' },
    { policy: 'Always', exit: 0, restarts: true, phase: 'Running' },
  ];
  for (const c of policyCases) {
    it(`restartPolicy ${c.policy}, exit ${c.exit}: ${c.restarts ? 'restarts' : 'stays down'}, phase ${c.phase}`, async () => {
      const h = harness();
      const name = `rp-${c.policy.toLowerCase()}-${c.exit}`;
      h.workers.updatePod(testPod(name, { restartPolicy: c.policy }));
      await h.run();
      h.runtime.exit(`uid-${name}`, 'main', c.exit);
      await h.run();
      assert.equal(!!h.runtime.running(`uid-${name}`, 'main'), c.restarts);
      assert.equal(h.writer.status(`uid-${name}`).phase, c.phase);
      if (c.phase !== 'Running') {
        assert.ok(
          h.runtime.calls.includes(`stopPodSandbox uid-${name}`),
          'a finished pod releases its sandbox',
        );
        assert.equal(
          h.writer.container(`uid-${name}`, 'main')?.state?.terminated?.reason,
          c.exit === 0 ? 'Completed' : 'Error',
        );
      }
    });
  }

  it('FallbackToLogsOnError: a failed container without a message reports the tail of its log', async () => {
    const h = harness();
    h.workers.updatePod(
      testPod('tail', {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: 'i', terminationMessagePolicy: 'FallbackToLogsOnError' }],
      }),
    );
    await h.run();
    const id = h.runtime.running('uid-tail', 'main')!.id;
    h.runtime.logText.set(id, Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''));
    h.runtime.exit('uid-tail', 'main', 2);
    await h.run();
    const t = h.writer.container('uid-tail', 'main')!.state!.terminated!;
    assert.equal(t.exitCode, 2);
    assert.ok(t.message!.startsWith('line 20\n'), 'the last 80 lines');
    assert.ok(t.message!.endsWith('line 99\n'));
  });

  it('an image change restarts only that container, with restartCount + 1', async () => {
    const h = harness();
    const pod = testPod('img', {
      containers: [
        { name: 'main', image: 'app:v1' },
        { name: 'side', image: 'proxy:v1' },
      ],
    });
    h.workers.updatePod(pod);
    await h.run();
    const side = h.runtime.running('uid-img', 'side')!.id;
    const updated = structuredClone(pod);
    updated.spec!.containers[0]!.image = 'app:v2';
    h.workers.updatePod(updated);
    await h.run();
    const main = h.runtime.running('uid-img', 'main')!;
    assert.equal(main.image, 'app:v2');
    assert.equal(main.attempt, 1);
    assert.equal(h.runtime.running('uid-img', 'side')!.id, side, 'the other container keeps running');
    assert.ok(h.events.has('Killing', 'Container main definition changed, will be restarted'));
    const cs = h.writer.container('uid-img', 'main')!;
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.image, 'app:v2');
    assert.equal(h.writer.status('uid-img').podIP, '10.0.0.5');
    assert.equal(h.runtime.calls.filter((c) => c.startsWith('runPodSandbox')).length, 1, 'same sandbox');
  });

  it('a failing liveness probe restarts the container after failureThreshold failures', async () => {
    const h = harness();
    const pod = testPod('live', {
      containers: [
        {
          name: 'main',
          image: 'i',
          livenessProbe: { exec: { command: ['check'] }, periodSeconds: 5, failureThreshold: 2 },
        },
      ],
    });
    h.workers.updatePod(pod);
    await h.run(1_000);
    h.prober.results.set('main/liveness', { result: 'Failure', output: 'not alive' });
    await h.run(4_500);
    assert.equal(h.runtime.running('uid-live', 'main')?.attempt, 0, 'one failure is below the threshold');
    await h.run(5_000);
    assert.equal(h.runtime.running('uid-live', 'main')?.attempt, 1);
    assert.ok(h.events.has('Unhealthy', 'Liveness probe failed: not alive'));
    assert.ok(h.events.has('Killing', 'Container main failed liveness probe, will be restarted'));
    assert.equal(h.writer.container('uid-live', 'main')?.restartCount, 1);
  });

  it('readiness drives ready and the Ready condition; liveness waits for the startup probe', async () => {
    const h = harness();
    h.prober.results.set('main/readiness', { result: 'Failure', output: 'nope' });
    h.prober.results.set('main/startup', { result: 'Failure', output: 'starting' });
    const pod = testPod('ready', {
      containers: [
        {
          name: 'main',
          image: 'i',
          readinessProbe: { exec: { command: ['r'] }, periodSeconds: 1 },
          livenessProbe: { exec: { command: ['l'] }, periodSeconds: 1 },
          startupProbe: { exec: { command: ['s'] }, periodSeconds: 1, failureThreshold: 30 },
        },
      ],
    });
    h.workers.updatePod(pod);
    await h.run(3_000);
    let cs = h.writer.container('uid-ready', 'main')!;
    assert.deepEqual([cs.started, cs.ready], [false, false]);
    assert.ok(!h.prober.calls.includes('main/liveness'), 'liveness held back until started');
    assert.ok(!h.prober.calls.includes('main/readiness'));
    h.prober.results.set('main/startup', { result: 'Success', output: '' });
    await h.run(2_000);
    cs = h.writer.container('uid-ready', 'main')!;
    assert.deepEqual([cs.started, cs.ready], [true, false]);
    assert.equal(h.writer.condition('uid-ready', 'Ready'), 'False');
    h.prober.results.set('main/readiness', { result: 'Success', output: '' });
    await h.run(2_000);
    assert.equal(h.writer.container('uid-ready', 'main')?.ready, true);
    assert.equal(h.writer.condition('uid-ready', 'ContainersReady'), 'True');
    assert.equal(h.writer.condition('uid-ready', 'Ready'), 'True');
    assert.ok(h.prober.calls.includes('main/liveness'));
  });
});

describe('PodWorkers: termination and cleanup', () => {
  it('graceful deletion: preStop, stop with the grace period, final status, then the pod is deleted', async () => {
    const h = harness();
    const pod = testPod('del', {
      terminationGracePeriodSeconds: 45,
      containers: [{ name: 'main', image: 'i', lifecycle: { preStop: { exec: { command: ['drain'] } } } }],
    });
    h.workers.updatePod(pod);
    await h.run();
    const deleting = structuredClone(pod);
    deleting.metadata.deletionTimestamp = '2024-01-01T00:00:10Z';
    deleting.metadata.deletionGracePeriodSeconds = 20;
    h.workers.updatePod(deleting);
    await h.run();
    assert.ok(h.prober.calls.includes('main/preStop'));
    assert.ok(h.runtime.calls.includes('stopContainer main grace=20'));
    assert.ok(h.runtime.calls.includes('stopPodSandbox uid-del'));
    assert.ok(h.events.has('Killing', 'Stopping container main'));
    assert.equal(
      h.writer.status('uid-del').phase,
      'Failed',
      'a killed container makes the deleted pod Failed',
    );
    assert.deepEqual(h.writer.deleted, ['del']);
    h.workers.removePod(deleting);
    await h.run();
    assert.equal(h.runtime.containers.size, 0);
    assert.equal(h.runtime.sandboxes.size, 0);
    assert.ok(!existsSync(join(h.podsDir, 'uid-del')));
    assert.equal(h.workers.podStates().size, 0);
  });

  it('activeDeadlineSeconds: the pod is stopped and fails with DeadlineExceeded', async () => {
    const h = harness();
    h.workers.updatePod(testPod('deadline', { activeDeadlineSeconds: 5 }));
    await h.run(4_000);
    assert.ok(h.runtime.running('uid-deadline', 'main'));
    await h.run(1_500);
    assert.ok(!h.runtime.running('uid-deadline', 'main'));
    const st = h.writer.status('uid-deadline');
    assert.equal(st.phase, 'Failed');
    assert.equal(st.reason, 'DeadlineExceeded');
    assert.equal(st.message, 'Pod was active on the node longer than the specified deadline');
  });

  it('a pod removed from the API while running is stopped and cleaned up', async () => {
    const h = harness();
    const pod = testPod('gone');
    h.workers.updatePod(pod);
    await h.run();
    h.workers.removePod(pod);
    await h.run();
    assert.ok(h.runtime.calls.includes('stopContainer main grace=30'));
    assert.ok(h.runtime.calls.includes('removePodSandbox uid-gone'));
    assert.equal(h.runtime.containers.size, 0);
  });

  it('adopts a running container after a restart instead of starting another', async () => {
    const h = harness();
    const pod = testPod('adopt');
    await h.runtime.runPodSandbox({
      podUid: 'uid-adopt',
      namespace: 'default',
      name: 'adopt',
      hostname: 'adopt',
      hostNetwork: true,
      labels: {},
      annotations: {},
      podDir: join(h.podsDir, 'uid-adopt'),
    });
    await h.runtime.startContainer('uid-adopt', {
      name: 'main',
      image: 'busybox',
      argv: ['sleep', '3600'],
      env: {},
      mounts: [],
      attempt: 3,
      stdin: false,
      tty: false,
      specHash: containerHash(pod.spec!.containers[0]!),
      labels: {},
    });
    h.runtime.calls.length = 0;
    h.workers.updatePod(pod);
    await h.run();
    assert.deepEqual(
      h.runtime.calls.filter((c) => c.startsWith('startContainer') || c.startsWith('stopContainer')),
      [],
    );
    assert.equal(h.writer.status('uid-adopt').phase, 'Running');
    assert.equal(h.writer.container('uid-adopt', 'main')?.restartCount, 3);
  });

  it('removes containers and sandboxes of pods the node no longer has', async () => {
    const h = harness();
    await h.runtime.runPodSandbox({
      podUid: 'uid-orphan',
      namespace: 'default',
      name: 'orphan',
      hostname: 'orphan',
      hostNetwork: true,
      labels: {},
      annotations: {},
      podDir: join(h.podsDir, 'uid-orphan'),
    });
    await h.runtime.startContainer('uid-orphan', {
      name: 'main',
      image: 'i',
      argv: [],
      env: {},
      mounts: [],
      attempt: 0,
      stdin: false,
      tty: false,
      specHash: 'x',
      labels: {},
    });
    h.workers.updatePod(testPod('kept'));
    await h.run();
    assert.equal(await h.workers.cleanupOrphans(), 1);
    assert.equal(h.runtime.listContainers('uid-orphan').length, 0);
    assert.ok(!h.runtime.sandboxes.has('uid-orphan'));
    assert.ok(h.runtime.running('uid-kept', 'main'));
  });

  it('stop() leaves containers running', async () => {
    const h = harness();
    h.workers.updatePod(testPod('stay'));
    await h.run();
    await h.workers.stop();
    assert.ok(h.runtime.running('uid-stay', 'main'));
    assert.equal(h.workers.probes.workerCount, 0);
  });

  it('stopAllPods stops every container and sandbox without touching the API', async () => {
    const h = harness();
    h.workers.updatePod(testPod('one'));
    h.workers.updatePod(testPod('two'));
    await h.run();
    const patches = h.writer.patches;
    await h.workers.stop();
    await h.workers.stopAllPods();
    assert.equal(h.runtime.listContainers().filter((c) => c.state === 'running').length, 0);
    assert.ok(h.runtime.calls.includes('stopPodSandbox uid-one'));
    assert.ok(h.runtime.calls.includes('stopPodSandbox uid-two'));
    assert.equal(h.writer.patches, patches);
    assert.deepEqual(h.writer.deleted, []);
  });

  it('a status write error from a vanished pod is not retried forever', async () => {
    const h = harness();
    const pod = testPod('vanish');
    h.writer.patchStatus = () => Promise.reject(notFound({ group: '', resource: 'pods' }, 'vanish'));
    h.workers.updatePod(pod);
    await h.run(5_000);
    assert.ok(h.runtime.running('uid-vanish', 'main'));
  });
});

describe('podChangeMatters', () => {
  const base = testPod('m', {}, { labels: { a: '1' } });
  base.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  const cases: Array<{ name: string; change: (p: Pod) => void; want: boolean }> = [
    { name: 'the agent status write', change: (p) => (p.status!.podIP = '10.0.0.1'), want: false },
    { name: 'a kubelet condition', change: (p) => (p.status!.conditions![0]!.status = 'False'), want: false },
    { name: 'resourceVersion only', change: (p) => (p.metadata.resourceVersion = '99'), want: false },
    { name: 'image', change: (p) => (p.spec!.containers[0]!.image = 'other'), want: true },
    { name: 'deletion', change: (p) => (p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z'), want: true },
    { name: 'labels', change: (p) => (p.metadata.labels = { a: '2' }), want: true },
    {
      name: 'a readiness gate condition',
      change: (p) => p.status!.conditions!.push({ type: 'InPlaceUpdateReady', status: 'True' }),
      want: true,
    },
    { name: 'phase set by someone else', change: (p) => (p.status!.phase = 'Failed'), want: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const next = structuredClone(base);
      c.change(next);
      assert.equal(podChangeMatters(base, next), c.want);
    });
  }

  it('status-only updates do not re-sync the pod', async () => {
    const h = harness();
    const pod = testPod('quiet');
    h.workers.updatePod(pod);
    await h.run();
    const syncs = h.workers.syncs;
    const next = structuredClone(pod);
    next.status = h.writer.status('uid-quiet');
    next.metadata.resourceVersion = '2';
    h.workers.updatePod(next);
    await h.run();
    assert.equal(h.workers.syncs, syncs);
  });
});
