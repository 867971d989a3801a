// Signing a certificate body with a CA key, deterministically: issuing the same certificate twice
// must give the same bytes (render is reproducible), and ECDSA as WebCrypto and OpenSSL do it uses a
// random nonce. RSA PKCS#1 v1.5 is deterministic already and is signed by node:crypto.
//
// ECDSA follows RFC 6979: the nonce k is derived from the key and the digest (HMAC-DRBG over the
// curve's own hash, as @noble/curves did before, so certificates of existing bundles keep their bytes;
// test/secrets/signer.test.ts checks both against each other), then r = x(k·G) mod n and
// s = k⁻¹(e + r·d) mod n. k·G is the one costly step: it is done by OpenSSL natively, as the public
// key of the private key k (ECDH.setPrivateKey), which costs about what one key generation does,
// where the same multiplication in JavaScript cost ten times that. The rest is a few BigInt
// operations. They are not constant-time; the signer runs once per certificate in a local process
// on the operator's machine, where nobody can time it, as kubeadm's own CA signing would.
import { createECDH, createHash, createHmac, createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { sequence, unsignedInteger } from './der.js';
import { pemToDer } from './pem.js';
import { ecPrivateScalar } from './pkcs8.js';

interface Curve {
  /** OpenSSL's curve name, for ECDH. */
  openssl: string;
  /** The group order n, and its length in bits (qlen) and bytes. */
  n: bigint;
  bits: number;
  size: number;
  /** RFC 6979's HMAC hash: the curve's own (SHA-256 for P-256, SHA-384 for P-384), as noble used. */
  drbgHash: string;
}

function curve(openssl: string, n: bigint, drbgHash: string): Curve {
  const bits = n.toString(2).length;
  return { openssl, n, bits, size: Math.ceil(bits / 8), drbgHash };
}

// Group orders from SEC 2 (FIPS 186-4 D.1.2.3 and D.1.2.4): constants of the curves, never changing.
const CURVES: Record<string, Curve> = {
  'P-256': curve('prime256v1', 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n, 'sha256'),
  'P-384': curve('secp384r1', 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n, 'sha384'),
};

/** One ECDH object per curve, reused: setPrivateKey replaces its key each time. */
const ecdhOf = new Map<Curve, ReturnType<typeof createECDH>>();

export type SigningKey =
  | { kind: 'ecdsa'; curve: Curve; d: bigint; hash: string }
  | { kind: 'rsa'; key: KeyObject; hash: string };

// The hashes of kspray's algorithms (algorithms.ts): no algorithm signs with another.
const NODE_HASH: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384' };
const EC_CURVE_OF: Partial<Record<PkiAlgorithm, string>> = { 'ECDSA-P256': 'P-256', 'ECDSA-P384': 'P-384' };

/** A CA's signing key from its PKCS#8 (PEM or DER), checked to be of the bundle's algorithm. */
export function signingKey(pkcs8: string | Uint8Array, algorithm: PkiAlgorithm, hash: string): SigningKey {
  const nodeHash = NODE_HASH[hash];
  if (!nodeHash) throw new Error(`signing needs SHA-256 or SHA-384, got ${hash}`);
  const curveName = EC_CURVE_OF[algorithm];
  if (curveName === undefined) {
    const key = typeof pkcs8 === 'string' ? createPrivateKey(pkcs8) : createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`a ${algorithm} signing key must be RSA, not ${key.asymmetricKeyType}`);
    return { kind: 'rsa', key, hash: nodeHash };
  }
  // The scalar read from the DER: OpenSSL's key decoder costs more than the signature (pkcs8.ts).
  const der = typeof pkcs8 === 'string' ? pemToDer(pkcs8, 'PRIVATE KEY') : pkcs8;
  let d: Buffer;
  try {
    // Stryker disable next-line ConditionalExpression,StringLiteral: without it ecPrivateScalar(undefined) throws too, and the catch gives the same refusal
    if (!der) throw new Error('no PEM block');
    d = ecPrivateScalar(der, curveName);
  } catch {
    throw new Error(`a ${algorithm} signing key must be an EC key on ${curveName}`);
  }
  const curve = CURVES[curveName]!;
  const scalar = toInt(d);
  if (scalar < 1n || scalar >= curve.n) throw new Error(`a ${algorithm} signing key must have a private scalar in [1, n)`);
  return { kind: 'ecdsa', curve, d: scalar, hash: nodeHash };
}

