/**
 * Differential test of the incremental counts: plugins that live across many cycles (and so reuse their
 * tables) must decide exactly as freshly built plugins over the same snapshot, while pods come and go and nodes
 * are added, removed, relabelled, tainted and copied.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  Plugin,
  FilterPlugin,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from '../../framework/interface.js';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo, type NodeScore, type Pod, PodInfo } from '../../framework/types.js';
import { FakeHandle } from '../helpers/testing.js';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers.js';
import { newInterPodAffinity } from '../inter-pod-affinity/inter-pod-affinity.js';
import { LABEL_HOSTNAME, LABEL_TOPOLOGY_ZONE, newPodTopologySpread } from './pod-topology-spread.js';
import type { WorkloadListers } from './default-selector.js';

type Full = Plugin & PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPS = ['a', 'b', 'c'];
const ZONES = ['z0', 'z1', 'z2'];

const listers: WorkloadListers = {
  services: () => [{ spec: { selector: { app: 'a' } } }],
  replicationController: () => undefined,
  replicaSet: () => undefined,
  statefulSet: () => undefined,
};

/** Incoming pods exercising every counting path. */
const TEMPLATES: Array<(p: PodWrapper) => PodWrapper> = [
  (p) =>
    p
      .label('app', 'a')
      .spreadConstraint({
        maxSkew: 1,
        topologyKey: LABEL_TOPOLOGY_ZONE,
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'a' } },
      })
      .spreadConstraint({
        maxSkew: 2,
        topologyKey: LABEL_HOSTNAME,
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'a' } },
        minDomains: 5,
      }),
  (p) =>
    p
      .label('app', 'b')
      .nodeSelector({ tier: 'front' })
      .spreadConstraint({
        maxSkew: 1,
        topologyKey: 'rack',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'b' } },
        nodeTaintsPolicy: 'Honor',
      })
      .spreadConstraint({
        maxSkew: 1,
        topologyKey: LABEL_TOPOLOGY_ZONE,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { app: 'b' } },
      })
      .spreadConstraint({
        maxSkew: 2,
        topologyKey: LABEL_HOSTNAME,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { app: 'b' } },
      }),
  // No constraints: system defaults through the Service selecting app=a.
  (p) => p.label('app', 'a'),
  (p) =>
    p
      .label('app', 'c')
      .podAntiAffinity({ labelSelector: { matchLabels: { app: 'c' } }, topologyKey: LABEL_HOSTNAME }),
  (p) =>
    p
      .label('app', 'b')
      .podAffinity({ labelSelector: { matchLabels: { app: 'a' } }, topologyKey: LABEL_TOPOLOGY_ZONE })
      .podAntiAffinity({ labelSelector: { matchLabels: { app: 'b' } }, topologyKey: 'rack' }),
  (p) =>
    p
      .label('app', 'a')
      .podAffinity({ labelSelector: { matchLabels: { app: 'c' } }, topologyKey: LABEL_TOPOLOGY_ZONE }, 7)
      .podAntiAffinity({ labelSelector: { matchLabels: { app: 'a' } }, topologyKey: LABEL_HOSTNAME }, 3),
];

class Cluster {
  readonly infos = new Map<string, NodeInfo>();
  private nextNode = 0;
  private nextPod = 0;

  constructor(private readonly r: () => number) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  private nodeObj(name: string): NodeInfo['node'] & object {
    const n = makeNode().name(name).label(LABEL_TOPOLOGY_ZONE, this.pick(ZONES));
    if (this.r() < 0.7) n.label('rack', `r${Math.floor(this.r() * 4)}`);
    if (this.r() < 0.5) n.label('tier', 'front');
    if (this.r() < 0.2) n.taint({ key: 'dedicated', value: 'x', effect: 'NoSchedule' });
    return n.obj();
  }

  addNode(): void {
    const name = `n${this.nextNode++}`;
    this.infos.set(name, new NodeInfo(this.nodeObj(name)));
  }

