/**
 * @module Simulated resource usage of hollow pods and nodes: per pod from the `skiff.dev/usage-cpu` and
 * `skiff.dev/usage-memory` annotations (as KWOK's `kwok.x-k8s.io/usage-*`), else from the pool's defaults;
 * each a quantity ("250m", "512Mi") or a share of the pod's requests ("50%"). Rendered in the kubelet's
 * /metrics/resource text format.
 */
import type * as api from '../../api/openapi/generated/types.js';
import { Quantity } from '../../api/quantity.js';
import type { Pod } from '../../client/resources.js';

/** The pod's total CPU use: a quantity or a percentage of its CPU requests. */
export const USAGE_CPU_ANNOTATION = 'skiff.dev/usage-cpu';
/** The pod's working set: a quantity or a percentage of its memory requests. */
export const USAGE_MEMORY_ANNOTATION = 'skiff.dev/usage-memory';

/** Usage of pods that carry no annotation; same forms as the annotations. */
export interface UsageDefaults {
  cpu: string;
  memory: string;
}

export const DEFAULT_USAGE: Readonly<UsageDefaults> = Object.freeze({ cpu: '50%', memory: '50%' });

export interface ContainerUsage {
  name: string;
  cpuMilli: number;
  memoryBytes: number;
  /** Epoch ms the container started (its running state's startedAt). */
  startedAt: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  cpuMilli: number;
  memoryBytes: number;
  containers: ContainerUsage[];
}

const parsedCache = new Map<string, { milli: number; value: number }>();

function parsed(q: string | number): { milli: number; value: number } {
  const key = String(q);
  let p = parsedCache.get(key);
  if (!p) {
    const quantity = Quantity.parse(q);
    p = { milli: Number(quantity.milliValue()), value: Number(quantity.value()) };
    if (parsedCache.size >= 10_000) parsedCache.clear();
    parsedCache.set(key, p);
  }
  return p;
}

/** A usage setting: a share of the requests or an absolute amount (milli for CPU, bytes for memory). */
type Amount = { share: number } | { absolute: number };

/** Parses "50%" or a quantity; undefined when it is neither. */
export function parseUsage(text: string | undefined, unit: 'milli' | 'value'): Amount | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (pct) return { share: Number(pct[1]) / 100 };
  try {
    const p = parsed(s);
    return { absolute: unit === 'milli' ? p.milli : p.value };
  } catch {
    return undefined;
  }
}

/** Usage of a running pod's running app containers; undefined when none runs. */
export function podUsage(pod: Pod, defaults: UsageDefaults): PodUsage | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = pod.spec?.containers ?? [];
  const runningNames = new Map<string, number>();
  for (const cs of statuses) {
    const startedAt = cs.state?.running?.startedAt;
    if (startedAt) runningNames.set(cs.name, Date.parse(startedAt));
  }
  const active = containers.filter((c) => runningNames.has(c.name));
  if (active.length === 0) return undefined;
  const ann = pod.metadata.annotations ?? {};
  const cpu = parseUsage(ann[USAGE_CPU_ANNOTATION], 'milli') ??
    parseUsage(defaults.cpu, 'milli') ?? { absolute: 0 };
  const memory = parseUsage(ann[USAGE_MEMORY_ANNOTATION], 'value') ??
    parseUsage(defaults.memory, 'value') ?? { absolute: 0 };
  const out: PodUsage = {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    cpuMilli: 0,
    memoryBytes: 0,
    containers: [],
  };
  for (const c of active) {
    const cu: ContainerUsage = {
      name: c.name,
      cpuMilli: Math.round(share(cpu, request(c, 'cpu', 'milli'), active.length)),
      memoryBytes: Math.round(share(memory, request(c, 'memory', 'value'), active.length)),
      startedAt: runningNames.get(c.name)!,
    };
    out.cpuMilli += cu.cpuMilli;
    out.memoryBytes += cu.memoryBytes;
    out.containers.push(cu);
  }
  return out;
}

