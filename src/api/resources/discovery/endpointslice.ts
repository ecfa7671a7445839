/** @module discovery.k8s.io/v1 EndpointSlice: defaults, validation, strategy and table as upstream 1.32. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef } from '../../resource.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  nameIsDNSSubdomain,
} from '../../validation/names.js';
import { ageColumn, column, nameColumn } from '../table-helpers.js';
import {
  asArray,
  asObj,
  asString,
  deepEqual,
  duplicate,
  immutable,
  invalid,
  notSupported,
  oneOf,
  required,
  setDefault,
  tooMany,
  validateLabels,
} from '../apps/workload-helpers.js';
import type { Obj } from '../apps/workload-helpers.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_ENDPOINTS = 1000;
const MAX_ZONE_HINTS = 8;

/** SetDefaults_EndpointPort: name "" and protocol TCP. */
export function defaultEndpointSlice(obj: KubeObject): void {
  for (const p of asArray(obj.ports)) {
    const port = asObj(p);
    if (!port) continue;
    setDefault(port, 'name', '');
    setDefault(port, 'protocol', 'TCP');
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map((x) => Number(x));
}

/** Upstream's ValidateNonSpecialIP for an address already known to be valid. */
function nonSpecialIP(ip: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const lower = ip.toLowerCase();
  let unspecified: boolean;
  let loopback: boolean;
  let linkLocal: boolean;
  let linkLocalMulticast: boolean;
  if (IPV4.test(ip)) {
    const [a = 0, b = 0, c = 0] = ipv4Bytes(ip);
    unspecified = ip === '0.0.0.0';
    loopback = a === 127;
    linkLocal = a === 169 && b === 254;
    linkLocalMulticast = a === 224 && b === 0 && c === 0;
  } else {
    unspecified = /^[0:]+$/.test(lower);
    loopback = lower === '::1' || /^(0+:){7}0*1$/.test(lower);
    linkLocal = /^fe[89ab][0-9a-f]?:/.test(lower);
    linkLocalMulticast = /^ff02:/.test(lower);
  }
  if (unspecified) errs.push(invalid(field, ip, `may not be unspecified (${ip})`));
  if (loopback) errs.push(invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocal)
    errs.push(invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast) {
    errs.push(invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

/** Upstream's IsFullyQualifiedDomainName. */
function validateFQDN(name: string, field: string): FieldError[] {
  if (name === '') return [required(field)];
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = isDNS1123Subdomain(n);
  if (sub.length > 0) return [invalid(field, n, sub.join(','))];
  const labels = n.split('.');
  if (labels.length < 2)
    return [invalid(field, n, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const e = isDNS1123Label(label);
    if (e.length > 0) return [invalid(field, label, e.join(','))];
  }
  return [];
}

function validateAddress(address: unknown, addressType: unknown, field: string): FieldError[] {
  const a = typeof address === 'string' ? address : '';
  switch (addressType) {
    case 'IPv4':
      return IPV4.test(a) ? nonSpecialIP(a, field) : [invalid(field, a, 'must be a valid IPv4 address')];
    case 'IPv6':
      return a.includes(':') && isValidIP(a).length === 0
        ? nonSpecialIP(a, field)
        : [invalid(field, a, 'must be a valid IPv6 address')];
    case 'FQDN':
      return validateFQDN(a, field);
    default:
      return [];
  }
}

function validateEndpoints(obj: KubeObject): FieldError[] {
  const endpoints = asArray(obj.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) return [tooMany('endpoints', endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  endpoints.forEach((raw, i) => {
    const ep = asObj(raw) ?? {};
    const p = `endpoints[${i}]`;
    const addresses = asArray(ep.addresses);
    if (addresses.length === 0) errs.push(required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES)
      errs.push(tooMany(`${p}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => errs.push(...validateAddress(a, obj.addressType, `${p}.addresses[${j}]`)));
    const nodeName = asString(ep.nodeName);
    if (nodeName !== undefined) {
      for (const msg of nameIsDNSSubdomain(nodeName, false))
        errs.push(invalid(`${p}.nodeName`, nodeName, msg));
    }
    const topology = asObj(ep.deprecatedTopology);
    if (topology) {
      const n = Object.keys(topology).length;
      if (n > MAX_TOPOLOGY_LABELS) errs.push(tooMany(`${p}.deprecatedTopology`, n, MAX_TOPOLOGY_LABELS));
      errs.push(...validateLabels(topology, `${p}.deprecatedTopology`));
    }
    const hostname = asString(ep.hostname);
    if (hostname !== undefined) {
      for (const msg of isDNS1123Label(hostname)) errs.push(invalid(`${p}.hostname`, hostname, msg));
    }
    const hints = asObj(ep.hints);
    if (hints) errs.push(...validateHints(hints, `${p}.hints`));
  });
  return errs;
}

function validateHints(hints: Obj, path: string): FieldError[] {
  const zones = asArray(hints.forZones);
  const fz = `${path}.forZones`;
  if (zones.length > MAX_ZONE_HINTS) return [tooMany(fz, zones.length, MAX_ZONE_HINTS)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  zones.forEach((z, i) => {
    const name = asString(asObj(z)?.name) ?? '';
    const zp = `${fz}[${i}].name`;
    if (seen.has(name)) errs.push(duplicate(zp, name));
    else seen.add(name);
    for (const msg of isValidLabelValue(name)) errs.push(invalid(zp, name, msg));
  });
  return errs;
}

function validatePorts(obj: KubeObject): FieldError[] {
  const ports = asArray(obj.ports);
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const port = asObj(raw) ?? {};
    const p = `ports[${i}]`;
    const name = asString(port.name) ?? '';
    if (name !== '') for (const msg of isDNS1123Label(name)) errs.push(invalid(`${p}.name`, name, msg));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else names.add(name);
    const protocol = port.protocol;
    if (protocol === undefined || protocol === null) errs.push(required(`${p}.protocol`));
    else if (!oneOf(protocol, PROTOCOLS)) errs.push(notSupported(`${p}.protocol`, protocol, PROTOCOLS));
    const appProtocol = asString(port.appProtocol);
    if (appProtocol !== undefined) {
      for (const msg of isQualifiedName(appProtocol))
        errs.push(invalid(`${p}.appProtocol`, appProtocol, msg));
    }
  });
  return errs;
}

/** Upstream's ValidateEndpointSlice (metadata is validated generically). */
export function validateEndpointSlice(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const at = obj.addressType;
  if (at === undefined || at === null || at === '') errs.push(required('addressType'));
  else if (!oneOf(at, ADDRESS_TYPES)) errs.push(notSupported('addressType', at, ADDRESS_TYPES));
  errs.push(...validateEndpoints(obj), ...validatePorts(obj));
  return errs;
}

/** "80,443 + 2 more..." style lists of at most three items, "<unset>" when empty. */
function listWithMore(items: string[]): string {
  const shown = items.slice(0, 3);
  const s = shown.join(',');
  if (items.length > 3) return `${s} + ${items.length - 3} more...`;
  return s === '' ? '<unset>' : s;
}

function portsCell(o: KubeObject): string {
  return listWithMore(
    asArray(o.ports).map((raw) => {
      const p = asObj(raw) ?? {};
      if (typeof p.port === 'number') return String(p.port);
      if (typeof p.name === 'string') return p.name;
      return '*';
    }),
  );
}

function endpointsCell(o: KubeObject): string {
  return listWithMore(
    asArray(o.endpoints).flatMap((e) => asArray(asObj(e)?.addresses).map((a) => String(a))),
  );
}

export const endpointslices: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  schema: 'io.k8s.api.discovery.v1.EndpointSlice',
  generation: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  defaults: defaultEndpointSlice,
  prepareForUpdate(obj, old) {
    // A label change is a new generation too (the slice has no spec; the generic bump covers the rest).
    if (!deepEqual(obj.metadata.labels, old.metadata.labels)) {
      obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
  },
  validateCreate: validateEndpointSlice,
  validateUpdate: (obj, old) => [
    ...validateEndpointSlice(obj),
    ...immutable(obj.addressType, old.addressType, 'addressType'),
  ],

  table: [
    nameColumn(),
    column('AddressType', (o) => asString(o.addressType) ?? '', {
      description: 'The type of the addresses.',
    }),
    column('Ports', portsCell, { description: 'The ports of the slice.' }),
    column('Endpoints', endpointsCell, { description: 'The addresses of the endpoints.' }),
    ageColumn(),
  ],
};
