import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequestInfo } from './request-info.js';

describe('parseRequestInfo', () => {
  const cases: Array<[string, string, boolean, Record<string, string> | 'nonResource']> = [
    [
      'GET',
      '/api/v1/pods',
      false,
      { verb: 'list', group: '', version: 'v1', resource: 'pods', namespace: '', name: '' },
    ],
    [
      'GET',
      '/api/v1/namespaces/default/pods',
      true,
      { verb: 'watch', namespace: 'default', resource: 'pods' },
    ],
    ['GET', '/api/v1/namespaces/default/pods/p1', false, { verb: 'get', name: 'p1', subresource: '' }],
    ['GET', '/api/v1/namespaces/default/pods/p1/log', false, { verb: 'get', subresource: 'log' }],
    ['POST', '/api/v1/namespaces/default/pods/p1/binding', false, { verb: 'create', subresource: 'binding' }],
    ['GET', '/api/v1/namespaces/default/pods/p1/proxy/a/b', false, { subresource: 'proxy/a/b' }],
    ['GET', '/api/v1/namespaces', false, { verb: 'list', resource: 'namespaces', namespace: '' }],
    [
      'GET',
      '/api/v1/namespaces/ns1',
      false,
      { verb: 'get', resource: 'namespaces', name: 'ns1', namespace: '' },
    ],
    [
      'PUT',
      '/api/v1/namespaces/ns1/finalize',
      false,
      { verb: 'update', resource: 'namespaces', name: 'ns1', subresource: 'finalize' },
    ],
    [
      'PUT',
      '/api/v1/namespaces/ns1/status',
      false,
      { resource: 'namespaces', name: 'ns1', subresource: 'status' },
    ],
    [
      'PATCH',
      '/apis/apps/v1/namespaces/a/deployments/d/scale',
      false,
      { verb: 'patch', group: 'apps', subresource: 'scale' },
    ],
    ['DELETE', '/apis/apps/v1/namespaces/a/deployments', false, { verb: 'deletecollection' }],
    ['DELETE', '/apis/apps/v1/namespaces/a/deployments/d', false, { verb: 'delete', name: 'd' }],
    ['GET', '/api/v1/watch/namespaces/a/pods', false, { verb: 'watch', namespace: 'a', resource: 'pods' }],
    ['GET', '/api/v1/nodes/n1/status', false, { resource: 'nodes', name: 'n1', subresource: 'status' }],
    ['GET', '/api', false, 'nonResource'],
    ['GET', '/api/v1', false, 'nonResource'],
    ['GET', '/apis/apps/v1', false, 'nonResource'],
    ['GET', '/version', false, 'nonResource'],
  ];
  for (const [method, path, watch, want] of cases) {
    it(`${method} ${path}`, () => {
      const info = parseRequestInfo(method, path, watch);
      if (want === 'nonResource') {
        assert.equal(info.kind, 'nonResource');
        return;
      }
      assert.equal(info.kind, 'resource');
      for (const [k, v] of Object.entries(want))
        assert.equal((info as unknown as Record<string, string>)[k], v, k);
    });
  }
});

describe('parseRequestInfo with malformed escapes', () => {
  const cases: Array<[string, string]> = [
    ['/api/v1/namespaces/%zz/configmaps', 'invalid URL escape "%zz"'],
    ['/apis/%E0%A4%A/v1', 'invalid URL escape "%A"'],
    ['/api/v1/namespaces/a/configmaps/%ff', 'invalid URL escape "%ff"'],
  ];
  for (const [path, message] of cases) {
    it(path, () => {
      assert.throws(
        () => parseRequestInfo('GET', path, false),
        (err: { status?: { code?: number; reason?: string; message?: string } }) =>
          err.status?.code === 400 && err.status.reason === 'BadRequest' && err.status.message === message,
      );
    });
  }
});