  addPod(): void {
    const nodes = [...this.infos.keys()];
    if (nodes.length === 0) return;
    const node = this.pick(nodes);
    const w = makePod()
      .name(`e${this.nextPod++}`)
      .namespace(this.r() < 0.85 ? 'default' : 'other')
      .node(node)
      .label('app', this.pick(APPS));
    const roll = this.r();
    if (roll < 0.15)
      w.podAntiAffinity({
        labelSelector: { matchLabels: { app: this.pick(APPS) } },
        topologyKey: LABEL_HOSTNAME,
      });
    else if (roll < 0.25)
      w.podAffinity(
        { labelSelector: { matchLabels: { app: this.pick(APPS) } }, topologyKey: LABEL_TOPOLOGY_ZONE },
        4,
      );
    else if (roll < 0.3) w.podAffinity({ labelSelector: { matchLabels: { app: 'a' } }, topologyKey: 'rack' });
    const pod = w.obj();
    if (this.r() < 0.05) pod.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
    this.infos.get(node)!.addPodInfo(new PodInfo(pod));
  }

  step(): void {
    const roll = this.r();
    const nodes = [...this.infos.values()];
    if (roll < 0.55 || nodes.length === 0) this.addPod();
    else if (roll < 0.7) {
      const ni = this.pick(nodes);
      const victim = ni.pods[Math.floor(this.r() * ni.pods.length)];
      if (victim) ni.removePod(victim.pod);
    } else if (roll < 0.78) ni_relabel(this.pick(nodes), this.nodeObj(this.pick(nodes).name));
    else if (roll < 0.84) this.addNode();
    else if (roll < 0.88 && nodes.length > 3) this.infos.delete(this.pick(nodes).name);
    else if (roll < 0.95) {
      const ni = this.pick(nodes);
      this.infos.set(ni.name, ni.clone());
    }
    // otherwise: an unchanged cycle
  }

  list(): NodeInfo[] {
    return [...this.infos.values()];
  }
}

function ni_relabel(ni: NodeInfo, node: NodeInfo['node'] & object): void {
  node.metadata.name = ni.name;
  node.metadata.labels = { ...node.metadata.labels, [LABEL_HOSTNAME]: ni.name };
  ni.setNode(node);
}

interface Outcome {
  preFilter: string;
  filter: string[];
  preScore: string;
  scores: NodeScore[];
}

function run(pl: Full, pod: Pod, nodes: NodeInfo[]): Outcome {
  const state = new CycleState();
  const pre = pl.preFilter(state, pod, nodes);
  const filter = pre.status.isSuccess() ? nodes.map((ni) => pl.filter(state, pod, ni).toString()) : [];
  const preScore = pl.preScore(state, pod, nodes);
  let scores: NodeScore[] = [];
  if (preScore.isSuccess()) {
    scores = nodes.map((ni) => {
      const r = pl.score(state, pod, ni);
      assert.ok(typeof r === 'number', String(r));
      return { name: ni.name, score: r };
    });
    assert.ok(pl.scoreExtensions?.()?.normalizeScore(state, pod, scores).isSuccess());
  }
  return { preFilter: pre.status.toString(), filter, preScore: preScore.toString(), scores };
}

const FACTORIES = {
  PodTopologySpread: (h: FakeHandle) => newPodTopologySpread({ listers }, h) as Full,
  InterPodAffinity: (h: FakeHandle) => newInterPodAffinity(undefined, h) as Full,
};

describe('incremental counts decide as a fresh recount', () => {
  for (const [name, factory] of Object.entries(FACTORIES)) {
    for (const seed of [1, 2, 3]) {
      it(`${name}, seed ${seed}`, () => {
        const r = rng(seed);
        const cluster = new Cluster(r);
        for (let i = 0; i < 10; i++) cluster.addNode();
        const handle = new FakeHandle({ nodes: cluster.list() });
        const longLived = factory(handle);
        let compared = 0;
        for (let step = 0; step < 250; step++) {
          cluster.step();
          const nodes = cluster.list();
          handle.setNodes(nodes);
          // Several pods per snapshot, as consecutive cycles against one snapshot would.
          for (let k = 0; k < 2; k++) {
            const tpl = TEMPLATES[Math.floor(r() * TEMPLATES.length)]!;
            const pod = tpl(makePod().name(`in${step}-${k}`)).obj();
            const fresh = factory(new FakeHandle({ nodes }));
            const want = run(fresh, pod, nodes);
            const got = run(longLived, pod, nodes);
            assert.deepEqual(got, want, `step ${step}, template ${TEMPLATES.indexOf(tpl)}`);
            if (want.filter.length > 0 || want.scores.length > 0) compared++;
          }
        }
        assert.ok(compared > 100, `only ${compared} comparisons exercised filtering or scoring`);
      });
    }
  }
});
