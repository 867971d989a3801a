// Every certificate issuePki makes, read back in process through node:crypto (OpenSSL's parser):
// signed by the CA kubeadm uses for it, kubeadm's subject and extended key usage (test/secrets/
// expected.ts, written from kubeadm's list, not from profiles.ts), its SANs, dates by the validity
// rule, and where its files go, for stacked and external etcd. One small ECDSA cluster made inside
// each test (perTest), so StrykerJS's per-test coverage sends a mutant only to the tests that reach
// it (issue 23); test/secrets/openssl.test.ts checks the same with the openssl CLI for every algorithm.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { KsprayError } from '../../src/errors/errors.js';
import { createBundle, ensureLeafKeys, issuePki, leafKeyNames } from '../../src/secrets/index.js';
import { serverUrl } from '../../src/secrets/kubeconfig.js';
import { hostOf } from '../../src/secrets/profiles.js';
import type { IssuedPki, SecretsBundle } from '../../src/secrets/types.js';
import type { ClusterModel } from '../../src/model/model.js';
import { loadExample } from '../helpers/fixtures.js';
import { allExpectedLeaves, apiServerSans, CA_SUBJECTS, CONTROL_PLANES, etcdSans, type Ca } from './expected.js';
import { demoBundle, demoModel, NOW, perTest } from './fixtures.js';
import { runBuffer } from './tools.js';

const DAY = 24 * 3600_000;
const BACKDATE = 5 * 60_000;
const EKU = { 'TLS Web Server Authentication': '1.3.6.1.5.5.7.3.1', 'TLS Web Client Authentication': '1.3.6.1.5.5.7.3.2' } as Record<string, string>;

const model = demoModel();
const fixture = perTest(async () => {
  const bundle = await demoBundle(model);
  return { bundle, pki: await issuePki(model, bundle) };
});

const caPem = (b: SecretsBundle, ca: Ca) => ({ ca: b.ca, 'front-proxy-ca': b.frontProxyCa, 'etcd-ca': b.etcdCa })[ca].cert;
const certOf = (pki: IssuedPki, name: string) => new X509Certificate(pki.certificates.find((c) => c.name === name)!.pem);
/** Dates as the certificate holds them (validFrom/validTo text: Node 20 has no validFromDate). */
const from = (c: X509Certificate) => new Date(c.validFrom);
const to = (c: X509Certificate) => new Date(c.validTo);
/** node:crypto prints "DNS:a, IP Address:b"; as a sorted list like expected.ts's. */
const sans = (c: X509Certificate) => (c.subjectAltName ?? '').split(', ').filter(Boolean).sort();
/** node:crypto prints the subject one RDN a line, "O=x\nCN=y"; expected.ts has openssl's "O = x, CN = y". */
const subjectLine = (c: X509Certificate) => c.subject.trim().split('\n').map((rdn) => rdn.replace('=', ' = ')).join(', ');

