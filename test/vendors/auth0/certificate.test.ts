import { X509Certificate } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { credentialStatus } from '../../../src/domain/status.js';
import { generateCertificate } from '../../../src/sim/x509.js';
import { certificateValidity } from '../../../src/vendors/auth0/certificate.js';
import { connectionKeyRecord } from '../../../src/vendors/auth0/records.js';

const notBefore = new Date('2026-01-02T03:04:05Z');

describe('certificateValidity: a connection key lifetime', () => {
  it('reads notBefore and notAfter of a certificate', async () => {
    const { cert } = await generateCertificate({ commonName: 'ok', alg: 'ES256', notBefore, validDays: 30 });
    expect(certificateValidity(cert)).toEqual({ notBefore, notAfter: new Date('2026-02-01T03:04:05Z') });
  });

  it('reads a certificate OpenSSL refuses for a redundant leading zero in its serial, straight from the DER', async () => {
    const { cert } = await generateCertificate({ commonName: 'lax', alg: 'ES256', notBefore, validDays: 9_000, serial: Buffer.from([0x00, 0x12, 0x34]) });
    expect(() => new X509Certificate(cert)).toThrow();
    // 9 000 days reach past 2049: notAfter is a GeneralizedTime, notBefore a UTCTime.
    expect(certificateValidity(cert)).toEqual({ notBefore, notAfter: new Date(notBefore.getTime() + 9_000 * 86_400_000) });
  });

  it('reads a certificate OpenSSL parses but whose notAfter is no time at all (month 13) as unreadable, so its key is UNKNOWN, not ACTIVE', async () => {
    const { cert } = await generateCertificate({ commonName: 'bad-time', alg: 'ES256', notBefore, validDays: 30 });
    const der = Buffer.from(cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    der.write('261301030405Z', der.indexOf('260201030405Z'), 'latin1');
    const bad = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(new X509Certificate(bad).validTo).toBe('Bad time value');
    expect(certificateValidity(bad)).toBeNull();
    const record = connectionKeyRecord('auth0-prod', 'con_1', { kid: 'k1', cert: bad, fingerprint: 'f', thumbprint: 't' }, () => undefined);
    expect(record).toMatchObject({ expiresAt: null, expiryUnknown: true });
  });

  it('reads a GeneralizedTime of the years 0000–0999 as that year, which OpenSSL\'s text put in 1900–1999 or 2000 on', async () => {
    const oldest = new Date('0000-01-01T00:00:00Z');
    for (const iso of ['0000-02-29T00:00:00Z', '0050-06-15T12:34:56Z', '0999-12-31T23:59:59Z']) {
      const { cert } = await generateCertificate({ commonName: 'old', alg: 'ES256', notBefore: oldest, notAfter: new Date(iso) });
      // Year 0 is a leap year (proleptic Gregorian, as RFC 5280 dates are); 1900 was not.
      expect(certificateValidity(cert)).toEqual({ notBefore: oldest, notAfter: new Date(iso) });
    }
  });

  it('reads the lax times RFC 5280 forbids but old issuers wrote (no seconds, an offset, a fraction of a second), every year 0000–9999 included, the same on every Node (OpenSSL 3.5 refuses some)', async () => {
    const cases = [
      [0x17, '2602010304Z', '2026-02-01T03:04:00Z'],
      [0x17, '260201030405+0100', '2026-02-01T02:04:05Z'],
      [0x17, '2602010304-0230', '2026-02-01T05:34:00Z'],
      [0x18, '20260201030405.5Z', '2026-02-01T03:04:05.500Z'],
      [0x18, '00500615123456.25Z', '0050-06-15T12:34:56.250Z'],
      [0x18, '19400101000000+0100', '1939-12-31T23:00:00Z'],
    ] as const;
    for (const [tag, text, iso] of cases) {
      const notAfterDer = Buffer.concat([Buffer.from([tag, text.length]), Buffer.from(text, 'latin1')]);
      const { cert } = await generateCertificate({ commonName: 'lax-time', alg: 'ES256', notBefore, notAfterDer });
      expect(certificateValidity(cert)).toEqual({ notBefore, notAfter: new Date(iso) });
    }
  });

  it('reads a local time, with neither Z nor an offset, or an offset of no time zone, as no time: its key is UNKNOWN', async () => {
    for (const [tag, text] of [[0x18, '20260201030405'], [0x17, '260201030405'], [0x17, '260201030405+2400'], [0x18, '20260201030405+0160']] as const) {
      const notAfterDer = Buffer.concat([Buffer.from([tag, text.length]), Buffer.from(text, 'latin1')]);
      const { cert } = await generateCertificate({ commonName: 'local-time', alg: 'ES256', notBefore, notAfterDer });
      expect(certificateValidity(cert), text).toBeNull();
    }
  });

  it('reads a notAfter of 99991231235959Z as no expiration date at all (RFC 5280 §4.1.2.5): its key NEVER_EXPIRES, not ACTIVE until 9999', async () => {
    const { cert } = await generateCertificate({ commonName: 'forever', alg: 'ES256', notBefore, notAfter: new Date('9999-12-31T23:59:59Z') });
    expect(Buffer.from(cert.replace(/-----[^-]+-----/g, ''), 'base64').includes('99991231235959Z')).toBe(true);
    expect(certificateValidity(cert)).toEqual({ notBefore, notAfter: null });
    const record = connectionKeyRecord('auth0-prod', 'con_1', { kid: 'k1', cert, fingerprint: 'f', thumbprint: 't' }, () => undefined);
    // Not expiryUnknown: the certificate says when the key expires, and that is never.
    expect(record).toMatchObject({ createdAt: notBefore, expiresAt: null, expiryUnknown: false });
    expect(credentialStatus(record, notBefore, 30 * 86_400_000)).toBe('NEVER_EXPIRES');
  });

  it('reads a notAfter one second before 99991231235959Z as the date it is', async () => {
    const notAfter = new Date('9999-12-31T23:59:58Z');
    const { cert } = await generateCertificate({ commonName: 'late', alg: 'ES256', notBefore, notAfter });
    expect(certificateValidity(cert)).toEqual({ notBefore, notAfter });
    const record = connectionKeyRecord('auth0-prod', 'con_1', { kid: 'k1', cert, fingerprint: 'f', thumbprint: 't' }, () => undefined);
    expect(credentialStatus(record, notBefore, 30 * 86_400_000)).toBe('ACTIVE');
  });

  it('reads nothing from text that is no certificate', () => {
    expect(certificateValidity('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toBeNull();
    expect(certificateValidity('not a pem')).toBeNull();
  });

  it('reads megabytes of begin markers without an end in one pass, as a vendor\'s garbage may be: the event loop is not held', () => {
    // 4 MB (a 16 MB answer holds four times as many). One pass takes milliseconds; a search from
    // each marker to the end, in time the square of the length, took 2 s for a tenth of this and
    // would hold this spec for hours (CI's deadline fails it). No timing is asserted.
    const garbage = '-----BEGIN CERTIFICATE-----'.repeat(150_000);
    expect(certificateValidity(garbage)).toBeNull();
  });

  it('keeps no certificate text far longer than any real one in its cache: megabytes of it from a vendor do not stay in memory', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    // 40 distinct 1 MB "certificates", each answered once (a hostile or broken vendor).
    for (let i = 0; i < 40; i++) certificateValidity(`-----BEGIN CERTIFICATE-----\n${String(i).padEnd(1_000_000, 'A')}\n-----END CERTIFICATE-----\n`);
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10_000_000);
  });

  it('leaves a key with an unreadable certificate with an unknown expiry, not one that never expires', () => {
    const record = connectionKeyRecord('auth0-prod', 'con_1', { kid: 'k1', cert: 'not a pem', fingerprint: 'f', thumbprint: 't' }, () => undefined);
    expect(record).toMatchObject({ expiresAt: null, expiryUnknown: true, createdAt: null });
  });

});
