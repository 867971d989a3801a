// The bundle: what createBundle makes, its file layout, the round trip through files, and the
// refusal of a damaged bundle (named file, "restore from backup", never "regenerate").
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { KsprayError } from '../../src/errors/errors.js';
import { bundleFromFiles, bundleToFiles, createBundle, ensureLeafKeys, leafKeyNames } from '../../src/secrets/index.js';
import { generatePrivateKeys } from '../../src/secrets/keys.js';
import type { SecretsBundle } from '../../src/secrets/types.js';
import { demoBundle, demoModel, NOW, perTest } from './fixtures.js';
import { run, runBuffer } from './tools.js';

const DIR = 'outputs/demo/secrets';
const model = demoModel();
/** A fresh bundle and its files, made inside each test that uses them (perTest says why). */
const fixture = perTest(async () => {
  const bundle = await demoBundle(model);
  return { bundle, files: new Map(bundleToFiles(bundle).map((f) => [f.relPath, f.content])) };
});

describe('createBundle', () => {
  test('token and encryption key formats', async () => {
    const { bundle } = await fixture();
    expect(`${bundle.bootstrapToken.id}.${bundle.bootstrapToken.secret}`).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(Buffer.from(bundle.encryptionKey, 'base64')).toHaveLength(32);
  });

  test('two bundles share no secret', async () => {
    const { bundle } = await fixture();
    const again = await createBundle({ clusterName: 'demo', algorithm: 'ECDSA-P256', caValidityDays: 3650, now: NOW });
    expect(again.ca.key).not.toBe(bundle.ca.key);
    expect(again.bootstrapToken).not.toEqual(bundle.bootstrapToken);
    expect(again.encryptionKey).not.toBe(bundle.encryptionKey);
  });

  test('PEM is LF-only, keys are PKCS#8, sa.pub belongs to sa.key', async () => {
    const { bundle, files } = await fixture();
    for (const [relPath, content] of files) {
      expect(content.includes('\r'), relPath).toBe(false);
      expect(content.endsWith('\n'), relPath).toBe(true);
    }
    for (const key of [bundle.ca.key, bundle.frontProxyCa.key, bundle.etcdCa.key, bundle.serviceAccount.privateKey]) {
      expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
    }
    expect(runBuffer('openssl', ['pkey', '-pubout'], bundle.serviceAccount.privateKey).toString()).toBe(bundle.serviceAccount.publicKey);
  });

  test('CA keys match their certificates (openssl)', async () => {
    const { bundle } = await fixture();
    for (const pair of [bundle.ca, bundle.frontProxyCa, bundle.etcdCa]) {
      const fromKey = runBuffer('openssl', ['pkey', '-pubout'], pair.key).toString();
      expect(runBuffer('openssl', ['x509', '-noout', '-pubkey'], pair.cert).toString()).toBe(fromKey);
    }
  });

  test('RSA-2048 keys are 2048-bit RSA', async () => {
    const rsa = await createBundle({ clusterName: 'demo', algorithm: 'RSA-2048', caValidityDays: 10, now: NOW });
    const text = runBuffer('openssl', ['pkey', '-noout', '-text'], rsa.ca.key).toString();
    expect(text).toContain('Private-Key: (2048 bit');
    const added = await ensureLeafKeys(rsa, ['kubeconfig/admin'], NOW);
    expect(added).toEqual(['kubeconfig/admin']);
    expect(runBuffer('openssl', ['pkey', '-noout', '-text'], rsa.leafKeys.get('kubeconfig/admin')!.key).toString()).toContain('(2048 bit');
  }, 30_000);
});

