import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  ERR_FORMAT_WRONG,
  ERR_SUFFIX,
  Quantity,
  QuantityError,
  canonicalQuantity,
  isQuantity,
  type QuantityFormat,
} from './quantity.js';

const q = (v: bigint | number, scale: number, format: QuantityFormat): Quantity =>
  Quantity.fromValue(v, format, scale);
const MAX = 9223372036854775807n;

void describe('canonical form (brief examples)', () => {
  const cases: Array<[string | number, string]> = [
    ['1Gi', '1Gi'],
    ['500m', '500m'],
    ['1.5', '1500m'],
    ['1e3', '1e3'],
    ['0.1', '100m'],
    ['1000Mi', '1000Mi'],
    ['1024Mi', '1Gi'],
    ['2000m', '2'],
    ['100Ki', '100Ki'],
    ['0', '0'],
    ['-0', '0'],
    [1, '1'],
    [0.5, '500m'],
    [1e21, '1e+21'],
    [2.5e-7, '250e-9'],
    ['1000E', '1e21'],
    ['8Ki', '8Ki'],
    ['1024Ki', '1Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['1023', '1023'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['129M', '129M'],
    ['123Mi', '123Mi'],
    ['1e-9', '1e-9'],
    ['1e-10', '1e-9'],
    ['1n', '1n'],
    ['0.1n', '1n'],
    ['-0.1n', '-1n'],
    ['1.2e3', '1200'],
    ['1e4', '10e3'],
    ['+1', '+1'],
    ['01', '01'],
  ];
  for (const [input, want] of cases) {
    void it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(canonicalQuantity(input), want));
  }
});

