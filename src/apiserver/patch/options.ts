/** @module Options shared by the PATCH body engines. */

export interface PatchOptions {
  /**
   * Patch `original` itself instead of a deep copy: for callers whose original is already their own copy
   * (the object store hands each update a freshly decoded object). It may be left half-patched on an error.
   */
  inPlace?: boolean;
}
