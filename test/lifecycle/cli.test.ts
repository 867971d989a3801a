// The lifecycle commands as users run them (dist/cli/main.js): stdout/stderr discipline and exit codes.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSpec } from '../../src/compileSpec.js';
import { readTree } from '../../src/io/files.js';
import { kubernetesVersions, minorOf } from '../../src/catalog/catalog.js';
import { exampleFile, fixtureBundleDir, repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'kspray-lifecycle-'));

function kspray(args: string[], cwd = repoRoot) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('kspray import kubespray', () => {
  const inventory = join(repoRoot, 'test', 'fixtures', 'kubespray-inventory', 'ini');

  it('prints cluster.yaml on stdout and the report on stderr', () => {
    const r = kspray(['import', 'kubespray', inventory, '--name', 'prod']);
    expect(r.code, r.err).toBe(0);
    expect(compileSpec(r.out, 'cluster.yaml').name).toBe('prod');
    // The report: what changed from Kubespray's defaults first, then what was defaulted.
    expect(r.err).toMatch(/^changed from Kubespray's defaults \(\d+\):/);
    expect(r.err.indexOf('changed from')).toBeLessThan(r.err.indexOf('defaulted ('));
    expect(r.out).not.toContain('changed from');
  });

  it('writes -o once and refuses to overwrite it (exit 2)', () => {
    const dir = tmp();
    const first = kspray(['import', 'kubespray', inventory, '-o', 'cluster.yaml'], dir);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toBe('');
    const written = readFileSync(join(dir, 'cluster.yaml'), 'utf8');
    expect(kspray(['validate', '-f', 'cluster.yaml'], dir).code).toBe(0);
    const again = kspray(['import', 'kubespray', inventory, '-o', 'cluster.yaml'], dir);
    expect(again.code).toBe(2);
    expect(again.err).toContain('already exists');
    expect(readFileSync(join(dir, 'cluster.yaml'), 'utf8')).toBe(written);
  });

  it('exits 2 on a directory without inventory', () => {
    const r = kspray(['import', 'kubespray', tmp()]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error[kubespray-inventory]: no inventory');
  });
});

describe('kspray certs check', () => {
  function rendered(): string {
    const dir = tmp();
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    mkdirSync(join(dir, 'outputs', 'ha'), { recursive: true });
    cpSync(fixtureBundleDir('ha'), join(dir, 'outputs', 'ha', 'secrets'), { recursive: true });
    return dir;
  }

  it('exit 0 with a table when nothing expires within --warn-days', () => {
    const r = kspray(['certs', 'check', '-f', 'cluster.yaml', '--at', '2026-06-01'], rendered());
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^NAME\s+ISSUER/);
    expect(r.out).toMatch(/cp-3\/etcd\/peer\s+etcd-ca\s+2026-12-31T23:55:00Z\s+213\s+ok/);
  });

  it('exit 1 with the table still printed when some expire within --warn-days', () => {
    const r = kspray(['certs', 'check', '-f', 'cluster.yaml', '--at', '2026-12-20', '--warn-days', '30'], rendered());
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/kubeconfig\/admin\s+ca\s+2026-12-31T23:55:00Z\s+11\s+expiring/);
    expect(r.err).toContain('error[certs-expiring]: 25 certificate(s) expired or expire within 30 days');
  });

  it('exit 2 without a bundle or with a bad flag', () => {
    const dir = tmp();
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    const r = kspray(['certs', 'check', '-f', 'cluster.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('run `kspray render -f cluster.yaml` first');
    expect(kspray(['certs', 'check', '-f', 'cluster.yaml', '--warn-days', 'soon'], rendered()).code).toBe(2);
  });
});

describe('kspray certs renew', () => {
  it('records a renewal, check shows it, and render changes only control-plane payloads and kubeconfigs', () => {
    const dir = tmp();
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    mkdirSync(join(dir, 'outputs', 'ha'), { recursive: true });
    cpSync(fixtureBundleDir('ha'), join(dir, 'outputs', 'ha', 'secrets'), { recursive: true });
    expect(kspray(['render', '-f', 'cluster.yaml'], dir).code).toBe(0);
    const before = readTree(join(dir, 'outputs', 'ha'))!;

    const r = kspray(['certs', 'renew', '-f', 'cluster.yaml', '--only', 'cp-2/apiserver,kubeconfig/admin'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/cp-2\/apiserver\s+ca\s+\S+\s+364\s+ok/);
    const check = kspray(['certs', 'check', '-f', 'cluster.yaml'], dir);
    expect(check.out).toMatch(/kubeconfig\/admin\s+ca\s+\S+\s+364\s+ok/);
    expect(kspray(['render', '-f', 'cluster.yaml'], dir).code).toBe(0);
    const after = readTree(join(dir, 'outputs', 'ha'))!;
    const changed = [...after.keys()].filter((p) => after.get(p) !== before.get(p)).sort();
    // Only the renewed control plane's payload (in whatever packagings render writes), admin.conf and one new record.
    for (const p of changed) expect(p, p).toMatch(/^(admin\.conf|nodes\/cp-2\/.*|secrets\/renewals\/\d{8}T\d{6}Z\.json)$/);
    expect(changed).toContain('admin.conf');
    expect(changed).toContain('nodes/cp-2/user-data');
    expect(changed.filter((p) => p.startsWith('secrets/'))).toHaveLength(1);
    expect(before.has(changed.find((p) => p.startsWith('secrets/'))!)).toBe(false);

    const ca = kspray(['certs', 'renew', '-f', 'cluster.yaml', '--only', 'etcd-ca'], dir);
    expect(ca.code).toBe(2);
    expect(ca.err).toContain('error[certs-renew-leafs-only]');
  });
});

describe('kspray upgrade', () => {
  const catalog = kubernetesVersions();
  const to = catalog[0]!;
  const from = catalog.find((v) => minorOf(v) !== minorOf(to))!;
  const spec = (version: string) => {
    const dir = tmp();
    writeFileSync(join(dir, 'cluster.yaml'), readFileSync(exampleFile('ha'), 'utf8').replace(/version: "[^"]+"/, `version: "${version}"`));
    return dir;
  };

  it('--plan prints the ordered plan and the spec change at file:line:col', () => {
    const r = kspray(['upgrade', '-f', 'cluster.yaml', '--to', to, '--plan'], spec(from));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Upgrade ${from} → ${to} (minor)`);
    expect(r.out).toContain(`cluster.yaml:10:14: spec.kubernetes.version: "${from}" → "${to}"`);
  });

  it('refuses a skipped minor at the version line with the allowed path (exit 2)', () => {
    const old = catalog.find((v) => Number(minorOf(v).split('.')[1]) === Number(minorOf(to).split('.')[1]) - 2);
    // A catalog with fewer than three minors would leave nothing to refuse: fail, never pass empty.
    if (!old) throw new Error(`the catalog has no release two minors below ${to}`);
    const r = kspray(['upgrade', '-f', 'cluster.yaml', '--to', to, '--plan'], spec(old));
    expect(r.code).toBe(2);
    expect(r.err).toContain('cluster.yaml:10:14: error[upgrade-skipped-minor]');
    expect(r.err).toMatch(new RegExp(`hint: Upgrade in steps: ${old.replaceAll('.', '\\.')} → \\S+ → ${to.replaceAll('.', '\\.')}`));
  });

  it('checks observed kubelet versions and refuses to run without --plan', () => {
    const dir = spec(from);
    const skew = kspray(['upgrade', '-f', 'cluster.yaml', '--to', to, '--plan', '--kubelet-versions', 'worker-1=1.20.0'], dir);
    expect(skew.code).toBe(2);
    expect(skew.err).toContain('error[kubelet-skew]');
    expect(kspray(['upgrade', '-f', 'cluster.yaml', '--to', to, '--kubelet-versions', 'nonsense'], dir).code).toBe(2);
    const noPlan = kspray(['upgrade', '-f', 'cluster.yaml', '--to', to], dir);
    expect(noPlan.code).toBe(2);
    expect(noPlan.err).toContain('--plan');
  });
});