void describe('Quantity.parse (upstream TestQuantityParse)', () => {
  const table: Array<[string, Quantity]> = [
    ['0', q(0, 0, 'DecimalSI')],
    ['0n', q(0, 0, 'DecimalSI')],
    ['0u', q(0, 0, 'DecimalSI')],
    ['0m', q(0, 0, 'DecimalSI')],
    ['0Ki', q(0, 0, 'BinarySI')],
    ['0k', q(0, 0, 'DecimalSI')],
    ['0Mi', q(0, 0, 'BinarySI')],
    ['0M', q(0, 0, 'DecimalSI')],
    ['0Gi', q(0, 0, 'BinarySI')],
    ['0G', q(0, 0, 'DecimalSI')],
    ['0Ti', q(0, 0, 'BinarySI')],
    ['0T', q(0, 0, 'DecimalSI')],
    ['1', q(1, 0, 'DecimalSI')],
    ['1Ki', q(1024, 0, 'BinarySI')],
    ['8Ki', q(8 * 1024, 0, 'BinarySI')],
    ['7Mi', q(7 * 1024 * 1024, 0, 'BinarySI')],
    ['6Gi', q(6n * 1024n ** 3n, 0, 'BinarySI')],
    ['5Ti', q(5n * 1024n ** 4n, 0, 'BinarySI')],
    ['4Pi', q(4n * 1024n ** 5n, 0, 'BinarySI')],
    ['3Ei', q(3n * 1024n ** 6n, 0, 'BinarySI')],
    ['10Ti', q(10n * 1024n ** 4n, 0, 'BinarySI')],
    ['100Ti', q(100n * 1024n ** 4n, 0, 'BinarySI')],
    ['5n', q(5, -9, 'DecimalSI')],
    ['4u', q(4, -6, 'DecimalSI')],
    ['3m', q(3, -3, 'DecimalSI')],
    ['9', q(9, 0, 'DecimalSI')],
    ['8k', q(8, 3, 'DecimalSI')],
    ['50k', q(5, 4, 'DecimalSI')],
    ['7M', q(7, 6, 'DecimalSI')],
    ['6G', q(6, 9, 'DecimalSI')],
    ['5T', q(5, 12, 'DecimalSI')],
    ['40T', q(4, 13, 'DecimalSI')],
    ['300T', q(3, 14, 'DecimalSI')],
    ['2P', q(2, 15, 'DecimalSI')],
    ['1E', q(1, 18, 'DecimalSI')],
    ['1E-3', q(1, -3, 'DecimalExponent')],
    ['1e3', q(1, 3, 'DecimalExponent')],
    ['1E6', q(1, 6, 'DecimalExponent')],
    ['1e9', q(1, 9, 'DecimalExponent')],
    ['1E12', q(1, 12, 'DecimalExponent')],
    ['1e15', q(1, 15, 'DecimalExponent')],
    ['1E18', q(1, 18, 'DecimalExponent')],
    ['1e14', q(1, 14, 'DecimalExponent')],
    ['1e13', q(1, 13, 'DecimalExponent')],
    ['100.035k', q(100035, 0, 'DecimalSI')],
    ['0.001', q(1, -3, 'DecimalSI')],
    ['0.0005k', q(5, -1, 'DecimalSI')],
    ['0.005', q(5, -3, 'DecimalSI')],
    ['0.05', q(5, -2, 'DecimalSI')],
    ['0.5', q(5, -1, 'DecimalSI')],
    ['0.00050k', q(5, -1, 'DecimalSI')],
    ['0.00500', q(5, -3, 'DecimalSI')],
    ['0.05000', q(5, -2, 'DecimalSI')],
    ['0.50000', q(5, -1, 'DecimalSI')],
    ['0.5e0', q(5, -1, 'DecimalExponent')],
    ['0.5e-1', q(5, -2, 'DecimalExponent')],
    ['0.5e-2', q(5, -3, 'DecimalExponent')],
    ['10.035M', q(10035, 3, 'DecimalSI')],
    ['1.2e3', q(12, 2, 'DecimalExponent')],
    ['1.3E+6', q(13, 5, 'DecimalExponent')],
    ['1.40e9', q(14, 8, 'DecimalExponent')],
    ['1.53E12', q(153, 10, 'DecimalExponent')],
    ['1.6e15', q(16, 14, 'DecimalExponent')],
    ['1.7E18', q(17, 17, 'DecimalExponent')],
    ['9.01', q(901, -2, 'DecimalSI')],
    ['8.1k', q(81, 2, 'DecimalSI')],
    ['7.123456M', q(7123456, 0, 'DecimalSI')],
    ['6.987654321G', q(6987654321, 0, 'DecimalSI')],
    ['5.444T', q(5444, 9, 'DecimalSI')],
    ['40.1T', q(401, 11, 'DecimalSI')],
    ['300.2T', q(3002, 11, 'DecimalSI')],
    ['2.5P', q(25, 14, 'DecimalSI')],
    ['1.01E', q(101, 16, 'DecimalSI')],
    ['3.001n', q(4, -9, 'DecimalSI')],
    ['1.1E-9', q(2, -9, 'DecimalExponent')],
    ['0.0000000001', q(1, -9, 'DecimalSI')],
    ['0.0000000005', q(1, -9, 'DecimalSI')],
    ['0.00000000050', q(1, -9, 'DecimalSI')],
    ['0.5e-9', q(1, -9, 'DecimalExponent')],
    ['0.9n', q(1, -9, 'DecimalSI')],
    ['0.00000012345', q(124, -9, 'DecimalSI')],
    ['0.00000012354', q(124, -9, 'DecimalSI')],
    ['9Ei', q(MAX, 0, 'BinarySI')],
    ['9223372036854775807Ki', q(MAX, 0, 'BinarySI')],
    ['12E', q(12, 18, 'DecimalSI')],
    ['100.035Ki', q(10243584, -2, 'BinarySI')],
    ['0.5Mi', q(512 * 1024, 0, 'BinarySI')],
    ['0.05Gi', q(536870912, -1, 'BinarySI')],
    ['0.025Ti', q(274877906944, -1, 'BinarySI')],
    ['0.000000000001Ki', q(2, -9, 'DecimalSI')],
    ['.001', q(1, -3, 'DecimalSI')],
    ['.0001k', q(100, -3, 'DecimalSI')],
    ['1.', q(1, 0, 'DecimalSI')],
    ['1.G', q(1, 9, 'DecimalSI')],
  ];
  for (const [input, want] of table) {
    void it(`${input} (and its -/+ forms)`, () => {
      const got = Quantity.parse(input);
      assert.equal(got.cmp(want), 0, `${input}: got ${got.toString()}, want ${want.toString()}`);
      assert.equal(got.format, want.format);
      const neg = Quantity.parse(`-${input}`);
      assert.equal(neg.cmp(want.neg()), 0, `-${input}: got ${neg.toString()}`);
      assert.equal(neg.format, want.format);
      const pos = Quantity.parse(`+${input}`);
      assert.equal(pos.cmp(want), 0);
      assert.equal(pos.format, want.format);
    });
  }

  const invalid: Array<[string, string]> = [
    ['', ERR_FORMAT_WRONG],
    ['1.1.M', ERR_FORMAT_WRONG],
    ['1+1.0M', ERR_FORMAT_WRONG],
    ['0.1mi', ERR_SUFFIX],
    ['0.1am', ERR_FORMAT_WRONG],
    ['aoeu', ERR_FORMAT_WRONG],
    ['.5i', ERR_SUFFIX],
    ['1i', ERR_SUFFIX],
    ['-3.01i', ERR_SUFFIX],
    ['-3.01e-', ERR_SUFFIX],
    [' 1', ERR_FORMAT_WRONG],
    ['1 ', ERR_FORMAT_WRONG],
    ['Non-Numeric', ERR_FORMAT_WRONG],
    ['1e99999999999999999999', ERR_SUFFIX],
  ];
  for (const [input, msg] of invalid) {
    void it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => Quantity.parse(input), { name: 'QuantityError', message: msg });
      assert.equal(isQuantity(input), false);
    });
  }

  void it('words the format error with upstream regular expression', () => {
    assert.equal(
      ERR_FORMAT_WRONG,
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });

  void it('rejects non-finite numbers and non-quantities', () => {
    assert.throws(() => Quantity.parse(Number.NaN), QuantityError);
    assert.throws(() => Quantity.parse(Infinity), QuantityError);
    assert.equal(isQuantity({}), false);
    assert.equal(isQuantity('100m'), true);
    assert.equal(isQuantity(3), true);
  });
});

