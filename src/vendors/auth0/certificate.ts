import { X509Certificate } from 'node:crypto';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/**
 * A PEM certificate's validity: a connection key's lifetime, since Auth0 reports no expiry field
 * for keys. OpenSSL reads it first; where OpenSSL refuses an encoding that is merely lax (a serial
 * number with a redundant leading zero or a negative one, as some issuers write), the validity is
 * read from the DER directly. Null only when neither can read it.
 */
export function certificateValidity(pem: string): Validity | null {
  // Parsing X.509 costs more than the rest of a key's record; a connection's keys change rarely.
  const known = validities.get(pem);
  if (known !== undefined) return known;
  let validity: Validity | null;
  try {
    const x = new X509Certificate(pem);
    const notBefore = new Date(x.validFrom);
    const notAfter = new Date(x.validTo);
    // OpenSSL parses a certificate whose validity holds no real time (month 13), and prints it as
    // "Bad time value": an Invalid Date would read as ACTIVE. The DER reader checks the calendar.
    validity = isTime(notBefore) && isTime(notAfter) ? { notBefore, notAfter } : validityFromDer(pem);
  } catch {
    validity = validityFromDer(pem);
  }
  // Keyed by the text itself: one far longer than any real certificate (a vendor's garbage) would
  // stay in memory with its entry, 2,000 of them at up to http.maxResponseBytes each.
  if (pem.length > MAX_CACHED_PEM) return validity;
  if (validities.size >= MAX_VALIDITIES) validities.delete(validities.keys().next().value!);
  validities.set(pem, validity);
  return validity;
}
const MAX_VALIDITIES = 2_000;
/** Real certificates are a few kB of PEM (a 16,384-bit RSA key's, self-signed, about 6,000 characters). */
const MAX_CACHED_PEM = 16_384;
const isTime = (d: Date) => !Number.isNaN(d.getTime());
const validities = new Map<string, Validity | null>();

interface Element {
  tag: number;
  start: number;
  end: number;
}

/** One DER element at `at`: its tag and where its content starts and ends. */
function element(der: Buffer, at: number): Element {
  if (at + 2 > der.length) throw new RangeError('truncated');
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new RangeError('unsupported length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  if (start + length > der.length) throw new RangeError('truncated');
  return { tag: der[at]!, start, end: start + length };
}

/** UTCTime (YYMMDDHHMMSSZ, years 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), as RFC 5280 allows them. */
function time(der: Buffer, e: Element): Date {
  const text = der.subarray(e.start, e.end).toString('latin1');
  const m = e.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : e.tag === 0x18 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!m) throw new RangeError('not a certificate time');
  const year = e.tag === 0x17 ? (Number(m[1]) < 50 ? 2000 : 1900) + Number(m[1]) : Number(m[1]);
  const [month, day, hour, minute, second] = m.slice(2).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls month 13 or day 32 over into the next: such a time is no time at all.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || date.getUTCHours() !== hour || date.getUTCMinutes() !== minute || date.getUTCSeconds() !== second) {
    throw new RangeError('not a certificate time');
  }
  return date;
}

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/** Certificate → TBSCertificate → [version], serial, signature, issuer, validity (RFC 5280 §4.1). */
function validityFromDer(pem: string): Validity | null {
  try {
    // Markers found by indexOf, not a lazy regex: on text with many begin markers and no end (a
    // vendor's garbage, up to http.maxResponseBytes) the regex searched from each one to the end.
    const begin = pem.indexOf(BEGIN);
    const end = begin < 0 ? -1 : pem.indexOf(END, begin + BEGIN.length);
    if (end < 0) return null;
    const body = pem.slice(begin + BEGIN.length, end);
    if (!body) return null;
    const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    const certificate = element(der, 0);
    const tbs = element(der, certificate.start);
    if (certificate.tag !== 0x30 || tbs.tag !== 0x30) return null;
    let next = element(der, tbs.start);
    if (next.tag === 0xa0) next = element(der, next.end); // the version
    const fields = [0x02, 0x30, 0x30]; // serial, signature algorithm, issuer
    for (const tag of fields) {
      if (next.tag !== tag) return null;
      next = element(der, next.end);
    }
    if (next.tag !== 0x30) return null;
    const notBefore = element(der, next.start);
    const notAfter = element(der, notBefore.end);
    return { notBefore: time(der, notBefore), notAfter: time(der, notAfter) };
  } catch {
    return null;
  }
}
