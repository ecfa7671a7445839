/**
 * @module The outcome of a plugin call (upstream's framework.Status): a code, reasons a user can read,
 * and the plugin that produced it. Plugins return a Status for every expected outcome and never throw.
 */

export enum Code {
  /** The plugin ran and the pod may proceed. */
  Success = 0,
  /** An internal error or unexpected input; the pod is retried with back-off. */
  Error = 1,
  /** The pod does not fit now; preemption might help. */
  Unschedulable = 2,
  /** The pod does not fit and preemption would not help (e.g. node affinity mismatch). */
  UnschedulableAndUnresolvable = 3,
  /** A Permit plugin wants the pod to wait. */
  Wait = 4,
  /** The plugin has nothing to do for this pod; its later extension points are skipped for the cycle. */
  Skip = 5,
  /** The pod waits for something outside the scheduler (e.g. a PreEnqueue gate). */
  Pending = 6,
}

const CODE_NAMES: Record<Code, string> = {
  [Code.Success]: 'Success',
  [Code.Error]: 'Error',
  [Code.Unschedulable]: 'Unschedulable',
  [Code.UnschedulableAndUnresolvable]: 'UnschedulableAndUnresolvable',
  [Code.Wait]: 'Wait',
  [Code.Skip]: 'Skip',
  [Code.Pending]: 'Pending',
};

export class Status {
  private constructor(
    readonly code: Code,
    readonly reasons: readonly string[],
    /** The plugin that produced it (set by the framework runner when absent). */
    public plugin: string,
    readonly error?: Error,
  ) {}

  private static readonly SUCCESS = new Status(Code.Success, [], '');

  /** The shared success status (never mutate it; the runner does not stamp plugin names on success). */
  static success(): Status {
    return Status.SUCCESS;
  }

  static of(code: Code, ...reasons: string[]): Status {
    return new Status(code, reasons, '');
  }

  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons, '');
  }

  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons, '');
  }

  static skip(): Status {
    return new Status(Code.Skip, [], '');
  }

  static error(err: Error | string): Status {
    const e = typeof err === 'string' ? new Error(err) : err;
    return new Status(Code.Error, [e.message], '', e);
  }

  /** A copy naming its plugin. */
  withPlugin(plugin: string): Status {
    if (this.plugin === plugin) return this;
    return new Status(this.code, this.reasons, plugin, this.error);
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  /** Unschedulable or UnschedulableAndUnresolvable. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  /** The reasons joined as upstream's Status.Message(). */
  message(): string {
    return this.reasons.join(', ');
  }

  toString(): string {
    const m = this.message();
    return m ? `${CODE_NAMES[this.code]}: ${m}` : CODE_NAMES[this.code];
  }
}