void describe('Quantity.toString (upstream TestQuantityString)', () => {
  // [value, canonical form, an alternate spelling that must canonicalise to it]
  const table: Array<[Quantity, string, string]> = [
    [q(1024 * 1024 * 1024, 0, 'BinarySI'), '1Gi', '1024Mi'],
    [q(300 * 1024 * 1024, 0, 'BinarySI'), '300Mi', '307200Ki'],
    [q(6 * 1024, 0, 'BinarySI'), '6Ki', ''],
    [q(1001n * 1024n ** 3n, 0, 'BinarySI'), '1001Gi', '1025024Mi'],
    [q(1024n ** 4n, 0, 'BinarySI'), '1Ti', '1024Gi'],
    [q(5, 0, 'BinarySI'), '5', '5000m'],
    [q(500, -3, 'BinarySI'), '500m', '0.5'],
    [q(1, 9, 'DecimalSI'), '1G', '1000M'],
    [q(1000, 6, 'DecimalSI'), '1G', '0.001T'],
    [q(1000000, 3, 'DecimalSI'), '1G', ''],
    [q(1000000000, 0, 'DecimalSI'), '1G', ''],
    [q(1, -3, 'DecimalSI'), '1m', '1000u'],
    [q(80, -3, 'DecimalSI'), '80m', ''],
    [q(1080, -3, 'DecimalSI'), '1080m', '1.08'],
    [q(108, -2, 'DecimalSI'), '1080m', '1080000000n'],
    [q(10800, -4, 'DecimalSI'), '1080m', ''],
    [q(300, 6, 'DecimalSI'), '300M', ''],
    [q(1, 12, 'DecimalSI'), '1T', ''],
    [q(1234567, 6, 'DecimalSI'), '1234567M', ''],
    [q(1234567, -3, 'BinarySI'), '1234567m', ''],
    [q(3, 3, 'DecimalSI'), '3k', ''],
    [q(1025, 0, 'BinarySI'), '1025', ''],
    [q(0, 0, 'DecimalSI'), '0', ''],
    [q(0, 0, 'BinarySI'), '0', ''],
    [q(1, 9, 'DecimalExponent'), '1e9', '.001e12'],
    [q(1, -3, 'DecimalExponent'), '1e-3', '0.001e0'],
    [q(1, -9, 'DecimalExponent'), '1e-9', '1000e-12'],
    [q(80, -3, 'DecimalExponent'), '80e-3', ''],
    [q(300, 6, 'DecimalExponent'), '300e6', ''],
    [q(1, 12, 'DecimalExponent'), '1e12', ''],
    [q(1, 3, 'DecimalExponent'), '1e3', ''],
    [q(3, 3, 'DecimalExponent'), '3e3', ''],
    [q(0, 0, 'DecimalExponent'), '0', '00'],
    [q(1, -9, 'DecimalSI'), '1n', ''],
    [q(80, -9, 'DecimalSI'), '80n', ''],
    [q(1080, -9, 'DecimalSI'), '1080n', ''],
    [q(108, -8, 'DecimalSI'), '1080n', ''],
    [q(10800, -10, 'DecimalSI'), '1080n', ''],
    [q(1, -6, 'DecimalSI'), '1u', ''],
    [q(80, -6, 'DecimalSI'), '80u', ''],
    [q(1080, -6, 'DecimalSI'), '1080u', ''],
  ];
  for (const [value, want, alternate] of table) {
    void it(`${want}${alternate ? ` (from ${alternate})` : ''}`, () => {
      assert.equal(value.toString(), want);
      assert.equal(Quantity.parse(want).toString(), want);
      if (alternate) assert.equal(Quantity.parse(alternate).toString(), want);
      if (!value.isZero()) assert.equal(value.neg().toString(), `-${want}`);
    });
  }

  const emit: Array<[string, string]> = [
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
  ];
  for (const [input, want] of emit) {
    void it(`parse-emit ${input} → ${want} (and negated)`, () => {
      assert.equal(Quantity.parse(input).toString(), want);
      assert.equal(Quantity.parse(`-${input}`).toString(), `-${want}`);
    });
  }

  void it('serialises to JSON as its string', () => {
    assert.equal(JSON.stringify({ cpu: Quantity.parse('0.5') }), '{"cpu":"500m"}');
  });

  void it('keeps values beyond the largest suffixes printable without changing them', () => {
    assert.equal(q(1n << 70n, 0, 'BinarySI').toString(), '1024Ei');
    assert.equal(Quantity.parse('1000E').cmp(Quantity.parse('1e21')), 0);
  });
});