describe('every leaf certificate', () => {
  test('is the list kubeadm issues, plus the three CAs, each named with its issuer', async () => {
    const { pki } = await fixture();
    const expected = allExpectedLeaves();
    expect(pki.certificates.map((c) => c.name)).toEqual(['ca', 'front-proxy-ca', 'etcd-ca', ...leafKeyNames(model)]);
    expect(new Set(leafKeyNames(model))).toEqual(new Set(expected.keys()));
    for (const c of pki.certificates.slice(0, 3)) expect(c.issuer, c.name).toBe('self');
    for (const c of pki.certificates.slice(3)) expect(c.issuer, c.name).toBe(expected.get(c.name)!.issuer);
  });

  test("is signed by its CA, not by the others, with kubeadm's subject and extended key usage, and is no CA", async () => {
    const { bundle, pki } = await fixture();
    for (const [name, want] of allExpectedLeaves()) {
      const cert = certOf(pki, name);
      for (const ca of ['ca', 'front-proxy-ca', 'etcd-ca'] as const) {
        const issuer = new X509Certificate(caPem(bundle, ca));
        expect(cert.verify(issuer.publicKey) && cert.checkIssued(issuer), `${name} by ${ca}`).toBe(ca === want.issuer);
      }
      expect(subjectLine(cert), name).toBe(want.subject);
      expect([...(cert.keyUsage ?? [])].sort(), name).toEqual(want.eku.split(', ').map((e) => EKU[e]).sort());
      expect(cert.ca, name).toBe(false);
      // It certifies the leaf's own key from the bundle.
      expect(cert.checkPrivateKey(createPrivateKey(bundle.leafKeys.get(name)!.key)), name).toBe(true);
    }
  });

  test('SANs: the apiserver has kubeadm\'s list plus localhost, etcd server and peer their member\'s names; client certificates none', async () => {
    const { pki } = await fixture();
    for (const cp of CONTROL_PLANES) {
      expect(sans(certOf(pki, `${cp.name}/apiserver`)), cp.name).toEqual(apiServerSans(cp));
      expect(sans(certOf(pki, `${cp.name}/etcd/server`)), cp.name).toEqual(etcdSans(cp));
      expect(sans(certOf(pki, `${cp.name}/etcd/peer`)), cp.name).toEqual(etcdSans(cp));
    }
    for (const [name, want] of allExpectedLeaves()) {
      if (want.purposes.includes('sslserver')) continue;
      expect(certOf(pki, name).subjectAltName, name).toBeUndefined();
    }
  });

  test('dates: from its key creation, backdated 5 minutes, valid spec.pki.certValidityDays', async () => {
    const { bundle, pki } = await fixture();
    expect(model.pki.certValidityDays).toBe(365);
    const later = new Date('2026-04-01T00:00:00Z');
    bundle.leafKeys.set('cp-2/apiserver', { ...bundle.leafKeys.get('cp-2/apiserver')!, createdAt: later });
    const again = await issuePki(model, bundle);
    for (const name of leafKeyNames(model)) {
      const created = name === 'cp-2/apiserver' ? later : NOW;
      const cert = certOf(again, name);
      expect(from(cert), name).toEqual(new Date(created.getTime() - BACKDATE));
      expect(to(cert), name).toEqual(new Date(created.getTime() - BACKDATE + 365 * DAY));
    }
    expect(certOf(again, 'cp-1/apiserver').raw).toEqual(certOf(pki, 'cp-1/apiserver').raw);
    expect(certOf(again, 'cp-2/apiserver').serialNumber).not.toBe(certOf(pki, 'cp-2/apiserver').serialNumber);
  });

  test('dates: never past the CA that signs it', async () => {
    const bundle = await createBundle({ clusterName: 'demo', algorithm: 'ECDSA-P256', caValidityDays: 100, now: NOW });
    await ensureLeafKeys(bundle, leafKeyNames(model), NOW);
    const pki = await issuePki(model, bundle);
    const caEnd = to(new X509Certificate(bundle.ca.cert));
    expect(caEnd).toEqual(new Date(NOW.getTime() + 100 * DAY));
    for (const name of leafKeyNames(model)) expect(to(certOf(pki, name)), name).toEqual(caEnd);
  });

  test('serials: 16 bytes, positive, distinct within the cluster', async () => {
    const { pki } = await fixture();
    const serials = pki.certificates.map((c) => new X509Certificate(c.pem).serialNumber);
    for (const s of serials) expect(s).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(new Set(serials).size).toBe(serials.length);
  });
});

