/**
 * @module Syntax checks for names, keys, ports and addresses, as upstream's
 * k8s.io/apimachinery/pkg/util/validation. Each `is*` returns error messages (empty = valid)
 * worded as upstream; callers wrap them into FieldErrors.
 */
import type { FieldError } from '../errors.js';

/** Byte length as Go's len(string). */
function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** Same check as {@link maxLenError}; upstream's newer label-key validators say "bytes". */
function maxLenBytesError(length: number): string {
  return `must be no more than ${length} bytes`;
}

export function emptyError(): string {
  return 'must be non-empty';
}

export function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${re}')`;
}

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123_LABEL_MAX_LENGTH = 63;
const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL_FMT}$`);

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_ERR =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const DNS1035_LABEL_MAX_LENGTH = 63;
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL_FMT}$`);

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

/** The subdomain check used inside label keys (upstream's content package: lengths in "bytes"). */
function isLabelKeyPrefix(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH)
    errs.push(maxLenBytesError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!dns1035LabelRe.test(value)) {
    errs.push(regexError(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  }
  return errs;
}

const WILDCARD_DNS1123_SUBDOMAIN_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`;
const WILDCARD_DNS1123_SUBDOMAIN_ERR =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
const wildcardRe = new RegExp(`^${WILDCARD_DNS1123_SUBDOMAIN_FMT}$`);

export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!wildcardRe.test(value)) {
    errs.push(regexError(WILDCARD_DNS1123_SUBDOMAIN_ERR, WILDCARD_DNS1123_SUBDOMAIN_FMT, '*.example.com'));
  }
  return errs;
}

const QUALIFIED_NAME_CHAR_FMT = '[A-Za-z0-9]';
const QUALIFIED_NAME_EXT_CHAR_FMT = '[-A-Za-z0-9_.]';
const QUALIFIED_NAME_FMT = `(${QUALIFIED_NAME_CHAR_FMT}${QUALIFIED_NAME_EXT_CHAR_FMT}*)?${QUALIFIED_NAME_CHAR_FMT}`;
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const QUALIFIED_NAME_MAX_LENGTH = 63;
const qualifiedNameRe = new RegExp(`^${QUALIFIED_NAME_FMT}$`);

/** A label key, annotation key or finalizer: `[prefix/]name`, prefix a DNS subdomain. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else errs.push(...isLabelKeyPrefix(prefix).map((m) => `prefix part ${m}`));
  } else {
    errs.push(
      `a valid label key ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    return errs;
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (byteLen(name) > QUALIFIED_NAME_MAX_LENGTH)
    errs.push(`name part ${maxLenBytesError(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!qualifiedNameRe.test(name)) {
    errs.push(
      `name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const LABEL_VALUE_MAX_LENGTH = 63;
const labelValueRe = new RegExp(`^${LABEL_VALUE_FMT}$`);

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenBytesError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValueRe.test(value))
    errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

const C_IDENTIFIER_FMT = '[A-Za-z_][A-Za-z0-9_]*';
const C_IDENTIFIER_ERR =
  "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";
const cIdentifierRe = new RegExp(`^${C_IDENTIFIER_FMT}$`);

export function isCIdentifier(value: string): string[] {
  if (cIdentifierRe.test(value)) return [];
  return [regexError(C_IDENTIFIER_ERR, C_IDENTIFIER_FMT, 'my_name', 'MY_NAME', 'MyName')];
}

function hasChDirPrefix(value: string): string[] {
  if (value === '.') return [`must not be '.'`];
  if (value === '..') return [`must not be '..'`];
  if (value.startsWith('..')) return [`must not start with '..'`];
  return [];
}

const RELAXED_ENV_VAR_NAME_ERR =
  "a valid environment variable name must consist only of printable ASCII characters other than '='";

/** Environment variable names under upstream's relaxed rule (GA since 1.34): printable ASCII except '='. */
export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push(`environment variable name ${emptyError()}`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3d) {
      errs.push(RELAXED_ENV_VAR_NAME_ERR);
      break;
    }
  }
  return errs;
}

export const isRelaxedEnvVarName = isEnvVarName;

const ENV_VAR_NAME_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const ENV_VAR_NAME_ERR =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const envVarNameRe = new RegExp(`^${ENV_VAR_NAME_FMT}$`);

