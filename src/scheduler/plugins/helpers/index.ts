/** @module Shared helpers for scheduler plugins: node affinity, taints, resource names and scoring. */
export * from './node-affinity.js';
export * from './normalize-score.js';
export * from './resource-allocation.js';
export * from './resource-names.js';
export * from './shape-score.js';
export * from './taints.js';
