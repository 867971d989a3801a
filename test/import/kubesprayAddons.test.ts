// kspray import kubespray: the addon variables of Kubespray's group_vars (k8s_cluster/addons.yml and
// k8s-net settings) → spec.addons, on a small inventory built here; the spec written must compile.
import { describe, expect, it } from 'vitest';
import { compileSpec } from '../../src/compileSpec.js';
import { importKubespray, importToYaml, type ImportResult } from '../../src/import/kubespray.js';

const HOSTS = `all:
  hosts:
    cp1: { ip: 10.10.0.11 }
    w1: { ip: 10.10.0.21 }
  children:
    kube_control_plane: { hosts: { cp1: } }
    kube_node: { hosts: { w1: } }
    etcd: { hosts: { cp1: } }
    k8s_cluster: { children: { kube_control_plane:, kube_node: } }
`;

function importWith(addonsYml: string): ImportResult {
  const files = new Map([
    ['hosts.yaml', HOSTS],
    ['group_vars/k8s_cluster/addons.yml', addonsYml],
  ]);
  return importKubespray(files, '/inv', { name: 'demo' });
}
const entry = (r: ImportResult, variable: string) => r.report.find((e) => e.variable === variable);
const addonsOf = (r: ImportResult) => (r.spec.spec as Record<string, any>).addons;

describe('import kubespray: addon variables', () => {
  it('maps every addon setting, and the spec compiles to what Kubespray would deploy', () => {
    const r = importWith(`upstream_dns_servers: [8.8.8.8, 1.1.1.1]
coredns_external_zones:
  - zones: [example.com, example.io]
    nameservers: [1.1.1.1]
    cache: 5
enable_dns_autoscaler: true
dnsautoscaler_min_replicas: 3
helm_enabled: true
local_path_provisioner_enabled: true
local_path_provisioner_namespace: storage
local_path_provisioner_is_default_storageclass: "false"
registry_enabled: true
registry_storage_class: local-path
registry_disk_size: 20Gi
`);
    expect(addonsOf(r)).toEqual({
      coredns: {
        upstreamServers: ['8.8.8.8', '1.1.1.1'],
        zones: [
          { name: 'example.com', servers: ['1.1.1.1'], cache: 5 },
          { name: 'example.io', servers: ['1.1.1.1'], cache: 5 },
        ],
      },
      dnsAutoscaler: { min: 3 },
      helm: true,
      localPathProvisioner: { namespace: 'storage', defaultClass: false },
      registry: { storageClass: 'local-path', size: '20Gi' },
    });
    for (const v of ['upstream_dns_servers', 'coredns_external_zones', 'enable_dns_autoscaler', 'helm_enabled', 'registry_disk_size']) {
      expect(entry(r, v), v).toMatchObject({ status: 'mapped' });
    }
    const model = compileSpec(importToYaml(r, '/inv'), 'cluster.yaml');
    expect(model.addons.coredns.upstream).toEqual(['8.8.8.8', '1.1.1.1']);
    expect([model.addons.dnsAutoscaler.enabled, model.addons.helm.enabled, model.addons.localPathProvisioner.enabled, model.addons.registry.enabled]).toEqual([true, true, true, true]);
  });

  it('dns-autoscaler off when Kubespray has it off; disabled addons write nothing', () => {
    const r = importWith('enable_dns_autoscaler: false\nhelm_enabled: false\nregistry_enabled: false\n');
    expect(addonsOf(r)).toBeUndefined();
    expect(entry(r, 'enable_dns_autoscaler')).toMatchObject({ status: 'mapped' });
    expect(entry(r, 'helm_enabled')).toMatchObject({ status: 'ignored' });
  });

  it('reports what it cannot carry over instead of writing it', () => {
    const r = importWith('upstream_dns_servers: "{{ my_dns }}"\ncoredns_external_zones: example.com\n');
    expect(entry(r, 'upstream_dns_servers')).toMatchObject({ status: 'unsupported' });
    expect(entry(r, 'coredns_external_zones')).toMatchObject({ status: 'unsupported' });
    expect(addonsOf(r)).toEqual({ dnsAutoscaler: {} });
  });
});