void describe('comparison and arithmetic', () => {
  const cmp: Array<[string, string, number]> = [
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
    ['1Ki', '1024', 0],
    ['1e3', '1k', 0],
    ['-1', '1m', -1],
    ['-1', '-2', 1],
    ['1e100', '1e-100', 1],
    ['1e100', '999999999999e89', -1],
    ['1e101', '999999999999e89', 1],
    ['9.01', '9.010', 0],
  ];
  for (const [a, b, want] of cmp) {
    void it(`cmp(${a}, ${b}) = ${want}`, () => {
      assert.equal(Quantity.parse(a).cmp(Quantity.parse(b)), want);
      assert.equal(Quantity.parse(b).cmp(Quantity.parse(a)), want === 0 ? 0 : -want);
    });
  }

  const add: Array<[Quantity, Quantity, Quantity, string]> = [
    [q(10, 0, 'DecimalSI'), q(1, 1, 'DecimalSI'), q(20, 0, 'DecimalSI'), 'DecimalSI'],
    [q(10, 0, 'DecimalSI'), q(1, 0, 'BinarySI'), q(11, 0, 'DecimalSI'), 'DecimalSI'],
    [q(10, 0, 'BinarySI'), q(1, 0, 'DecimalSI'), q(11, 0, 'BinarySI'), 'BinarySI'],
    [q(0, 0, 'DecimalSI'), q(50, 0, 'BinarySI'), q(50, 0, 'DecimalSI'), 'BinarySI'],
    [q(50, 0, 'DecimalSI'), q(0, 0, 'BinarySI'), q(50, 0, 'DecimalSI'), 'DecimalSI'],
  ];
  add.forEach(([a, b, want, format], i) => {
    void it(`add case ${i}`, () => {
      const got = a.add(b);
      assert.equal(got.cmp(want), 0);
      assert.equal(got.format, format);
    });
  });

  const sub: Array<[Quantity, Quantity, Quantity]> = [
    [q(10, 0, 'DecimalSI'), q(1, 1, 'DecimalSI'), q(0, 0, 'DecimalSI')],
    [q(10, 0, 'DecimalSI'), q(1, 0, 'BinarySI'), q(9, 0, 'DecimalSI')],
    [q(10, 0, 'BinarySI'), q(1, 0, 'DecimalSI'), q(9, 0, 'BinarySI')],
    [q(0, 0, 'DecimalSI'), q(50, 0, 'DecimalSI'), q(-50, 0, 'DecimalSI')],
    [q(50, 0, 'DecimalSI'), q(0, 0, 'DecimalSI'), q(50, 0, 'DecimalSI')],
  ];
  sub.forEach(([a, b, want], i) => {
    void it(`sub case ${i}`, () => assert.equal(a.sub(b).cmp(want), 0));
  });

  void it('preserves the suffix when adding or subtracting zero (upstream)', () => {
    const zero = Quantity.parse('0');
    for (const s of ['100m', '1Gi']) {
      const v = Quantity.parse(s);
      assert.equal(v.add(zero).toString(), s);
      assert.equal(zero.add(v).toString(), s);
      assert.equal(v.sub(zero).toString(), s);
      assert.equal(zero.sub(v).toString(), v.neg().toString());
    }
  });

  void it('adds exactly without float drift', () => {
    let total = Quantity.parse('0');
    for (let i = 0; i < 10; i++) total = total.add(Quantity.parse('0.1'));
    assert.equal(total.toString(), '1');
    assert.equal(Quantity.parse('100m').add(Quantity.parse('1Gi')).toString(), '1073741824100m');
  });

  void it('cancels additions across scales', () => {
    let total = Quantity.parse('0');
    const parts = Array.from({ length: 50 }, (_, i) =>
      Quantity.fromValue(BigInt(i) * 7919n + 13n, 'DecimalSI', (i % 20) - 10),
    );
    for (const p of parts) total = total.add(p);
    for (const p of parts) total = total.sub(p);
    assert.equal(total.isZero(), true);
  });

  void it('multiplies by integers', () => {
    assert.equal(Quantity.parse('10').mul(-10).toString(), '-100');
    assert.equal(Quantity.parse('250m').mul(4).toString(), '1');
    assert.equal(
      Quantity.fromValue(MAX)
        .mul(10)
        .cmp(Quantity.fromValue(MAX, 'DecimalSI', 1)),
      0,
    );
  });

  void it('reports sign and zero', () => {
    assert.equal(Quantity.parse('-1m').sign(), -1);
    assert.equal(Quantity.parse('0Gi').sign(), 0);
    assert.equal(Quantity.parse('0Gi').isZero(), true);
    assert.equal(Quantity.parse('1n').sign(), 1);
  });
});

