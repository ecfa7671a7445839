/**
 * @module LimitRanger, the admission plugin a default cluster runs: the LimitRanges of a pod's namespace fill in
 * the default requests and limits its containers lack (recording what they set in the
 * `kubernetes.io/limit-ranger` annotation), then reject a pod whose containers or whole pod fall outside a
 * range's min, max or maxLimitRequestRatio, and a PersistentVolumeClaim whose storage request does. Pods are
 * checked on create only (their containers' resources cannot change afterwards); claims on create and update.
 * Rejections are 403 Forbidden with upstream's messages.
 */
import { forbidden } from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';
import { Quantity } from '../../api/quantity.js';
import { podQOSClass } from '../../api/resources/core/pod-spec.js';
import type { ObjectStore } from '../object-store.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

const ANNOTATION = 'kubernetes.io/limit-ranger';
/** Go's resource.MaxMilliValue: past it, comparisons use whole units instead of milli-units. */
const MAX_MILLI_VALUE = (2n ** 63n - 1n) / 1000n;

type Obj = Record<string, unknown>;
type ResourceList = Map<string, Quantity>;

interface LimitItem {
  type: string;
  min: ResourceList;
  max: ResourceList;
  default: ResourceList;
  defaultRequest: ResourceList;
  maxLimitRequestRatio: ResourceList;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  constructor(private readonly limitRanges: () => ObjectStore | undefined) {}

  admit(attrs: AdmissionAttributes): void {
    if (!isPodCreate(attrs)) return;
    const ranges = this.rangesOf(attrs.namespace);
    if (ranges.length === 0) return;
    const pod = attrs.obj!;
    let changed = false;
    for (const items of ranges) changed = setDefaults(pod, items) || changed;
    // The pod strategy classified the pod before admission; what was filled in may change its class.
    if (changed && isObject(pod['status'])) pod['status']['qosClass'] = podQOSClass(pod);
  }

  validate(attrs: AdmissionAttributes): void {
    const obj = attrs.obj;
    if (!obj || attrs.subresource) return;
    let check: (items: LimitItem[]) => string[];
    if (isPodCreate(attrs)) check = (items) => podViolations(obj, items);
    else if (isClaimWrite(attrs)) check = (items) => claimViolations(obj, items);
    else return;
    if (attrs.old?.metadata.deletionTimestamp) return;
    for (const items of this.rangesOf(attrs.namespace)) {
      const problems = check(items);
      if (problems.length > 0) {
        throw forbidden(
          { group: attrs.def.group, resource: attrs.def.plural },
          obj.metadata.name || obj.metadata.generateName || '',
          aggregate(problems),
        );
      }
    }
  }

  /** The limit items of each LimitRange in `namespace`, in name order. */
  private rangesOf(namespace: string): LimitItem[][] {
    const store = this.limitRanges();
    if (!store) return [];
    return store.cache
      .list({ namespace, equalities: [], matches: () => true })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((e) => limitItems(e.obj));
  }
}

function isPodCreate(attrs: AdmissionAttributes): boolean {
  return (
    attrs.def.group === '' &&
    attrs.def.kind === 'Pod' &&
    attrs.operation === 'CREATE' &&
    !attrs.subresource &&
    attrs.obj !== undefined
  );
}

function isClaimWrite(attrs: AdmissionAttributes): boolean {
  return (
    attrs.def.group === '' &&
    attrs.def.kind === 'PersistentVolumeClaim' &&
    (attrs.operation === 'CREATE' || attrs.operation === 'UPDATE')
  );
}

function resourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!isObject(v)) return out;
  for (const [k, q] of Object.entries(v)) {
    if (typeof q !== 'string' && typeof q !== 'number') continue;
    try {
      out.set(k, Quantity.parse(q));
    } catch {
      // Validation rejects malformed quantities; here they count as absent.
    }
  }
  return out;
}

function limitItems(lr: KubeObject): LimitItem[] {
  const spec = isObject(lr['spec']) ? lr['spec'] : {};
  const limits = Array.isArray(spec['limits']) ? spec['limits'] : [];
  return limits.filter(isObject).map((l) => ({
    type: typeof l['type'] === 'string' ? l['type'] : '',
    min: resourceList(l['min']),
    max: resourceList(l['max']),
    default: resourceList(l['default']),
    defaultRequest: resourceList(l['defaultRequest']),
    maxLimitRequestRatio: resourceList(l['maxLimitRequestRatio']),
  }));
}

