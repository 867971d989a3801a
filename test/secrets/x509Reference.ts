// Test-only: how kspray built certificates before der.ts (release s25): @peculiar/x509 on WebCrypto,
// ECDSA signed deterministically by @noble/curves (RFC 6979). Kept so certificateBytes.test.ts can
// show that the DER writer gives the same bytes for the same inputs: bundles made by earlier releases
// must re-render to the certificates their nodes already hold. Not to be changed to match src/.
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { p256, p384 } from '@noble/curves/nist.js';
import type { PkiAlgorithm } from '../../src/api/v1alpha1/types.js';
import { algorithmParams } from '../../src/secrets/algorithms.js';
import type { LeafTemplate, Subject, Usage } from '../../src/secrets/certificate.js';
import { pemToDer } from '../../src/secrets/pem.js';

const webcrypto = globalThis.crypto;
const subtle = webcrypto.subtle;
const CURVES = { 'P-256': p256, 'P-384': p384 } as const;
const NODE_HASH: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

type SignAlgorithm = AlgorithmIdentifier | EcdsaParams;

function bytesOf(data: BufferSource): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

async function sign(algorithm: SignAlgorithm, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
  const name = (typeof algorithm === 'string' ? algorithm : algorithm.name).toUpperCase();
  if (name !== 'ECDSA') return subtle.sign(algorithm, key, data);
  const curve = CURVES[(key.algorithm as EcKeyAlgorithm).namedCurve as keyof typeof CURVES];
  const hash = (algorithm as EcdsaParams).hash;
  const digest = createHash(NODE_HASH[(typeof hash === 'string' ? hash : hash.name).toUpperCase()]!).update(bytesOf(data)).digest();
  const jwk = await subtle.exportKey('jwk', key);
  const signature = curve.sign(digest, new Uint8Array(Buffer.from(jwk.d!, 'base64url')), { prehash: false, lowS: false, format: 'compact' });
  return signature.slice().buffer as ArrayBuffer;
}

const deterministicCrypto: Crypto = {
  subtle: new Proxy(subtle, {
    get(target, prop) {
      if (prop === 'sign') return sign;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }),
  getRandomValues: (array) => webcrypto.getRandomValues(array),
  randomUUID: () => webcrypto.randomUUID(),
};

const KU = x509.KeyUsageFlags;
const EKU: Record<Usage, string> = { server: x509.ExtendedKeyUsage.serverAuth, client: x509.ExtendedKeyUsage.clientAuth };

function subjectName(subject: Subject): x509.Name {
  const rdns: Array<Record<string, string[]>> = [];
  if (subject.organization) rdns.push({ O: [subject.organization] });
  rdns.push({ CN: [subject.commonName] });
  return new x509.Name(rdns);
}

/** WebCrypto import parameters, as the old algorithms table had them. */
function importParams(algorithm: PkiAlgorithm): EcKeyImportParams | RsaHashedImportParams {
  if (algorithm === 'ECDSA-P256') return { name: 'ECDSA', namedCurve: 'P-256' };
  if (algorithm === 'ECDSA-P384') return { name: 'ECDSA', namedCurve: 'P-384' };
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

async function importKeys(pkcs8Pem: string, spki: Uint8Array, algorithm: PkiAlgorithm): Promise<CryptoKeyPair> {
  const privateKey = await subtle.importKey('pkcs8', new Uint8Array(pemToDer(pkcs8Pem, 'PRIVATE KEY')!), importParams(algorithm), true, ['sign']);
  const publicKey = await subtle.importKey('spki', new Uint8Array(spki), importParams(algorithm), true, ['verify']);
  return { privateKey, publicKey };
}

/** The CA certificate as DER, made by the old path from the same key, dates and serial. */
export async function referenceCaCertificate(
  commonName: string,
  key: { pkcs8Pem: string; spki: Uint8Array },
  algorithm: PkiAlgorithm,
  validity: { notBefore: Date; notAfter: Date },
  serialNumber: string,
): Promise<Buffer> {
  const keys = await importKeys(key.pkcs8Pem, key.spki, algorithm);
  const name = subjectName({ commonName });
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber,
      subject: name,
      issuer: name,
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: algorithmParams(algorithm).sign,
      extensions: [
        new x509.KeyUsagesExtension(KU.digitalSignature | KU.keyEncipherment | KU.keyCertSign, true),
        new x509.BasicConstraintsExtension(true, undefined, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, deterministicCrypto),
      ],
    },
    deterministicCrypto,
  );
  return Buffer.from(cert.rawData);
}

/** A leaf certificate as DER, signed by the old path with the CA of this certificate and key PEM. */
export async function referenceLeafCertificate(template: LeafTemplate, ca: { cert: string; key: string }, algorithm: PkiAlgorithm): Promise<Buffer> {
  const caCert = new x509.X509Certificate(ca.cert);
  const signingKey = await subtle.importKey('pkcs8', new Uint8Array(pemToDer(ca.key, 'PRIVATE KEY')!), importParams(algorithm), true, ['sign']);
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension)!;
  const dns = template.altNames.filter((n) => isIP(n) === 0).map((value) => ({ type: 'dns' as const, value }));
  const ips = template.altNames.filter((n) => isIP(n) !== 0).map((value) => ({ type: 'ip' as const, value }));
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(KU.digitalSignature | KU.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(template.usages.map((u) => EKU[u]), false),
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.AuthorityKeyIdentifierExtension(ski.keyId, false),
  ];
  if (template.altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension([...dns, ...ips], false));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: template.serialNumber,
      subject: subjectName(template.subject),
      issuer: caCert.subjectName,
      notBefore: template.notBefore,
      notAfter: template.notAfter,
      publicKey: new Uint8Array(template.publicKey),
      signingKey,
      signingAlgorithm: algorithmParams(algorithm).sign,
      extensions,
    },
    deterministicCrypto,
  );
  return Buffer.from(cert.rawData);
}
