import { describe, expect, it } from 'vitest';
import { redact } from '../../src/http/redact.js';

describe('redact: secrets out of a vendor message', () => {
  it('cuts every occurrence of a secret', () => expect(redact('bad key s3cr3t-KEY-1 (s3cr3t-KEY-1)', ['s3cr3t-KEY-1'])).toBe('bad key [redacted] ([redacted])'));

  it('cuts a secret the vendor quoted JSON-escaped', () => {
    const secret = 'line-one\nline-"two"';
    expect(redact(`rejected ${JSON.stringify(secret)}`, [secret])).toBe('rejected "[redacted]"');
  });

  it('cuts the longer of two secrets that begin alike whole, not just its beginning', () =>
    expect(redact('value tok_abcdefgh-and-more', ['tok_abcdefgh', 'tok_abcdefgh-and-more'])).toBe('value [redacted]'));

  it('withholds a message that still quotes eight characters of a secret in a row', () =>
    expect(redact('value starting "s3cr3t-va" is too weak', ['s3cr3t-value-123'])).toBe('[message withheld: it quoted part of a secret]'));

  it('withholds a message quoting a secret Go-escaped, hex- or URL-encoded, where no run of it is intact', () => {
    const secret = 'Xk9&mP2<qL5>vN8&wR4<tZ7>';
    const go = JSON.stringify(secret).replace(/[&<>]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
    const hex = secret.replace(/[&<>]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
    for (const quoted of [`invalid body: {"value":${go}}`, `bad value '${hex}'`, `bad value=${encodeURIComponent(secret)}`]) {
      expect(redact(quoted, [secret]), quoted).toBe('[message withheld: it quoted part of a secret]');
    }
  });

  it('withholds a message quoting a secret HTML-escaped, with named, decimal or hex entities', () => {
    const secret = 'Xk9&mP2<qL5>vN8&wR4<tZ7>';
    const named = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const decimal = secret.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
    const hex = secret.replace(/[&<>]/g, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
    for (const quoted of [`value "${named}" fails policy`, `value "${decimal}" fails policy`, `value "${hex}" fails policy`]) {
      expect(redact(quoted, [secret]), quoted).toBe('[message withheld: it quoted part of a secret]');
    }
  });

  it('keeps an HTML-escaped message that quotes no secret, and a number too large to be a character as it is', () =>
    expect(redact('name &quot;a&amp;b&quot; is taken (&#99999999;)', ['Xk9&mP2<qL5>vN8'])).toBe('name &quot;a&amp;b&quot; is taken (&#99999999;)'));

  it('withholds a message quoting a secret URL-encoded as UTF-8, form-encoded, or escaped twice', () => {
    const accented = 'pässwörd-ünïcode-1';
    expect(redact(`bad value=${encodeURIComponent(accented)}`, [accented])).toBe('[message withheld: it quoted part of a secret]');
    const spaced = 'correct horse battery staple';
    expect(redact(`bad value=${new URLSearchParams({ v: spaced }).toString()}`, [spaced])).toBe('[message withheld: it quoted part of a secret]');
    const symbols = 'Xk9&mP2<qL5>vN8&wR4<tZ7>';
    const twice = symbols.replace(/[&<>]/g, (c) => `\\\\u00${c.charCodeAt(0).toString(16)}`);
    expect(redact(`upstream said: {\\"value\\":\\"${twice}\\"}`, [symbols])).toBe('[message withheld: it quoted part of a secret]');
  });

  it('withholds a message quoting a secret escaped three times', () => {
    const secret = 'Xk9&mP2<qL5>vN8&wR4<tZ7>';
    const thrice = encodeURIComponent(encodeURIComponent(encodeURIComponent(secret)));
    expect(redact(`bad value=${thrice}`, [secret])).toBe('[message withheld: it quoted part of a secret]');
  });

  it('withholds a message quoting only the last eight characters of a secret, or an eight-character secret escaped', () => {
    expect(redact('value ending "ijklmnop" is too weak', ['abcdefgh-ijklmnop'])).toBe('[message withheld: it quoted part of a secret]');
    expect(redact(`bad value=${encodeURIComponent('a&b<c>d!')}`, ['a&b<c>d!'])).toBe('[message withheld: it quoted part of a secret]');
  });

  it('withholds a message quoting a secret whose quotes are HTML-escaped (&apos;, &quot;)', () => {
    const secret = `Xk9'mP2"qL5'vN8"wR4'`;
    const quoted = secret.replace(/'/g, '&apos;').replace(/"/g, '&quot;');
    expect(redact(`value ${quoted} fails policy`, [secret])).toBe('[message withheld: it quoted part of a secret]');
  });

  it('withholds a message quoting a secret URL-encoded as Latin-1 (%E4 for ä), which is not UTF-8', () => {
    const secret = 'pässwörd-ünïcode-1';
    const latin1 = [...secret].map((c) => (c.charCodeAt(0) > 0x7f ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c)).join('');
    expect(latin1).toBe('p%E4ssw%F6rd-%FCn%EFcode-1');
    expect(redact(`bad value=${latin1}`, [secret])).toBe('[message withheld: it quoted part of a secret]');
  });

  describe('a secret shorter than eight characters (no run of it counts as quoting it)', () => {
    const WITHHELD = '[message withheld: it quoted part of a secret]';
    const secret = 'p&s<1>';
    const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0');

    it('cuts it where quoted as is', () => expect(redact(`bad value "${secret}"`, [secret])).toBe('bad value "[redacted]"'));

    it.each([
      ['Go-escaped', `invalid body: {"value":"${secret.replace(/[&<>]/g, (c) => `\\u00${hex(c)}`)}"}`],
      ['hex-escaped', `bad value '${secret.replace(/[&<>]/g, (c) => `\\x${hex(c)}`)}'`],
      ['URL-encoded', `bad value=${encodeURIComponent(secret)}`],
      ['escaped twice', `upstream said: {\\"value\\":\\"${secret.replace(/[&<>]/g, (c) => `\\\\u00${hex(c)}`)}\\"}`],
    ])('withholds the message quoting it %s, where it is not there as is', (_how, message) => {
      expect(message).not.toContain(secret);
      expect(redact(message, [secret])).toBe(WITHHELD);
    });

    it('withholds the message quoting it form-encoded (a space as +) or URL-encoded as UTF-8', () => {
      const spaced = 'a b&c';
      expect(redact(`bad value=${new URLSearchParams({ v: spaced }).toString()}`, [spaced])).toBe(WITHHELD);
      const accented = 'pässé';
      expect(redact(`bad value=${encodeURIComponent(accented)}`, [accented])).toBe(WITHHELD);
    });

    it('keeps an escaped message that does not quote it', () =>
      expect(redact('field \\u0026 value %3C1%3E are invalid', [secret])).toBe('field \\u0026 value %3C1%3E are invalid'));
  });

  it('withholds a message over 16 kB unread, secret or not: no vendor writes one, and checking it against a long secret would hold the event loop', () => {
    const long = `rejected: ${'x'.repeat(16_384)}`;
    expect(redact(long, ['s3cr3t-value-123'])).toBe('[message withheld: over 16384 characters]');
    expect(redact('x'.repeat(16_384), ['s3cr3t-value-123'])).toBe('x'.repeat(16_384));
  });

  it('finds eight characters of a 64 kB secret anywhere in a 16 kB message', () => {
    const secret = Array.from({ length: 8_192 }, (_, i) => `k${i.toString(36).padStart(6, '0')}`).join('');
    const quoted = `${'.'.repeat(16_000)}${secret.slice(40_000, 40_008)}`;
    expect(redact(quoted, [secret])).toBe('[message withheld: it quoted part of a secret]');
    expect(redact('.'.repeat(16_000), [secret])).toBe('.'.repeat(16_000));
  });

  it('reads %2B as a plus, not as the space a literal + stands for in a form', () =>
    expect(redact(`bad value=${encodeURIComponent('a+b+c+d+e+f+g+h')}`, ['a+b+c+d+e+f+g+h'])).toBe('[message withheld: it quoted part of a secret]'));

  it('keeps an escaped message that quotes no secret', () =>
    expect(redact('field \\u0026 value %26 are invalid', ['s3cr3t-value-123'])).toBe('field \\u0026 value %26 are invalid'));

  it('keeps a message that shares less than that with the secret, and ignores absent secrets', () =>
    expect(redact('value is too weak', ['s3cr3t-value-123', undefined])).toBe('value is too weak'));
});
