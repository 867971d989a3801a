// X.509 certificates shaped as kubeadm's (pkiutil.NewSelfSignedCACert / NewSignedCert, on Go's
// crypto/x509): critical keyUsage and basicConstraints, SKI on CAs, AKI on leaves. Written as DER
// directly (der.ts), byte for byte what @peculiar/x509 wrote for the same inputs before, so bundles
// made by earlier releases re-render to the same certificates (test/secrets/certificateBytes.test.ts
// compares both for every kind of certificate).
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { algorithmParams } from './algorithms.js';
import * as der from './der.js';
import { childrenOf, contentOf, readTlv } from './derReader.js';
import { toPem } from './pem.js';
import { signingKey, signTbs, type SigningKey } from './signer.js';

export type Usage = 'server' | 'client';

export interface Subject {
  commonName: string;
  organization?: string;
}

/** A CA able to sign, read once per render: what its leaves copy from it, and its key. */
export interface Signer {
  /** The CA's subject Name, as DER: each leaf's issuer, byte for byte. */
  subject: Buffer;
  /** The CA's subjectKeyIdentifier: each leaf's authorityKeyIdentifier. */
  keyId: Buffer;
  /** The CA's SubjectPublicKeyInfo, as the certificate holds it (DER). */
  publicKey: Buffer;
  notAfter: Date;
  key: SigningKey;
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

// OIDs (RFC 5280 4.1.1.2, 4.2.1; RFC 5758 3.2; RFC 4055 5): constants of X.509, never changing.
const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const SIGNATURE_OID: Record<string, string> = {
  'ECDSA/SHA-256': '1.2.840.10045.4.3.2',
  'ECDSA/SHA-384': '1.2.840.10045.4.3.3',
  'RSASSA-PKCS1-v1_5/SHA-256': '1.2.840.113549.1.1.11',
};

/** The OIDs encoded once: a render issues dozens of certificates with the same few. */
const ENCODED = Object.fromEntries(Object.entries(OID).map(([k, v]) => [k, der.oid(v)])) as Record<keyof typeof OID, Buffer>;

/** keyUsage bit numbers (RFC 5280 4.2.1.3). */
const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5 } as const;
const EKU: Record<Usage, Buffer> = { server: ENCODED.serverAuth, client: ENCODED.clientAuth };

/** AlgorithmIdentifier of the signature: ECDSA's has no parameters, RSA's an explicit NULL (RFC 4055 5). */
function signatureAlgorithm(algorithm: PkiAlgorithm): Buffer {
  const { name, hash } = algorithmParams(algorithm).sign;
  const id = SIGNATURE_OID[`${name}/${hash}`];
  // Stryker disable next-line ConditionalExpression,StringLiteral: every algorithm of algorithms.ts has one (certificateBytes.test.ts signs with each); this guards a new one added without
  if (!id) throw new Error(`no signature algorithm for ${name} with ${hash}`);
  return name === 'ECDSA' ? der.sequence(der.oid(id)) : der.sequence(der.oid(id), der.nullValue());
}

const signatureAlgorithms = new Map<PkiAlgorithm, Buffer>();

/** PrintableString when the value fits its alphabet, else UTF8String (as @peculiar/x509 chose, so subjects keep their bytes). */
const directoryString = (value: string) => (der.PRINTABLE.test(value) ? der.printableString(value) : der.utf8String(value));

/** Go orders RDNs O before CN; keeping that order makes subjects read as kubeadm's do. One attribute per RDN. */
export function subjectName(subject: Subject): Buffer {
  const rdn = (type: Buffer, value: string) => der.set(der.sequence(type, directoryString(value)));
  return der.sequence(...(subject.organization ? [rdn(ENCODED.organization, subject.organization)] : []), rdn(ENCODED.commonName, subject.commonName));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (so omitted when false), extnValue OCTET STRING }. */
