/**
 * @module The CloneSet controller's expectations (as OpenKruise's): names of pods and PVCs it created or
 * deleted and has not yet seen in its caches, and pod writes whose resourceVersion the cache has not yet
 * shown. A reconcile that finds expectations unsatisfied waits instead of acting on a stale cache.
 */
import type { Clock } from '../../util/clock.js';

export type ScaleAction = 'create' | 'delete';

interface ControllerScale {
  create: Set<string>;
  delete: Set<string>;
  firstUnsatisfied?: number;
}

/** Kruise's ScaleExpectations, keyed by CloneSet (`namespace/name`) and object name. */
export class ScaleExpectations {
  private readonly byController = new Map<string, ControllerScale>();

  constructor(private readonly clock: Clock) {}

  expect(controllerKey: string, action: ScaleAction, name: string): void {
    let e = this.byController.get(controllerKey);
    if (!e) this.byController.set(controllerKey, (e = { create: new Set(), delete: new Set() }));
    e[action].add(name);
  }

  observe(controllerKey: string, action: ScaleAction, name: string): void {
    const e = this.byController.get(controllerKey);
    if (!e) return;
    e[action].delete(name);
    if (e.create.size === 0 && e.delete.size === 0) this.byController.delete(controllerKey);
  }

  /**
   * Satisfied when nothing is pending; otherwise how long it has been unsatisfied (from the first check
   * that found it so) and what is pending.
   */
  satisfied(controllerKey: string): { ok: boolean; unsatisfiedMs: number; pending: string[] } {
    const e = this.byController.get(controllerKey);
    if (!e || (e.create.size === 0 && e.delete.size === 0)) {
      this.byController.delete(controllerKey);
      return { ok: true, unsatisfiedMs: 0, pending: [] };
    }
    const now = this.clock.now().getTime();
    e.firstUnsatisfied ??= now;
    const pending = [...[...e.create].map((n) => `create ${n}`), ...[...e.delete].map((n) => `delete ${n}`)];
    return { ok: false, unsatisfiedMs: now - e.firstUnsatisfied, pending };
  }

  delete(controllerKey: string): void {
    this.byController.delete(controllerKey);
  }
}

interface VersionExpectation {
  /** The resourceVersion our write produced, once the write returned. */
  expected?: string;
  /** Writes started and not yet returned. */
  inFlight: number;
  /** resourceVersions the informer delivered while writes were in flight. */
  seen: Set<string>;
  firstUnsatisfied?: number;
}

/**
 * Waits for the informer cache to show the result of our own pod writes. Resource versions are compared only
 * for equality: the informer reports every version it sees (`observe`), and a write is satisfied once the
 * version it produced has been seen (even if that happened before the write call returned).
 */
export class ResourceVersionExpectations {
  private readonly byUid = new Map<string, VersionExpectation>();

  constructor(private readonly clock: Clock) {}

  /** Call before a write of the object with this uid. */
  beginWrite(uid: string): void {
    let e = this.byUid.get(uid);
    if (!e) this.byUid.set(uid, (e = { inFlight: 0, seen: new Set() }));
    e.inFlight++;
  }

  /** Call when the write returned the object at `resourceVersion` (or failed: pass undefined). */
  endWrite(uid: string, resourceVersion: string | undefined): void {
    const e = this.byUid.get(uid);
    if (!e) return;
    e.inFlight = Math.max(0, e.inFlight - 1);
    if (resourceVersion !== undefined && !e.seen.has(resourceVersion)) {
      e.expected = resourceVersion;
      e.firstUnsatisfied = undefined;
    }
    this.gc(uid, e);
  }

  /** The informer saw the object at this version. */
  observe(uid: string, resourceVersion: string | undefined): void {
    const e = this.byUid.get(uid);
    if (!e || resourceVersion === undefined) return;
    if (e.expected === resourceVersion) e.expected = undefined;
    if (e.inFlight > 0) e.seen.add(resourceVersion);
    this.gc(uid, e);
  }

  /** Whether the cache shows our last write; otherwise for how long it has not. */
  satisfied(uid: string, cachedResourceVersion: string | undefined): { ok: boolean; unsatisfiedMs: number } {
    const e = this.byUid.get(uid);
    if (!e?.expected) return { ok: true, unsatisfiedMs: 0 };
    if (e.expected === cachedResourceVersion) {
      e.expected = undefined;
      this.gc(uid, e);
      return { ok: true, unsatisfiedMs: 0 };
    }
    const now = this.clock.now().getTime();
    e.firstUnsatisfied ??= now;
    return { ok: false, unsatisfiedMs: now - e.firstUnsatisfied };
  }

  /** Forgets an object (deleted, or given up on). */
  delete(uid: string): void {
    this.byUid.delete(uid);
  }

  get size(): number {
    return this.byUid.size;
  }

  private gc(uid: string, e: VersionExpectation): void {
    if (e.inFlight === 0) e.seen.clear();
    if (e.inFlight === 0 && e.expected === undefined) this.byUid.delete(uid);
  }
}
