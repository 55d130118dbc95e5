import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { censorSecrets, createLogger } from '../src/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('logger', () => {
  it('censors secret-named fields of an object-valued field', () => {
    const { logger, lines } = capture();
    logger.info({ headers: { authorization: 'Bearer abc', accept: 'json' }, body: { client_secret: 's3cret', value: 'v', name: 'n' } }, 'call');
    expect(lines[0]).toMatchObject({
      headers: { authorization: '[redacted]', accept: 'json' },
      body: { client_secret: '[redacted]', value: '[redacted]', name: 'n' },
      msg: 'call',
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/abc|s3cret/);
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
    const { logger, lines } = capture();
    logger.error({ err: new Error('boom') }, 'failed');
    expect(lines[0]).toMatchObject({ err: { message: 'boom', type: 'Error' }, msg: 'failed' });
  });
});
