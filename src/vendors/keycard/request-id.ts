import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { UpstreamRequest } from '../../http/client.js';

/**
 * Gives one upstream call Keycard's optional `X-Client-Request-ID` correlation header: a fresh
 * UUID per logical call, also written on the call's log line so a vendor-side trace can be matched
 * to ours. Every attempt of that call (retries, the one after a 401) carries the same id.
 */
export function withClientRequestId<S extends z.ZodType>(req: UpstreamRequest<S>): UpstreamRequest<S> {
  const id = randomUUID();
  return { ...req, headers: { ...req.headers, 'X-Client-Request-ID': id }, log: { ...req.log, clientRequestId: id } };
}
