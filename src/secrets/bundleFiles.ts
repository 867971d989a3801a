// The bundle as files under outputs/<cluster>/secrets/ and back. Loading checks everything it can
// (PEM, key/cert pairs, algorithm, token format) because a damaged bundle found at render time is
// recoverable from backup, while certificates issued from one are not.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { algorithmParams, isPkiAlgorithm } from './algorithms.js';
import { pemToDer } from './pem.js';
import { BOOTSTRAP_TOKEN_ID, BOOTSTRAP_TOKEN_SECRET, isEncryptionKey } from './token.js';
import type { PemPair, SecretsBundle } from './types.js';

export interface BundleFile {
  relPath: string;
  content: string;
  mode: number;
}

const FILE_MODE = 0o600;
const META = 'bundle.json';
const LEAF_DIR = 'leaf/';
const SA_KEY = 'sa.key';
const SA_PUB = 'sa.pub';
/** File base names of the CAs, as kubeadm names them in /etc/kubernetes/pki (etcd's flattened). */
const CA_FILES = { ca: 'ca', frontProxyCa: 'front-proxy-ca', etcdCa: 'etcd-ca' } as const;
type CaField = keyof typeof CA_FILES;

/**
 * The files of a new bundle before any leaf key, in the order bundleToFiles lists them, which is
 * the order releases before atomic creation linked them one by one: a killed first run of those
 * left a prefix of this list (bundleState.ts recognises it).
 */
export const CORE_FILES: readonly string[] = [
  META,
  ...Object.values(CA_FILES).flatMap((base) => [`${base}.crt`, `${base}.key`]),
  SA_KEY,
  SA_PUB,
];

/** Node names are DNS-1123 labels (no "_"), so "/" → "__" is reversible and keeps leaf/ flat. */
export function leafFileName(name: string): string {
  return `${LEAF_DIR}${name.replaceAll('/', '__')}.json`;
}

// ---------------------------------------------------------------- writing

export function bundleToFiles(bundle: SecretsBundle): BundleFile[] {
  const files: Array<Omit<BundleFile, 'mode'>> = [
    { relPath: META, content: stableJson(metaOf(bundle)) },
    ...(Object.keys(CA_FILES) as CaField[]).flatMap((field) => pairFiles(CA_FILES[field], bundle[field])),
    { relPath: SA_KEY, content: bundle.serviceAccount.privateKey },
    { relPath: SA_PUB, content: bundle.serviceAccount.publicKey },
    ...sortedLeafNames(bundle).map((name) => leafFile(name, bundle.leafKeys.get(name)!)),
  ];
  return files.map((f) => ({ ...f, mode: FILE_MODE }));
}

function metaOf(bundle: SecretsBundle) {
  return {
    version: bundle.version,
    clusterName: bundle.clusterName,
    algorithm: bundle.algorithm,
    createdAt: bundle.createdAt.toISOString(),
    bootstrapToken: { id: bundle.bootstrapToken.id, secret: bundle.bootstrapToken.secret },
    encryptionKey: bundle.encryptionKey,
  };
}

function pairFiles(base: string, pair: PemPair): Array<Omit<BundleFile, 'mode'>> {
  return [
    { relPath: `${base}.crt`, content: pair.cert },
    { relPath: `${base}.key`, content: pair.key },
  ];
}

function sortedLeafNames(bundle: SecretsBundle): string[] {
  // The default sort orders by UTF-16 code units, exactly as < compares strings.
  return [...bundle.leafKeys.keys()].sort();
}

function leafFile(name: string, leaf: { key: string; createdAt: Date }): Omit<BundleFile, 'mode'> {
  return { relPath: leafFileName(name), content: stableJson({ name, createdAt: leaf.createdAt.toISOString(), key: leaf.key }) };
}

/** Sorted keys, two-space indent, final newline: diffable and byte-stable. */
function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    // Stryker disable next-line ConditionalExpression: no bundle file holds a null (metaOf, leafFile), so the null guard changes nothing today.
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]))
      : v;
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

// ---------------------------------------------------------------- reading

/** Where problems are reported: every check names the file it found wrong. */
class BundleSource {
  constructor(
    private readonly files: Map<string, string>,
    private readonly dir: string,
  ) {}

  path(relPath: string): string {
    return `${this.dir.replace(/\/+$/, '')}/${relPath}`;
  }

  corrupt(relPath: string, detail: string): never {
    throw new KsprayError('input', [messages.bundleCorrupt(this.path(relPath), detail)]);
  }

  text(relPath: string): string {
    const content = this.files.get(relPath);
    if (content === undefined) this.corrupt(relPath, 'the file is missing');
    return content;
  }

  json(relPath: string): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(this.text(relPath));
    } catch {
      this.corrupt(relPath, 'it is not valid JSON');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.corrupt(relPath, 'it is not a JSON object');
    return value as Record<string, unknown>;
  }

  leafPaths(): string[] {
    return [...this.files.keys()].filter((p) => p.startsWith(LEAF_DIR) && p.endsWith('.json')).sort();
  }

  versionError(found: unknown): never {
    throw new KsprayError('input', [messages.bundleVersion(this.path(META), found)]);
  }
}

export function bundleFromFiles(files: Map<string, string>, dirForMessages: string): SecretsBundle {
  const src = new BundleSource(files, dirForMessages);
  const meta = readMeta(src);
  return {
    version: 1,
    clusterName: meta.clusterName,
    algorithm: meta.algorithm,
    createdAt: meta.createdAt,
    ca: readCa(src, CA_FILES.ca, meta.algorithm),
    frontProxyCa: readCa(src, CA_FILES.frontProxyCa, meta.algorithm),
    etcdCa: readCa(src, CA_FILES.etcdCa, meta.algorithm),
    serviceAccount: readServiceAccount(src, meta.algorithm),
    bootstrapToken: meta.bootstrapToken,
    encryptionKey: meta.encryptionKey,
    leafKeys: readLeafKeys(src, meta.algorithm),
  };
}

