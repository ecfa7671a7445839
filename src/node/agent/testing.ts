/**
 * @module Test support for the agent: an in-memory {@link Runtime} whose containers run until told to exit,
 * a scripted probe runner, and an event recorder that keeps events in a list.
 */
import type { Writable } from 'node:stream';
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';
import type { Clock } from '../../util/clock.js';
import type {
  ContainerConfig,
  ContainerStatus,
  ExecOptions,
  LogOptions,
  Runtime,
  SandboxConfig,
  SandboxInfo,
} from '../runtime/interface.js';
import type { AgentEvents } from './events.js';
import type { HookOutcome, ProbeOutcome, ProbeRunner, ProbeTarget } from './prober.js';

interface FakeContainer {
  status: ContainerStatus;
  config: ContainerConfig;
}

/** A Runtime in memory: containers start running and stay so until {@link exit} or stopContainer. */
export class FakeRuntime implements Runtime {
  readonly name = 'fake';
  readonly sandboxes = new Map<string, SandboxInfo & { stopped: boolean; config: SandboxConfig }>();
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  private listeners: Array<(s: ContainerStatus) => void> = [];
  private seq = 0;
  /** Makes the next startContainer of a container name fail with this message. */
  failStart = new Map<string, string>();
  /** Exit code a container gets when stopped (default 137: killed). */
  stopExitCode = 137;
  ip = '10.0.0.5';

  constructor(private readonly clock: Clock) {}

  runPodSandbox(config: SandboxConfig): Promise<SandboxInfo> {
    this.calls.push(`runPodSandbox ${config.name}`);
    let s = this.sandboxes.get(config.podUid);
    if (!s) {
      s = {
        id: `sb-${config.podUid}`,
        podUid: config.podUid,
        ip: this.ip,
        isolated: true,
        createdAt: this.clock.now(),
        stopped: false,
        config,
      };
      this.sandboxes.set(config.podUid, s);
    }
    s.stopped = false;
    return Promise.resolve(s);
  }
  stopPodSandbox(podUid: string): Promise<void> {
    this.calls.push(`stopPodSandbox ${podUid}`);
    const s = this.sandboxes.get(podUid);
    if (s) s.stopped = true;
    for (const c of this.containers.values()) {
      if (c.status.podUid === podUid && c.status.state === 'running')
        this.finish(c, this.stopExitCode, false);
    }
    return Promise.resolve();
  }
  removePodSandbox(podUid: string): Promise<void> {
    this.calls.push(`removePodSandbox ${podUid}`);
    this.sandboxes.delete(podUid);
    return Promise.resolve();
  }
  startContainer(podUid: string, config: ContainerConfig): Promise<string> {
    const fail = this.failStart.get(config.name);
    if (fail !== undefined) {
      this.failStart.delete(config.name);
      return Promise.reject(new Error(fail));
    }
    const id = `c${++this.seq}`;
    const now = this.clock.now();
    this.calls.push(`startContainer ${config.name} attempt=${config.attempt}`);
    this.containers.set(id, {
      config,
      status: {
        id,
        podUid,
        name: config.name,
        attempt: config.attempt,
        state: 'running',
        pid: 1000 + this.seq,
        createdAt: now,
        startedAt: now,
        image: config.image,
        imageRef: config.image,
        specHash: config.specHash,
        logPath: `/logs/${id}`,
      },
    });
    return Promise.resolve(id);
  }
  stopContainer(containerId: string, gracePeriodSeconds: number): Promise<void> {
    this.calls.push(
      `stopContainer ${this.containers.get(containerId)?.status.name ?? containerId} grace=${gracePeriodSeconds}`,
    );
    const c = this.containers.get(containerId);
    if (c && c.status.state === 'running') this.finish(c, this.stopExitCode, true);
    return Promise.resolve();
  }
  removeContainer(containerId: string): Promise<void> {
    this.calls.push(`removeContainer ${containerId}`);
    this.containers.delete(containerId);
    return Promise.resolve();
  }
  containerStatus(containerId: string): ContainerStatus | undefined {
    return this.containers.get(containerId)?.status;
  }
  listContainers(podUid?: string): ContainerStatus[] {
    const out: ContainerStatus[] = [];
    for (const c of this.containers.values())
      if (!podUid || c.status.podUid === podUid) out.push({ ...c.status });
    return out;
  }
  listSandboxes(): SandboxInfo[] {
    return [...this.sandboxes.values()];
  }
  exec(_id: string, _argv: string[], _opts: ExecOptions): Promise<number> {
    return Promise.resolve(0);
  }
  /** What logs() writes, by container id. */
  readonly logText = new Map<string, string>();
  logs(id: string, opts: LogOptions, out: Writable, _signal: AbortSignal): Promise<void> {
    let lines = (this.logText.get(id) ?? '').split(/(?<=\n)/).filter(Boolean);
    if (opts.tailLines !== undefined) lines = lines.slice(-opts.tailLines);
    let text = lines.join('');
    if (opts.limitBytes !== undefined) text = text.slice(0, opts.limitBytes);
    out.write(text);
    return Promise.resolve();
  }
  onContainerExit(listener: (status: ContainerStatus) => void): void {
    this.listeners.push(listener);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The running container of a pod by name. */
  running(podUid: string, name: string): ContainerStatus | undefined {
    return [...this.containers.values()].find(
      (c) => c.status.podUid === podUid && c.status.name === name && c.status.state === 'running',
    )?.status;
  }
  /** The config a container was started with. */
  configOf(id: string): ContainerConfig | undefined {
    return this.containers.get(id)?.config;
  }

  /** Ends a running container with an exit code (and notifies the agent). */
  exit(podUid: string, name: string, exitCode: number, reason?: string): void {
    const c = [...this.containers.values()].find(
      (x) => x.status.podUid === podUid && x.status.name === name && x.status.state === 'running',
    );
    if (!c) throw new Error(`no running container ${name} in ${podUid}`);
    this.finish(c, exitCode, true, reason);
  }

  private finish(c: FakeContainer, exitCode: number, notify: boolean, reason?: string): void {
    c.status.state = 'exited';
    c.status.exitCode = exitCode;
    c.status.finishedAt = this.clock.now();
    c.status.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    if (notify) for (const l of this.listeners) l({ ...c.status });
  }
}

/** A probe runner answering from a table: `results.set('<container>/<kind-or-hook>', outcome)`. */
export class ScriptedProber implements ProbeRunner {
  readonly results = new Map<string, ProbeOutcome>();
  readonly hooks = new Map<string, HookOutcome>();
  readonly calls: string[] = [];