describe('bundle files', () => {
  test('layout and modes', async () => {
    const { bundle } = await fixture();
    const all = bundleToFiles(bundle);
    for (const f of all) expect(f.mode, f.relPath).toBe(0o600);
    const top = all.map((f) => f.relPath).filter((p) => !p.startsWith('leaf/'));
    expect(top).toEqual(['bundle.json', 'ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd-ca.crt', 'etcd-ca.key', 'sa.key', 'sa.pub']);
    const leaves = all.map((f) => f.relPath).filter((p) => p.startsWith('leaf/'));
    expect(leaves).toContain('leaf/cp-1__apiserver.json');
    expect(leaves).toContain('leaf/cp-2__etcd__peer.json');
    expect(leaves).toContain('leaf/kubeconfig__admin.json');
    expect(leaves).toHaveLength(leafKeyNames(model).length);
  });

  test('bundle.json holds the metadata, token and encryption key, and no private key', async () => {
    const { bundle, files } = await fixture();
    const meta = JSON.parse(files.get('bundle.json')!);
    expect(meta).toEqual({
      algorithm: 'ECDSA-P256',
      bootstrapToken: bundle.bootstrapToken,
      clusterName: 'demo',
      createdAt: NOW.toISOString(),
      encryptionKey: bundle.encryptionKey,
      version: 1,
    });
  });

  test('bundle.json and leaf files are written with sorted keys, two-space indent, final newline', async () => {
    const { bundle, files } = await fixture();
    const meta = { algorithm: 'ECDSA-P256', bootstrapToken: { id: bundle.bootstrapToken.id, secret: bundle.bootstrapToken.secret }, clusterName: 'demo', createdAt: NOW.toISOString(), encryptionKey: bundle.encryptionKey, version: 1 };
    expect(files.get('bundle.json')).toBe(`${JSON.stringify(meta, null, 2)}\n`);
    const leaf = { createdAt: NOW.toISOString(), key: bundle.leafKeys.get('kubeconfig/admin')!.key, name: 'kubeconfig/admin' };
    expect(files.get('leaf/kubeconfig__admin.json')).toBe(`${JSON.stringify(leaf, null, 2)}\n`);
  });

  test('leaf files are listed by name whatever order the keys were added in', async () => {
    const { bundle } = await fixture();
    const reversed = { ...bundle, leafKeys: new Map([...bundle.leafKeys].reverse()) };
    const names = [...bundle.leafKeys.keys()];
    const sorted = [...names].sort();
    expect(sorted).not.toEqual(names.slice().reverse()); // the reversed insertion order is not already sorted
    const leafPaths = (b: SecretsBundle) => bundleToFiles(b).map((f) => f.relPath).filter((p) => p.startsWith('leaf/'));
    expect(leafPaths(reversed)).toEqual(sorted.map((n) => `leaf/${n.replaceAll('/', '__')}.json`));
    expect(leafPaths(bundle)).toEqual(leafPaths(reversed));
  });

  test('leaf files hold name, createdAt and key', async () => {
    const { bundle, files } = await fixture();
    const leaf = JSON.parse(files.get('leaf/cp-1__etcd__server.json')!);
    expect(leaf).toEqual({ createdAt: NOW.toISOString(), key: bundle.leafKeys.get('cp-1/etcd/server')!.key, name: 'cp-1/etcd/server' });
  });

  test('round trip gives the same bundle and the same files', async () => {
    const { bundle, files } = await fixture();
    const loaded = bundleFromFiles(files, DIR);
    expect(loaded).toEqual(bundle);
    expect(bundleToFiles(loaded)).toEqual(bundleToFiles(bundle));
  });

  test('files that are not bundle files (temp files of an interrupted write) are ignored', async () => {
    const { bundle, files } = await fixture();
    const withTemp = new Map(files);
    withTemp.set('leaf/cp-1__apiserver.json.tmp-abc123', 'garbage');
    withTemp.set('leaf/notes.txt', 'garbage');
    withTemp.set('old/leaf/x.json', 'garbage');
    expect(bundleFromFiles(withTemp, DIR).leafKeys.size).toBe(bundle.leafKeys.size);
  });

  test('leaf keys are read in file-name order whatever order the files come in', async () => {
    const { files } = await fixture();
    const reversed = new Map([...files].reverse());
    const names = [...bundleFromFiles(reversed, DIR).leafKeys.keys()];
    expect(names.map((n) => `leaf/${n.replaceAll('/', '__')}.json`)).toEqual([...files.keys()].filter((p) => p.startsWith('leaf/')).sort());
    expect(names).toEqual([...bundleFromFiles(files, DIR).leafKeys.keys()]);
  });

  test('a directory given with a trailing slash is named without a double one', async () => {
    const { files } = await fixture();
    const broken = new Map(files);
    broken.delete('sa.pub');
    expect(() => bundleFromFiles(broken, `${DIR}//`)).toThrow(`secrets bundle file ${DIR}/sa.pub is corrupt: the file is missing`);
  });
});

