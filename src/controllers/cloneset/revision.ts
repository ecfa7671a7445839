/**
 * @module CloneSet revisions as OpenKruise keeps them: ControllerRevisions whose data is the pod template
 * (`{"spec":{"template":{...,"$patch":"replace"}}}`), named `<cloneset>-<hash>` with upstream's FNV hash and
 * safe encoding, ordered by revision number.
 */
import type { OwnerReference } from '../../api/object.js';
import type { CloneSet, ControllerRevision, PersistentVolumeClaim } from '../../client/resources.js';
import { CLONESET_API_VERSION, CLONESET_KIND, VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION } from './constants.js';

type PodTemplateSpec = NonNullable<CloneSet['spec']>['template'];

const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON as Go writes a map[string]interface{}: object keys sorted at every level, and `<`, `>`, `&`, U+2028
 * and U+2029 escaped. Deterministic for equal values, whatever order their keys came in.
 */
export function canonicalJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c]!);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${canonicalJSON(k)}:${canonicalJSON(obj[k])}`).join(',')}}`;
}

/** 32-bit FNV-1 (Go's hash/fnv New32) of a string's UTF-8 bytes. */
export function fnv32(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of Buffer.from(s, 'utf8')) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h;
}

/** 32-bit FNV-1a (Go's hash/fnv New32a). */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h = (h ^ b) >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** apimachinery's rand.SafeEncodeString: maps each character onto consonants and digits (no vowels). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** upstream HashControllerRevision: FNV-1 of the data, then of the collision count, safe-encoded. */
export function hashRevisionData(raw: string, collisionCount: number | undefined): string {
  let h = fnv32(raw);
  if (collisionCount !== undefined) h = fnv32(String(collisionCount), h);
  return safeEncodeString(String(h));
}

/** upstream ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/**
 * The template as Go serializes it into revision data: template metadata always has
 * `creationTimestamp: null` and every container `resources: {}` (struct fields Go cannot omit).
 */
function templateAsGoWritesIt(template: PodTemplateSpec): Record<string, unknown> {
  const t = structuredClone(template) as Record<string, any>;
  t.metadata = { creationTimestamp: null, ...(t.metadata ?? {}) };
  const spec = t.spec;
  if (spec && typeof spec === 'object') {
    for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
      for (const c of (spec[key] ?? []) as Array<Record<string, unknown>>) c.resources ??= {};
    }
  }
  return t;
}

/** The revision data of a CloneSet: its template, to be restored by replacing the whole template. */
export function revisionData(cs: CloneSet): Record<string, unknown> {
  const template = templateAsGoWritesIt(cs.spec!.template);
  template['$patch'] = 'replace';
  return { spec: { template } };
}

/** The data of a stored revision in canonical form (what revision equality compares). */
export function revisionRaw(rev: ControllerRevision): string {
  return canonicalJSON(rev.data ?? null);
}

type Claim =
  PersistentVolumeClaim | NonNullable<NonNullable<CloneSet['spec']>['volumeClaimTemplates']>[number];

/** A hash of the claim templates' names and specs (the revision annotation); '' without templates. */
export function volumeClaimTemplatesHash(templates: readonly Claim[] | undefined): string {
  if (!templates?.length) return '';
  const pvcs = templates
    .map((t) => ({ metadata: { name: t.metadata?.name ?? '' }, spec: t.spec ?? {} }))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  return String(fnv32a(canonicalJSON(pvcs)));
}

export function cloneSetControllerRef(cs: CloneSet): OwnerReference {
  return {
    apiVersion: CLONESET_API_VERSION,
    kind: CLONESET_KIND,
    name: cs.metadata.name ?? '',
    uid: cs.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** upstream ControllerRevisionHashLabel, set on every new revision. */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/**
 * A new (unsaved) revision of `cs` numbered `revision`, named `<cloneset>-<hash>`: the template labels plus
 * the hash label, the CloneSet's annotations plus the claim-template hash, a controller reference, and the
 * template data.
 */
export function newRevision(cs: CloneSet, revision: number, collisionCount: number): ControllerRevision {
  const annotations: Record<string, string> = { ...cs.metadata.annotations };
  annotations[VOLUME_CLAIM_TEMPLATE_HASH_ANNOTATION] = volumeClaimTemplatesHash(
    cs.spec?.volumeClaimTemplates,
  );
  const data = revisionData(cs);
  const hash = hashRevisionData(canonicalJSON(data), collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(cs.metadata.name ?? '', hash),
      namespace: cs.metadata.namespace,
      labels: { ...cs.spec?.template.metadata?.labels, [REVISION_HASH_LABEL]: hash },
      annotations,
      ownerReferences: [cloneSetControllerRef(cs)],
    },
    data,
    revision,
  };
}

/** The name a revision gets when created with this collision count (upstream's CreateControllerRevision). */
export function nameRevision(cs: CloneSet, rev: ControllerRevision, collisionCount: number): string {
  return controllerRevisionName(cs.metadata.name ?? '', hashRevisionData(revisionRaw(rev), collisionCount));
}

/** Hash labels that are 32-bit decimal numbers must match (upstream's check; safe-encoded ones never are). */
function numericHash(rev: ControllerRevision): number | undefined {
  const v = rev.metadata.labels?.[REVISION_HASH_LABEL];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n >>> 0 : undefined;
}

/** upstream EqualRevision: equal data (and equal numeric hash labels, where both have one). */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = numericHash(a);
  const hb = numericHash(b);
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return revisionRaw(a) === revisionRaw(b);
}

/** The revisions equal to `needle`. */
export function findEqualRevisions(
  revisions: readonly ControllerRevision[],
  needle: ControllerRevision,
): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** upstream SortControllerRevisions: by revision number, then creation time, then name. */
export function sortRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata.creationTimestamp ? Date.parse(a.metadata.creationTimestamp) : 0;
    const tb = b.metadata.creationTimestamp ? Date.parse(b.metadata.creationTimestamp) : 0;
    if (ta !== tb) return ta - tb;
    const na = a.metadata.name ?? '';
    const nb = b.metadata.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** One more than the highest revision number (revisions sorted), or 1. */
export function nextRevisionNumber(sorted: readonly ControllerRevision[]): number {
  const last = sorted[sorted.length - 1];
  return last ? last.revision + 1 : 1;
}

/** The pod template a revision records. */
export function templateFromRevision(rev: ControllerRevision): PodTemplateSpec {
  const data = (rev.data ?? {}) as { spec?: { template?: Record<string, unknown> } };
  const t = { ...(data.spec?.template ?? {}) };
  delete t['$patch'];
  return t;
}

/** The CloneSet as of a revision (its template replaced by the revision's). */
export function applyRevision(cs: CloneSet, rev: ControllerRevision): CloneSet {
  const out = structuredClone(cs);
  out.spec!.template = structuredClone(templateFromRevision(rev));
  return out;
}