function request(c: api.Container, resource: string, unit: 'milli' | 'value'): number {
  const q = c.resources?.requests?.[resource];
  if (q === undefined) return 0;
  try {
    const p = parsed(q);
    return unit === 'milli' ? p.milli : p.value;
  } catch {
    return 0;
  }
}

function share(amount: Amount, requested: number, containers: number): number {
  return 'share' in amount ? amount.share * requested : amount.absolute / containers;
}

/** One node's usage at a moment: its running pods, and CPU time of pods that already went away. */
export interface NodeUsage {
  node: string;
  pods: PodUsage[];
  /** Core-seconds consumed by pods no longer counted in `pods` (keeps the node's counter monotonic). */
  pastCpuSeconds: number;
}

/** Core-seconds a container used by `now` at its constant rate. */
export function cpuSeconds(cpuMilli: number, startedAt: number, now: number): number {
  return ((cpuMilli / 1000) * Math.max(0, now - startedAt)) / 1000;
}

/** The kubelet's /metrics/resource page for one node (metric names and labels as upstream's). */
export function resourceMetricsText(usage: NodeUsage, now: number): string {
  const lines: string[] = [];
  const metric = (name: string, help: string, type: string, rows: string[]): void => {
    lines.push(`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`, ...rows);
  };
  const ts = ` ${now}`;
  const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(6));
  const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const containerRows = (f: (p: PodUsage, c: ContainerUsage) => number): string[] =>
    usage.pods.flatMap((p) =>
      p.containers.map(
        (c) =>
          `{container="${label(c.name)}",namespace="${label(p.namespace)}",pod="${label(p.name)}"} ${num(f(p, c))}${ts}`,
      ),
    );
  const podRows = (f: (p: PodUsage) => number): string[] =>
    usage.pods.map((p) => `{namespace="${label(p.namespace)}",pod="${label(p.name)}"} ${num(f(p))}${ts}`);

  let nodeCpu = usage.pastCpuSeconds;
  let nodeMemory = 0;
  for (const p of usage.pods) {
    nodeMemory += p.memoryBytes;
    for (const c of p.containers) nodeCpu += cpuSeconds(c.cpuMilli, c.startedAt, now);
  }
  metric(
    'container_cpu_usage_seconds_total',
    'Cumulative cpu time consumed by the container in core-seconds',
    'counter',
    containerRows((_, c) => cpuSeconds(c.cpuMilli, c.startedAt, now)).map(
      (r) => `container_cpu_usage_seconds_total${r}`,
    ),
  );
  metric(
    'container_memory_working_set_bytes',
    'Current working set of the container in bytes',
    'gauge',
    containerRows((_, c) => c.memoryBytes).map((r) => `container_memory_working_set_bytes${r}`),
  );
  metric(
    'container_start_time_seconds',
    'Start time of the container since unix epoch in seconds',
    'gauge',
    containerRows((_, c) => c.startedAt / 1000).map((r) => `container_start_time_seconds${r}`),
  );
  metric(
    'node_cpu_usage_seconds_total',
    'Cumulative cpu time consumed by the node in core-seconds',
    'counter',
    [`node_cpu_usage_seconds_total ${num(nodeCpu)}${ts}`],
  );
  metric('node_memory_working_set_bytes', 'Current working set of the node in bytes', 'gauge', [
    `node_memory_working_set_bytes ${num(nodeMemory)}${ts}`,
  ]);
  metric(
    'pod_cpu_usage_seconds_total',
    'Cumulative cpu time consumed by the pod in core-seconds',
    'counter',
    podRows((p) => p.containers.reduce((s, c) => s + cpuSeconds(c.cpuMilli, c.startedAt, now), 0)).map(
      (r) => `pod_cpu_usage_seconds_total${r}`,
    ),
  );
  metric(
    'pod_memory_working_set_bytes',
    'Current working set of the pod in bytes',
    'gauge',
    podRows((p) => p.memoryBytes).map((r) => `pod_memory_working_set_bytes${r}`),
  );
  lines.push(
    '# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise',
    '# TYPE scrape_error gauge',
    'scrape_error 0',
  );
  return lines.join('\n') + '\n';
}
