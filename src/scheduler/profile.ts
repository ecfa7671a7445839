/**
 * @module Profiles (upstream's pkg/scheduler/profile): one {@link Framework} per schedulerName of the
 * configuration. A pod is scheduled by the profile its spec.schedulerName names; pods naming no profile
 * are left alone.
 */
import {
  DEFAULT_SCHEDULER_NAME,
  OPTIONAL_DEFAULT_PLUGINS,
  type KubeSchedulerConfiguration,
} from './config.js';
import type { Registry } from './framework/registry.js';
import { Framework, type FrameworkDeps } from './framework/runner.js';
import type { Pod } from './framework/types.js';

/** Frameworks by schedulerName. */
export type ProfileMap = Map<string, Framework>;

/**
 * Builds every profile; they must share one QueueSort plugin (with the same args), since one queue
 * serves them all. Throws on any misconfiguration.
 */
export function newProfiles(
  cfg: KubeSchedulerConfiguration,
  registry: Registry,
  deps: FrameworkDeps,
): ProfileMap {
  const out: ProfileMap = new Map();
  let firstSort: { name: string; args: string; profile: string } | undefined;
  for (const profile of cfg.profiles) {
    if (out.has(profile.schedulerName))
      throw new Error(`duplicate profile with scheduler name "${profile.schedulerName}"`);
    const fwk = new Framework({
      ...deps,
      profile,
      registry,
      optionalPlugins: OPTIONAL_DEFAULT_PLUGINS,
      percentageOfNodesToScore: cfg.percentageOfNodesToScore,
    });
    const sortName = fwk.queueSortPlugins[0]!.name;
    const sortArgs = JSON.stringify(profile.pluginConfig.find((c) => c.name === sortName)?.args ?? null);
    if (!firstSort) firstSort = { name: sortName, args: sortArgs, profile: profile.schedulerName };
    else if (firstSort.name !== sortName) {
      throw new Error(
        `different queue sort plugins for profile "${profile.schedulerName}": "${sortName}", first: "${firstSort.name}"`,
      );
    } else if (firstSort.args !== sortArgs) {
      throw new Error(`different queue sort plugin args for profile "${profile.schedulerName}"`);
    }
    out.set(profile.schedulerName, fwk);
  }
  return out;
}

/** The profile that handles a pod (undefined: another scheduler's pod). */
export function frameworkForPod(profiles: ProfileMap, pod: Pod): Framework | undefined {
  return profiles.get(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
}
