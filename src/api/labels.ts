/**
 * @module Label selectors with upstream's semantics (k8s.io/apimachinery/pkg/labels): the
 * string grammar of `?labelSelector=`, metav1.LabelSelector conversion, matching and printing.
 */
import { fieldErrorBody, type FieldError } from './errors.js';
import { isQualifiedName, isValidLabelValue } from './validation/names.js';

export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One clause of a selector; `values` is sorted and de-duplicated when it came from the string grammar. */
export interface Requirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A selector that failed to parse or validate; `message` follows upstream's wording. */
export class LabelSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

const BINARY_OPERATORS: readonly string[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

/** Go's strconv.ParseInt(s, 10, 64); undefined when it would fail. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
  return v;
}

function joinErrors(errs: FieldError[]): string {
  const msgs = [...new Set(errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`))];
  return msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
}

function keyError(key: string, field: string): FieldError | undefined {
  const errs = isQualifiedName(key);
  if (errs.length === 0) return undefined;
  return { type: 'FieldValueInvalid', field, badValue: key, detail: errs.join('; ') };
}

/**
 * Builds a validated requirement as upstream's labels.NewRequirement; throws LabelSelectorError.
 * `values` is kept in the given order (String() prints it sorted).
 */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): Requirement {
  const errs: FieldError[] = [];
  const ke = keyError(key, 'key');
  if (ke) errs.push(ke);
  const vals = [...values];
  // Go prints a nil slice as null; upstream's callers pass nil for "no values".
  const badValues = vals.length === 0 ? null : vals;
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'values',
          badValue: badValues,
          detail: "for 'in', 'notin' operators, values set can't be empty",
        });
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'values',
          badValue: badValues,
          detail: 'exact-match compatibility requires one single value',
        });
      }
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'values',
          badValue: badValues,
          detail: 'values set must be empty for exists and does not exist',
        });
      }
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'values',
          badValue: badValues,
          detail: "for 'Gt', 'Lt' operators, exactly one value is required",
        });
      }
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push({
            type: 'FieldValueInvalid',
            field: `values[${i}]`,
            badValue: v,
            detail: "for 'Gt', 'Lt' operators, the value must be an integer",
          });
        }
      });
      break;
    default: {
      const supported = [...BINARY_OPERATORS, 'exists', '!'].map((o) => JSON.stringify(o)).join(', ');
      errs.push({
        type: 'FieldValueNotSupported',
        field: 'operator',
        badValue: operator,
        detail: `supported values: ${supported}`,
      });
    }
  }
  vals.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length > 0) {
      errs.push({
        type: 'FieldValueInvalid',
        field: `values[${i}][${key}]`,
        badValue: v,
        detail: ve.join('; '),
      });
    }
  });
  if (errs.length > 0) throw new LabelSelectorError(joinErrors(errs));
  return { key, operator, values: vals };
}

function hasValue(r: Requirement, v: string): boolean {
  return r.values.includes(v);
}

