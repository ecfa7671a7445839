import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { Snapshot } from '../cache/snapshot.js';
import { mergePlugins, defaultPlugins, type KubeSchedulerProfile, type Plugins } from '../config.js';
import { Nominator } from '../queue/nominator.js';
import { makeNode, makePod, nodeInfoWith } from '../testing/wrappers.js';
import { CycleState } from './cycle-state.js';
import type { Handle, PluginFactory, PreFilterResult, QueuedPodInfo } from './interface.js';
import { inTreeRegistry } from './registry.js';
import { Framework, goDuration, type FrameworkOptions } from './runner.js';
import { Code, Status } from './status.js';
import { PodInfo, type NodeInfo, type NodeScore, type Pod } from './types.js';

/** A plugin whose every answer the test sets; records calls. */
interface FakeSpec {
  preFilter?: { status: Status; nodes?: string[] };
  filter?: Status | ((ni: NodeInfo) => Status);
  score?: (ni: NodeInfo) => number;
  normalize?: (scores: NodeScore[]) => void;
  reserve?: Status;
  permit?: { status: Status; timeoutMs: number };
  bind?: Status;
  postFilter?: { status: Status; nominated?: string };
}

const calls: string[] = [];

function fakeFactory(name: string, spec: FakeSpec): PluginFactory {
  return () => {
    const p: Record<string, unknown> = { name };
    if (spec.preFilter) {
      p['preFilter'] = (): { result?: PreFilterResult; status: Status } => {
        calls.push(`${name}.preFilter`);
        return {
          status: spec.preFilter!.status,
          ...(spec.preFilter!.nodes ? { result: { nodeNames: new Set(spec.preFilter!.nodes) } } : {}),
        };
      };
    }
    if (spec.filter) {
      p['filter'] = (_s: CycleState, _p: Pod, ni: NodeInfo): Status => {
        calls.push(`${name}.filter(${ni.name})`);
        return typeof spec.filter === 'function' ? spec.filter(ni) : spec.filter!;
      };
    }
    if (spec.score) {
      p['score'] = (_s: CycleState, _p: Pod, ni: NodeInfo) => spec.score!(ni);
      if (spec.normalize) {
        p['scoreExtensions'] = () => ({
          normalizeScore: (_s: CycleState, _p: Pod, scores: NodeScore[]) => {
            spec.normalize!(scores);
            return Status.success();
          },
        });
      }
    }
    if (spec.reserve) {
      p['reserve'] = () => {
        calls.push(`${name}.reserve`);
        return spec.reserve!;
      };
      p['unreserve'] = () => calls.push(`${name}.unreserve`);
    }
    if (spec.permit) p['permit'] = () => spec.permit!;
    if (spec.bind) {
      p['bind'] = async () => {
        calls.push(`${name}.bind`);
        return spec.bind!;
      };
    }
    if (spec.postFilter) {
      p['postFilter'] = async () => ({
        status: spec.postFilter!.status,
        ...(spec.postFilter!.nominated ? { result: { nominatedNodeName: spec.postFilter!.nominated } } : {}),
      });
    }
    return p as unknown as ReturnType<PluginFactory>;
  };
}

const sortFactory: PluginFactory = () => ({
  name: 'Sort',
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => a.timestamp < b.timestamp,
});
const binderFactory = fakeFactory('Binder', { bind: Status.success() });

function framework(
  plugins: Record<string, FakeSpec>,
  config: Plugins,
  opts: Partial<FrameworkOptions> = {},
): Framework {
  const registry = new Map<string, PluginFactory>([
    ['Sort', sortFactory],
    ['Binder', binderFactory],
  ]);
  for (const [name, spec] of Object.entries(plugins)) registry.set(name, fakeFactory(name, spec));
  const base: Plugins = {
    queueSort: { enabled: [{ name: 'Sort' }] },
    bind: { enabled: [{ name: 'Binder' }] },
  };
  const profile: KubeSchedulerProfile = {
    schedulerName: 'test',
    plugins: { ...base, ...config },
    pluginConfig: [],
  };
  return newFramework(profile, registry, opts);
}

