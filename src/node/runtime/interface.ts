/**
 * @module The container runtime contract the node agent drives (a small CRI): pod sandboxes, containers,
 * their status, logs and exec. Implementations: `process` (host processes, the default) and `hollow`
 * (simulated, no processes).
 */
import type { Readable, Writable } from 'node:stream';

/** A volume as the runtime sees it: already materialized on the host. */
export interface Mount {
  /**
   * Directory or file on the host (inside the agent's data directory for emptyDir/configMap/secret/...),
   * with a volumeMount's subPath already joined in.
   */
  hostPath: string;
  /** Where the container sees it (a volumeMount's mountPath). */
  containerPath: string;
  readOnly: boolean;
}

/** What a pod sandbox needs: identity, and the mount/PID isolation the pod shares across its containers. */
export interface SandboxConfig {
  podUid: string;
  namespace: string;
  name: string;
  hostname: string;
  /** The pod shares the host's network namespace (process runtime: always true). */
  hostNetwork: boolean;
  /** Labels and annotations the runtime records (for adoption after an agent restart). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Per-pod directory in the agent's data dir (logs, volumes, runtime state live under it). */
  podDir: string;
}

export interface SandboxInfo {
  id: string;
  podUid: string;
  /** The pod's IP (the host IP on the process runtime). */
  ip: string;
  /** Whether containers get private mount and PID namespaces (root with unshare) or run on host paths. */
  isolated: boolean;
  /** A human-readable note when isolation is not available (reported as a pod Event). */
  isolationNote?: string;
  createdAt: Date;
}

export interface ContainerConfig {
  /** The container's name in the pod spec. */
  name: string;
  image: string;
  /** command + args, already resolved against the image defaults (there are none on the process runtime). */
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  /** Limits to enforce where the machine allows (cgroups); undefined for none. */
  limits?: { milliCPU?: number; memoryBytes?: number };
  /** For the log file name and status: how many times this container restarted before. */
  attempt: number;
  /** Whether stdin stays open for `kubectl attach` / `exec -i` style use. */
  stdin: boolean;
  tty: boolean;
  /** A stable hash of the container spec; a change means "restart this container" (image change). */
  specHash: string;
  labels: Record<string, string>;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  podUid: string;
  name: string;
  attempt: number;
  state: ContainerState;
  pid?: number;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  /** Upstream's terminated reasons: Completed (exit 0), Error, OOMKilled, ContainerCannotRun. */
  reason?: string;
  message?: string;
  image: string;
  /** What status.imageID reports (the process runtime reports the image string itself). */
  imageRef: string;
  specHash: string;
  logPath: string;
}

export interface LogOptions {
  follow: boolean;
  /** Last N lines only. */
  tailLines?: number;
  /** Only lines newer than this. */
  since?: Date;
  timestamps: boolean;
  limitBytes?: number;
}

export interface ExecOptions {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Runtime {
  readonly name: string;
  /** Creates the pod's sandbox (namespaces, directories). Idempotent for the same podUid. */
  runPodSandbox(config: SandboxConfig): Promise<SandboxInfo>;
  /** Kills everything left in the sandbox and tears down its namespaces. */
  stopPodSandbox(podUid: string): Promise<void>;
  /** Removes what stopPodSandbox left on disk (logs are kept until the pod object is gone). */
  removePodSandbox(podUid: string): Promise<void>;
  /** Creates and starts a container in a sandbox; returns its id. */
  startContainer(podUid: string, config: ContainerConfig): Promise<string>;
  /** SIGTERM, then SIGKILL after `gracePeriodSeconds`; resolves once the process is gone. */
  stopContainer(containerId: string, gracePeriodSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  containerStatus(containerId: string): ContainerStatus | undefined;
  /** Every container the runtime knows, including ones found from before an agent restart. */
  listContainers(podUid?: string): ContainerStatus[];
  /** Sandboxes the runtime knows (for adoption after an agent restart). */
  listSandboxes(): SandboxInfo[];
  /** Runs a command in the container's namespaces and environment; resolves with its exit code. */
  exec(containerId: string, argv: string[], opts: ExecOptions): Promise<number>;
  /** The container's output as upstream's kubelet serves it for `kubectl logs`. */
  logs(containerId: string, opts: LogOptions, out: Writable, signal: AbortSignal): Promise<void>;
  /** Called when a container's process exits (the agent's pod worker re-syncs). */
  onContainerExit(listener: (status: ContainerStatus) => void): void;
  /** Stops watching processes; running containers keep running (they are adopted on the next start). */
  close(): Promise<void>;
}
