// Reading PKCS#8 without OpenSSL's decoder (pkcs8.ts): the SubjectPublicKeyInfo written from the key's
// own public parts must be the DER OpenSSL writes for that key (node:crypto createPublicKey), for new
// keys of every algorithm and for every key of the committed test bundles; the EC scalar must be the
// JWK "d" OpenSSL reports. A key whose ECPrivateKey carries no public key (`openssl ec -no_public`)
// falls back to OpenSSL.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as der from '../../src/secrets/der.js';
import { CURVE_OIDS, ecPrivateScalar, spkiFromPkcs8 } from '../../src/secrets/pkcs8.js';
import { generateKeyDer, spkiOfPrivateKey } from '../../src/secrets/keys.js';
import { pemToDer, toPem } from '../../src/secrets/pem.js';
import { fixtureBundleDir } from '../helpers/fixtures.js';
import { haveTool, tool } from '../helpers/validators.js';
import { runBuffer } from './tools.js';

const opensslSpki = (pkcs8: Buffer) => createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });

describe.each(['ECDSA-P256', 'ECDSA-P384', 'RSA-2048'] as const)('%s', (algorithm) => {
  test("the SPKI written from the PKCS#8 is OpenSSL's, for 8 new keys", async () => {
    for (let i = 0; i < 8; i++) {
      const { pkcs8, spki } = await generateKeyDer(algorithm);
      const ours = spkiFromPkcs8(pkcs8);
      expect(ours?.toString('hex')).toBe(opensslSpki(pkcs8).toString('hex'));
      expect(ours?.toString('hex')).toBe(spki.toString('hex'));
    }
  }, 30_000);
});

describe.each([['P-256', 'ECDSA-P256'], ['P-384', 'ECDSA-P384']] as const)('%s scalar', (curve, algorithm) => {
  test("equals OpenSSL's JWK d, and a key of another curve or type is refused", async () => {
    const { pkcs8 } = await generateKeyDer(algorithm);
    const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
    expect(ecPrivateScalar(pkcs8, curve).toString('base64url')).toBe(jwk.d);
    const other = await generateKeyDer(algorithm === 'ECDSA-P256' ? 'ECDSA-P384' : 'ECDSA-P256');
    expect(() => ecPrivateScalar(other.pkcs8, curve)).toThrow(/not an EC key on/);
    expect(() => ecPrivateScalar(pkcs8, 'P-521')).toThrow(/not an EC key on/);
  });
});

