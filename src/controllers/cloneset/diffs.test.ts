import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCALING_EXCLUDE_PREPARING_DELETE_KEY } from './constants.js';
import {
  calculateDiffs,
  DEFAULT_FEATURES,
  emptyDiffs,
  type ExpectationDiffs,
  isPodUpdateFor,
  resolveLimits,
} from './diffs.js';
import type { IntOrString } from './int-or-percent.js';
import { TEST_NOW, testCloneSet, testPod } from './testing.js';

const OLD = 'old_rev';
const NEW = 'new_rev';

interface DiffCase {
  name: string;
  /** replicas, partition, maxUnavailable, maxSurge */
  set: [number, IntOrString, IntOrString, IntOrString];
  /** revision, lifecycle state, ready, specified delete */
  pods: Array<[string, string, boolean, boolean]>;
  revisionConsistent?: boolean;
  disableRollback?: boolean;
  excludePreparingDelete?: boolean;
  preparingUpdateAsUpdate?: boolean;
  paused?: boolean;
  scaleMaxUnavailable?: IntOrString;
  expect: Partial<ExpectationDiffs>;
}

// OpenKruise's TestCalculateDiffsWithExpectation cases, run with CloneSetPartitionRollback on unless noted.
const CASES: DiffCase[] = [
  {
    name: 'an empty cloneset',
    set: [0, 0, 1, 0],
    pods: [],
    expect: {},
  },
  {
    name: 'increase replicas to 5 (step 1/2)',
    set: [5, 0, 1, 0],
    pods: [],
    expect: { scaleUpNum: 5, scaleUpLimit: 5 },
  },
  {
    name: 'increase replicas to 5 (step 2/2)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'specified delete 1 pod (all ready) (step 1/3)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { deleteReadyLimit: 1 },
  },
  {
    name: 'specified delete 1 pod (all ready) (step 2/3)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: 'specified delete 1 pod (all ready) (step 3/3)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'specified delete 2 pod (all ready) (step 1/6)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { deleteReadyLimit: 1 },
  },
  {
    name: 'specified delete 2 pod (all ready) (step 2/6)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: 'specified delete 2 pod (all ready) (step 3/6)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: 'specified delete 2 pod (all ready) (step 4/6)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { deleteReadyLimit: 1 },
  },
  {
    name: 'specified delete 2 pod (all ready) (step 5/6)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: 'specified delete 2 pod (all ready) (step 6/6)',
    set: [5, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'specified delete 2 pod and replicas to 4 (step 1/3)',
    set: [4, 0, 1, 0],
    pods: [
      [NEW, 'Normal', false, true],
      [NEW, 'Normal', false, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { deleteReadyLimit: 2 },
  },
  {
    name: 'specified delete 2 pod and replicas to 4 (step 2/3)',
    set: [4, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: 'specified delete 2 pod and replicas to 4 (step 3/3)',
    set: [4, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'update partition=3 (step 1/3)',
    set: [5, 3, 1, 0],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { updateNum: 2, updateMaxUnavailable: 1 },
  },
  {
    name: 'update partition=3 (step 2/3)',
    set: [5, 3, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { updateNum: 1, updateMaxUnavailable: 1 },
  },
  {
    name: 'update partition=3 (step 3/3)',
    set: [5, 3, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'rollback partition=4 (step 1/3)',
    set: [5, 4, 2, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { updateNum: -3, updateMaxUnavailable: 2 },
  },
  {
    name: 'rollback partition=4 (step 2/3)',
    set: [5, 4, 2, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { updateNum: -1, updateMaxUnavailable: 2 },
  },
  {
    name: 'rollback partition=4 (step 3/3)',
    set: [5, 4, 2, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'specified delete with maxSurge (step 1/4)',
    set: [5, 0, 0, 1],
    pods: [
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, useSurge: 1, scaleUpLimit: 1 },
  },
  {
    name: 'specified delete with maxSurge (step 2/4)',
    set: [5, 0, 0, 1],
    pods: [
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { useSurge: 1 },
  },
  {
    name: 'specified delete with maxSurge (step 3/4)',
    set: [5, 0, 0, 1],
    pods: [
      [NEW, 'Normal', true, true],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { deleteReadyLimit: 1, useSurge: 1 },
  },
  {
    name: 'specified delete with maxSurge (step 4/4)',
    set: [5, 0, 0, 1],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'update in-place partition=3 with maxSurge (step 1/4)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, useSurge: 1, updateNum: 2, updateMaxUnavailable: 1, scaleUpLimit: 1 },
  },
  {
    name: 'update in-place partition=3 with maxSurge (step 2/4)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { useSurge: 1, updateNum: 1, updateMaxUnavailable: 2 },
  },
  {
    name: 'update in-place partition=3 with maxSurge (step 3/4)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Updating', false, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 1, scaleDownNumOldRevision: 1, deleteReadyLimit: 0 },
  },
  {
    name: 'update in-place partition=3 with maxSurge (step 4/4)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 1, scaleDownNumOldRevision: 1, deleteReadyLimit: 1 },
  },
  {
    name: 'update recreate partition=3 with maxSurge (step 1/7)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, useSurge: 1, updateNum: 2, updateMaxUnavailable: 1, scaleUpLimit: 1 },
  },
  {
    name: 'update recreate partition=3 with maxSurge (step 2/7)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { useSurge: 1, updateNum: 1, updateMaxUnavailable: 2 },
  },
  {
    name: 'update recreate partition=3 with maxSurge (step 3/7)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, true],
      [NEW, 'Normal', false, false],
    ],
    expect: {
      useSurge: 1,
      useSurgeOldRevision: 1,
      deleteReadyLimit: 1,
      updateNum: 1,
      updateMaxUnavailable: 2,
    },
  },
  {
    name: 'update recreate partition=3 with maxSurge (step 4/7)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { useSurge: 1, scaleUpNum: 1, updateNum: 1, updateMaxUnavailable: 1, scaleUpLimit: 1 },
  },
  {
    name: 'update recreate partition=3 with maxSurge (step 5/7)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 1, scaleDownNumOldRevision: 1, deleteReadyLimit: 0 },
  },
  {
    name: 'update recreate partition=3 with maxSurge (step 6/7)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 1, scaleDownNumOldRevision: 1, deleteReadyLimit: 1 },
  },
  {
    name: 'update recreate partition=3 with maxSurge (step 7/7)',
    set: [5, 3, 1, 1],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=3, maxSurge=2 (step 1/3)',
    set: [5, '99%', 3, 2],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, useSurge: 1, updateNum: 1, updateMaxUnavailable: 3, scaleUpLimit: 1 },
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=3, maxSurge=2 (step 2/3)',
    set: [5, '99%', 3, 2],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 1, scaleDownNumOldRevision: 1, deleteReadyLimit: 3 },
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=3, maxSurge=2 (step 3/3)',
    set: [5, '99%', 3, 2],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=40%, maxSurge=30% (step 1/3)',
    set: [5, '99%', '40%', '30%'],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, useSurge: 1, updateNum: 1, updateMaxUnavailable: 2, scaleUpLimit: 1 },
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=40%, maxSurge=30% (step 2/3)',
    set: [5, '99%', '40%', '30%'],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 1, scaleDownNumOldRevision: 1, deleteReadyLimit: 2 },
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=40%, maxSurge=30% (step 3/3)',
    set: [5, '99%', '40%', '30%'],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=30%, maxSurge=30% (step 1/3)',
    set: [5, '99%', '30%', '30%'],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, useSurge: 1, updateNum: 1, updateMaxUnavailable: 1, scaleUpLimit: 1 },
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=30%, maxSurge=30% (step 2/3)',
    set: [5, '99%', '30%', '30%'],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 1, scaleDownNumOldRevision: 1, deleteReadyLimit: 1 },
  },
  {
    name: 'update recreate partition=99% with maxUnavailable=30%, maxSurge=30% (step 3/3)',
    set: [5, '99%', '30%', '30%'],
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: 'revision consistent 1',
    set: [5, 0, 1, 0],
    revisionConsistent: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'revision consistent 2',
    set: [5, 3, 1, 0],
    revisionConsistent: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'revision consistent 3',
    set: [5, 3, 1, 0],
    revisionConsistent: true,
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'revision consistent 4',
    set: [5, 1, 1, 0],
    revisionConsistent: true,
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { updateNum: 2, updateMaxUnavailable: 1 },
  },
  {
    name: 'allow to update when fail to scale out normally',
    set: [5, 1, 2, 0],
    revisionConsistent: true,
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, updateNum: 1, updateMaxUnavailable: 1, scaleUpLimit: 1 },
  },
  {
    name: 'allow to update when fail to scale in normally',
    set: [5, 1, 1, 0],
    revisionConsistent: true,
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {
      scaleDownNum: 1,
      scaleDownNumOldRevision: 2,
      deleteReadyLimit: 2,
      updateNum: 1,
      updateMaxUnavailable: 2,
    },
  },
  {
    name: 'disable rollback feature-gate',
    set: [5, 4, 1, 0],
    disableRollback: true,
    pods: [
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: 'increase replicas 0 to 5 with scale maxUnavailable = 2',
    set: [5, 0, 1, 0],
    scaleMaxUnavailable: 2,
    pods: [],
    expect: { scaleUpNum: 5, scaleUpLimit: 2 },
  },
  {
    name: 'increase replicas 3 to 6 with scale maxUnavailable = 2, not ready pod = 1',
    set: [6, 0, 1, 0],
    scaleMaxUnavailable: 2,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleUpNum: 3, scaleUpLimit: 1 },
  },
  {
    name: 'increase replicas 3 to 6 with scale maxUnavailable = 2, not ready pod = 2',
    set: [6, 0, 1, 0],
    scaleMaxUnavailable: 2,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleUpNum: 3, scaleUpLimit: 0 },
  },
  {
    name: '[scalingExcludePreparingDelete=false] specific delete a pod with lifecycle hook (step 1/4)',
    set: [3, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, true],
    ],
    expect: { deleteReadyLimit: 1 },
  },
  {
    name: '[scalingExcludePreparingDelete=false] specific delete a pod with lifecycle hook (step 2/4)',
    set: [3, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=false] specific delete a pod with lifecycle hook (step 3/4)',
    set: [3, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: '[scalingExcludePreparingDelete=false] specific delete a pod with lifecycle hook (step 4/4)',
    set: [3, 0, 1, 0],
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook (step 1/4)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, true],
    ],
    expect: { deleteReadyLimit: 1 },
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook (step 2/4)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook (step 3/4)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook (step 4/4)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 1/5)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, true],
    ],
    expect: { deleteReadyLimit: 1 },
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 2/5)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 3/5)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 4/5)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 1, deleteReadyLimit: 1 },
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 5/5)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 1/6)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 2/6)',
    set: [2, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, true],
    ],
    expect: { deleteReadyLimit: 2 },
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 3/6)',
    set: [2, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 4/6)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 5/6)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'PreparingDelete', true, true],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: '[scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 6/6)',
    set: [3, 0, 1, 0],
    excludePreparingDelete: true,
    pods: [
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', true, false],
      [NEW, 'Normal', false, false],
    ],
    expect: {},
  },
  {
    name: '[scalingWithPreparingUpdate=true] scaling up when a preparing pod is not updated, and expected-updated is 1',
    set: [4, '90%', 1, 0],
    excludePreparingDelete: true,
    preparingUpdateAsUpdate: true,
    pods: [
      [OLD, 'PreparingUpdate', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1, scaleUpNumOldRevision: 1 },
  },
  {
    name: '[scalingWithPreparingUpdate=true] scaling up when a preparing pod is not updated, and expected-updated is 2',
    set: [4, 2, 1, 0],
    excludePreparingDelete: true,
    preparingUpdateAsUpdate: true,
    pods: [
      [OLD, 'PreparingUpdate', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 1, scaleUpLimit: 1 },
  },
  {
    name: '[UpdateStrategyPaused=true] scale up pods with maxSurge=3,maxUnavailable=0',
    set: [5, 0, 0, 3],
    paused: true,
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: { scaleUpNum: 2, scaleUpLimit: 2, updateNum: 3, updateMaxUnavailable: -2 },
  },
  {
    name: '[UpdateStrategyPaused=true] scale down pods with maxSurge=3,maxUnavailable=0',
    set: [3, 0, 0, 3],
    paused: true,
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
    ],
    expect: {
      scaleDownNum: 2,
      scaleDownNumOldRevision: 5,
      deleteReadyLimit: 2,
      updateNum: 3,
      updateMaxUnavailable: 2,
    },
  },
  {
    name: '[UpdateStrategyPaused=true] create 0 newRevision pods with maxSurge=3,maxUnavailable=0',
    set: [5, 0, 0, 3],
    paused: true,
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
      [NEW, 'Normal', false, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 3, scaleDownNumOldRevision: 5, updateNum: 2, updateMaxUnavailable: 3 },
  },
  {
    name: '[UpdateStrategyPaused=true] create 0 newRevision pods with maxSurge=3,maxUnavailable=0',
    set: [5, 2, 0, 3],
    paused: true,
    pods: [
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [OLD, 'Normal', true, false],
      [NEW, 'Normal', false, false],
      [NEW, 'Normal', false, false],
      [NEW, 'Normal', false, false],
    ],
    expect: { scaleDownNum: 3, scaleDownNumOldRevision: 3 },
  },
];

