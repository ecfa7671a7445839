/** @module rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding and ClusterRoleBinding. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef, TableColumn } from '../../resource.js';
import { nameIsDNSSubdomain, validatePathSegmentName } from '../../validation/names.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import {
  asArray,
  asObj,
  asString,
  deepEqual,
  invalid,
  notSupported,
  oneOf,
  required,
  selectorMatches,
  validateLabelSelector,
} from '../apps/workload-helpers.js';
import type { Obj } from '../apps/workload-helpers.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Upstream's ValidatePolicyRule. */
function validatePolicyRule(rule: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (asArray(rule.verbs).length === 0)
    errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = asArray(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced)
      errs.push(
        invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'),
      );
    if (
      asArray(rule.apiGroups).length > 0 ||
      asArray(rule.resources).length > 0 ||
      asArray(rule.resourceNames).length > 0
    ) {
      errs.push(
        invalid(
          `${path}.nonResourceURLs`,
          urls,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  }
  if (asArray(rule.apiGroups).length === 0) {
    errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  }
  if (asArray(rule.resources).length === 0) {
    errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  }
  return errs;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  return asArray(obj.rules).flatMap((r, i) => validatePolicyRule(asObj(r) ?? {}, namespaced, `rules[${i}]`));
}

function validateAggregationRule(obj: KubeObject): FieldError[] {
  const rule = asObj(obj.aggregationRule);
  if (!rule) return [];
  const path = 'aggregationRule.clusterRoleSelectors';
  const selectors = asArray(rule.clusterRoleSelectors);
  const errs: FieldError[] = [];
  if (selectors.length === 0)
    errs.push(required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  selectors.forEach((sel, i) => {
    errs.push(...validateLabelSelector(sel, `${path}[${i}]`));
    if (selectorMatches(sel, {}) === undefined)
      errs.push(invalid(`${path}[${i}]`, sel, 'invalid label selector.'));
  });
  return errs;
}

/** SetDefaults_Subject: User and Group subjects belong to the RBAC group. */
function defaultSubjects(obj: KubeObject): void {
  for (const raw of asArray(obj.subjects)) {
    const s = asObj(raw);
    if (!s || (typeof s.apiGroup === 'string' && s.apiGroup !== '')) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

function defaultBinding(obj: KubeObject): void {
  const ref = asObj(obj.roleRef);
  if (ref && (typeof ref.apiGroup !== 'string' || ref.apiGroup === '')) ref.apiGroup = RBAC_GROUP;
  defaultSubjects(obj);
}

/** Upstream's ValidateRoleBindingSubject. */
function validateSubject(s: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = asString(s.name) ?? '';
  const apiGroup = asString(s.apiGroup) ?? '';
  if (name === '') errs.push(required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name !== '')
        for (const msg of nameIsDNSSubdomain(name, false)) errs.push(invalid(`${path}.name`, name, msg));
      if (apiGroup !== '') errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && (asString(s.namespace) ?? '') === '') errs.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** Upstream's ValidateRoleBinding / ValidateClusterRoleBinding. */
function validateBinding(obj: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = asObj(obj.roleRef) ?? {};
  const apiGroup = asString(ref.apiGroup) ?? '';
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!oneOf(ref.kind, kinds)) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const name = asString(ref.name) ?? '';
  if (name === '') errs.push(required('roleRef.name'));
  else for (const msg of validatePathSegmentName(name, false)) errs.push(invalid('roleRef.name', name, msg));
  asArray(obj.subjects).forEach((s, i) =>
    errs.push(...validateSubject(asObj(s) ?? {}, namespaced, `subjects[${i}]`)),
  );
  return errs;
}

function validateBindingUpdate(obj: KubeObject, old: KubeObject, namespaced: boolean): FieldError[] {
  const errs = validateBinding(obj, namespaced);
  if (!deepEqual(obj.roleRef, old.roleRef))
    errs.push(invalid('roleRef', obj.roleRef, 'cannot change roleRef'));
  return errs;
}

/** The NAME / CREATED AT table the server gives kinds without a printer. */
function createdAtTable(): TableColumn[] {
  return [
    nameColumn(),
    column(
      'Created At',
      (o) => {
        const ts = o.metadata.creationTimestamp;
        if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) return null;
        return new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z');
      },
      { type: 'date', description: 'When the object was created.' },
    ),
  ];
}

function roleRefCell(o: KubeObject): string {
  const ref = asObj(o.roleRef) ?? {};
  return `${asString(ref.kind) ?? ''}/${asString(ref.name) ?? ''}`;
}

/** Upstream's SubjectsStrings: users, groups and `namespace/name` service accounts. */
export function subjectsStrings(o: KubeObject): {
  users: string[];
  groups: string[];
  serviceAccounts: string[];
} {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[] };
  for (const raw of asArray(o.subjects)) {
    const s = asObj(raw) ?? {};
    const name = asString(s.name) ?? '';
    if (s.kind === 'ServiceAccount') out.serviceAccounts.push(`${asString(s.namespace) ?? ''}/${name}`);
    else if (s.kind === 'User') out.users.push(name);
    else if (s.kind === 'Group') out.groups.push(name);
  }
  return out;
}

function bindingTable(): TableColumn[] {
  return [
    nameColumn(),
    column('Role', roleRefCell, { description: 'The role the subjects are bound to.' }),
    ageColumn(),
    column('Users', (o) => subjectsStrings(o).users.join(', '), { priority: 1, description: 'Users bound.' }),
    column('Groups', (o) => subjectsStrings(o).groups.join(', '), {
      priority: 1,
      description: 'Groups bound.',
    }),
    column('ServiceAccounts', (o) => subjectsStrings(o).serviceAccounts.join(', '), {
      priority: 1,
      description: 'Service accounts bound.',
    }),
  ];
}

const common = {
  group: RBAC_GROUP,
  version: 'v1',
  nameValidation: 'pathSegment',
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
} as const;

export const roles: ResourceDef = {
  ...common,
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  schema: 'io.k8s.api.rbac.v1.Role',
  validateCreate: (obj) => validateRules(obj, true),
  validateUpdate: (obj) => validateRules(obj, true),
  table: createdAtTable(),
};

export const clusterroles: ResourceDef = {
  ...common,
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  schema: 'io.k8s.api.rbac.v1.ClusterRole',
  validateCreate: (obj) => [...validateRules(obj, false), ...validateAggregationRule(obj)],
  validateUpdate: (obj) => [...validateRules(obj, false), ...validateAggregationRule(obj)],
  table: createdAtTable(),
};

export const rolebindings: ResourceDef = {
  ...common,
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  schema: 'io.k8s.api.rbac.v1.RoleBinding',
  defaults: defaultBinding,
  validateCreate: (obj) => validateBinding(obj, true),
  validateUpdate: (obj, old) => validateBindingUpdate(obj, old, true),
  table: bindingTable(),
};

export const clusterrolebindings: ResourceDef = {
  ...common,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  schema: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  defaults: defaultBinding,
  validateCreate: (obj) => validateBinding(obj, false),
  validateUpdate: (obj, old) => validateBindingUpdate(obj, old, false),
  table: bindingTable(),
};
