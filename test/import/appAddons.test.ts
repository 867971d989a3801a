// import kubespray for the application addons: argocd_enabled maps, cert-manager and MetalLB are
// reported as needing a hand-written entry (their checksums are not in a Kubespray inventory).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTree } from '../../src/io/files.js';
import { compileSpec } from '../../src/compileSpec.js';
import { importKubespray, importToYaml } from '../../src/import/kubespray.js';
import { repoRoot } from '../helpers/fixtures.js';

const dir = join(repoRoot, 'test', 'fixtures', 'kubespray-inventory', 'ini');

function importWith(vars: string) {
  const files = new Map(readTree(dir)!);
  files.set('group_vars/k8s_cluster/apps.yml', vars);
  const result = importKubespray(files, dir, { name: 'demo' });
  return { result, entry: (v: string) => result.report.find((e) => e.variable === v) };
}

describe('import kubespray: application addons', () => {
  it('argocd_enabled: true becomes addons.argocd, and the spec compiles', () => {
    const { result, entry } = importWith('argocd_enabled: true\n');
    expect((result.spec.spec as Record<string, any>).addons.argocd).toBe(true);
    expect(entry('argocd_enabled')?.status).toBe('mapped');
    expect(compileSpec(importToYaml(result, dir), 'cluster.yaml').appAddons.argocd).toBe(true);
  });

  it('cert_manager_enabled and metallb_enabled: true are reported with what to write by hand', () => {
    const { result, entry } = importWith('cert_manager_enabled: true\nmetallb_enabled: true\n');
    expect(entry('cert_manager_enabled')).toMatchObject({ status: 'unsupported', detail: expect.stringContaining('addons.certManager') });
    expect(entry('metallb_enabled')).toMatchObject({ status: 'unsupported', detail: expect.stringContaining('addressPools') });
    expect((result.spec.spec as Record<string, any>).addons ?? {}).not.toHaveProperty('metallb');
  });

  it('false stays "disabled" like every other *_enabled', () => {
    const { entry } = importWith('argocd_enabled: false\nmetallb_enabled: false\n');
    expect(entry('argocd_enabled')?.status).toBe('ignored');
    expect(entry('metallb_enabled')?.status).toBe('ignored');
  });
});
