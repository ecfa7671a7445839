/**
 * @module Finding the owners of an object among the objects of one informer that select pods (or other
 * dependents) by label: a controller reference resolved against the cache, and the selector matches used to
 * adopt orphans. Parsed selectors are cached per object (informer objects are immutable).
 */
import { selectorFromLabelSelector, type LabelSelector } from '../../api/labels.js';
import type { KubeObject } from '../../api/object.js';
import type { LabelSelector as LabelSelectorSpec } from '../../api/openapi/generated/types.js';
import { NAMESPACE_INDEX, type Store } from '../../client/informer/indexer.js';

/** An owner kind with a `spec.selector`. */
export type SelectingObject = KubeObject & { spec?: { selector?: LabelSelectorSpec } };

export class SelectorOwners<T extends SelectingObject> {
  private readonly selectors = new WeakMap<object, LabelSelector | null>();

  constructor(
    private readonly store: Store<T>,
    private readonly kind: string,
  ) {}

  /** The owner's parsed selector; null when it does not parse. */
  selectorOf(owner: T): LabelSelector | null {
    let s = this.selectors.get(owner);
    if (s === undefined) {
      try {
        s = selectorFromLabelSelector(owner.spec?.selector);
      } catch {
        s = null;
      }
      this.selectors.set(owner, s);
    }
    return s;
  }

  /** The owner a controller reference points at, if the cache has it with that uid. */
  resolveControllerRef(namespace: string, ref: { kind: string; name: string; uid: string }): T | undefined {
    if (ref.kind !== this.kind) return undefined;
    const owner = this.store.getByName(namespace, ref.name);
    return owner && owner.metadata.uid === ref.uid ? owner : undefined;
  }

  /** Owners in the dependent's namespace whose (non-empty) selector matches its labels. */
  selecting(dependent: KubeObject): T[] {
    const labels = dependent.metadata.labels;
    if (!labels) return [];
    return this.store.byIndex(NAMESPACE_INDEX, dependent.metadata.namespace ?? '').filter((owner) => {
      const sel = this.selectorOf(owner);
      return sel !== null && !sel.isEverything() && sel.matches(labels);
    });
  }
}
