/** @module The admission contract: plugins that mutate or reject writes after decoding and before storage. */
import type { KubeObject } from '../../api/object.js';
import type { ResourceDef } from '../../api/resource.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  def: ResourceDef;
  namespace: string;
  name: string;
  subresource: string;
  /** The incoming object (CREATE/UPDATE); mutating plugins may change it. */
  obj: KubeObject | undefined;
  /** The stored object (UPDATE/DELETE). */
  old: KubeObject | undefined;
  dryRun: boolean;
}

/**
 * One admission plugin. `admit` runs first (may mutate `attrs.obj`), `validate` after the resource's own
 * validation. Either rejects by throwing a StatusError.
 */
export interface AdmissionPlugin {
  readonly name: string;
  admit?: (attrs: AdmissionAttributes) => void | Promise<void>;
  validate?: (attrs: AdmissionAttributes) => void | Promise<void>;
  /** Called when a write that passed admission failed to persist, so reservations can be released. */
  abort?: (attrs: AdmissionAttributes) => void;
  /** Called after a create or update committed. */
  committed?: (attrs: AdmissionAttributes, stored: KubeObject) => void;
}