interface Meta {
  clusterName: string;
  algorithm: PkiAlgorithm;
  createdAt: Date;
  bootstrapToken: { id: string; secret: string };
  encryptionKey: string;
}

function readMeta(src: BundleSource): Meta {
  const m = src.json(META);
  if (m.version !== 1) src.versionError(m.version);
  if (typeof m.clusterName !== 'string' || m.clusterName === '') src.corrupt(META, 'clusterName is missing');
  if (!isPkiAlgorithm(m.algorithm)) src.corrupt(META, `algorithm ${JSON.stringify(m.algorithm)} is not a known PKI algorithm`);
  const token = m.bootstrapToken as { id?: unknown; secret?: unknown } | undefined;
  const id = token?.id;
  const secret = token?.secret;
  if (typeof id !== 'string' || !BOOTSTRAP_TOKEN_ID.test(id) || typeof secret !== 'string' || !BOOTSTRAP_TOKEN_SECRET.test(secret)) {
    src.corrupt(META, 'bootstrapToken is not in kubeadm format ([a-z0-9]{6}.[a-z0-9]{16})');
  }
  if (!isEncryptionKey(m.encryptionKey)) src.corrupt(META, 'encryptionKey is not the base64 of 32 bytes');
  return {
    clusterName: m.clusterName,
    algorithm: m.algorithm,
    createdAt: readDate(src, META, m.createdAt),
    bootstrapToken: { id, secret },
    encryptionKey: m.encryptionKey as string,
  };
}

function readDate(src: BundleSource, relPath: string, value: unknown): Date {
  // Stryker disable next-line ConditionalExpression: a non-string never equals its own toISOString() below, so it is refused either way.
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString() !== value) src.corrupt(relPath, 'createdAt is not an ISO 8601 UTC timestamp');
  return date;
}

function readCa(src: BundleSource, base: string, algorithm: PkiAlgorithm): PemPair {
  const certPath = `${base}.crt`;
  const keyPath = `${base}.key`;
  const cert = parseCaCertificate(src, certPath);
  const keyPem = src.text(keyPath);
  const key = parsePrivateKey(src, keyPath, keyPem, algorithm);
  if (!cert.checkPrivateKey(key)) src.corrupt(keyPath, `the key does not belong to the certificate in ${certPath}`);
  return { cert: src.text(certPath), key: keyPem };
}

function parseCaCertificate(src: BundleSource, relPath: string): X509Certificate {
  const pem = src.text(relPath);
  if (!pemToDer(pem, 'CERTIFICATE')) src.corrupt(relPath, 'it is not a PEM certificate');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    src.corrupt(relPath, 'the certificate does not parse');
  }
  if (!cert.ca) src.corrupt(relPath, 'the certificate is not a CA (basicConstraints CA:TRUE)');
  return cert;
}

function parsePrivateKey(src: BundleSource, relPath: string, pem: string, algorithm: PkiAlgorithm): KeyObject {
  if (!pemToDer(pem, 'PRIVATE KEY')) src.corrupt(relPath, 'it is not a PKCS#8 PEM private key');
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    src.corrupt(relPath, 'the private key does not parse');
  }
  if (!isKeyOf(key, algorithm)) src.corrupt(relPath, `the key is not ${algorithm}, the algorithm of the bundle`);
  return key;
}

function isKeyOf(key: KeyObject, algorithm: PkiAlgorithm): boolean {
  const want = algorithmParams(algorithm).nodeKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType !== want.type) return false;
  return want.type === 'ec' ? details.namedCurve === want.namedCurve : details.modulusLength === want.modulusLength;
}

function readServiceAccount(src: BundleSource, algorithm: PkiAlgorithm): SecretsBundle['serviceAccount'] {
  const privateKey = src.text(SA_KEY);
  const publicKey = src.text(SA_PUB);
  const key = parsePrivateKey(src, SA_KEY, privateKey, algorithm);
  // The PEM label first: createPublicKey would also take a private key and derive its public half.
  if (!pemToDer(publicKey, 'PUBLIC KEY')) src.corrupt(SA_PUB, 'it is not a PEM public key');
  let pub: KeyObject;
  try {
    pub = createPublicKey(publicKey);
  } catch {
    src.corrupt(SA_PUB, 'it is not a PEM public key');
  }
  const derived = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!derived.equals(pub.export({ type: 'spki', format: 'der' }))) src.corrupt(SA_PUB, `it is not the public key of ${SA_KEY}`);
  return { privateKey, publicKey };
}

function readLeafKeys(src: BundleSource, algorithm: PkiAlgorithm): SecretsBundle['leafKeys'] {
  const leafKeys: SecretsBundle['leafKeys'] = new Map();
  for (const relPath of src.leafPaths()) {
    const leaf = src.json(relPath);
    if (typeof leaf.name !== 'string' || leafFileName(leaf.name) !== relPath) src.corrupt(relPath, 'its name does not match the file name');
    if (typeof leaf.key !== 'string') src.corrupt(relPath, 'key is missing');
    parsePrivateKey(src, relPath, leaf.key, algorithm);
    leafKeys.set(leaf.name, { key: leaf.key, createdAt: readDate(src, relPath, leaf.createdAt) });
  }
  return leafKeys;
}
