// Reading a bundle CA for signing (caSigner.ts) from certificates shaped otherwise than kspray's own:
// the fields are found by position after an optional version, and the subjectKeyIdentifier by its OID
// wherever it sits and whether or not it is marked critical. Certificates built field by field (der.ts);
// loadSigner does not check the signature (node:crypto did when the bundle was loaded).
import { describe, expect, test } from 'vitest';
import { loadSigner } from '../../src/secrets/caSigner.js';
import * as der from '../../src/secrets/der.js';
import { generateKeyDer } from '../../src/secrets/keys.js';
import { toPem } from '../../src/secrets/pem.js';

const NAME = der.sequence(der.set(der.sequence(der.oid('2.5.4.3'), der.printableString('test-ca'))));
const SIG_ALG = der.sequence(der.oid('1.2.840.10045.4.3.2'));
const NOT_AFTER = new Date('2036-01-02T03:04:05Z');
const SKI = Buffer.from('0102030405060708090a0b0c0d0e0f1011121314', 'hex');

function certificate(opts: { version: boolean; extensions?: Buffer[] }, spki: Buffer): string {
  const tbs = der.sequence(
    ...(opts.version ? [der.explicit(0, der.integer(2))] : []),
    der.integer(1),
    SIG_ALG,
    NAME,
    der.sequence(der.x509Time(new Date('2026-01-01T00:00:00Z')), der.x509Time(NOT_AFTER)),
    NAME,
    spki,
    ...(opts.extensions ? [der.explicit(3, der.sequence(...opts.extensions))] : []),
  );
  return toPem('CERTIFICATE', der.sequence(tbs, SIG_ALG, der.bitString(Buffer.of(0))));
}

const ext = (oid: string, critical: boolean, value: Buffer) => der.sequence(der.oid(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
const skiExt = (critical: boolean) => ext('2.5.29.14', critical, der.octetString(SKI));
const basicConstraints = ext('2.5.29.19', true, der.sequence(der.boolean(true)));

describe('loadSigner', () => {
  test('what is not a PEM certificate is refused', async () => {
    const key = await generateKeyDer('ECDSA-P256');
    expect(() => loadSigner({ cert: toPem('PUBLIC KEY', key.spki), key: toPem('PRIVATE KEY', key.pkcs8) }, 'ECDSA-P256')).toThrow(/not a PEM certificate/);
  });

  test('a CA whose TBSCertificate is empty is refused as not v3', async () => {
    const key = await generateKeyDer('ECDSA-P256');
    const cert = toPem('CERTIFICATE', der.sequence(der.sequence(), SIG_ALG, der.bitString(Buffer.of(0))));
    expect(() => loadSigner({ cert, key: toPem('PRIVATE KEY', key.pkcs8) }, 'ECDSA-P256')).toThrow(/not X.509 v3/);
  });

  test('a v1 CA (no version field, so no extensions) is refused', async () => {
    const key = await generateKeyDer('ECDSA-P256');
    expect(() => loadSigner({ cert: certificate({ version: false }, key.spki), key: toPem('PRIVATE KEY', key.pkcs8) }, 'ECDSA-P256')).toThrow(/not X.509 v3/);
  });

  test.each([
    ['v3 without extensions', { version: true }],
    ['v3 with extensions but no subjectKeyIdentifier', { version: true, extensions: [basicConstraints] }],
  ])('a CA with no subjectKeyIdentifier is refused: %s', async (_, opts) => {
    const key = await generateKeyDer('ECDSA-P256');
    expect(() => loadSigner({ cert: certificate(opts, key.spki), key: toPem('PRIVATE KEY', key.pkcs8) }, 'ECDSA-P256')).toThrow(/has no subjectKeyIdentifier/);
  });

  test.each([false, true])('the subjectKeyIdentifier is found after other extensions, critical: %s', async (critical) => {
    const key = await generateKeyDer('ECDSA-P256');
    const signer = loadSigner({ cert: certificate({ version: true, extensions: [basicConstraints, skiExt(critical)] }, key.spki), key: toPem('PRIVATE KEY', key.pkcs8) }, 'ECDSA-P256');
    expect(signer.keyId.toString('hex')).toBe(SKI.toString('hex'));
    expect(signer.publicKey.toString('hex')).toBe(key.spki.toString('hex'));
    expect(signer.subject.toString('hex')).toBe(NAME.toString('hex'));
    expect(signer.notAfter.toISOString()).toBe(NOT_AFTER.toISOString());
  });
});
