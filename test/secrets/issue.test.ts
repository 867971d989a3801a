// issuePki: deterministic (same model + bundle → same bytes, also after a trip through files),
// kubeadm's /etc/kubernetes/pki layout, kubeconfigs, and clear refusals.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtureBundleDir, loadExample } from '../helpers/fixtures.js';
import { haveTool, tool } from '../helpers/validators.js';
import { parse } from 'yaml';
import { KsprayError } from '../../src/errors/errors.js';
import { bundleFromFiles, bundleToFiles, createBundle, ensureLeafKeys, issuePki, leafKeyNames } from '../../src/secrets/index.js';
import { generatePrivateKeys } from '../../src/secrets/keys.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { demoBundle, demoModel, NOW, perTest, scratchDir } from './fixtures.js';
import { run, runBuffer } from './tools.js';

const model = demoModel();
/** A fresh bundle and its PKI, made inside each test that uses them (perTest says why). */
const fixture = perTest(async () => {
  const bundle = await demoBundle(model);
  return { bundle, pki: await issuePki(model, bundle) };
});

/** Everything issuePki produces, as plain data, for byte-for-byte comparison. */
function snapshot(p: IssuedPki) {
  return {
    caCertHash: p.caCertHash,
    caCert: p.caCert,
    bootstrapToken: p.bootstrapToken,
    encryptionKey: p.encryptionKey,
    kubeconfigs: p.kubeconfigs,
    certificates: p.certificates,
    files: ['cp-1', 'cp-2', 'cp-3'].map((n) => p.controlPlaneFiles(n)),
  };
}

describe('determinism', () => {
  test('two issuePki calls on the same model and bundle give identical bytes', async () => {
    const { bundle, pki } = await fixture();
    const again = await issuePki(model, bundle);
    expect(snapshot(again)).toEqual(snapshot(pki));
  });

  test('a bundle round trip through its files gives identical output', async () => {
    const { bundle, pki } = await fixture();
    const files = new Map(bundleToFiles(bundle).map((f) => [f.relPath, f.content]));
    const reloaded = await issuePki(model, bundleFromFiles(files, 'outputs/demo/secrets'));
    expect(snapshot(reloaded)).toEqual(snapshot(pki));
  });

  test('the same leaf keys under other CAs get other serials, for every leaf (serials are of the bundle, RFC 5280 4.1.2.2)', async () => {
    const { bundle, pki } = await fixture();
    const other = await createBundle({ clusterName: model.name, algorithm: model.pki.algorithm, caValidityDays: model.pki.caValidityDays, now: NOW });
    other.leafKeys = bundle.leafKeys; // same keys and dates: only the three CAs differ
    const serials = (p: IssuedPki) => new Map(p.certificates.filter((c) => c.issuer !== 'self').map((c) => [c.name, new X509Certificate(c.pem).serialNumber]));
    const ours = serials(pki);
    const theirs = serials(await issuePki(model, other));
    expect(ours.size).toBeGreaterThan(10);
    for (const [name, serial] of ours) expect(theirs.get(name), name).not.toBe(serial);
  });

  test('the committed ha test bundle issues the certificates its golden control-plane node holds, byte for byte', async () => {
    // A bundle made by an earlier release must re-render to the certificates its nodes already hold:
    // serials, dates and signatures all come from the bundle (read here as the CLI reads it).
    const dir = fixtureBundleDir('ha');
    const files = new Map(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile()).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    const pki = await issuePki(loadExample('ha'), bundleFromFiles(files, dir));
    const golden = 'test/golden/ha/nodes/cp-1/files/etc/kubernetes/pki';
    const certs = pki.controlPlaneFiles('cp-1').filter((f) => f.relPath.endsWith('.crt'));
    expect(certs.length).toBeGreaterThan(8);
    for (const f of certs) expect(f.content, f.relPath).toBe(readFileSync(join(golden, f.relPath), 'utf8'));
  });

  test('issuing does not change the bundle', async () => {
    const { bundle } = await fixture();
    const before = bundleToFiles(bundle);
    await issuePki(model, bundle);
    expect(bundleToFiles(bundle)).toEqual(before);
  });

  test('RSA-2048 issuing is deterministic too', async () => {
    // One RSA key shared by every leaf: determinism does not need distinct keys, and each RSA key
    // takes a while to generate (this test runs for many mutants, issue 23).
    const rsaModel = demoModel('RSA-2048');
    const rsaBundle = await createBundle({ clusterName: 'demo', algorithm: 'RSA-2048', caValidityDays: 3650, now: NOW });
    const [leafKey] = await generatePrivateKeys('RSA-2048', 1);
    for (const name of leafKeyNames(rsaModel)) rsaBundle.leafKeys.set(name, { key: leafKey!, createdAt: NOW });
    expect(snapshot(await issuePki(rsaModel, rsaBundle))).toEqual(snapshot(await issuePki(rsaModel, rsaBundle)));
  }, 60_000);

  test('ECDSA-P384 issuing is deterministic too', async () => {
    const m = demoModel('ECDSA-P384');
    const b = await demoBundle(m);
    expect(snapshot(await issuePki(m, b))).toEqual(snapshot(await issuePki(m, b)));
  });

  test('another bundle gives other serials and signatures', async () => {
    const { pki } = await fixture();
    const other = await issuePki(model, await demoBundle(model));
    const pem = (p: IssuedPki, name: string) => p.certificates.find((c) => c.name === name)!.pem;
    expect(pem(other, 'cp-1/apiserver')).not.toBe(pem(pki, 'cp-1/apiserver'));
  });

  test('a new node gets new certificates and leaves the others untouched', async () => {
    const { bundle, pki } = await fixture();
    const grown = demoModel();
    grown.nodes.push({ ...grown.nodes[0]!, name: 'cp-4', address: '10.0.0.14', isFirstControlPlane: false });
    const b = structuredClone(bundle);
    const added = await ensureLeafKeys(b, leafKeyNames(grown), new Date('2026-03-01T00:00:00Z'));
    expect(added.sort()).toEqual(leafKeyNames(grown).filter((n) => n.startsWith('cp-4/')).sort());
    const after = await issuePki(grown, b);
    const before = new Map(pki.certificates.map((c) => [c.name, c.pem]));
    for (const c of after.certificates) if (before.has(c.name)) expect(c.pem, c.name).toBe(before.get(c.name));
    expect(after.controlPlaneFiles('cp-4').map((f) => f.relPath)).toContain('etcd/peer.crt');
  });
});

