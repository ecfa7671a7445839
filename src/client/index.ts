/** @module The client layer: everything scheduler, controllers and agents use to talk to the API server. */
export * from './client.js';
export * from './kubeconfig.js';
export * from './resources.js';
export * from './transport.js';
export * from './informer/index.js';
export * from './workqueue/index.js';
export * from './leader-election.js';