test('an RSA key has no EC scalar, and what is not PKCS#8 is refused', async () => {
  const rsa = await generateKeyDer('RSA-2048');
  expect(() => ecPrivateScalar(rsa.pkcs8, 'P-256')).toThrow(/not an EC key on/);
  expect(() => ecPrivateScalar(rsa.spki, 'P-256')).toThrow(/PKCS#8/);
  expect(() => spkiFromPkcs8(rsa.spki)).toThrow(/PKCS#8/);
});

// PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING }
const EC_ALG = der.sequence(der.oid('1.2.840.10045.2.1'), CURVE_OIDS['P-256']!);
const RSA_ALG = der.sequence(der.oid('1.2.840.113549.1.1.1'), der.nullValue());
const info = (algorithm: Buffer, privateKey: Buffer) => der.sequence(der.integer(0), algorithm, der.octetString(privateKey));

test.each([
  ['no field', der.sequence()],
  ['only a version', der.sequence(der.integer(0))],
  ['no privateKey', der.sequence(der.integer(0), EC_ALG)],
  ['a version that is not an INTEGER', der.sequence(der.nullValue(), EC_ALG, der.octetString(Buffer.of(0x30, 0)))],
  ['an algorithm that is not a SEQUENCE', der.sequence(der.integer(0), der.integer(1), der.octetString(Buffer.of(0x30, 0)))],
  ['a privateKey that is not an OCTET STRING', der.sequence(der.integer(0), EC_ALG, der.bitString(Buffer.of(0x30, 0)))],
])('not a PrivateKeyInfo (%s): refused by both readers', (_, bad) => {
  expect(() => ecPrivateScalar(bad, 'P-256')).toThrow(/not a PKCS#8 PrivateKeyInfo/);
  expect(() => spkiFromPkcs8(bad)).toThrow(/not a PKCS#8 PrivateKeyInfo/);
});

test('an AlgorithmIdentifier without an OID is no EC key', () => {
  expect(() => ecPrivateScalar(info(der.sequence(), der.sequence(der.integer(1), der.octetString(Buffer.of(1)))), 'P-256')).toThrow(/not an EC key on P-256/);
});

test('an ECPrivateKey whose second field is not the privateKey OCTET STRING, or is missing, is refused', () => {
  expect(() => ecPrivateScalar(info(EC_ALG, der.sequence(der.integer(1), der.integer(5))), 'P-256')).toThrow(/no privateKey OCTET STRING/);
  expect(() => ecPrivateScalar(info(EC_ALG, der.sequence(der.integer(1))), 'P-256')).toThrow(/no privateKey OCTET STRING/);
});

test('an RSAPrivateKey without INTEGER modulus and exponent gives no SPKI', () => {
  expect(spkiFromPkcs8(info(RSA_ALG, der.sequence(der.integer(0))))).toBeUndefined();
  expect(spkiFromPkcs8(info(RSA_ALG, der.sequence(der.integer(0), der.integer(65537))))).toBeUndefined();
  expect(spkiFromPkcs8(info(RSA_ALG, der.sequence(der.integer(0), der.nullValue(), der.integer(65537))))).toBeUndefined();
  expect(spkiFromPkcs8(info(RSA_ALG, der.sequence(der.integer(0), der.integer(65537), der.nullValue())))).toBeUndefined();
});

test('a key of another type (Ed25519) gives no SPKI, and OpenSSL derives it', () => {
  const pkcs8 = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' });
  expect(spkiFromPkcs8(pkcs8)).toBeUndefined();
  expect(spkiOfPrivateKey(toPem('PRIVATE KEY', pkcs8)).toString('hex')).toBe(opensslSpki(pkcs8).toString('hex'));
});

test('every key of the committed test bundles (ECDSA-P256 and RSA-2048): the same SPKI as OpenSSL reads', () => {
  let keys = 0;
  for (const name of ['ha', 'dual-stack', 'ubuntu-kubespray-ha-layout']) {
    const dir = fixtureBundleDir(name);
    const pems = [
      ...['ca.key', 'front-proxy-ca.key', 'etcd-ca.key', 'sa.key'].map((f) => readFileSync(join(dir, f), 'utf8')),
      ...readdirSync(join(dir, 'leaf')).map((f) => (JSON.parse(readFileSync(join(dir, 'leaf', f), 'utf8')) as { key: string }).key),
    ];
    for (const pem of pems) {
      const der = pemToDer(pem, 'PRIVATE KEY')!;
      expect(spkiFromPkcs8(der)?.toString('hex')).toBe(opensslSpki(der).toString('hex'));
      expect(spkiOfPrivateKey(pem).toString('hex')).toBe(opensslSpki(der).toString('hex'));
      keys++;
    }
  }
  expect(keys).toBeGreaterThan(40);
});

test.runIf(haveTool('openssl'))('a PKCS#8 EC key without its public key (openssl ec -no_public): no SPKI from it, OpenSSL derives it', () => {
  const full = runBuffer(tool('openssl'), ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const sec1 = runBuffer(tool('openssl'), ['ec', '-no_public'], full);
  const pem = runBuffer(tool('openssl'), ['pkcs8', '-topk8', '-nocrypt'], sec1).toString();
  const der = pemToDer(pem, 'PRIVATE KEY')!;
  expect(spkiFromPkcs8(der)).toBeUndefined();
  expect(spkiOfPrivateKey(pem).toString('hex')).toBe(opensslSpki(der).toString('hex'));
  expect(ecPrivateScalar(der, 'P-256').toString('base64url')).toBe(createPrivateKey(pem).export({ format: 'jwk' }).d);
  expect(toPem('PRIVATE KEY', der)).toBe(pem);
});
