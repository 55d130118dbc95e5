import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { censorSecrets, TurnBufferedDestination } from '../src/logger.js';
import { capturedLogger } from './fixtures/logs.js';


describe('logger', () => {
  it('censors secret-named fields of an object-valued field', () => {
    const { logger, lines } = capturedLogger();
    logger.info({ headers: { authorization: 'Bearer abc', accept: 'json' }, body: { client_secret: 's3cret', value: 'v', name: 'n' } }, 'call');
    expect(lines[0]).toMatchObject({
      headers: { authorization: '[redacted]', accept: 'json' },
      body: { client_secret: '[redacted]', value: '[redacted]', name: 'n' },
      msg: 'call',
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/abc|s3cret/);
  });

  it('censors every secret field name it knows, whatever the vendor or header capitalisation', () => {
    const { logger, lines } = capturedLogger();
    logger.info({ headers: { Authorization: 'Bearer abc' }, body: { access_token: 'tok-1', token: 'tok-2', clientSecret: 'cs-1' } }, 'token');
    expect(lines[0]).toMatchObject({
      headers: { Authorization: '[redacted]' },
      body: { access_token: '[redacted]', token: '[redacted]', clientSecret: '[redacted]' },
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/abc|tok-1|tok-2|cs-1/);
  });

  it('leaves the caller’s object untouched and a flat line as it is', () => {
    const headers = { token: 't0k' };
    const line = { vendor: 'AUTH0', status: 200, headers };
    const out = censorSecrets(line);
    expect(out).toEqual({ vendor: 'AUTH0', status: 200, headers: { token: '[redacted]' } });
    expect(headers.token).toBe('t0k');
    const flat = { vendor: 'AUTH0', status: 200 };
    expect(censorSecrets(flat)).toBe(flat);
  });

  it('keeps errors serialised by pino with their message', () => {
    const { logger, lines } = capturedLogger();
    logger.error({ err: new Error('boom') }, 'failed');
    expect(lines[0]).toMatchObject({ err: { message: 'boom', type: 'Error' }, msg: 'failed' });
  });
});

describe('TurnBufferedDestination', () => {
  const sink = () => {
    const chunks: string[] = [];
    return { chunks, write: (chunk: string) => chunks.push(chunk) };
  };
  const nextTurn = () => new Promise((r) => setImmediate(r));

  it('writes the lines of one event-loop turn as one chunk, in order, on the next turn', async () => {
    const out = sink();
    const logger = pino({ base: null, timestamp: false }, new TurnBufferedDestination(out));
    logger.info('one');
    logger.info('two');
    expect(out.chunks).toEqual([]);
    await nextTurn();
    expect(out.chunks).toEqual(['{"level":30,"msg":"one"}\n{"level":30,"msg":"two"}\n']);
    logger.info('three');
    await nextTurn();
    expect(out.chunks).toHaveLength(2);
    expect(out.chunks[1]).toBe('{"level":30,"msg":"three"}\n');
  });

  it('writes what is pending at once when flushed (as on exit)', () => {
    const out = sink();
    const destination = new TurnBufferedDestination(out);
    destination.write('a\n');
    destination.flushSync();
    expect(out.chunks).toEqual(['a\n']);
    destination.flushSync();
    expect(out.chunks).toEqual(['a\n']);
  });
});
