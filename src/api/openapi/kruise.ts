/**
 * @module OpenKruise's CloneSet (apps.kruise.io/v1alpha1), declared by hand field for field after
 * OpenKruise's apis/apps/v1alpha1/cloneset_types.go and the apps/pub types it uses. The pod template
 * and volume claim templates reference the core definitions, so they are validated like a Deployment's.
 */
import {
  INT_OR_STRING,
  LIST_META,
  OBJECT_META,
  TIME,
  ref,
  type GroupVersionKind,
  type Schema,
} from './schema.js';

const V1ALPHA1 = 'io.kruise.apps.v1alpha1';
const PUB = 'io.kruise.apps.pub';

export const CLONESET = `${V1ALPHA1}.CloneSet`;
export const CLONESET_LIST = `${V1ALPHA1}.CloneSetList`;

const gvk = (kind: string): GroupVersionKind[] => [{ group: 'apps.kruise.io', version: 'v1alpha1', kind }];
const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int32: Schema = { type: 'integer', format: 'int32' };
const int64: Schema = { type: 'integer', format: 'int64' };
const intOrString = ref(INT_OR_STRING);
const strings: Schema = { type: 'array', items: str };
const arrayOf = (name: string): Schema => ({ type: 'array', items: ref(name) });

export const KRUISE_DEFINITIONS: Record<string, Schema> = {
  [CLONESET]: {
    description: 'CloneSet manages a set of identical pods and can update them in place.',
    type: 'object',
    properties: {
      apiVersion: str,
      kind: str,
      metadata: {
        ...ref(OBJECT_META),
        description: 'Object metadata: name, namespace, labels, annotations, owners.',
      },
      spec: { ...ref(`${V1ALPHA1}.CloneSetSpec`), description: 'Desired pods, update and scale strategies.' },
      status: {
        ...ref(`${V1ALPHA1}.CloneSetStatus`),
        description: 'Observed state, written by the controller.',
      },
    },
    'x-kubernetes-group-version-kind': gvk('CloneSet'),
  },
  [CLONESET_LIST]: {
    type: 'object',
    properties: {
      apiVersion: str,
      items: arrayOf(CLONESET),
      kind: str,
      metadata: ref(LIST_META),
    },
    required: ['items'],
    'x-kubernetes-group-version-kind': gvk('CloneSetList'),
  },
  [`${V1ALPHA1}.CloneSetSpec`]: {
    type: 'object',
    properties: {
      replicas: int32,
      selector: ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'),
      template: ref('io.k8s.api.core.v1.PodTemplateSpec'),
      volumeClaimTemplates: arrayOf('io.k8s.api.core.v1.PersistentVolumeClaim'),
      scaleStrategy: {
        ...ref(`${V1ALPHA1}.CloneSetScaleStrategy`),
        description: 'How scaling happens: specific pods to delete, unavailability allowed while scaling.',
      },
      updateStrategy: {
        ...ref(`${V1ALPHA1}.CloneSetUpdateStrategy`),
        description:
          'How pods are updated: ReCreate, InPlaceIfPossible or InPlaceOnly, partition, surge, ordering.',
      },
      revisionHistoryLimit: int32,
      minReadySeconds: int32,
      lifecycle: ref(`${PUB}.Lifecycle`),
      progressDeadlineSeconds: int32,
    },
    required: ['selector', 'template'],
  },
  [`${V1ALPHA1}.CloneSetScaleStrategy`]: {
    type: 'object',
    properties: {
      podsToDelete: strings,
      maxUnavailable: intOrString,
      disablePVCReuse: bool,
    },
  },
  [`${V1ALPHA1}.CloneSetUpdateStrategy`]: {
    type: 'object',
    properties: {
      type: str,
      partition: intOrString,
      maxUnavailable: intOrString,
      maxSurge: intOrString,
      paused: bool,
      priorityStrategy: ref(`${PUB}.UpdatePriorityStrategy`),
      scatterStrategy: arrayOf(`${V1ALPHA1}.UpdateScatterTerm`),
      inPlaceUpdateStrategy: ref(`${PUB}.InPlaceUpdateStrategy`),
    },
  },
  [`${V1ALPHA1}.UpdateScatterTerm`]: {
    type: 'object',
    properties: { key: str, value: str },
    required: ['key', 'value'],
  },
  [`${V1ALPHA1}.CloneSetStatus`]: {
    type: 'object',
    properties: {
      observedGeneration: int64,
      replicas: int32,
      readyReplicas: int32,
      availableReplicas: int32,
      updatedReplicas: int32,
      updatedReadyReplicas: int32,
      updatedAvailableReplicas: int32,
      expectedUpdatedReplicas: int32,
      updateRevision: str,
      currentRevision: str,
      collisionCount: int32,
      conditions: arrayOf(`${V1ALPHA1}.CloneSetCondition`),
      labelSelector: str,
    },
    required: ['replicas', 'readyReplicas', 'availableReplicas', 'updatedReplicas', 'updatedReadyReplicas'],
  },
  [`${V1ALPHA1}.CloneSetCondition`]: {
    type: 'object',
    properties: {
      type: str,
      status: str,
      lastUpdateTime: ref(TIME),
      lastTransitionTime: ref(TIME),
      reason: str,
      message: str,
    },
    required: ['type', 'status'],
  },
  [`${PUB}.Lifecycle`]: {
    type: 'object',
    properties: {
      preDelete: ref(`${PUB}.LifecycleHook`),
      inPlaceUpdate: ref(`${PUB}.LifecycleHook`),
      preNormal: ref(`${PUB}.LifecycleHook`),
    },
  },
  [`${PUB}.LifecycleHook`]: {
    type: 'object',
    properties: {
      labelsHandler: { type: 'object', additionalProperties: str },
      finalizersHandler: strings,
      markPodNotReady: bool,
    },
  },
  [`${PUB}.UpdatePriorityStrategy`]: {
    type: 'object',
    properties: {
      orderPriority: arrayOf(`${PUB}.UpdatePriorityOrderTerm`),
      weightPriority: arrayOf(`${PUB}.UpdatePriorityWeightTerm`),
    },
  },
  [`${PUB}.UpdatePriorityOrderTerm`]: {
    type: 'object',
    properties: { orderedKey: str },
    required: ['orderedKey'],
  },
  [`${PUB}.UpdatePriorityWeightTerm`]: {
    type: 'object',
    properties: {
      weight: int32,
      matchSelector: ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'),
    },
    required: ['weight', 'matchSelector'],
  },
  [`${PUB}.InPlaceUpdateStrategy`]: {
    type: 'object',
    properties: {
      gracePeriodSeconds: int32,
      imagePreDownloadParallelism: intOrString,
      imagePreDownloadTimeoutSeconds: int32,
      imagePreDownloadMinUpdatedReadyPods: int32,
    },
  },
};
