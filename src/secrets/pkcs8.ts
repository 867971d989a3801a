// What kspray needs from a PKCS#8 private key it holds, read from the DER directly: the EC private
// scalar and curve (to sign) and the SubjectPublicKeyInfo (to put in a certificate). OpenSSL's key
// decoder (node:crypto createPrivateKey / createPublicKey) costs ~0.6 ms a key here, more than signing
// a certificate; a render of a loaded bundle read every leaf key back that way.
// Structures: PrivateKeyInfo (RFC 5208 5), ECPrivateKey (RFC 5915 3), RSAPrivateKey (RFC 8017 A.1.2),
// SubjectPublicKeyInfo (RFC 5280 4.1.2.7; RFC 5480 2 for EC, RFC 3279 2.3.1 for RSA).
import * as der from './der.js';
import { bytesOf, childrenOf, contentOf, readTlv, type Tlv } from './derReader.js';

// OIDs of the key algorithms (RFC 5480, RFC 8017): constants, never changing.
// Stryker disable StringLiteral: der.oid('') throws on import, so every test file importing this fails to load; Stryker's vitest runner counts that as no test run ("Survived")
const EC_PUBLIC_KEY = der.oid('1.2.840.10045.2.1');
const RSA_ENCRYPTION = der.oid('1.2.840.113549.1.1.1');
export const CURVE_OIDS: Record<string, Buffer> = { 'P-256': der.oid('1.2.840.10045.3.1.7'), 'P-384': der.oid('1.3.132.0.34') };
// Stryker restore StringLiteral

interface PrivateKeyInfo {
  der: Uint8Array;
  /** The privateKeyAlgorithm AlgorithmIdentifier TLV and its parts. */
  algorithm: Tlv;
  algorithmParts: Tlv[];
  /** The content of the privateKey OCTET STRING: an ECPrivateKey or RSAPrivateKey. */
  privateKey: Buffer;
}

function privateKeyInfo(pkcs8: Uint8Array): PrivateKeyInfo {
  const fields = childrenOf(pkcs8, readTlv(pkcs8));
  const [version, algorithm, privateKey] = fields;
  if (version?.identifier !== 0x02 || algorithm?.identifier !== 0x30 || privateKey?.identifier !== 0x04) throw new Error('not a PKCS#8 PrivateKeyInfo');
  return { der: pkcs8, algorithm, algorithmParts: childrenOf(pkcs8, algorithm), privateKey: contentOf(pkcs8, privateKey) };
}

const isOid = (info: PrivateKeyInfo, t: Tlv | undefined, oid: Buffer) => t !== undefined && bytesOf(info.der, t).equals(oid);

/** The private scalar of an EC key on `curve` ("P-256", "P-384"); throws for any other key. */
export function ecPrivateScalar(pkcs8: Uint8Array, curve: string): Buffer {
  const info = privateKeyInfo(pkcs8);
  const [type, params] = info.algorithmParts;
  if (!isOid(info, type, EC_PUBLIC_KEY) || !isOid(info, params, CURVE_OIDS[curve] ?? Buffer.alloc(0))) throw new Error(`not an EC key on ${curve}`);
  const ec = info.privateKey;
  const [, scalar] = childrenOf(ec, readTlv(ec));
  if (scalar?.identifier !== 0x04) throw new Error('ECPrivateKey has no privateKey OCTET STRING');
  return Buffer.from(contentOf(ec, scalar));
}

/**
 * The SubjectPublicKeyInfo of the key, when the PKCS#8 holds everything it takes: the algorithm
 * identifier is the same one, and the public key is the ECPrivateKey's [1] publicKey (OpenSSL always
 * writes it; RFC 5915 leaves it optional) or the RSA modulus and exponent. undefined otherwise.
 */
export function spkiFromPkcs8(pkcs8: Uint8Array): Buffer | undefined {
  const info = privateKeyInfo(pkcs8);
  const algorithm = bytesOf(info.der, info.algorithm);
  const key = info.privateKey;
  // Read as a SEQUENCE only for the two key types that hold one (an Ed25519 key holds an OCTET STRING).
  const fields = () => childrenOf(key, readTlv(key));
  const [type] = info.algorithmParts;
  if (isOid(info, type, EC_PUBLIC_KEY)) {
    const publicKey = fields().find((f) => f.identifier === 0xa1); // [1] EXPLICIT BIT STRING
    if (!publicKey) return undefined;
    return der.sequence(algorithm, bytesOf(key, childrenOf(key, publicKey)[0]!));
  }
  if (isOid(info, type, RSA_ENCRYPTION)) {
    const [, modulus, exponent] = fields(); // version, n, e, d, …
    if (modulus?.identifier !== 0x02 || exponent?.identifier !== 0x02) return undefined;
    return der.sequence(algorithm, der.bitString(der.sequence(bytesOf(key, modulus), bytesOf(key, exponent))));
  }
  return undefined;
}