describe('control-plane files', () => {
  test("kubeadm's /etc/kubernetes/pki layout, keys marked secret", async () => {
    const { pki } = await fixture();
    const files = pki.controlPlaneFiles('cp-2');
    expect(files.map((f) => f.relPath)).toEqual([
      'ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'etcd/ca.key', 'sa.key', 'sa.pub',
      'apiserver.crt', 'apiserver.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key',
      'apiserver-etcd-client.crt', 'apiserver-etcd-client.key', 'front-proxy-client.crt', 'front-proxy-client.key',
      'etcd/server.crt', 'etcd/server.key', 'etcd/peer.crt', 'etcd/peer.key', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key',
    ]);
    for (const f of files) expect(f.secret, f.relPath).toBe(f.relPath.endsWith('.key'));
  });

  test("each node gets its own leaf certificates and keys, and the cluster's CAs", async () => {
    const { bundle, pki } = await fixture();
    const one = new Map(pki.controlPlaneFiles('cp-1').map((f) => [f.relPath, f.content]));
    const two = new Map(pki.controlPlaneFiles('cp-2').map((f) => [f.relPath, f.content]));
    expect(two.get('ca.key')).toBe(bundle.ca.key);
    expect(two.get('etcd/ca.crt')).toBe(bundle.etcdCa.cert);
    expect(two.get('apiserver.key')).toBe(bundle.leafKeys.get('cp-2/apiserver')!.key);
    for (const leaf of ['apiserver.crt', 'apiserver.key', 'etcd/peer.crt', 'etcd/peer.key']) expect(two.get(leaf)).not.toBe(one.get(leaf));
  });

  test('workers and unknown names get no PKI files', async () => {
    const { pki } = await fixture();
    for (const name of ['w-1', 'nope']) {
      expect(() => pki.controlPlaneFiles(name)).toThrow(KsprayError);
      try {
        pki.controlPlaneFiles(name);
      } catch (e) {
        expect((e as KsprayError).kind).toBe('failure');
        expect((e as KsprayError).message).toContain(name);
      }
    }
  });
});

