// Key generation on node:crypto (OpenSSL), run on the libuv pool, so keys generated together are
// generated in parallel. Private keys are PKCS#8 "PRIVATE KEY" PEM.
import { createPublicKey, generateKeyPair as nodeGenerateKeyPair } from 'node:crypto';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { algorithmParams } from './algorithms.js';
import { pemToDer, toPem } from './pem.js';
import { spkiFromPkcs8 } from './pkcs8.js';

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

/**
 * A new key pair as DER: PKCS#8 private key and SubjectPublicKeyInfo, written by OpenSSL in the same
 * job that generates the key. (WebCrypto's generateKey and two exportKey calls made three jobs per key
 * and cost ~1.6× this for the HA example's 29 ECDSA keys; the DER is OpenSSL's either way.)
 */
export function generateKeyDer(algorithm: PkiAlgorithm): Promise<{ pkcs8: Buffer; spki: Buffer }> {
  const encoding = { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } } as const;
  const key = algorithmParams(algorithm).nodeKey;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, spki: Buffer, pkcs8: Buffer) => (err ? reject(err) : resolve({ pkcs8, spki }));
    if (key.type === 'ec') nodeGenerateKeyPair('ec', { namedCurve: key.namedCurve, ...encoding }, done);
    else nodeGenerateKeyPair('rsa', { modulusLength: key.modulusLength, publicExponent: 0x10001, ...encoding }, done);
  });
}

/**
 * The public key (DER SPKI) of each private key generated in this process, by its PEM: a first render
 * signs every new leaf's certificate right after generating its key, and re-deriving the public key
 * from the PKCS#8 PEM was ~25% of issuing the HA example's certificates. The SPKI written at generation
 * is the DER that reading the key back gives (test/secrets/keys.test.ts), so a cached and a derived key sign alike.
 */
const generatedSpki = new Map<string, Buffer>();

export async function generateKeyPair(algorithm: PkiAlgorithm): Promise<KeyPairPem> {
  const { pkcs8, spki } = await generateKeyDer(algorithm);
  const privateKey = toPem('PRIVATE KEY', pkcs8);
  generatedSpki.set(privateKey, spki);
  return { privateKey, publicKey: toPem('PUBLIC KEY', spki) };
}

export async function generatePrivateKeys(algorithm: PkiAlgorithm, count: number): Promise<string[]> {
  const pairs = await Promise.all(Array.from({ length: count }, () => generateKeyPair(algorithm)));
  return pairs.map((p) => p.privateKey);
}

/**
 * DER SubjectPublicKeyInfo of a private key: kept from its generation, else written from the public
 * parts the PKCS#8 holds (pkcs8.ts: what OpenSSL would write, without its ~0.6 ms decoder per key),
 * else asked of OpenSSL.
 */
export function spkiOfPrivateKey(privateKeyPem: string): Buffer {
  const kept = generatedSpki.get(privateKeyPem);
  // Stryker disable next-line ConditionalExpression: a cache; the SPKI derived instead is the same DER (test/secrets/keys.test.ts)
  if (kept) return kept;
  // Stryker disable next-line StringLiteral: another label finds no block, and OpenSSL then derives the same SPKI
  const der = pemToDer(privateKeyPem, 'PRIVATE KEY');
  return (der && spkiFromPkcs8(der)) ?? derivedSpki(privateKeyPem);
}

/** The public key read back from the private key's PEM (a key loaded from the bundle). */
export function derivedSpki(privateKeyPem: string): Buffer {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
}
