import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row, updated } from '../apps/strategy-testing.js';
import { clusterrolebindings, clusterroles, rolebindings, roles } from './rbac.js';

const podReader = (rules: unknown[]): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'pod-reader' },
  rules,
});

function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', fields: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name: 'read-pods' },
    subjects: [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }],
    roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
    ...fields,
  };
}

describe('Role and ClusterRole', () => {
  const cases: Array<[string, unknown[], string[]]> = [
    ['a pod reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] }], []],
    [
      'a rule without verbs',
      [{ apiGroups: [''], resources: ['pods'] }],
      ['rules[0].verbs: Required value: verbs must contain at least one value'],
    ],
    [
      'a rule without groups and resources',
      [{ verbs: ['get'] }],
      [
        'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
        'rules[0].resources: Required value: resource rules must supply at least one resource',
      ],
    ],
    [
      'a namespaced rule on non-resource URLs',
      [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }],
      [
        'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
      ],
    ],
  ];
  for (const [name, rules, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(roles, podReader(rules)), want));
  }

  it('allows non-resource URLs in cluster roles, and checks aggregation rules', () => {
    const cr: KubeObject = {
      ...podReader([{ nonResourceURLs: ['/healthz'], verbs: ['get'] }]),
      kind: 'ClusterRole',
    };
    assert.deepEqual(createErrors(clusterroles, cr), []);
    cr.aggregationRule = { clusterRoleSelectors: [] };
    assert.deepEqual(createErrors(clusterroles, cr), [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
  });

  it('uses path-segment names and the NAME / CREATED AT table', () => {
    assert.equal(roles.nameValidation, 'pathSegment');
    assert.deepEqual(row(roles, created(roles, podReader([]))), {
      Name: 'pod-reader',
      'Created At': '2025-01-01T11:00:00Z',
    });
  });
});

describe('RoleBinding and ClusterRoleBinding', () => {
  it('defaults roleRef.apiGroup and the subjects apiGroup', () => {
    const b = created(
      rolebindings,
      binding('RoleBinding', {
        roleRef: { kind: 'Role', name: 'pod-reader' },
        subjects: [
          { kind: 'Group', name: 'devs' },
          { kind: 'ServiceAccount', name: 'default', namespace: 'ns' },
        ],
      }),
    );
    assert.equal((b.roleRef as any).apiGroup, 'rbac.authorization.k8s.io');
    assert.deepEqual(b.subjects, [
      { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'ns' },
    ]);
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a valid binding', {}, []],
    [
      'a roleRef in another group',
      { roleRef: { kind: 'Role', name: 'r', apiGroup: 'example.com' } },
      ['roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"'],
    ],
    [
      'a roleRef of the wrong kind',
      { roleRef: { kind: 'Pod', name: 'r', apiGroup: 'rbac.authorization.k8s.io' } },
      ['roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"'],
    ],
    [
      'an unknown subject kind',
      { subjects: [{ kind: 'Robot', name: 'r2' }] },
      ['subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'],
    ],
    [
      'a service account with an apiGroup',
      { subjects: [{ kind: 'ServiceAccount', name: 'sa', apiGroup: 'rbac.authorization.k8s.io' }] },
      ['subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""'],
    ],
  ];
  for (const [name, fields, want] of cases) {
    it(`validates ${name}`, () =>
      assert.deepEqual(createErrors(rolebindings, binding('RoleBinding', fields)), want));
  }

  it('requires ClusterRole refs and service account namespaces in cluster bindings', () => {
    assert.deepEqual(
      createErrors(
        clusterrolebindings,
        binding('ClusterRoleBinding', { subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }),
      ),
      [
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        'subjects[0].namespace: Required value',
      ],
    );
  });

  it('refuses a roleRef change', () => {
    const old = created(rolebindings, binding('RoleBinding', {}));
    const next = structuredClone(old);
    next.roleRef = { kind: 'ClusterRole', name: 'view', apiGroup: 'rbac.authorization.k8s.io' };
    assert.deepEqual(updated(rolebindings, next, old).errors, [
      'roleRef: Invalid value: {"kind":"ClusterRole","name":"view","apiGroup":"rbac.authorization.k8s.io"}: cannot change roleRef',
    ]);
  });

  it('prints ROLE and the wide subject columns', () => {
    const b = created(
      rolebindings,
      binding('RoleBinding', {
        subjects: [
          { kind: 'User', name: 'jane' },
          { kind: 'User', name: 'joe' },
          { kind: 'Group', name: 'devs' },
          { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
        ],
      }),
    );
    assert.deepEqual(row(rolebindings, b, true), {
      Name: 'read-pods',
      Role: 'Role/pod-reader',
      Age: '60m',
      Users: 'jane, joe',
      Groups: 'devs',
      ServiceAccounts: 'ci/builder',
    });
  });
});
