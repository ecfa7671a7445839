/** @module Table cells shared by the workload kinds: selectors, template containers and images. */
import { LabelSelectorError, selectorFromLabelSelector } from '../../labels.js';
import type { KubeObject } from '../../object.js';
import type { TableColumn } from '../../resource.js';
import { column, containerCells } from '../table-helpers.js';
import { asObj } from './workload-helpers.js';

function selectorText(sel: unknown): string | undefined {
  try {
    return selectorFromLabelSelector(asObj(sel) ?? null).toString();
  } catch (err) {
    if (err instanceof LabelSelectorError) return undefined;
    throw err;
  }
}

/** A metav1.LabelSelector as its selector string, "<invalid>" when it cannot be converted (Deployment's wide cell). */
export function formatSelectorString(sel: unknown): string {
  return selectorText(sel) ?? '<invalid>';
}

/** Upstream's metav1.FormatLabelSelector: the selector string, "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelectorCell(sel: unknown): string {
  const s = selectorText(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** The wide CONTAINERS and IMAGES columns of a kind whose pod spec `podSpec` returns. */
export function templateColumns(podSpec: (o: KubeObject) => unknown): TableColumn[] {
  return [
    column('Containers', (o) => containerCells(podSpec(o)).names, {
      priority: 1,
      description: 'Names of each container in the template.',
    }),
    column('Images', (o) => containerCells(podSpec(o)).images, {
      priority: 1,
      description: 'Images referenced by each container in the template.',
    }),
  ];
}

/** The pod spec inside `spec.template` of a workload. */
export function templatePodSpec(o: KubeObject): unknown {
  return asObj(asObj(asObj(o.spec)?.template)?.spec);
}
