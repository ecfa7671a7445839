/**
 * @module Incremental per-topology counts over the scheduler's node snapshot, shared by PodTopologySpread and
 * InterPodAffinity. Upstream recounts every pod of the cluster in each PreFilter/PreScore; here a table keyed
 * by what the count depends on keeps per-node contributions across cycles and refreshes only the nodes whose
 * NodeInfo generation moved, so a cycle costs O(nodes) integer compares plus O(changed nodes) recounts.
 */
import { type LabelSelector, requirementMatches, type Requirement } from '../../../api/labels.js';
import type { NodeInfo } from '../../framework/types.js';

/** The node lookups a table needs (a subset of the snapshot's NodeInfoLister). */
export interface NodeSource {
  list(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
}

/** A lister's change journal (the snapshot keeps one): see NodeInfoLister.changedSince. */
export interface NodeChangeJournal {
  readonly changeSeq?: number;
  changedSince?(seq: number): readonly string[] | undefined;
}

/**
 * A label's value, or undefined without that label. Label values are strings, so a name inherited from
 * Object.prototype (a function or object) never counts as present.
 */
export function labelValue(
  labels: Readonly<Record<string, string>> | undefined,
  key: string,
): string | undefined {
  if (labels === undefined) return undefined;
  const v: unknown = labels[key];
  return typeof v === 'string' ? v : undefined;
}

/** Matches label sets; what {@link compileSelector} returns. */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const MATCH_NOTHING: LabelMatcher = () => false;
const MATCH_EVERYTHING: LabelMatcher = () => true;

function matchRequirements(
  reqs: readonly Requirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  for (let i = 0; i < reqs.length; i++) {
    const r = reqs[i]!;
    const v = labelValue(labels, r.key);
    switch (r.operator) {
      case '=':
      case '==':
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case '!=':
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (v === undefined) return false;
        break;
      case '!':
        if (v !== undefined) return false;
        break;
      default:
        if (!requirementMatches(r, labels)) return false;
    }
  }
  return true;
}

/**
 * A matcher equivalent to `selector.matches`, specialised for the hot loops that count pods: a single
 * equality becomes one property compare, anything else a loop without per-call allocation.
 */
export function compileSelector(selector: LabelSelector): LabelMatcher {
  if (selector.isNothing()) return MATCH_NOTHING;
  const reqs = selector.requirements;
  if (reqs.length === 0) return MATCH_EVERYTHING;
  const only = reqs[0]!;
  if (
    reqs.length === 1 &&
    (only.operator === '=' || only.operator === '==' || only.operator === 'in') &&
    only.values.length === 1
  ) {
    const key = only.key;
    const value = only.values[0]!;
    return (labels) => labels !== undefined && labels[key] === value;
  }
  return (labels) => matchRequirements(reqs, labels);
}

const compiled = new WeakMap<LabelSelector, LabelMatcher>();

/** The compiled matcher of a selector, built once per selector object. */
export function matcherFor(selector: LabelSelector): LabelMatcher {
  let m = compiled.get(selector);
  if (m === undefined) compiled.set(selector, (m = compileSelector(selector)));
  return m;
}

/** What one node adds to a table: amounts by (topology key, topology value). */
export class Contribution {
  readonly keys: string[] = [];
  readonly values: string[] = [];
  readonly amounts: number[] = [];

  /** Adds `amount` at (key, value), merging with an earlier entry for the same pair. */
  add(key: string, value: string, amount: number): void {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] === key && this.values[i] === value) {
        this.amounts[i]! += amount;
        return;
      }
    }
    this.keys.push(key);
    this.values.push(value);
    this.amounts.push(amount);
  }

  get size(): number {
    return this.keys.length;
  }
}

/** A node's contribution, or null when it contributes nothing (not even an empty domain). */
export type ContributionFn = (nodeInfo: NodeInfo) => Contribution | null;

interface SeenNode {
  generation: number;
  stamp: number;
}

/**
 * Which nodes changed between two looks at the snapshot, from NodeInfo generations (a generation is never
 * reused, and a snapshot copy keeps its original's). Each look that finds a change opens a new epoch and logs
 * the changed, added and removed node names; tables catch up from the log, or rebuild when it no longer
 * reaches back far enough.
 */
export class NodeChangeLog {
  /** Bumped by every sync that saw a change. */
  epoch = 0;
  private readonly seen = new Map<string, SeenNode>();
  private order: string[] = [];
  private orderGenerations: number[] = [];
  private stamp = 0;
  private readonly log: Array<{ epoch: number; names: readonly string[] }> = [];
  /** The journal this log last caught up with, and its sequence number then. */
  private journal: NodeChangeJournal | undefined;
  private journalSeq = 0;

  constructor(private readonly maxEpochs = 64) {}