function newFramework(
  profile: KubeSchedulerProfile,
  registry: ReadonlyMap<string, PluginFactory>,
  opts: Partial<FrameworkOptions> = {},
): Framework {
  const snapshot = new Snapshot();
  return new Framework({
    profile,
    registry,
    client: {
      bind: async () => {},
      patchPod: async (p) => p,
      deletePod: async () => {},
    },
    snapshot: () => snapshot,
    namespaces: { get: () => undefined, list: () => [] },
    podDisruptionBudgets: () => [],
    nominator: new Nominator(),
    clock: new FakeClock(),
    ...opts,
  });
}

const pod = makePod().name('p').obj();
const nodes = ['n1', 'n2', 'n3'].map((n) => nodeInfoWith(makeNode().name(n).obj()));

test('plugin lists: multiPoint expansion, explicit overrides, disabling, weights', () => {
  const fwk = framework(
    {
      A: { filter: Status.success(), score: () => 1 },
      B: { filter: Status.success(), preFilter: { status: Status.success() } },
      C: { filter: Status.success() },
    },
    {
      multiPoint: { enabled: [{ name: 'A', weight: 2 }, { name: 'B' }, { name: 'C' }] },
      filter: { enabled: [{ name: 'C' }], disabled: [{ name: 'B' }] },
      score: { enabled: [{ name: 'A', weight: 5 }] },
    },
  );
  assert.deepEqual(fwk.listPlugins(), {
    queueSort: ['Sort'],
    preFilter: ['B'],
    filter: ['C', 'A'],
    score: ['A'],
    bind: ['Binder'],
  });
  assert.equal(fwk.scoreWeights.get('A'), 5);
  const star = framework(
    { A: { filter: Status.success() } },
    {
      multiPoint: { enabled: [{ name: 'A' }] },
      filter: { disabled: [{ name: '*' }] },
    },
  );
  assert.deepEqual(star.listPlugins().filter, undefined);
});

test('profile construction errors', () => {
  const cases: Array<{ name: string; config: Plugins; err: RegExp }> = [
    {
      name: 'unknown plugin',
      config: { filter: { enabled: [{ name: 'Nope' }] } },
      err: /plugin "Nope" does not exist/,
    },
    {
      name: 'plugin at a point it does not implement',
      config: { score: { enabled: [{ name: 'F' }] } },
      err: /plugin "F" does not extend ScorePlugin plugin/,
    },
    {
      name: 'double registration via multiPoint',
      config: { multiPoint: { enabled: [{ name: 'F' }, { name: 'F' }] } },
      err: /already registered as "FilterPlugin"/,
    },
    {
      name: 'no bind plugin',
      config: { bind: { disabled: [{ name: '*' }] } },
      err: /at least one bind plugin is needed/,
    },
  ];
  for (const c of cases) {
    assert.throws(() => framework({ F: { filter: Status.success() } }, c.config), c.err, c.name);
  }
});

