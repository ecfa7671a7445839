/** @module OpenAPI v3 schemas of every served kind, and what derives from them. */
export * from './schema.js';
export { definitions, getDefinition, resolve, definitionNameForKind } from './definitions.js';
export {
  validateAgainstSchema,
  goTypeOf,
  type FieldTypeError,
  type SchemaValidationResult,
  type ValidateOptions,
} from './validate.js';
export {
  findDuplicateFields,
  hasDuplicateFields,
  parseYamlStrict,
  type YamlParseResult,
} from './duplicates.js';
export {
  openapiV3Root,
  openapiV3Document,
  openapiV3DocumentJson,
  openapiV3PathOf,
  closure,
  type OpenApiDocument,
  type OpenApiRoot,
  type Operation,
  type Parameter,
  type PathItem,
  type SerializedDocument,
} from './documents.js';
export { CLONESET, CLONESET_LIST } from './kruise.js';
