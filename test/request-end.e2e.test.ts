import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { upstreamLogs } from './fixtures/faults.js';
import { startHarness, type Harness } from './fixtures/harness.js';

/**
 * HTTP/1.1 pipelining: Node gives a response the socket only once the one before it on the
 * connection is out. A client that hangs up before then must still end that request for the gateway.
 */
const SLOW = JSON.stringify({ query: '{ credentials(filter: { vendors: [VAULT] }) { totalCount } }' });
const FAST = JSON.stringify({ query: '{ __typename }' });
const raw = (body: string, requestId = '') =>
  `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${requestId && `X-Request-Id: ${requestId}\r\n`}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pipeline(h: Harness, requests: string): Promise<Socket> {
  const socket = connect(Number(new URL(h.gateway.url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  socket.write(requests);
  return socket;
}

const requestLines = (h: Harness) => h.logs.map((l) => JSON.parse(l) as { msg: string; requestId: string; outcome: string }).filter((l) => l.msg === 'request');

describe('a pipelined request whose client hangs up before its turn', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      accounts: { auth0: ['auth0-prod'] },
      config: { requestTimeoutMs: 1_000, limits: { admission: { adaptive: false, max: 2, maxQueued: 0 } } },
    });
  });
  afterAll(() => h.close());

  it('gives back its admission slot, and is logged', async () => {
    const vault = h.sim('vault-sandbox');
    vault.setLatency(10_000);
    const socket = await pipeline(h, raw(SLOW) + raw(FAST));
    await sleep(300);
    socket.destroy();
    await sleep(2_500);
    vault.setLatency(300);
    const post = () => h.post(SLOW).then((r) => r.status);
    // Before: the second slot stayed with the pipelined request for good, and the other was refused 503.
    expect(await Promise.all([post(), post()])).toEqual([200, 200]);
    expect(requestLines(h)).toHaveLength(4);
  });
});

describe('a pipelined request whose client hangs up before its turn, while its upstream call runs', () => {
  it('has the call cancelled at once, and is no longer in flight for shutdown', async () => {
    // A deadline far off: only the client going away cancels the calls in time.
    const h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { requestTimeoutMs: 20_000 } });
    try {
      h.sim('vault-sandbox').setLatency(10_000);
      const socket = await pipeline(h, raw(SLOW, 'first') + raw(SLOW, 'queued'));
      await vi.waitFor(() => expect(h.sim('vault-sandbox').apiRequests()).toHaveLength(2), { timeout: 2_000 });
      socket.destroy();
      await vi.waitFor(() => expect(upstreamLogs(h, 'queued').map((l) => l.status)).toContain('cancelled'), { timeout: 2_000 });
      await vi.waitFor(() => expect(requestLines(h).map((l) => [l.requestId, l.outcome])).toContainEqual(['queued', 'cancelled']), { timeout: 2_000 });
      // Nothing left in flight: shutdown does not wait out its grace.
      const started = Date.now();
      await h.gateway.close(5_000);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(h.logs.some((l) => l.includes('shutdown deadline passed'))).toBe(false);
    } finally {
      await h.close();
    }
  });
});
