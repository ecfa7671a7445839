/** @module DefaultBinder: binds a pod by POSTing its pods/binding subresource through the handle's client. */
import type { CycleState } from '../../framework/cycle-state.js';
import type { BindPlugin, Handle, PluginFactory } from '../../framework/interface.js';
import { Status } from '../../framework/status.js';
import type { Pod } from '../../framework/types.js';

export const NAME = 'DefaultBinder';

export class DefaultBinder implements BindPlugin {
  readonly name = NAME;

  constructor(private readonly handle: Handle) {}

  async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    try {
      await this.handle.client.bind(pod, nodeName);
      return Status.success();
    } catch (e) {
      return Status.error(e instanceof Error ? e : String(e));
    }
  }
}

export const newDefaultBinder: PluginFactory = (_args, handle) => new DefaultBinder(handle);
