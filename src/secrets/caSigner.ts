// A bundle CA read once per render for signing its leaves: what each leaf copies from the CA
// certificate (its subject as the leaf's issuer, its subjectKeyIdentifier as the leaf's
// authorityKeyIdentifier, its notAfter as the leaf's latest expiry) and its signing key. Read from
// the DER directly: the CAs are kspray's own, checked by node:crypto when the bundle was loaded.
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';
import { algorithmParams } from './algorithms.js';
import type { Signer } from './certificate.js';
import { oid } from './der.js';
import { bytesOf, childrenOf, contentOf, readTime, readTlv, type Tlv } from './derReader.js';
import { pemToDer } from './pem.js';
import { signingKey } from './signer.js';

// Stryker disable next-line StringLiteral: der.oid('') throws on import, so every test file importing this fails to load; Stryker's vitest runner counts that as no test run ("Survived")
const SUBJECT_KEY_IDENTIFIER = oid('2.5.29.14'); // RFC 5280 4.2.1.2

export function loadSigner(pair: { cert: string; key: string }, algorithm: PkiAlgorithm): Signer {
  const cert = pemToDer(pair.cert, 'CERTIFICATE');
  if (!cert) throw new Error('CA certificate is not a PEM certificate');
  const tbsFields = childrenOf(cert, childrenOf(cert, readTlv(cert))[0]!);
  // TBSCertificate: [0] version, serialNumber, signature, issuer, validity, subject, spki, …, [3] extensions.
  // Only v3 has extensions, and a CA needs its subjectKeyIdentifier: an older one (no version field) is refused.
  if (tbsFields[0]?.identifier !== 0xa0) throw new Error('a CA certificate of the bundle is not X.509 v3 (no extensions, so no subjectKeyIdentifier)');
  const [validity, subject, spki] = [tbsFields[4]!, tbsFields[5]!, tbsFields[6]!];
  const [, notAfter] = childrenOf(cert, validity);
  return {
    subject: Buffer.from(bytesOf(cert, subject)),
    keyId: subjectKeyIdOf(cert, tbsFields),
    publicKey: Buffer.from(bytesOf(cert, spki)),
    notAfter: readTime(cert, notAfter!),
    key: signingKey(pair.key, algorithm, algorithmParams(algorithm).sign.hash),
    algorithm,
  };
}

function subjectKeyIdOf(cert: Buffer, tbsFields: Tlv[]): Buffer {
  const extensions = tbsFields.find((t) => t.identifier === 0xa3);
  for (const ext of extensions ? childrenOf(cert, childrenOf(cert, extensions)[0]!) : []) {
    const parts = childrenOf(cert, ext);
    if (!bytesOf(cert, parts[0]!).equals(SUBJECT_KEY_IDENTIFIER)) continue;
    const value = contentOf(cert, parts.at(-1)!); // OCTET STRING holding the KeyIdentifier OCTET STRING
    return Buffer.from(contentOf(value, readTlv(value)));
  }
  throw new Error('a CA certificate of the bundle has no subjectKeyIdentifier');
}
