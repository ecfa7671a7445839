/** @module The kubeconfig Skiff writes beside its data: the single contract clients use to reach it. */
import { stringify } from 'yaml';

export function kubeconfigYaml(serverUrl: string): string {
  // Plain http carries no TLS to verify; some clients (the JavaScript one) refuse http without this flag.
  const cluster = serverUrl.startsWith('http:')
    ? { server: serverUrl, 'insecure-skip-tls-verify': true }
    : { server: serverUrl };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'skiff', cluster }],
    users: [{ name: 'skiff', user: {} }],
    contexts: [{ name: 'skiff', context: { cluster: 'skiff', user: 'skiff', namespace: 'default' } }],
    'current-context': 'skiff',
    preferences: {},
  });
}
