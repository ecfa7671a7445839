/** @module PrioritySort: the active queue pops higher-priority pods first, then the longest-waiting. */
import type { PluginFactory, QueuedPodInfo, QueueSortPlugin } from '../../framework/interface.js';
import type { Pod } from '../../framework/types.js';

export const NAME = 'PrioritySort';

/** spec.priority, 0 when unset (upstream's corev1helpers.PodPriority). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

export class PrioritySort implements QueueSortPlugin {
  readonly name = NAME;

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const p1 = podPriority(a.podInfo.pod);
    const p2 = podPriority(b.podInfo.pod);
    return p1 > p2 || (p1 === p2 && a.timestamp < b.timestamp);
  }
}

export const newPrioritySort: PluginFactory = () => new PrioritySort();
