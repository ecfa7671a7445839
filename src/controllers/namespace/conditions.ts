/**
 * @module The status conditions a terminating namespace reports (upstream's namespace condition updater):
 * one condition per kind of trouble, True with the failure, or False with upstream's "all is well" text.
 */
import { rfc3339, type Clock } from '../../util/clock.js';

export const NAMESPACE_DELETION_DISCOVERY_FAILURE = 'NamespaceDeletionDiscoveryFailure';
export const NAMESPACE_DELETION_GV_PARSING_FAILURE = 'NamespaceDeletionGroupVersionParsingFailure';
export const NAMESPACE_DELETION_CONTENT_FAILURE = 'NamespaceDeletionContentFailure';
export const NAMESPACE_CONTENT_REMAINING = 'NamespaceContentRemaining';
export const NAMESPACE_FINALIZERS_REMAINING = 'NamespaceFinalizersRemaining';

/** The types the namespace controller maintains, in the order they appear in status. */
export const NAMESPACE_CONDITION_TYPES = [
  NAMESPACE_DELETION_DISCOVERY_FAILURE,
  NAMESPACE_DELETION_GV_PARSING_FAILURE,
  NAMESPACE_DELETION_CONTENT_FAILURE,
  NAMESPACE_CONTENT_REMAINING,
  NAMESPACE_FINALIZERS_REMAINING,
] as const;

const OK_REASONS: Record<string, string> = {
  [NAMESPACE_DELETION_DISCOVERY_FAILURE]: 'ResourcesDiscovered',
  [NAMESPACE_DELETION_GV_PARSING_FAILURE]: 'ParsedGroupVersions',
  [NAMESPACE_DELETION_CONTENT_FAILURE]: 'ContentDeleted',
  [NAMESPACE_CONTENT_REMAINING]: 'ContentRemoved',
  [NAMESPACE_FINALIZERS_REMAINING]: 'ContentHasNoFinalizers',
};

const OK_MESSAGES: Record<string, string> = {
  [NAMESPACE_DELETION_DISCOVERY_FAILURE]: 'All resources successfully discovered',
  [NAMESPACE_DELETION_GV_PARSING_FAILURE]: 'All legacy kube types successfully parsed',
  [NAMESPACE_DELETION_CONTENT_FAILURE]: 'All content successfully deleted, may be waiting on finalization',
  [NAMESPACE_CONTENT_REMAINING]: 'All content successfully removed',
  [NAMESPACE_FINALIZERS_REMAINING]: 'All content-preserving finalizers finished',
};

/** core/v1 NamespaceCondition. */
export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** What one pass over a namespace left behind: instances per resource, and per finalizer. */
export interface ContentTotals {
  /** Keyed by `resource.group` (core resources end with a dot, as upstream prints them). */
  remainingByResource: ReadonlyMap<string, number>;
  remainingByFinalizer: ReadonlyMap<string, number>;
}

/**
 * Collects one deletion pass's troubles, then folds them into a namespace status. A condition whose
 * status flips gets a new lastTransitionTime; reason and message follow the latest pass.
 */
export class NamespaceConditionUpdater {
  private readonly fresh: NamespaceCondition[] = [];
  private readonly contentErrors: string[] = [];

  constructor(private readonly clock: Clock) {}

  /** Discovery failed, wholly or for some groups (`failedGroups` counts the latter). */
  processDiscoverResourcesErr(err: Error, failedGroups?: number): void {
    this.fresh.push(
      this.failure(
        NAMESPACE_DELETION_DISCOVERY_FAILURE,
        'DiscoveryFailed',
        failedGroups !== undefined
          ? `Discovery failed for some groups, ${failedGroups} failing: ${err.message}`
          : err.message,
      ),
    );
  }

  processGroupVersionErr(err: Error): void {
    this.fresh.push(
      this.failure(NAMESPACE_DELETION_GV_PARSING_FAILURE, 'GroupVersionParsingFailed', err.message),
    );
  }

  processDeleteContentErr(err: Error): void {
    this.contentErrors.push(err.message);
  }

  processContentTotals(totals: ContentTotals): void {
    const byResource = [...totals.remainingByResource]
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r} has ${n} resource instances`)
      .sort();
    if (byResource.length > 0) {
      this.fresh.push(
        this.failure(
          NAMESPACE_CONTENT_REMAINING,
          'SomeResourcesRemain',
          `Some resources are remaining: ${byResource.join(', ')}`,
        ),
      );
    }
    const byFinalizer = [...totals.remainingByFinalizer]
      .filter(([, n]) => n > 0)
      .map(([f, n]) => `${f} in ${n} resource instances`)
      .sort();
    if (byFinalizer.length > 0) {
      this.fresh.push(
        this.failure(
          NAMESPACE_FINALIZERS_REMAINING,
          'SomeFinalizersRemain',
          `Some content in the namespace has finalizers remaining: ${byFinalizer.join(', ')}`,
        ),
      );
    }
  }

  /** Writes the pass's conditions into `status.conditions`; true when anything changed. */
  update(status: { conditions?: NamespaceCondition[] }): boolean {
    if (
      this.contentErrors.length > 0 &&
      !this.fresh.some((c) => c.type === NAMESPACE_DELETION_CONTENT_FAILURE)
    ) {
      const msgs = [...this.contentErrors].sort();
      this.fresh.push(
        this.failure(
          NAMESPACE_DELETION_CONTENT_FAILURE,
          'ContentDeletionFailed',
          `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
        ),
      );
    }
    let changed = false;
    const conditions = (status.conditions ??= []);
    for (const type of NAMESPACE_CONDITION_TYPES) {
      const next = this.fresh.find((c) => c.type === type) ?? this.success(type);
      const old = conditions.find((c) => c.type === type);
      if (!old) {
        conditions.push(next);
        changed = true;
        continue;
      }
      if (old.status === next.status && old.reason === next.reason && old.message === next.message) continue;
      if (old.status !== next.status) old.lastTransitionTime = this.now();
      old.status = next.status;
      old.reason = next.reason;
      old.message = next.message;
      changed = true;
    }
    return changed;
  }

  private failure(type: string, reason: string, message: string): NamespaceCondition {
    return { type, status: 'True', lastTransitionTime: this.now(), reason, message };
  }

  private success(type: string): NamespaceCondition {
    return {
      type,
      status: 'False',
      lastTransitionTime: this.now(),
      reason: OK_REASONS[type],
      message: OK_MESSAGES[type],
    };
  }

  private now(): string {
    return rfc3339(this.clock.now());
  }
}