test('PreFilter: skip, unschedulable keeps going, unresolvable stops, errors wrap, node sets intersect', () => {
  const cases: Array<{
    name: string;
    plugins: Record<string, FakeSpec>;
    code: Code;
    message?: string;
    nodes?: string[];
    ran: string[];
    skipped?: string[];
  }> = [
    {
      name: 'skip marks filter skipped',
      plugins: {
        A: { preFilter: { status: Status.skip() }, filter: Status.success() },
        B: { preFilter: { status: Status.success() } },
      },
      code: Code.Success,
      ran: ['A.preFilter', 'B.preFilter'],
      skipped: ['A'],
    },
    {
      name: 'unschedulable runs the rest',
      plugins: {
        A: { preFilter: { status: Status.unschedulable('no') } },
        B: { preFilter: { status: Status.success() } },
      },
      code: Code.Unschedulable,
      message: 'no',
      ran: ['A.preFilter', 'B.preFilter'],
    },
    {
      name: 'unresolvable stops',
      plugins: {
        A: { preFilter: { status: Status.unresolvable('never') } },
        B: { preFilter: { status: Status.success() } },
      },
      code: Code.UnschedulableAndUnresolvable,
      message: 'never',
      ran: ['A.preFilter'],
    },
    {
      name: 'error wraps',
      plugins: { A: { preFilter: { status: Status.error('boom') } } },
      code: Code.Error,
      message: 'running PreFilter plugin "A": boom',
      ran: ['A.preFilter'],
    },
    {
      name: 'node sets intersect',
      plugins: {
        A: { preFilter: { status: Status.success(), nodes: ['n1', 'n2'] } },
        B: { preFilter: { status: Status.success(), nodes: ['n2', 'n3'] } },
      },
      code: Code.Success,
      nodes: ['n2'],
      ran: ['A.preFilter', 'B.preFilter'],
    },
    {
      name: 'disjoint node sets',
      plugins: {
        A: { preFilter: { status: Status.success(), nodes: ['n1'] } },
        B: { preFilter: { status: Status.success(), nodes: ['n3'] } },
      },
      code: Code.UnschedulableAndUnresolvable,
      message: "node(s) didn't satisfy plugin(s) [A B] simultaneously",
      ran: ['A.preFilter', 'B.preFilter'],
    },
  ];
  for (const c of cases) {
    calls.length = 0;
    const names = Object.keys(c.plugins).map((name) => ({ name }));
    const fwk = framework(c.plugins, { multiPoint: { enabled: names } });
    const state = new CycleState();
    const out = fwk.runPreFilterPlugins(state, pod, nodes);
    assert.equal(out.status.code, c.code, c.name);
    if (c.message) assert.equal(out.status.message(), c.message, c.name);
    if (c.nodes) assert.deepEqual([...out.result!.nodeNames!], c.nodes, c.name);
    assert.deepEqual(calls, c.ran, c.name);
    assert.deepEqual([...state.skipFilterPlugins], c.skipped ?? [], c.name);
  }
});

test('Filter: the first rejection decides and names its plugin; other codes are errors', () => {
  const cases: Array<{ name: string; a: Status; b: Status; code: Code; plugin: string; message: string }> = [
    {
      name: 'all pass',
      a: Status.success(),
      b: Status.success(),
      code: Code.Success,
      plugin: '',
      message: '',
    },
    {
      name: 'first rejects',
      a: Status.unschedulable('x'),
      b: Status.unresolvable('y'),
      code: Code.Unschedulable,
      plugin: 'A',
      message: 'x',
    },
    {
      name: 'second rejects',
      a: Status.success(),
      b: Status.unresolvable('y'),
      code: Code.UnschedulableAndUnresolvable,
      plugin: 'B',
      message: 'y',
    },
    {
      name: 'error',
      a: Status.error('bad'),
      b: Status.success(),
      code: Code.Error,
      plugin: 'A',
      message: 'running "A" filter plugin: bad',
    },
  ];
  for (const c of cases) {
    const fwk = framework(
      { A: { filter: c.a }, B: { filter: c.b } },
      { multiPoint: { enabled: [{ name: 'A' }, { name: 'B' }] } },
    );
    const s = fwk.runFilterPlugins(new CycleState(), pod, nodes[0]!);
    assert.equal(s.code, c.code, c.name);
    assert.equal(s.plugin, c.plugin, c.name);
    assert.equal(s.message(), c.message, c.name);
  }
});

test('Score: normalized, weighted and summed; out-of-range scores are errors', () => {
  const fwk = framework(
    {
      A: { score: (ni) => Number(ni.name.slice(1)) * 10, normalize: (s) => s.forEach((x) => (x.score *= 2)) },
      B: { score: (ni) => (ni.name === 'n1' ? 100 : 0) },
    },
    {
      multiPoint: {
        enabled: [
          { name: 'A', weight: 2 },
          { name: 'B', weight: 1 },
        ],
      },
    },
  );
  const { totals, status } = fwk.runScorePlugins(new CycleState(), pod, nodes);
  assert.ok(status.isSuccess());
  assert.deepEqual(totals, [2 * 20 + 100, 2 * 40, 2 * 60]);
  const bad = framework({ A: { score: () => 101 } }, { multiPoint: { enabled: [{ name: 'A' }] } });
  const r = bad.runScorePlugins(new CycleState(), pod, nodes);
  assert.equal(
    r.status.message(),
    'plugin "A" returns an invalid score 101, it should in the range of [0, 100] after normalizing',
  );
  const state = new CycleState();
  state.skipScorePlugins.add('A');
  assert.deepEqual(bad.runScorePlugins(state, pod, nodes).totals, [0, 0, 0]);
});