/** Upstream's strict (pre-1.34 default) environment variable name rule. */
export function isStrictEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(value)) {
    errs.push(regexError(ENV_VAR_NAME_ERR, ENV_VAR_NAME_FMT, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  }
  errs.push(...hasChDirPrefix(value));
  return errs;
}

const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
const CONFIG_MAP_KEY_ERR = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const configMapKeyRe = new RegExp(`^${CONFIG_MAP_KEY_FMT}$`);

/** A key in a ConfigMap or Secret. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!configMapKeyRe.test(value)) {
    errs.push(regexError(CONFIG_MAP_KEY_ERR, CONFIG_MAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  }
  errs.push(...hasChDirPrefix(value));
  return errs;
}

export function isValidPortNum(port: number): string[] {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return [];
  return [inclusiveRangeError(1, 65535)];
}

export function isInRange(value: number, min: number, max: number): string[] {
  return value >= min && value <= max ? [] : [inclusiveRangeError(min, max)];
}

const portNameCharsetRe = /^[-a-z0-9]+$/;
const portNameOneLetterRe = /[a-z]/;

/** An IANA_SVC_NAME (RFC 6335): at most 15 characters, lower-case alphanumerics and single inner hyphens. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLen(port) > 15) errs.push(maxLenError(15));
  if (!portNameCharsetRe.test(port)) {
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  }
  if (!portNameOneLetterRe.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-')))
    errs.push('must not begin or end with a hyphen');
  return errs;
}

const PERCENT_FMT = '[0-9]+%';
const percentRe = new RegExp(`^${PERCENT_FMT}$`);

export function isValidPercent(percent: string): string[] {
  if (percentRe.test(percent)) return [];
  return [
    regexError(
      "a valid percent string must be a numeric string followed by an ending '%'",
      PERCENT_FMT,
      '1%',
      '93%',
    ),
  ];
}

const HTTP_HEADER_NAME_FMT = '[-A-Za-z0-9]+';
const httpHeaderNameRe = new RegExp(`^${HTTP_HEADER_NAME_FMT}$`);

export function isHTTPHeaderName(value: string): string[] {
  if (httpHeaderNameRe.test(value)) return [];
  return [
    regexError(
      "a valid HTTP header must consist of alphanumeric characters or '-'",
      HTTP_HEADER_NAME_FMT,
      'X-Header-Name',
    ),
  ];
}

// ---- checks that upstream reports as field errors; the FieldError form keeps their bad values ----

function invalid(field: string, badValue: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, badValue, detail };
}

function required(field: string): FieldError {
  return { type: 'FieldValueRequired', field };
}

/** Messages of field errors, for the string[] forms. */
function details(errs: FieldError[]): string[] {
  return errs.map((e) => e.detail || 'Required value');
}

/** A DNS subdomain with at least three dot-separated segments (e.g. CRD group names). */
export function validateFullyQualifiedName(field: string, name: string): FieldError[] {
  if (name.length === 0) return [required(field)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [invalid(field, name, errs.join(','))];
  if (name.split('.').length < 3) {
    return [invalid(field, name, 'should be a domain with at least three segments separated by dots')];
  }
  return [];
}

export function isFullyQualifiedName(name: string): string[] {
  return details(validateFullyQualifiedName('', name));
}

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = new RegExp(`^${HTTP_PATH_FMT}$`);

/** `host/path` where host is a DNS subdomain and path is URL path characters. */
export function validateDomainPrefixedPath(field: string, dpPath: string): FieldError[] {
  if (dpPath.length === 0) return [required(field)];
  const slash = dpPath.indexOf('/');
  const host = slash < 0 ? dpPath : dpPath.slice(0, slash);
  const path = slash < 0 ? '' : dpPath.slice(slash + 1);
  if (slash < 0 || host.length === 0 || path.length === 0) {
    return [invalid(field, dpPath, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs = isDNS1123Subdomain(host).map((m) => invalid(field, host, m));
  if (!httpPathRe.test(path))
    return [...errs, invalid(field, path, regexError('Invalid path', HTTP_PATH_FMT))];
  return errs;
}

export function isDomainPrefixedPath(dpPath: string): string[] {
  return details(validateDomainPrefixedPath('', dpPath));
}

// ---- IP addresses and CIDRs (Go's net + net/netip rules) ----

interface ParsedIP {
  /** 16 bytes; IPv4 addresses as IPv4-mapped IPv6 like Go's net.IP. */
  bytes: Uint8Array;
  /** true when written in dotted IPv4 form. */
  v4: boolean;
  /** Strict parse (net/netip) would reject it: IPv4 octets with leading zeros. */
  leadingZeros: boolean;
}

/** Dotted-quad parse; octets may carry leading zeros (Go's "sloppy" parser), which is reported. */
function parseIPv4Octets(s: string): { octets: number[]; leadingZeros: boolean } | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let leadingZeros = false;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]+$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    if (p.length > 1 && p.startsWith('0')) leadingZeros = true;
    octets.push(n);
  }
  return { octets, leadingZeros };
}

function parseIPv6(s: string): ParsedIP | null {
  const bytes = new Uint8Array(16);
  let leadingZeros = false;
  let ellipsis = -1;
  let i = 0;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { bytes, v4: false, leadingZeros };
  }
  while (i < 16) {
    const m = /^[0-9a-fA-F]+/.exec(s);
    if (!m) return null;
    const token = m[0];
    const n = token.length > 8 ? Infinity : parseInt(token, 16);
    if (n > 0xffff) return null;
    if (token.length > 4) leadingZeros = true;
    if (s.length > token.length && s[token.length] === '.') {
      if (ellipsis < 0 && i !== 12) return null;
      if (i + 4 > 16) return null;
      const v4 = parseIPv4Octets(s);
      if (!v4) return null;
      if (v4.leadingZeros) leadingZeros = true;
      bytes.set(v4.octets, i);
      i += 4;
      s = '';
      break;
    }
    bytes[i] = n >> 8;
    bytes[i + 1] = n & 0xff;
    i += 2;
    s = s.slice(token.length);
    if (s.length === 0) break;
    if (s[0] !== ':' || s.length === 1) return null;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) bytes[j + n] = bytes[j]!;
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) bytes[j] = 0;
  } else if (ellipsis >= 0) {
    return null;
  }
  return { bytes, v4: false, leadingZeros };
}

