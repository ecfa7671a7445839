import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorString } from '../../errors.js';
import type { KubeObject } from '../../object.js';
import type { StrategyContext } from '../../resource.js';
import { endpointsResource, formatEndpoints, servicesResource } from './services.js';

type Obj = Record<string, any>;
const now = new Date('2025-06-01T12:00:00Z');
const ctx: StrategyContext = { now, subresource: '' };

function svc(spec: Obj, status?: Obj): KubeObject {
  const o: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-06-01T11:00:00Z' },
    spec,
  };
  if (status) o.status = status;
  return o;
}

function create(s: KubeObject): KubeObject {
  servicesResource.prepareForCreate!(s, ctx);
  servicesResource.defaults!(s);
  return s;
}

describe('service defaults', () => {
  const cases: Array<[string, Obj, Obj]> = [
    [
      'ClusterIP',
      { selector: { app: 'web' }, ports: [{ port: 80 }] },
      {
        selector: { app: 'web' },
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
      },
    ],
    [
      'NodePort keeps a named targetPort',
      { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] },
      {
        type: 'NodePort',
        ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }],
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
      },
    ],
    [
      'LoadBalancer',
      { type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP' }] },
      {
        type: 'LoadBalancer',
        ports: [{ port: 443, protocol: 'TCP', targetPort: 443 }],
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
      },
    ],
    [
      'ExternalName gets no traffic policies',
      { type: 'ExternalName', externalName: 'db.example.com' },
      { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' },
    ],
    [
      'ClientIP affinity timeout',
      { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] },
      {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
      },
    ],
    [
      'clusterIP fills clusterIPs',
      { clusterIP: 'None', ports: [{ port: 80 }] },
      {
        clusterIP: 'None',
        clusterIPs: ['None'],
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
      },
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => {
      const s = create(svc(spec, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }));
      assert.deepEqual(s.spec, want);
      assert.deepEqual(s.status, { loadBalancer: {} });
      assert.deepEqual(servicesResource.validateCreate!(s), []);
    });
  }
});

