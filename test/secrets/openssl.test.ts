// Every certificate checked by openssl itself: chains with -x509_strict and the right purpose,
// refusal against the wrong CA, and the fields kubeadm relies on (subject, SANs, EKU, CA flags).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBundle, issuePki, leafKeyNames } from '../../src/secrets/index.js';
import { generatePrivateKeys } from '../../src/secrets/keys.js';
import type { SecretsBundle } from '../../src/secrets/types.js';
import type { ClusterModel } from '../../src/model/model.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import type { PkiAlgorithm } from '../../src/api/v1alpha1/types.js';
import { demoBundle, demoModel, NOW, scratchDir, type Scratch } from './fixtures.js';
import { allExpectedLeaves, apiServerSans, CA_SUBJECTS, CONTROL_PLANES, etcdSans, type Ca } from './expected.js';
import { run, runBuffer } from './tools.js';

const SLOW = process.env.KSPRAY_SLOW_TESTS === '1';
/**
 * Every algorithm runs every check, in CI too. The rule for the smaller set: RSA key generation
 * grows with the cube of the key size, so for RSA above 2048 bits the CA path is generated for real
 * (the bundle's three CA keys and the service-account key, which sign and verify everything) while
 * all leaves share one key of that size, and the "other bundle" whose same-named CAs must refuse
 * our leaves is RSA-2048: 5 slow keys instead of 58. KSPRAY_SLOW_TESTS=1 generates every key.
 */
const ALGORITHMS: PkiAlgorithm[] = ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096'];
const slowKeys = (algorithm: PkiAlgorithm): boolean => !SLOW && /^RSA-(\d+)$/.test(algorithm) && Number(algorithm.slice(4)) > 2048;

/** The bundle with real CA keys and one private key shared by every leaf (see slowKeys). */
async function bundleWithSharedLeafKey(model: ClusterModel): Promise<SecretsBundle> {
  const bundle = await createBundle({ clusterName: model.name, algorithm: model.pki.algorithm, caValidityDays: model.pki.caValidityDays, now: NOW });
  const [key] = await generatePrivateKeys(model.pki.algorithm, 1);
  for (const name of leafKeyNames(model)) bundle.leafKeys.set(name, { key: key!, createdAt: new Date(NOW) });
  return bundle;
}
const CAS: Ca[] = ['ca', 'front-proxy-ca', 'etcd-ca'];
const DAY = 24 * 60 * 60 * 1000;

const certPath = (name: string) => `certs/${name}.crt`;

function writeCertificates(scratch: Scratch, pki: IssuedPki): void {
  for (const c of pki.certificates) scratch.write(certPath(c.name), c.pem);
}

// Certificates are dated from the fixed NOW, so openssl checks them at that time, not today's.
const AT_TIME = String(Math.floor(NOW.getTime() / 1000) + 3600);

function verifyWith(caFile: string, leafFile: string, purpose: string) {
  return run('openssl', ['verify', '-x509_strict', '-attime', AT_TIME, '-purpose', purpose, '-CAfile', caFile, leafFile]);
}

function verify(scratch: Scratch, ca: string, leaf: string, purpose: string) {
  return verifyWith(`${scratch.dir}/${certPath(ca)}`, `${scratch.dir}/${certPath(leaf)}`, purpose);
}

interface CertInfo {
  subject: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  extensions: Map<string, { critical: boolean; value: string }>;
}

const EXTENSION_NAMES: Record<string, string> = {
  'X509v3 Basic Constraints': 'basicConstraints',
  'X509v3 Key Usage': 'keyUsage',
  'X509v3 Extended Key Usage': 'extendedKeyUsage',
  'X509v3 Subject Alternative Name': 'subjectAltName',
  'X509v3 Subject Key Identifier': 'subjectKeyIdentifier',
  'X509v3 Authority Key Identifier': 'authorityKeyIdentifier',
};