describe('the CAs createBundle makes', () => {
  test("kubeadm's CA names, self-signed CAs, dated from creation for caValidityDays, each with its own key", async () => {
    const bundle = await createBundle({ clusterName: 'demo', algorithm: 'ECDSA-P256', caValidityDays: 42, now: NOW });
    const keys = new Set<string>();
    for (const [ca, pair] of [['ca', bundle.ca], ['front-proxy-ca', bundle.frontProxyCa], ['etcd-ca', bundle.etcdCa]] as const) {
      const cert = new X509Certificate(pair.cert);
      expect(subjectLine(cert), ca).toBe(CA_SUBJECTS[ca]);
      expect(cert.issuer, ca).toBe(cert.subject);
      expect(cert.ca, ca).toBe(true);
      expect(cert.verify(cert.publicKey) && cert.checkIssued(cert), ca).toBe(true);
      expect(cert.checkPrivateKey(createPrivateKey(pair.key)), ca).toBe(true);
      expect(from(cert), ca).toEqual(new Date(NOW.getTime() - BACKDATE));
      expect(to(cert), ca).toEqual(new Date(NOW.getTime() + 42 * DAY));
      expect(cert.serialNumber, ca).toMatch(/^[4-7][0-9A-F]{31}$/);
      keys.add(pair.key);
    }
    keys.add(bundle.serviceAccount.privateKey);
    expect(keys.size).toBe(4);
    expect(bundle.createdAt).toEqual(NOW);
    expect(bundle.createdAt).not.toBe(NOW); // a copy: the caller's clock object may move on
    expect(bundle).toMatchObject({ version: 1, clusterName: 'demo', algorithm: 'ECDSA-P256' });
    expect(bundle.leafKeys.size).toBe(0);
  });

  test('ensureLeafKeys: one key per distinct name, dated by a copy of now', async () => {
    const bundle = await createBundle({ clusterName: 'demo', algorithm: 'ECDSA-P256', caValidityDays: 42, now: NOW });
    const now = new Date(NOW);
    expect(await ensureLeafKeys(bundle, ['a/b', 'a/b', 'c/d'], now)).toEqual(['a/b', 'c/d']);
    expect(bundle.leafKeys.size).toBe(2);
    now.setFullYear(2030);
    expect(bundle.leafKeys.get('a/b')!.createdAt).toEqual(NOW);
    expect(createPrivateKey(bundle.leafKeys.get('c/d')!.key).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  });
});

describe('what issuePki hands on', () => {
  test("the CA certificate, its discovery hash (kubeadm's openssl recipe), the bundle's token and encryption key", async () => {
    const { bundle, pki } = await fixture();
    expect(pki.caCert).toBe(bundle.ca.cert);
    const spki = runBuffer('openssl', ['pkey', '-pubin', '-outform', 'der'], runBuffer('openssl', ['x509', '-pubkey', '-noout'], bundle.ca.cert));
    expect(pki.caCertHash).toBe(`sha256:${createHash('sha256').update(spki).digest('hex')}`);
    expect(pki.bootstrapToken).toEqual(bundle.bootstrapToken);
    expect(pki.bootstrapToken).not.toBe(bundle.bootstrapToken);
    expect(pki.encryptionKey).toBe(bundle.encryptionKey);
  });

  test("a node's files are its own copy: changing them changes no later call", async () => {
    const { pki } = await fixture();
    const first = pki.controlPlaneFiles('cp-1');
    const copy = structuredClone(first);
    for (const f of first) f.content = 'changed';
    expect(pki.controlPlaneFiles('cp-1')).toEqual(copy);
  });

  test('workers are refused etcd member files in a stacked cluster', async () => {
    const { pki } = await fixture();
    for (const name of ['cp-1', 'w-1']) expect(() => pki.etcdMemberFiles(name)).toThrow(`"${name}" is not an external etcd member`);
  });
});

describe('external etcd', () => {
  const external = perTest(async () => {
    const m: ClusterModel = loadExample('external-etcd');
    const bundle = await createBundle({ clusterName: m.name, algorithm: m.pki.algorithm, caValidityDays: 3650, now: NOW });
    await ensureLeafKeys(bundle, leafKeyNames(m), NOW);
    return { m, bundle, pki: await issuePki(m, bundle) };
  });

  test('the control planes are etcd clients only: the etcd CA certificate, never its key, and no member certificates', async () => {
    const { bundle, pki } = await external();
    const files = pki.controlPlaneFiles('cp-1');
    expect(files.map((f) => f.relPath)).toEqual([
      'ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'sa.key', 'sa.pub',
      'apiserver.crt', 'apiserver.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key',
      'apiserver-etcd-client.crt', 'apiserver-etcd-client.key', 'front-proxy-client.crt', 'front-proxy-client.key',
    ]);
    const etcdCa = files.find((f) => f.relPath === 'etcd/ca.crt')!;
    expect(etcdCa).toEqual({ relPath: 'etcd/ca.crt', content: bundle.etcdCa.cert, secret: false });
    for (const f of files) expect(f.secret, f.relPath).toBe(f.relPath.endsWith('.key'));
    expect(() => pki.controlPlaneFiles('etcd-1')).toThrow('"etcd-1" is not a control-plane node');
  });

  test("each member's /etc/etcd/pki: the etcd CA certificate and its own server and peer pairs, for its names", async () => {
    const { m, bundle, pki } = await external();
    const members = m.nodes.filter((n) => n.name.startsWith('etcd-'));
    expect(members.map((n) => n.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    for (const node of members) {
      const files = pki.etcdMemberFiles(node.name);
      expect(files.map((f) => [f.relPath, f.secret])).toEqual([['ca.crt', false], ['server.crt', false], ['server.key', true], ['peer.crt', false], ['peer.key', true]]);
      const byPath = new Map(files.map((f) => [f.relPath, f.content]));
      expect(byPath.get('ca.crt')).toBe(bundle.etcdCa.cert);
      for (const pair of ['server', 'peer']) {
        const cert = new X509Certificate(byPath.get(`${pair}.crt`)!);
        expect(byPath.get(`${pair}.key`)).toBe(bundle.leafKeys.get(`${node.name}/etcd/${pair}`)!.key);
        expect(cert.checkIssued(new X509Certificate(bundle.etcdCa.cert)) && cert.verify(new X509Certificate(bundle.etcdCa.cert).publicKey)).toBe(true);
        expect(subjectLine(cert)).toBe(`CN = ${node.name}`);
        expect(sans(cert)).toEqual(etcdSans({ name: node.name, address: node.address! }));
        expect([...(cert.keyUsage ?? [])].sort()).toEqual([EKU['TLS Web Server Authentication'], EKU['TLS Web Client Authentication']].sort());
      }
      // A copy each call, like the control planes' files.
      files[0]!.content = 'changed';
      expect(pki.etcdMemberFiles(node.name)[0]!.content).toBe(bundle.etcdCa.cert);
    }
    expect(() => pki.etcdMemberFiles('cp-1')).toThrow('"cp-1" is not an external etcd member');
    expect(leafKeyNames(m).filter((n) => n.startsWith('etcd-')).sort()).toEqual(members.flatMap((n) => [`${n.name}/etcd/peer`, `${n.name}/etcd/server`]).sort());
  });
});

describe('endpoints', () => {
  test('hostOf: the host of host:port, [v6]:port, host, [v6]', () => {
    expect(hostOf('api.demo.internal:6443')).toBe('api.demo.internal');
    expect(hostOf('api.demo.internal')).toBe('api.demo.internal');
    expect(hostOf('10.0.0.11:6443')).toBe('10.0.0.11');
    expect(hostOf('[fd00::11]:6443')).toBe('fd00::11');
    expect(hostOf('[fd00::11]')).toBe('fd00::11');
    expect(hostOf('fd00::11')).toBe('fd00::11');
  });

  test('serverUrl brackets IPv6 hosts', () => {
    expect(serverUrl('api.demo.internal', 6443)).toBe('https://api.demo.internal:6443');
    expect(serverUrl('10.0.0.11', 443)).toBe('https://10.0.0.11:443');
    expect(serverUrl('fd00::11', 6443)).toBe('https://[fd00::11]:6443');
  });
});

describe('refusals', () => {
  test('a missing leaf key: a failure (a kspray bug) naming it, by rule', async () => {
    const bundle = await demoBundle(model);
    bundle.leafKeys.delete('kubeconfig/scheduler');
    const error = await issuePki(model, bundle).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KsprayError);
    expect(error).toMatchObject({ kind: 'failure', problems: [expect.objectContaining({ rule: 'leaf-key-present' })] });
    expect((error as KsprayError).message).toContain('"kubeconfig/scheduler"');
  });

  test("another cluster's bundle: an input error at metadata.name", async () => {
    const bundle = { ...(await demoBundle(model)), clusterName: 'other' };
    await expect(issuePki(model, bundle)).rejects.toMatchObject({ kind: 'input', problems: [expect.objectContaining({ rule: 'bundle-matches-cluster', path: ['metadata', 'name'] })] });
  });
});
