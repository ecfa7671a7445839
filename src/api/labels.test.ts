import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  LabelSelector,
  LabelSelectorError,
  newRequirement,
  parseLabelSelector,
  requirementMatches,
  selectorFromLabelSelector,
  selectorFromSet,
  validatedSelectorFromSet,
  type LabelSelectorSpec,
  type Requirement,
} from './labels.js';

const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (e) {
    if (e instanceof LabelSelectorError) return e.message;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(s)} to fail`);
}

void describe('parseLabelSelector', () => {
  void it('round-trips the good strings of upstream TestSelectorParse', () => {
    for (const s of [
      'x=a,y=b,z=c',
      '',
      'x!=a,y=b',
      'x=',
      'x= ',
      'x=,z= ',
      'x= ,z= ',
      '!x',
      'x>1',
      'x>1,z<5',
    ]) {
      assert.equal(parseLabelSelector(s).toString(), s.replaceAll(' ', ''), s);
    }
  });

  void it('rejects the bad strings of upstream TestSelectorParse', () => {
    for (const s of ['x=a||y=b', 'x==a==b', '!x=a', 'x<a']) {
      assert.throws(() => parseLabelSelector(s), LabelSelectorError, s);
    }
  });

  void it('is deterministic in requirement order', () => {
    assert.equal(parseLabelSelector('x=a,a=x').toString(), parseLabelSelector('a=x,x=a').toString());
  });

  // Upstream's TestSetSelectorParser: input → printed selector, or null when it must fail.
  const cases: Array<[string, string | null]> = [
    ['', ''],
    ['\rx', 'x'],
    ['this-is-a-dns.domain.com/key-with-dash', 'this-is-a-dns.domain.com/key-with-dash'],
    [
      'this-is-another-dns.domain.com/key-with-dash in (so,what)',
      'this-is-another-dns.domain.com/key-with-dash in (so,what)',
    ],
    [
      '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
      '0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)',
    ],
    ['foo  in\t (abc)', 'foo in (abc)'],
    ['x notin\n (abc)', 'x notin (abc)'],
    ['x  notin\t\t(abc,def)', 'x notin (abc,def)'],
    ['x in (abc,def)', 'x in (abc,def)'],
    ['x in (abc,)', 'x in (,abc)'],
    ['x in (abc,abc)', 'x in (abc)'],
    ['x in ()', 'x in ()'],
    ['x in (a,,)', 'x in (,a)'],
    ['x in (a,,,)', 'x in (,a)'],
    ['x in (a,,,,,,)', 'x in (,a)'],
    ['x in (a,,a,,a,,a,,)', 'x in (,a)'],
    ['x notin (abc,,def),bar,z in (),w', 'bar,w,x notin (,abc,def),z in ()'],
    ['x,y in (a)', 'x,y in (a)'],
    ['x=a', 'x=a'],
    ['x>1', 'x>1'],
    ['x<7', 'x<7'],
    ['x=a,y!=b', 'x=a,y!=b'],
    ['x=a,y!=b,z in (h,i,j)', 'x=a,y!=b,z in (h,i,j)'],
    ['x==a', 'x==a'],
    ['notin=in', 'notin=in'],
    ['x=a||y=b', null],
    ['x,,y', null],
    [',x,y', null],
    ['x nott in (y)', null],
    ['x notin ( )', 'x notin ()'],
    ['x notin (, a)', 'x notin (,a)'],
    ['a in (xyz),', null],
    ['a in (xyz)b notin ()', null],
    ['a ', 'a'],
    ['a in (x,y,notin, z,in)', 'a in (in,notin,x,y,z)'],
    ['a in (xyz abc)', null],
    ['a notin(', null],
    ['a (', null],
    ['(', null],
  ];
  for (const [input, want] of cases) {
    void it(`parses ${JSON.stringify(input)}`, () => {
      if (want === null) assert.throws(() => parseLabelSelector(input), LabelSelectorError);
      else assert.equal(parseLabelSelector(input).toString(), want);
    });
  }

  const errors: Array<[string, string]> = [
    ['x,,y', "found ',', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['a in (xyz),', "found '', expected: identifier after ','"],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['a (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in (xyz abc)', "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ['a notin(', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a in x', "unable to parse requirement: found 'x' expected: '('"],
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    [
      'x<a',
      `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${LABEL_VALUE_MSG}`],
    ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": ${NAME_PART_MSG}`],
    ['/a=b', `unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty`],
  ];
  for (const [input, msg] of errors) {
    void it(`reports upstream's message for ${JSON.stringify(input)}`, () => {
      assert.equal(parseError(input), msg);
    });
  }

  void it('keeps `in` and `notin` as values inside lists and after =', () => {
    const sel = parseLabelSelector('notin=in');
    assert.deepEqual(sel.requirements, [{ key: 'notin', operator: '=', values: ['in'] }]);
  });
});

