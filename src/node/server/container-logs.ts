/**
 * @module Which container's log `kubectl logs` reads, as the kubelet decides it from the pod's status
 * (validateContainerLogStatus): the running one, else the last terminated one, `--previous` the one before.
 */
import type * as api from '../../api/openapi/generated/types.js';
import type { Pod } from '../../client/resources.js';

/** Every container name of a pod: init, regular and ephemeral containers, in that order. */
export function podContainerNames(pod: Pod): string[] {
  const spec = pod.spec;
  return [
    ...(spec?.initContainers ?? []).map((c) => c.name),
    ...(spec?.containers ?? []).map((c) => c.name),
    ...(spec?.ephemeralContainers ?? []).map((c) => c.name),
  ];
}

/** The runtime's id inside a status containerID (`<runtime>://<id>`). */
export function runtimeContainerId(containerID: string): string {
  const i = containerID.indexOf('://');
  return i >= 0 ? containerID.slice(i + 3) : containerID;
}

function findStatus(status: api.PodStatus, name: string): api.ContainerStatus | undefined {
  for (const list of [
    status.containerStatuses,
    status.initContainerStatuses,
    status.ephemeralContainerStatuses,
  ]) {
    const s = list?.find((c) => c.name === name);
    if (s) return s;
  }
  return undefined;
}

/**
 * The status containerID whose log to serve, or the kubelet's message for why there is none (a 400 for
 * the API server). `podName` and `name` appear quoted in the messages, as upstream's %q.
 */
export function logContainerId(
  podName: string,
  status: api.PodStatus,
  name: string,
  previous: boolean,
): { id: string } | { error: string } {
  const q = JSON.stringify;
  const cs = findStatus(status, name);
  if (!cs) return { error: `container ${q(name)} in pod ${q(podName)} is not available` };
  const last = cs.lastState?.terminated;
  const { waiting, running, terminated } = cs.state ?? {};
  const terminatedError = { error: `container ${q(name)} in pod ${q(podName)} is terminated` };
  if (previous) {
    if (!last?.containerID) {
      return { error: `previous terminated container ${q(name)} in pod ${q(podName)} not found` };
    }
    return { id: last.containerID };
  }
  if (running) {
    return cs.containerID ? { id: cs.containerID } : terminatedError;
  }
  if (terminated) {
    if (terminated.containerID) return { id: terminated.containerID };
    return last?.containerID ? { id: last.containerID } : terminatedError;
  }
  if (last) return last.containerID ? { id: last.containerID } : terminatedError;
  if (waiting) {
    const reason = waiting.reason ?? '';
    const why =
      reason === 'ErrImagePull'
        ? "image can't be pulled"
        : reason === 'ImagePullBackOff'
          ? 'trying and failing to pull image'
          : reason;
    return { error: `container ${q(name)} in pod ${q(podName)} is waiting to start: ${why}` };
  }
  return { error: `container ${q(name)} in pod ${q(podName)} is waiting to start - no logs yet` };
}
