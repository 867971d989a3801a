// Key generation on Node's WebCrypto (RSA generation runs on the libuv pool, so keys generated
// together are generated in parallel). Private keys are PKCS#8 "PRIVATE KEY" PEM.
import { createPublicKey } from 'node:crypto';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { algorithmParams } from './algorithms.js';
import { toPem } from './pem.js';

const subtle = globalThis.crypto.subtle;

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

/** A new key pair as DER: PKCS#8 private key and SubjectPublicKeyInfo, both exported by WebCrypto. */
export async function generateKeyDer(algorithm: PkiAlgorithm): Promise<{ pkcs8: Buffer; spki: Buffer }> {
  const pair = (await subtle.generateKey(algorithmParams(algorithm).generate, true, ['sign', 'verify'])) as CryptoKeyPair;
  const [pkcs8, spki] = await Promise.all([subtle.exportKey('pkcs8', pair.privateKey), subtle.exportKey('spki', pair.publicKey)]);
  return { pkcs8: Buffer.from(pkcs8), spki: Buffer.from(spki) };
}

/**
 * The public key (DER SPKI) of each private key generated in this process, by its PEM: a first render
 * signs every new leaf's certificate right after generating its key, and re-deriving the public key
 * from the PKCS#8 PEM was ~25% of issuing the HA example's certificates. WebCrypto's SPKI export is
 * the same DER as OpenSSL's (test/secrets/keys.test.ts), so a cached and a derived key sign alike.
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

/** DER SubjectPublicKeyInfo of a private key (synchronous: no WebCrypto import needed). */
export function spkiOfPrivateKey(privateKeyPem: string): Buffer {
  return generatedSpki.get(privateKeyPem) ?? derivedSpki(privateKeyPem);
}

/** The public key read back from the private key's PEM (a key loaded from the bundle). */
export function derivedSpki(privateKeyPem: string): Buffer {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
}
