/**
 * @module Node selector matching (upstream's component-helpers nodeaffinity): nodeSelectorTerms with
 * In, NotIn, Exists, DoesNotExist, Gt, Lt on labels and In/NotIn on the `metadata.name` field, compiled
 * once per pod so Filter and Score only compare strings.
 */
import {
  LabelSelectorError,
  newRequirement,
  requirementMatches,
  type LabelOperator,
  type Requirement,
} from '../../../api/labels.js';
import type {
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PreferredSchedulingTerm,
} from '../../../api/openapi/generated/types.js';
import type { Node, Pod } from '../../framework/types.js';

/** The only node field a matchFields requirement can name. */
export const OBJECT_NAME_FIELD = 'metadata.name';

const LABEL_OPERATORS: Record<string, LabelOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  Gt: 'gt',
  Lt: 'lt',
};

/** A field requirement: `key` equals (or, negated, differs from) `value`. */
interface FieldRequirement {
  key: string;
  value: string;
  negate: boolean;
}

/** One parsed term; a term that failed to parse never matches. */
interface CompiledTerm {
  labels: Requirement[] | undefined;
  fields: FieldRequirement[] | undefined;
  parseError: string | undefined;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function compileLabelRequirements(exprs: readonly NodeSelectorRequirement[]): Requirement[] {
  const out: Requirement[] = [];
  for (const e of exprs) {
    const op = Object.prototype.hasOwnProperty.call(LABEL_OPERATORS, e.operator)
      ? LABEL_OPERATORS[e.operator]
      : undefined;
    if (!op) throw new LabelSelectorError(`${quote(e.operator)} is not a valid node selector operator`);
    out.push(newRequirement(e.key, op, e.values ?? []));
  }
  return out;
}

function compileFieldRequirements(exprs: readonly NodeSelectorRequirement[]): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const e of exprs) {
    if (e.operator !== 'In' && e.operator !== 'NotIn') {
      throw new LabelSelectorError(`${quote(e.operator)} is not a valid node field selector operator`);
    }
    const values = e.values ?? [];
    if (values.length !== 1) {
      throw new LabelSelectorError(
        `unexpected number of value (${values.length}) for node field selector operator ${quote(e.operator)}`,
      );
    }
    out.push({ key: e.key, value: values[0]!, negate: e.operator === 'NotIn' });
  }
  return out;
}

function isEmptyTerm(term: NodeSelectorTerm): boolean {
  return (term.matchExpressions?.length ?? 0) === 0 && (term.matchFields?.length ?? 0) === 0;
}

function compileTerm(term: NodeSelectorTerm): CompiledTerm {
  const t: CompiledTerm = { labels: undefined, fields: undefined, parseError: undefined };
  try {
    if (term.matchExpressions && term.matchExpressions.length > 0)
      t.labels = compileLabelRequirements(term.matchExpressions);
    if (term.matchFields && term.matchFields.length > 0)
      t.fields = compileFieldRequirements(term.matchFields);
  } catch (e) {
    if (!(e instanceof LabelSelectorError)) throw e;
    t.labels = undefined;
    t.fields = undefined;
    t.parseError = e.message;
  }
  return t;
}

function termMatches(t: CompiledTerm, node: Node): boolean {
  if (t.parseError !== undefined) return false;
  if (t.labels) {
    const labels = node.metadata.labels;
    for (const r of t.labels) if (!requirementMatches(r, labels)) return false;
  }
  const name = node.metadata.name;
  // A node without a name has no fields; field requirements are then not checked (as upstream).
  if (t.fields && name) {
    for (const f of t.fields) {
      const v = f.key === OBJECT_NAME_FIELD ? name : '';
      if ((v === f.value) === f.negate) return false;
    }
  }
  return true;
}

/**
 * A compiled v1.NodeSelector: its terms are ORed; an empty term, or one that does not parse, matches
 * nothing (upstream's LazyErrorNodeSelector). `errors` lists the parse errors.
 */
export class CompiledNodeSelector {
  private constructor(
    private readonly terms: readonly CompiledTerm[],
    readonly errors: readonly string[],
  ) {}

  /** Compiles leniently: terms that fail to parse are kept and never match. */
  static compile(ns: NodeSelector): CompiledNodeSelector {
    const terms: CompiledTerm[] = [];
    const errors: string[] = [];
    for (const term of ns.nodeSelectorTerms ?? []) {
      if (isEmptyTerm(term)) continue;
      const t = compileTerm(term);
      if (t.parseError !== undefined) errors.push(t.parseError);
      terms.push(t);
    }
    return new CompiledNodeSelector(terms, errors);
  }

