/**
 * @module KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): the file `--config` reads, its
 * defaults (upstream's v1 defaulting, default plugin set and weights, plus Skiff's DeviceShare) and
 * validation.
 */
import { parse as parseYaml } from 'yaml';
import { GPU_SHARE_RESOURCES } from './plugins/device-share/gpu-devices.js';
import { errorText } from '../util/errors.js';

export const CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';
export const CONFIG_KIND = 'KubeSchedulerConfiguration';
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** A plugin named at one extension point; weight only matters for Score (and MultiPoint). */
export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  /** Default plugins to turn off at this point; `*` turns off all of them. */
  disabled?: PluginRef[];
}

/** The extension points a profile configures; `multiPoint` enables a plugin at every point it implements. */
export interface Plugins {
  preEnqueue?: PluginSet;
  queueSort?: PluginSet;
  preFilter?: PluginSet;
  filter?: PluginSet;
  postFilter?: PluginSet;
  preScore?: PluginSet;
  score?: PluginSet;
  reserve?: PluginSet;
  permit?: PluginSet;
  preBind?: PluginSet;
  bind?: PluginSet;
  postBind?: PluginSet;
  multiPoint?: PluginSet;
}

export type ExtensionPoint = Exclude<keyof Plugins, 'multiPoint'>;

export const EXTENSION_POINTS: readonly ExtensionPoint[] = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
];

export interface PluginConfig {
  name: string;
  /** The plugin's args object (its `apiVersion`/`kind` are ignored). */
  args?: Record<string, unknown>;
}

export interface KubeSchedulerProfile {
  schedulerName: string;
  /** 0 or absent: the configuration-wide value (whose 0 means upstream's adaptive percentage). */
  percentageOfNodesToScore?: number;
  plugins: Plugins;
  pluginConfig: PluginConfig[];
}

export interface LeaderElectionConfiguration {
  leaderElect: boolean;
  /** Go durations, e.g. "15s". */
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  resourceLock: string;
  resourceName: string;
  resourceNamespace: string;
}

export interface KubeSchedulerConfiguration {
  apiVersion: typeof CONFIG_API_VERSION;
  kind: typeof CONFIG_KIND;
  parallelism: number;
  /** 0: adaptive (50 % minus 1 % per 125 nodes, at least 5 %). */
  percentageOfNodesToScore: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  leaderElection: LeaderElectionConfiguration;
  clientConnection: { kubeconfig: string; qps: number; burst: number };
  profiles: KubeSchedulerProfile[];
}

/**
 * The v1 default plugins (upstream's getDefaultPlugins, without the volume plugins Skiff has no use for),
 * all enabled through multiPoint, with Skiff's DeviceShare after the resource plugins.
 */
export function defaultPlugins(): Plugins {
  return {
    multiPoint: {
      enabled: [
        { name: 'SchedulingGates' },
        { name: 'PrioritySort' },
        { name: 'NodeUnschedulable' },
        { name: 'NodeName' },
        { name: 'TaintToleration', weight: 3 },
        { name: 'NodeAffinity', weight: 2 },
        { name: 'NodePorts' },
        { name: 'NodeResourcesFit', weight: 1 },
        { name: 'DeviceShare', weight: 1 },
        { name: 'PodTopologySpread', weight: 2 },
        { name: 'InterPodAffinity', weight: 2 },
        { name: 'DefaultPreemption' },
        { name: 'NodeResourcesBalancedAllocation', weight: 1 },
        { name: 'ImageLocality', weight: 1 },
        { name: 'DefaultBinder' },
      ],
    },
  };
}

/** Plugins of the default set that a build may lack; a profile silently goes without them. */
export const OPTIONAL_DEFAULT_PLUGINS: ReadonlySet<string> = new Set(['ImageLocality', 'SchedulingGates']);

export function defaultLeaderElection(): LeaderElectionConfiguration {
  return {
    leaderElect: true,
    leaseDuration: '15s',
    renewDeadline: '10s',
    retryPeriod: '2s',
    resourceLock: 'leases',
    resourceName: 'kube-scheduler',
    resourceNamespace: 'kube-system',
  };
}