function parseIPSloppy(s: string): ParsedIP | null {
  for (const c of s) {
    if (c === '.') {
      const v4 = parseIPv4Octets(s);
      if (!v4) return null;
      const bytes = new Uint8Array(16);
      bytes[10] = 0xff;
      bytes[11] = 0xff;
      bytes.set(v4.octets, 12);
      return { bytes, v4: true, leadingZeros: v4.leadingZeros };
    }
    if (c === ':') return parseIPv6(s);
  }
  return null;
}

function isMapped4(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Go's net.IP.String(): dotted quad for IPv4 (and IPv4-mapped), RFC 5952 for IPv6. */
function formatIP(b: Uint8Array): string {
  if (isMapped4(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16));
  const tail = groups.slice(bestStart + bestLen).map((g) => g.toString(16));
  return `${head.join(':')}::${tail.join(':')}`;
}

const IP_INVALID = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

/** A valid IP address in canonical form (strict: no leading zeros, no IPv4-mapped IPv6). */
export function validateIP(field: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  if (!ip) return [invalid(field, value, IP_INVALID)];
  const errs: FieldError[] = [];
  if (ip.leadingZeros) errs.push(invalid(field, value, 'must not have leading 0s'));
  else if (!ip.v4 && isMapped4(ip.bytes))
    errs.push(invalid(field, value, 'must not be an IPv4-mapped IPv6 address'));
  if (errs.length > 0) return errs;
  const canonical = formatIP(ip.bytes);
  if (value !== canonical) errs.push(invalid(field, value, `must be in canonical form ("${canonical}")`));
  return errs;
}

export function isValidIP(value: string): string[] {
  return details(validateIP('', value));
}

const CIDR_INVALID = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** A valid CIDR in canonical form: no host bits set, no leading zeros. */
export function validateCIDR(field: string, value: string): FieldError[] {
  const slash = value.indexOf('/');
  if (slash < 0) return [invalid(field, value, CIDR_INVALID)];
  const addr = value.slice(0, slash);
  const bitsStr = value.slice(slash + 1);
  const ip = parseIPSloppy(addr);
  const maxBits = ip?.v4 ? 32 : 128;
  if (!ip || !/^[0-9]+$/.test(bitsStr) || Number(bitsStr) > maxBits) {
    return [invalid(field, value, CIDR_INVALID)];
  }
  const bits = Number(bitsStr);
  const offset = ip.v4 ? 12 : 0;
  const masked = new Uint8Array(ip.bytes);
  for (let i = 0; i < 16 - offset; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    masked[offset + i] = masked[offset + i]! & ((0xff << (8 - keep)) & 0xff);
  }
  if (ip.leadingZeros || (bitsStr.length > 1 && bitsStr.startsWith('0'))) {
    return [invalid(field, value, 'must not have leading 0s in IP or prefix length')];
  }
  if (!ip.v4 && isMapped4(ip.bytes))
    return [invalid(field, value, 'must not have an IPv4-mapped IPv6 address')];
  if (masked.some((b, i) => b !== ip.bytes[i])) {
    return [invalid(field, value, 'must not have bits set beyond the prefix length')];
  }
  const canonical = `${formatIP(masked)}/${bits}`;
  if (value !== canonical) return [invalid(field, value, `must be in canonical form ("${canonical}")`)];
  return [];
}

export function isValidCIDR(value: string): string[] {
  return details(validateCIDR('', value));
}

// ---- object names ----

/** Upstream's ValidateNameFunc: `prefix` is true when checking a generateName. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** generateName may end in '-'; upstream replaces the last two characters with "a" before checking. */
function maskTrailingDash(name: string): string {
  if (name.length > 1 && name.endsWith('-')) return `${name.slice(0, name.length - 2)}a`;
  return name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

export const nameIsDNSLabel: NameValidator = (name, prefix) =>
  isDNS1123Label(prefix ? maskTrailingDash(name) : name);

export const nameIsDNS1035Label: NameValidator = (name, prefix) =>
  isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** Names of namespaces (DNS labels). */
export const validateNamespaceName: NameValidator = nameIsDNSLabel;

export function isValidPathSegmentPrefix(name: string): string[] {
  const errs: string[] = [];
  for (const illegal of ['/', '%']) {
    if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  }
  return errs;
}

export function isValidPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return isValidPathSegmentPrefix(name);
}

/** Names that only need to be a safe URL path segment (e.g. RBAC roles). */
export const validatePathSegmentName: NameValidator = (name, prefix) =>
  prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name);