describe('service validation', () => {
  const cases: Array<[string, Obj, string[]]> = [
    ['no ports', { selector: { a: 'b' } }, ['spec.ports: Required value']],
    [
      'several ports need names, unique',
      { ports: [{ port: 80 }, { port: 443, name: 'https' }, { port: 8443, name: 'https' }] },
      ['spec.ports[0].name: Required value', 'spec.ports[2].name: Duplicate value: "https"'],
    ],
    [
      'port range and protocol',
      { ports: [{ port: 0, protocol: 'HTTP' }] },
      [
        'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      'nodePort on ClusterIP',
      { ports: [{ port: 80, nodePort: 30080 }] },
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
    [
      'duplicate port/protocol',
      {
        type: 'NodePort',
        ports: [
          { name: 'a', port: 80, nodePort: 30000 },
          { name: 'b', port: 80, nodePort: 30000 },
        ],
      },
      [
        'spec.ports[1].nodePort: Duplicate value: 30000',
        'spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}',
      ],
    ],
    [
      'unknown type',
      { type: 'Magic', ports: [{ port: 80 }] },
      [
        'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      ],
    ],
    ['ExternalName needs a name', { type: 'ExternalName' }, ['spec.externalName: Required value']],
    [
      'bad clusterIP',
      { clusterIP: '10.0.0.300', ports: [{ port: 80 }] },
      [
        'spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    ],
    [
      'headless LoadBalancer',
      { type: 'LoadBalancer', clusterIP: 'None', ports: [{ port: 80 }] },
      ['spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for LoadBalancer services'],
    ],
    [
      'source ranges only for LoadBalancer',
      { loadBalancerSourceRanges: ['10.0.0.0/8'], ports: [{ port: 80 }] },
      ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"],
    ],
    [
      'externalTrafficPolicy on an internal service',
      { externalTrafficPolicy: 'Local', ports: [{ port: 80 }] },
      [
        'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
      ],
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () =>
      assert.deepEqual(servicesResource.validateCreate!(create(svc(spec))).map(fieldErrorString), want),
    );
  }
});

describe('service update', () => {
  const update = (oldSpec: Obj, mutate: (s: Obj) => void): string[] => {
    const old = create(svc(oldSpec));
    const next = structuredClone(old);
    mutate(next.spec as Obj);
    servicesResource.prepareForUpdate!(next, old, ctx);
    servicesResource.defaults!(next);
    return servicesResource.validateUpdate!(next, old).map(fieldErrorString);
  };
  it('keeps clusterIPs when a client sends only clusterIP', () => {
    assert.deepEqual(
      update({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] }, (s) => delete s.clusterIPs),
      [],
    );
  });
  it('refuses a new clusterIP', () => {
    assert.deepEqual(
      update({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] }, (s) => {
        s.clusterIP = '10.96.0.11';
        s.clusterIPs = ['10.96.0.11'];
      }),
      ['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set'],
    );
  });
  it('drops node ports when leaving NodePort', () => {
    const old = create(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    const next = structuredClone(old);
    (next.spec as Obj).type = 'ClusterIP';
    servicesResource.prepareForUpdate!(next, old, ctx);
    servicesResource.defaults!(next);
    assert.equal((next.spec as Obj).ports[0].nodePort, undefined);
    assert.equal((next.spec as Obj).externalTrafficPolicy, undefined);
    assert.deepEqual(servicesResource.validateUpdate!(next, old), []);
  });
});

describe('service status', () => {
  it('requires ipMode with an ip and only for LoadBalancers', () => {
    const lb = create(svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }));
    lb.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
    assert.deepEqual(servicesResource.validateStatusUpdate!(lb, lb).map(fieldErrorString), [
      'status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set',
    ]);
    const cip = create(svc({ ports: [{ port: 80 }] }));
    cip.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP' }] } };
    assert.deepEqual(servicesResource.validateStatusUpdate!(cip, cip).map(fieldErrorString), [
      "status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'",
    ]);
  });
});

describe('service table', () => {
  const cells = (s: KubeObject): unknown[] => servicesResource.table!.map((c) => c.cell(s, now));
  const cases: Array<[string, KubeObject, unknown[]]> = [
    [
      'ClusterIP',
      svc({ type: 'ClusterIP', clusterIPs: ['10.96.0.1'], ports: [{ port: 443, protocol: 'TCP' }] }),
      ['web', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '60m', '<none>'],
    ],
    [
      'NodePort with selector',
      svc({
        type: 'NodePort',
        clusterIPs: ['10.96.0.2'],
        selector: { app: 'web' },
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      }),
      ['web', 'NodePort', '10.96.0.2', '<none>', '80:30080/TCP,53/UDP', '60m', 'app=web'],
    ],
    [
      'pending LoadBalancer',
      svc(
        {
          type: 'LoadBalancer',
          clusterIPs: ['10.96.0.3'],
          ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }],
        },
        { loadBalancer: {} },
      ),
      ['web', 'LoadBalancer', '10.96.0.3', '<pending>', '80:31000/TCP', '60m', '<none>'],
    ],
    [
      'provisioned LoadBalancer',
      svc(
        { type: 'LoadBalancer', clusterIPs: ['10.96.0.3'], ports: [] },
        { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
      ),
      ['web', 'LoadBalancer', '10.96.0.3', '203.0.113.7', '<none>', '60m', '<none>'],
    ],
    [
      'ExternalName',
      svc({ type: 'ExternalName', externalName: 'db.example.com' }),
      ['web', 'ExternalName', '<none>', 'db.example.com', '<none>', '60m', '<none>'],
    ],
  ];
  for (const [name, s, want] of cases) it(name, () => assert.deepEqual(cells(s), want));
  it('selects on spec.clusterIP and spec.type', () => {
    assert.deepEqual(servicesResource.selectableFields!(svc({ type: 'NodePort', clusterIP: '10.0.0.1' })), {
      'spec.clusterIP': '10.0.0.1',
      'spec.type': 'NodePort',
    });
  });
});

describe('endpoints', () => {
  const ep = (subsets: Obj[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'default' },
    subsets,
  });
  it('defaults port protocols and validates', () => {
    const e = ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]);
    endpointsResource.defaults!(e);
    assert.equal((e.subsets as Obj[])[0]!.ports[0].protocol, 'TCP');
    assert.deepEqual(endpointsResource.validateCreate!(e), []);
  });
  it('rejects empty subsets and special addresses', () => {
    const e = ep([{ ports: [{ port: 80, protocol: 'TCP' }] }, { addresses: [{ ip: '127.0.0.1' }] }]);
    assert.deepEqual(endpointsResource.validateCreate!(e).map(fieldErrorString), [
      'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
      'subsets[1].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
  });
  const fmt: Array<[Obj[], string]> = [
    [[], '<none>'],
    [
      [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }],
      '10.0.0.1:80,10.0.0.2:80',
    ],
    [[{ addresses: [{ ip: '10.0.0.1' }] }], '10.0.0.1'],
    [
      [
        {
          addresses: [{ ip: 'a' }, { ip: 'b' }, { ip: 'c' }, { ip: 'd' }, { ip: 'e' }],
          ports: [{ port: 1 }],
        },
      ],
      'a:1,b:1,c:1 + 2 more...',
    ],
  ];
  for (const [subsets, want] of fmt)
    it(`formats ${want}`, () => assert.equal(formatEndpoints(ep(subsets)), want));
});
