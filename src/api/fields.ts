/**
 * @module Field selectors with upstream's semantics (k8s.io/apimachinery/pkg/fields): the
 * `?fieldSelector=` grammar (`a=b`, `a==b`, `a!=b`, commas, `\,` `\=` `\\` escapes) and matching.
 */

/** One clause: `==` is normalised to `=`. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** A field selector that failed to parse; `message` follows upstream's wording. */
export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

/** Escapes `\`, `,` and `=` in a value for use in a selector string. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Reverses {@link escapeFieldValue}; throws FieldSelectorError on a bad escape or a bare `,`/`=`. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') {
      // Go formats the rune with %v, i.e. as its code point number.
      throw new FieldSelectorError(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`,
      );
    } else out += c;
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An immutable conjunction of field requirements, or the "nothing" selector. A missing field
 * reads as the empty string, as upstream's fields.Set.Get.
 */
export class FieldSelector {
  /** A private copy; treat as read-only. */
  readonly requirements: FieldRequirement[];
  readonly #nothing: boolean;

  private constructor(reqs: readonly FieldRequirement[], nothing: boolean) {
    this.requirements = reqs.map((r) => ({ ...r }));
    this.#nothing = nothing;
  }

  static readonly #everything = new FieldSelector([], false);
  static readonly #nothingSelector = new FieldSelector([], true);

  /** Requirements are kept in the given order. */
  static of(reqs: readonly FieldRequirement[]): FieldSelector {
    return new FieldSelector(reqs, false);
  }

  static everything(): FieldSelector {
    return FieldSelector.#everything;
  }

  static nothing(): FieldSelector {
    return FieldSelector.#nothingSelector;
  }

  matches(fields: Record<string, string>): boolean {
    if (this.#nothing) return false;
    return this.requirements.every((r) => {
      const v = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field]! : '';
      return r.operator === '=' ? v === r.value : v !== r.value;
    });
  }

  isEverything(): boolean {
    return !this.#nothing && this.requirements.length === 0;
  }

  isNothing(): boolean {
    return this.#nothing;
  }

  /** The value the first `=` requirement on `field` pins. */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }

  /** field=value pairs every match must have, for index lookups. */
  equalities(): Array<[string, string]> {
    return this.requirements.filter((r) => r.operator === '=').map((r) => [r.field, r.value]);
  }

  /**
   * Rewrites each requirement (upstream's Transform), e.g. to map legacy field names;
   * a result with empty field and value drops the requirement.
   */
  transform(fn: (field: string, value: string) => [string, string]): FieldSelector {
    if (this.#nothing) return this;
    const out: FieldRequirement[] = [];
    for (const r of this.requirements) {
      const [field, value] = fn(r.field, r.value);
      if (field === '' && value === '') continue;
      out.push({ field, operator: r.operator, value });
    }
    return new FieldSelector(out, false);
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }
}

function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): [string, (typeof TERM_OPERATORS)[number], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** Parses `?fieldSelector=`; terms are sorted as upstream does. Throws FieldSelectorError. */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort(compareStrings);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, rhs] = split;
    const value = unescapeFieldValue(rhs);
    // Upstream drops a term whose field and value are both empty (a bare "=").
    if (field === '' && value === '') continue;
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value });
  }
  return FieldSelector.of(reqs);
}

/** A selector requiring every field=value of `set`. */
export function fieldSelectorFromSet(set: Record<string, string> | null | undefined): FieldSelector {
  if (!set) return FieldSelector.everything();
  return FieldSelector.of(
    Object.keys(set).map((field) => ({ field, operator: '=' as const, value: set[field]! })),
  );
}

/** Upstream's OneTermEqualSelector. */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return FieldSelector.of([{ field, operator: '=', value }]);
}
