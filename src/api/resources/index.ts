/** @module Every built-in resource the apiserver serves. */
import type { ResourceDef } from '../resource.js';
import { coreResources } from './core/index.js';
import { otherResources } from './others.js';

export const allResources: readonly ResourceDef[] = [...coreResources, ...otherResources];
