import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row, updated } from '../apps/strategy-testing.js';
import { endpointslices } from './endpointslice.js';

function slice(fields: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc12', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80 }],
    endpoints: [{ addresses: ['10.1.2.3'], conditions: { ready: true }, nodeName: 'node-1' }],
    ...fields,
  };
}

describe('EndpointSlice', () => {
  it('defaults port name and protocol', () => {
    const s = created(endpointslices, slice({ ports: [{ port: 80 }] }));
    assert.deepEqual(s.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a valid IPv4 slice', {}, []],
    ['an IPv6 slice', { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] }, []],
    ['an FQDN slice', { addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] }] }, []],
    ['no addressType', { addressType: undefined }, ['addressType: Required value']],
    [
      'an unknown addressType',
      { addressType: 'IPv5' },
      ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"'],
    ],
    [
      'an endpoint without addresses',
      { endpoints: [{ addresses: [] }] },
      ['endpoints[0].addresses: Required value: must contain at least 1 address'],
    ],
    [
      'a bad IPv4 address',
      { endpoints: [{ addresses: ['10.1.2'] }] },
      ['endpoints[0].addresses[0]: Invalid value: "10.1.2": must be a valid IPv4 address'],
    ],
    [
      'a loopback address',
      { endpoints: [{ addresses: ['127.0.0.1'] }] },
      [
        'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      ],
    ],
    [
      'a link-local address',
      { endpoints: [{ addresses: ['169.254.1.1'] }] },
      [
        'endpoints[0].addresses[0]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      ],
    ],
    [
      'a single-label FQDN',
      { addressType: 'FQDN', endpoints: [{ addresses: ['db'] }] },
      [
        'endpoints[0].addresses[0]: Invalid value: "db": should be a domain with at least two segments separated by dots',
      ],
    ],
    [
      'duplicate port names',
      {
        ports: [
          { name: 'http', port: 80 },
          { name: 'http', port: 81 },
        ],
      },
      ['ports[1].name: Duplicate value: "http"'],
    ],
    [
      'an unknown protocol',
      { ports: [{ name: 'x', port: 1, protocol: 'ICMP' }] },
      ['ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    ],
  ];
  for (const [name, fields, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(endpointslices, slice(fields)), want));
  }

  it('keeps addressType immutable and bumps generation on label changes', () => {
    const old = created(endpointslices, slice({}));
    old.metadata.generation = 1;
    const next = structuredClone(old);
    next.addressType = 'IPv6';
    next.endpoints = [{ addresses: ['fd00::1'] }];
    assert.deepEqual(updated(endpointslices, next, old).errors, [
      'addressType: Invalid value: "IPv6": field is immutable',
    ]);
    const relabeled = structuredClone(old);
    relabeled.metadata.labels = { 'kubernetes.io/service-name': 'other' };
    assert.equal(updated(endpointslices, relabeled, old).obj.metadata.generation, 2);
  });

  it('prints ADDRESSTYPE PORTS ENDPOINTS, three at most', () => {
    const s = created(
      endpointslices,
      slice({
        ports: [{ port: 80 }, { name: 'metrics' }],
        endpoints: [
          { addresses: ['10.0.0.1', '10.0.0.2'] },
          { addresses: ['10.0.0.3'] },
          { addresses: ['10.0.0.4', '10.0.0.5'] },
        ],
      }),
    );
    assert.deepEqual(row(endpointslices, s), {
      Name: 'web-abc12',
      AddressType: 'IPv4',
      Ports: '80,metrics',
      Endpoints: '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...',
      Age: '60m',
    });
    assert.equal(
      row(endpointslices, created(endpointslices, slice({ ports: [], endpoints: [] }))).Ports,
      '<unset>',
    );
  });
});
