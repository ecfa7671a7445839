import type { Schema } from './schema.js';
export const KRUISE_DEFINITIONS: Record<string, Schema> = {};
