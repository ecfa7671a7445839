import { describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import {
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isDomainPrefixedPath,
  isEnvVarName,
  isFullyQualifiedName,
  isHTTPHeaderName,
  isQualifiedName,
  isStrictEnvVarName,
  isValidCIDR,
  isValidIP,
  isValidLabelValue,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  validateCIDR,
  validateDomainPrefixedPath,
  validateFullyQualifiedName,
  validateIP,
  validatePathSegmentName,
} from './names.js';

const r = (s: string, n: number): string => s.repeat(n);

/** [validator, good values, bad values], mostly from upstream's validation_test.go. */
const tables: Array<[string, (v: string) => string[], string[], string[]]> = [
  [
    'isDNS1123Label',
    isDNS1123Label,
    ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', r('a', 63)],
    [
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a.b',
      '1.',
      '.1',
      '1.2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      r('a', 64),
    ],
  ],
  [
    'isDNS1123Subdomain',
    isDNS1123Subdomain,
    [
      'a',
      'ab',
      'abc',
      'a1',
      'a-1',
      'a--1--2--b',
      '0',
      '01',
      '012',
      '1a',
      '1-a',
      '1--a--b--2',
      'a.a',
      'ab.a',
      'abc.a',
      'a1.a',
      'a-1.a',
      'a--1--2--b.a',
      'a.1',
      'ab.1',
      'abc.1',
      'a1.1',
      'a-1.1',
      'a--1--2--b.1',
      '0.a',
      '01.a',
      '012.a',
      '1a.a',
      '1-a.a',
      '0.1',
      '01.1',
      '012.1',
      '1a.1',
      '1-a.1',
      '1--a--b--2.1',
      'a.b.c.d.e',
      'aa.bb.cc.dd.ee',
      '1.2.3.4.5',
      '11.22.33.44.55',
      r('a', 253),
    ],
    [
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a..b',
      '1.',
      '.1',
      '1..2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      'A.a',
      'aB.a',
      'ab.A',
      'A1.a',
      'a1.A',
      'A.1',
      'aB.1',
      'A1.1',
      '1A.1',
      '0.A',
      '01.A',
      '012.A',
      '1A.a',
      '1a.A',
      'A.B.C.D.E',
      'AA.BB.CC.DD.EE',
      'a.B.c.d.e',
      'aa.bB.cc.dd.ee',
      'a@b',
      'a,b',
      'a;b',
      'a:b',
      'a%b',
      'a?b',
      'a$b',
      r('a', 254),
    ],
  ],
  [
    'isDNS1035Label',
    isDNS1035Label,
    ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', r('a', 63)],
    [
      '0',
      '01',
      '012',
      '1a',
      '1-a',
      '1--a--b--2',
      '',
      'A',
      'ABC',
      'aBc',
      'A1',
      'A-1',
      '1-A',
      '-',
      'a-',
      '-a',
      '1-',
      '-1',
      '_',
      'a_',
      '_a',
      'a_b',
      '1_',
      '_1',
      '1_2',
      '.',
      'a.',
      '.a',
      'a.b',
      '1.',
      '.1',
      '1.2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      r('a', 64),
    ],
  ],
  [
    'isValidPortName',
    isValidPortName,
    ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3'],
    [
      'longerthan15characters',
      '',
      r('a', 16),
      '12345',
      '1-2-3-4',
      '-begin',
      'end-',
      'two--hyphens',
      'whois++',
    ],
  ],
  [
    'isQualifiedName',
    isQualifiedName,
    [
      'simple',
      'now-with-dashes',
      '1-starts-with-num',
      '1234',
      'simple/simple',
      'now-with-dashes/simple',
      'now-with-dashes/now-with-dashes',
      'now.with.dots/simple',
      'now-with.dashes-and.dots/simple',
      '1-num.2-num/3-num',
      '1234/5678',
      '1.2.3.4/5678',
      'Uppercase_Is_OK_123',
      'example.com/Uppercase_Is_OK_123',
      'requests.storage-foo',
      r('a', 63),
      `${r('a', 253)}/${r('b', 63)}`,
    ],
    [
      'nospecialchars%^=@',
      'cantendwithadash-',
      '-cantstartwithadash-',
      'only/one/slash',
      'Example.com/abc',
      'example_com/abc',
      'example.com/',
      '/simple',
      r('a', 64),
      `${r('a', 254)}/abc`,
    ],
  ],
  [
    'isValidLabelValue',
    isValidLabelValue,
    ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', r('a', 63), ''],
    [
      'nospecialchars%^=@',
      'Tama-nui-te-rā.is.Māori.sun',
      '\\backslashes\\are\\bad',
      '-starts-with-dash',
      'ends-with-dash-',
      '.starts.with.dot',
      'ends.with.dot.',
      r('a', 64),
    ],
  ],
  [
    'isHTTPHeaderName',
    isHTTPHeaderName,
    [
      'Accept-Encoding',
      'Host',
      'If-Modified-Since',
      'X-Forwarded-For',
      'a',
      'ab',
      'abc',
      'a1',
      '-a',
      'a-',
      'a-b',
      'a-1',
      'a--1--2--b',
      '--abc-123',
      'A',
      'AB',
      'AbC',
      'A1',
      '-A',
      'A-',
      'A-B',
      'A-1',
      'A--1--2--B',
      '--123-ABC',
    ],
    [
      'Host:',
      'X-Forwarded-For:',
      'X-@Home',
      '',
      '_',
      'a_',
      '_a',
      '1_',
      '1_2',
      '.',
      'a.',
      '.a',
      'a.b',
      '1.',
      '.1',
      '1.2',
      ' ',
      'a ',
      ' a',
      'a b',
      '1 ',
      ' 1',
      '1 2',
      '#a#',
      '^',
      ',',
      ';',
      '=',
      '<',
      '?',
      '@',
      '{',
    ],
  ],
  [
    'isValidPercent',
    isValidPercent,
    ['0%', '00000%', '1%', '01%', '99%', '100%', '101%'],
    ['', '0', '100', '0.0%', '99.9%', 'hundred', ' 1%', '1% ', '-0%', '-1%', '+1%'],
  ],
  [
    'isConfigMapKey',
    isConfigMapKey,
    [
      'a',
      'good',
      'good-good',
      'still.good',
      'this.is.also.good',
      '.so.is.this',
      'THIS_IS_GOOD',
      'so_is_this_17',
    ],
    ['.', '..', '..bad', 'b*d', 'bad!&bad', r('a', 254)],
  ],
  [
    'isWildcardDNS1123Subdomain',
    isWildcardDNS1123Subdomain,
    ['*.example.com', '*.bar.com', '*.foo.bar.com'],
    ['*.*.bar.com', '*.foo.*.com', '*bar.com', 'f*.bar.com', '*'],
  ],
  [
    'isFullyQualifiedName',
    isFullyQualifiedName,
    [
      'dev.k8s.io',
      'foo.example.com',
      'this.is.a.really.long.fqdn',
      'bbc.co.uk',
      '10.0.0.1',
      'hyphens-are-good.k8s.io',
      `${r('a', 246)}.k8s.io`,
    ],
    [
      '',
      '...',
      'dev.k8s.io.',
      '.io',
      'Dev.k8s.io',
      'k8s.io',
      '*.example.com',
      '*.bar.com',
      '*.foo.bar.com',
      'underscores_are_bad.k8s.io',
      'foo@bar.example.com',
      'http://foo.example.com',
      `${r('a', 247)}.k8s.io`,
    ],
  ],
  [
    'isDomainPrefixedPath',
    isDomainPrefixedPath,
    [
      'a/b',
      'a/b/c/d',
      'a.com/foo',
      'a.b.c.d/foo',
      'k8s.io/foo/bar',
      'k8s.io/FOO/BAR',
      'dev.k8s.io/more/path',
      'this.is.a.really.long.fqdn/even/longer/path/just/because',
      'bbc.co.uk/path/goes/here',
      '10.0.0.1/foo',
      'hyphens-are-good.k8s.io/and-in-paths-too',
      `${r('a', 240)}.k8s.io/a`,
      `k8s.io/${r('a', 240)}`,
    ],
    [
      '',
      '.',
      '...',
      '/b',
      'com',
      '.com',
      'a.b.c.d/foo?a=b',
      'a.b.c.d/foo#a',
      'Dev.k8s.io',
      '.foo.example.com',
      '*.example.com',
      'example.com/foo{}[]@^`',
      'underscores_are_bad.k8s.io',
      'underscores_are_bad.k8s.io/foo',
      'foo@bar.example.com',
      'foo@bar.example.com/foo',
      `${r('a', 247)}.k8s.io`,
    ],
  ],
  [
    'isEnvVarName (relaxed)',
    isEnvVarName,
    [
      '-',
      ':',
      '_',
      '+a',
      '>a',
      '<a',
      'a.',
      'a..',
      '*a',
      '%a',
      '?a',
      'a:a',
      'a_a',
      'aAz',
      '~a',
      '|a',
      'a0a',
      'a9',
      '/a',
      'a ',
      '#a',
      '0a',
      '0 a',
      "'a",
      '(a',
      '@a',
    ],
    ['', '=', 'a=', '1=a', 'a=b', '#%=&&', '\u0001abc', '\u0082abc', 'Ç ç', 'Ä ä', 'Ñ ñ', 'Ø ø'],
  ],
  [
    'isStrictEnvVarName',
    isStrictEnvVarName,
    ['A', 'ab', 'abc', 'a1', 'a_1', 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1', '.a', 'a..b'],
    ['', '1a', 'a b', 'a=b', '.', '..', '..a'],
  ],
  ['isCIdentifier', isCIdentifier, ['a', '_a', 'A1_b', 'MY_NAME'], ['', '1a', 'a-b', 'a.b', 'a b']],
];

void describe('syntax validators (upstream tables)', () => {
  for (const [name, fn, good, bad] of tables) {
    void it(`${name} accepts ${good.length} good values`, () => {
      for (const v of good) assert.deepEqual(fn(v), [], `${name}(${JSON.stringify(v.slice(0, 40))})`);
    });
    void it(`${name} rejects ${bad.length} bad values`, () => {
      for (const v of bad) assert.notEqual(fn(v).length, 0, `${name}(${JSON.stringify(v.slice(0, 40))})`);
    });
  }

  void it('checks port numbers', () => {
    for (const p of [1, 2, 1000, 16384, 32768, 65535]) assert.deepEqual(isValidPortNum(p), []);
    for (const p of [0, -1, 65536, 100000, 1.5]) {
      assert.deepEqual(isValidPortNum(p), ['must be between 1 and 65535, inclusive']);
    }
  });
});

void describe('messages', () => {
  const cases: Array<[string, string[]]> = [
    [
      'Abc',
      [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    ['a.b', ['must not contain dots']],
    [r('a', 64), ['must be no more than 63 characters']],
  ];
  for (const [v, want] of cases) {
    void it(`isDNS1123Label(${v.slice(0, 10)})`, () => assert.deepEqual(isDNS1123Label(v), want));
  }

  void it('words subdomain, DNS-1035 and qualified-name errors as upstream', () => {
    assert.deepEqual(isDNS1123Subdomain('A_'), [
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    assert.deepEqual(isDNS1035Label('1a'), [
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.deepEqual(isQualifiedName('example.com/'), [
      'name part must be non-empty',
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    assert.deepEqual(isQualifiedName(`${r('a', 254)}/b`), ['prefix part must be no more than 253 bytes']);
    assert.deepEqual(isQualifiedName('Example.com/b').length, 1);
    assert.match(isQualifiedName('Example.com/b')[0]!, /^prefix part a lowercase RFC 1123 subdomain/);
    assert.deepEqual(isValidLabelValue(r('a', 64)), ['must be no more than 63 bytes']);
    assert.deepEqual(isConfigMapKey('..'), [`must not be '..'`]);
    assert.deepEqual(isConfigMapKey('..a'), [`must not start with '..'`]);
    assert.deepEqual(isValidPortName('12345'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isEnvVarName(''), ['environment variable name must be non-empty']);
    assert.deepEqual(isEnvVarName('a=b'), [
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    ]);
  });

  void it('reports field errors with the offending part as bad value', () => {
    assert.deepEqual(validateFullyQualifiedName('spec.group', ''), [
      { type: 'FieldValueRequired', field: 'spec.group' },
    ]);
    assert.deepEqual(validateFullyQualifiedName('spec.group', 'k8s.io'), [
      {
        type: 'FieldValueInvalid',
        field: 'spec.group',
        badValue: 'k8s.io',
        detail: 'should be a domain with at least three segments separated by dots',
      },
    ]);
    const errs = validateDomainPrefixedPath('p', 'a_b.io/x?');
    assert.deepEqual(
      errs.map((e) => e.badValue),
      ['a_b.io', 'x?'],
    );
    assert.match(String(errs[1]!.detail), /^Invalid path \(regex used for validation is/);
  });
});

void describe('IP addresses (upstream TestIsValidIP)', () => {
  const cases: Array<[string, string | null]> = [
    ['1.2.3.4', null],
    ['0.0.0.0', null],
    ['255.255.255.255', null],
    ['1234::abcd', null],
    ['::', null],
    ['::1', null],
    ['2001:db8::1:0:0:1', null],
    ['2001:db8:0:1:1:1:1:1', null],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null],
    ['0:0:0:0:0:0:0:0', 'must be in canonical form ("::")'],
    ['0001:002:03:4::', 'must be in canonical form ("1:2:3:4::")'],
    ['1234::ABCD', 'must be in canonical form ("1234::abcd")'],
    ['2001:db8:0:0:1:0:0:1', 'must be in canonical form ("2001:db8::1:0:0:1")'],
    ['2001:db8::1:1:1:1:1', 'must be in canonical form ("2001:db8:0:1:1:1:1:1")'],
    ['2001:db8::0:1:1:1:1:1', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['::1.2.3.4', 'must be in canonical form ("::102:304")'],
    ['1.1.1.01', 'must not have leading 0s'],
    ['00001::', 'must not have leading 0s'],
    ['::ffff:1.1.1.1', 'must not be an IPv4-mapped IPv6 address'],
    ['', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['aaaaaaa', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['myhost.mydomain', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.2.3.0/24', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.2.3.400', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['-1.0.0.0', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['2001:db8::10005', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.2.3.4:80', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['[2001:db8::1]', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['[2001:db8::1]:80', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['example.com:80', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1234::abcd%eth0', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['169.254.0.0%eth0', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1::2::3', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1:2:3:4:5:6:7:8:9', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1:2:3:4:5:6:7::8', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1:2:3', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
  ];
  for (const [ip, want] of cases) {
    void it(`${JSON.stringify(ip)} → ${want ?? 'valid'}`, () => {
      assert.deepEqual(isValidIP(ip), want === null ? [] : [want]);
    });
  }

  void it('returns field errors carrying the value', () => {
    assert.deepEqual(validateIP('spec.clusterIP', '1.1.1.01'), [
      {
        type: 'FieldValueInvalid',
        field: 'spec.clusterIP',
        badValue: '1.1.1.01',
        detail: 'must not have leading 0s',
      },
    ]);
  });
});

void describe('CIDRs (upstream TestIsValidCIDR)', () => {
  const cases: Array<[string, string | null]> = [
    ['1.0.0.0/8', null],
    ['0.0.0.0/0', null],
    ['1.1.1.1/32', null],
    ['2001:4860:4860::/48', null],
    ['::/0', null],
    ['::1/128', null],
    ['2a00:79e0:2:0::/64', 'must be in canonical form ("2a00:79e0:2::/64")'],
    ['2001:DB8::/64', 'must be in canonical form ("2001:db8::/64")'],
    ['1.1.01.0/24', 'must not have leading 0s in IP or prefix length'],
    ['::ffff:1.1.1.0/24', 'must not have an IPv4-mapped IPv6 address'],
    ['::ffff:1.1.1.0/120', 'must not have an IPv4-mapped IPv6 address'],
    ['1.2.3.4/24', 'must not have bits set beyond the prefix length'],
    ['2001:db8::1/64', 'must not have bits set beyond the prefix length'],
    ['192.168.0.0/016', 'must not have leading 0s in IP or prefix length'],
    ['', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['aaaaaaa', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['1.2.3.4', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['192.168.0.1/healthz', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['192.168.0.1/0/99', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['192.168.0.0/-16', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['192.168.0.0/+16', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['192.168.0.0/33', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['::/129', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
  ];
  for (const [cidr, want] of cases) {
    void it(`${JSON.stringify(cidr)} → ${want ?? 'valid'}`, () => {
      assert.deepEqual(isValidCIDR(cidr), want === null ? [] : [want]);
    });
  }

  void it('returns field errors carrying the value', () => {
    assert.equal(validateCIDR('spec.podCIDR', '1.2.3.4/24')[0]!.badValue, '1.2.3.4/24');
  });
});

void describe('name validators (ValidateNameFunc)', () => {
  const cases: Array<[string, (n: string, p: boolean) => string[], string, boolean, boolean]> = [
    ['subdomain', nameIsDNSSubdomain, 'my.app', false, true],
    ['subdomain', nameIsDNSSubdomain, 'my-app-', false, false],
    ['subdomain prefix', nameIsDNSSubdomain, 'my-app-', true, true],
    ['subdomain prefix', nameIsDNSSubdomain, 'MY-', true, false],
    ['label', nameIsDNSLabel, 'my.app', false, false],
    ['label prefix', nameIsDNSLabel, 'web-', true, true],
    ['label prefix single dash', nameIsDNSLabel, '-', true, false],
    ['1035', nameIsDNS1035Label, '1abc', false, false],
    ['1035 prefix', nameIsDNS1035Label, 'svc-', true, true],
    ['path segment', validatePathSegmentName, 'system:admin', false, true],
    ['path segment', validatePathSegmentName, '..', false, false],
    ['path segment prefix', validatePathSegmentName, '..', true, true],
    ['path segment slash', validatePathSegmentName, 'a/b', false, false],
  ];
  for (const [label, fn, name, prefix, ok] of cases) {
    void it(`${label}: ${JSON.stringify(name)} → ${ok ? 'valid' : 'invalid'}`, () => {
      assert.equal(fn(name, prefix).length === 0, ok);
    });
  }

  void it('words path segment errors as upstream', () => {
    assert.deepEqual(validatePathSegmentName('.', false), [`may not be '.'`]);
    assert.deepEqual(validatePathSegmentName('a/%', false), [`may not contain '/'`, `may not contain '%'`]);
  });
});
