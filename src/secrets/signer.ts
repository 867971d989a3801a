// A WebCrypto provider for @peculiar/x509 whose ECDSA signatures are deterministic (RFC 6979),
// so that issuing the same certificate twice gives the same bytes: render must be reproducible
// and WebCrypto's ECDSA uses a random nonce. RSA PKCS#1 v1.5 is deterministic already and
// everything except ECDSA signing goes to Node's WebCrypto unchanged.
import { createHash } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';

const webcrypto = globalThis.crypto;
const subtle = webcrypto.subtle;

const CURVES = { 'P-256': p256, 'P-384': p384 } as const;
// The base-point tables (built on first use) trade a one-time build against each signature's cost.
// A render signs a few dozen certificates (28 for the HA example, whatever the number of workers):
// measured for those 28 (pkiChild, whole PKI stage, load average ~15), window 4 ~355 ms, 5 ~365, 6 ~395,
// 8 ~435 (its 4,096-point table costs more than it saves); noble's default without a call is 1 (slowest).
for (const curve of Object.values(CURVES)) curve.Point.BASE.precompute(4);
const NODE_HASH: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

type SignAlgorithm = AlgorithmIdentifier | RsaPssParams | EcdsaParams;

function algorithmName(algorithm: SignAlgorithm): string {
  return (typeof algorithm === 'string' ? algorithm : algorithm.name).toUpperCase();
}

function hashName(algorithm: SignAlgorithm): string {
  const hash = (algorithm as EcdsaParams).hash;
  const name = typeof hash === 'string' ? hash : hash?.name;
  const nodeName = name && NODE_HASH[name.toUpperCase()];
  if (!nodeName) throw new Error(`ECDSA signing needs SHA-256/384/512, got ${String(name)}`);
  return nodeName;
}

function bytesOf(data: BufferSource): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

async function secretScalar(key: CryptoKey): Promise<Uint8Array> {
  const jwk = await subtle.exportKey('jwk', key);
  if (!jwk.d) throw new Error('ECDSA signing key has no private scalar');
  return new Uint8Array(Buffer.from(jwk.d, 'base64url'));
}

async function signEcdsaDeterministic(algorithm: SignAlgorithm, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
  const curveName = (key.algorithm as EcKeyAlgorithm).namedCurve as keyof typeof CURVES;
  const curve = CURVES[curveName];
  if (!curve) throw new Error(`unsupported ECDSA curve ${curveName}`);
  const digest = createHash(hashName(algorithm)).update(bytesOf(data)).digest();
  // prehash: false because the digest is already taken with the certificate's own hash;
  // lowS: false keeps plain RFC 6979/X9.62 signatures (low-S is a Bitcoin convention).
  // "compact" r||s is the IEEE P1363 form WebCrypto returns, which x509 re-encodes as DER.
  const signature = curve.sign(digest, await secretScalar(key), { prehash: false, lowS: false, format: 'compact' });
  return signature.slice().buffer as ArrayBuffer;
}

async function sign(algorithm: SignAlgorithm, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
  if (algorithmName(algorithm) === 'ECDSA') return signEcdsaDeterministic(algorithm, key, data);
  return subtle.sign(algorithm, key, data);
}

// Node's SubtleCrypto methods check `this`, so every other method is bound to the real one.
const deterministicSubtle = new Proxy(subtle, {
  get(target, prop) {
    if (prop === 'sign') return sign;
    const value = Reflect.get(target, prop, target) as unknown;
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

export const deterministicCrypto: Crypto = {
  subtle: deterministicSubtle,
  getRandomValues: (array) => webcrypto.getRandomValues(array),
  randomUUID: () => webcrypto.randomUUID(),
};
