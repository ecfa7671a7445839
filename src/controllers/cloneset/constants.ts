/** @module OpenKruise's label, annotation and condition names the CloneSet controller reads and writes. */

/** Each pod and the PVCs made for it carry the same instance id (the pod name's 5-character suffix). */
export const CLONESET_INSTANCE_ID = 'apps.kruise.io/cloneset-instance-id';
/** A pod with this label (any value) is deleted by its CloneSet (and replaced while replicas say so). */
export const SPECIFIED_DELETE_KEY = 'apps.kruise.io/specified-delete';
/** Opt a CloneSet into counting pods without PreparingDelete pods when scaling. */
export const SCALING_EXCLUDE_PREPARING_DELETE_KEY =
  'apps.kruise.io/cloneset-scaling-exclude-preparing-delete';

/** apps/v1 ControllerRevisionHashLabelKey: the full revision name (`<cloneset>-<hash>`). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** apps/v1 DefaultDeploymentUniqueLabelKey: the short hash of the revision. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** Lower cost pods are deleted first when scaling in. */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';
/** On ControllerRevisions: a hash of the volumeClaimTemplates. */
export const VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION = 'kruise.io/cloneset-volumeclaimtemplate-hash';

export const LIFECYCLE_STATE_KEY = 'lifecycle.apps.kruise.io/state';
export const LIFECYCLE_TIMESTAMP_KEY = 'lifecycle.apps.kruise.io/timestamp';

/** The lifecycle.apps.kruise.io/state values. */
export type LifecycleState =
  'PreparingNormal' | 'Normal' | 'PreparingUpdate' | 'Updating' | 'Updated' | 'PreparingDelete';

/** Readiness gate and condition that is False while a pod is updated in place. */
export const INPLACE_UPDATE_READY = 'InPlaceUpdateReady';
/** Readiness gate and condition the lifecycle hooks' markPodNotReady flips. */
export const KRUISE_POD_READY = 'KruisePodReady';

/** JSON InPlaceUpdateState: the revision, when, and the old imageIDs. */
export const INPLACE_UPDATE_STATE_KEY = 'apps.kruise.io/inplace-update-state';
export const INPLACE_UPDATE_STATE_KEY_OLD = 'inplace-update-state';
/** JSON UpdateSpec waiting for its gracePeriodSeconds to pass. */
export const INPLACE_UPDATE_GRACE_KEY = 'apps.kruise.io/inplace-update-grace';
export const INPLACE_UPDATE_GRACE_KEY_OLD = 'inplace-update-grace';

export const DEFAULT_MAX_UNAVAILABLE = '20%';
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
/** Length of the random pod-name suffix and instance id. */
export const INSTANCE_ID_LENGTH = 5;

export const CONDITION_FAILED_SCALE = 'FailedScale';
export const CONDITION_FAILED_UPDATE = 'FailedUpdate';

export const CLONESET_GROUP = 'apps.kruise.io';
export const CLONESET_KIND = 'CloneSet';
export const CLONESET_API_VERSION = 'apps.kruise.io/v1alpha1';
