import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCertificate } from '../../src/sim/x509.js';

describe('generateCertificate', () => {
  it('are valid DER every time (a serial never starts with a redundant zero)', async () => {
    // One random serial in 256 used to start so: 2 000 certificates meet one with near certainty.
    const certs = await Promise.all(Array.from({ length: 2_000 }, (_, i) => generateCertificate({ commonName: `c${i}`, alg: 'ES256' })));
    expect(certs.filter(({ cert }) => !canParse(cert))).toEqual([]);
  });
});

function canParse(cert: string): boolean {
  try {
    return Boolean(new X509Certificate(cert));
  } catch {
    return false;
  }
}
