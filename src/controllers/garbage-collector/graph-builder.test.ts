import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OwnerReference } from '../../api/object.js';
import type { ObjectReference } from './graph.js';
import { type GraphEvent, GraphBuilder, type GraphObject } from './graph-builder.js';

interface Spec {
  ns?: string;
  owners?: OwnerReference[];
  deleting?: boolean;
  finalizers?: string[];
  /** Defaults to the name. */
  uid?: string;
}

const KINDS: Record<string, string> = {
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Pod: 'v1',
  Node: 'v1',
  ConfigMap: 'v1',
};

/** `Kind/name` → a graph object; names double as uids. */
function o(ref: string, spec: Spec = {}): GraphObject {
  const [kind, name] = ref.split('/') as [string, string];
  const ns = spec.ns ?? (kind === 'Node' ? '' : 'ns');
  return {
    apiVersion: KINDS[kind]!,
    kind,
    metadata: {
      name,
      uid: spec.uid ?? name,
      ...(ns ? { namespace: ns } : {}),
      ...(spec.owners ? { ownerReferences: spec.owners } : {}),
      ...(spec.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
      ...(spec.finalizers ? { finalizers: spec.finalizers } : {}),
    },
  };
}

/** An owner reference to `Kind/name` (uid = name). */
function owner(ref: string, extra: Partial<OwnerReference> = {}): OwnerReference {
  const [kind, name] = ref.split('/') as [string, string];
  return { apiVersion: KINDS[kind]!, kind, name, uid: name, ...extra };
}

const add = (obj: GraphObject): GraphEvent => ({ type: 'add', obj });
const update = (old: GraphObject, obj: GraphObject): GraphEvent => ({ type: 'update', old, obj });
const del = (obj: GraphObject): GraphEvent => ({ type: 'delete', obj });
const virtualDel = (obj: GraphObject): GraphEvent => ({ type: 'delete', obj, virtual: true });

interface Want {
  /** attemptToDelete adds in order, as names (rate-limited ones suffixed with `~`). */
  deletes?: string[];
  orphans?: string[];
  invalid?: string[];
  /** uid → expected node shape; `null` when it must be absent. */
  nodes?: Record<
    string,
    null | {
      virtual?: boolean;
      dependents?: string[];
      deletingDependents?: boolean;
      beingDeleted?: boolean;
      identity?: Partial<ObjectReference>;
    }
  >;
  absent?: ObjectReference[];
}

function run(events: GraphEvent[]) {
  const deletes: string[] = [];
  const orphans: string[] = [];
  const invalid: string[] = [];
  const gb = new GraphBuilder({
    queues: {
      attemptToDelete: (n, rateLimited) => deletes.push(n.identity.name + (rateLimited ? '~' : '')),
      attemptToOrphan: (n) => orphans.push(n.identity.name),
    },
    onInvalidNamespaceOwnerRef: (dep, ref) => invalid.push(`${dep.identity.name}->${ref.name}`),
  });
  for (const e of events) gb.process(e);
  return { gb, deletes, orphans, invalid };
}

function check(events: GraphEvent[], want: Want): void {
  const { gb, deletes, orphans, invalid } = run(events);
  if (want.deletes) assert.deepEqual(deletes, want.deletes, 'attemptToDelete');
  assert.deepEqual(orphans, want.orphans ?? [], 'attemptToOrphan');
  assert.deepEqual(invalid, want.invalid ?? [], 'invalid namespace reports');
  for (const [uid, shape] of Object.entries(want.nodes ?? {})) {
    const n = gb.node(uid);
    if (shape === null) {
      assert.equal(n, undefined, `${uid} removed`);
      continue;
    }
    assert.ok(n, `${uid} in the graph`);
    if (shape.virtual !== undefined) assert.equal(!n.isObserved(), shape.virtual, `${uid} virtual`);
    if (shape.dependents) {
      assert.deepEqual(
        [...n.dependents].map((d) => d.identity.name).sort(),
        [...shape.dependents].sort(),
        `${uid} dependents`,
      );
    }
    if (shape.deletingDependents !== undefined) assert.equal(n.deletingDependents, shape.deletingDependents);
    if (shape.beingDeleted !== undefined) assert.equal(n.beingDeleted, shape.beingDeleted);
    for (const [k, v] of Object.entries(shape.identity ?? {})) {
      assert.equal(n.identity[k as keyof ObjectReference], v, `${uid} identity.${k}`);
    }
  }
  for (const a of want.absent ?? []) assert.ok(gb.absentOwnerCache.has(a), `absent: ${JSON.stringify(a)}`);
}

const rsRef = owner('ReplicaSet/rs', { controller: true, blockOwnerDeletion: true });
const pod = (name: string, spec: Spec = {}) => o(`Pod/${name}`, { owners: [rsRef], ...spec });
const rs = (spec: Spec = {}) => o('ReplicaSet/rs', spec);

describe('GraphBuilder', () => {
  const cases: Array<{ name: string; events: GraphEvent[]; want: Want }> = [
    {
      name: 'a dependent seen before its owner creates a virtual owner in its namespace, queued for a check',
      events: [add(pod('p1'))],
      want: {
        deletes: ['rs'],
        nodes: {
          rs: { virtual: true, dependents: ['p1'], identity: { namespace: 'ns', kind: 'ReplicaSet' } },
          p1: { virtual: false },
        },
      },
    },
    {
      name: 'the owner observed later takes over the virtual node',
      events: [add(pod('p1')), add(rs()), add(pod('p2'))],
      want: { deletes: ['rs'], nodes: { rs: { virtual: false, dependents: ['p1', 'p2'] } } },
    },
    {
      name: 'an owner observed with other coordinates than the virtual node re-checks dependents that disagree',
      events: [
        add(o('Pod/p1', { owners: [owner('Node/n1')] })),
        add(o('ConfigMap/c1', { owners: [owner('Node/n1', { kind: 'ConfigMap', apiVersion: 'v1' })] })),
        add(o('Node/n1')),
      ],
      want: {
        // n1 virtual (queued), then c1 names known virtual n1 with another kind (queued); then the Node
        // observed cluster-scoped: c1 disagrees and is queued again.
        deletes: ['n1', 'c1', 'c1'],
        nodes: {
          n1: { virtual: false, dependents: ['p1', 'c1'], identity: { namespace: '', kind: 'Node' } },
        },
      },
    },
    {
      name: 'an owner observed in another namespace reports its dependents',
      events: [add(pod('p1', { ns: 'a' })), add(rs({ ns: 'b' }))],
      want: { deletes: ['rs', 'p1'], invalid: ['p1->rs'], nodes: { rs: { identity: { namespace: 'b' } } } },
    },
    {
      name: 'a dependent naming an observed owner in another namespace is reported and queued',
      events: [add(rs({ ns: 'a' })), add(pod('p1', { ns: 'b' }))],
      want: { deletes: ['p1'], invalid: ['p1->rs'] },
    },
    {
      name: 'a dependent naming a known owner with other coordinates is queued for a check',
      events: [add(rs()), add(o('Pod/p1', { owners: [owner('Deployment/rs')] }))],
      want: { deletes: ['p1'], nodes: { rs: { dependents: ['p1'] } } },
    },
    {
      name: 'deleting an owner removes it, queues its dependents and remembers it absent',
      events: [add(rs()), add(pod('p1')), add(pod('p2')), del(rs())],
      want: {
        deletes: ['p1', 'p2'],
        nodes: { rs: null, p1: { virtual: false } },
        absent: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs', namespace: 'ns' }],
      },
    },
    {
      name: 'deleting an owner without dependents leaves the absent cache alone',
      events: [add(rs()), del(rs())],
      want: { deletes: [], nodes: { rs: null } },
    },
    {
      name: 'foreground deletion marks the owner and queues it with its dependents',
      events: [
        add(rs()),
        add(pod('p1')),
        update(rs(), rs({ deleting: true, finalizers: ['foregroundDeletion'] })),
      ],
      want: { deletes: ['p1', 'rs'], nodes: { rs: { deletingDependents: true, beingDeleted: true } } },
    },
    {
      name: 'an owner first seen already in foreground deletion is marked at once',
      events: [add(rs({ deleting: true, finalizers: ['foregroundDeletion'] }))],
      want: { deletes: ['rs'], nodes: { rs: { deletingDependents: true, beingDeleted: true } } },
    },
    {
      name: 'a re-delivered foreground deletion is not a new transition',
      events: [
        add(rs({ deleting: true, finalizers: ['foregroundDeletion'] })),
        update(
          rs({ deleting: true, finalizers: ['foregroundDeletion'] }),
          rs({ deleting: true, finalizers: ['foregroundDeletion'] }),
        ),
      ],
      want: { deletes: ['rs'] },
    },
    {
      name: 'orphan deletion queues the owner for orphaning only',
      events: [add(rs()), add(pod('p1')), update(rs(), rs({ deleting: true, finalizers: ['orphan'] }))],
      want: {
        deletes: [],
        orphans: ['rs'],
        nodes: { rs: { beingDeleted: true, deletingDependents: false } },
      },
    },
    {
      name: 'a dependent dropping a blocking reference wakes the owner',
      events: [add(rs()), add(pod('p1')), update(pod('p1'), o('Pod/p1'))],
      want: { deletes: ['rs'], nodes: { rs: { dependents: [] } } },
    },
    {
      name: 'a dependent turning blockOwnerDeletion off wakes the owner',
      events: [
        add(rs()),
        add(pod('p1')),
        update(pod('p1'), o('Pod/p1', { owners: [{ ...rsRef, blockOwnerDeletion: false }] })),
      ],
      want: { deletes: ['rs'], nodes: { rs: { dependents: ['p1'] } } },
    },
    {
      name: 'dropping a non-blocking reference does not',
      events: [
        add(rs()),
        add(o('Pod/p1', { owners: [owner('ReplicaSet/rs')] })),
        update(pod('p1'), o('Pod/p1')),
      ],
      want: { deletes: [] },
    },
    {
      name: 'moving a dependent to a new owner relinks it',
      events: [
        add(rs()),
        add(o('ReplicaSet/rs2')),
        add(pod('p1')),
        update(pod('p1'), o('Pod/p1', { owners: [owner('ReplicaSet/rs2')] })),
      ],
      want: { deletes: ['rs'], nodes: { rs: { dependents: [] }, rs2: { dependents: ['p1'] } } },
    },
    {
      name: 'a dependent that goes away wakes an owner waiting for its dependents',
      events: [
        add(rs({ deleting: true, finalizers: ['foregroundDeletion'] })),
        add(pod('p1')),
        del(pod('p1')),
      ],
      want: { deletes: ['rs', 'rs'], nodes: { p1: null, rs: { dependents: [] } } },
    },
    {
      name: 'a virtual delete removes a virtual owner whose dependents all agree',
      events: [add(pod('p1')), virtualDel(rs())],
      want: { deletes: ['rs', 'p1'], nodes: { rs: null } },
    },
    {
      name: 'a virtual delete keeps a virtual owner other dependents name differently, under their identity',
      events: [add(pod('p1')), add(o('Pod/p2', { owners: [owner('Deployment/rs')] })), virtualDel(rs())],
      want: {
        // p2 is queued when it disagrees with the virtual node; after the virtual delete p1 (which named the
        // absent identity) is queued and the node retries as a Deployment, rate-limited.
        deletes: ['rs', 'p2', 'p1', 'rs~'],
        nodes: { rs: { virtual: true, identity: { kind: 'Deployment' }, dependents: ['p1', 'p2'] } },
        absent: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs', namespace: 'ns' }],
      },
    },
    {
      name: 'a virtual delete for other coordinates leaves an observed node and settles the dependents naming them',
      events: [
        add(rs()),
        add(o('Pod/p1', { owners: [owner('Deployment/rs')] })),
        virtualDel(o('Deployment/rs')),
      ],
      want: {
        deletes: ['p1', 'p1'],
        nodes: { rs: { virtual: false, dependents: ['p1'] } },
        absent: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'rs', uid: 'rs', namespace: 'ns' }],
      },
    },
    {
      name: 'a virtual delete of an unknown uid is ignored',
      events: [virtualDel(rs())],
      want: { deletes: [], nodes: { rs: null } },
    },
    {
      name: 'an informer delete of a virtual node removes it as well',
      events: [add(pod('p1')), del(rs())],
      want: { deletes: ['rs', 'p1'], nodes: { rs: null } },
    },
    {
      name: 'a cycle of two owners stays finite and both wait in foreground deletion',
      events: [
        add(o('ConfigMap/a', { owners: [owner('ConfigMap/b', { blockOwnerDeletion: true })] })),
        add(o('ConfigMap/b', { owners: [owner('ConfigMap/a', { blockOwnerDeletion: true })] })),
        update(
          o('ConfigMap/a', { owners: [owner('ConfigMap/b', { blockOwnerDeletion: true })] }),
          o('ConfigMap/a', {
            owners: [owner('ConfigMap/b', { blockOwnerDeletion: true })],
            deleting: true,
            finalizers: ['foregroundDeletion'],
          }),
        ),
      ],
      want: {
        deletes: ['b', 'b', 'a'],
        nodes: {
          a: { virtual: false, dependents: ['b'], deletingDependents: true },
          b: { virtual: false, dependents: ['a'] },
        },
      },
    },
    {
      name: 'an object that owns itself is its own dependent',
      events: [add(o('ConfigMap/a', { owners: [owner('ConfigMap/a')] })), del(o('ConfigMap/a'))],
      want: { deletes: ['a'], nodes: { a: null } },
    },
  ];
  for (const c of cases) it(c.name, () => check(c.events, c.want));

  it('an object without uid is ignored', () => {
    const { gb } = run([{ type: 'add', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } } }]);
    assert.equal(gb.uidToNode.size, 0);
  });

  it('enqueueVirtualDeleteEvent folds an identity in as a virtual delete', () => {
    const { gb, deletes } = run([add(pod('p1'))]);
    gb.enqueueVirtualDeleteEvent({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'rs',
      uid: 'rs',
      namespace: 'ns',
    });
    assert.equal(gb.node('rs'), undefined);
    assert.deepEqual(deletes, ['rs', 'p1']);
  });
});
