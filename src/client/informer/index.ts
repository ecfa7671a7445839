/** @module Informers: local indexed caches of resources kept current by list and watch. */
export * from './factory.js';
export * from './indexer.js';
export * from './shared-informer.js';
