// The deterministic ECDSA signer (RFC 6979 nonce, k·G by OpenSSL) against @noble/curves, which signed
// kspray's certificates before: the same key and digest give the same (r, s), so certificates of
// existing bundles keep their bytes. Every signature is also checked by node:crypto's verify (OpenSSL),
// and RSA against WebCrypto's own PKCS#1 v1.5 signature.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { describe, expect, test } from 'vitest';
import * as der from '../../src/secrets/der.js';
import { ecdsaSign, signingKey, signTbs, type SigningKey } from '../../src/secrets/signer.js';
import type { PkiAlgorithm } from '../../src/api/v1alpha1/types.js';

const CASES = [
  { algorithm: 'ECDSA-P256', curve: 'P-256', noble: p256, hash: 'SHA-256', node: 'sha256' },
  { algorithm: 'ECDSA-P384', curve: 'P-384', noble: p384, hash: 'SHA-384', node: 'sha384' },
] as const;

function ecKey(curve: string): { pem: string; d: Uint8Array; key: KeyObject } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { pem, d: new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')), key: privateKey };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ecdsaKey = (k: SigningKey) => {
  if (k.kind !== 'ecdsa') throw new Error('not an ECDSA key');
  return k;
};

describe.each(CASES)('$algorithm', ({ algorithm, curve, noble, hash, node }) => {
  test('signatures equal @noble/curves RFC 6979 ones (40 keys, odd digests too)', () => {
    const size = curve === 'P-256' ? 32 : 48;
    for (let i = 0; i < 40; i++) {
      const k = ecKey(curve);
      const key = ecdsaKey(signingKey(k.pem, algorithm as PkiAlgorithm, hash));
      // Digests with leading zero bytes and all-ones ones walk the edges of the integer conversions.
      const digest = i === 0 ? Buffer.alloc(size) : i === 1 ? Buffer.alloc(size, 0xff) : i === 2 ? Buffer.concat([Buffer.alloc(4), randomBytes(size - 4)]) : randomBytes(size);
      const { r, s } = ecdsaSign(key.curve, key.d, digest);
      const theirs = noble.sign(digest, k.d, { prehash: false, lowS: false, format: 'compact' });
      const ours = Buffer.from(r.toString(16).padStart(size * 2, '0') + s.toString(16).padStart(size * 2, '0'), 'hex');
      expect(hex(ours), `key ${i}`).toBe(hex(theirs));
    }
  });

  // RFC 6979 bits2int: a digest longer than the order is cut to its leftmost bits; a shorter one is taken whole.
  test.each([
    ['longer than the order is cut to its leftmost bits (SHA-512 length)', 64],
    ['shorter than the order is taken whole (SHA-1 length)', 20],
  ])('a digest %s, as noble signs it', (_what, digestBytes) => {
    const k = ecKey(curve);
    const key = ecdsaKey(signingKey(k.pem, algorithm as PkiAlgorithm, hash));
    const digest = randomBytes(digestBytes);
    const { r, s } = ecdsaSign(key.curve, key.d, digest);
    const size = curve === 'P-256' ? 32 : 48;
    const theirs = noble.sign(digest, k.d, { prehash: false, lowS: false, format: 'compact' });
    expect(hex(Buffer.from(r.toString(16).padStart(size * 2, '0') + s.toString(16).padStart(size * 2, '0'), 'hex'))).toBe(hex(theirs));
  });

  test('signTbs: a DER ECDSA-Sig-Value over the hash of the body, deterministic, verified by OpenSSL', () => {
    const k = ecKey(curve);
    const key = signingKey(k.pem, algorithm as PkiAlgorithm, hash);
    for (let i = 0; i < 20; i++) {
      const tbs = randomBytes(100 + i);
      const signature = signTbs(key, tbs);
      expect(signTbs(key, tbs).equals(signature)).toBe(true);
      expect(verify(node, tbs, k.key, signature), `body ${i}`).toBe(true);
      // The hash is the algorithm's: the other one does not verify.
      expect(verify(node === 'sha256' ? 'sha384' : 'sha256', tbs, k.key, signature)).toBe(false);
    }
  });

  test('a key of another curve or type is refused', () => {
    const other = ecKey(curve === 'P-256' ? 'P-384' : 'P-256');
    expect(() => signingKey(other.pem, algorithm as PkiAlgorithm, hash)).toThrow(/must be an EC key on/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => signingKey(rsa, algorithm as PkiAlgorithm, hash)).toThrow(/must be an EC key on/);
  });
});

describe('RSA-2048', () => {
  test("signTbs equals WebCrypto's RSASSA-PKCS1-v1_5 signature and verifies", async () => {
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', pair.privateKey));
    const key = signingKey(pkcs8, 'RSA-2048', 'SHA-256');
    const tbs = randomBytes(500);
    const theirs = Buffer.from(await subtle.sign('RSASSA-PKCS1-v1_5', pair.privateKey, tbs));
    expect(hex(signTbs(key, tbs))).toBe(hex(theirs));
    expect(verify('sha256', tbs, createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), theirs)).toBe(true);
  });

  test('an EC key for an RSA bundle, and an unknown hash, are refused', () => {
    expect(() => signingKey(ecKey('P-256').pem, 'RSA-2048', 'SHA-256')).toThrow(/must be RSA/);
    expect(() => signingKey(ecKey('P-256').pem, 'ECDSA-P256', 'SHA-1')).toThrow(/SHA-256 or SHA-384, got SHA-1/);
    expect(() => signingKey(ecKey('P-256').pem, 'ECDSA-P256', 'SHA-512')).toThrow(/SHA-256 or SHA-384, got SHA-512/);
  });
});

test('the digest signed is of the whole body (a changed byte changes the signature)', () => {
  const k = ecKey('P-256');
  const key = signingKey(k.pem, 'ECDSA-P256', 'SHA-256');
  const tbs = createHash('sha256').update('body').digest();
  const changed = Buffer.from(tbs);
  changed[changed.length - 1]! ^= 1;
  expect(signTbs(key, tbs).equals(signTbs(key, changed))).toBe(false);
});

test('a scalar outside [1, n) is refused (a PKCS#8 built around d = 0 and d = n, n from @noble/curves)', () => {
  const n = p256.Point.CURVE().n;
  const pkcs8 = (d: bigint | Buffer) =>
    der.sequence(
      der.integer(0),
      der.sequence(der.oid('1.2.840.10045.2.1'), der.oid('1.2.840.10045.3.1.7')),
      der.octetString(der.sequence(der.integer(1), der.octetString(typeof d === 'bigint' ? Buffer.from(d.toString(16).padStart(64, '0'), 'hex') : d))),
    );
  expect(() => signingKey(pkcs8(Buffer.alloc(0)), 'ECDSA-P256', 'SHA-256')).toThrow(/private scalar in \[1, n\)/); // an empty scalar is 0
  expect(signingKey(pkcs8(1n), 'ECDSA-P256', 'SHA-256')).toMatchObject({ kind: 'ecdsa', d: 1n });
  expect(() => signingKey(pkcs8(0n), 'ECDSA-P256', 'SHA-256')).toThrow(/private scalar in \[1, n\)/);
  expect(() => signingKey(pkcs8(n), 'ECDSA-P256', 'SHA-256')).toThrow(/private scalar in \[1, n\)/);
  expect(signingKey(pkcs8(n - 1n), 'ECDSA-P256', 'SHA-256')).toMatchObject({ kind: 'ecdsa', d: n - 1n });
});
