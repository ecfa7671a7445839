/**
 * @module NamespaceLifecycle admission: no new objects in a missing or terminating namespace, and the
 * system namespaces cannot be deleted.
 */
import { forbidden, notFound } from '../../api/errors.js';
import type { ObjectStore } from '../object-store.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

const IMMORTAL = new Set(['default', 'kube-system', 'kube-public']);

/** Subresource creates that upstream allows in a terminating namespace. */
const ALLOWED_WHILE_TERMINATING = new Set(['eviction', 'binding', 'status']);

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';

  constructor(private readonly namespaces: () => ObjectStore | undefined) {}

  async validate(attrs: AdmissionAttributes): Promise<void> {
    const { def, operation } = attrs;
    if (def.group === '' && def.plural === 'namespaces') {
      if (operation === 'DELETE' && IMMORTAL.has(attrs.name)) {
        throw forbidden(
          { group: '', resource: 'namespaces' },
          attrs.name,
          'this namespace may not be deleted',
        );
      }
      return;
    }
    if (operation !== 'CREATE' || !def.namespaced || !attrs.namespace) return;
    const store = this.namespaces();
    if (!store) return;
    let ns = store.cache.get(store.key('', attrs.namespace));
    if (!ns) {
      await store.waitFresh();
      ns = store.cache.get(store.key('', attrs.namespace));
    }
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, attrs.namespace);
    const phase = (ns.obj['status'] as { phase?: string } | undefined)?.phase;
    if (
      (ns.obj.metadata.deletionTimestamp || phase === 'Terminating') &&
      !ALLOWED_WHILE_TERMINATING.has(attrs.subresource)
    ) {
      const message = `unable to create new content in namespace ${attrs.namespace} because it is being terminated`;
      const err = forbidden({ group: def.group, resource: def.plural }, attrs.name, message);
      err.status.details!.causes = [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }];
      throw err;
    }
  }
}
