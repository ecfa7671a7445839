/** @module The batch/v1 resources. */
import type { ResourceDef } from '../../resource.js';
import { cronjobs } from './cronjob.js';
import { jobs } from './job.js';

export { cronjobs, jobs };

export const batchResources: ResourceDef[] = [jobs, cronjobs];
