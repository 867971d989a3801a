// import kubespray for the application addons: argocd_enabled maps, cert-manager and MetalLB are
// map too; kspray validate then asks for the manifest checksum a Kubespray inventory does not hold.
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
    expect(entry('argocd_enabled')?.status).toBe('changed');
    expect(compileSpec(importToYaml(result, dir), 'cluster.yaml').appAddons.argocd).toBe(true);
  });

  it('cert_manager_enabled becomes addons.certManager (validate then asks for its sha256); MetalLB takes its pools or is refused', () => {
    const { result, entry } = importWith('cert_manager_enabled: true\nmetallb_enabled: true\n');
    expect(entry('cert_manager_enabled')).toMatchObject({ status: 'changed', detail: expect.stringContaining('manifestSha256') });
    expect((result.spec.spec as Record<string, any>).addons.certManager).toEqual({});
    expect(entry('metallb_enabled')).toMatchObject({ status: 'refused', instead: expect.stringContaining('address_pools') });
    const withPools = importWith('metallb_enabled: true\nmetallb_config: { address_pools: { primary: { ip_range: [10.5.0.100-10.5.0.120] } } }\n');
    expect((withPools.result.spec.spec as Record<string, any>).addons.metallb).toEqual({ addressPools: [{ name: 'primary', addresses: ['10.5.0.100-10.5.0.120'] }] });
  });

  it("false is Kubespray's default: nothing written, nothing to look at", () => {
    const { entry } = importWith('argocd_enabled: false\nmetallb_enabled: false\n');
    expect(entry('argocd_enabled')?.status).toBe('unchanged');
    expect(entry('metallb_enabled')?.status).toBe('unchanged');
  });
});