/**
 * Skiff's defaulting on top of upstream's: with DeviceShare enabled, NodeResourcesFit ignores the shared-GPU
 * resources DeviceShare accounts per device (nodes do not list them all), unless its args set
 * ignoredResources themselves.
 */
export function setSkiffProfileDefaults(profile: KubeSchedulerProfile): void {
  const p = profile.plugins;
  const enabled = [...EXTENSION_POINTS, 'multiPoint'].some((point) =>
    (p[point as keyof Plugins]?.enabled ?? []).some((x) => x.name === 'DeviceShare'),
  );
  if (!enabled) return;
  const fit = profile.pluginConfig.find((c) => c.name === 'NodeResourcesFit');
  if (!fit) {
    profile.pluginConfig.push({
      name: 'NodeResourcesFit',
      args: { ignoredResources: [...GPU_SHARE_RESOURCES] },
    });
  } else if (fit.args?.['ignoredResources'] === undefined) {
    fit.args = { ...fit.args, ignoredResources: [...GPU_SHARE_RESOURCES] };
  }
}

export function defaultConfiguration(): KubeSchedulerConfiguration {
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
    parallelism: 16,
    percentageOfNodesToScore: 0,
    podInitialBackoffSeconds: 1,
    podMaxBackoffSeconds: 10,
    leaderElection: defaultLeaderElection(),
    clientConnection: { kubeconfig: '', qps: 50, burst: 100 },
    profiles: [defaultProfile(DEFAULT_SCHEDULER_NAME)],
  };
}

function defaultProfile(schedulerName: string): KubeSchedulerProfile {
  const profile: KubeSchedulerProfile = { schedulerName, plugins: defaultPlugins(), pluginConfig: [] };
  setSkiffProfileDefaults(profile);
  return profile;
}

/** A configuration file that cannot be used; the message says where. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Merges a custom plugin set into the default one as upstream's mergePluginSet: disabled defaults (or `*`)
 * go; a custom entry with a default's name replaces it in place; other custom entries follow.
 */
export function mergePluginSet(defaults: PluginSet | undefined, custom: PluginSet | undefined): PluginSet {
  const disabled = new Set((custom?.disabled ?? []).map((p) => p.name));
  const customByName = new Map((custom?.enabled ?? []).map((p) => [p.name, p]));
  const replaced = new Set<string>();
  const enabled: PluginRef[] = [];
  if (!disabled.has('*')) {
    for (const d of defaults?.enabled ?? []) {
      if (disabled.has(d.name)) continue;
      const c = customByName.get(d.name);
      if (c) {
        enabled.push({ ...c });
        replaced.add(d.name);
      } else enabled.push({ ...d });
    }
  }
  for (const c of custom?.enabled ?? []) if (!replaced.has(c.name)) enabled.push({ ...c });
  return { enabled, disabled: [...(custom?.disabled ?? [])] };
}

