/** @module apps/v1 ControllerRevision: immutable snapshots of a controller's template. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import { count, immutable, nonNegative, required } from './workload-helpers.js';

function validateRevision(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative(obj.revision, 'revision'));
  return errs;
}

/** The controller owning the revision as upstream prints it: `statefulset.apps/web`, or "<none>". */
export function controllerOf(obj: KubeObject): string {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return kind ? `${kind.toLowerCase()}/${ref.name}` : ref.name;
}

export const controllerrevisions: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  schema: 'io.k8s.api.apps.v1.ControllerRevision',
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  validateCreate: validateRevision,
  validateUpdate: (obj, old) => [...validateRevision(obj), ...immutable(obj.data, old.data, 'data')],

  table: [
    nameColumn(),
    column('Controller', controllerOf, { description: 'The controller owning this revision.' }),
    column('Revision', (o) => count(o.revision), { description: 'The revision number.' }),
    ageColumn(),
  ],
};
