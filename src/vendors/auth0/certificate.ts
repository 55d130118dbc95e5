export interface Validity {
  notBefore: Date;
  /** Null when the certificate has no well-defined expiration date (RFC 5280 §4.1.2.5: notAfter 99991231235959Z). */
  notAfter: Date | null;
}

/**
 * A PEM certificate's validity: a connection key's lifetime, since Auth0 reports no expiry field
 * for keys. Read from the DER by the gateway itself, not through OpenSSL: cheap on the request
 * path, exact for every year 0000–9999 (OpenSSL's text, as `new Date` read it, put year 50 in
 * 1950), the calendar checked, and the same on every Node: OpenSSL 3.5 (Node 22) refuses the lax
 * times old issuers wrote, which 3.0 (Node 20) read. A serial OpenSSL refuses (a redundant leading
 * zero, a negative one) does not matter here. Null when it cannot be read.
 */
export function certificateValidity(pem: string): Validity | null {
  // Parsing X.509 costs more than the rest of a key's record; a connection's keys change rarely.
  const known = validities.get(pem);
  if (known !== undefined) return known;
  const read = validityFromDer(pem);
  const validity = read && { notBefore: read.notBefore, notAfter: read.notAfter.getTime() === NO_EXPIRATION ? null : read.notAfter };
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
const validities = new Map<string, Validity | null>();
/** GeneralizedTime 99991231235959Z: "no well-defined expiration date", not a date in year 9999. */
const NO_EXPIRATION = Date.UTC(9999, 11, 31, 23, 59, 59);

interface Read {
  notBefore: Date;
  notAfter: Date;
}

/** A UTC calendar time of any year 0000–9999; null for none (month 13, day 32, February 29 of a common year). */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms = 0): Date | null {
  // Not Date.UTC: it takes years 0–99 for 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  // Out-of-range fields roll over into the next unit: such a time is no time at all.
  const same =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day &&
    date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
  return same ? date : null;
}

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

/**
 * UTCTime (years 1950–2049) or GeneralizedTime, as RFC 5280 writes them (YYMMDDHHMMSSZ,
 * YYYYMMDDHHMMSSZ) and in the lax forms it forbids but old issuers wrote: no seconds, a fraction of
 * a second (GeneralizedTime), an offset from UTC instead of Z. A local time without Z or offset says
 * no instant: refused.
 */
// The same groups in both (UTCTime's fraction, which it cannot have, always empty).
const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?()(Z|[+-]\d{4})$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})$/;

function time(der: Buffer, e: Element): Date {
  const text = der.subarray(e.start, e.end).toString('latin1');
  const m = e.tag === 0x17 ? UTC_TIME.exec(text) : e.tag === 0x18 ? GENERALIZED_TIME.exec(text) : null;
  if (!m) throw new RangeError('not a certificate time');
  const year = e.tag === 0x17 ? (Number(m[1]) < 50 ? 2000 : 1900) + Number(m[1]) : Number(m[1]);
  const [month, day, hour, minute] = m.slice(2, 6).map(Number) as [number, number, number, number];
  const second = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const date = utc(year, month, day, hour, minute, second, ms);
  const offset = m[8] === 'Z' ? 0 : offsetMinutes(m[8]!);
  if (!date || offset === null) throw new RangeError('not a certificate time');
  return new Date(date.getTime() - offset * 60_000);
}

/** ±HHMM east of UTC, in minutes; null for no offset at all (hours over 23, minutes over 59). */
function offsetMinutes(text: string): number | null {
  const hours = Number(text.slice(1, 3));
  const minutes = Number(text.slice(3, 5));
  if (hours > 23 || minutes > 59) return null;
  return (text[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/** Certificate → TBSCertificate → [version], serial, signature, issuer, validity (RFC 5280 §4.1). */
function validityFromDer(pem: string): Read | null {
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