void describe('LabelSelector.matches', () => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x', { x: 'z' }, true],
    ['!x', { y: 'z' }, true],
    ['x>1', { x: '2' }, true],
    ['x<1', { x: '0' }, true],
    ['x=z', {}, false],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['x', { y: 'z' }, false],
    ['!x', { x: 'z' }, false],
    ['x>1', { x: '0' }, false],
    ['x<1', { x: '2' }, false],
    ['x>1', { x: 'v2' }, false],
    ['x>1', {}, false],
    ['x<5', { x: '-6' }, true],
    ['x<5', { x: '+4' }, true],
    ['x>9223372036854775806', { x: '9223372036854775807' }, true],
    ['x>1', { x: '9223372036854775808' }, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x!=a', {}, true],
    ['x notin (a)', {}, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in ()', { x: '' }, true],
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }, true],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }, false],
    ['constructor', {}, false],
  ];
  for (const [sel, labels, want] of cases) {
    void it(`${JSON.stringify(sel)} on ${JSON.stringify(labels)} → ${want}`, () => {
      assert.equal(parseLabelSelector(sel).matches(labels), want);
    });
  }

  void it('treats undefined labels as an empty set', () => {
    assert.equal(parseLabelSelector('!x').matches(undefined), true);
    assert.equal(parseLabelSelector('x').matches(undefined), false);
  });
});

