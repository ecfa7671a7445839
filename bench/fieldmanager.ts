/**
 * @module Field manager micro-benchmark: µs per managedFields update for a pod and Deployment create,
 * label, scale and status-subresource writes, and a server-side re-apply of an unchanged Deployment.
 * Run with `npx tsx bench/fieldmanager.ts [--iterations=N] [--only=name] [--print] [--reference]`;
 * `--reference` measures the frozen pre-optimization implementation the differential tests use.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../src/api/object.js';
import { getDefinition } from '../src/api/openapi/index.js';
import { deployments } from '../src/api/resources/apps/index.js';
import * as current from '../src/apiserver/fieldmanager/index.js';
import * as reference from '../src/apiserver/fieldmanager/testing/reference/field-manager.js';
import {
  DEPLOYMENT_DEFINITION,
  POD_DEFINITION,
  sampleDeployment,
  sampleDeploymentManifest,
  samplePod,
  sampleRunningPodStatus,
} from '../src/apiserver/fieldmanager/testing/sample-objects.js';
import type { SchemaLookup } from '../src/apiserver/patch/schema.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const ITERATIONS = Number(args.get('iterations') ?? 20_000);
const ONLY = args.get('only');
const PRINT = args.has('print');
const { serverSideApply, updateManagedFields } = args.has('reference') ? reference : current;

const lookup: SchemaLookup = getDefinition;
const POD = POD_DEFINITION;
const DEPLOYMENT = DEPLOYMENT_DEFINITION;
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';

/** A copy sharing everything but the top-level object and metadata (what the tracker writes). */
function shallow(o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata } };
}

function created(obj: KubeObject, rootDefinition: string, apiVersion: string): KubeObject {
  const o = structuredClone(obj);
  updateManagedFields(undefined, o, {
    manager: 'kubectl-create',
    apiVersion,
    time: T0,
    rootDefinition,
    lookup,
    resetFields: [['status']],
  });
  return o;
}

interface Case {
  name: string;
  /** Runs once; returns the object whose managedFields the case produced. */
  run: () => KubeObject;
}

function cases(): Case[] {
  const pod = samplePod();
  const deployment = sampleDeployment();

  const livePod = created(pod, POD, 'v1');
  const labelled = structuredClone(livePod);
  labelled.metadata.labels = { ...labelled.metadata.labels, release: 'canary' };

  const statusPod = structuredClone(livePod);
  statusPod.status = sampleRunningPodStatus();
  const statusReset = Object.keys(statusPod)
    .filter((k) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && k !== 'status')
    .map((k) => [k]);

  const liveDeployment = created(deployment, DEPLOYMENT, 'apps/v1');
  const scaled = structuredClone(liveDeployment);
  (scaled.spec as { replicas: number }).replicas = 5;
  const deploymentStatus = structuredClone(liveDeployment);
  deploymentStatus.status = {
    observedGeneration: 1,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        lastUpdateTime: T1,
        lastTransitionTime: T1,
      },
      {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        lastUpdateTime: T1,
        lastTransitionTime: T0,
      },
    ],
  };

  const config = sampleDeploymentManifest();
  const applied = serverSideApply(undefined, structuredClone(config), {
    manager: 'kubectl',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'web',
    time: T0,
    rootDefinition: DEPLOYMENT,
    lookup,
    resetFields: [['status']],
  });
  applied.metadata.uid = '1b0e2c1e-8f2d-4a55-a1f4-5b0c7a0d9e11';
  applied.metadata.creationTimestamp = T0;
  deployments.defaults!(applied);

  const createOpts = (rootDefinition: string, apiVersion: string) => ({
    manager: 'kubectl-create',
    apiVersion,
    time: T0,
    rootDefinition,
    lookup,
    resetFields: [['status']],
  });
  return [
    {
      name: 'create pod',
      run: () => {
        const o = shallow(pod);
        updateManagedFields(undefined, o, createOpts(POD, 'v1'));
        return o;
      },
    },
    {
      name: 'create deployment',
      run: () => {
        const o = shallow(deployment);
        updateManagedFields(undefined, o, createOpts(DEPLOYMENT, 'apps/v1'));
        return o;
      },
    },
    {
      name: 'update pod label',
      run: () => {
        const o = shallow(labelled);
        updateManagedFields(livePod, o, {
          manager: 'kubectl-label',
          apiVersion: 'v1',
          time: T1,
          rootDefinition: POD,
          lookup,
          resetFields: [['status']],
        });
        return o;
      },
    },
    {
      name: 'update pod status',
      run: () => {
        const o = shallow(statusPod);
        updateManagedFields(livePod, o, {
          manager: 'kubelet',
          subresource: 'status',
          apiVersion: 'v1',
          time: T1,
          rootDefinition: POD,
          lookup,
          resetFields: statusReset,
        });
        return o;
      },
    },
    {
      name: 'scale deployment',
      run: () => {
        const o = shallow(scaled);
        updateManagedFields(liveDeployment, o, {
          manager: 'kubectl-scale',
          apiVersion: 'apps/v1',
          time: T1,
          rootDefinition: DEPLOYMENT,
          lookup,
          resetFields: [['status']],
        });
        return o;
      },
    },
    {
      name: 'update deployment status',
      run: () => {
        const o = shallow(deploymentStatus);
        updateManagedFields(liveDeployment, o, {
          manager: 'kube-controller-manager',
          subresource: 'status',
          apiVersion: 'apps/v1',
          time: T1,
          rootDefinition: DEPLOYMENT,
          lookup,
          resetFields: [['spec']],
        });
        return o;
      },
    },
    {
      name: 'apply unchanged deployment',
      run: () =>
        serverSideApply(applied, config, {
          manager: 'kubectl',
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          time: T1,
          rootDefinition: DEPLOYMENT,
          lookup,
          resetFields: [['status']],
        }),
    },
  ];
}

function digest(o: KubeObject): string {
  return createHash('sha256')
    .update(JSON.stringify(o.metadata.managedFields ?? null))
    .digest('hex')
    .slice(0, 12);
}

function measure(c: Case): number {
  const warm = Math.max(200, ITERATIONS / 10);
  for (let i = 0; i < warm; i++) c.run();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const n = Math.ceil(ITERATIONS / 5);
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) c.run();
    const us = Number(process.hrtime.bigint() - start) / 1e3 / n;
    best = Math.min(best, us);
  }
  return best;
}

const all = cases().filter((c) => !ONLY || c.name.includes(ONLY));
for (const c of all) {
  const out = c.run();
  if (PRINT) console.log(JSON.stringify(out.metadata.managedFields, null, 1));
  const { managedFields: _mf, ...meta } = out.metadata;
  const bytes = JSON.stringify({ ...out, metadata: meta }).length;
  console.log(
    `${c.name.padEnd(28)} ${measure(c).toFixed(1).padStart(8)} µs/call  (object ${bytes} B + managedFields, digest ${digest(out)})`,
  );
}