  probe(probe: api.Probe, target: ProbeTarget): Promise<ProbeOutcome> {
    const kind =
      probe === target.container.livenessProbe
        ? 'liveness'
        : probe === target.container.readinessProbe
          ? 'readiness'
          : 'startup';
    this.calls.push(`${target.container.name}/${kind}`);
    return Promise.resolve(
      this.results.get(`${target.container.name}/${kind}`) ?? { result: 'Success', output: '' },
    );
  }

  hook(handler: api.LifecycleHandler, target: ProbeTarget): Promise<HookOutcome> {
    const kind = handler === target.container.lifecycle?.preStop ? 'preStop' : 'postStart';
    this.calls.push(`${target.container.name}/${kind}`);
    return Promise.resolve(this.hooks.get(`${target.container.name}/${kind}`) ?? { ok: true, message: '' });
  }
}

/** Events kept in memory as `Type Reason: message`. */
export class RecordedEvents implements AgentEvents {
  readonly list: string[] = [];
  eventf(
    _obj: { metadata: { name?: string } },
    type: 'Normal' | 'Warning',
    reason: string,
    _action: string,
    message: string,
  ): void {
    this.list.push(`${type} ${reason}: ${message}`);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  has(reason: string, fragment = ''): boolean {
    return this.list.some((e) => e.includes(` ${reason}: `) && e.includes(fragment));
  }
}

/** A minimal bound pod for tests. */
export function testPod(
  name: string,
  spec: Partial<api.PodSpec> = {},
  meta: Partial<Pod['metadata']> = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: '2024-01-01T00:00:00Z',
      resourceVersion: '1',
      ...meta,
    },
    spec: {
      nodeName: 'node-1',
      restartPolicy: 'Always',
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
      ...spec,
    },
    status: { phase: 'Pending' },
  };
}