test('Reserve failure, Unreserve in reverse order', () => {
  calls.length = 0;
  const fwk = framework(
    { A: { reserve: Status.success() }, B: { reserve: Status.unschedulable('full') } },
    { multiPoint: { enabled: [{ name: 'A' }, { name: 'B' }] } },
  );
  const s = fwk.runReservePluginsReserve(new CycleState(), pod, 'n1');
  assert.equal(s.plugin, 'B');
  fwk.runReservePluginsUnreserve(new CycleState(), pod, 'n1');
  assert.deepEqual(calls, ['A.reserve', 'B.reserve', 'B.unreserve', 'A.unreserve']);
});

test('Permit: wait until allowed, rejected, or timed out', async () => {
  const clock = new FakeClock();
  const mk = (): Framework =>
    framework(
      {
        P: { permit: { status: Status.of(Code.Wait), timeoutMs: 10_000 } },
        Q: { permit: { status: Status.of(Code.Wait), timeoutMs: 5_000 } },
      },
      { multiPoint: { enabled: [{ name: 'P' }, { name: 'Q' }] } },
      { clock },
    );
  // Allowed by both.
  let fwk = mk();
  assert.equal(fwk.runPermitPlugins(new CycleState(), pod, 'n1').code, Code.Wait);
  let wait = fwk.waitOnPermit(pod);
  fwk.getWaitingPod(pod.metadata.uid!)!.allow('P');
  fwk.getWaitingPod(pod.metadata.uid!)!.allow('Q');
  assert.ok((await wait).isSuccess());
  // Timed out at the shorter timeout.
  fwk = mk();
  fwk.runPermitPlugins(new CycleState(), pod, 'n1');
  wait = fwk.waitOnPermit(pod);
  clock.advance(5_000);
  const s = await wait;
  assert.equal(s.code, Code.Unschedulable);
  assert.equal(s.message(), 'rejected due to timeout after waiting 5s at plugin Q');
  assert.equal(clock.pendingTimers, 0);
  // Rejected explicitly.
  fwk = mk();
  fwk.runPermitPlugins(new CycleState(), pod, 'n1');
  wait = fwk.waitOnPermit(pod);
  assert.ok(fwk.rejectWaitingPod(pod.metadata.uid!));
  assert.equal((await wait).code, Code.Unschedulable);
  // A rejecting permit plugin wins over waiting ones.
  const rej = framework(
    {
      P: { permit: { status: Status.of(Code.Wait), timeoutMs: 1 } },
      R: { permit: { status: Status.unschedulable('no'), timeoutMs: 0 } },
    },
    { multiPoint: { enabled: [{ name: 'P' }, { name: 'R' }] } },
    { clock },
  );
  assert.equal(rej.runPermitPlugins(new CycleState(), pod, 'n1').plugin, 'R');
  assert.deepEqual(
    ['0s', '500ms', '5s', '1m30s', '15m0s', '1.5s'],
    [0, 500, 5000, 90_000, 900_000, 1500].map(goDuration),
  );
});

test('Bind: the first plugin that does not skip binds', async () => {
  const cases: Array<{ name: string; a: Status; b: Status; code: Code; ran: string[] }> = [
    { name: 'first binds', a: Status.success(), b: Status.success(), code: Code.Success, ran: ['A.bind'] },
    {
      name: 'first skips',
      a: Status.skip(),
      b: Status.success(),
      code: Code.Success,
      ran: ['A.bind', 'B.bind'],
    },
    { name: 'all skip', a: Status.skip(), b: Status.skip(), code: Code.Skip, ran: ['A.bind', 'B.bind'] },
    { name: 'error stops', a: Status.error('x'), b: Status.success(), code: Code.Error, ran: ['A.bind'] },
  ];
  for (const c of cases) {
    calls.length = 0;
    const fwk = framework(
      { A: { bind: c.a }, B: { bind: c.b } },
      { bind: { enabled: [{ name: 'A' }, { name: 'B' }] } },
    );
    const s = await fwk.runBindPlugins(new CycleState(), pod, 'n1');
    assert.equal(s.code, c.code, c.name);
    assert.deepEqual(calls, c.ran, c.name);
  }
});