/** One openssl call per certificate, parsed: spawning openssl dominates these tests' time. */
function inspect(pem: string): CertInfo {
  const out = runBuffer(
    'openssl',
    ['x509', '-noout', '-subject', '-serial', '-startdate', '-enddate', '-ext', Object.values(EXTENSION_NAMES).join(',')],
    pem,
  ).toString();
  const field = (key: string) => /^(\w+)=(.*)$/m.exec(out.split('\n').find((l) => l.startsWith(`${key}=`)) ?? '')?.[2] ?? '';
  const extensions = new Map<string, { critical: boolean; value: string }>();
  let current: { critical: boolean; value: string } | undefined;
  for (const line of out.split('\n')) {
    const header = /^(X509v3 [^:]+):( critical)?\s*$/.exec(line);
    if (header) {
      current = { critical: header[2] !== undefined, value: '' };
      extensions.set(EXTENSION_NAMES[header[1]!] ?? header[1]!, current);
    } else if (current && /^\s+\S/.test(line)) {
      current.value = current.value ? `${current.value}, ${line.trim()}` : line.trim();
    }
  }
  return { subject: field('subject'), serial: field('serial'), notBefore: new Date(field('notBefore')), notAfter: new Date(field('notAfter')), extensions };
}

for (const algorithm of ALGORITHMS) {
  describe(`certificates (${algorithm}${slowKeys(algorithm) ? ', one shared leaf key' : ''})`, () => {
    const model = demoModel(algorithm);
    const expected = allExpectedLeaves();
    let pki: IssuedPki;
    let scratch: Scratch;
    let other: Scratch;
    const info = new Map<string, CertInfo>();
    const ext = (name: string, extension: string) => info.get(name)!.extensions.get(extension);

    beforeAll(async () => {
      pki = await issuePki(model, slowKeys(algorithm) ? await bundleWithSharedLeafKey(model) : await demoBundle(model));
      scratch = scratchDir(`openssl-${algorithm}`);
      writeCertificates(scratch, pki);
      for (const c of pki.certificates) info.set(c.name, inspect(c.pem));
      // A second bundle whose CAs have the very same names: only the keys tell them apart (its CAs suffice).
      const otherBundle = await createBundle({ clusterName: model.name, algorithm: slowKeys(algorithm) ? 'RSA-2048' : algorithm, caValidityDays: model.pki.caValidityDays, now: NOW });
      other = scratchDir(`openssl-other-${algorithm}`);
      for (const [ca, pair] of [['ca', otherBundle.ca], ['front-proxy-ca', otherBundle.frontProxyCa], ['etcd-ca', otherBundle.etcdCa]] as const) other.write(certPath(ca), pair.cert);
    }, 300_000); // RSA-4096 key generation on a loaded 2-core machine

    afterAll(() => {
      scratch?.remove();
      other?.remove();
    });

    test('issues exactly the CAs and kubeadm leaves, with the right issuers', () => {
      const issued = new Map(pki.certificates.map((c) => [c.name, c.issuer]));
      expect([...issued.keys()].sort()).toEqual([...CAS, ...expected.keys()].sort());
      for (const ca of CAS) expect(issued.get(ca)).toBe('self');
      for (const [name, leaf] of expected) expect(issued.get(name), name).toBe(leaf.issuer);
    });

    test('CAs are kubeadm-shaped and pass openssl -x509_strict', () => {
      for (const ca of CAS) {
        const result = verify(scratch, ca, ca, 'any');
        expect(result.ok, `${ca}: ${result.stderr}`).toBe(true);
        expect(info.get(ca)!.subject).toBe(CA_SUBJECTS[ca]);
        expect(ext(ca, 'basicConstraints')).toEqual({ critical: true, value: 'CA:TRUE' });
        expect(ext(ca, 'keyUsage')).toEqual({ critical: true, value: 'Digital Signature, Key Encipherment, Certificate Sign' });
        expect(ext(ca, 'subjectKeyIdentifier')?.value).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
        expect(ext(ca, 'authorityKeyIdentifier')).toBeUndefined();
        expect(info.get(ca)!.notAfter.getTime()).toBe(NOW.getTime() + model.pki.caValidityDays * DAY);
      }
    });

    test('every leaf verifies against its own CA for each of its purposes', () => {
      for (const [name, leaf] of expected) {
        for (const purpose of leaf.purposes) {
          const result = verify(scratch, leaf.issuer, name, purpose);
          expect(result.ok, `${name} ${purpose}: ${result.stdout}${result.stderr}`).toBe(true);
          expect(result.stdout).toContain(': OK');
        }
      }
    });

    test('every leaf is refused by the other CAs and by a same-named CA of another bundle', () => {
      for (const [name, leaf] of expected) {
        const purpose = leaf.purposes[0]!;
        for (const wrong of CAS.filter((ca) => ca !== leaf.issuer)) {
          expect(verify(scratch, wrong, name, purpose).ok, `${name} against ${wrong}`).toBe(false);
        }
        const foreign = verifyWith(`${other.dir}/${certPath(leaf.issuer)}`, `${scratch.dir}/${certPath(name)}`, purpose);
        expect(foreign.ok, `${name} against another bundle's ${leaf.issuer}`).toBe(false);
      }
    });

    test('client-only certificates are refused as servers', () => {
      for (const [name, leaf] of expected) {
        if (leaf.purposes.includes('sslserver')) continue;
        expect(verify(scratch, leaf.issuer, name, 'sslserver').ok, name).toBe(false);
      }
    });

    test('subjects, usages and leaf flags are kubeadm\'s', () => {
      for (const [name, leaf] of expected) {
        expect(info.get(name)!.subject, name).toBe(leaf.subject);
        expect(ext(name, 'extendedKeyUsage'), name).toEqual({ critical: false, value: leaf.eku });
        expect(ext(name, 'keyUsage'), name).toEqual({ critical: true, value: 'Digital Signature, Key Encipherment' });
        expect(ext(name, 'basicConstraints'), name).toEqual({ critical: true, value: 'CA:FALSE' });
        expect(ext(name, 'authorityKeyIdentifier')?.value, name).toBe(ext(leaf.issuer, 'subjectKeyIdentifier')?.value);
      }
    });

    test('SANs of apiserver and etcd certificates', () => {
      const sans = (name: string) => ext(name, 'subjectAltName')!.value.split(', ').sort();
      for (const cp of CONTROL_PLANES) {
        expect(sans(`${cp.name}/apiserver`)).toEqual(apiServerSans(cp));
        expect(sans(`${cp.name}/etcd/server`)).toEqual(etcdSans(cp));
        expect(sans(`${cp.name}/etcd/peer`)).toEqual(etcdSans(cp));
      }
    });

    test('validity: from the key creation time minus 5 minutes, for certValidityDays', () => {
      for (const name of expected.keys()) {
        const { notBefore, notAfter } = info.get(name)!;
        expect(notBefore.getTime(), name).toBe(NOW.getTime() - 5 * 60 * 1000);
        expect(notAfter.getTime() - notBefore.getTime(), name).toBe(model.pki.certValidityDays * DAY);
      }
    });

    test('serials are 16 bytes, positive and distinct', () => {
      const serials = [...expected.keys()].map((name) => info.get(name)!.serial);
      for (const s of serials) expect(s).toMatch(/^[4-7][0-9A-F]{31}$/);
      expect(new Set(serials).size).toBe(serials.length);
    });

    test('each control-plane key file matches its certificate', () => {
      for (const cp of CONTROL_PLANES) {
        const files = new Map(pki.controlPlaneFiles(cp.name).map((f) => [f.relPath, f.content]));
        for (const [relPath, key] of files) {
          if (!relPath.endsWith('.key') || relPath === 'sa.key') continue;
          const cert = files.get(relPath.replace(/\.key$/, '.crt'))!;
          const fromKey = runBuffer('openssl', ['pkey', '-pubout'], key).toString();
          const fromCert = runBuffer('openssl', ['x509', '-noout', '-pubkey'], cert).toString();
          expect(fromKey, `${cp.name} ${relPath}`).toBe(fromCert);
          expect(key.startsWith('-----BEGIN PRIVATE KEY-----\n'), relPath).toBe(true);
        }
        const saFromKey = runBuffer('openssl', ['pkey', '-pubout'], files.get('sa.key')!).toString();
        expect(saFromKey).toBe(files.get('sa.pub'));
      }
    });

    test('caCertHash is what `openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256` gives', () => {
      const pubkey = runBuffer('openssl', ['x509', '-noout', '-pubkey'], pki.caCert);
      const der = runBuffer('openssl', ['pkey', '-pubin', '-outform', 'der'], pubkey);
      const digest = runBuffer('openssl', ['dgst', '-sha256', '-r'], der).toString().split(' ')[0];
      expect(pki.caCertHash).toBe(`sha256:${digest}`);
    });
  });
}
