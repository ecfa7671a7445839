/** @module The kubeconfig Skiff writes beside its data: the single contract clients use to reach it. */
import { stringify } from 'yaml';

export function kubeconfigYaml(serverUrl: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'skiff', cluster: { server: serverUrl } }],
    users: [{ name: 'skiff', user: {} }],
    contexts: [{ name: 'skiff', context: { cluster: 'skiff', user: 'skiff', namespace: 'default' } }],
    'current-context': 'skiff',
    preferences: {},
  });
}
