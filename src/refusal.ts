/**
 * An answer refused before GraphQL runs (no credentials, a body too large, the gateway overloaded,
 * a caller over its budget): one error shaped as GraphQL's, with its code and the request id, and
 * the headers every such answer carries. Each caller adds its status and own headers.
 */
export function refusal(message: string, extensions: { code: string } & Record<string, unknown>, requestId: string): { body: string; headers: Record<string, string> } {
  return {
    body: JSON.stringify({ errors: [{ message, extensions: { ...extensions, requestId } }] }),
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': requestId },
  };
}

/** The 503 of a gateway with no room for the request now (admission's queue, the bodies held): retry in a second. */
export function overloaded(requestId: string): { body: string; headers: Record<string, string> } {
  const { body, headers } = refusal('the gateway is overloaded; retry shortly', { code: 'OVERLOADED' }, requestId);
  return { body, headers: { ...headers, 'retry-after': '1' } };
}
