// One table per PKI algorithm: how its certificates are signed, and how node:crypto makes and
// describes a key of it (to generate keys and to check keys loaded from disk).
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';

export interface AlgorithmParams {
  /** The certificate signature (WebCrypto names). P-384 signs with SHA-384 as Go (kubeadm) does; everything else SHA-256. */
  sign: { name: string; hash: string };
  /** What node:crypto generates, and what its KeyObject reports for such a key. */
  nodeKey: { type: 'ec'; namedCurve: string } | { type: 'rsa'; modulusLength: number };
}

function ec(nodeCurve: string, hash: string): AlgorithmParams {
  return {
    sign: { name: 'ECDSA', hash },
    nodeKey: { type: 'ec', namedCurve: nodeCurve },
  };
}

function rsa(modulusLength: number): AlgorithmParams {
  return {
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    nodeKey: { type: 'rsa', modulusLength },
  };
}

const TABLE: Record<PkiAlgorithm, AlgorithmParams> = {
  'ECDSA-P256': ec('prime256v1', 'SHA-256'),
  'ECDSA-P384': ec('secp384r1', 'SHA-384'),
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
