// kspray import kubespray on inventories written in Kubespray's sample layout (INI, YAML, legacy
// group names): the spec produced, the report of every variable, and that the spec compiles.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readTree } from '../../src/io/files.js';
import { compileSpec } from '../../src/compileSpec.js';
import { KsprayError } from '../../src/errors/errors.js';
import { clusterNameFromDir, importKubespray, importToYaml, type ImportResult } from '../../src/import/kubespray.js';
import { groupHosts, parseIniInventory, parseYamlInventory } from '../../src/import/inventory.js';
import { repoRoot } from '../helpers/fixtures.js';

const fixtureDir = (name: string) => join(repoRoot, 'test', 'fixtures', 'kubespray-inventory', name);

function importFixture(name: string): { result: ImportResult; text: string; files: Map<string, string> } {
  const dir = fixtureDir(name);
  const files = readTree(dir)!;
  const result = importKubespray(files, dir, { name: clusterNameFromDir(dir) });
  return { result, text: importToYaml(result, dir), files };
}

const entry = (r: ImportResult, variable: string) => r.report.find((e) => e.variable === variable);
const spec = (r: ImportResult) => r.spec.spec as Record<string, any>;

/** Every top-level variable of every group_vars file, so the report can be checked for completeness. */
function groupVarNames(files: Map<string, string>): string[] {
  return [...files.entries()]
    .filter(([p]) => p.startsWith('group_vars/'))
    .flatMap(([, text]) => Object.keys((parseYaml(text) as Record<string, unknown> | null) ?? {}));
}

describe('import kubespray: INI inventory (inventory/sample layout)', () => {
  const { result, text, files } = importFixture('ini');

  it('maps hosts to nodes: control planes first in inventory order, stacked etcd, ip over ansible_host', () => {
    expect(spec(result).nodes).toEqual([
      { name: 'node1', address: '10.3.0.1', roles: ['control-plane', 'etcd'] },
      { name: 'node2', address: '10.3.0.2', roles: ['control-plane', 'etcd'] },
      { name: 'node3', address: '10.3.0.3', roles: ['control-plane', 'etcd'] },
      { name: 'node4', address: '10.3.0.4', roles: ['worker'] },
      { name: 'node5', address: '10.3.0.5', roles: ['worker'] },
      { name: 'node6', address: '95.54.0.17', roles: ['worker'] },
    ]);
    expect(spec(result).etcd).toEqual({ topology: 'stacked' });
    expect(entry(result, 'etcd_deployment_type')).toMatchObject({ status: 'defaulted' });
    expect(entry(result, 'etcd_deployment_type')!.detail).toContain('systemd service');
  });

  it('maps the cluster variables', () => {
    expect(spec(result).kubernetes).toEqual({
      version: '1.35.4',
      serviceSubnet: '10.233.0.0/18',
      podSubnet: '10.233.64.0/18',
      nodeCidrMaskSize: 24,
      clusterDomain: 'cluster.local',
      proxyMode: 'ipvs',
    });
    expect(spec(result).controlPlane).toEqual({ port: 6443, loadBalancer: 'localhost' });
    // dns-autoscaler: Kubespray's enable_dns_autoscaler defaults to true.
    expect(spec(result).addons).toEqual({ nodeLocalDNS: true, metricsServer: true, dnsAutoscaler: {} });
    expect(entry(result, 'dns_domain')).toMatchObject({ status: 'ignored' });
    expect(entry(result, 'kube_encrypt_secret_data')).toMatchObject({ status: 'unsupported', value: false });
    expect(entry(result, 'bin_dir')).toMatchObject({ status: 'ignored' });
    expect(entry(result, 'ansible_user')).toMatchObject({ status: 'ignored' });
    expect(entry(result, 'helm_enabled')).toMatchObject({ status: 'ignored' });
    expect(entry(result, 'kube_log_level')).toMatchObject({ status: 'unsupported' });
  });

  it('reports every variable of every group_vars file and of the inventory', () => {
    const reported = new Set(result.report.map((e) => e.variable));
    for (const name of groupVarNames(files)) expect(reported, name).toContain(name);
    for (const host of ['node1', 'node2', 'node3', 'node4', 'node5', 'node6']) expect(reported).toContain(`${host}: ansible_host`);
    expect(reported).toContain('ansible_become');
  });

  it('writes a cluster.yaml with a header that compiles', () => {
    expect(text.startsWith('# Imported by kspray import kubespray')).toBe(true);
    expect(text).toContain('version: "1.35.4"');
    expect(text).toContain('#   kube_log_level: no kspray equivalent yet');
    const model = compileSpec(text, 'cluster.yaml');
    expect(model.name).toBe('ini');
    expect(model.nodes.find((n) => n.isFirstControlPlane)!.name).toBe('node1');
    expect(model.nodes.filter((n) => n.isEtcd).map((n) => n.name)).toEqual(['node1', 'node2', 'node3']);
  });
});

