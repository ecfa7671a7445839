import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
} from '../../../api/openapi/generated/types.js';
import type { Node } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import {
  CompiledNodeSelector,
  getRequiredNodeAffinity,
  matchNodeSelectorTerms,
  newNodeSelector,
  newPreferredSchedulingTerms,
  podMatchesNodeSelectorAndAffinityTerms,
  PreferredSchedulingTerms,
} from './node-affinity.js';

function node(name: string, labels: Record<string, string> = {}): Node {
  const n = makeNode().name(name).obj();
  n.metadata.labels = labels;
  return n;
}

const req = (key: string, operator: string, values?: string[]): NodeSelectorRequirement => ({
  key,
  operator,
  ...(values ? { values } : {}),
});
const exprs = (...m: NodeSelectorRequirement[]): NodeSelectorTerm => ({ matchExpressions: m });
const fields = (...m: NodeSelectorRequirement[]): NodeSelectorTerm => ({ matchFields: m });
const sel = (...terms: NodeSelectorTerm[]): NodeSelector => ({ nodeSelectorTerms: terms });

describe('node selector terms', () => {
  const cases: Array<{ name: string; selector: NodeSelector; node: Node; want: boolean }> = [
    {
      name: 'In matches one of the values',
      selector: sel(exprs(req('foo', 'In', ['bar', 'value2']))),
      node: node('n', { foo: 'bar' }),
      want: true,
    },
    {
      name: 'In does not match another value',
      selector: sel(exprs(req('foo', 'In', ['value1', 'value2']))),
      node: node('n', { foo: 'bar' }),
      want: false,
    },
    {
      name: 'In does not match a missing key',
      selector: sel(exprs(req('foo', 'In', ['bar']))),
      node: node('n'),
      want: false,
    },
    {
      name: 'NotIn matches a missing key',
      selector: sel(exprs(req('foo', 'NotIn', ['bar']))),
      node: node('n'),
      want: true,
    },
    {
      name: 'NotIn rejects a listed value',
      selector: sel(exprs(req('foo', 'NotIn', ['bar']))),
      node: node('n', { foo: 'bar' }),
      want: false,
    },
    { name: 'Exists', selector: sel(exprs(req('foo', 'Exists'))), node: node('n', { foo: '' }), want: true },
    {
      name: 'Exists on a missing key',
      selector: sel(exprs(req('foo', 'Exists'))),
      node: node('n'),
      want: false,
    },
    {
      name: 'DoesNotExist',
      selector: sel(exprs(req('foo', 'DoesNotExist'))),
      node: node('n', { bar: 'x' }),
      want: true,
    },
    {
      name: 'DoesNotExist on a present key',
      selector: sel(exprs(req('foo', 'DoesNotExist'))),
      node: node('n', { foo: 'x' }),
      want: false,
    },
    {
      name: 'Gt compares integers',
      selector: sel(exprs(req('kernel-version', 'Gt', ['0204']))),
      node: node('n', { 'kernel-version': '0206' }),
      want: true,
    },
    {
      name: 'Gt is strict',
      selector: sel(exprs(req('kernel-version', 'Gt', ['206']))),
      node: node('n', { 'kernel-version': '0206' }),
      want: false,
    },
    {
      name: 'Lt compares integers',
      selector: sel(exprs(req('mem', 'Lt', ['10']))),
      node: node('n', { mem: '-3' }),
      want: true,
    },
    {
      name: 'Gt on a non-integer label',
      selector: sel(exprs(req('v', 'Gt', ['1']))),
      node: node('n', { v: 'abc' }),
      want: false,
    },
    {
      name: 'Gt on a missing label',
      selector: sel(exprs(req('v', 'Gt', ['1']))),
      node: node('n'),
      want: false,
    },
    {
      name: 'Gt with a non-integer value does not parse',
      selector: sel(exprs(req('v', 'Gt', ['a']))),
      node: node('n', { v: '5' }),
      want: false,
    },
    {
      name: 'Gt with two values does not parse',
      selector: sel(exprs(req('v', 'Gt', ['1', '2']))),
      node: node('n', { v: '5' }),
      want: false,
    },
    {
      name: 'expressions of a term are ANDed',
      selector: sel(exprs(req('foo', 'In', ['bar']), req('zone', 'Exists'))),
      node: node('n', { foo: 'bar' }),
      want: false,
    },
    {
      name: 'terms are ORed',
      selector: sel(exprs(req('foo', 'In', ['x'])), exprs(req('zone', 'In', ['a']))),
      node: node('n', { zone: 'a' }),
      want: true,
    },
    { name: 'no terms match nothing', selector: sel(), node: node('n', { foo: 'bar' }), want: false },
    {
      name: 'an empty term matches nothing',
      selector: sel({ matchExpressions: [] }),
      node: node('n', { foo: 'bar' }),
      want: false,
    },
    {
      name: 'an invalid value fails its term only',
      selector: sel(exprs(req('foo', 'In', ['invalid value: ___@#$%^'])), exprs(req('foo', 'Exists'))),
      node: node('n', { foo: 'bar' }),
      want: true,
    },
    {
      name: 'an invalid operator does not parse',
      selector: sel(exprs(req('foo', 'Equals', ['bar']))),
      node: node('n', { foo: 'bar' }),
      want: false,
    },
    {
      name: 'In with no values does not parse',
      selector: sel(exprs(req('foo', 'In', []))),
      node: node('n', { foo: 'bar' }),
      want: false,
    },
    {
      name: 'matchFields metadata.name In',
      selector: sel(fields(req('metadata.name', 'In', ['node1']))),
      node: node('node1'),
      want: true,
    },
    {
      name: 'matchFields metadata.name In another node',
      selector: sel(fields(req('metadata.name', 'In', ['node1']))),
      node: node('node2'),
      want: false,
    },
    {
      name: 'matchFields metadata.name NotIn',
      selector: sel(fields(req('metadata.name', 'NotIn', ['node1']))),
      node: node('node2'),
      want: true,
    },
    {
      name: 'matchFields on an unknown field In',
      selector: sel(fields(req('metadata.uid', 'In', ['x']))),
      node: node('node1'),
      want: false,
    },
    {
      name: 'matchFields with two values does not parse',
      selector: sel(fields(req('metadata.name', 'In', ['a', 'b']))),
      node: node('a'),
      want: false,
    },
    {
      name: 'matchFields with Exists does not parse',
      selector: sel(fields(req('metadata.name', 'Exists'))),
      node: node('a'),
      want: false,
    },
    {
      name: 'matchExpressions and matchFields of one term are ANDed',
      selector: sel({
        matchExpressions: [req('foo', 'In', ['bar'])],
        matchFields: [req('metadata.name', 'In', ['node1'])],
      }),
      node: node('node2', { foo: 'bar' }),
      want: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(CompiledNodeSelector.compile(c.selector).match(c.node), c.want);
      assert.equal(matchNodeSelectorTerms(c.node, c.selector), c.want);
    });
  }

  it('matches no absent node', () => {
    assert.equal(
      CompiledNodeSelector.compile(sel(exprs(req('foo', 'DoesNotExist')))).match(undefined),
      false,
    );
  });

  it('strict compilation reports every parse error', () => {
    assert.throws(() => newNodeSelector(sel(exprs(req('foo', 'Equals', ['bar'])))), {
      message: '"Equals" is not a valid node selector operator',
    });
    assert.throws(
      () =>
        newNodeSelector(
          sel(fields(req('metadata.name', 'In', ['a', 'b'])), fields(req('metadata.name', 'Exists'))),
        ),
      {
        message:
          '[unexpected number of value (2) for node field selector operator "In", "Exists" is not a valid node field selector operator]',
      },
    );
    assert.doesNotThrow(() => newNodeSelector(sel(exprs(req('foo', 'In', ['bar'])))));
  });
});

