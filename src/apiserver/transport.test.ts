import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestTarget } from './transport.js';

test('parseRequestTarget gives the path and query new URL gives', () => {
  const targets = [
    '/',
    '/api/v1/namespaces/default/pods',
    '/api/v1/pods?labelSelector=app%3Dx&limit=5',
    '/apis/apps.kruise.io/v1alpha1/clonesets?watch=1&resourceVersion=5',
    '/api/../x',
    '/api/./v1',
    '/a b?c=d e',
    '/api?x="y"',
    '/%7Efoo/bar',
    '/a//b?',
    '?x=1',
    '/x?a=b+c&fieldSelector=spec.nodeName!=n1',
    '/x#frag',
    '/x?y=1#frag',
    '/api/v1/namespaces/d/pods/p/log?container=c&sinceTime=2020-01-01T00:00:00Z',
    '/caf\u00e9?q=\u00e9',
  ];
  for (const target of targets) {
    const got = parseRequestTarget(target);
    const want = new URL(target, 'http://localhost');
    assert.ok(got, target);
    assert.equal(got.pathname, want.pathname, target);
    assert.equal(got.searchParams.toString(), want.searchParams.toString(), target);
  }
});

test('parseRequestTarget rejects what new URL rejects', () => {
  assert.equal(parseRequestTarget('http://[::1'), undefined);
});