/** The signatureValue of a certificate over `tbs`: ECDSA-Sig-Value DER (SEQUENCE of r, s) or the RSA signature. */
export function signTbs(key: SigningKey, tbs: Uint8Array): Buffer {
  if (key.kind === 'rsa') return nodeSign(key.hash, tbs, key.key);
  const digest = createHash(key.hash).update(tbs).digest();
  const { r, s } = ecdsaSign(key.curve, key.d, digest);
  return sequence(unsignedInteger(toBytes(r, key.curve.size)), unsignedInteger(toBytes(s, key.curve.size)));
}

/** RFC 6979 deterministic ECDSA over a digest already taken; plain (not low-S) s, as X9.62 and Go write it. */
export function ecdsaSign(curve: Curve, d: bigint, digest: Uint8Array): { r: bigint; s: bigint } {
  const { n, size } = curve;
  const e = bitsToInt(digest, curve.bits);
  const hmac = (k: Buffer, ...parts: Uint8Array[]) => {
    const h = createHmac(curve.drbgHash, k);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  // RFC 6979 3.2 b–g: seed the DRBG with int2octets(d) and bits2octets(digest).
  const seed = [toBytes(d, size), toBytes(e % n, size)];
  // hlen = size: each curve's DRBG hash is as long as its order (SHA-256 for P-256, SHA-384 for P-384).
  let v = Buffer.alloc(size, 1);
  let k = Buffer.alloc(size, 0);
  k = hmac(k, v, Buffer.of(0), ...seed);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.of(1), ...seed);
  v = hmac(k, v);
  let ecdh = ecdhOf.get(curve);
  // Stryker disable next-line ConditionalExpression: a cache; a new ECDH object each time gives the same point
  if (!ecdh) ecdhOf.set(curve, (ecdh = createECDH(curve.openssl)));
  for (;;) {
    // 3.2 h: T of qlen bits; for our curves one HMAC block is enough (hlen ≥ qlen).
    v = hmac(k, v);
    const nonce = bitsToInt(v, curve.bits);
    // RFC 6979 3.2 h.3's retry, and 3.2 h's "r or s is 0" one below: a nonce outside [1, n) or a zero r
    // or s comes with probability below 2^-32 on P-256 and P-384, so no test can reach them; kept because
    // the RFC requires them.
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: unreachable in practice (above)
    if (nonce >= 1n && nonce < n) {
      ecdh.setPrivateKey(toBytes(nonce, size));
      const point = ecdh.getPublicKey(); // 0x04 || x || y
      const r = toInt(point.subarray(1, 1 + size)) % n;
      const s = (modInverse(nonce, n) * (e + r * d)) % n;
      // Stryker disable next-line ConditionalExpression,LogicalOperator: unreachable in practice (above)
      if (r !== 0n && s !== 0n) return { r, s };
    }
    k = hmac(k, v, Buffer.of(0));
    v = hmac(k, v);
  }
}

function toInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
}

function toBytes(value: bigint, size: number): Buffer {
  return Buffer.from(value.toString(16).padStart(size * 2, '0'), 'hex');
}

/** RFC 6979 bits2int: the leftmost qlen bits of the input as an integer (qlen = the bit length of n). */
function bitsToInt(bytes: Uint8Array, qlen: number): bigint {
  const excess = bytes.length * 8 - qlen;
  const x = toInt(bytes);
  // Stryker disable next-line EqualityOperator: at excess 0 both branches give x (x >> 0n)
  return excess > 0 ? x >> BigInt(excess) : x;
}

/** a⁻¹ mod m for a prime m and 0 < a < m (extended Euclid). */
function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, x0, x1] = [m, a, 0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [x0, x1] = [x1, x0 - q * x1];
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the inverse is only used mod n (ecdsaSign), where adding m changes nothing
  return x0 < 0n ? x0 + m : x0;
}
