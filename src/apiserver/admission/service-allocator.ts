/**
 * @module ClusterIP and NodePort allocation for Services. What is in use is read from the services
 * watch cache (the source of truth), plus reservations of writes still in flight.
 */
import { type FieldError, invalid } from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';
import type { ObjectStore } from '../object-store.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';
import { ipv4String, parseIPv4 } from '../../util/ipv4.js';

export interface ServiceAllocatorOptions {
  /** e.g. '10.96.0.0/12' */
  serviceCIDR: string;
  /** e.g. [30000, 32767] */
  nodePortRange: [number, number];
}

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const DEFAULT_NODE_PORT_RANGE: [number, number] = [30000, 32767];

interface Cidr {
  base: number;
  size: number;
  text: string;
}

export function parseCidr(cidr: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid IPv4 CIDR: ${cidr}`);
  const bits = Number(m[5]);
  const ip = parseIPv4(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
  if (ip === undefined || bits < 8 || bits > 30) throw new Error(`invalid IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size, text: cidr };
}

/** The first usable address of the range: the `kubernetes` Service's ClusterIP. */
export function firstServiceIP(cidr: string): string {
  return ipv4String(parseCidr(cidr).base + 1);
}

type Spec = Record<string, unknown>;

function specOf(obj: KubeObject | undefined): Spec {
  return obj && isObject(obj['spec']) ? obj['spec'] : {};
}

function portsOf(spec: Spec): Array<Record<string, unknown>> {
  return Array.isArray(spec['ports']) ? (spec['ports'] as Array<Record<string, unknown>>) : [];
}

function needsNodePorts(spec: Spec): boolean {
  return (
    spec['type'] === 'NodePort' ||
    (spec['type'] === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false)
  );
}

function needsClusterIP(spec: Spec): boolean {
  return spec['type'] !== 'ExternalName';
}

export class ServiceAllocator implements AdmissionPlugin {
  readonly name = 'ServiceAllocator';
  private readonly cidr: Cidr;
  private readonly range: [number, number];
  private readonly reservedIPs = new Set<string>();
  private readonly reservedPorts = new Set<number>();
  private readonly pending = new WeakMap<AdmissionAttributes, { ips: string[]; ports: number[] }>();

  constructor(
    private readonly services: () => ObjectStore | undefined,
    opts: ServiceAllocatorOptions,
  ) {
    this.cidr = parseCidr(opts.serviceCIDR);
    this.range = opts.nodePortRange;
  }

  private inUse(): { ips: Set<string>; ports: Set<number> } {
    const ips = new Set(this.reservedIPs);
    const ports = new Set(this.reservedPorts);
    const store = this.services();
    if (store) {
      for (const e of store.cache.list({ namespace: '', equalities: [], matches: () => true })) {
        const spec = specOf(e.obj);
        const ip = spec['clusterIP'];
        if (typeof ip === 'string' && ip !== 'None') ips.add(ip);
        for (const p of portsOf(spec)) if (typeof p['nodePort'] === 'number') ports.add(p['nodePort']);
        if (typeof spec['healthCheckNodePort'] === 'number') ports.add(spec['healthCheckNodePort']);
      }
    }
    return { ips, ports };
  }

  private reserve(attrs: AdmissionAttributes, ips: string[], ports: number[]): void {
    for (const ip of ips) this.reservedIPs.add(ip);
    for (const p of ports) this.reservedPorts.add(p);
    this.pending.set(attrs, { ips, ports });
  }

  private release(attrs: AdmissionAttributes): void {
    const p = this.pending.get(attrs);
    if (!p) return;
    for (const ip of p.ips) this.reservedIPs.delete(ip);
    for (const port of p.ports) this.reservedPorts.delete(port);
    this.pending.delete(attrs);
  }

