import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CancelGroup } from '../../src/http/cancel-group.js';
import { CancelledExchange, send, UnsentExchange } from '../../src/http/send.js';

/** A loopback server: `/json` answers at once (in two chunks), `/slow` after 300 ms, `/multi` with a repeated header. */
let server: Server;
let origin: string;
const received: string[] = [];
let pool: Pool;

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    if (req.url === '/slow') {
      const timer = setTimeout(() => res.end('{"late":true}'), 300);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (req.url === '/drop') return req.socket.destroy();
    if (req.url === '/multi') {
      res.setHeader('Set-Cookie', ['a=1', 'b=2', 'c=3']);
      res.setHeader('X-Vendor-Trace', 'abc');
      res.setHeader('Constructor', 'odd but legal');
      return res.end();
    }
    res.writeHead(req.url === '/json' ? 200 : 429, { 'content-type': 'application/json', 'retry-after': '7' });
    res.write('{"items":[1,');
    res.end('2,3],"name":"zürich"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(async () => {
  await pool?.close();
  received.length = 0;
});

describe('send', () => {
  it('returns the status, the parsed headers and the whole body as text', async () => {
    pool = new Pool(origin, { connections: 1 });
    const res = await send(pool, { method: 'GET', path: '/json' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.text)).toEqual({ items: [1, 2, 3], name: 'zürich' });
  });

  it('reads an answer up to its byte limit, and cuts one past it off, keeping its status and headers', async () => {
    pool = new Pool(origin, { connections: 1 });
    const whole = await send(pool, { method: 'GET', path: '/json' }, undefined, 34);
    expect(JSON.parse(whole.text)).toEqual({ items: [1, 2, 3], name: 'zürich' });
    expect(whole.cutAt).toBeUndefined();
    const cut = await send(pool, { method: 'GET', path: '/json' }, undefined, 33);
    expect({ status: cut.status, text: cut.text, cutAt: cut.cutAt }).toEqual({ status: 200, text: '', cutAt: 33 });
    const refused = await send(pool, { method: 'GET', path: '/busy' }, undefined, 10);
    expect({ status: refused.status, retryAfter: refused.headers['retry-after'], cutAt: refused.cutAt }).toEqual({ status: 429, retryAfter: '7', cutAt: 10 });
  });

  it('returns error statuses as answers, with their headers', async () => {
    pool = new Pool(origin, { connections: 1 });
    const res = await send(pool, { method: 'POST', path: '/busy', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(received).toEqual(['POST /busy']);
  });

  it('names headers in lower case, gathers a repeated header’s values, and inherits no names', async () => {
    pool = new Pool(origin, { connections: 1 });
    const res = await send(pool, { method: 'GET', path: '/multi' });
    expect(res.headers['x-vendor-trace']).toBe('abc');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2', 'c=3']);
    expect(res.headers['constructor']).toBe('odd but legal');
    expect(res.text).toBe('');
  });

  it('rejects with the group’s reason, marked as sent, when cancelled mid-exchange', async () => {
    pool = new Pool(origin, { connections: 1 });
    const group = new CancelGroup();
    const pending = send(pool, { method: 'GET', path: '/slow' }, group);
    // Mid-exchange: once the server has the request (not after a guessed time), and well before its answer.
    while (received.length === 0) await sleep(5);
    group.cancel(new DOMException('deadline', 'TimeoutError'));
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledExchange);
    expect(err).toMatchObject({ name: 'AbortError', sent: true, reason: { name: 'TimeoutError' } });
    expect(received).toEqual(['GET /slow']);
  });

  it('leaves the group once answered, so a later cancel reaches nothing', async () => {
    pool = new Pool(origin, { connections: 1 });
    const group = new CancelGroup();
    const res = await send(pool, { method: 'GET', path: '/json' }, group);
    group.cancel(new Error('too late'));
    expect(res.status).toBe(200);
  });

  it('fails at once when aborted while queued behind a busy connection, and never sends', async () => {
    pool = new Pool(origin, { connections: 1 });
    const settled: string[] = [];
    const first = send(pool, { method: 'GET', path: '/slow' }).then(() => settled.push('first answered'));
    const controller = new AbortController();
    const queued = send(pool, { method: 'GET', path: '/json' }, CancelGroup.of(controller.signal)).catch((err: CancelledExchange) =>
      settled.push(`queued ${err.name}, sent: ${err.sent}`),
    );
    await sleep(50);
    controller.abort();
    await Promise.all([first, queued]);
    // Failed when aborted, not when /slow freed the connection.
    expect(settled).toEqual(['queued AbortError, sent: false', 'first answered']);
    await sleep(20);
    expect(received).toEqual(['GET /slow']);
  });

  it('rejects a failure before the request reached a socket as unsent, with its code, and a later one with undici’s own error', async () => {
    pool = new Pool(origin, { connections: 1 });
    await pool.close();
    const closed = await send(pool, { method: 'POST', path: '/json', body: '{}' }).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(UnsentExchange);
    expect(closed).toMatchObject({ code: 'UND_ERR_DESTROYED' });
    const refused = await send(new Pool('http://127.0.0.1:1'), { method: 'POST', path: '/json', body: '{}' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnsentExchange);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    pool = new Pool(origin, { connections: 1 });
    const dropped = await send(pool, { method: 'POST', path: '/drop', body: '{}' }).catch((e: unknown) => e);
    expect(dropped).not.toBeInstanceOf(UnsentExchange);
    expect(dropped).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(received).toEqual(['POST /drop']);
  });

  it('does not send when the group is already cancelled', async () => {
    pool = new Pool(origin, { connections: 1 });
    await expect(send(pool, { method: 'GET', path: '/json' }, CancelGroup.of(AbortSignal.abort()))).rejects.toMatchObject({ name: 'AbortError', sent: false });
    expect(received).toEqual([]);
  });
});
