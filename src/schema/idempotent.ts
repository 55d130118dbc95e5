import type { Context } from '../context.js';

export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Any unique string (1-255 printable ASCII characters). Repeating the mutation with the same key and input within ' +
  '24 hours returns the first outcome without calling the vendor again; a concurrent duplicate waits for the first.';

/**
 * Runs a mutation's upstream part at most once per caller and idempotency key; without a key it
 * simply runs. `replayed` tells the audit record that nothing was sent this time.
 */
export async function once<T>(
  ctx: Context,
  operation: string,
  key: string | null | undefined,
  input: unknown,
  run: () => Promise<T>,
): Promise<{ value: T; replayed: boolean }> {
  if (key == null) return { value: await run(), replayed: false };
  return ctx.idempotency.run(
    { caller: ctx.caller.name, operation, key, input, deadline: ctx.scope.deadline, signal: ctx.scope.signal },
    run,
  );
}
