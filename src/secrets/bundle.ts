// The secrets bundle: created once at random, then only ever extended with missing leaf keys.
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { certToPem, createCaCertificate } from './certificate.js';
import { generateKeyDer, generateKeyPair, generatePrivateKeys } from './keys.js';
import { toPem } from './pem.js';
import { randomSerial } from './serial.js';
import { newBootstrapToken, newEncryptionKey } from './token.js';
import type { PemPair, SecretsBundle } from './types.js';
import { caValidity } from './validity.js';

export { bundleFromFiles, bundleToFiles } from './bundleFiles.js';

export interface CreateBundleOptions {
  clusterName: string;
  algorithm: PkiAlgorithm;
  caValidityDays: number;
  now: Date;
}

/** Common names kubeadm gives its CAs (certs.KubeadmCertRootCA and friends). */
export const CA_COMMON_NAMES = { ca: 'kubernetes', frontProxyCa: 'front-proxy-ca', etcdCa: 'etcd-ca' } as const;

export async function createBundle(options: CreateBundleOptions): Promise<SecretsBundle> {
  const [ca, frontProxyCa, etcdCa, serviceAccount] = await Promise.all([
    createCa(CA_COMMON_NAMES.ca, options),
    createCa(CA_COMMON_NAMES.frontProxyCa, options),
    createCa(CA_COMMON_NAMES.etcdCa, options),
    generateKeyPair(options.algorithm),
  ]);
  return {
    version: 1,
    clusterName: options.clusterName,
    algorithm: options.algorithm,
    createdAt: new Date(options.now),
    ca,
    frontProxyCa,
    etcdCa,
    serviceAccount,
    bootstrapToken: newBootstrapToken(),
    encryptionKey: newEncryptionKey(),
    leafKeys: new Map(),
  };
}

async function createCa(commonName: string, options: CreateBundleOptions): Promise<PemPair> {
  const key = await generateKeyDer(options.algorithm);
  const cert = createCaCertificate(commonName, key, options.algorithm, caValidity(options.now, options.caValidityDays), randomSerial());
  return { cert: certToPem(cert), key: toPem('PRIVATE KEY', key.pkcs8) };
}

/**
 * Adds a private key for every name the bundle lacks and returns those names. An existing key is
 * never replaced: its certificates are already on nodes.
 */
export async function ensureLeafKeys(bundle: SecretsBundle, names: string[], now: Date): Promise<string[]> {
  // Stryker disable next-line MethodExpression: without this filter keys would be generated for present names too, then dropped by the re-check below: slower, same bundle.
  const missing = [...new Set(names)].filter((name) => !bundle.leafKeys.has(name));
  const keys = await generatePrivateKeys(bundle.algorithm, missing.length);
  const added: string[] = [];
  missing.forEach((name, i) => {
    // Re-checked after the await: a concurrent call may have added it meanwhile.
    if (bundle.leafKeys.has(name)) return;
    bundle.leafKeys.set(name, { key: keys[i]!, createdAt: new Date(now) });
    added.push(name);
  });
  return added;
}