describe('ensureLeafKeys', () => {
  test('adds only what is missing and never replaces a key', async () => {
    const b = await createBundle({ clusterName: 'demo', algorithm: 'ECDSA-P256', caValidityDays: 3650, now: NOW });
    expect(await ensureLeafKeys(b, ['cp-1/apiserver', 'kubeconfig/admin'], NOW)).toEqual(['cp-1/apiserver', 'kubeconfig/admin']);
    const before = new Map(b.leafKeys);
    const later = new Date('2026-06-01T00:00:00Z');
    expect(await ensureLeafKeys(b, ['cp-1/apiserver', 'cp-4/apiserver', 'kubeconfig/admin'], later)).toEqual(['cp-4/apiserver']);
    expect(b.leafKeys.get('cp-1/apiserver')).toBe(before.get('cp-1/apiserver'));
    expect(b.leafKeys.get('kubeconfig/admin')).toBe(before.get('kubeconfig/admin'));
    expect(b.leafKeys.get('cp-4/apiserver')!.createdAt).toEqual(later);
    expect(await ensureLeafKeys(b, ['cp-1/apiserver'], later)).toEqual([]);
  });

  test('concurrent calls for the same name keep the first key', async () => {
    const b = await createBundle({ clusterName: 'demo', algorithm: 'ECDSA-P256', caValidityDays: 3650, now: NOW });
    const [first, second] = await Promise.all([ensureLeafKeys(b, ['x/y'], NOW), ensureLeafKeys(b, ['x/y'], NOW)]);
    expect([...first, ...second]).toEqual(['x/y']);
  });

  test('leaf keys are distinct', async () => {
    const { bundle } = await fixture();
    const keys = [...bundle.leafKeys.values()].map((l) => l.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('a damaged bundle is refused, naming the file', () => {
  /** A fresh bundle's files with one change (which may use the bundle). */
  async function damaged(change: (m: Map<string, string>, b: SecretsBundle) => void): Promise<Map<string, string>> {
    const { bundle, files } = await fixture();
    const copy = new Map(files);
    change(copy, bundle);
    return copy;
  }

  function expectCorrupt(input: Map<string, string>, relPath: string, detail: RegExp): void {
    let error: unknown;
    try {
      bundleFromFiles(input, DIR);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KsprayError);
    const k = error as KsprayError;
    expect(k.kind).toBe('input');
    expect(k.message).toContain(`${DIR}/${relPath}`);
    expect(k.message).toMatch(detail);
    const hint = k.problems[0]!.hint ?? '';
    expect(hint).toMatch(/restore/i);
    expect(hint).toMatch(/backup/i);
    expect(`${k.message} ${hint}`).not.toMatch(/regenerat|delete|re-?create it|run .*init/i);
  }

  const otherKey = (b: SecretsBundle) => b.frontProxyCa.key;

  test.each([
    ['truncated ca.key', 'ca.key', (m: Map<string, string>) => m.set('ca.key', m.get('ca.key')!.slice(0, 100)), /not a PKCS#8 PEM private key/],
    ['ca.key in SEC1 form, not PKCS#8', 'ca.key', (m: Map<string, string>) => m.set('ca.key', createPrivateKey(m.get('ca.key')!).export({ type: 'sec1', format: 'pem' }).toString()), /not a PKCS#8 PEM private key/],
    ['garbage inside the armour of etcd-ca.key', 'etcd-ca.key', (m: Map<string, string>) => m.set('etcd-ca.key', garbleFirstLine(m.get('etcd-ca.key')!)), /the private key does not parse/],
    ['sa.pub not PEM', 'sa.pub', (m: Map<string, string>) => m.set('sa.pub', 'ssh-ed25519 AAAA\n'), /it is not a PEM public key/],
    ['the private key in sa.pub', 'sa.pub', (m: Map<string, string>) => m.set('sa.pub', m.get('sa.key')!), /it is not a PEM public key/],
    ['token secret a number', 'bundle.json', (m: Map<string, string>) => editMeta(m, (v) => ((v.bootstrapToken as Record<string, unknown>).secret = 1234567890123456)), /bootstrapToken is not in kubeadm format/],
    ['bundle.json an array', 'bundle.json', (m: Map<string, string>) => m.set('bundle.json', '[1]'), /it is not a JSON object/],
    ['bundle.json null', 'bundle.json', (m: Map<string, string>) => m.set('bundle.json', 'null'), /it is not a JSON object/],
    ['bundle.json a number', 'bundle.json', (m: Map<string, string>) => m.set('bundle.json', '1'), /it is not a JSON object/],
    ['no clusterName', 'bundle.json', (m: Map<string, string>) => editMeta(m, (v) => delete v.clusterName), /clusterName is missing/],
    ['empty clusterName', 'bundle.json', (m: Map<string, string>) => editMeta(m, (v) => (v.clusterName = '')), /clusterName is missing/],
    ['no bootstrapToken', 'bundle.json', (m: Map<string, string>) => editMeta(m, (v) => delete v.bootstrapToken), /bootstrapToken is not in kubeadm format/],
    ['bad token secret', 'bundle.json', (m: Map<string, string>) => editMeta(m, (v) => ((v.bootstrapToken as Record<string, unknown>).secret = 'short')), /bootstrapToken is not in kubeadm format/],
    ['token id a number', 'bundle.json', (m: Map<string, string>) => editMeta(m, (v) => ((v.bootstrapToken as Record<string, unknown>).id = 123456)), /bootstrapToken is not in kubeadm format/],
    ['createdAt a number', 'bundle.json', (m: Map<string, string>) => editMeta(m, (v) => (v.createdAt = NOW.getTime())), /createdAt is not an ISO 8601 UTC timestamp/],
    ['createdAt without milliseconds', 'bundle.json', (m: Map<string, string>) => editMeta(m, (v) => (v.createdAt = '2026-01-01T00:00:00Z')), /createdAt is not an ISO 8601 UTC timestamp/],
    ['leaf without key', 'leaf/cp-1__apiserver.json', (m: Map<string, string>) => editLeaf(m, 'leaf/cp-1__apiserver.json', (v) => delete v.key), /key is missing/],
    ['leaf name not a string', 'leaf/cp-1__apiserver.json', (m: Map<string, string>) => editLeaf(m, 'leaf/cp-1__apiserver.json', (v) => (v.name = 7)), /its name does not match the file name/],
    ['leaf createdAt bad', 'leaf/cp-1__apiserver.json', (m: Map<string, string>) => editLeaf(m, 'leaf/cp-1__apiserver.json', (v) => (v.createdAt = 'now')), /createdAt is not an ISO 8601 UTC timestamp/],
    ['ca.key from another CA', 'ca.key', (m: Map<string, string>, b: SecretsBundle) => m.set('ca.key', otherKey(b)), /does not belong to the certificate/],
    ['garbage in the DER of etcd-ca.crt', 'etcd-ca.crt', (m: Map<string, string>) => m.set('etcd-ca.crt', garbleFirstLine(m.get('etcd-ca.crt')!)), /does not parse/],
    ['etcd-ca.crt not PEM at all', 'etcd-ca.crt', (m: Map<string, string>) => m.set('etcd-ca.crt', 'hello\n'), /not a PEM certificate/],
    ['a leaf certificate in place of a CA', 'front-proxy-ca.crt', (m: Map<string, string>, b: SecretsBundle) => m.set('front-proxy-ca.crt', leafCertPem(b)), /not a CA/],
    ['missing sa.pub', 'sa.pub', (m: Map<string, string>) => m.delete('sa.pub'), /missing/],
    ['sa.pub of another key', 'sa.pub', (m: Map<string, string>, b: SecretsBundle) => m.set('sa.pub', runBuffer('openssl', ['pkey', '-pubout'], otherKey(b)).toString()), /not the public key/],
    ['bad JSON in bundle.json', 'bundle.json', (m: Map<string, string>) => m.set('bundle.json', '{"version": 1,'), /not valid JSON/],
    ['bad token', 'bundle.json', (m: Map<string, string>) => m.set('bundle.json', m.get('bundle.json')!.replace(/"id": "[a-z0-9]{6}"/, '"id": "ABC"')), /bootstrapToken/],
    ['short encryption key', 'bundle.json', (m: Map<string, string>) => m.set('bundle.json', m.get('bundle.json')!.replace(/"encryptionKey": "[^"]+"/, '"encryptionKey": "c2hvcnQ="')), /encryptionKey/],
    ['unknown algorithm', 'bundle.json', (m: Map<string, string>) => m.set('bundle.json', m.get('bundle.json')!.replace('ECDSA-P256', 'DSA-1024')), /algorithm/],
    ['bad createdAt', 'bundle.json', (m: Map<string, string>) => m.set('bundle.json', m.get('bundle.json')!.replace(NOW.toISOString(), 'yesterday')), /createdAt/],
    ['bad JSON in a leaf file', 'leaf/cp-2__apiserver.json', (m: Map<string, string>) => m.set('leaf/cp-2__apiserver.json', 'nope'), /not valid JSON/],
    ['truncated leaf key', 'leaf/kubeconfig__admin.json', (m: Map<string, string>) => truncateLeafKey(m, 'leaf/kubeconfig__admin.json'), /not a PKCS#8 PEM private key/],
    ['leaf renamed', 'leaf/cp-9__apiserver.json', (m: Map<string, string>) => m.set('leaf/cp-9__apiserver.json', m.get('leaf/cp-1__apiserver.json')!), /name does not match/],
  ] as Array<[string, string, (m: Map<string, string>, b: SecretsBundle) => void, RegExp]>)('%s', async (_label, relPath, change, detail) => {
    expectCorrupt(await damaged(change), relPath, detail);
  });

  test('a key of another algorithm', async () => {
    const [rsaKey] = await generatePrivateKeys('RSA-2048', 1);
    expectCorrupt(await damaged((m) => m.set('sa.key', rsaKey!)), 'sa.key', /not ECDSA-P256/);
  }, 30_000);

  test('an RSA bundle refuses an RSA key of another size and an RSA-PSS key of its size', async () => {
    const rsa = await createBundle({ clusterName: 'demo', algorithm: 'RSA-2048', caValidityDays: 10, now: NOW });
    const rsaFiles = new Map(bundleToFiles(rsa).map((f) => [f.relPath, f.content]));
    const pem = (type: 'rsa' | 'rsa-pss', modulusLength: number) => generateKeyPairSync(type as 'rsa', { modulusLength }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(bundleFromFiles(rsaFiles, DIR).algorithm).toBe('RSA-2048');
    for (const key of [pem('rsa', 1024), pem('rsa-pss', 2048)]) {
      const input = new Map(rsaFiles).set('sa.key', key);
      expect(() => bundleFromFiles(input, DIR)).toThrow(`secrets bundle file ${DIR}/sa.key is corrupt: the key is not RSA-2048, the algorithm of the bundle`);
    }
  }, 30_000);

  test('a key of another curve', async () => {
    const [p384] = await generatePrivateKeys('ECDSA-P384', 1);
    expectCorrupt(await damaged((m) => m.set('sa.key', p384!)), 'sa.key', /the key is not ECDSA-P256, the algorithm of the bundle/);
  });

  test('an unknown format version is reported as such', async () => {
    const input = await damaged((m) => m.set('bundle.json', m.get('bundle.json')!.replace('"version": 1', '"version": 2')));
    expect(() => bundleFromFiles(input, DIR)).toThrow(/bundle\.json has format version 2/);
    expect(() => bundleFromFiles(input, DIR)).toThrow(expect.objectContaining({ kind: 'input' }));
  });

  test('openssl agrees the truncated key is unreadable', async () => {
    const { files } = await fixture();
    expect(run('openssl', ['pkey', '-noout'], { input: files.get('ca.key')!.slice(0, 100) }).ok).toBe(false);
  });
});

function leafCertPem(bundle: SecretsBundle): string {
  // Any non-CA certificate will do; issue one cheaply with openssl from a bundle leaf key.
  const key = bundle.leafKeys.get('kubeconfig/admin')!.key;
  const dir = runBuffer('mktemp', ['-d']).toString().trim();
  runBuffer('sh', ['-c', `cat > ${dir}/k.pem`], key);
  const pem = runBuffer('openssl', ['req', '-new', '-x509', '-key', `${dir}/k.pem`, '-subj', '/CN=leaf', '-days', '1', '-addext', 'basicConstraints=critical,CA:FALSE']).toString();
  runBuffer('rm', ['-rf', dir]);
  return pem;
}

function editMeta(m: Map<string, string>, edit: (v: Record<string, unknown>) => unknown): void {
  const v = JSON.parse(m.get('bundle.json')!);
  edit(v);
  m.set('bundle.json', JSON.stringify(v));
}

function editLeaf(m: Map<string, string>, relPath: string, edit: (v: Record<string, unknown>) => unknown): void {
  const v = JSON.parse(m.get(relPath)!);
  edit(v);
  m.set(relPath, JSON.stringify(v));
}

function truncateLeafKey(m: Map<string, string>, relPath: string): void {
  const leaf = JSON.parse(m.get(relPath)!);
  leaf.key = leaf.key.slice(0, 80);
  m.set(relPath, JSON.stringify(leaf));
}

/** Keeps the PEM armour but breaks the DER's outer SEQUENCE header. */
function garbleFirstLine(pem: string): string {
  const lines = pem.split('\n');
  lines[1] = 'A'.repeat(lines[1]!.length);
  return lines.join('\n');
}
