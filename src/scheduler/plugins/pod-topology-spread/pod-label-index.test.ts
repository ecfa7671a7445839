/**
 * The label index only narrows where a count table starts: whatever the cluster does, every node that could
 * contribute must be among its answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LabelSelector, parseLabelSelector } from '../../../api/labels.js';
import type { PodAffinityTerm } from '../../../api/openapi/generated/types.js';
import { NodeInfo, PodInfo, type AffinityTerm } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { NodeChangeLog } from './topology-counts.js';
import { PodLabelIndex, requiredPair } from './pod-label-index.js';

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

const TERM_SELECTORS: PodAffinityTerm['labelSelector'][] = [
  { matchLabels: { app: 'a' } },
  { matchLabels: { app: 'b', tier: 'x' } },
  { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'c'] }] },
  { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
  { matchExpressions: [{ key: 'app', operator: 'In', values: ['c'] }] },
  {},
];

const QUERY_SELECTORS = ['app=a', 'app=b,tier=x', 'app in (a,c)', 'tier', 'app in (c)', 'app!=a', ''].map(
  parseLabelSelector,
);

const LABEL_SETS: Array<Record<string, string> | undefined> = [
  undefined,
  { app: 'a' },
  { app: 'b', tier: 'x' },
  { app: 'c', tier: 'y' },
  { tier: 'x' },
];

function matches(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return sel.matches(labels ?? {});
}

describe('PodLabelIndex', () => {
  it('requiredPair: the first single-value equality', () => {
    assert.equal(requiredPair(parseLabelSelector('app=a')), 'app\u0000a');
    assert.equal(requiredPair(parseLabelSelector('app in (a)')), 'app\u0000a');
    assert.equal(requiredPair(parseLabelSelector('app in (a,b)')), undefined);
    assert.equal(requiredPair(parseLabelSelector('tier,app!=a')), undefined);
    assert.equal(requiredPair(parseLabelSelector('')), undefined);
  });

  for (const seed of [1, 2, 3, 4]) {
    it(`answers a superset of the contributing nodes while the cluster changes (seed ${seed})`, () => {
      const r = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
      const infos = new Map<string, NodeInfo>();
      let nextNode = 0;
      let nextPod = 0;
      const addNode = (): void => {
        const name = `n${nextNode++}`;
        infos.set(name, new NodeInfo(makeNode().name(name).obj()));
      };
      for (let i = 0; i < 6; i++) addNode();
      const source = {
        list: () => [...infos.values()],
        get: (n: string) => infos.get(n),
      };
      const log = new NodeChangeLog(8);
      const index = new PodLabelIndex();
      for (let step = 0; step < 300; step++) {
        const roll = r();
        const nodes = [...infos.values()];
        if (roll < 0.5) {
          const w = makePod().name(`p${nextPod++}`).node(pick(nodes).name);
          const labels = pick(LABEL_SETS);
          for (const [k, v] of Object.entries(labels ?? {})) w.label(k, v);
          const term = (): PodAffinityTerm => ({
            labelSelector: pick(TERM_SELECTORS),
            topologyKey: 'kubernetes.io/hostname',
          });
          const t = r();
          if (t < 0.3) w.podAntiAffinity(term());
          else if (t < 0.45) w.podAffinity(term());
          else if (t < 0.6) w.podAffinity(term(), 3);
          else if (t < 0.7) w.podAntiAffinity(term(), 2);
          const pod = w.obj();
          infos.get(pod.spec!.nodeName!)!.addPodInfo(new PodInfo(pod));
        } else if (roll < 0.7) {
          const ni = pick(nodes);
          const victim = ni.pods[Math.floor(r() * ni.pods.length)];
          if (victim) ni.removePod(victim.pod);
        } else if (roll < 0.8) {
          const ni = pick(nodes);
          infos.set(ni.name, ni.clone());
        } else if (roll < 0.87) addNode();
        else if (roll < 0.92 && nodes.length > 3) infos.delete(pick(nodes).name);
        // Skipped syncs let the change log run out now and then: the index then rebuilds.
        if (r() < 0.3) continue;
        log.sync(source.list());
        index.sync(log, source);

        for (const sel of QUERY_SELECTORS) {
          const got = index.nodesWithPodsMatching([sel]);
          if (requiredPair(sel) === undefined) {
            assert.equal(got, undefined);
            continue;
          }
          for (const ni of infos.values()) {
            if (ni.pods.some((p) => matches(sel, p.pod.metadata.labels))) {
              assert.ok(got!.has(ni.name), `step ${step}: ${ni.name} has a pod matching ${sel.toString()}`);
            }
          }
        }
        const termMatches = (terms: readonly AffinityTerm[], labels: Record<string, string> | undefined) =>
          terms.some((t) => matches(t.selector, labels));
        for (const labels of LABEL_SETS) {
          const anti = index.antiAffinityCandidates(labels);
          const scoring = index.scoringCandidates(labels);
          for (const ni of infos.values()) {
            for (const p of ni.pods) {
              if (termMatches(p.requiredAntiAffinityTerms, labels))
                assert.ok(anti.has(ni.name), `step ${step}: anti-affinity on ${ni.name}`);
              if (
                termMatches(p.requiredAffinityTerms, labels) ||
                termMatches(p.preferredAffinityTerms, labels) ||
                termMatches(p.preferredAntiAffinityTerms, labels)
              )
                assert.ok(scoring.has(ni.name), `step ${step}: scoring term on ${ni.name}`);
            }
          }
        }
      }
    });
  }
});
