// certs check: the expiry of every CA and leaf, from the committed test bundle and a fixed clock.
import { describe, expect, it } from 'vitest';
import { readTree } from '../../src/io/files.js';
import { bundleFromFiles, issuePki } from '../../src/secrets/index.js';
import { certExpiries, formatExpiryTable } from '../../src/lifecycle/certs.js';
import { FIXED_NOW, fixtureBundleDir, loadExample } from '../helpers/fixtures.js';

describe('certs check', async () => {
  const model = loadExample('ha');
  const bundle = bundleFromFiles(readTree(fixtureBundleDir('ha'))!, 'ha');
  const pki = await issuePki(model, bundle);
  const day = 24 * 60 * 60 * 1000;

  it('lists every CA and leaf with its issuer', () => {
    const rows = certExpiries(pki.certificates, FIXED_NOW, 30);
    expect(rows.map((r) => r.name)).toEqual(pki.certificates.map((c) => c.name));
    expect(rows.slice(0, 3).map((r) => [r.name, r.issuer])).toEqual([
      ['ca', 'self'],
      ['front-proxy-ca', 'self'],
      ['etcd-ca', 'self'],
    ]);
    expect(rows.find((r) => r.name === 'cp-2/etcd/peer')!.issuer).toBe('etcd-ca');
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
    // Leafs: 365 days from their key's creation (the bundle's clock) minus kubeadm's 5-minute backdate.
    const leaf = rows.find((r) => r.name === 'cp-1/apiserver')!;
    expect(leaf.notAfter.toISOString()).toBe('2026-12-31T23:55:00.000Z');
    expect(leaf.daysLeft).toBe(364);
    expect(rows[0]!.daysLeft).toBe(3650);
  });

  it('marks leafs expiring within --warn-days and expired ones, CAs untouched', () => {
    const soon = certExpiries(pki.certificates, new Date('2026-12-15T00:00:00Z'), 30);
    expect(soon.filter((r) => r.issuer === 'self').every((r) => r.status === 'ok')).toBe(true);
    expect(soon.filter((r) => r.issuer !== 'self').every((r) => r.status === 'expiring' && r.daysLeft === 16)).toBe(true);
    const later = certExpiries(pki.certificates, new Date(Date.parse('2027-01-01T00:00:00Z') + day), 30);
    expect(later.filter((r) => r.issuer !== 'self').every((r) => r.status === 'expired' && r.daysLeft < 0)).toBe(true);
    expect(certExpiries(pki.certificates, new Date('2026-12-15T00:00:00Z'), 16).every((r) => r.status === 'ok')).toBe(true);
  });

  it('formats an aligned table', () => {
    const text = formatExpiryTable(certExpiries(pki.certificates, FIXED_NOW, 30));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ISSUER\s+NOT AFTER \(UTC\)\s+DAYS LEFT\s+STATUS$/);
    expect(lines).toHaveLength(pki.certificates.length + 1);
    expect(text).toMatch(/\nca\s+self \(CA\)\s+2035-12-30T00:00:00Z\s+3650\s+ok\n/);
  });
});

describe('certs renew: append-only renewal records', async () => {
  const { readRenewals, renewalFileName, renewalToFile, withLeafRenewals } = await import('../../src/secrets/renewals.js');
  const { selectRenewals } = await import('../../src/lifecycle/certs.js');
  const model = loadExample('ha');
  const files = readTree(fixtureBundleDir('ha'))!;
  const bundle = bundleFromFiles(files, 'ha');
  const at = new Date('2026-12-01T08:00:00Z');

  it('names records by their time and reads them back', () => {
    expect(renewalFileName(at)).toBe('renewals/20261201T080000Z.json');
    const f = renewalToFile({ renewedAt: at, names: ['kubeconfig/admin', 'cp-1/apiserver', 'cp-1/apiserver'] });
    expect(readRenewals(new Map([[f.relPath, f.content]]), 'secrets')).toEqual([{ renewedAt: at, names: ['cp-1/apiserver', 'kubeconfig/admin'] }]);
    expect(() => readRenewals(new Map([['renewals/x.json', '{"renewedAt":"yesterday","names":[]}']]), 'secrets')).toThrow(/secrets\/renewals\/x.json is corrupt/);
  });

  it('re-dates only the renewed leafs, with the same keys; CAs and other leafs are byte-identical', async () => {
    const renewed = withLeafRenewals(bundle, [{ renewedAt: at, names: ['cp-1/apiserver', 'kubeconfig/admin', 'gone/apiserver'] }]);
    expect(renewed.leafKeys.get('cp-1/apiserver')!.key).toBe(bundle.leafKeys.get('cp-1/apiserver')!.key);
    expect(bundle.leafKeys.get('cp-1/apiserver')!.createdAt.toISOString()).toBe('2026-01-01T00:00:00.000Z'); // the loaded bundle is not mutated
    const before = new Map((await issuePki(model, bundle)).certificates.map((c) => [c.name, c.pem]));
    const after = new Map((await issuePki(model, renewed)).certificates.map((c) => [c.name, c.pem]));
    const changed = [...after.keys()].filter((n) => after.get(n) !== before.get(n));
    expect(changed).toEqual(['cp-1/apiserver', 'kubeconfig/admin']);
    const rows = certExpiries((await issuePki(model, renewed)).certificates, at, 30);
    expect(rows.find((r) => r.name === 'cp-1/apiserver')!.notAfter.toISOString()).toBe('2027-12-01T07:55:00.000Z');
  });

  it('never moves a date backwards', () => {
    const older = withLeafRenewals(bundle, [{ renewedAt: new Date('2025-01-01T00:00:00Z'), names: ['cp-1/apiserver'] }]);
    expect(older.leafKeys.get('cp-1/apiserver')!.createdAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('selects leafs only: all, some by name, or those expiring soon', async () => {
    const pki = await issuePki(model, bundle);
    const rows = certExpiries(pki.certificates, new Date('2026-12-15T00:00:00Z'), 30);
    expect(selectRenewals(rows, {}).names).toHaveLength(rows.length - 3);
    expect(selectRenewals(rows, { expiringWithinDays: 10 }).names).toEqual([]);
    expect(selectRenewals(rows, { expiringWithinDays: 30 }).names).toHaveLength(rows.length - 3);
    expect(selectRenewals(rows, { only: ['kubeconfig/admin', 'ca', 'nope'] })).toEqual({ names: ['kubeconfig/admin'], unknown: ['nope'], cas: ['ca'] });
  });
});
