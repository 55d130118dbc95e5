import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createRequestScope, LiveScopes, watchResponse, watchSignal, type ClientWatch } from '../src/request-scope.js';

const caller = { name: 'alice', via: 'api-key' as const, grants: [] };
const scopeWith = (client: ClientWatch, timeoutMs = 5_000) =>
  createRequestScope({ requestId: 'r1', caller, client, timeoutMs, logger: silentLogger, serviceName: 'gw' });
const scopeOf = (clientSignal: AbortSignal, timeoutMs = 5_000) => scopeWith(watchSignal(clientSignal), timeoutMs);
const nodeResponse = () => new ServerResponse(new IncomingMessage(new Socket()));

describe('createRequestScope', () => {
  it('aborts with a TimeoutError once the request deadline passes', async () => {
    const { scope } = scopeOf(new AbortController().signal, 30);
    const signal = scope.signal!;
    expect(signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });

  it('is cancelled at once, before any call, when its deadline had passed by its first call', () => {
    const { scope } = scopeOf(new AbortController().signal, -1);
    expect(scope.cancellation!.cancelled).toBe(true);
    expect((scope.signal!.reason as Error).name).toBe('TimeoutError');
  });

  it('aborts when the client goes away, with the client’s reason', () => {
    const client = new AbortController();
    const { scope } = scopeOf(client.signal);
    const signal = scope.signal!;
    client.abort(new Error('gone'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('gone');
  });

  it('once told to outlive its client, is not aborted by the client going away, only by the deadline', async () => {
    const client = new AbortController();
    const { scope } = scopeOf(client.signal, 30);
    scope.outliveClient!();
    const signal = scope.signal!;
    client.abort(new Error('gone'));
    expect(signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
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

  it('aborts when the Node response closes before release, as an AbortError', () => {
    const res = nodeResponse();
    const { scope } = scopeWith(watchResponse(res));
    const signal = scope.signal!;
    res.emit('close');
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('AbortError');
  });

  it('is cancelled when the connection of a pipelined response still waiting for the socket closes', () => {
    const socket = new Socket();
    const res = new ServerResponse(new IncomingMessage(socket)); // never given the socket
    const { scope } = scopeWith(watchResponse(res));
    const signal = scope.signal!;
    socket.emit('close');
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('AbortError');
  });

  it('is cancelled at once when the Node response had already closed', () => {
    const res = nodeResponse();
    res.destroy();
    const { scope } = scopeWith(watchResponse(res));
    expect(scope.cancellation!.cancelled).toBe(true);
  });

  it('stops watching the Node response on release: its normal close cancels nothing', () => {
    const res = nodeResponse();
    const { scope, release } = scopeWith(watchResponse(res));
    const signal = scope.signal!;
    expect(res.listenerCount('close')).toBe(1);
    release();
    expect(res.listenerCount('close')).toBe(0);
    res.emit('close');
    expect(signal.aborted).toBe(false);
  });

  it('watches nothing until an upstream call needs the cancellation', () => {
    const res = nodeResponse();
    scopeWith(watchResponse(res));
    expect(res.listenerCount('close')).toBe(0);
  });

  it('gives the same signal every time and records the caller as operator', () => {
    const { scope } = scopeOf(new AbortController().signal);
    expect(scope.signal).toBe(scope.signal);
    expect(scope).toMatchObject({ requestId: 'r1', caller: 'alice', operator: 'alice' });
    expect(scope.deadline).toBeGreaterThan(Date.now());
  });
});

describe('LiveScopes (a shutdown cutting off what still runs)', () => {
  const shuttingDown = new DOMException('The gateway is shutting down', 'AbortError');
  const liveScope = (live: LiveScopes) =>
    createRequestScope({ requestId: 'r1', caller, client: watchSignal(new AbortController().signal), timeoutMs: 5_000, logger: silentLogger, serviceName: 'gw', live });

  it('cancels every scope that outlives its client with the reason given, and leaves the others to their clients', () => {
    const live = new LiveScopes();
    const query = liveScope(live);
    const mutation = liveScope(live);
    mutation.scope.outliveClient!();
    const querySignal = query.scope.signal!;
    const mutationSignal = mutation.scope.signal!;
    expect(live.size).toBe(1);
    live.cutOff(shuttingDown);
    expect(mutationSignal.reason).toBe(shuttingDown);
    expect(querySignal.aborted).toBe(false);
  });

  it('cancels at once, before anything is sent, a scope cut off before its first call', () => {
    const live = new LiveScopes();
    const { scope } = liveScope(live);
    scope.outliveClient!();
    live.cutOff(shuttingDown);
    expect(scope.cancellation!.cancelled).toBe(true);
    expect(scope.signal!.reason).toBe(shuttingDown);
  });

  it('forgets a scope once released: it is neither held nor cancelled', () => {
    const live = new LiveScopes();
    const { scope, release } = liveScope(live);
    scope.outliveClient!();
    const signal = scope.signal!;
    expect(live.size).toBe(1);
    release();
    expect(live.size).toBe(0);
    live.cutOff(shuttingDown);
    expect(signal.aborted).toBe(false);
  });
});