function extension(id: Buffer, critical: boolean, value: Buffer): Buffer {
  return der.sequence(id, ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

// The extensions every leaf has the same (kubeadm's NewSignedCert): critical keyUsage, critical basicConstraints CA:FALSE.
const LEAF_KEY_USAGE = extension(ENCODED.keyUsage, true, der.namedBits([KU.digitalSignature, KU.keyEncipherment]));
const LEAF_BASIC_CONSTRAINTS = extension(ENCODED.basicConstraints, true, der.sequence());

interface Body {
  serialNumber: string;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  publicKey: Uint8Array;
  extensions: Buffer[];
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } (RFC 5280 4.1). */
function signCertificate(body: Body, key: SigningKey, algorithm: PkiAlgorithm): Buffer {
  let sigAlg = signatureAlgorithms.get(algorithm);
  // Stryker disable next-line ConditionalExpression: a cache; encoding it again gives the same bytes
  if (!sigAlg) signatureAlgorithms.set(algorithm, (sigAlg = signatureAlgorithm(algorithm)));
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3
    der.unsignedInteger(Buffer.from(body.serialNumber, 'hex')),
    sigAlg,
    body.issuer,
    der.sequence(der.x509Time(body.notBefore), der.x509Time(body.notAfter)),
    body.subject,
    body.publicKey,
    der.explicit(3, der.sequence(...body.extensions)),
  );
  return der.sequence(tbs, sigAlg, der.bitString(signTbs(key, tbs)));
}

export function certToPem(cert: Uint8Array): string {
  return toPem('CERTIFICATE', cert);
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function keyIdentifier(spki: Uint8Array): Buffer {
  const [, subjectPublicKey] = childrenOf(spki, readTlv(spki));
  if (!subjectPublicKey || subjectPublicKey.identifier !== 0x03) throw new Error('SubjectPublicKeyInfo has no subjectPublicKey BIT STRING');
  return createHash('sha1').update(contentOf(spki, subjectPublicKey).subarray(1)).digest();
}

/** A self-signed CA certificate; `spki` and `pkcs8` are the DER of its key pair. */
export function createCaCertificate(
  commonName: string,
  key: { spki: Uint8Array; pkcs8: Uint8Array },
  algorithm: PkiAlgorithm,
  validity: { notBefore: Date; notAfter: Date },
  serialNumber: string,
): Buffer {
  const name = subjectName({ commonName });
  const extensions = [
    extension(ENCODED.keyUsage, true, der.namedBits([KU.digitalSignature, KU.keyEncipherment, KU.keyCertSign])),
    extension(ENCODED.basicConstraints, true, der.sequence(der.boolean(true))),
    extension(ENCODED.subjectKeyIdentifier, false, der.octetString(keyIdentifier(key.spki))),
  ];
  const signer = signingKey(key.pkcs8, algorithm, algorithmParams(algorithm).sign.hash);
  return signCertificate({ serialNumber, issuer: name, subject: name, ...validity, publicKey: key.spki, extensions }, signer, algorithm);
}

export function signLeafCertificate(template: LeafTemplate, signer: Signer): Buffer {
  const extensions = [
    LEAF_KEY_USAGE,
    extension(ENCODED.extKeyUsage, false, der.sequence(...template.usages.map((u) => EKU[u]))),
    LEAF_BASIC_CONSTRAINTS,
    extension(ENCODED.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, signer.keyId))),
  ];
  if (template.altNames.length > 0) extensions.push(extension(ENCODED.subjectAltName, false, generalNames(template.altNames)));
  return signCertificate(
    {
      serialNumber: template.serialNumber,
      issuer: signer.subject,
      subject: subjectName(template.subject),
      notBefore: template.notBefore,
      notAfter: template.notAfter,
      publicKey: template.publicKey,
      extensions,
    },
    signer.key,
    signer.algorithm,
  );
}

/** GeneralNames: dNSName [2] IA5String, then iPAddress [7] OCTET STRING (4 or 16 bytes); DNS names first, as Go writes them. */
function generalNames(altNames: string[]): Buffer {
  // Stryker disable next-line StringLiteral: DNS names are ASCII (the model's rules), where the default UTF-8 writes the same bytes
  const dns = altNames.filter((n) => addressBytes(n) === undefined).map((n) => der.implicitPrimitive(2, Buffer.from(n, 'ascii')));
  const ips = altNames.map(addressBytes).filter((b) => b !== undefined);
  return der.sequence(...dns, ...ips.map((b) => der.implicitPrimitive(7, b)));
}

/** Each SAN's address bytes (4 or 16), or undefined for a DNS name; remembered, as every certificate repeats the same few. */
const addresses = new Map<string, Buffer | undefined>();

function addressBytes(name: string): Buffer | undefined {
  // Stryker disable next-line ConditionalExpression: a cache; parsing again gives the same bytes
  if (!addresses.has(name)) addresses.set(name, isAddress(name) ? Buffer.from(ipaddr.parse(name).toByteArray()) : undefined);
  return addresses.get(name);
}

/**
 * node:net's isIP, asked only the question that can be yes: an IPv6 address always has a ":" and
 * neither an IPv4 address nor a DNS name ever has one. IPv6 is checked by ipaddr.js, which parses it
 * next anyway: node's IPv6 pattern cost ~4 ms to compile, once per process, for the one "::1".
 */
const isAddress = (name: string): boolean => (name.includes(':') ? ipaddr.IPv6.isValid(name) : isIPv4(name));
