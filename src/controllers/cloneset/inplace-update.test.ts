import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloneSet, Pod } from '../../client/resources.js';
import { INPLACE_UPDATE_GRACE_KEY, INPLACE_UPDATE_READY, INPLACE_UPDATE_STATE_KEY } from './constants.js';
import {
  beginInPlaceUpdate,
  calculateInPlaceUpdateSpec,
  checkPodUpdateCompleted,
  injectReadinessGate,
  parseState,
  parseUpdateSpec,
  patchUpdateSpecToPod,
  setPodReadyCondition,
  stateJSON,
  type UpdateSpec,
  updateSpecJSON,
} from './inplace-update.js';
import { newRevision } from './revision.js';
import { testCloneSet } from './testing.js';

const NOW = new Date('2024-01-01T00:00:00Z');

function revisionOf(mutate: (cs: CloneSet) => void, name: string) {
  const cs = testCloneSet(1, 0, 1, 0);
  cs.spec!.template.spec!.containers.push({ name: 'side', image: 'side:1' });
  mutate(cs);
  const rev = newRevision(cs, 1, 0);
  rev.metadata.name = name;
  return rev;
}

describe('calculateInPlaceUpdateSpec', () => {
  const base = revisionOf(() => {}, 'cs-old');
  const cases: Array<{
    name: string;
    mutate: (cs: CloneSet) => void;
    want: Omit<UpdateSpec, 'revision'> | undefined;
  }> = [
    { name: 'no change', mutate: () => {}, want: { containerImages: {} } },
    {
      name: 'one image',
      mutate: (cs) => (cs.spec!.template.spec!.containers[0]!.image = 'img:2'),
      want: { containerImages: { main: 'img:2' } },
    },
    {
      name: 'two images',
      mutate: (cs) => {
        cs.spec!.template.spec!.containers[0]!.image = 'img:2';
        cs.spec!.template.spec!.containers[1]!.image = 'side:2';
      },
      want: { containerImages: { main: 'img:2', side: 'side:2' } },
    },
    {
      name: 'image and template labels/annotations',
      mutate: (cs) => {
        cs.spec!.template.spec!.containers[0]!.image = 'img:2';
        cs.spec!.template.metadata!.labels = { app: 'demo', tier: 'web' };
        cs.spec!.template.metadata!.annotations = { note: 'a/b' };
      },
      want: {
        containerImages: { main: 'img:2' },
        metadataPatch: { labels: { tier: 'web' }, annotations: { note: 'a/b' } },
      },
    },
    {
      name: 'a removed label',
      mutate: (cs) => (cs.spec!.template.metadata!.labels = {}),
      want: { containerImages: {}, metadataPatch: { labels: { app: null } } },
    },
    {
      name: 'env added',
      mutate: (cs) => (cs.spec!.template.spec!.containers[0]!.env = [{ name: 'A', value: '1' }]),
      want: undefined,
    },
    {
      name: 'command changed',
      mutate: (cs) => (cs.spec!.template.spec!.containers[0]!.command = ['sh']),
      want: undefined,
    },
    {
      name: 'container added',
      mutate: (cs) => cs.spec!.template.spec!.containers.push({ name: 'x', image: 'x' }),
      want: undefined,
    },
    {
      name: 'container renamed',
      mutate: (cs) => (cs.spec!.template.spec!.containers[0]!.name = 'other'),
      want: undefined,
    },
    {
      name: 'pod field added',
      mutate: (cs) => (cs.spec!.template.spec!.hostNetwork = true),
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = calculateInPlaceUpdateSpec(base, revisionOf(c.mutate, 'cs-new'));
      assert.deepEqual(got, c.want && { revision: 'cs-new', ...c.want });
    });
  }

  it('needs both revisions and carries the grace period', () => {
    assert.equal(calculateInPlaceUpdateSpec(undefined, base), undefined);
    const rev = revisionOf((cs) => (cs.spec!.template.spec!.containers[0]!.image = 'img:3'), 'cs-3');
    assert.equal(calculateInPlaceUpdateSpec(base, rev, 10)?.graceSeconds, 10);
  });
});

function runningPod(): Pod {
  return {
    metadata: {
      name: 'p',
      labels: { 'label-k1': 'foo' },
      annotations: { 'annotation-k1': 'foo' },
    },
    spec: {
      containers: [
        { name: 'c1', image: 'c1-img' },
        { name: 'c2', image: 'c2-img' },
        { name: 'c3', image: 'c3-img' },
      ],
    },
    status: {
      containerStatuses: ['c1', 'c2', 'c3'].map((n) => ({
        name: n,
        image: `${n}-img`,
        imageID: `containerd://${n}-img`,
        ready: true,
        restartCount: 0,
      })),
    },
  };
}

describe('patchUpdateSpecToPod (upstream TestDefaultPatchUpdateSpecToPod, no priorities)', () => {
  it('updates a single container image and records its old imageID', () => {
    const pod = runningPod();
    const state = parseState('{"revision":"","updateTimestamp":""}');
    patchUpdateSpecToPod(pod, { revision: 'r2', containerImages: { c1: 'c1-img-new' } }, state, NOW);
    assert.equal(pod.spec!.containers[0]!.image, 'c1-img-new');
    assert.equal(pod.spec!.containers[1]!.image, 'c2-img');
    assert.deepEqual(state.lastContainerStatuses, { c1: { imageID: 'containerd://c1-img' } });
    assert.deepEqual(state.containerBatchesRecord, [
      { timestamp: '2024-01-01T00:00:00Z', containers: ['c1'] },
    ]);
    assert.equal(pod.metadata.annotations![INPLACE_UPDATE_STATE_KEY], stateJSON(state));
  });

  it('updates two images and applies the metadata patch', () => {
    const pod = runningPod();
    const state = parseState('{"revision":"","updateTimestamp":""}');
    const spec: UpdateSpec = {
      revision: 'r2',
      containerImages: { c3: 'c3-img-new', c2: 'c2-img-new' },
      metadataPatch: { annotations: { 'new-key': 'bar' }, labels: { 'label-k1': null } },
    };
    patchUpdateSpecToPod(pod, spec, state, NOW);
    assert.deepEqual(
      pod.spec!.containers.map((c) => c.image),
      ['c1-img', 'c2-img-new', 'c3-img-new'],
    );
    assert.equal(pod.metadata.annotations!['new-key'], 'bar');
    assert.equal(pod.metadata.labels!['label-k1'], undefined);
    assert.deepEqual(state.containerBatchesRecord![0]!.containers, ['c2', 'c3']);
  });
});

