import type { Context } from '../context.js';
import type { IdempotentCall } from '../idempotency/idempotency.js';

export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Any unique string (1-255 visible ASCII characters, no spaces). Repeating the mutation with the same key and input within ' +
  '24 hours returns the first outcome, if it was a success or an `UpstreamError` with `outcomeUnknown`, without calling the vendor again; ' +
  'after any other failure (safe to repeat) a retry with the key calls the vendor again. A concurrent duplicate waits for the first until its own deadline, ' +
  'then gets an `IdempotencyConflictError` (IN_PROGRESS).';

export const REPLAYED_DESCRIPTION =
  'True when this is the outcome of an earlier call with the same idempotency key, returned without calling the vendor: ' +
  'what was true then, which a later change may have overtaken (read the credential again for its state now).';

/**
 * Runs a mutation's upstream part at most once per caller and idempotency key; without a key it
 * simply runs. `onReplay` lets the audit record say that nothing was sent this time.
 */
export async function withIdempotencyKey<T>(
  ctx: Context,
  call: Pick<IdempotentCall, 'operation' | 'input' | 'publicInput' | 'source' | 'repeatable'> & { key: string | null | undefined; onReplay: () => void },
  run: () => Promise<T>,
): Promise<T> {
  if (call.key == null) return run();
  const { key, onReplay, ...rest } = call;
  // An API key and a token subject may share a name; they are still two callers.
  const caller = `${ctx.caller.via}:${ctx.caller.name}`;
  return ctx.idempotency.run({ ...rest, caller, key, deadline: ctx.scope.deadline, signal: ctx.scope.signal, requestId: ctx.scope.requestId }, run, onReplay);
}
