/**
 * @module The pod admission a default cluster runs: Priority (priorityClassName → priority),
 * ServiceAccount (default account, projected API token volume) and DefaultTolerationSeconds on create;
 * Priority and DefaultTolerationSeconds again on update.
 */
import { forbidden } from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';
import {
  applyDefaultTolerationSeconds,
  applyPriority,
  applyServiceAccount,
  type PriorityClassInfo,
} from '../../api/resources/core/pod-admission.js';
import { generateName } from '../object-store.js';
import type { ObjectStore } from '../object-store.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

const EVERYTHING = { namespace: '', equalities: [], matches: () => true } as const;

export class PodDefaults implements AdmissionPlugin {
  readonly name = 'PodDefaults';

  constructor(private readonly lookup: (group: string, kind: string) => ObjectStore | undefined) {}

  async admit(attrs: AdmissionAttributes): Promise<void> {
    const { def, obj } = attrs;
    if (def.group !== '' || def.kind !== 'Pod' || attrs.subresource || !obj) return;
    if (attrs.operation === 'UPDATE') {
      admitPodUpdate(obj, attrs.old);
      return;
    }
    if (attrs.operation !== 'CREATE') return;

    const classes = this.lookup('scheduling.k8s.io', 'PriorityClass');
    if (classes) {
      const infos: PriorityClassInfo[] = classes.cache.list(EVERYTHING).map((e) => ({
        name: e.obj.metadata.name ?? '',
        value: Number(e.obj['value'] ?? 0),
        globalDefault: e.obj['globalDefault'] === true,
        preemptionPolicy:
          typeof e.obj['preemptionPolicy'] === 'string' ? e.obj['preemptionPolicy'] : undefined,
      }));
      const problem = applyPriority(obj, infos);
      if (problem) throw forbidden({ group: '', resource: 'pods' }, obj.metadata.name ?? '', problem);
    }

    const accounts = this.lookup('', 'ServiceAccount');
    const spec = isObject(obj['spec']) ? obj['spec'] : {};
    const accountName =
      typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName']
        ? spec['serviceAccountName']
        : 'default';
    const account = accounts?.cache.get(accounts.key(attrs.namespace, accountName))?.obj;
    const automount = account?.['automountServiceAccountToken'];
    applyServiceAccount(obj, {
      accountAutomount: typeof automount === 'boolean' ? automount : undefined,
      volumeSuffix: generateName('').slice(-5),
    });

    applyDefaultTolerationSeconds(obj);
    // The deprecated alias upstream's v1 conversion keeps in step with serviceAccountName.
    const podSpec = obj['spec'] as Record<string, unknown>;
    podSpec['serviceAccount'] = podSpec['serviceAccountName'];
  }
}

/**
 * On pod updates upstream's Priority plugin keeps the priority fields it set at creation, and
 * DefaultTolerationSeconds adds its tolerations back, so a write that drops them (an apply replacing
 * the tolerations list) is not refused as a change of existing tolerations.
 */
function admitPodUpdate(obj: KubeObject, old: KubeObject | undefined): void {
  const spec = isObject(obj['spec']) ? obj['spec'] : undefined;
  const oldSpec = old && isObject(old['spec']) ? old['spec'] : undefined;
  if (spec && oldSpec) {
    for (const field of ['priority', 'preemptionPolicy']) {
      if (oldSpec[field] === undefined) delete spec[field];
      else spec[field] = oldSpec[field];
    }
  }
  applyDefaultTolerationSeconds(obj);
}