describe('calculateDiffs (upstream cases)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const cs = testCloneSet(...c.set);
      if (c.paused) cs.spec!.updateStrategy!.paused = true;
      if (c.scaleMaxUnavailable !== undefined)
        cs.spec!.scaleStrategy = { maxUnavailable: c.scaleMaxUnavailable };
      if (c.excludePreparingDelete) cs.metadata.labels = { [SCALING_EXCLUDE_PREPARING_DELETE_KEY]: 'true' };
      const pods = c.pods.map(([revision, state, ready, specifiedDelete]) =>
        testPod({ revision, state, ready, specifiedDelete }),
      );
      const features = {
        ...DEFAULT_FEATURES,
        partitionRollback: !c.disableRollback,
        preparingUpdateAsUpdate: true,
      };
      const got = calculateDiffs(cs, pods, c.revisionConsistent ? NEW : OLD, NEW, {
        now: TEST_NOW,
        features,
        isPodUpdate: c.preparingUpdateAsUpdate ? isPodUpdateFor(features) : undefined,
      });
      assert.deepEqual(got, { ...emptyDiffs(), ...c.expect });
    });
  }
});

describe('calculateDiffs', () => {
  it('keeps pods at the update revision without partition rollback (the default)', () => {
    const cs = testCloneSet(5, 4, 2, 0);
    const pods = [
      ...Array.from({ length: 4 }, () => testPod({ revision: NEW, state: 'Normal', ready: true })),
      testPod({ revision: OLD, state: 'Normal', ready: true }),
    ];
    assert.deepEqual(calculateDiffs(cs, pods, OLD, NEW, { now: TEST_NOW }), emptyDiffs());
  });

  it('counts pods not yet ready for minReadySeconds as unavailable', () => {
    const cs = testCloneSet(2, 0, 1, 0);
    cs.spec!.minReadySeconds = 3600;
    const pods = [
      testPod({ revision: OLD, state: 'Normal', ready: true, readySince: '2024-01-01T00:09:00Z' }),
      testPod({ revision: OLD, state: 'Normal', ready: true, readySince: '2024-01-01T00:09:00Z' }),
    ];
    // Both old pods are unavailable: updating them does not add unavailability.
    assert.deepEqual(calculateDiffs(cs, pods, OLD, NEW, { now: TEST_NOW }), {
      ...emptyDiffs(),
      updateNum: 2,
      updateMaxUnavailable: 1,
    });
  });

  it('resolves limits as upstream: maxUnavailable rounds down only with a surge; paused drops the surge', () => {
    const table: Array<{
      set: [number, IntOrString, IntOrString, IntOrString];
      paused?: boolean;
      want: object;
    }> = [
      { set: [10, '25%', '25%', 0], want: { partition: 3, maxUnavailable: 3, maxSurge: 0 } },
      { set: [10, '25%', '25%', '15%'], want: { partition: 3, maxUnavailable: 2, maxSurge: 2 } },
      { set: [10, '99%', '20%', 0], want: { partition: 9, maxUnavailable: 2, maxSurge: 0 } },
      { set: [10, '100%', '20%', 0], want: { partition: 10, maxUnavailable: 2, maxSurge: 0 } },
      { set: [1, '50%', '20%', 0], want: { partition: 1, maxUnavailable: 1, maxSurge: 0 } },
      { set: [10, 20, '20%', 3], paused: true, want: { partition: 10, maxUnavailable: 2, maxSurge: 0 } },
    ];
    for (const t of table) {
      const cs = testCloneSet(...t.set);
      if (t.paused) cs.spec!.updateStrategy!.paused = true;
      const { partition, maxUnavailable, maxSurge } = resolveLimits(cs);
      assert.deepEqual({ partition, maxUnavailable, maxSurge }, t.want, JSON.stringify(t.set));
    }
  });
});
