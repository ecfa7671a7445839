/**
 * @module Pure forms of the mutations upstream's default admission plugins make to new Pods
 * (DefaultTolerationSeconds, ServiceAccount, Priority), for the apiserver's admission chain to call;
 * they are what makes a created pod read back like one from a real cluster.
 */
import type { KubeObject } from '../../object.js';
import { type Obj, arr, ensureObj, objs, str } from './util.js';

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
/** Upstream's default for both tolerations (--default-not-ready-toleration-seconds and unreachable). */
export const DEFAULT_TOLERATION_SECONDS = 300;

/** DefaultTolerationSeconds: NoExecute tolerations for not-ready and unreachable nodes, unless already tolerated. */
export function applyDefaultTolerationSeconds(pod: KubeObject, seconds = DEFAULT_TOLERATION_SECONDS): void {
  const spec = ensureObj(pod, 'spec');
  const tolerations = objs(spec.tolerations).map(([t]) => t);
  const tolerates = (taint: string): boolean =>
    tolerations.some(
      (t) => (str(t.key) === taint || !str(t.key)) && (str(t.effect) === 'NoExecute' || !str(t.effect)),
    );
  const add: Obj[] = [];
  for (const taint of [NOT_READY_TAINT, UNREACHABLE_TAINT]) {
    if (!tolerates(taint))
      add.push({ key: taint, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (add.length > 0) spec.tolerations = [...arr(spec.tolerations), ...add];
}

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Upstream's token lifetime for the projected service-account volume (an hour plus 7s of jitter room). */
export const SERVICE_ACCOUNT_TOKEN_EXPIRATION = 3607;

/** Options of {@link applyServiceAccount}. */
export interface ServiceAccountAdmissionOptions {
  /** The account's automountServiceAccountToken, when the account sets it. */
  accountAutomount?: boolean;
  /** Random suffix of the `kube-api-access-<suffix>` volume (upstream: 5 characters). */
  volumeSuffix: string;
}

/**
 * ServiceAccount admission: `serviceAccountName: default` when unset, and, unless the pod or its
 * account opts out, the projected `kube-api-access-*` volume mounted read-only into every
 * container and init container that does not already mount the token path.
 */
export function applyServiceAccount(pod: KubeObject, opts: ServiceAccountAdmissionOptions): void {
  const spec = ensureObj(pod, 'spec');
  if (!str(spec.serviceAccountName)) spec.serviceAccountName = 'default';
  const podAutomount = spec.automountServiceAccountToken;
  const automount = typeof podAutomount === 'boolean' ? podAutomount : opts.accountAutomount !== false;
  if (!automount) return;
  const existing = objs(spec.volumes).find(([v]) => str(v.name).startsWith('kube-api-access-'));
  const name = existing ? str(existing[0].name) : `kube-api-access-${opts.volumeSuffix}`;
  let needsVolume = false;
  for (const list of ['initContainers', 'containers']) {
    for (const [c] of objs(spec[list])) {
      // An existing mount at the token path keeps the container as it is.
      if (objs(c.volumeMounts).some(([m]) => str(m.mountPath) === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
      c.volumeMounts = [
        ...arr(c.volumeMounts),
        { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH },
      ];
      needsVolume = true;
    }
  }
  if (existing || !needsVolume) return;
  spec.volumes = [
    ...arr(spec.volumes),
    {
      name,
      projected: {
        sources: [
          { serviceAccountToken: { expirationSeconds: SERVICE_ACCOUNT_TOKEN_EXPIRATION, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          {
            downwardAPI: {
              items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
            },
          },
        ],
        defaultMode: 0o644,
      },
    },
  ];
}

/** A PriorityClass as the Priority admission needs it. */
export interface PriorityClassInfo {
  name: string;
  value: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

/**
 * Priority admission: resolves spec.priorityClassName (or the global default) into spec.priority and
 * spec.preemptionPolicy. Returns an error message when the class does not exist, as upstream's
 * `no PriorityClass with name <x> was found`.
 */
export function applyPriority(pod: KubeObject, classes: readonly PriorityClassInfo[]): string | undefined {
  const spec = ensureObj(pod, 'spec');
  const name = str(spec.priorityClassName);
  let cls: PriorityClassInfo | undefined;
  if (name) {
    cls = classes.find((c) => c.name === name);
    if (!cls) return `no PriorityClass with name ${name} was found`;
  } else {
    cls = classes.filter((c) => c.globalDefault).sort((a, b) => a.value - b.value)[0];
    if (cls) spec.priorityClassName = cls.name;
  }
  const value = cls?.value ?? 0;
  if (typeof spec.priority === 'number' && spec.priority !== value) {
    return (
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; ` +
      `priority admission controller computed ${value} from the given PriorityClass name`
    );
  }
  const policy = cls?.preemptionPolicy ?? 'PreemptLowerPriority';
  if (typeof spec.preemptionPolicy === 'string' && spec.preemptionPolicy !== policy) {
    return (
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; ` +
      `priority admission controller computed ${policy} from the given PriorityClass name`
    );
  }
  spec.priority = value;
  spec.preemptionPolicy = policy;
  return undefined;
}