export function mergePlugins(defaults: Plugins, custom: Plugins | undefined): Plugins {
  const out: Plugins = {};
  for (const point of [...EXTENSION_POINTS, 'multiPoint'] as const) {
    if (!defaults[point] && !custom?.[point]) continue;
    out[point] = mergePluginSet(defaults[point], custom?.[point]);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, path: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${path}: must be a number`);
  return v;
}

function str(v: unknown, path: string, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw new ConfigError(`${path}: must be a string`);
  return v;
}

function pluginSet(v: unknown, path: string): PluginSet | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw new ConfigError(`${path}: must be an object with enabled/disabled lists`);
  const refs = (list: unknown, p: string): PluginRef[] | undefined => {
    if (list === undefined || list === null) return undefined;
    if (!Array.isArray(list)) throw new ConfigError(`${p}: must be a list`);
    return list.map((x, i) => {
      if (!isRecord(x) || typeof x['name'] !== 'string' || x['name'] === '') {
        throw new ConfigError(`${p}[${i}].name: Required value`);
      }
      const ref: PluginRef = { name: x['name'] };
      if (x['weight'] !== undefined) ref.weight = num(x['weight'], `${p}[${i}].weight`, 0);
      return ref;
    });
  };
  const out: PluginSet = {};
  const enabled = refs(v['enabled'], `${path}.enabled`);
  const disabled = refs(v['disabled'], `${path}.disabled`);
  if (enabled) out.enabled = enabled;
  if (disabled) out.disabled = disabled;
  return out;
}

function parseProfile(v: unknown, i: number, single: boolean): KubeSchedulerProfile {
  const path = `profiles[${i}]`;
  if (!isRecord(v)) throw new ConfigError(`${path}: must be an object`);
  const custom: Plugins = {};
  const plugins = v['plugins'];
  if (plugins !== undefined && plugins !== null) {
    if (!isRecord(plugins)) throw new ConfigError(`${path}.plugins: must be an object`);
    for (const key of Object.keys(plugins)) {
      if (![...EXTENSION_POINTS, 'multiPoint'].includes(key)) {
        throw new ConfigError(`${path}.plugins.${key}: unknown extension point`);
      }
      const set = pluginSet(plugins[key], `${path}.plugins.${key}`);
      if (set) custom[key as keyof Plugins] = set;
    }
  }
  const pluginConfig: PluginConfig[] = [];
  const pc = v['pluginConfig'];
  if (pc !== undefined && pc !== null) {
    if (!Array.isArray(pc)) throw new ConfigError(`${path}.pluginConfig: must be a list`);
    pc.forEach((x, j) => {
      if (!isRecord(x) || typeof x['name'] !== 'string' || x['name'] === '') {
        throw new ConfigError(`${path}.pluginConfig[${j}].name: Required value`);
      }
      const args = x['args'];
      if (args !== undefined && args !== null && !isRecord(args)) {
        throw new ConfigError(`${path}.pluginConfig[${j}].args: must be an object`);
      }
      const entry: PluginConfig = { name: x['name'] };
      if (isRecord(args)) {
        const { apiVersion: _a, kind: _k, ...rest } = args;
        entry.args = rest;
      }
      pluginConfig.push(entry);
    });
  }
  const schedulerName = str(
    v['schedulerName'],
    `${path}.schedulerName`,
    single ? DEFAULT_SCHEDULER_NAME : '',
  );
  const profile: KubeSchedulerProfile = {
    schedulerName,
    plugins: mergePlugins(defaultPlugins(), custom),
    pluginConfig,
  };
  if (v['percentageOfNodesToScore'] !== undefined && v['percentageOfNodesToScore'] !== null) {
    profile.percentageOfNodesToScore = num(
      v['percentageOfNodesToScore'],
      `${path}.percentageOfNodesToScore`,
      0,
    );
  }
  return profile;
}

/** Parses, defaults and validates a KubeSchedulerConfiguration document (YAML or JSON). */
export function parseConfiguration(text: string): KubeSchedulerConfiguration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`not valid YAML: ${errorText(e)}`);
  }
  return configurationFrom(doc);
}

/** Defaults and validates a configuration object already decoded. */
export function configurationFrom(doc: unknown): KubeSchedulerConfiguration {
  if (!isRecord(doc)) throw new ConfigError('the configuration must be an object');
  if (doc['apiVersion'] !== CONFIG_API_VERSION) {
    throw new ConfigError(
      `apiVersion: Unsupported value: ${JSON.stringify(doc['apiVersion'])}: supported values: "${CONFIG_API_VERSION}"`,
    );
  }
  if (doc['kind'] !== CONFIG_KIND) {
    throw new ConfigError(
      `kind: Unsupported value: ${JSON.stringify(doc['kind'])}: supported values: "${CONFIG_KIND}"`,
    );
  }
  const cfg = defaultConfiguration();
  cfg.parallelism = num(doc['parallelism'], 'parallelism', cfg.parallelism);
  cfg.percentageOfNodesToScore = num(doc['percentageOfNodesToScore'], 'percentageOfNodesToScore', 0);
  cfg.podInitialBackoffSeconds = num(doc['podInitialBackoffSeconds'], 'podInitialBackoffSeconds', 1);
  cfg.podMaxBackoffSeconds = num(doc['podMaxBackoffSeconds'], 'podMaxBackoffSeconds', 10);
  const le = doc['leaderElection'];
  if (isRecord(le)) {
    const d = cfg.leaderElection;
    cfg.leaderElection = {
      leaderElect: le['leaderElect'] === undefined ? d.leaderElect : le['leaderElect'] === true,
      leaseDuration: str(le['leaseDuration'], 'leaderElection.leaseDuration', d.leaseDuration),
      renewDeadline: str(le['renewDeadline'], 'leaderElection.renewDeadline', d.renewDeadline),
      retryPeriod: str(le['retryPeriod'], 'leaderElection.retryPeriod', d.retryPeriod),
      resourceLock: str(le['resourceLock'], 'leaderElection.resourceLock', d.resourceLock),
      resourceName: str(le['resourceName'], 'leaderElection.resourceName', d.resourceName),
      resourceNamespace: str(
        le['resourceNamespace'],
        'leaderElection.resourceNamespace',
        d.resourceNamespace,
      ),
    };
  }
  const cc = doc['clientConnection'];
  if (isRecord(cc)) {
    cfg.clientConnection = {
      kubeconfig: str(cc['kubeconfig'], 'clientConnection.kubeconfig', ''),
      qps: num(cc['qps'], 'clientConnection.qps', 50),
      burst: num(cc['burst'], 'clientConnection.burst', 100),
    };
  }
  const profiles = doc['profiles'];
  if (profiles !== undefined && profiles !== null) {
    if (!Array.isArray(profiles)) throw new ConfigError('profiles: must be a list');
    if (profiles.length > 0) cfg.profiles = profiles.map((p, i) => parseProfile(p, i, profiles.length === 1));
  }
  validateConfiguration(cfg);
  return cfg;
}

/** Upstream's ValidateKubeSchedulerConfiguration, for the fields Skiff reads; throws ConfigError. */
export function validateConfiguration(cfg: KubeSchedulerConfiguration): void {
  const errs: string[] = [];
  if (cfg.parallelism <= 0)
    errs.push(`parallelism: Invalid value: ${cfg.parallelism}: should be an integer value greater than zero`);
  const pct = (v: number | undefined, path: string): void => {
    if (v !== undefined && (v < 0 || v > 100))
      errs.push(`${path}: Invalid value: ${v}: not in valid range [0-100]`);
  };
  pct(cfg.percentageOfNodesToScore, 'percentageOfNodesToScore');
  if (cfg.podInitialBackoffSeconds <= 0) {
    errs.push(
      `podInitialBackoffSeconds: Invalid value: ${cfg.podInitialBackoffSeconds}: must be greater than 0`,
    );
  }
  if (cfg.podMaxBackoffSeconds < cfg.podInitialBackoffSeconds) {
    errs.push(
      `podMaxBackoffSeconds: Invalid value: ${cfg.podMaxBackoffSeconds}: must be greater than or equal to PodInitialBackoffSeconds`,
    );
  }
  if (cfg.profiles.length === 0) errs.push('profiles: Required value');
  const names = new Set<string>();
  cfg.profiles.forEach((p, i) => {
    const path = `profiles[${i}]`;
    if (!p.schedulerName) errs.push(`${path}.schedulerName: Required value`);
    else if (names.has(p.schedulerName))
      errs.push(`${path}.schedulerName: Duplicate value: "${p.schedulerName}"`);
    names.add(p.schedulerName);
    pct(p.percentageOfNodesToScore, `${path}.percentageOfNodesToScore`);
    const seen = new Set<string>();
    p.pluginConfig.forEach((c, j) => {
      if (seen.has(c.name)) errs.push(`${path}.pluginConfig[${j}]: Duplicate value: "${c.name}"`);
      seen.add(c.name);
    });
    for (const point of [...EXTENSION_POINTS, 'multiPoint'] as const) {
      for (const [j, ref] of (p.plugins[point]?.enabled ?? []).entries()) {
        if (ref.weight !== undefined && (ref.weight < 0 || !Number.isInteger(ref.weight))) {
          errs.push(
            `${path}.plugins.${point}.enabled[${j}].weight: Invalid value: ${ref.weight}: must be a non-negative integer`,
          );
        }
      }
    }
  });
  if (errs.length > 0) throw new ConfigError(errs.join('; '));
}