void describe('newRequirement', () => {
  const cases: Array<[string, Requirement['operator'], string[], string | null]> = [
    ['x1', 'in', [], "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
    [
      'x2',
      'notin',
      [],
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    ],
    ['x3', 'in', ['foo'], null],
    [
      'x5',
      '=',
      ['bar', 'foo'],
      'values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value',
    ],
    ['x6', 'exists', [], null],
    ['x7', '!', [], null],
    [
      'x8',
      'exists',
      ['foo'],
      'values: Invalid value: ["foo"]: values set must be empty for exists and does not exist',
    ],
    ['x11', 'gt', ['1'], null],
    ['x13', 'gt', [], "values: Invalid value: null: for 'Gt', 'Lt' operators, exactly one value is required"],
    [
      'x14',
      'gt',
      ['bar'],
      `values[0]: Invalid value: "bar": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    [
      'x16',
      '=',
      ['a'.repeat(64)],
      `values[0][x16]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 bytes`,
    ],
    ['x17', '=', ['a b'], `values[0][x17]: Invalid value: "a b": ${LABEL_VALUE_MSG}`],
    [
      'a'.repeat(254),
      'exists',
      [],
      `key: Invalid value: "${'a'.repeat(254)}": name part must be no more than 63 bytes`,
    ],
    [
      'x18',
      'bogus' as Requirement['operator'],
      [],
      'operator: Unsupported value: "bogus": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
    ],
  ];
  for (const [key, op, values, msg] of cases) {
    void it(`${key.slice(0, 10)} ${op} ${JSON.stringify(values).slice(0, 20)}`, () => {
      if (msg === null) {
        assert.deepEqual(newRequirement(key, op, values), { key, operator: op, values });
      } else {
        assert.throws(() => newRequirement(key, op, values), { name: 'LabelSelectorError', message: msg });
      }
    });
  }

  void it('aggregates several errors in brackets', () => {
    assert.throws(() => newRequirement('-k', 'in', []), {
      message: `[key: Invalid value: "-k": ${NAME_PART_MSG}, values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty]`,
    });
  });
});

void describe('LabelSelector.toString', () => {
  const r = (key: string, operator: Requirement['operator'], values: string[] = []): Requirement =>
    newRequirement(key, operator, values);
  const cases: Array<[Requirement[], string]> = [
    [
      [r('x', 'in', ['abc', 'def']), r('y', 'notin', ['jkl']), r('z', 'exists')],
      'x in (abc,def),y notin (jkl),z',
    ],
    [[r('x', 'notin', ['abc', 'def']), r('y', '!=', ['jkl']), r('z', '!')], 'x notin (abc,def),y!=jkl,!z'],
    [
      [r('x', 'notin', ['abc']), r('y', 'in', ['mno', 'jkl']), r('z', 'notin', [''])],
      'x notin (abc),y in (jkl,mno),z notin ()',
    ],
    [
      [r('x', '=', ['abc']), r('y', '==', ['jkl']), r('z', '!=', ['a']), r('z', 'exists')],
      'x=abc,y==jkl,z!=a,z',
    ],
    [[r('x', 'gt', ['2']), r('y', 'lt', ['8']), r('z', 'exists')], 'x>2,y<8,z'],
  ];
  for (const [reqs, want] of cases) {
    void it(want, () => assert.equal(LabelSelector.of(reqs).toString(), want));
  }
});

void describe('requirementMatches', () => {
  const cases: Array<[Record<string, string>, Requirement, boolean]> = [
    [{ y: '' }, { key: 'x', operator: 'notin', values: [''] }, true],
    [{ y: '' }, { key: 'y', operator: 'exists', values: [] }, true],
    [{ y: '' }, { key: 'y', operator: '!', values: [] }, false],
    [{ y: 'baz' }, { key: 'x', operator: 'in', values: [''] }, false],
    [{ z: '2' }, { key: 'z', operator: 'gt', values: ['1'] }, true],
    [{ z: '2' }, { key: 'z', operator: 'gt', values: ['1', '0'] }, false],
  ];
  for (const [labels, req, want] of cases) {
    void it(`${JSON.stringify(req)} on ${JSON.stringify(labels)}`, () =>
      assert.equal(requirementMatches(req, labels), want));
  }
});

void describe('selectorFromLabelSelector', () => {
  const cases: Array<[LabelSelectorSpec | null | undefined, string, 'everything' | 'nothing' | 'some']> = [
    [null, '', 'nothing'],
    [undefined, '', 'nothing'],
    [{}, '', 'everything'],
    [{ matchLabels: {}, matchExpressions: [] }, '', 'everything'],
    [{ matchLabels: { b: 'x', a: 'y' } }, 'a=y,b=x', 'some'],
    [
      {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['fe', 'be'] },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'app', operator: 'Exists' },
        ],
      },
      'app=web,app,!canary,env notin (dev),tier in (be,fe)',
      'some',
    ],
  ];
  for (const [spec, want, kind] of cases) {
    void it(`${JSON.stringify(spec)} → ${JSON.stringify(want)}`, () => {
      const sel = selectorFromLabelSelector(spec);
      assert.equal(sel.toString(), want);
      assert.equal(sel.isNothing(), kind === 'nothing');
      assert.equal(sel.isEverything(), kind === 'everything');
    });
  }

  void it('matches nothing for a nil selector and everything for an empty one', () => {
    assert.equal(selectorFromLabelSelector(null).matches({ a: 'b' }), false);
    assert.equal(selectorFromLabelSelector({}).matches({ a: 'b' }), true);
    assert.equal(selectorFromLabelSelector({}).matches(undefined), true);
  });

  const errors: Array<[LabelSelectorSpec, string]> = [
    [
      { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
      '"Gt" is not a valid label selector operator',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'in', values: ['1'] }] },
      '"in" is not a valid label selector operator',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In' }] },
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    ],
    [{ matchLabels: { a: 'b c' } }, `values[0][a]: Invalid value: "b c": ${LABEL_VALUE_MSG}`],
  ];
  for (const [spec, msg] of errors) {
    void it(`rejects ${JSON.stringify(spec)}`, () => {
      assert.throws(() => selectorFromLabelSelector(spec), { name: 'LabelSelectorError', message: msg });
    });
  }
});

void describe('selectorFromSet', () => {
  void it('builds sorted equality requirements', () => {
    const sel = selectorFromSet({ foo: 'bar', baz: 'blah' });
    assert.equal(sel.toString(), 'baz=blah,foo=bar');
    assert.equal(sel.matches({ foo: 'bar', baz: 'blah', x: 'y' }), true);
    assert.equal(sel.matches({ foo: 'bar' }), false);
  });

  void it('is everything for an empty or missing set', () => {
    assert.equal(selectorFromSet({}).isEverything(), true);
    assert.equal(selectorFromSet(undefined).isEverything(), true);
  });

  void it('validates only in the validated variant', () => {
    assert.equal(selectorFromSet({ a: '=b' }).toString(), 'a==b');
    assert.throws(() => validatedSelectorFromSet({ a: '=b' }), LabelSelectorError);
  });
});

void describe('equalities and requiresExactMatch', () => {
  const cases: Array<[string, Array<[string, string]>]> = [
    ['', []],
    [
      'a=1,b==2,c in (3),d in (4,5),e!=6,f,!g,h>1',
      [
        ['a', '1'],
        ['b', '2'],
        ['c', '3'],
      ],
    ],
    ['x notin (a)', []],
  ];
  for (const [s, want] of cases) {
    void it(JSON.stringify(s), () => assert.deepEqual(parseLabelSelector(s).equalities(), want));
  }

  void it('answers only for the first requirement on the key', () => {
    const sel = parseLabelSelector('a in (x),b in (x,y)');
    assert.equal(sel.requiresExactMatch('a'), 'x');
    assert.equal(sel.requiresExactMatch('b'), undefined);
    assert.equal(sel.requiresExactMatch('c'), undefined);
  });

  void it('adds requirements keeping key order', () => {
    const sel = parseLabelSelector('b=1').add(newRequirement('a', 'exists', []));
    assert.equal(sel.toString(), 'a,b=1');
    assert.equal(
      LabelSelector.nothing()
        .add(newRequirement('a', 'exists', []))
        .isNothing(),
      true,
    );
  });
});
