/**
 * @module Test support for controllers: an in-process API server with a namespace, an informer factory on
 * it, and helpers that play scheduler and kubelet (bind a pod, report it Running and Ready).
 */
import assert from 'node:assert/strict';
import type { KubeClient } from '../../client/client.js';
import { SharedInformerFactory } from '../../client/informer/factory.js';
import { NAMESPACES, PODS, type Pod } from '../../client/resources.js';
import { startTestServer, type TestServer } from '../../client/testing.js';
import { rfc3339 } from '../../util/clock.js';
import { clientEventSink, EventRecorder } from './event-recorder.js';

export interface ControllerTestEnv {
  ts: TestServer;
  client: KubeClient;
  informers: SharedInformerFactory;
  namespace: string;
  recorder(component: string): EventRecorder;
  /** Starts the informers and waits for their caches. */
  startInformers(): Promise<void>;
  close(): Promise<void>;
}

/** An API server with namespace `namespace` (default 'test') and an informer factory over it. */
export async function startControllerTestEnv(namespace = 'test'): Promise<ControllerTestEnv> {
  const ts = await startTestServer();
  await ts.client.create(NAMESPACES, { metadata: { name: namespace } });
  const informers = new SharedInformerFactory(ts.client);
  const stop = new AbortController();
  const recorders: EventRecorder[] = [];
  return {
    ts,
    client: ts.client,
    informers,
    namespace,
    recorder(component) {
      const r = new EventRecorder({ sink: clientEventSink(ts.client), component });
      recorders.push(r);
      return r;
    },
    async startInformers() {
      informers.start(stop.signal);
      assert.ok(await informers.waitForCacheSync(stop.signal), 'informer caches did not sync');
    },
    async close() {
      stop.abort();
      await informers.shutdown();
      await Promise.all(recorders.map((r) => r.flush()));
      await ts.close();
    },
  };
}

/** Polls `pred` every 5 ms until it holds (or fails the test after `timeoutMs`). */
export async function until(
  what: string,
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface PodState {
  node?: string;
  phase?: 'Pending' | 'Running' | 'Unknown' | 'Succeeded' | 'Failed';
  /** RFC 3339 time the pod became Ready; absent: not ready. */
  readySince?: string;
  restarts?: number;
}

/** Binds the pod (if `node` is given and it is unbound) and writes its status as a kubelet would. */
export async function setPodState(client: KubeClient, pod: Pod, state: PodState): Promise<Pod> {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  let fresh = await client.get(PODS, name, { namespace: ns });
  if (state.node && !fresh.spec?.nodeName) {
    await client.bindPod(ns, name, state.node);
    fresh = await client.get(PODS, name, { namespace: ns });
  }
  const ready = state.readySince !== undefined;
  const now = rfc3339(new Date());
  fresh.status = {
    ...fresh.status,
    phase: state.phase ?? 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: state.readySince ?? now },
    ],
    containerStatuses: (fresh.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready,
      restartCount: state.restarts ?? 0,
      started: true,
      state: { running: { startedAt: now } },
    })),
  };
  return client.updateStatus(PODS, fresh);
}

/**
 * A stand-in for scheduler and kubelets: every `intervalMs` it binds unbound pods to `node`, reports them
 * Running and Ready, and completes graceful deletions. `paused` stops it from touching pods.
 */
export class FakeKubelet {
  paused = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly node = 'node-1',
    private readonly intervalMs = 10,
  ) {}

  start(): void {
    const tick = (): void => {
      this.running = this.step()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over the namespace's pods. */
  async step(): Promise<void> {
    if (this.paused) return;
    const { items } = await this.client.list(PODS, { namespace: this.namespace });
    await Promise.all(
      items.map(async (pod) => {
        const name = pod.metadata.name ?? '';
        try {
          if (pod.metadata.deletionTimestamp) {
            await this.client.delete(PODS, name, { namespace: this.namespace, gracePeriodSeconds: 0 });
            return;
          }
          const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
          if (!ready)
            await setPodState(this.client, pod, { node: this.node, readySince: rfc3339(new Date()) });
        } catch {
          // raced with a delete or another write; next pass
        }
      }),
    );
  }
}
