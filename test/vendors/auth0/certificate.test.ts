import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCertificate } from '../../../src/sim/x509.js';
import { certificateValidity } from '../../../src/vendors/auth0/certificate.js';
import { connectionKey } from '../../../src/vendors/auth0/api.js';

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

  it('reads nothing from text that is no certificate', () => {
    expect(certificateValidity('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toBeNull();
    expect(certificateValidity('not a pem')).toBeNull();
  });

  it('makes a key answer with an unreadable certificate an unreadable answer, not a key without expiry', () => {
    const key = { kid: 'k1', cert: 'not a pem', fingerprint: 'f', thumbprint: 't' };
    const parsed = connectionKey.safeParse(key);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['cert', 'not a certificate whose validity can be read']]);
  });
});
