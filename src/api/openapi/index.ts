/** @module OpenAPI v3 schemas of every served kind, and what derives from them. */
export * from './schema.js';
export { definitions, getDefinition, resolve, definitionNameForKind } from './definitions.js';
