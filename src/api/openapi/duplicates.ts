/**
 * @module Duplicate object keys in request bodies, which JSON.parse and YAML loaders silently
 * collapse: a scanner over raw JSON text and a strict YAML parse. Paths use the unknown-field
 * notation (`metadata.name`, `spec.containers[0].name`); upstream's message is `duplicate field "<path>"`.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type Node as YamlNode } from 'yaml';

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

interface Frame {
  kind: 'object' | 'array';
  path: string;
  keys: Set<string>;
  index: number;
  /** For objects: the key whose value comes next; for arrays unused. */
  pendingKey: string | undefined;
}

function countKeys(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const item of v) n += countKeys(item);
    return n;
  }
  for (const k in v) n += 1 + countKeys((v as Record<string, unknown>)[k]);
  return n;
}

/**
 * Whether `jsonText` (which parsed to `parsed`) repeats a key in some object: JSON.parse keeps one
 * key per name, so the text has more key tokens than the value has keys exactly when one repeats.
 * A cheap check before {@link findDuplicateFields} names them.
 */
export function hasDuplicateFields(jsonText: string, parsed: unknown): boolean {
  return countKeyTokens(jsonText) !== countKeys(parsed);
}

/**
 * Counts string tokens followed (after optional whitespace) by a colon: exactly the object keys of valid
 * JSON, since string values are followed by `,`, `]` or `}`. A plain character scan, without allocation.
 */
function countKeyTokens(text: string): number {
  const n = text.length;
  let tokens = 0;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) !== 0x22) {
      i++;
      continue;
    }
    // Inside a string: skip to its closing quote, stepping over escapes.
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      i += c === 0x5c ? 2 : 1;
    }
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 0x3a) tokens++;
  }
  return tokens;
}

/**
 * Paths of keys that occur more than once in the same JSON object, in order of their second
 * occurrence (each path reported once). Tolerates malformed input: it reports what it saw before
 * the text stopped making sense; the caller's JSON.parse reports the syntax error.
 */
export function findDuplicateFields(jsonText: string): string[] {
  const out: string[] = [];
  const reported = new Set<string>();
  const stack: Frame[] = [];
  const n = jsonText.length;
  let i = 0;

  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'array') return `${top.path}[${top.index}]`;
    return join(top.path, top.pendingKey ?? '');
  };

  const readString = (): string | undefined => {
    // i is at the opening quote.
    let j = i + 1;
    let simple = true;
    while (j < n) {
      const c = jsonText.charCodeAt(j);
      if (c === 0x22) break;
      if (c === 0x5c) {
        simple = false;
        j += 2;
        continue;
      }
      j++;
    }
    if (j >= n) return undefined;
    const raw = jsonText.slice(i, j + 1);
    i = j + 1;
    if (simple) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw.slice(1, -1);
    }
  };

  while (i < n) {
    const c = jsonText[i];
    const top = stack[stack.length - 1];
    switch (c) {
      case '{':
      case '[': {
        const path = valuePath();
        stack.push({
          kind: c === '{' ? 'object' : 'array',
          path,
          keys: new Set(),
          index: 0,
          pendingKey: undefined,
        });
        i++;
        break;
      }
      case '}':
      case ']':
        stack.pop();
        i++;
        break;
      case ',':
        if (top?.kind === 'array') top.index++;
        else if (top) top.pendingKey = undefined;
        i++;
        break;
      case '"': {
        const s = readString();
        if (s === undefined) return out;
        if (top?.kind === 'object' && top.pendingKey === undefined) {
          // A key: the next significant character must be ':'.
          top.pendingKey = s;
          const path = join(top.path, s);
          if (top.keys.has(s)) {
            if (!reported.has(path)) {
              reported.add(path);
              out.push(path);
            }
          } else {
            top.keys.add(s);
          }
        }
        break;
      }
      default:
        i++;
    }
  }
  return out;
}

export type YamlParseResult =
  { ok: true; value: unknown; duplicates: string[] } | { ok: false; error: string };

/**
 * Parses the first YAML document of `text` (as upstream's YAML decoding does) without collapsing
 * duplicate keys silently: the value keeps the last occurrence, `duplicates` lists their paths.
 * A syntax error is returned, not thrown.
 */
export function parseYamlStrict(text: string): YamlParseResult {
  let docs;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const list = Array.isArray(docs) ? docs : [];
  const doc = list[0];
  if (!doc) return { ok: true, value: null, duplicates: [] };
  const first = doc.errors[0];
  if (first) return { ok: false, error: first.message };
  const duplicates: string[] = [];
  collectYamlDuplicates(doc.contents, '', duplicates);
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown, duplicates };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function collectYamlDuplicates(node: YamlNode | null, path: string, out: string[]): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const p = join(path, key);
      if (seen.has(key)) {
        if (!out.includes(p)) out.push(p);
      } else seen.add(key);
      collectYamlDuplicates(pair.value as YamlNode | null, p, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, idx) => collectYamlDuplicates(item as YamlNode | null, `${path}[${idx}]`, out));
  }
}