function containersOf(pod: KubeObject, field: 'containers' | 'initContainers'): Obj[] {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const list = spec[field];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

/** Fills in the defaults one LimitRange's Container items give; true when anything was set. */
function setDefaults(pod: KubeObject, items: LimitItem[]): boolean {
  const limits = new Map<string, string>();
  const requests = new Map<string, string>();
  for (const item of items) {
    if (item.type !== 'Container') continue;
    for (const [k, q] of item.defaultRequest) requests.set(k, q.toString());
    for (const [k, q] of item.default) limits.set(k, q.toString());
  }
  if (limits.size === 0 && requests.size === 0) return false;
  const notes: string[] = [];
  const merge = (c: Obj, what: string): void => {
    // Lists (and resources) are created only when something goes into them: Go's empty maps are omitted.
    const fill = (field: 'limits' | 'requests', defaults: Map<string, string>): string[] => {
      const res = isObject(c['resources']) ? c['resources'] : undefined;
      const current = res && isObject(res[field]) ? res[field] : undefined;
      const set: string[] = [];
      for (const [k, v] of defaults) {
        if (current && Object.hasOwn(current, k)) continue;
        const r = isObject(c['resources']) ? c['resources'] : (c['resources'] = {});
        const list = isObject(r[field]) ? r[field] : (r[field] = {});
        list[k] = v;
        set.push(k);
      }
      return set.sort();
    };
    const setLimits = fill('limits', limits);
    const setRequests = fill('requests', requests);
    const name = typeof c['name'] === 'string' ? c['name'] : '';
    if (setRequests.length > 0) notes.push(`${setRequests.join(', ')} request for ${what} ${name}`);
    if (setLimits.length > 0) notes.push(`${setLimits.join(', ')} limit for ${what} ${name}`);
  };
  for (const c of containersOf(pod, 'containers')) merge(c, 'container');
  for (const c of containersOf(pod, 'initContainers')) merge(c, 'init container');
  if (notes.length === 0) return false;
  const meta = pod.metadata;
  meta.annotations = { ...meta.annotations, [ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  return true;
}

/** What one constraint looks at: the request and limit of a resource (if set) and the enforced amount. */
interface Observed {
  req: Quantity | undefined;
  lim: Quantity | undefined;
  /** Request, limit (0 when unset) and enforced amount at the common precision upstream compares them in. */
  reqV: bigint;
  limV: bigint;
  enforcedV: bigint;
  /** The enforced amount as upstream prints it. */
  enforced: string;
}

const ZERO = Quantity.parse(0);

function observe(name: string, enforced: Quantity, req: ResourceList, lim?: ResourceList): Observed {
  const r = req.get(name);
  const l = lim?.get(name);
  const rq = r ?? ZERO;
  const lq = l ?? ZERO;
  const milli =
    rq.value() <= MAX_MILLI_VALUE && lq.value() <= MAX_MILLI_VALUE && enforced.value() <= MAX_MILLI_VALUE;
  return {
    req: r,
    lim: l,
    reqV: milli ? rq.milliValue() : rq.value(),
    limV: milli ? lq.milliValue() : lq.value(),
    enforcedV: milli ? enforced.milliValue() : enforced.value(),
    enforced: enforced.toString(),
  };
}

function minConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  req: ResourceList,
  lim: ResourceList,
): string | undefined {
  const o = observe(name, enforced, req, lim);
  const what = `minimum ${name} usage per ${type} is ${o.enforced}`;
  if (!o.req) return `${what}.  No request is specified`;
  if (o.reqV < o.enforcedV) return `${what}, but request is ${o.req.toString()}`;
  if (o.lim && o.limV < o.enforcedV) return `${what}, but limit is ${o.lim.toString()}`;
  return undefined;
}

function maxConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  req: ResourceList,
  lim: ResourceList,
): string | undefined {
  const o = observe(name, enforced, req, lim);
  const what = `maximum ${name} usage per ${type} is ${o.enforced}`;
  if (!o.lim) return `${what}.  No limit is specified`;
  if (o.limV > o.enforcedV) return `${what}, but limit is ${o.lim.toString()}`;
  if (o.req && o.reqV > o.enforcedV) return `${what}, but request is ${o.req.toString()}`;
  return undefined;
}

/** A claim's max applies to its request alone (a claim's limits are not user input). */
function maxRequestConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  req: ResourceList,
): string | undefined {
  const o = observe(name, enforced, req);
  const what = `maximum ${name} usage per ${type} is ${o.enforced}`;
  if (!o.req) return `${what}.  No request is specified`;
  if (o.reqV > o.enforcedV) return `${what}, but request is ${o.req.toString()}`;
  return undefined;
}

function ratioConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  req: ResourceList,
  lim: ResourceList,
): string | undefined {
  const o = observe(name, enforced, req, lim);
  const what = `${name} max limit to request ratio per ${type} is ${o.enforced}`;
  if (!o.req || o.reqV === 0n) return `${what}, but no request is specified or request is 0`;
  if (!o.lim || o.limV === 0n) return `${what}, but no limit is specified or limit is 0`;
  const observed = Number(o.limV) / Number(o.reqV);
  const exceeds =
    enforced.value() <= MAX_MILLI_VALUE
      ? observed * 1000 > Number(enforced.milliValue())
      : observed > Number(enforced.value());
  return exceeds ? `${what}, but provided ratio is ${observed.toFixed(6)}` : undefined;
}

function checkAll(type: string, item: LimitItem, req: ResourceList, lim: ResourceList, out: string[]): void {
  for (const [k, v] of item.min) push(out, minConstraint(type, k, v, req, lim));
  for (const [k, v] of item.max) push(out, maxConstraint(type, k, v, req, lim));
  for (const [k, v] of item.maxLimitRequestRatio) push(out, ratioConstraint(type, k, v, req, lim));
}

function push(out: string[], problem: string | undefined): void {
  if (problem !== undefined) out.push(problem);
}

function requirements(c: Obj): { requests: ResourceList; limits: ResourceList } {
  const res = isObject(c['resources']) ? c['resources'] : {};
  return { requests: resourceList(res['requests']), limits: resourceList(res['limits']) };
}

function podViolations(pod: KubeObject, items: LimitItem[]): string[] {
  const out: string[] = [];
  const containers = containersOf(pod, 'containers').map(requirements);
  const inits = containersOf(pod, 'initContainers');
  for (const item of items) {
    if (item.type === 'Container') {
      for (const c of [...containers, ...inits.map(requirements)])
        checkAll(item.type, item, c.requests, c.limits, out);
    } else if (item.type === 'Pod') {
      const requests = podTotal(
        containers.map((c) => c.requests),
        inits,
        'requests',
      );
      const limits = podTotal(
        containers.map((c) => c.limits),
        inits,
        'limits',
      );
      checkAll(item.type, item, requests, limits, out);
    }
  }
  return out;
}

/**
 * A pod's total of one side (requests or limits) as upstream's PodRequests/PodLimits computes it without
 * overhead: the sum over its containers and sidecars (init containers with restartPolicy Always), or the
 * largest need of an init container while it runs next to the sidecars started before it, if larger.
 */
function podTotal(containers: ResourceList[], inits: Obj[], side: 'requests' | 'limits'): ResourceList {
  const total: ResourceList = new Map();
  for (const c of containers) addInto(total, c);
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of inits) {
    const own = requirements(c)[side];
    let need: ResourceList;
    if (c['restartPolicy'] === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      need = sidecars;
    } else {
      need = new Map(own);
      addInto(need, sidecars);
    }
    for (const [k, q] of need) {
      const cur = initMax.get(k);
      if (!cur || q.cmp(cur) > 0) initMax.set(k, q);
    }
  }
  for (const [k, q] of initMax) {
    const cur = total.get(k);
    if (!cur || q.cmp(cur) > 0) total.set(k, q);
  }
  return total;
}

function addInto(into: ResourceList, add: ResourceList): void {
  for (const [k, q] of add) {
    const cur = into.get(k);
    into.set(k, cur ? cur.add(q) : q);
  }
}

function claimViolations(pvc: KubeObject, items: LimitItem[]): string[] {
  const out: string[] = [];
  const spec = isObject(pvc['spec']) ? pvc['spec'] : {};
  const res = isObject(spec['resources']) ? spec['resources'] : {};
  const requests = resourceList(res['requests']);
  for (const item of items) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of item.min) push(out, minConstraint(item.type, k, v, requests, new Map()));
    for (const [k, v] of item.max) push(out, maxRequestConstraint(item.type, k, v, requests));
  }
  return out;
}

/** Upstream's aggregate error text: one message alone, several (without repeats) in brackets. */
function aggregate(problems: string[]): string {
  const unique = [...new Set(problems)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}
