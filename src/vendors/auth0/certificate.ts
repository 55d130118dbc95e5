import { X509Certificate } from 'node:crypto';

export interface Validity {
  notBefore: Date;
  /** Null when the certificate has no well-defined expiration date (RFC 5280 §4.1.2.5: notAfter 99991231235959Z). */
  notAfter: Date | null;
}

/**
 * A PEM certificate's validity: a connection key's lifetime, since Auth0 reports no expiry field
 * for keys. Read from the DER first: cheap on the request path, exact for every year 0000–9999
 * (OpenSSL's text, as `new Date` read it, put year 50 in 1950), and the calendar is checked.
 * OpenSSL is asked only when that reader refuses: it also reads the lax encodings RFC 5280 forbids
 * but old issuers wrote (a time without seconds, with an offset or fractions of a second). A
 * serial OpenSSL refuses (a redundant leading zero, a negative one) does not matter to the reader.
 * Null only when neither can read it.
 */
export function certificateValidity(pem: string): Validity | null {
  // Parsing X.509 costs more than the rest of a key's record; a connection's keys change rarely.
  const known = validities.get(pem);
  if (known !== undefined) return known;
  const read = validityFromDer(pem) ?? validityFromOpenSsl(pem);
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** OpenSSL's ASN1_TIME_print, always in GMT: "Jan  1 00:00:00 999 GMT", "Feb  1 03:04:05.5 2026 GMT". */
const OPENSSL_TIME = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? (\d{1,4}) GMT$/;

function opensslTime(text: string): Date | null {
  // "Bad time value" for a time OpenSSL parsed but cannot read (month 13): an Invalid Date would read as ACTIVE.
  const m = OPENSSL_TIME.exec(text);
  const month = m ? MONTHS.indexOf(m[1]!) + 1 : 0;
  if (!m || month === 0) return null;
  const ms = Number((m[6] ?? '').slice(0, 3).padEnd(3, '0'));
  return utc(Number(m[7]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), ms);
}

function validityFromOpenSsl(pem: string): Read | null {
  try {
    const x = new X509Certificate(pem);
    const notBefore = opensslTime(x.validFrom);
    const notAfter = opensslTime(x.validTo);
    return notBefore && notAfter ? { notBefore, notAfter } : null;
  } catch {
    return null;
  }
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

/** UTCTime (YYMMDDHHMMSSZ, years 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), exactly as RFC 5280 allows them. */
function time(der: Buffer, e: Element): Date {
  const text = der.subarray(e.start, e.end).toString('latin1');
  const m = e.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : e.tag === 0x18 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!m) throw new RangeError('not a certificate time');
  const year = e.tag === 0x17 ? (Number(m[1]) < 50 ? 2000 : 1900) + Number(m[1]) : Number(m[1]);
  const [month, day, hour, minute, second] = m.slice(2).map(Number) as [number, number, number, number, number];
  const date = utc(year, month, day, hour, minute, second);
  if (!date) throw new RangeError('not a certificate time');
  return date;
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
