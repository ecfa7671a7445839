/** @module Field ownership (managedFields) and server-side apply. */
export {
  FIELD_MANAGER_MAX_LENGTH,
  LAST_APPLIED_ANNOTATION,
  applyConflictError,
  fieldManagerName,
  managerFromUserAgent,
  serverSideApply,
  updateManagedFields,
  type ApplyOptions,
  type SchemaOptions,
  type UpdateManagedFieldsOptions,
} from './field-manager.js';
export { FieldSet } from './field-set.js';
export {
  MAX_UPDATE_MANAGERS,
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
} from './managed-fields.js';
export { pathString, type Path, type PathElement } from './path.js';