  /**
   * Looks at the snapshot's node list; returns the current epoch. With the lister's change journal, and
   * when the journal reaches back to the last look, only the nodes it names are taken as changed (no scan of
   * every node). Names the scan would also find may come again later: a table recounting a node that did
   * not change only costs time.
   */
  sync(list: readonly NodeInfo[], journal?: NodeChangeJournal): number {
    const seq = journal?.changeSeq;
    if (
      journal !== undefined &&
      seq !== undefined &&
      journal === this.journal &&
      list.length === this.order.length
    ) {
      const names = seq === this.journalSeq ? [] : journal.changedSince?.(this.journalSeq);
      if (names !== undefined) {
        this.journalSeq = seq;
        if (names.length > 0) this.record(names);
        return this.epoch;
      }
    }
    this.journal = journal;
    this.journalSeq = seq ?? 0;
    return this.scan(list);
  }

  private scan(list: readonly NodeInfo[]): number {
    const n = list.length;
    if (n === this.order.length) {
      // Nothing is updated until the whole list is known to be aligned: a half-done fast pass would hide its
      // changes from the full pass below.
      let changed: number[] | undefined;
      let aligned = true;
      for (let i = 0; i < n; i++) {
        const ni = list[i]!;
        if (ni.generation === this.orderGenerations[i]) continue;
        if (this.order[i] !== ni.name) {
          aligned = false;
          break;
        }
        (changed ??= []).push(i);
      }
      if (aligned) {
        if (changed) {
          const names: string[] = [];
          for (const i of changed) {
            const ni = list[i]!;
            this.orderGenerations[i] = ni.generation;
            this.seen.get(ni.name)!.generation = ni.generation;
            names.push(ni.name);
          }
          this.record(names);
        }
        return this.epoch;
      }
    }
    const stamp = ++this.stamp;
    const changed: string[] = [];
    const order = new Array<string>(n);
    const generations = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const ni = list[i]!;
      const name = ni.name;
      const g = ni.generation;
      order[i] = name;
      generations[i] = g;
      const s = this.seen.get(name);
      if (s === undefined) {
        this.seen.set(name, { generation: g, stamp });
        changed.push(name);
      } else {
        if (s.generation !== g) {
          s.generation = g;
          changed.push(name);
        }
        s.stamp = stamp;
      }
    }
    if (this.seen.size > n) {
      for (const [name, s] of this.seen) {
        if (s.stamp !== stamp) {
          this.seen.delete(name);
          changed.push(name);
        }
      }
    }
    this.order = order;
    this.orderGenerations = generations;
    if (changed.length > 0) this.record(changed);
    return this.epoch;
  }

  /** Names of nodes that changed after `epoch`, or undefined when the log no longer covers it. */
  changesSince(epoch: number): ReadonlySet<string> | undefined {
    if (epoch === this.epoch) return new Set();
    const first = this.log[0];
    if (epoch < 0 || first === undefined || first.epoch > epoch + 1) return undefined;
    const names = new Set<string>();
    for (const entry of this.log) if (entry.epoch > epoch) for (const n of entry.names) names.add(n);
    return names;
  }

  private record(names: readonly string[]): void {
    this.epoch++;
    this.log.push({ epoch: this.epoch, names });
    if (this.log.length > this.maxEpochs) this.log.shift();
  }
}

/** A table cell: the summed amount and how many node contributions reference it. */
export interface Cell {
  sum: number;
  refs: number;
}

interface NodeEntry {
  generation: number;
  contribution: Contribution | null;
}

/**
 * Sums of per-node contributions by (topology key, topology value). A cell exists while at least one node
 * contributes to it (its sum may be 0: an eligible domain without matching pods). Optionally tracks the
 * minimum sum over cells. `version` moves whenever a cell changes: readers that captured a version detect
 * that the table moved on under them.
 */
export class CountTable {
  private readonly cells = new Map<string, Map<string, Cell>>();
  private readonly entries = new Map<string, NodeEntry>();
  private readonly histogram: Map<number, number> | undefined;
  private minimum = Infinity;
  private minimumValid = true;
  /** Bumped on every cell change. */
  version = 0;
  /** Cells with at least one contribution. */
  size = 0;
  /** The change-log epoch this table reflects (-1: never built). */
  epoch = -1;

  constructor(
    private readonly contribute: ContributionFn,
    trackMinimum = false,
  ) {
    this.histogram = trackMinimum ? new Map() : undefined;
  }