test('PostFilter: first success wins; rejections collect reasons', async () => {
  const fwk = framework(
    {
      A: { postFilter: { status: Status.unschedulable('a-no') } },
      B: { postFilter: { status: Status.success(), nominated: 'n2' } },
    },
    { postFilter: { enabled: [{ name: 'A' }, { name: 'B' }] } },
  );
  const r = await fwk.runPostFilterPlugins(new CycleState(), pod, new Map());
  assert.equal(r.result?.nominatedNodeName, 'n2');
  const fail = framework(
    {
      A: { postFilter: { status: Status.unschedulable('a-no') } },
      B: { postFilter: { status: Status.unschedulable('b-no') } },
    },
    { postFilter: { enabled: [{ name: 'A' }, { name: 'B' }] } },
  );
  const f = await fail.runPostFilterPlugins(new CycleState(), pod, new Map());
  assert.equal(f.status.message(), 'a-no, b-no');
  assert.equal(f.status.plugin, 'B');
});

test('filters count nominated pods of equal or higher priority on the node', () => {
  const nominator = new Nominator();
  const profile: KubeSchedulerProfile = {
    schedulerName: 'default-scheduler',
    plugins: mergePlugins(defaultPlugins(), {}),
    pluginConfig: [],
  };
  const registry = inTreeRegistry();
  const optionalPlugins = new Set([
    'PodTopologySpread',
    'InterPodAffinity',
    'DefaultPreemption',
    'ImageLocality',
  ]);
  const fwk = newFramework(profile, registry, { nominator, optionalPlugins });
  const node = makeNode().name('n1').capacity({ cpu: '1', memory: '1Gi', pods: 10 }).obj();
  const ni = nodeInfoWith(node);
  const nominated = makePod().name('nom').priority(10).container({ cpu: '800m' }).obj();
  nominator.addNominatedPod(new PodInfo(nominated), 'n1');
  const cases: Array<{ name: string; priority: number; ok: boolean }> = [
    { name: 'lower priority sees the nominated pod', priority: 5, ok: false },
    { name: 'equal priority too', priority: 10, ok: false },
    { name: 'higher priority ignores it', priority: 20, ok: true },
  ];
  for (const c of cases) {
    const p = makePod().name(`p${c.priority}`).priority(c.priority).container({ cpu: '500m' }).obj();
    const state = new CycleState();
    fwk.runPreFilterPlugins(state, p, [ni]);
    const s = fwk.runFilterPluginsWithNominatedPods(state, p, ni);
    assert.equal(s.isSuccess(), c.ok, c.name);
    if (!c.ok) assert.equal(s.message(), 'Insufficient cpu', c.name);
  }
  assert.equal(ni.pods.length, 0, 'the NodeInfo itself is untouched');
});

test('a throwing plugin is an Error status, not an exception', () => {
  const registry = new Map<string, PluginFactory>([
    ['Sort', sortFactory],
    ['Binder', binderFactory],
    [
      'Thrower',
      (_a: Record<string, unknown> | undefined, _h: Handle) =>
        ({
          name: 'Thrower',
          filter: () => {
            throw new Error('kaboom');
          },
        }) as unknown as ReturnType<PluginFactory>,
    ],
  ]);
  const fwk = newFramework(
    {
      schedulerName: 't',
      plugins: {
        queueSort: { enabled: [{ name: 'Sort' }] },
        bind: { enabled: [{ name: 'Binder' }] },
        filter: { enabled: [{ name: 'Thrower' }] },
      },
      pluginConfig: [],
    },
    registry,
  );
  const s = fwk.runFilterPlugins(new CycleState(), pod, nodes[0]!);
  assert.equal(s.code, Code.Error);
  assert.match(s.message(), /kaboom/);
});