  /** Whether some term matches the node's labels and fields; false for an absent node. */
  match(node: Node | undefined): boolean {
    if (!node) return false;
    for (const t of this.terms) if (termMatches(t, node)) return true;
    return false;
  }
}

/** Compiles strictly (upstream's NewNodeSelector): throws an Error listing every parse error. */
export function newNodeSelector(ns: NodeSelector): CompiledNodeSelector {
  const s = CompiledNodeSelector.compile(ns);
  if (s.errors.length > 0) throw new Error(joinErrors(s.errors));
  return s;
}

function joinErrors(errors: readonly string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}

/** Whether a node matches v1.NodeSelector terms (upstream's MatchNodeSelectorTerms); compiles each call. */
export function matchNodeSelectorTerms(node: Node | undefined, ns: NodeSelector): boolean {
  return CompiledNodeSelector.compile(ns).match(node);
}

/**
 * Compiled preferred scheduling terms: score(node) sums the weights of the matching terms. Terms with
 * weight 0 or no requirements are dropped.
 */
export class PreferredSchedulingTerms {
  private constructor(
    private readonly terms: ReadonlyArray<{ term: CompiledTerm; weight: number }>,
    readonly errors: readonly string[],
  ) {}

  /** Compiles leniently (terms that fail to parse are dropped and listed in `errors`). */
  static compile(terms: readonly PreferredSchedulingTerm[]): PreferredSchedulingTerms {
    const out: Array<{ term: CompiledTerm; weight: number }> = [];
    const errors: string[] = [];
    for (const t of terms) {
      if (!t.weight || isEmptyTerm(t.preference)) continue;
      const c = compileTerm(t.preference);
      if (c.parseError !== undefined) errors.push(c.parseError);
      else out.push({ term: c, weight: t.weight });
    }
    return new PreferredSchedulingTerms(out, errors);
  }

  get size(): number {
    return this.terms.length;
  }

  score(node: Node): number {
    let s = 0;
    for (const t of this.terms) if (termMatches(t.term, node)) s += t.weight;
    return s;
  }
}

/** Compiles strictly (upstream's NewPreferredSchedulingTerms): throws listing every parse error. */
export function newPreferredSchedulingTerms(
  terms: readonly PreferredSchedulingTerm[],
): PreferredSchedulingTerms {
  const p = PreferredSchedulingTerms.compile(terms);
  if (p.errors.length > 0) throw new Error(joinErrors(p.errors));
  return p;
}

/**
 * A pod's hard node constraints: spec.nodeSelector (every key=value) AND the required node affinity
 * terms (upstream's RequiredNodeAffinity). Build once per pod with {@link getRequiredNodeAffinity}.
 */
export class RequiredNodeAffinity {
  private readonly selector: ReadonlyArray<readonly [string, string]> | undefined;
  private readonly affinity: CompiledNodeSelector | undefined;

  constructor(pod: Pod) {
    const ns = pod.spec?.nodeSelector;
    const keys = ns ? Object.keys(ns) : [];
    this.selector = keys.length > 0 ? keys.map((k) => [k, ns![k]!] as const) : undefined;
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.affinity = required ? CompiledNodeSelector.compile(required) : undefined;
  }

  /** True when the pod has neither a nodeSelector nor required node affinity. */
  get isEmpty(): boolean {
    return this.selector === undefined && this.affinity === undefined;
  }

  /** Whether the node satisfies both constraints (parse errors count as no match). */
  match(node: Node | undefined): boolean {
    if (!node) return false;
    if (this.selector) {
      const labels = node.metadata.labels;
      if (!labels) return false;
      // Values are strings, so an inherited property (a function or object) never compares equal.
      for (let i = 0; i < this.selector.length; i++) {
        const kv = this.selector[i]!;
        if (labels[kv[0]] !== kv[1]) return false;
      }
    }
    return this.affinity ? this.affinity.match(node) : true;
  }
}

/** The pod's nodeSelector and required node affinity, compiled (upstream's GetRequiredNodeAffinity). */
export function getRequiredNodeAffinity(pod: Pod): RequiredNodeAffinity {
  return new RequiredNodeAffinity(pod);
}

/**
 * Whether the node satisfies the pod's nodeSelector and required node affinity (upstream's
 * PodMatchesNodeSelectorAndAffinityTerms). Compiles each call: in loops, keep a
 * {@link getRequiredNodeAffinity} result instead.
 */
export function podMatchesNodeSelectorAndAffinityTerms(pod: Pod, node: Node): boolean {
  return getRequiredNodeAffinity(pod).match(node);
}
