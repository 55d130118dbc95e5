import { createHash, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * Real self-signed X.509 v3 certificates for the simulators (Auth0 connection keys), with only
 * node:crypto: a minimal DER encoder builds the TBSCertificate, node signs it.
 */
export type SigningAlg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'ES256' | 'ES384';

export interface GeneratedCertificate {
  cert: string;
  pkcs7: string;
  fingerprint: string;
  thumbprint: string;
  subjectDn: string;
  notBefore: Date;
  notAfter: Date;
}

const tlv = (tag: number, content: Buffer): Buffer => {
  const len = content.length;
  const header =
    len < 0x80 ? Buffer.from([tag, len]) : len < 0x100 ? Buffer.from([tag, 0x81, len]) : Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([header, content]);
};
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const int = (bytes: Buffer) => tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
const nul = () => Buffer.from([0x05, 0x00]);
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const bitString = (bytes: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime for 1950–2049, GeneralizedTime for any other year (0000–9999), as RFC 5280 requires. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  const year = d.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

// PS* certificates are signed with plain RSA PKCS#1 (RSASSA-PSS parameters in DER are fiddly and
// the algorithm only decides the key type here).
const SIGNATURE: Record<SigningAlg, { hash: string; oid: string; rsa: boolean }> = {
  RS256: { hash: 'sha256', oid: '1.2.840.113549.1.1.11', rsa: true },
  PS256: { hash: 'sha256', oid: '1.2.840.113549.1.1.11', rsa: true },
  RS384: { hash: 'sha384', oid: '1.2.840.113549.1.1.12', rsa: true },
  PS384: { hash: 'sha384', oid: '1.2.840.113549.1.1.12', rsa: true },
  RS512: { hash: 'sha512', oid: '1.2.840.113549.1.1.13', rsa: true },
  ES256: { hash: 'sha256', oid: '1.2.840.10045.4.3.2', rsa: false },
  ES384: { hash: 'sha384', oid: '1.2.840.10045.4.3.3', rsa: false },
};

function keyPair(alg: SigningAlg): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve({ publicKey, privateKey }));
    if (alg.startsWith('ES')) generateKeyPair('ec', { namedCurve: alg === 'ES256' ? 'prime256v1' : 'secp384r1' }, done);
    else generateKeyPair('rsa', { modulusLength: 2048 }, done);
  });
}

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;

export async function generateCertificate(opts: {
  commonName: string;
  alg: SigningAlg;
  notBefore?: Date;
  validDays?: number;
  /** Instead of `validDays`: e.g. 9999-12-31T23:59:59Z, RFC 5280's "no well-defined expiration date". */
  notAfter?: Date;
  /** The notAfter element exactly as given (tag, length and content), however (un)lawfully encoded; `notAfter` is still returned as computed. */
  notAfterDer?: Buffer;
  /** The serial's INTEGER content exactly as given, however (un)lawfully encoded; default 16 random bytes. */
  serial?: Buffer;
}): Promise<GeneratedCertificate> {
  const { publicKey, privateKey } = await keyPair(opts.alg);
  const sig = SIGNATURE[opts.alg];
  const algorithm = sig.rsa ? seq(oid(sig.oid), nul()) : seq(oid(sig.oid));
  const notBefore = new Date(Math.floor((opts.notBefore ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + (opts.validDays ?? 365) * 86_400_000);
  const name = seq(set(seq(oid('2.5.4.3'), utf8(opts.commonName))));
  const serial = opts.serial ?? randomBytes(16);
  // Positive, and minimal: a leading zero byte before one below 0x80 is invalid DER, which OpenSSL refuses.
  if (!opts.serial) serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = seq(
    explicit(0, int(Buffer.from([2]))),
    opts.serial ? tlv(0x02, serial) : int(serial),
    algorithm,
    name,
    seq(time(notBefore), opts.notAfterDer ?? time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const der = seq(tbs, algorithm, bitString(sign(sig.hash, tbs, privateKey)));
  // Degenerate PKCS#7 SignedData (certificates only), as Auth0's `pkcs` field carries.
  const signedData = seq(int(Buffer.from([1])), set(), seq(oid('1.2.840.113549.1.7.1')), explicit(0, der), set());
  const pkcs7 = seq(oid('1.2.840.113549.1.7.2'), explicit(0, signedData));
  const sha1 = createHash('sha1').update(der).digest('hex').toUpperCase();
  return {
    cert: pem('CERTIFICATE', der),
    pkcs7: pem('PKCS7', pkcs7),
    fingerprint: sha1.match(/.{2}/g)!.join(':'),
    thumbprint: sha1,
    subjectDn: `CN=${opts.commonName}`,
    notBefore,
    notAfter,
  };
}