void describe('value, milliValue, toNumber', () => {
  const cases: Array<[string, bigint, bigint]> = [
    ['1', 1n, 1000n],
    ['1.5', 2n, 1500n],
    ['-1.5', -2n, -1500n],
    ['100m', 1n, 100n],
    ['1n', 1n, 1n],
    ['-1n', -1n, -1n],
    ['0', 0n, 0n],
    ['1Gi', 1073741824n, 1073741824000n],
    ['1e21', 10n ** 21n, 10n ** 24n],
    ['9Ei', MAX, MAX * 1000n],
  ];
  for (const [s, value, milli] of cases) {
    void it(`${s}: value ${value}, milli ${milli}`, () => {
      const v = Quantity.parse(s);
      assert.equal(v.value(), value);
      assert.equal(v.milliValue(), milli);
    });
  }

  // Upstream TestScaledValue: 1 at fromScale read at toScale.
  const scaled: Array<[number, number, bigint]> = [
    [-9, -9, 1n],
    [-9, -6, 1n],
    [-9, -3, 1n],
    [-9, 0, 1n],
    [-6, -9, 1000n],
    [-6, -6, 1n],
    [-6, -3, 1n],
    [-6, 0, 1n],
    [-3, -9, 1000000n],
    [-3, -6, 1000n],
    [-3, -3, 1n],
    [-3, 0, 1n],
    [0, -9, 1000000000n],
    [0, -6, 1000000n],
    [0, -3, 1000n],
    [0, 0, 1n],
    [2, -2, 10000n],
  ];
  for (const [from, to, want] of scaled) {
    void it(`scaledValue 1e${from} at 1e${to} = ${want}`, () => {
      assert.equal(Quantity.fromValue(1, 'DecimalSI', from).scaledValue(to), want);
    });
  }

  const floats: Array<[string, number]> = [
    ['0', 0],
    ['1.5', 1.5],
    ['100m', 0.1],
    ['1Ki', 1024],
    ['-2.5e-3', -0.0025],
    ['1e21', 1e21],
    ['1n', 1e-9],
  ];
  for (const [s, want] of floats) {
    void it(`toNumber(${s}) = ${want}`, () => assert.equal(Quantity.parse(s).toNumber(), want));
  }

  void it('builds from milli values', () => {
    assert.equal(Quantity.fromMilli(1500).toString(), '1500m');
    assert.equal(Quantity.fromMilli(2000n).toString(), '2');
    assert.equal(Quantity.fromValue(2048, 'BinarySI').toString(), '2Ki');
  });
});
