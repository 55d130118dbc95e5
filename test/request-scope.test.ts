import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createRequestScope } from '../src/request-scope.js';

const caller = { name: 'alice', via: 'api-key' as const, grants: [] };
const scopeOf = (clientSignal: AbortSignal, timeoutMs = 5_000) =>
  createRequestScope({ requestId: 'r1', caller, clientSignal, timeoutMs, logger: silentLogger, serviceName: 'gw' });

describe('createRequestScope', () => {
  it('aborts with a TimeoutError once the request deadline passes', async () => {
    const { scope } = scopeOf(new AbortController().signal, 30);
    const signal = scope.signal!;
    expect(signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });

  it('aborts when the client goes away, with the client’s reason', () => {
    const client = new AbortController();
    const { scope } = scopeOf(client.signal);
    const signal = scope.signal!;
    client.abort(new Error('gone'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('gone');
  });

  it('after release, neither the deadline nor the client aborts it', async () => {
    const client = new AbortController();
    const { scope, release } = scopeOf(client.signal, 30);
    const signal = scope.signal!;
    release();
    await new Promise((r) => setTimeout(r, 60));
    client.abort();
    expect(signal.aborted).toBe(false);
  });

  it('cancels what joined its cancellation when the deadline passes, and its signal with it', async () => {
    const { scope } = scopeOf(new AbortController().signal, 30);
    const reasons: unknown[] = [];
    scope.cancellation!.add({ cancel: (reason) => reasons.push(reason) });
    await new Promise((r) => setTimeout(r, 60));
    expect(reasons).toHaveLength(1);
    expect((reasons[0] as Error).name).toBe('TimeoutError');
    expect(scope.signal!.aborted).toBe(true);
  });

  it('gives the same signal every time and records the caller as operator', () => {
    const { scope } = scopeOf(new AbortController().signal);
    expect(scope.signal).toBe(scope.signal);
    expect(scope).toMatchObject({ requestId: 'r1', caller: 'alice', operator: 'alice' });
    expect(scope.deadline).toBeGreaterThan(Date.now());
  });
});
