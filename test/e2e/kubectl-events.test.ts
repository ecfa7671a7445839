/**
 * @module End-to-end: core/v1 and events.k8s.io/v1 Events are one storage, driven by the real kubectl: an
 * Event written through either API is read, listed, described, watched and deleted through the other.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, skiffForFile } from './harness.js';

const skiff = skiffForFile({ apiOnly: true });

type Json = Record<string, any>;

async function getJson(args: string[]): Promise<Json> {
  return JSON.parse(await skiff.kubectlOk([...args, '-o', 'json'])) as Json;
}

const NEW_API = 'events.v1.events.k8s.io';

async function createPod(name: string): Promise<string> {
  await skiff.kubectlOk(['run', name, '--image', 'nginx', '--restart', 'Never']);
  return (await getJson(['get', 'pod', name])).metadata.uid as string;
}

describe('core/v1 and events.k8s.io/v1 Events share one storage', () => {
  test('a core Event created with kubectl reads back converted through events.k8s.io/v1', async () => {
    const uid = await createPod('web-core');
    const manifest = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-core.pulled', namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web-core', namespace: 'default', uid },
      reason: 'Pulled',
      message: 'Pulled image "nginx"',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2025-01-01T12:00:00Z',
      lastTimestamp: '2025-01-01T12:05:00Z',
      count: 4,
      type: 'Normal',
    };
    await skiff.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(manifest) });
    const core = await getJson(['get', 'event', 'web-core.pulled']);
    const ev = await getJson(['get', NEW_API, 'web-core.pulled']);
    assert.equal(ev.apiVersion, 'events.k8s.io/v1');
    assert.equal(ev.metadata.uid, core.metadata.uid);
    assert.equal(ev.metadata.resourceVersion, core.metadata.resourceVersion);
    assert.deepEqual(ev.regarding, manifest.involvedObject);
    assert.equal(ev.note, manifest.message);
    assert.deepEqual(ev.deprecatedSource, manifest.source);
    assert.equal(ev.deprecatedFirstTimestamp, manifest.firstTimestamp);
    assert.equal(ev.deprecatedLastTimestamp, manifest.lastTimestamp);
    assert.equal(ev.deprecatedCount, 4);
    for (const coreOnly of [
      'involvedObject',
      'message',
      'source',
      'firstTimestamp',
      'lastTimestamp',
      'count',
    ]) {
      assert.equal(ev[coreOnly], undefined, coreOnly);
    }
    const yaml = await skiff.kubectlOk(['get', NEW_API, 'web-core.pulled', '-o', 'yaml']);
    assert.match(yaml, /^apiVersion: events\.k8s\.io\/v1$/m);
    assert.match(yaml, /^note: Pulled image "nginx"$/m);
    assert.match(yaml, /^regarding:$/m);

    const rows = await skiff.kubectlOk(['get', NEW_API, '--field-selector', 'regarding.name=web-core']);
    assert.match(rows, /Pulled\s+pod\/web-core\s+Pulled image "nginx"/);
    const none = await skiff.kubectlOk(['get', NEW_API, '--field-selector', 'regarding.name=other']);
    assert.equal(none.trim(), '');
    // Each API selects on its own field names, as upstream.
    const wrong = await skiff.kubectl(['get', NEW_API, '--field-selector', 'involvedObject.name=web-core']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /field label not supported: involvedObject\.name/);
  });

  test('an events.k8s.io/v1 Event shows in kubectl get events and kubectl describe pod', async () => {
    const uid = await createPod('web-new');
    const manifest = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web-new.scheduled', namespace: 'default' },
      eventTime: new Date().toISOString().replace('Z', '000Z'),
      regarding: { apiVersion: 'v1', kind: 'Pod', name: 'web-new', namespace: 'default', uid },
      reason: 'Scheduled',
      note: 'Successfully assigned default/web-new to node-1',
      type: 'Normal',
      action: 'Binding',
      reportingController: 'default-scheduler',
      reportingInstance: 'default-scheduler-1',
    };
    await skiff.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(manifest) });
    const core = await getJson(['get', 'event', 'web-new.scheduled']);
    assert.equal(core.apiVersion, 'v1');
    assert.deepEqual(core.involvedObject, manifest.regarding);
    assert.equal(core.message, manifest.note);
    assert.equal(core.reportingComponent, 'default-scheduler');
    assert.equal(core.reportingInstance, 'default-scheduler-1');
    assert.equal(core.action, 'Binding');

    const list = await skiff.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=web-new']);
    assert.match(list, /Scheduled\s+pod\/web-new\s+Successfully assigned default\/web-new to node-1/);
    const describe = await skiff.kubectlOk(['describe', 'pod', 'web-new']);
    assert.match(
      describe,
      /Events:[\s\S]*Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web-new/,
    );
  });

  test('a delete through either API removes the Event from both', async () => {
    const base = {
      metadata: { namespace: 'default' },
      reason: 'Started',
      type: 'Normal',
    };
    await skiff.kubectlOk(['create', '-f', '-'], {
      input: JSON.stringify({
        ...base,
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { ...base.metadata, name: 'gone-1' },
        involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' },
      }),
    });
    await skiff.kubectlOk(['create', '-f', '-'], {
      input: JSON.stringify({
        ...base,
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { ...base.metadata, name: 'gone-2' },
        eventTime: '2025-01-01T12:00:00.000000Z',
        regarding: { kind: 'Pod', name: 'x', namespace: 'default' },
        action: 'Start',
        reportingController: 'kubelet',
        reportingInstance: 'node-1',
      }),
    });
    await skiff.kubectlOk(['delete', NEW_API, 'gone-1']);
    await skiff.kubectlOk(['delete', 'event', 'gone-2']);
    for (const name of ['gone-1', 'gone-2']) {
      for (const resource of ['event', NEW_API]) {
        const r = await skiff.kubectl(['get', resource, name]);
        assert.notEqual(r.code, 0, `${resource} ${name}`);
        assert.match(r.stderr, /NotFound/);
      }
    }
  });

  test('a watch through events.k8s.io/v1 sees a write through core/v1', async () => {
    const list = await getJson(['get', NEW_API]);
    const rv = list.metadata.resourceVersion as string;
    const abort = new AbortController();
    const res = await skiff.fetch(
      `/apis/events.k8s.io/v1/namespaces/default/events?watch=1&resourceVersion=${rv}&fieldSelector=regarding.name%3Dwatched`,
      { signal: abort.signal },
    );
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    const lines = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
    await skiff.kubectlOk(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'watched.1', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'watched', namespace: 'default' },
        reason: 'Killing',
        message: 'Stopping container',
        type: 'Normal',
      }),
    });
    await skiff.kubectlOk(['delete', 'event', 'watched.1']);
    const events = await eventually(async () => {
      const parsed = text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Json);
      return parsed.length >= 2 ? parsed : undefined;
    });
    abort.abort();
    await lines;
    assert.deepEqual(
      events.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name, e.object.note]),
      [
        ['ADDED', 'events.k8s.io/v1', 'watched.1', 'Stopping container'],
        ['DELETED', 'events.k8s.io/v1', 'watched.1', 'Stopping container'],
      ],
    );
  });
});