describe('beginInPlaceUpdate', () => {
  it('patches at once without a grace period, with upstream’s state JSON', () => {
    const pod = beginInPlaceUpdate(runningPod(), { revision: 'cs-2', containerImages: { c1: 'c1:v2' } }, NOW);
    assert.equal(pod.spec!.containers[0]!.image, 'c1:v2');
    assert.equal(
      pod.metadata.annotations![INPLACE_UPDATE_STATE_KEY],
      '{"revision":"cs-2","updateTimestamp":"2024-01-01T00:00:00Z","lastContainerStatuses":{"c1":{"imageID":"containerd://c1-img"}},"updateImages":true,"containerBatchesRecord":[{"timestamp":"2024-01-01T00:00:00Z","containers":["c1"]}]}',
    );
    assert.equal(pod.metadata.annotations![INPLACE_UPDATE_GRACE_KEY], undefined);
  });

  it('with a grace period, keeps the images and stores the spec for later', () => {
    const spec: UpdateSpec = {
      revision: 'cs-2',
      containerImages: { c1: 'c1:v2' },
      metadataPatch: { labels: { a: 'b' } },
      graceSeconds: 30,
    };
    const pod = beginInPlaceUpdate(runningPod(), spec, NOW);
    assert.equal(pod.spec!.containers[0]!.image, 'c1-img');
    assert.equal(
      pod.metadata.annotations![INPLACE_UPDATE_STATE_KEY],
      '{"revision":"cs-2","updateTimestamp":"2024-01-01T00:00:00Z","lastContainerStatuses":null,"updateImages":true}',
    );
    const stored = pod.metadata.annotations![INPLACE_UPDATE_GRACE_KEY]!;
    assert.equal(stored, updateSpecJSON(spec));
    assert.deepEqual(parseUpdateSpec(stored), spec);
    assert.match(checkPodUpdateCompleted(pod) ?? '', /grace period/);
  });
});

describe('checkPodUpdateCompleted', () => {
  const updated = () =>
    beginInPlaceUpdate(runningPod(), { revision: 'r', containerImages: { c1: 'c1:v2' } }, NOW);
  const table: Array<{
    name: string;
    status?: { image: string; imageID: string } | null;
    want: RegExp | undefined;
  }> = [
    {
      name: 'no new imageID yet',
      status: { image: 'c1-img', imageID: 'containerd://c1-img' },
      want: /imageID not changed/,
    },
    { name: 'new imageID reported', status: { image: 'c1:v2', imageID: 'c1:v2' }, want: undefined },
    {
      name: 'same imageID but already the new image',
      status: { image: 'c1:v2', imageID: 'containerd://c1-img' },
      want: undefined,
    },
    { name: 'container status missing', status: null, want: /not found statuses of containers c1/ },
  ];
  for (const t of table) {
    it(t.name, () => {
      const pod = updated();
      const statuses = pod.status!.containerStatuses!.filter((c) => c.name !== 'c1');
      if (t.status) statuses.unshift({ name: 'c1', ready: true, restartCount: 1, ...t.status });
      pod.status!.containerStatuses = statuses;
      const got = checkPodUpdateCompleted(pod);
      if (t.want) assert.match(got ?? '', t.want);
      else assert.equal(got, undefined);
    });
  }

  it('treats an untagged image as :latest', () => {
    const pod = beginInPlaceUpdate(runningPod(), { revision: 'r', containerImages: { c1: 'busybox' } }, NOW);
    pod.status!.containerStatuses![0] = {
      name: 'c1',
      image: 'busybox:latest',
      imageID: 'containerd://c1-img',
      ready: true,
      restartCount: 0,
    };
    assert.equal(checkPodUpdateCompleted(pod), undefined);
  });

  it('is complete for pods never updated in place', () => {
    assert.equal(checkPodUpdateCompleted(runningPod()), undefined);
  });
});

describe('readiness', () => {
  it('injects the InPlaceUpdateReady gate once', () => {
    const pod = runningPod();
    injectReadinessGate(pod);
    injectReadinessGate(pod);
    assert.deepEqual(pod.spec!.readinessGates, [{ conditionType: INPLACE_UPDATE_READY }]);
  });

  it('turns Ready False while a gate is not True', () => {
    const pod = runningPod();
    injectReadinessGate(pod);
    pod.status!.conditions = [
      { type: 'ContainersReady', status: 'True' },
      { type: 'Ready', status: 'True' },
      { type: INPLACE_UPDATE_READY, status: 'False', reason: 'StartInPlaceUpdate' },
    ];
    setPodReadyCondition(pod, NOW);
    assert.deepEqual(pod.status!.conditions[1], {
      type: 'Ready',
      status: 'False',
      reason: 'ReadinessGatesNotReady',
      message: 'the status of pod readiness gate "InPlaceUpdateReady" is not "True", but False',
    });
  });
});