  admit(attrs: AdmissionAttributes): void {
    const { def, operation, obj } = attrs;
    if (def.group !== '' || def.plural !== 'services' || !obj || attrs.subresource !== '') return;
    if (operation !== 'CREATE' && operation !== 'UPDATE') return;
    const spec = (obj['spec'] ??= {}) as Spec;
    const oldSpec = specOf(attrs.old);
    const used = this.inUse();
    const errs: FieldError[] = [];
    const ips: string[] = [];
    const ports: number[] = [];

    if (needsClusterIP(spec)) {
      const oldIP = oldSpec['clusterIP'];
      let ip = spec['clusterIP'];
      if ((ip === undefined || ip === '') && typeof oldIP === 'string' && oldIP !== '') ip = oldIP;
      if (ip === 'None') {
        spec['clusterIP'] = 'None';
        spec['clusterIPs'] = ['None'];
      } else if (typeof ip === 'string' && ip !== '') {
        if (ip !== oldIP) {
          const n = parseIPv4(ip);
          if (n === undefined || n <= this.cidr.base || n >= this.cidr.base + this.cidr.size - 1) {
            errs.push({
              type: 'FieldValueInvalid',
              field: 'spec.clusterIPs',
              badValue: [ip],
              detail: `failed to allocate IP ${ip}: provided IP is not in the valid range. The range of valid IPs is ${this.cidr.text}`,
            });
          } else if (used.ips.has(ip)) {
            errs.push({
              type: 'FieldValueInvalid',
              field: 'spec.clusterIPs',
              badValue: [ip],
              detail: `failed to allocate IP ${ip}: provided IP is already allocated`,
            });
          } else {
            ips.push(ip);
          }
        }
        spec['clusterIP'] = ip;
        spec['clusterIPs'] = [ip];
      } else {
        const allocated = this.allocateIP(used.ips);
        if (allocated === undefined) {
          errs.push({
            type: 'FieldValueInvalid',
            field: 'spec.clusterIPs',
            badValue: [],
            detail: `failed to allocate IP: range is full`,
          });
        } else {
          ips.push(allocated);
          spec['clusterIP'] = allocated;
          spec['clusterIPs'] = [allocated];
        }
      }
      spec['ipFamilies'] ??= ['IPv4'];
      spec['ipFamilyPolicy'] ??= 'SingleStack';
    }

    if (needsNodePorts(spec)) {
      const oldPorts = new Set(
        portsOf(oldSpec)
          .map((p) => p['nodePort'])
          .filter((p): p is number => typeof p === 'number'),
      );
      portsOf(spec).forEach((p, i) => {
        const np = p['nodePort'];
        if (typeof np === 'number' && np !== 0) {
          if (oldPorts.has(np)) return;
          if (np < this.range[0] || np > this.range[1]) {
            errs.push({
              type: 'FieldValueInvalid',
              field: `spec.ports[${i}].nodePort`,
              badValue: np,
              detail: `provided port is not in the valid range. The range of valid ports is ${this.range[0]}-${this.range[1]}`,
            });
          } else if (used.ports.has(np) || ports.includes(np)) {
            errs.push({
              type: 'FieldValueInvalid',
              field: `spec.ports[${i}].nodePort`,
              badValue: np,
              detail: 'provided port is already allocated',
            });
          } else {
            ports.push(np);
          }
          return;
        }
        const allocated = this.allocatePort(used.ports, ports);
        if (allocated === undefined) {
          errs.push({
            type: 'FieldValueInvalid',
            field: `spec.ports[${i}].nodePort`,
            badValue: 0,
            detail: 'range is full',
          });
        } else {
          ports.push(allocated);
          p['nodePort'] = allocated;
        }
      });
    } else {
      for (const p of portsOf(spec)) if (spec['type'] !== 'LoadBalancer') delete p['nodePort'];
    }

    if (errs.length > 0) throw invalid('', 'Service', attrs.name, errs);
    this.reserve(attrs, ips, ports);
  }

  abort(attrs: AdmissionAttributes): void {
    this.release(attrs);
  }

  committed(attrs: AdmissionAttributes): void {
    // The stored object now shows the allocation in the cache (or will in a moment); keep the
    // reservation until then so a concurrent create cannot take the same address.
    setTimeout(() => this.release(attrs), 2000).unref();
  }

  private allocateIP(used: Set<string>): string | undefined {
    const first = this.cidr.base + 1;
    const count = this.cidr.size - 2;
    // Upstream reserves the lower part of the range for static allocation; random picks use the upper part first.
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const candidate = ipv4String(first + ((start + i) % count));
      if (candidate === ipv4String(first)) continue;
      if (!used.has(candidate)) return candidate;
    }
    return undefined;
  }

  private allocatePort(used: Set<number>, taken: number[]): number | undefined {
    const [lo, hi] = this.range;
    const count = hi - lo + 1;
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const p = lo + ((start + i) % count);
      if (!used.has(p) && !taken.includes(p)) return p;
    }
    return undefined;
  }
}
