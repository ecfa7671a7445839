import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  FieldSelector,
  FieldSelectorError,
  escapeFieldValue,
  fieldSelectorFromSet,
  oneTermEqualSelector,
  parseFieldSelector,
  unescapeFieldValue,
} from './fields.js';

void describe('parseFieldSelector', () => {
  void it('round-trips the good strings of upstream TestSelectorParse', () => {
    for (const s of ['x=a,y=b,z=c', '', 'x!=a,y=b', String.raw`x=a||y\=b`, String.raw`x=a\=\=b`]) {
      assert.equal(parseFieldSelector(s).toString(), s);
    }
  });

  const bad: Array<[string, string]> = [
    ['x=a||y=b', 'invalid field selector: unescaped character in value: 61'],
    ['x==a==b', 'invalid field selector: unescaped character in value: 61'],
    ['x=a,b', "invalid selector: 'x=a,b'; can't understand 'b'"],
    ['x in (a)', "invalid selector: 'x in (a)'; can't understand 'x in (a)'"],
    ['x in (a,b,c)', "invalid selector: 'x in (a,b,c)'; can't understand 'b'"],
    ['x', "invalid selector: 'x'; can't understand 'x'"],
    [String.raw`k=\a`, String.raw`invalid field selector: invalid escape sequence: \a`],
    ['k=\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [s, msg] of bad) {
    void it(`rejects ${s} with upstream's message`, () => {
      assert.throws(() => parseFieldSelector(s), { name: 'FieldSelectorError', message: msg });
    });
  }

  const parsed: Array<[string, Array<[string, '=' | '!=', string]>]> = [
    ['a=b', [['a', '=', 'b']]],
    ['a==b', [['a', '=', 'b']]],
    ['a!=b', [['a', '!=', 'b']]],
    [
      'metadata.name=foo,status.phase!=Running',
      [
        ['metadata.name', '=', 'foo'],
        ['status.phase', '!=', 'Running'],
      ],
    ],
    [
      'x=a,a=x',
      [
        ['a', '=', 'x'],
        ['x', '=', 'a'],
      ],
    ],
    ['a=a,', [['a', '=', 'a']]],
    [',a=a', [['a', '=', 'a']]],
    [
      String.raw`k=\,,k2=v2`,
      [
        ['k2', '=', 'v2'],
        ['k', '=', ','],
      ],
    ],
    [
      String.raw`k=\\,k2=v2`,
      [
        ['k2', '=', 'v2'],
        ['k', '=', '\\'],
      ],
    ],
    [
      String.raw`k=\\\,,k2=v2`,
      [
        ['k2', '=', 'v2'],
        ['k', '=', '\\,'],
      ],
    ],
    [
      '함=수,목=록',
      [
        ['목', '=', '록'],
        ['함', '=', '수'],
      ],
    ],
    ['spec.nodeName=', [['spec.nodeName', '=', '']]],
    ['=', []],
    ['=,a=b', [['a', '=', 'b']]],
  ];
  for (const [s, want] of parsed) {
    void it(`parses ${s}`, () => {
      assert.deepEqual(
        parseFieldSelector(s).requirements.map((r) => [r.field, r.operator, r.value]),
        want,
      );
    });
  }

  void it('is deterministic in term order', () => {
    assert.equal(parseFieldSelector('x=a,a=x').toString(), parseFieldSelector('a=x,x=a').toString());
  });
});

void describe('FieldSelector.matches', () => {
  const fieldset = { foo: 'bar', baz: 'blah', complex: '=value\\,\\' };
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['foo=bar', fieldset, true],
    ['baz=blah', fieldset, true],
    ['foo=bar,baz=blah', fieldset, true],
    [String.raw`foo=bar,baz=blah,complex=\=value\\\,\\`, fieldset, true],
    ['foo=blah', fieldset, false],
    ['baz=bar', fieldset, false],
    ['foo=bar,foobar=bar,baz=blah', fieldset, false],
    ['missing=', {}, true],
    ['missing!=x', {}, true],
    ['toString=', {}, true],
  ];
  for (const [sel, fields, want] of cases) {
    void it(`${sel} on ${JSON.stringify(fields)} → ${want}`, () => {
      assert.equal(parseFieldSelector(sel).matches(fields), want);
    });
  }

  void it('everything matches, nothing does not', () => {
    assert.equal(FieldSelector.everything().matches({ x: 'y' }), true);
    assert.equal(FieldSelector.everything().isEverything(), true);
    assert.equal(FieldSelector.nothing().matches({}), false);
    assert.equal(FieldSelector.nothing().isEverything(), false);
    assert.equal(FieldSelector.nothing().isNothing(), true);
  });
});

void describe('escaping', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['a', 'a'],
    ['=', String.raw`\=`],
    [',', String.raw`\,`],
    ['\\', String.raw`\\`],
    ['\\=\\,\\', String.raw`\\\=\\\,\\`],
  ];
  for (const [raw, escaped] of cases) {
    void it(`${JSON.stringify(raw)} ⇄ ${JSON.stringify(escaped)}`, () => {
      assert.equal(escapeFieldValue(raw), escaped);
      assert.equal(unescapeFieldValue(escaped), raw);
    });
  }

  for (const bad of ['\\', '\\\\\\', String.raw`\a`]) {
    void it(`rejects the escape sequence in ${JSON.stringify(bad)}`, () => {
      assert.throws(() => unescapeFieldValue(bad), FieldSelectorError);
    });
  }
});

void describe('requiresExactMatch, equalities, transform', () => {
  const exact: Array<[FieldSelector, string, string | undefined]> = [
    [fieldSelectorFromSet({}), 'test', undefined],
    [oneTermEqualSelector('a', 'b'), 'test', undefined],
    [oneTermEqualSelector('test', 'b'), 'test', 'b'],
    [oneTermEqualSelector('test', ''), 'test', ''],
    [parseFieldSelector('test!=b'), 'test', undefined],
    [parseFieldSelector('a=,test=b'), 'test', 'b'],
  ];
  exact.forEach(([sel, field, want], i) => {
    void it(`requiresExactMatch case ${i}`, () => assert.equal(sel.requiresExactMatch(field), want));
  });

  void it('lists equalities only', () => {
    assert.deepEqual(parseFieldSelector('a=1,b!=2,c==3').equalities(), [
      ['a', '1'],
      ['c', '3'],
    ]);
  });

  const transforms: Array<[string, (f: string, v: string) => [string, string], string, boolean]> = [
    ['', (f, v) => [f, v], '', true],
    ['a=b,c=d', (f, v) => [f, v], 'a=b,c=d', false],
    ['a=b,c=d', (f, v) => (f === 'a' ? ['e', 'f'] : [f, v]), 'e=f,c=d', false],
    ['a=b,c=d', (f, v) => (f === 'a' ? ['', ''] : [f, v]), 'c=d', false],
    ['a=b,c=d', () => ['', ''], '', true],
  ];
  for (const [s, fn, want, empty] of transforms) {
    void it(`transforms ${JSON.stringify(s)} → ${JSON.stringify(want)}`, () => {
      const out = parseFieldSelector(s).transform(fn);
      assert.equal(out.toString(), want);
      assert.equal(out.isEverything(), empty);
    });
  }

  void it('builds from a set', () => {
    const sel = fieldSelectorFromSet({ foo: 'bar', baz: 'blah' });
    assert.equal(sel.matches({ foo: 'bar', baz: 'blah' }), true);
    assert.equal(sel.matches({ foo: '=blah', baz: 'blah' }), false);
    assert.equal(fieldSelectorFromSet(null).isEverything(), true);
  });
});
