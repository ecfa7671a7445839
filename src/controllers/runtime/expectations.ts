/**
 * @module Expectations (upstream's ControllerExpectations and UIDTrackingControllerExpectations): a controller
 * records how many creations and deletions it has in flight and skips acting on a key until its informers
 * have observed them all, or until they expire after five minutes.
 */
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';

/** Upstream's ExpectationsTimeout: stale expectations stop blocking a sync after this long. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

/** Pending adds and deletes of one controller key, and when they were set. */
export interface ControlleeExpectations {
  add: number;
  del: number;
  /** Epoch ms when set. */
  timestamp: number;
}

/**
 * Counts of creations/deletions a controller waits to observe, per controller key. Set before issuing writes;
 * lowered by the informer handlers as objects show up or go away (and by the controller for writes that
 * failed). `satisfiedExpectations` is true when nothing is pending, the entry expired, or none was ever set.
 */
export class ControllerExpectations {
  private readonly store = new Map<string, ControlleeExpectations>();

  constructor(private readonly clock: Clock = systemClock) {}

  getExpectations(key: string): ControlleeExpectations | undefined {
    return this.store.get(key);
  }

  satisfiedExpectations(key: string): boolean {
    const exp = this.store.get(key);
    if (!exp) return true;
    if (fulfilled(exp)) return true;
    return this.clock.now().getTime() - exp.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  /** Replaces whatever was expected for the key. */
  setExpectations(key: string, add: number, del: number): void {
    this.store.set(key, { add, del, timestamp: this.clock.now().getTime() });
  }

  expectCreations(key: string, adds: number): void {
    this.setExpectations(key, adds, 0);
  }

  expectDeletions(key: string, dels: number): void {
    this.setExpectations(key, 0, dels);
  }

  /** Adds to existing expectations (no-op without an entry). */
  raiseExpectations(key: string, add: number, del: number): void {
    const exp = this.store.get(key);
    if (!exp) return;
    exp.add += add;
    exp.del += del;
  }

  /** Subtracts from existing expectations (no-op without an entry). */
  lowerExpectations(key: string, add: number, del: number): void {
    const exp = this.store.get(key);
    if (!exp) return;
    exp.add -= add;
    exp.del -= del;
  }

  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lowerExpectations(key, 0, 1);
  }

  deleteExpectations(key: string): void {
    this.store.delete(key);
  }
}

export function fulfilled(exp: ControlleeExpectations): boolean {
  return exp.add <= 0 && exp.del <= 0;
}

/**
 * Expectations that also remember which objects (by `namespace/name` key) a controller deleted, so a pod
 * seen first with a deletionTimestamp and later as gone lowers the count once only.
 */
export class UIDTrackingControllerExpectations extends ControllerExpectations {
  private readonly uids = new Map<string, Set<string>>();

  /** The keys still expected to go away for a controller. */
  getUIDs(controllerKey: string): ReadonlySet<string> | undefined {
    return this.uids.get(controllerKey);
  }

  /** Expects the deletion of exactly these object keys (replacing earlier ones). */
  expectDeletionsOf(controllerKey: string, deletedKeys: readonly string[]): void {
    const set = new Set(deletedKeys);
    this.uids.set(controllerKey, set);
    this.expectDeletions(controllerKey, set.size);
  }

  /** Records that an object the controller deleted is going away; counts once per object. */
  deletionObservedOf(controllerKey: string, deletedKey: string): void {
    const set = this.uids.get(controllerKey);
    if (!set?.has(deletedKey)) return;
    set.delete(deletedKey);
    this.deletionObserved(controllerKey);
  }

  override deleteExpectations(key: string): void {
    super.deleteExpectations(key);
    this.uids.delete(key);
  }
}