describe('import kubespray: YAML inventory (hosts.yaml)', () => {
  const { result, text, files } = importFixture('yaml');

  it('maps an external load balancer, air-gap mirrors, an explicit dns_domain and a v-prefixed version', () => {
    expect(spec(result).controlPlane).toEqual({ loadBalancer: 'external', endpoint: 'api.prod.example.com:8443' });
    expect(spec(result).artifacts).toEqual({ mirror: 'https://files.prod.example.com/kubespray', registry: 'registry.prod.example.com:5000' });
    expect(spec(result).kubernetes).toMatchObject({ version: '1.34.11', clusterDomain: 'prod.internal', proxyMode: 'iptables', serviceSubnet: '10.96.0.0/16' });
    expect(entry(result, 'cluster_name')).toMatchObject({ status: 'ignored' });
    expect(entry(result, 'etcd_deployment_type')).toMatchObject({ status: 'mapped', value: 'kubeadm' });
    expect(spec(result).addons).toEqual({ nodeLocalDNS: false, metricsServer: false, coredns: { upstreamServers: ['9.9.9.9'] }, dnsAutoscaler: {} });
    expect(entry(result, 'kube_encrypt_secret_data')).toMatchObject({ status: 'mapped' });
  });

  it('maps Calico encapsulation (bird + IPIP Always → ipip) and MTU, and etcd_data_dir', () => {
    expect(spec(result).network).toEqual({ plugin: 'calico', calico: { encapsulation: 'ipip' }, mtu: 1440 });
    for (const v of ['calico_network_backend', 'calico_ipip_mode', 'calico_vxlan_mode', 'calico_veth_mtu', 'etcd_data_dir']) {
      expect(entry(result, v), v).toMatchObject({ status: 'mapped' });
    }
    expect(entry(result, 'auto_renew_certificates')).toMatchObject({ status: 'ignored' });
  });

  it('maps node_labels and node_taints host variables', () => {
    expect(spec(result).nodes[4]).toEqual({
      name: 'w2',
      address: '10.10.0.22',
      roles: ['worker'],
      labels: { disk: 'ssd' },
      taints: [{ key: 'dedicated', value: 'storage', effect: 'NoSchedule' }],
    });
  });

  it('reports every group_vars variable, and the spec compiles', () => {
    const reported = new Set(result.report.map((e) => e.variable));
    for (const name of groupVarNames(files)) expect(reported, name).toContain(name);
    const model = compileSpec(text, 'cluster.yaml');
    expect(model.controlPlane.loadBalancer).toBe('external');
    expect(model.kubernetes.version).toBe('1.34.11');
  });
});

