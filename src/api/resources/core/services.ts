/** @module Services (+status, proxy) and Endpoints. */
import type { FieldError } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDef, StrategyContext } from '../../resource.js';
import { isValidPortName, isValidPortNum, validateCIDR, validateIP } from '../../validation/names.js';
import { ageColumn, column, formatLabels, nameColumn } from '../table-helpers.js';
import {
  type Obj,
  arr,
  child,
  deepEqual,
  duplicate,
  ensureObj,
  forbidden,
  index,
  invalid,
  notSupported,
  num,
  obj,
  objs,
  required,
  setDefault,
  setDefaultString,
  str,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateLabels,
  validateQualifiedName,
} from './util.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

function specOf(svc: KubeObject): Obj {
  return ensureObj(svc, 'spec');
}

/** Upstream's ExternallyAccessible: NodePort, LoadBalancer, or ClusterIP with external IPs. */
function externallyAccessible(spec: Obj): boolean {
  return (
    spec.type === 'LoadBalancer' ||
    spec.type === 'NodePort' ||
    (spec.type === 'ClusterIP' && arr(spec.externalIPs).length > 0)
  );
}

function needsHealthCheck(spec: Obj): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function isHeadless(spec: Obj): boolean {
  const ips = arr(spec.clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}

/** Upstream's SetDefaults_Service. */
export function defaultService(svc: KubeObject): void {
  const spec = specOf(svc);
  setDefaultString(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = obj(obj(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (timeout === undefined || timeout === null) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }
  setDefaultString(spec, 'type', 'ClusterIP');
  for (const [p] of objs(spec.ports)) {
    setDefaultString(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') {
      p.targetPort = p.port;
    }
  }
  if (externallyAccessible(spec)) setDefaultString(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') {
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (spec.type === 'LoadBalancer') {
    setDefault(spec, 'allocateLoadBalancerNodePorts', true);
    for (const [ing] of objs(obj(obj(svc.status)?.loadBalancer)?.ingress)) {
      if (str(ing.ip)) setDefault(ing, 'ipMode', 'VIP');
    }
  }
}

/** Upstream's normalizeClusterIPs: keeps the singular and plural cluster IP fields in step. */
function normalizeClusterIPs(spec: Obj, oldSpec: Obj | undefined): void {
  const ip = str(spec.clusterIP);
  const ips = arr(spec.clusterIPs);
  if (!oldSpec) {
    if (ip && ips.length === 0) spec.clusterIPs = [ip];
    return;
  }
  const oldIP = str(oldSpec.clusterIP);
  const oldIPs = arr(oldSpec.clusterIPs);
  if (oldIPs.length > 0 && ips.length === 0 && oldIP === ip) spec.clusterIPs = oldIPs;
  if (oldIP !== ip) {
    const same = deepEqual(oldSpec.clusterIPs, spec.clusterIPs);
    if (oldIP && !ip) {
      if (same) delete spec.clusterIPs;
    } else if (same) spec.clusterIPs = [ip];
  }
}

function needsNodePort(spec: Obj): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

/** Upstream's dropTypeDependentFields: wipes values a type change leaves behind, unless the user changed them. */
function dropTypeDependentFields(svc: KubeObject, spec: Obj, oldSpec: Obj): void {
  if (oldSpec.type !== 'ExternalName' && spec.type === 'ExternalName') {
    if (deepEqual(spec.clusterIPs, oldSpec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (deepEqual(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (deepEqual(spec.ipFamilyPolicy, oldSpec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec)) {
    const nodePorts = (s: Obj): unknown[] => objs(s.ports).map(([p]) => p.nodePort ?? 0);
    if (deepEqual(nodePorts(spec), nodePorts(oldSpec))) for (const [p] of objs(spec.ports)) delete p.nodePort;
  }
  if (
    needsHealthCheck(oldSpec) &&
    !needsHealthCheck(spec) &&
    spec.healthCheckNodePort === oldSpec.healthCheckNodePort
  ) {
    delete spec.healthCheckNodePort;
  }
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (
      typeof spec.allocateLoadBalancerNodePorts === 'boolean' &&
      spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts
    ) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (deepEqual(spec.loadBalancerClass, oldSpec.loadBalancerClass)) delete spec.loadBalancerClass;
  }
  if (
    externallyAccessible(oldSpec) &&
    !externallyAccessible(spec) &&
    spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy
  ) {
    delete spec.externalTrafficPolicy;
  }
  if (spec.type !== 'LoadBalancer') ensureObj(svc, 'status').loadBalancer = {};
}

function servicePrepareForCreate(svc: KubeObject): void {
  svc.status = { loadBalancer: {} };
  normalizeClusterIPs(specOf(svc), undefined);
}

function servicePrepareForUpdate(svc: KubeObject, old: KubeObject, ctx: StrategyContext): void {
  if (ctx.subresource === 'status') return;
  const spec = specOf(svc);
  const oldSpec = obj(old.spec) ?? {};
  normalizeClusterIPs(spec, oldSpec);
  dropTypeDependentFields(svc, spec, oldSpec);
}

function validateClusterIPsRelatedFields(spec: Obj): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ip = str(spec.clusterIP);
  const ips = arr(spec.clusterIPs).map(str);
  if (ip) {
    if (ips.length === 0) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== ip) errs.push(invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  arr(spec.ipFamilies).forEach((f, i) => {
    const fam = str(f);
    if (fam !== 'IPv4' && fam !== 'IPv6')
      errs.push(notSupported(index('spec.ipFamilies', i), fam, ['IPv4', 'IPv6']));
    if (seen.has(fam)) errs.push(duplicate(index('spec.ipFamilies', i), fam));
    seen.add(fam);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
    const policies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
    if (!policies.includes(str(spec.ipFamilyPolicy)))
      errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, policies));
  }
  let hasInvalid = false;
  ips.forEach((v, i) => {
    if (i === 0 && v === 'None') {
      if (ips.length > 1) {
        hasInvalid = true;
        errs.push(invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    const e = validateIP(index('spec.clusterIPs', i), v);
    if (e.length > 0) hasInvalid = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (hasInvalid) return errs;
  if (ips.length > 1 && ips.filter((v) => v.includes(':')).length !== 1) {
    errs.push(invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  }
  const fams = arr(spec.ipFamilies).map(str);
  if (!isHeadless(spec) && ips.length > 0 && fams.length > 0) {
    ips.forEach((v, i) => {
      if (i >= fams.length) return;
      if (fams[i] === 'IPv4' && v.includes(':')) {
        errs.push(
          invalid(
            index('spec.clusterIPs', i),
            v,
            `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
      if (fams[i] === 'IPv6' && !v.includes(':')) {
        errs.push(
          invalid(
            index('spec.clusterIPs', i),
            v,
            `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
    });
  }
  return errs;
}

function validateNonSpecialIP(ip: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const lower = ip.toLowerCase();
  if (ip === '0.0.0.0' || lower === '::') errs.push(invalid(field, ip, `may not be unspecified (${ip})`));
  if ((v4 && v4[1] === '127') || lower === '::1') {
    errs.push(invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  }
  if ((v4 && v4[1] === '169' && v4[2] === '254') || /^fe[89ab]/.test(lower)) {
    errs.push(invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if ((v4 && v4[1] === '224' && v4[2] === '0' && v4[3] === '0') || lower.startsWith('ff02:')) {
    errs.push(invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

function validatePortNumOrName(port: unknown, field: string): FieldError[] {
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(field, port, m));
  const n = typeof port === 'number' ? port : 0;
  return isValidPortNum(n).map((m) => invalid(field, n, m));
}

/** Upstream's ValidateService (ObjectMeta, with DNS-1035 names, is generic). */
export function validateService(svc: KubeObject): FieldError[] {
  const spec = obj(svc.spec) ?? {};
  const errs: FieldError[] = [];
  const ann = svc.metadata.annotations ?? {};
  const hints = ann['service.kubernetes.io/topology-aware-hints'];
  const mode = ann['service.kubernetes.io/topology-mode'];
  if (hints !== undefined && mode !== undefined && hints !== mode) {
    errs.push(
      invalid(
        'metadata.annotations[service.kubernetes.io/topology-mode]',
        mode,
        'must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified',
      ),
    );
  }
  const ports = objs(spec.ports);
  const type = str(spec.type);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  switch (type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless)
        errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
      break;
    case 'ExternalName': {
      if (arr(spec.clusterIPs).length > 0)
        errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (arr(spec.ipFamilies).length > 0)
        errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
        errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      }
      const cname = str(spec.externalName).replace(/\.$/, '');
      if (cname) errs.push(...validateDNS1123Subdomain(cname, 'spec.externalName'));
      else errs.push(required('spec.externalName'));
      break;
    }
  }
  const names = new Set<string>();
  for (const [p, i] of ports) {
    const pp = index('spec.ports', i);
    const name = str(p.name);
    if (ports.length > 1 && !name) errs.push(required(child(pp, 'name')));
    else if (name) {
      errs.push(...validateDNS1123Label(name, child(pp, 'name')));
      if (names.has(name)) errs.push(duplicate(child(pp, 'name'), name));
      else names.add(name);
    }
    const port = num(p.port) ?? 0;
    for (const m of isValidPortNum(port)) errs.push(invalid(child(pp, 'port'), port, m));
    const proto = str(p.protocol);
    if (!proto) errs.push(required(child(pp, 'protocol')));
    else if (!PORT_PROTOCOLS.includes(proto))
      errs.push(notSupported(child(pp, 'protocol'), proto, PORT_PROTOCOLS));
    errs.push(...validatePortNumOrName(p.targetPort, child(pp, 'targetPort')));
    if (typeof p.appProtocol === 'string')
      errs.push(...validateQualifiedName(p.appProtocol, child(pp, 'appProtocol')));
    const nodePort = num(p.nodePort) ?? 0;
    if (nodePort !== 0)
      for (const m of isValidPortNum(nodePort)) errs.push(invalid(child(pp, 'nodePort'), nodePort, m));
  }
  if (spec.selector !== undefined && spec.selector !== null)
    errs.push(...validateLabels(spec.selector, 'spec.selector'));
  const affinity = str(spec.sessionAffinity);
  if (!affinity) errs.push(required('spec.sessionAffinity'));
  else if (affinity !== 'ClientIP' && affinity !== 'None')
    errs.push(notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const cfg = obj(spec.sessionAffinityConfig);
    const clientIP = obj(cfg?.clientIP);
    const timeout = clientIP?.timeoutSeconds;
    const detail = 'when session affinity type is ClientIP';
    if (!cfg) errs.push(required('spec.sessionAffinityConfig', detail));
    else if (!clientIP) errs.push(required('spec.sessionAffinityConfig.clientIP', detail));
    else if (timeout === undefined || timeout === null)
      errs.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', detail));
    else {
      const t = num(timeout) ?? 0;
      if (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS) {
        errs.push(
          invalid(
            'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
            t,
            `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`,
          ),
        );
      }
    }
  } else if (
    affinity === 'None' &&
    spec.sessionAffinityConfig !== undefined &&
    spec.sessionAffinityConfig !== null
  ) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelatedFields(spec));
  arr(spec.externalIPs).forEach((ip, i) => {
    const p = index('spec.externalIPs', i);
    const e = validateIP(p, str(ip));
    errs.push(...(e.length > 0 ? e : validateNonSpecialIP(str(ip), p)));
  });
  if (!type) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    for (const [p, i] of ports) {
      if (num(p.nodePort))
        errs.push(
          forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"),
        );
    }
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  for (const [p, i] of ports) {
    const pp = index('spec.ports', i);
    const nodePort = num(p.nodePort) ?? 0;
    if (nodePort !== 0) {
      const k = `${str(p.protocol)}/${nodePort}`;
      if (nodePorts.has(k)) errs.push(duplicate(child(pp, 'nodePort'), nodePort));
      nodePorts.add(k);
    }
    const k = `${str(p.protocol)}/${num(p.port) ?? 0}`;
    if (portKeys.has(k)) errs.push(duplicate(pp, { port: num(p.port) ?? 0, protocol: str(p.protocol) }));
    portKeys.add(k);
  }
  const ranges = arr(spec.loadBalancerSourceRanges);
  if (ranges.length > 0) {
    if (type !== 'LoadBalancer')
      errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) =>
      errs.push(...validateCIDR(index('spec.LoadBalancerSourceRanges', i), str(r).trim())),
    );
  } else if ('service.beta.kubernetes.io/load-balancer-source-ranges' in ann) {
    const p = 'metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]';
    if (type !== 'LoadBalancer') errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    const val = str(ann['service.beta.kubernetes.io/load-balancer-source-ranges']).trim();
    if (val) for (const c of val.split(',')) errs.push(...validateCIDR(p, c.trim()));
  }
  if (
    spec.allocateLoadBalancerNodePorts !== undefined &&
    spec.allocateLoadBalancerNodePorts !== null &&
    type !== 'LoadBalancer'
  ) {
    errs.push(
      forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"),
    );
  }
  if (
    type === 'LoadBalancer' &&
    (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)
  ) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    if (type === 'LoadBalancer')
      errs.push(...validateQualifiedName(str(spec.loadBalancerClass), 'spec.loadBalancerClass'));
    else errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp)
      errs.push(
        invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'),
      );
  } else if (!etp) errs.push(required('spec.externalTrafficPolicy'));
  else if (etp !== 'Cluster' && etp !== 'Local')
    errs.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const hc = num(spec.healthCheckNodePort) ?? 0;
  if (!needsHealthCheck(spec)) {
    if (hc !== 0) {
      errs.push(
        invalid(
          'spec.healthCheckNodePort',
          hc,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
    }
  } else if (hc !== 0) {
    // 0 is left for the apiserver's node-port allocator to fill.
    for (const m of isValidPortNum(hc)) errs.push(invalid('spec.healthCheckNodePort', hc, m));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP')
      errs.push(required('spec.internalTrafficPolicy'));
  } else if (itp !== 'Cluster' && itp !== 'Local')
    errs.push(notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  if (
    spec.trafficDistribution !== undefined &&
    spec.trafficDistribution !== null &&
    spec.trafficDistribution !== 'PreferClose'
  ) {
    errs.push(notSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

/** Upstream's ValidateServiceUpdate: cluster IPs and families fixed once set (except to/from ExternalName). */
export function validateServiceUpdate(svc: KubeObject, old: KubeObject): FieldError[] {
  const spec = obj(svc.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const errs: FieldError[] = [];
  if (
    spec.type !== 'ExternalName' &&
    oldSpec.type !== 'ExternalName' &&
    !(isHeadless(spec) && isHeadless(oldSpec))
  ) {
    const ips = arr(spec.clusterIPs).map(str);
    const oldIPs = arr(oldSpec.clusterIPs).map(str);
    if (ips.length === oldIPs.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== ips[i]) errs.push(invalid(index('spec.clusterIPs', i), ips, 'may not change once set'));
      });
    } else if (oldIPs.length > ips.length) {
      if (ips.length === 0)
        errs.push(invalid('spec.clusterIPs[0]', ips, 'primary clusterIP can not be unset'));
      if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0])
        errs.push(invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
      if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(
          invalid(
            'spec.ipFamilyPolicy',
            spec.ipFamilyPolicy ?? null,
            "must be set to 'SingleStack' when releasing the secondary clusterIP",
          ),
        );
      }
    } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
      errs.push(invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
    }
  }
  if (
    spec.type !== 'ExternalName' &&
    oldSpec.type !== 'ExternalName' &&
    isHeadless(spec) === isHeadless(oldSpec) &&
    !isHeadless(spec)
  ) {
    const fams = arr(spec.ipFamilies).map(str);
    const oldFams = arr(oldSpec.ipFamilies).map(str);
    if (fams.length === oldFams.length) {
      if (oldFams.some((f, i) => f !== fams[i]))
        errs.push(invalid('spec.ipFamilies[0]', fams, 'may not change once set'));
    } else if (oldFams.length > fams.length) {
      if (arr(spec.clusterIPs).length === 0)
        errs.push(invalid('spec.ipFamilies[0]', fams, 'primary ipFamily can not be unset'));
      if (fams.length > 0 && fams[0] !== oldFams[0])
        errs.push(invalid('spec.ipFamilies[0]', arr(spec.clusterIPs), 'may not change once set'));
      if (fams.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(
          invalid(
            'spec.ipFamilyPolicy',
            spec.ipFamilyPolicy ?? null,
            "must be set to 'SingleStack' when releasing the secondary ipFamily",
          ),
        );
      }
    } else if (oldFams.length > 0 && fams.length > 0 && fams[0] !== oldFams[0]) {
      errs.push(invalid('spec.ipFamilies[0]', arr(spec.clusterIPs), 'may not change once set'));
    }
  }
  if (
    oldSpec.type === 'LoadBalancer' &&
    spec.type === 'LoadBalancer' &&
    !deepEqual(oldSpec.loadBalancerClass, spec.loadBalancerClass)
  ) {
    errs.push(invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (
    needsHealthCheck(oldSpec) &&
    needsHealthCheck(spec) &&
    spec.healthCheckNodePort !== oldSpec.healthCheckNodePort
  ) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...validateService(svc));
  return errs;
}

/** Upstream's ValidateServiceStatusUpdate (load balancer ingress). */
export function validateServiceStatusUpdate(svc: KubeObject): FieldError[] {
  const spec = obj(svc.spec) ?? {};
  const ingress = objs(obj(obj(svc.status)?.loadBalancer)?.ingress);
  const errs: FieldError[] = [];
  if (spec.type !== 'LoadBalancer' && ingress.length > 0) {
    return [forbidden('status.loadBalancer.ingress', "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  for (const [ing, i] of ingress) {
    const p = index('status.loadBalancer.ingress', i);
    const ip = str(ing.ip);
    if (ip) errs.push(...validateIP(child(p, 'ip'), ip));
    if (ip && (ing.ipMode === undefined || ing.ipMode === null))
      errs.push(required(child(p, 'ipMode'), 'must be specified when `ip` is set'));
    else if (ing.ipMode !== undefined && ing.ipMode !== null && !ip) {
      errs.push(forbidden(child(p, 'ipMode'), 'may not be specified when `ip` is not set'));
    } else if (
      ing.ipMode !== undefined &&
      ing.ipMode !== null &&
      ing.ipMode !== 'VIP' &&
      ing.ipMode !== 'Proxy'
    ) {
      errs.push(notSupported(child(p, 'ipMode'), ing.ipMode, ['Proxy', 'VIP']));
    }
    const host = str(ing.hostname);
    if (host) {
      errs.push(...validateDNS1123Subdomain(host, child(p, 'hostname')));
      if (validateIP('', host).length === 0)
        errs.push(invalid(child(p, 'hostname'), host, 'must be a DNS name, not an IP address'));
    }
  }
  return errs;
}

function loadBalancerCell(svc: KubeObject, wide: boolean): string {
  const ingress = objs(obj(obj(svc.status)?.loadBalancer)?.ingress);
  const set = new Set<string>();
  for (const [ing] of ingress) {
    if (str(ing.ip)) set.add(str(ing.ip));
    else if (str(ing.hostname)) set.add(str(ing.hostname));
  }
  let r = [...set].sort().join(',');
  if (!wide && r.length > 16) r = `${r.slice(0, 13)}...`;
  return r;
}

/** Upstream's getServiceExternalIP (the non-wide form). */
export function serviceExternalIP(svc: KubeObject): string {
  const spec = obj(svc.spec) ?? {};
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerCell(svc, false);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

/** Upstream's makePortString: `80/TCP`, `80:30080/TCP`, joined by commas; "<none>" when empty. */
export function servicePorts(svc: KubeObject): string {
  const ports = objs(obj(svc.spec)?.ports).map(([p]) => {
    const np = num(p.nodePort) ?? 0;
    return np > 0 ? `${num(p.port) ?? 0}:${np}/${str(p.protocol)}` : `${num(p.port) ?? 0}/${str(p.protocol)}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

export const servicesResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.Service',
  subresources: { status: true, others: ['proxy'] },
  nameValidation: 'dns1123Label',
  returnDeletedObject: true,
  allowCreateOnUpdate: true,
  defaults: defaultService,
  prepareForCreate: servicePrepareForCreate,
  prepareForUpdate: servicePrepareForUpdate,
  validateCreate: validateService,
  validateUpdate: validateServiceUpdate,
  validateStatusUpdate: validateServiceStatusUpdate,
  table: [
    nameColumn(),
    column('Type', (o) => str(obj(o.spec)?.type), { description: 'The type of the service.' }),
    column('Cluster-IP', (o) => str(arr(obj(o.spec)?.clusterIPs)[0]) || '<none>', {
      description: 'The IP address of the service.',
    }),
    column('External-IP', serviceExternalIP, { description: 'External IP addresses of the service.' }),
    column('Port(s)', servicePorts, { description: 'The ports the service exposes.' }),
    ageColumn(),
    column('Selector', (o) => formatLabels(obj(o.spec)?.selector), {
      priority: 1,
      description: 'The labels that select the backing pods.',
    }),
  ],
  selectableFields: (o) => ({
    'spec.clusterIP': str(obj(o.spec)?.clusterIP),
    'spec.type': str(obj(o.spec)?.type),
  }),
};

// ---- Endpoints ----

function validateEndpoints(ep: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const [ss, i] of objs(ep.subsets)) {
    const p = index('subsets', i);
    const addrs = objs(ss.addresses);
    const notReady = objs(ss.notReadyAddresses);
    if (addrs.length === 0 && notReady.length === 0)
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [list, k] of [
      [addrs, 'addresses'],
      [notReady, 'notReadyAddresses'],
    ] as const) {
      for (const [a, j] of list) {
        const ap = index(child(p, k), j);
        const ip = str(a.ip);
        errs.push(...validateIP(child(ap, 'ip'), ip));
        if (str(a.hostname)) errs.push(...validateDNS1123Label(str(a.hostname), child(ap, 'hostname')));
        if (typeof a.nodeName === 'string')
          errs.push(...validateDNS1123Subdomain(a.nodeName, child(ap, 'nodeName')));
        errs.push(...validateNonSpecialIP(ip, child(ap, 'ip')));
      }
    }
    const ports = objs(ss.ports);
    for (const [port, j] of ports) {
      const pp = index(child(p, 'ports'), j);
      const name = str(port.name);
      if (ports.length > 1 && !name) errs.push(required(child(pp, 'name')));
      else if (name) errs.push(...validateDNS1123Label(name, child(pp, 'name')));
      const n = num(port.port) ?? 0;
      for (const m of isValidPortNum(n)) errs.push(invalid(child(pp, 'port'), n, m));
      const proto = str(port.protocol);
      if (!proto) errs.push(required(child(pp, 'protocol')));
      else if (!PORT_PROTOCOLS.includes(proto))
        errs.push(notSupported(child(pp, 'protocol'), proto, PORT_PROTOCOLS));
      if (typeof port.appProtocol === 'string')
        errs.push(...validateQualifiedName(port.appProtocol, child(pp, 'appProtocol')));
    }
  }
  return errs;
}

/** Upstream's formatEndpoints: up to three `ip:port` entries, then "+ N more...". */
export function formatEndpoints(ep: KubeObject): string {
  const subsets = objs(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const [ss] of subsets) {
    const addrs = objs(ss.addresses);
    const ports = objs(ss.ports);
    if (ports.length === 0) {
      count += addrs.length;
      for (const [a] of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a.ip));
      }
      continue;
    }
    for (const [port] of ports) {
      count += addrs.length;
      for (const [a] of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        const ip = str(a.ip);
        list.push(`${ip.includes(':') ? `[${ip}]` : ip}:${num(port.port) ?? 0}`);
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  plural: 'endpoints',
  singular: 'endpoints',
  shortNames: ['ep'],
  namespaced: true,
  schema: 'io.k8s.api.core.v1.Endpoints',
  allowCreateOnUpdate: true,
  defaults: (o) => {
    for (const [ss] of objs(o.subsets))
      for (const [p] of objs(ss.ports)) setDefaultString(p, 'protocol', 'TCP');
  },
  validateCreate: validateEndpoints,
  validateUpdate: validateEndpoints,
  table: [
    nameColumn(),
    column('Endpoints', formatEndpoints, { description: 'The addresses and ports of the endpoints.' }),
    ageColumn(),
  ],
};
