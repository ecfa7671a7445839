/** @module Error helpers shared by every layer. */

/** An error's message, or the thrown value as a string when it is not an Error. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