/** Whether one requirement holds for a label set (upstream's Requirement.Matches). */
export function requirementMatches(r: Requirement, labels: Record<string, string> | undefined): boolean {
  const present = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const val = present ? labels[r.key]! : '';
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return present && hasValue(r, val);
    case 'notin':
    case '!=':
      return !present || !hasValue(r, val);
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'gt':
    case 'lt': {
      if (!present || r.values.length !== 1) return false;
      const lv = parseInt64(val);
      const rv = parseInt64(r.values[0]!);
      if (lv === undefined || rv === undefined) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
    default:
      return false;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Upstream's Requirement.String(). */
export function requirementString(r: Requirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case '=':
    case '==':
    case '!=':
      s += r.operator;
      break;
    case 'in':
    case 'notin':
      s += ` ${r.operator} `;
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
  }
  const vals = r.values.length === 1 ? r.values[0]! : [...r.values].sort(compareStrings).join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${vals})` : s + vals;
}

/**
 * An immutable label selector: a conjunction of requirements sorted by key, or the special
 * "nothing" selector (a nil metav1.LabelSelector) that matches no object.
 */
export class LabelSelector {
  readonly requirements: readonly Requirement[];
  readonly #nothing: boolean;

  private constructor(requirements: readonly Requirement[], nothing: boolean) {
    this.requirements = Object.freeze(
      [...requirements].sort((a, b) => compareStrings(a.key, b.key)).map((r) => Object.freeze({ ...r })),
    );
    this.#nothing = nothing;
  }

  /** Builds from already-validated requirements (sorted stably by key, as upstream). */
  static of(requirements: readonly Requirement[]): LabelSelector {
    return new LabelSelector(requirements, false);
  }

  static readonly #everything = new LabelSelector([], false);
  static readonly #nothingSelector = new LabelSelector([], true);

  /** The empty selector: matches every object. */
  static everything(): LabelSelector {
    return LabelSelector.#everything;
  }

  /** Matches no object (upstream's labels.Nothing()). */
  static nothing(): LabelSelector {
    return LabelSelector.#nothingSelector;
  }

  matches(labels: Record<string, string> | undefined): boolean {
    if (this.#nothing) return false;
    return this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** True for the empty selector, which matches every object. */
  isEverything(): boolean {
    return !this.#nothing && this.requirements.length === 0;
  }

  isNothing(): boolean {
    return this.#nothing;
  }

  /** A new selector with extra requirements (upstream's Add). */
  add(...reqs: Requirement[]): LabelSelector {
    if (this.#nothing) return this;
    return new LabelSelector([...this.requirements, ...reqs], false);
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }

  /** The value the first requirement on `key` pins, if it is `=`, `==` or a single-value `in`. */
  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((x) => x.key === key);
    if (!r) return undefined;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) {
      return r.values[0];
    }
    return undefined;
  }

  /** key=value pairs that every match must have (from =, ==, and single-value in), for index lookups. */
  equalities(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const r of this.requirements) {
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) {
        out.push([r.key, r.values[0]!]);
      }
    }
    return out;
  }
}

// ---- the string grammar ----

type Token =
  | 'error'
  | 'end'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const STRING_TO_TOKEN: Record<string, Token> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

function tokenOf(s: string): Token | undefined {
  return Object.prototype.hasOwnProperty.call(STRING_TO_TOKEN, s) ? STRING_TO_TOKEN[s] : undefined;
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

interface Scanned {
  tok: Token;
  lit: string;
}

function lex(s: string): Scanned[] {
  const items: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    if (isSpecialSymbol(s[pos]!)) {
      // Longest run of special symbols that still forms a known token.
      let buf = '';
      let last: Scanned | undefined;
      while (pos < s.length && isSpecialSymbol(s[pos]!)) {
        buf += s[pos];
        pos++;
        const t = tokenOf(buf);
        if (t) {
          last = { tok: t, lit: buf };
        } else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
    } else {
      const start = pos;
      while (pos < s.length && !isSpecialSymbol(s[pos]!) && !isWhitespace(s[pos]!)) pos++;
      const word = s.slice(start, pos);
      items.push({ tok: tokenOf(word) ?? 'identifier', lit: word });
    }
  }
}

class Parser {
  private position = 0;
  constructor(private readonly items: Scanned[]) {}

  /** In value context the keywords `in` and `notin` are plain identifiers. */
  private lookahead(values: boolean): Scanned {
    const it = this.items[this.position]!;
    return values && (it.tok === 'in' || it.tok === 'notIn') ? { tok: 'identifier', lit: it.lit } : it;
  }

  private consume(values: boolean): Scanned {
    const it = this.lookahead(values);
    this.position++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case 'identifier':
        case 'doesNotExist': {
          let r: Requirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            if (e instanceof LabelSelectorError) {
              throw new LabelSelectorError(`unable to parse requirement: ${e.message}`);
            }
            throw e;
          }
          reqs.push(r);
          const next = this.consume(true);
          if (next.tok === 'end') return reqs;
          if (next.tok === 'comma') {
            const t2 = this.lookahead(true);
            if (t2.tok !== 'identifier' && t2.tok !== 'doesNotExist') {
              throw new LabelSelectorError(`found '${t2.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new LabelSelectorError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
        case 'end':
          return reqs;
        default:
          throw new LabelSelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === 'exists' || operator === '!') return newRequirement(key, operator, []);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, [...values].sort(compareStrings));
  }

  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let it = this.consume(true);
    if (it.tok === 'doesNotExist') {
      operator = '!';
      it = this.consume(true);
    }
    if (it.tok !== 'identifier') throw new LabelSelectorError(`found '${it.lit}', expected: identifier`);
    const ke = keyError(it.lit, '<nil>');
    if (ke) throw new LabelSelectorError(joinErrors([ke]));
    const next = this.lookahead(true).tok;
    if ((next === 'end' || next === 'comma') && operator !== '!') operator = 'exists';
    return { key: it.lit, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new LabelSelectorError(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== 'openPar') throw new LabelSelectorError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    switch (tok) {
      case 'identifier':
      case 'comma': {
        const s = this.parseIdentifiersList();
        if (this.consume(true).tok !== 'closedPar')
          throw new LabelSelectorError(`found '${lit}', expected: ')'`);
        return s;
      }
      case 'closedPar':
        this.consume(true);
        return new Set(['']);
      default:
        throw new LabelSelectorError(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      switch (tok) {
        case 'identifier': {
          s.add(lit);
          const next = this.lookahead(true);
          if (next.tok === 'comma') continue;
          if (next.tok === 'closedPar') return s;
          throw new LabelSelectorError(`found '${next.lit}', expected: ',' or ')'`);
        }
        case 'comma': {
          if (s.size === 0) s.add('');
          const next = this.lookahead(true).tok;
          if (next === 'closedPar') {
            s.add('');
            return s;
          }
          if (next === 'comma') s.add('');
          continue;
        }
        default:
          throw new LabelSelectorError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead(true).tok;
    if (next === 'end' || next === 'comma') return new Set(['']);
    const { tok, lit } = this.consume(true);
    if (tok === 'identifier') return new Set([lit]);
    throw new LabelSelectorError(`found '${lit}', expected: identifier`);
  }
}

/** Parses the `labelSelector` query grammar (`a=b,c in (x,y),!d,e>1`); throws LabelSelectorError. */
export function parseLabelSelector(s: string): LabelSelector {
  return LabelSelector.of(new Parser(lex(s)).parse());
}

/** metav1.LabelSelector, as it appears in specs. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, `{}` everything; an invalid key,
 * value or operator throws LabelSelectorError.
 */
export function selectorFromLabelSelector(sel: LabelSelectorSpec | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return LabelSelector.nothing();
  const matchLabels = sel.matchLabels ?? {};
  const exprs = sel.matchExpressions ?? [];
  const labelKeys = Object.keys(matchLabels).sort(compareStrings);
  if (labelKeys.length + exprs.length === 0) return LabelSelector.everything();
  const reqs: Requirement[] = labelKeys.map((k) => newRequirement(k, '=', [matchLabels[k]!]));
  for (const e of exprs) {
    const op = Object.prototype.hasOwnProperty.call(EXPRESSION_OPERATORS, e.operator)
      ? EXPRESSION_OPERATORS[e.operator]
      : undefined;
    if (!op)
      throw new LabelSelectorError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, e.values ?? []));
  }
  return LabelSelector.of(reqs);
}

/** A selector requiring every key=value of `set` (upstream's SelectorFromSet; not validated). */
export function selectorFromSet(set: Record<string, string> | null | undefined): LabelSelector {
  if (!set) return LabelSelector.everything();
  return LabelSelector.of(
    Object.keys(set).map((k) => ({ key: k, operator: '=' as const, values: [set[k]!] })),
  );
}

/** Like {@link selectorFromSet} but validates keys and values; throws LabelSelectorError. */
export function validatedSelectorFromSet(set: Record<string, string> | null | undefined): LabelSelector {
  if (!set) return LabelSelector.everything();
  return LabelSelector.of(Object.keys(set).map((k) => newRequirement(k, '=', [set[k]!])));
}