describe('import kubespray: legacy group names and unsupported choices', () => {
  const { result, text } = importFixture('legacy');

  it('reads kube-master, kube-node and k8s-cluster, and group_vars/k8s-cluster', () => {
    expect(spec(result).nodes.map((n: { name: string; roles: string[] }) => `${n.name}:${n.roles.join('+')}`)).toEqual([
      'master1:control-plane',
      'etcd1:etcd',
      'etcd2:etcd',
      'etcd3:etcd',
      'worker1:worker',
    ]);
    expect(entry(result, 'kube_proxy_mode')).toMatchObject({ status: 'mapped', source: 'group_vars/k8s-cluster/k8s-cluster.yml' });
    expect(entry(result, 'kube_network_plugin')).toMatchObject({ status: 'mapped', source: 'inventory.ini [k8s-cluster:vars]' });
  });

  it('writes what the cluster runs rather than a different working choice, and validate refuses it', () => {
    expect(spec(result).etcd).toEqual({ topology: 'external' });
    expect(spec(result).network).toEqual({ plugin: 'cilium' });
    expect(spec(result).kubernetes.version).toBe('1.30.2');
    expect(spec(result).containerRuntime).toBeUndefined(); // docker: no field value for it
    for (const v of ['kube_version', 'etcd_deployment_type', 'container_manager', 'loadbalancer_apiserver_type']) {
      expect(entry(result, v), v).toMatchObject({ status: 'unsupported' });
      expect(text).toContain(`#   ${v}: `);
    }
    let error: unknown;
    try {
      compileSpec(text, 'cluster.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KsprayError);
    const rules = (error as KsprayError).problems.map((p) => p.rule);
    expect(rules).toContain('known-kubernetes-version');
  });
});

describe('import kubespray: Calico encapsulation', () => {
  const cases: Array<[string, string | undefined]> = [
    ['calico_network_backend: vxlan', 'vxlan'],
    ['calico_network_backend: bird', 'none'],
    ['calico_network_backend: bird\ncalico_ipip_mode: Always', 'ipip'],
    ['calico_vxlan_mode: Never\ncalico_ipip_mode: Never', 'none'],
    ['calico_network_backend: none', 'none'],
    ['kube_network_plugin: calico', undefined], // nothing said: kspray's default (vxlan, as Kubespray)
  ];
  it.each(cases)('%s → %s', (vars, encapsulation) => {
    const files = new Map([
      ['inventory.ini', '[kube_control_plane]\ncp1 ip=10.0.0.1\n'],
      ['group_vars/k8s_cluster/k8s-net-calico.yml', `${vars}\n`],
    ]);
    const r = importKubespray(files, 'inv', { name: 'x' });
    expect((r.spec.spec as Record<string, any>).network?.calico?.encapsulation).toBe(encapsulation);
  });
});

describe('import kubespray: network plugin settings', () => {
  const importVars = (vars: string) =>
    importKubespray(
      new Map([
        ['inventory.ini', '[kube_control_plane]\ncp1 ip=10.0.0.1\n'],
        ['group_vars/k8s_cluster/k8s-cluster.yml', `${vars}\n`],
      ]),
      'inv',
      { name: 'x' },
    );

  it('cilium with kube-proxy replacement, geneve and multus; the result validates', () => {
    const r = importVars('kube_network_plugin: cilium\ncilium_kube_proxy_replacement: strict\ncilium_tunnel_mode: geneve\nkube_network_plugin_multus: true');
    expect(spec(r).network).toEqual({ plugin: 'cilium', multus: true, cilium: { kubeProxyReplacement: true, tunnel: 'geneve' } });
    for (const v of ['kube_network_plugin', 'cilium_kube_proxy_replacement', 'cilium_tunnel_mode', 'kube_network_plugin_multus']) expect(entry(r, v), v).toMatchObject({ status: 'mapped' });
    const model = compileSpec(importToYaml(r, 'inv'), 'cluster.yaml');
    expect(model.network.cilium).toEqual({ kubeProxyReplacement: true, tunnel: 'geneve' });
  });

  it("another plugin's settings are ignored, not written (kspray would refuse them)", () => {
    const r = importVars('kube_network_plugin: flannel\ncalico_network_backend: bird\ncalico_veth_mtu: 1400\ncilium_tunnel_mode: geneve');
    expect(spec(r).network).toEqual({ plugin: 'flannel' });
    for (const v of ['calico_network_backend', 'calico_veth_mtu', 'cilium_tunnel_mode']) expect(entry(r, v), v).toMatchObject({ status: 'ignored' });
    expect(compileSpec(importToYaml(r, 'inv'), 'cluster.yaml').network.plugin).toBe('flannel');
  });

  it('multus with no plugin is reported, not written', () => {
    const r = importVars('kube_network_plugin: cni\nkube_network_plugin_multus: true');
    expect(spec(r).network).toEqual({ plugin: 'none' });
    expect(entry(r, 'kube_network_plugin_multus')).toMatchObject({ status: 'unsupported' });
  });
});

describe('import kubespray: container_manager', () => {
  it('crio becomes containerRuntime.name: cri-o, mapped, and the imported spec compiles', () => {
    const files = new Map([
      ['inventory.ini', '[kube_control_plane]\ncp1 ip=10.0.0.1\n'],
      ['group_vars/k8s_cluster/k8s-cluster.yml', 'container_manager: crio\n'],
    ]);
    const r = importKubespray(files, 'inv', { name: 'x' });
    expect((r.spec.spec as Record<string, any>).containerRuntime).toEqual({ name: 'cri-o' });
    expect(entry(r, 'container_manager')).toMatchObject({ status: 'mapped' });
    expect(compileSpec(importToYaml(r), 'cluster.yaml').containerRuntime.name).toBe('cri-o');
  });
});

describe('Ansible inventory parsing', () => {
  it('INI: inline comments, quoted values, children and vars sections', () => {
    const inv = parseIniInventory(
      [
        '[kube_control_plane]',
        'a ansible_host=1.1.1.1 ip="10.0.0.1"  # a comment with key=value',
        "b ip='10.0.0.2' note=\"two words\"",
        '; another comment',
        '[etcd:children]',
        'kube_control_plane',
        '[all:vars]',
        'flag=true',
        'n=3',
      ].join('\n'),
      'inventory.ini',
    );
    expect(inv.hosts.get('a')).toEqual({ ansible_host: '1.1.1.1', ip: '10.0.0.1' });
    expect(inv.hosts.get('b')).toEqual({ ip: '10.0.0.2', note: 'two words' });
    expect(groupHosts(inv, 'etcd')).toEqual(['a', 'b']);
    expect(inv.groups.get('all')!.vars).toEqual({ flag: true, n: 3 });
  });

  it('INI: refuses host ranges and junk with the line number', () => {
    expect(() => parseIniInventory('[kube_node]\nnode[1:3] ip=10.0.0.1\n', 'inventory.ini')).toThrow(/inventory.ini:2: host ranges/);
    expect(() => parseIniInventory('[kube_node]\nnode1 oops\n', 'inventory.ini')).toThrow(/inventory.ini:2: cannot read "oops"/);
  });

  it('YAML: nested children and null host entries', () => {
    const inv = parseYamlInventory(
      'all:\n  hosts:\n    a: { ip: 10.0.0.1 }\n  children:\n    k8s_cluster:\n      children:\n        kube_node:\n          hosts:\n            a:\n',
      'hosts.yaml',
    );
    expect(groupHosts(inv, 'k8s_cluster')).toEqual(['a']);
    expect(inv.hosts.get('a')).toEqual({ ip: '10.0.0.1' });
  });

  it('refuses an inventory without control plane or a host without an address (input errors)', () => {
    const noCp = new Map([['inventory.ini', '[kube_node]\nw1 ip=10.0.0.1\n']]);
    expect(() => importKubespray(noCp, 'inv', { name: 'x' })).toThrow(/no host in kube_control_plane/);
    const noAddr = new Map([['inventory.ini', '[kube_control_plane]\ncp1\n']]);
    expect(() => importKubespray(noAddr, 'inv', { name: 'x' })).toThrow(/host "cp1" .* has no ip, access_ip or ansible_host/);
    expect(() => importKubespray(new Map(), 'inv', { name: 'x' })).toThrow(/no inventory in inv/);
  });

  it('derives a DNS-1123 cluster name from the directory', () => {
    expect(clusterNameFromDir('inventory/My_Cluster/')).toBe('my-cluster');
    expect(clusterNameFromDir('/')).toBe('imported');
  });
});