describe('kubeconfigs', () => {
  const cases = [
    ['admin', 'kubernetes-admin'],
    ['superAdmin', 'kubernetes-super-admin'],
    ['controllerManager', 'system:kube-controller-manager'],
    ['scheduler', 'system:kube-scheduler'],
  ] as const;

  test.each(cases)('%s: kubeadm structure, client endpoint, embedded CA and client cert', async (field, user) => {
    const { bundle, pki } = await fixture();
    const config = parse(pki.kubeconfigs[field]);
    const context = `${user}@demo`;
    expect(config.kind).toBe('Config');
    expect(config.apiVersion).toBe('v1');
    expect(config.preferences).toEqual({});
    expect(config['current-context']).toBe(context);
    expect(config.clusters).toHaveLength(1);
    expect(config.clusters[0].name).toBe('demo');
    expect(config.clusters[0].cluster.server).toBe('https://api.demo.internal:6443');
    expect(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(bundle.ca.cert);
    expect(config.contexts).toEqual([{ name: context, context: { cluster: 'demo', user } }]);
    const u = config.users[0];
    expect(u.name).toBe(user);
    const cert = Buffer.from(u.user['client-certificate-data'], 'base64').toString();
    const key = Buffer.from(u.user['client-key-data'], 'base64').toString();
    const subject = runBuffer('openssl', ['x509', '-noout', '-subject'], cert).toString();
    expect(subject).toContain(`CN = ${user}`);
    expect(runBuffer('openssl', ['pkey', '-pubout'], key).toString()).toBe(runBuffer('openssl', ['x509', '-noout', '-pubkey'], cert).toString());
  });

  test.runIf(haveTool('kubectl'))('kubectl reads the admin kubeconfig', async () => {
    const { pki } = await fixture();
    const s = scratchDir('kubeconfig');
    try {
      const path = s.write('admin.conf', pki.kubeconfigs.admin);
      const result = run(tool('kubectl'), ['config', 'view', '--kubeconfig', path, '--raw', '-o', 'jsonpath={.current-context} {.clusters[0].cluster.server}']);
      expect(result.ok, result.stderr).toBe(true);
      expect(result.stdout).toBe('kubernetes-admin@demo https://api.demo.internal:6443');
    } finally {
      s.remove();
    }
  });
});

describe('refusals', () => {
  test('a missing leaf key is a failure naming the key', async () => {
    const { bundle } = await fixture();
    const b = structuredClone(bundle);
    b.leafKeys.delete('cp-3/etcd/peer');
    await expect(issuePki(model, b)).rejects.toMatchObject({ kind: 'failure', message: expect.stringContaining('cp-3/etcd/peer') });
  });

  test("a bundle of another algorithm is refused at spec.pki.algorithm", async () => {
    const { bundle } = await fixture();
    const m = demoModel('ECDSA-P384');
    await expect(issuePki(m, bundle)).rejects.toMatchObject({
      kind: 'input',
      problems: [expect.objectContaining({ rule: 'pki-algorithm-fixed', path: ['spec', 'pki', 'algorithm'] })],
    });
  });

  test("another cluster's bundle is refused", async () => {
    const { bundle } = await fixture();
    const b = { ...bundle, clusterName: 'other' };
    await expect(issuePki(model, b)).rejects.toMatchObject({ kind: 'input', problems: [expect.objectContaining({ rule: 'bundle-matches-cluster' })] });
  });
});

describe('speed', () => {
  // Not under StrykerJS (stryker.config.mjs sets KSPRAY_MUTATION_TESTS): instrumented code on a
  // shared machine is slower by an amount that says nothing of the code, so this test would "kill"
  // mutants by load instead of by behaviour.
  test.skipIf(process.env.KSPRAY_MUTATION_TESTS !== undefined)('a full ECDSA-P256 PKI for 3 control planes takes well under a second', async () => {
    const { bundle } = await fixture();
    await issuePki(model, bundle); // warm-up: module loading and curve tables
    const start = performance.now();
    const b = await createBundle({ clusterName: 'demo', algorithm: 'ECDSA-P256', caValidityDays: 3650, now: NOW });
    await ensureLeafKeys(b, leafKeyNames(model), NOW);
    const created = performance.now();
    const issued = await issuePki(model, b);
    const end = performance.now();
    console.log(`ECDSA-P256: bundle + ${b.leafKeys.size} leaf keys ${(created - start).toFixed(0)} ms, ${issued.certificates.length} certificates + 4 kubeconfigs ${(end - created).toFixed(0)} ms`);
    expect(end - start).toBeLessThan(1000);
  });
});