  /**
   * Brings the table up to the log's current epoch (call `log.sync` first): recounts the nodes that changed
   * since the last sync, or rebuilds from `rebuildFrom()` (nodes not listed there contribute nothing).
   */
  sync(log: NodeChangeLog, nodes: NodeSource, rebuildFrom: () => readonly NodeInfo[]): void {
    if (this.epoch === log.epoch) return;
    const names = this.epoch < 0 ? undefined : log.changesSince(this.epoch);
    if (names === undefined) {
      this.rebuild(rebuildFrom());
    } else {
      for (const name of names) this.updateNode(name, nodes.get(name));
    }
    this.epoch = log.epoch;
  }

  /** The cells of one topology key, by topology value. */
  cellsOf(key: string): ReadonlyMap<string, Cell> | undefined {
    return this.cells.get(key);
  }

  /** The sum at (key, value); 0 when no node contributes there. */
  sum(key: string, value: string): number {
    return this.cells.get(key)?.get(value)?.sum ?? 0;
  }

  /** Topology keys with at least one cell. */
  keys(): string[] {
    return [...this.cells.keys()];
  }

  /** The smallest cell sum (Infinity without cells); only for tables built with trackMinimum. */
  min(): number {
    const h = this.histogram;
    if (h === undefined) throw new Error('CountTable: minimum not tracked');
    if (!this.minimumValid) {
      let m = Infinity;
      for (const k of h.keys()) if (k < m) m = k;
      this.minimum = m;
      this.minimumValid = true;
    }
    return this.minimum;
  }

  /** How many cells hold each sum (a copy); only for tables built with trackMinimum. */
  histogramCopy(): Map<number, number> {
    if (this.histogram === undefined) throw new Error('CountTable: minimum not tracked');
    return new Map(this.histogram);
  }

  /** The contribution last counted for a node and the generation it was counted at. */
  entry(nodeName: string): { generation: number; contribution: Contribution | null } | undefined {
    return this.entries.get(nodeName);
  }

  private rebuild(nodes: readonly NodeInfo[]): void {
    this.cells.clear();
    this.entries.clear();
    this.histogram?.clear();
    this.minimum = Infinity;
    this.minimumValid = true;
    this.size = 0;
    this.version++;
    for (const ni of nodes) {
      const c = this.contribute(ni);
      this.entries.set(ni.name, { generation: ni.generation, contribution: c });
      if (c !== null) this.apply(c, 1);
    }
  }

  private updateNode(name: string, ni: NodeInfo | undefined): void {
    const old = this.entries.get(name);
    if (old !== undefined && ni !== undefined && old.generation === ni.generation) return;
    if (old?.contribution) this.apply(old.contribution, -1);
    if (ni === undefined) {
      this.entries.delete(name);
      return;
    }
    const c = this.contribute(ni);
    this.entries.set(name, { generation: ni.generation, contribution: c });
    if (c !== null) this.apply(c, 1);
  }

  private apply(c: Contribution, sign: 1 | -1): void {
    if (c.size === 0) return;
    this.version++;
    const h = this.histogram;
    for (let i = 0; i < c.keys.length; i++) {
      const key = c.keys[i]!;
      const value = c.values[i]!;
      let inner = this.cells.get(key);
      if (inner === undefined) this.cells.set(key, (inner = new Map()));
      let cell = inner.get(value);
      if (cell === undefined) inner.set(value, (cell = { sum: 0, refs: 0 }));
      const before = cell.refs > 0 ? cell.sum : undefined;
      cell.sum += sign * c.amounts[i]!;
      cell.refs += sign;
      const after = cell.refs > 0 ? cell.sum : undefined;
      if (before === undefined && after !== undefined) this.size++;
      if (before !== undefined && after === undefined) this.size--;
      if (cell.refs <= 0) {
        inner.delete(value);
        if (inner.size === 0) this.cells.delete(key);
      }
      if (h !== undefined && before !== after) {
        if (before !== undefined) {
          const n = (h.get(before) ?? 0) - 1;
          if (n > 0) h.set(before, n);
          else {
            h.delete(before);
            if (before === this.minimum) this.minimumValid = false;
          }
        }
        if (after !== undefined) {
          h.set(after, (h.get(after) ?? 0) + 1);
          if (this.minimumValid && after < this.minimum) this.minimum = after;
        }
      }
    }
  }
}

/** Tables by query key, least recently used evicted beyond `capacity`. */
export class TableCache {
  private readonly tables = new Map<string, CountTable>();

  constructor(private readonly capacity: number) {}

  get(key: string, create: () => CountTable): CountTable {
    let t = this.tables.get(key);
    if (t !== undefined) {
      this.tables.delete(key);
      this.tables.set(key, t);
      return t;
    }
    t = create();
    this.tables.set(key, t);
    if (this.tables.size > this.capacity) {
      const oldest = this.tables.keys().next().value;
      if (oldest !== undefined) this.tables.delete(oldest);
    }
    return t;
  }

  get size(): number {
    return this.tables.size;
  }
}
