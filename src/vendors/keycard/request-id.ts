import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { UpstreamRequest } from '../../http/client.js';

/**
 * Gives one upstream call Keycard's optional `X-Client-Request-ID` correlation header: a fresh
 * UUID per call, also written on the call's log line so a vendor-side trace can be matched to
 * ours. (The HttpClient's single retry after a 401 is the same logical call and keeps the id.)
 */
export function withClientRequestId<S extends z.ZodType>(req: UpstreamRequest<S>): UpstreamRequest<S> {
  const id = randomUUID();
  return { ...req, headers: { ...req.headers, 'X-Client-Request-ID': id }, log: { ...req.log, clientRequestId: id } };
}
