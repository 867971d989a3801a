// One table per PKI algorithm: how WebCrypto generates, imports and signs with it, and how
// node:crypto describes a key of it (to check keys loaded from disk).
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';

export interface AlgorithmParams {
  generate: EcKeyGenParams | RsaHashedKeyGenParams;
  import: EcKeyImportParams | RsaHashedImportParams;
  /** x509 signingAlgorithm. P-384 signs with SHA-384 as Go (kubeadm) does; everything else SHA-256. */
  sign: { name: string; hash: string };
  /** What node:crypto's KeyObject reports for such a key. */
  nodeKey: { type: 'ec'; namedCurve: string } | { type: 'rsa'; modulusLength: number };
}

const RSA_EXPONENT = new Uint8Array([1, 0, 1]); // 65537

function ec(namedCurve: 'P-256' | 'P-384', nodeCurve: string, hash: string): AlgorithmParams {
  return {
    generate: { name: 'ECDSA', namedCurve },
    import: { name: 'ECDSA', namedCurve },
    sign: { name: 'ECDSA', hash },
    nodeKey: { type: 'ec', namedCurve: nodeCurve },
  };
}

function rsa(modulusLength: number): AlgorithmParams {
  const name = 'RSASSA-PKCS1-v1_5';
  return {
    generate: { name, modulusLength, publicExponent: RSA_EXPONENT, hash: 'SHA-256' },
    import: { name, hash: 'SHA-256' },
    sign: { name, hash: 'SHA-256' },
    nodeKey: { type: 'rsa', modulusLength },
  };
}

const TABLE: Record<PkiAlgorithm, AlgorithmParams> = {
  'ECDSA-P256': ec('P-256', 'prime256v1', 'SHA-256'),
  'ECDSA-P384': ec('P-384', 'secp384r1', 'SHA-384'),
  'RSA-2048': rsa(2048),
  'RSA-3072': rsa(3072),
  'RSA-4096': rsa(4096),
};

export function algorithmParams(algorithm: PkiAlgorithm): AlgorithmParams {
  return TABLE[algorithm];
}

export function isPkiAlgorithm(value: unknown): value is PkiAlgorithm {
  return typeof value === 'string' && Object.hasOwn(TABLE, value);
}
