import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../object.js';
import { createErrors, created, row, TEST_NOW, updated } from '../apps/strategy-testing.js';
import { eventFromCore, events, eventSelectableFields, eventToCore } from './event.js';

function ev(fields: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web-1.17f3a', namespace: 'default' },
    eventTime: '2025-01-01T11:59:00.000000Z',
    regarding: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
    reason: 'Pulled',
    note: 'Successfully pulled image "nginx"  ',
    type: 'Normal',
    action: 'Pull',
    reportingController: 'kubelet',
    reportingInstance: 'node-1',
    ...fields,
  };
}

describe('events.k8s.io Event', () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a kubelet event', {}, []],
    ['a missing eventTime', { eventTime: undefined }, ['eventTime: Required value']],
    ['an unknown type', { type: 'Info' }, ['type: Invalid value: "": has invalid value: Info']],
    [
      'missing reporting fields',
      { reportingController: '', reportingInstance: '', action: '', reason: '' },
      [
        'reportingController: Required value',
        'reportingController: Invalid value: "": name part must be non-empty',
        "reportingController: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        'reportingInstance: Required value',
        'action: Required value',
        'reason: Required value',
      ],
    ],
    [
      'a long note',
      { note: 'x'.repeat(1025) },
      ['message: Invalid value: "": can have at most 1024 characters'],
    ],
    ['deprecated fields', { deprecatedCount: 3 }, ['deprecatedCount: Invalid value: "": needs to be unset']],
    [
      'a series with one occurrence',
      { series: { count: 1, lastObservedTime: '2025-01-01T11:59:30.000000Z' } },
      ['series.count: Invalid value: "": should be at least 2'],
    ],
    [
      'a regarding object in another namespace context',
      { metadata: { name: 'n.1', namespace: 'web' }, regarding: { kind: 'Node', name: 'node-1' } },
      ['involvedObject.namespace: Invalid value: "": does not match event.namespace'],
    ],
  ];
  for (const [name, fields, want] of cases) {
    it(`validates ${name}`, () => assert.deepEqual(createErrors(events, ev(fields)), want));
  }

  it('lets only the series change on update', () => {
    const old = created(events, ev());
    const ok = structuredClone(old);
    ok.series = { count: 2, lastObservedTime: '2025-01-01T11:59:30.000000Z' };
    assert.deepEqual(updated(events, ok, old).errors, []);
    const bad = structuredClone(old);
    bad.note = 'changed';
    assert.deepEqual(updated(events, bad, old).errors, [
      'message: Invalid value: "changed": field is immutable',
    ]);
  });

  it('prints LAST SEEN TYPE REASON OBJECT MESSAGE, and the wide columns', () => {
    const e = created(events, ev());
    assert.deepEqual(row(events, e), {
      'Last Seen': '60s',
      Type: 'Normal',
      Reason: 'Pulled',
      Object: 'pod/web-1',
      Message: 'Successfully pulled image "nginx"',
    });
    const series = created(
      events,
      ev({ series: { count: 4, lastObservedTime: new Date(TEST_NOW.getTime() - 5000).toISOString() } }),
    );
    assert.deepEqual(row(events, series, true), {
      'Last Seen': '5s',
      Type: 'Normal',
      Reason: 'Pulled',
      Object: 'pod/web-1',
      Subobject: 'spec.containers{nginx}',
      Source: 'kubelet, node-1',
      Message: 'Successfully pulled image "nginx"',
      'First Seen': '60s',
      Count: 4,
      Name: 'web-1.17f3a',
    });
  });
});

describe('events.k8s.io Event conversion to and from core/v1', () => {
  const core: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web-1.17f3a', namespace: 'default', uid: 'u-1', resourceVersion: '7' },
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
    reason: 'Pulled',
    message: 'pulled',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2025-01-01T11:59:00Z',
    lastTimestamp: '2025-01-01T12:00:00Z',
    count: 3,
    type: 'Normal',
    eventTime: '2025-01-01T11:59:00.000000Z',
    series: { count: 3, lastObservedTime: '2025-01-01T12:00:00.000000Z' },
    action: 'Pull',
    related: { kind: 'Node', name: 'node-1' },
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  };
  const converted: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: core.metadata,
    regarding: core.involvedObject,
    reason: 'Pulled',
    note: 'pulled',
    deprecatedSource: core.source,
    deprecatedFirstTimestamp: '2025-01-01T11:59:00Z',
    deprecatedLastTimestamp: '2025-01-01T12:00:00Z',
    deprecatedCount: 3,
    type: 'Normal',
    eventTime: '2025-01-01T11:59:00.000000Z',
    series: core.series,
    action: 'Pull',
    related: core.related,
    reportingController: 'kubelet',
    reportingInstance: 'node-1',
  };

  it('renames every field whose name differs and keeps the rest', () => {
    assert.deepEqual(eventFromCore(core), converted);
    assert.deepEqual(eventToCore(converted), core);
  });

  it('round-trips both ways without touching its input', () => {
    const before = structuredClone(core);
    assert.deepEqual(eventToCore(eventFromCore(core)), core);
    assert.deepEqual(eventFromCore(eventToCore(converted)), converted);
    assert.deepEqual(core, before);
  });

  it('leaves absent fields absent', () => {
    const sparse: KubeObject = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'x' }, reason: 'R' };
    assert.deepEqual(eventFromCore(sparse), sparse);
    assert.deepEqual(eventToCore(sparse), sparse);
  });

  it('selects on regarding.*, reportingController, source, reason and type', () => {
    assert.deepEqual(eventSelectableFields(converted), {
      'regarding.kind': 'Pod',
      'regarding.namespace': 'default',
      'regarding.name': 'web-1',
      'regarding.uid': '',
      'regarding.apiVersion': '',
      'regarding.resourceVersion': '',
      'regarding.fieldPath': 'spec.containers{nginx}',
      reason: 'Pulled',
      reportingController: 'kubelet',
      source: 'kubelet',
      type: 'Normal',
    });
    assert.equal(eventSelectableFields({ ...converted, deprecatedSource: {} }).source, 'kubelet');
  });
});
