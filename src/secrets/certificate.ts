// X.509 certificates shaped as kubeadm's (pkiutil.NewSelfSignedCACert / NewSignedCert, on Go's
// crypto/x509): critical keyUsage and basicConstraints, SKI on CAs, AKI on leaves.
import { isIP } from 'node:net';
import * as x509 from './x509.js';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { algorithmParams } from './algorithms.js';
import { toPem } from './pem.js';
import { deterministicCrypto } from './signer.js';

export type Usage = 'server' | 'client';

export interface Subject {
  commonName: string;
  organization?: string;
}

/** A CA able to sign: its parsed certificate and imported private key. */
export interface Signer {
  cert: x509.X509Certificate;
  key: CryptoKey;
  algorithm: PkiAlgorithm;
}

export interface LeafTemplate {
  subject: Subject;
  usages: Usage[];
  /** DNS names and IP addresses together; each is put in the SAN as what it is. */
  altNames: string[];
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo of the leaf key. */
  publicKey: Uint8Array;
}

const KU = x509.KeyUsageFlags;
const EKU: Record<Usage, string> = { server: x509.ExtendedKeyUsage.serverAuth, client: x509.ExtendedKeyUsage.clientAuth };

/** Go orders RDNs O before CN; keeping that order makes subjects read as kubeadm's do. */
export function subjectName(subject: Subject): x509.Name {
  const rdns: Array<Record<string, string[]>> = [];
  if (subject.organization) rdns.push({ O: [subject.organization] });
  rdns.push({ CN: [subject.commonName] });
  return new x509.Name(rdns);
}

export function certToPem(cert: x509.X509Certificate): string {
  return toPem('CERTIFICATE', cert.rawData);
}

export async function createCaCertificate(
  commonName: string,
  keys: CryptoKeyPair,
  algorithm: PkiAlgorithm,
  validity: { notBefore: Date; notAfter: Date },
  serialNumber: string,
): Promise<x509.X509Certificate> {
  const name = subjectName({ commonName });
  return x509.X509CertificateGenerator.create(
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
}

export async function signLeafCertificate(template: LeafTemplate, signer: Signer): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: template.serialNumber,
      subject: subjectName(template.subject),
      issuer: signer.cert.subjectName,
      notBefore: template.notBefore,
      notAfter: template.notAfter,
      publicKey: new Uint8Array(template.publicKey),
      signingKey: signer.key,
      signingAlgorithm: algorithmParams(signer.algorithm).sign,
      extensions: leafExtensions(template, signer),
    },
    deterministicCrypto,
  );
}

function leafExtensions(template: LeafTemplate, signer: Signer): x509.Extension[] {
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(KU.digitalSignature | KU.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(template.usages.map((u) => EKU[u]), false),
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.AuthorityKeyIdentifierExtension(subjectKeyId(signer.cert), false),
  ];
  if (template.altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(generalNames(template.altNames), false));
  return extensions;
}

function subjectKeyId(cert: x509.X509Certificate): string {
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (!ski) throw new Error(`CA certificate ${cert.subject} has no subjectKeyIdentifier`);
  return ski.keyId;
}

/** DNS names first, then IPs, as Go writes them. */
function generalNames(altNames: string[]): x509.JsonGeneralName[] {
  const dns = altNames.filter((n) => isIP(n) === 0).map((value) => ({ type: 'dns' as const, value }));
  const ips = altNames.filter((n) => isIP(n) !== 0).map((value) => ({ type: 'ip' as const, value }));
  return [...dns, ...ips];
}
