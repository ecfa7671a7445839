/**
 * @module Node names grouped by zone (upstream's nodeTree), listed round-robin across zones so that a
 * partial scan of the node list (percentageOfNodesToScore) still sees every zone.
 */
import type { Node } from '../framework/types.js';

export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_TOPOLOGY_REGION = 'topology.kubernetes.io/region';
const LABEL_FAILURE_DOMAIN_ZONE = 'failure-domain.beta.kubernetes.io/zone';
const LABEL_FAILURE_DOMAIN_REGION = 'failure-domain.beta.kubernetes.io/region';

/** The region and zone of a node as one key; '' when it has neither (upstream's GetZoneKey). */
export function zoneKey(node: Node): string {
  const labels = node.metadata.labels;
  if (!labels) return '';
  const zone = labels[LABEL_TOPOLOGY_ZONE] ?? labels[LABEL_FAILURE_DOMAIN_ZONE] ?? '';
  const region = labels[LABEL_TOPOLOGY_REGION] ?? labels[LABEL_FAILURE_DOMAIN_REGION] ?? '';
  if (!zone && !region) return '';
  return `${region}:\x00:${zone}`;
}

export class NodeTree {
  private readonly tree = new Map<string, string[]>();
  private readonly zones: string[] = [];
  private count = 0;

  get numNodes(): number {
    return this.count;
  }

  addNode(node: Node): void {
    const zone = zoneKey(node);
    const name = node.metadata.name ?? '';
    const names = this.tree.get(zone);
    if (names) {
      if (names.includes(name)) return;
      names.push(name);
    } else {
      this.zones.push(zone);
      this.tree.set(zone, [name]);
    }
    this.count++;
  }

  removeNode(node: Node): boolean {
    const zone = zoneKey(node);
    const names = this.tree.get(zone);
    if (!names) return false;
    const i = names.indexOf(node.metadata.name ?? '');
    if (i < 0) return false;
    names.splice(i, 1);
    if (names.length === 0) {
      this.tree.delete(zone);
      this.zones.splice(this.zones.indexOf(zone), 1);
    }
    this.count--;
    return true;
  }

  updateNode(oldNode: Node | undefined, newNode: Node): void {
    if (oldNode && zoneKey(oldNode) === zoneKey(newNode)) return;
    if (oldNode) this.removeNode(oldNode);
    this.addNode(newNode);
  }

  /** All node names: the first of every zone, then the second of every zone, and so on. */
  list(): string[] {
    const out: string[] = [];
    for (let i = 0; out.length < this.count; i++) {
      for (const zone of this.zones) {
        const names = this.tree.get(zone)!;
        if (i < names.length) out.push(names[i]!);
      }
    }
    return out;
  }
}