describe('required node affinity of a pod', () => {
  const cases: Array<{ name: string; pod: ReturnType<typeof makePod>; node: Node; want: boolean }> = [
    { name: 'no constraints match every node', pod: makePod(), node: node('n'), want: true },
    {
      name: 'nodeSelector matches',
      pod: makePod().nodeSelector({ foo: 'bar' }),
      node: node('n', { foo: 'bar', x: 'y' }),
      want: true,
    },
    {
      name: 'nodeSelector with a different value',
      pod: makePod().nodeSelector({ foo: 'bar' }),
      node: node('n', { foo: 'baz' }),
      want: false,
    },
    {
      name: 'nodeSelector on a node without labels',
      pod: makePod().nodeSelector({ foo: 'bar' }),
      node: node('n'),
      want: false,
    },
    {
      name: 'nodeSelector and affinity must both hold',
      pod: makePod()
        .nodeSelector({ foo: 'bar' })
        .requiredNodeAffinity([[req('zone', 'In', ['a'])]]),
      node: node('n', { foo: 'bar', zone: 'b' }),
      want: false,
    },
    {
      name: 'nodeSelector and affinity both hold',
      pod: makePod()
        .nodeSelector({ foo: 'bar' })
        .requiredNodeAffinity([[req('zone', 'In', ['a'])]]),
      node: node('n', { foo: 'bar', zone: 'a' }),
      want: true,
    },
    {
      name: 'affinity with an empty term list matches nothing',
      pod: makePod().requiredNodeAffinity([]),
      node: node('n', { foo: 'bar' }),
      want: false,
    },
    {
      name: 'affinity with only an empty term matches nothing',
      pod: makePod().requiredNodeAffinity([[]]),
      node: node('n', { foo: 'bar' }),
      want: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = c.pod.obj();
      assert.equal(getRequiredNodeAffinity(pod).match(c.node), c.want);
      assert.equal(podMatchesNodeSelectorAndAffinityTerms(pod, c.node), c.want);
    });
  }
  it('says when the pod has no constraints', () => {
    assert.equal(getRequiredNodeAffinity(makePod().obj()).isEmpty, true);
    assert.equal(getRequiredNodeAffinity(makePod().nodeSelector({ a: 'b' }).obj()).isEmpty, false);
  });
});

describe('preferred scheduling terms', () => {
  const terms = [
    { weight: 2, preference: exprs(req('foo', 'In', ['bar'])) },
    { weight: 5, preference: exprs(req('zone', 'Exists')) },
    { weight: 0, preference: exprs(req('foo', 'Exists')) },
    { weight: 9, preference: {} },
  ];
  const cases: Array<[string, Node, number]> = [
    ['both weighted terms', node('n', { foo: 'bar', zone: 'a' }), 7],
    ['one term', node('n', { zone: 'a' }), 5],
    ['none (weight 0 and empty terms never count)', node('n', { foo: 'x' }), 0],
  ];
  for (const [name, n, want] of cases) {
    it(name, () => assert.equal(PreferredSchedulingTerms.compile(terms).score(n), want));
  }
  it('drops terms that do not parse, and strict compilation refuses them', () => {
    const bad = [...terms, { weight: 3, preference: exprs(req('foo', 'Nope')) }];
    const p = PreferredSchedulingTerms.compile(bad);
    assert.equal(p.size, 2);
    assert.deepEqual(p.errors, ['"Nope" is not a valid node selector operator']);
    assert.throws(() => newPreferredSchedulingTerms(bad), /not a valid node selector operator/);
  });
});
