// The DER writer (certificate.ts on der.ts) against the path it replaced (@peculiar/x509 and
// @noble/curves, kept in x509Reference.ts): the same key, dates, serial and profile give the same
// bytes, for every kind of certificate kspray issues (CAs; apiserver with DNS, IPv4 and IPv6 SANs;
// kubelet and etcd clients; etcd server and peer; front-proxy; the four kubeconfig clients), for each
// ECDSA curve and RSA. A bundle made by an earlier release must re-render to the certificates its
// nodes already hold. (The goldens prove the same for the 644 leaf certificates of test/golden.)
import { describe, expect, test } from 'vitest';
import type { PkiAlgorithm } from '../../src/api/v1alpha1/types.js';
import { controlPlaneNodes, etcdMembers } from '../../src/model/model.js';
import { loadSigner } from '../../src/secrets/caSigner.js';
import { certToPem, createCaCertificate, keyIdentifier, signLeafCertificate, type LeafTemplate } from '../../src/secrets/certificate.js';
import * as der from '../../src/secrets/der.js';
import { generateKeyDer } from '../../src/secrets/keys.js';
import { toPem } from '../../src/secrets/pem.js';
import { controlPlaneProfiles, etcdMemberProfiles, KUBECONFIG_PROFILES, type CertProfile } from '../../src/secrets/profiles.js';
import { loadExample } from '../helpers/fixtures.js';
import { perTest } from './fixtures.js';
import { referenceCaCertificate, referenceLeafCertificate } from './x509Reference.js';

const ALGORITHMS: PkiAlgorithm[] = ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048'];

/** Every profile kspray issues from, across topologies and address families. */
function allKinds(): CertProfile[] {
  const stacked = loadExample('dual-stack'); // stacked etcd, IPv4 and IPv6 SANs
  const ipv6 = loadExample('ipv6'); // external etcd on IPv6
  return [
    ...controlPlaneProfiles(stacked, controlPlaneNodes(stacked)[0]!),
    ...controlPlaneProfiles(ipv6, controlPlaneNodes(ipv6)[0]!),
    ...etcdMemberProfiles(etcdMembers(ipv6).find((n) => !n.roles.includes('control-plane'))!),
    ...KUBECONFIG_PROFILES,
    // The other branch of the directory string choice: "_" is outside PrintableString, so UTF8String.
    { name: 'odd', issuer: 'ca', subject: { commonName: 'node_with_ünderscore', organization: 'org_1' }, usages: ['client', 'server'], altNames: [] },
  ];
}

/** Dates that take each Time form: milliseconds (dropped by both), UTCTime, GeneralizedTime from 2050, and the boundary. */
const VALIDITIES = [
  { notBefore: new Date('2026-01-01T00:00:00.123Z'), notAfter: new Date('2036-01-01T00:00:00.999Z') },
  { notBefore: new Date('2049-12-31T23:59:59.999Z'), notAfter: new Date('2050-01-01T00:00:00Z') },
  { notBefore: new Date('1950-01-01T00:00:00Z'), notAfter: new Date('2100-06-30T12:34:56Z') },
];

/** Serials as the old path took them: the usual 16 bytes, a top bit set (needs a 0x00), leading zeros (dropped). */
const SERIALS = ['4a1b2c3d4e5f60718293a4b5c6d7e8f9', 'ff00000000000000000000000000000a', '00007f01'];

describe.each(ALGORITHMS)('%s', (algorithm) => {
  // Made inside each test that uses it (not a beforeAll): under Stryker's per-test coverage a
  // beforeAll's code counts for every test of the file, so each of its mutants would rerun them all.
  const setup = perTest(async () => {
    const key = await generateKeyDer(algorithm);
    const cert = createCaCertificate('kubernetes', key, algorithm, VALIDITIES[0]!, SERIALS[0]!);
    const leafKeys: Buffer[] = [];
    for (let i = 0; i < 2; i++) leafKeys.push((await generateKeyDer(algorithm)).spki);
    return { ca: { cert: certToPem(cert), key: toPem('PRIVATE KEY', key.pkcs8) }, leafKeys };
  });

  test.each(VALIDITIES.flatMap((v) => SERIALS.map((s) => [v, s] as const)))('CA certificate: same bytes as the old path (%o, serial %s)', async (validity, serial) => {
    const key = await generateKeyDer(algorithm);
    const ours = createCaCertificate('etcd-ca', key, algorithm, validity, serial);
    const theirs = await referenceCaCertificate('etcd-ca', { pkcs8Pem: toPem('PRIVATE KEY', key.pkcs8), spki: key.spki }, algorithm, validity, serial);
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  }, 60_000);

  test('every leaf kind, every Time form and serial form: same bytes as the old path', async () => {
    const { ca, leafKeys } = await setup();
    const signer = loadSigner(ca, algorithm);
    let compared = 0;
    for (const [i, profile] of allKinds().entries()) {
      const validity = VALIDITIES[i % VALIDITIES.length]!;
      const template: LeafTemplate = { ...profile, ...validity, serialNumber: SERIALS[i % SERIALS.length]!, publicKey: leafKeys[i % leafKeys.length]! };
      const ours = signLeafCertificate(template, signer);
      const theirs = await referenceLeafCertificate(template, ca, algorithm);
      expect(ours.toString('hex'), profile.name).toBe(theirs.toString('hex'));
      compared++;
    }
    expect(compared).toBe(18); // 7 stacked control-plane, 4 external-etcd control-plane, 2 etcd member, 4 kubeconfig, the UTF8String one
  }, 60_000);

  test('the CA read back gives its leaves the notAfter it was made with', async () => {
    const { ca } = await setup();
    expect(loadSigner(ca, algorithm).notAfter.toISOString()).toBe('2036-01-01T00:00:00.000Z');
  }, 60_000);
});

test('a SubjectPublicKeyInfo without its subjectPublicKey BIT STRING has no key identifier', () => {
  const algorithm = der.sequence(der.oid('1.2.840.10045.2.1'));
  expect(() => keyIdentifier(der.sequence(algorithm))).toThrow(/no subjectPublicKey BIT STRING/);
  expect(() => keyIdentifier(der.sequence(algorithm, der.octetString(Buffer.of(0, 4))))).toThrow(/no subjectPublicKey BIT STRING/);
});
