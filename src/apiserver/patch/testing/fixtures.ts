/** @module Hand-written OpenAPI v3 fixture definitions for the patch engine and field manager tests. */
import type { SchemaLookup } from '../schema.js';

const ref = (name: string): Record<string, unknown> => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' };
const int = { type: 'integer', format: 'int32' };

/** `test.Widget`: one field per patch behaviour; `test.Part` is the element type of its lists. */
export const FIXTURE_DEFINITIONS: Record<string, Record<string, unknown>> = {
  'test.Widget': {
    type: 'object',
    properties: {
      apiVersion: str,
      kind: str,
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'),
      name: str,
      value: str,
      other: str,
      count: int,
      parts: {
        type: 'array',
        items: ref('test.Part'),
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      },
      plainParts: { type: 'array', items: ref('test.Part') },
      tags: {
        type: 'array',
        items: str,
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-list-type': 'set',
      },
      numbers: { type: 'array', items: int, 'x-kubernetes-patch-strategy': 'merge' },
      plainNumbers: { type: 'array', items: int },
      labels: { type: 'object', additionalProperties: str },
      selector: { allOf: [ref('test.Selector')] },
      union: { allOf: [ref('test.Union')], 'x-kubernetes-patch-strategy': 'retainKeys' },
      unionParts: {
        type: 'array',
        items: ref('test.Union'),
        'x-kubernetes-patch-strategy': 'merge,retainKeys',
        'x-kubernetes-patch-merge-key': 'name',
      },
      replaced: { type: 'object', additionalProperties: str, 'x-kubernetes-patch-strategy': 'replace' },
      ports: {
        type: 'array',
        items: ref('test.Port'),
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'port',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['port', 'protocol'],
      },
      spec: ref('test.WidgetSpec'),
      status: ref('test.WidgetStatus'),
      extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
  'test.Part': {
    type: 'object',
    required: ['name'],
    properties: {
      name: str,
      value: str,
      other: str,
      parts: {
        type: 'array',
        items: ref('test.Part'),
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'name',
      },
      numbers: { type: 'array', items: int, 'x-kubernetes-patch-strategy': 'merge' },
      plainNumbers: { type: 'array', items: int },
    },
  },
  'test.Union': {
    type: 'object',
    properties: {
      name: str,
      value: str,
      other: str,
      numbers: { type: 'array', items: int, 'x-kubernetes-patch-strategy': 'merge' },
      labels: { type: 'object', additionalProperties: str },
    },
  },
  'test.Selector': {
    type: 'object',
    properties: { matchLabels: { type: 'object', additionalProperties: str }, expression: str },
    'x-kubernetes-map-type': 'atomic',
  },
  'test.Port': {
    type: 'object',
    required: ['port'],
    properties: { port: int, protocol: { type: 'string', default: 'TCP' }, name: str },
  },
  'test.WidgetSpec': {
    type: 'object',
    required: ['parts'],
    properties: {
      replicas: int,
      parts: {
        type: 'array',
        items: ref('test.Part'),
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      },
      template: ref('test.Template'),
    },
  },
  'test.Template': {
    type: 'object',
    properties: { labels: { type: 'object', additionalProperties: str }, image: str },
  },
  'test.WidgetStatus': { type: 'object', properties: { ready: int, phase: str } },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    type: 'object',
    properties: {
      name: str,
      namespace: str,
      uid: str,
      resourceVersion: str,
      generation: { type: 'integer', format: 'int64' },
      creationTimestamp: { type: 'string', format: 'date-time' },
      labels: { type: 'object', additionalProperties: str },
      annotations: { type: 'object', additionalProperties: str },
      finalizers: {
        type: 'array',
        items: str,
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-list-type': 'set',
      },
      managedFields: {
        type: 'array',
        items: { type: 'object', 'x-kubernetes-map-type': 'atomic' },
        'x-kubernetes-list-type': 'atomic',
      },
    },
  },
};

/** Looks names up in {@link FIXTURE_DEFINITIONS}. */
export const fixtureLookup: SchemaLookup = (name) =>
  Object.hasOwn(FIXTURE_DEFINITIONS, name) ? FIXTURE_DEFINITIONS[name] : undefined;

export const WIDGET = 'test.Widget';
