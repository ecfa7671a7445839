/**
 * @module Fake addressing for hollow nodes: node IPs from 172.16.0.0/12 and one pod CIDR per node carved
 * out of 10.0.0.0/8, each CIDR with a small bitmap allocator of pod IPs.
 */
import { ipv4String, parseIPv4 } from '../../util/ipv4.js';

const NODE_NET = 0xac100000; // 172.16.0.0/12
const NODE_NET_SIZE = 1 << 20;
const POD_NET = 0x0a000000; // 10.0.0.0/8
const POD_NET_BITS = 24;
/** Smallest per-node pod block: a /24; largest: a /16. */
const MIN_BLOCK_BITS = 8;
const MAX_BLOCK_BITS = 16;

/** The most hollow nodes one pool can address (one /24 of 10.0.0.0/8 each). */
export const MAX_HOLLOW_NODES = 1 << (POD_NET_BITS - MIN_BLOCK_BITS);

/** Host bits of each node's pod CIDR for a pool of `nodeCount` nodes: as large as 10.0.0.0/8 allows. */
export function podBlockBits(nodeCount: number): number {
  if (nodeCount > MAX_HOLLOW_NODES) {
    throw new Error(`at most ${MAX_HOLLOW_NODES} hollow nodes fit the pod network, asked for ${nodeCount}`);
  }
  const nodeBits = Math.ceil(Math.log2(Math.max(1, nodeCount)));
  return Math.max(MIN_BLOCK_BITS, Math.min(MAX_BLOCK_BITS, POD_NET_BITS - nodeBits));
}

/** Node `index`'s InternalIP. */
export function hollowNodeIP(index: number): string {
  if (index < 0 || index >= NODE_NET_SIZE - 2) throw new Error(`node index ${index} is out of range`);
  return ipv4String(NODE_NET + 1 + index);
}

/** Node `index`'s pod CIDR, e.g. `10.0.64.0/18`. */
export function hollowPodCIDR(index: number, blockBits: number): string {
  return `${ipv4String(POD_NET + index * 2 ** blockBits)}/${32 - blockBits}`;
}

/**
 * The pod IPs of one node's CIDR. The network and broadcast addresses are never handed out; allocation
 * goes round the block from a cursor so a released IP is not reused at once.
 */
export class PodIPPool {
  private readonly base: number;
  private readonly size: number;
  private used: Uint8Array | undefined;
  private cursor = 1;
  private count = 0;

  constructor(index: number, blockBits: number) {
    this.size = 2 ** blockBits;
    this.base = POD_NET + index * this.size;
  }

  /** IPs handed out or reserved. */
  get inUse(): number {
    return this.count;
  }

  /** A free IP, or undefined when the block is full. */
  allocate(): string | undefined {
    const used = (this.used ??= new Uint8Array(this.size >>> 3));
    const usable = this.size - 2;
    for (let n = 0; n < usable; n++) {
      const off = this.cursor;
      this.cursor = off + 1 >= this.size - 1 ? 1 : off + 1;
      if ((used[off >>> 3]! & (1 << (off & 7))) === 0) {
        used[off >>> 3]! |= 1 << (off & 7);
        this.count++;
        return ipv4String(this.base + off);
      }
    }
    return undefined;
  }

  /** Marks an IP already in use (a pod's status from before a restart); false when it is not in this block. */
  reserve(ip: string): boolean {
    const off = this.offset(ip);
    if (off === undefined) return false;
    const used = (this.used ??= new Uint8Array(this.size >>> 3));
    if ((used[off >>> 3]! & (1 << (off & 7))) === 0) {
      used[off >>> 3]! |= 1 << (off & 7);
      this.count++;
    }
    return true;
  }

  release(ip: string): void {
    const off = this.offset(ip);
    if (off === undefined || !this.used) return;
    if ((this.used[off >>> 3]! & (1 << (off & 7))) !== 0) {
      this.used[off >>> 3]! &= ~(1 << (off & 7));
      this.count--;
    }
  }

  private offset(ip: string): number | undefined {
    const n = parseIPv4(ip);
    if (n === undefined) return undefined;
    const off = n - this.base;
    return off > 0 && off < this.size - 1 ? off : undefined;
  }
}
