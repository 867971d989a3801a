// kspray import kubespray on inventories in Kubespray's sample layout (INI, YAML, legacy group
// names) and on synthetic inventories: the behaviour follows from the table (src/import/variables.ts)
// and Kubespray's defaults, not from fitting particular files.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readTree } from '../../src/io/files.js';
import { compileSpec } from '../../src/compileSpec.js';
import { KsprayError } from '../../src/errors/errors.js';
import { assertImportable, clusterNameFromDir, formatReport, importKubespray, importToYaml, type ImportResult } from '../../src/import/kubespray.js';
import { groupHosts, parseIniInventory, parseYamlInventory } from '../../src/import/inventory.js';
import { repoRoot } from '../helpers/fixtures.js';

const fixtureDir = (name: string) => join(repoRoot, 'test', 'fixtures', 'kubespray-inventory', name);

function importFixture(name: string): { result: ImportResult; text: string } {
  const dir = fixtureDir(name);
  const result = importKubespray(readTree(dir)!, dir, { name: clusterNameFromDir(dir) });
  return { result, text: importToYaml(result, dir) };
}

const entry = (r: ImportResult, variable: string) => r.report.find((e) => e.variable === variable);
const spec = (r: ImportResult) => r.spec.spec as Record<string, any>;
const refused = (r: ImportResult) => r.report.filter((e) => e.status === 'refused').map((e) => e.variable);

const THREE_CP = '[kube_control_plane]\ncp1 ip=10.0.0.1\ncp2 ip=10.0.0.2\ncp3 ip=10.0.0.3\n[etcd:children]\nkube_control_plane\n[kube_node]\nw1 ip=10.0.0.11\n';
/** A synthetic inventory: three stacked control planes, one worker, and these group vars. */
function importVars(vars: string, inventory = THREE_CP): ImportResult {
  return importKubespray(new Map([['inventory.ini', inventory], ['group_vars/k8s_cluster/k8s-cluster.yml', `${vars}\n`]]), 'inv', { name: 'x' });
}

describe('import kubespray: INI inventory (inventory/sample layout)', () => {
  const { result, text } = importFixture('ini');

  it('maps hosts to nodes: control planes first in inventory order, stacked etcd, ip over ansible_host', () => {
    expect(spec(result).nodes).toEqual([
      { name: 'node1', address: '10.3.0.1', roles: ['control-plane', 'etcd'] },
      { name: 'node2', address: '10.3.0.2', roles: ['control-plane', 'etcd'] },
      { name: 'node3', address: '10.3.0.3', roles: ['control-plane', 'etcd'] },
      { name: 'node4', address: '10.3.0.4', roles: ['worker'] },
      { name: 'node5', address: '10.3.0.5', roles: ['worker'] },
      { name: 'node6', address: '95.54.0.17', roles: ['worker'] },
    ]);
    expect(entry(result, 'etcd_deployment_type')).toMatchObject({ status: 'defaulted' });
    expect(entry(result, 'etcd_deployment_type')!.detail).toContain('systemd services');
  });

  it("writes Kubespray's defaults where kspray's differ (RSA-2048 keys), nothing where they agree", () => {
    expect(spec(result).pki).toEqual({ algorithm: 'RSA-2048' });
    expect(entry(result, 'kube_asymmetric_encryption_algorithm')).toMatchObject({ status: 'defaulted', source: '' });
    expect(spec(result).kubernetes).toMatchObject({ version: '1.35.4' });
    expect(spec(result).kubernetes.serviceSubnet).toBeUndefined(); // 10.233.0.0/18 in both
    expect(spec(result).addons).toEqual({ metricsServer: true, dnsAutoscaler: {} });
    expect(entry(result, 'kube_encrypt_secret_data')).toMatchObject({ status: 'defaulted', value: false });
    expect(entry(result, 'bin_dir')).toMatchObject({ status: 'ignored' });
    expect(refused(result)).toEqual([]);
  });

  it('the report lists refused, changed, defaulted in that order, and counts the rest', () => {
    const report = formatReport(result.report);
    expect(report.indexOf('changed from')).toBeLessThan(report.indexOf('defaulted ('));
    expect(report).toMatch(/at Kubespray's default, same in kspray: \d+ variable/);
  });

  it('writes a cluster.yaml that compiles', () => {
    expect(text.startsWith('# Imported by kspray import kubespray')).toBe(true);
    const model = compileSpec(text, 'cluster.yaml');
    expect(model.nodes.find((n) => n.isFirstControlPlane)!.name).toBe('node1');
    expect(model.nodes.filter((n) => n.isEtcd).map((n) => n.name)).toEqual(['node1', 'node2', 'node3']);
    expect(model.pki.algorithm).toBe('RSA-2048');
  });
});

describe('import kubespray: YAML inventory (hosts.yaml)', () => {
  const { result, text } = importFixture('yaml');

  it('maps an external load balancer, air-gap mirrors, an explicit dns_domain and a v-prefixed version', () => {
    expect(spec(result).controlPlane).toEqual({ loadBalancer: 'external', endpoint: 'api.prod.example.com:8443' });
    expect(spec(result).artifacts).toEqual({ mirror: 'https://files.prod.example.com/kubespray', registry: 'registry.prod.example.com:5000' });
    expect(spec(result).kubernetes).toMatchObject({ version: '1.34.11', clusterDomain: 'prod.internal', proxyMode: 'iptables', serviceSubnet: '10.96.0.0/16' });
    expect(spec(result).addons).toMatchObject({ nodeLocalDNS: false, coredns: { upstreamServers: ['9.9.9.9'] } });
  });

  it('bird + IPIP Always → ipip with BGP (kspray default for ipip), MTU', () => {
    expect(spec(result).network).toEqual({ calico: { encapsulation: 'ipip' }, mtu: 1440 });
    expect(compileSpec(text, 'cluster.yaml').network.calico).toEqual({ encapsulation: 'ipip', bgp: true, crossSubnet: false, blockSize: 26 });
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
});

describe('import kubespray: legacy group names, dedicated etcd hosts', () => {
  const { result, text } = importFixture('legacy');
  it('reads kube-master, kube-node and k8s-cluster; dedicated etcd hosts → external etcd', () => {
    expect(spec(result).nodes.map((n: { name: string; roles: string[] }) => `${n.name}:${n.roles.join('+')}`)).toEqual([
      'master1:control-plane',
      'etcd1:etcd',
      'etcd2:etcd',
      'etcd3:etcd',
      'worker1:worker',
    ]);
    expect(spec(result).etcd).toEqual({ topology: 'external' });
    expect(spec(result).network).toEqual({ plugin: 'cilium' });
    expect(entry(result, 'kube_network_plugin')).toMatchObject({ status: 'changed', source: 'inventory.ini [k8s-cluster:vars]' });
  });
  it('refuses what it cannot carry (docker, an unknown version) at file:line:col instead of writing another cluster', () => {
    expect(refused(result).sort()).toEqual(['container_manager', 'kube_version']);
    expect(entry(result, 'container_manager')).toMatchObject({ source: 'group_vars/k8s-cluster/k8s-cluster.yml', position: { line: expect.any(Number), col: 1 } });
    expect(() => assertImportable(result)).toThrow(KsprayError);
    expect(text).toBeDefined();
  });
});

describe('import kubespray: no silent substitution (each refusal names the variable, why, and what instead)', () => {
  const cases: Array<[string, string]> = [
    ['container_manager: docker', 'container_manager'],
    ['kube_network_plugin: kube-ovn', 'kube_network_plugin'],
    ['kube_network_plugin: macvlan', 'kube_network_plugin'],
    ['kube_network_plugin: custom_cni', 'kube_network_plugin'],
    ['preinstall_selinux_state: enforcing', 'preinstall_selinux_state'],
    ['ipv4_stack: false', 'ipv4_stack'], // and no ipv6_stack: no family left
    ['etcd_deployment_type: docker', 'etcd_deployment_type'],
    ['dns_mode: coredns_dual', 'dns_mode'],
    ['calico_network_backend: none', 'calico_network_backend'],
    ['calico_network_backend: vxlan\ncalico_vxlan_mode: Never', 'calico_network_backend'],
    ['calico_datastore: etcd', 'calico_datastore'],
    ['kube_proxy_mode: userspace', 'kube_proxy_mode'],
    ['kube_asymmetric_encryption_algorithm: ED25519', 'kube_asymmetric_encryption_algorithm'],
    ['kube_feature_gates: [NodeSwap]', 'kube_feature_gates'],
    ['loadbalancer_apiserver_localhost: false', 'loadbalancer_apiserver_localhost'],
    ['http_proxy: http://p:3128\nno_proxy: "a,b"', 'no_proxy'],
    ['kubelet_fail_swap_on: false', 'kubelet_fail_swap_on'], // no row: differs from Kubespray's default
    ['some_unknown_setting: 3', 'some_unknown_setting'],
    ['kube_service_addresses: "{{ my_services }}"', 'kube_service_addresses'], // a template kspray does not evaluate
    ['containerd_registries_mirrors: [{prefix: docker.io, mirrors: [{host: "https://m", capabilities: [pull]}]}]', 'containerd_registries_mirrors'],
  ];
  it.each(cases)('%s → refused: %s', (vars, variable) => {
    const r = importVars(vars);
    expect(refused(r)).toContain(variable);
    const e = entry(r, variable)!;
    expect(e.detail.length).toBeGreaterThan(5);
    expect(e.instead).toBeTruthy();
    let error: unknown;
    try {
      assertImportable(r);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KsprayError);
    expect((error as KsprayError).kind).toBe('input');
    expect((error as KsprayError).problems.map((p) => p.message).join('\n')).toContain(variable);
  });
});

describe('import kubespray: what the table maps (synthetic inventories)', () => {
  it.each([
    ['', {}],
    ['calico_network_backend: bird', { calico: { bgp: true } }], // Kubespray: bird + calico_vxlan_mode Always (its default)
    ['calico_network_backend: bird\ncalico_vxlan_mode: Never\ncalico_ipip_mode: Always', { calico: { encapsulation: 'ipip' } }],
    ['calico_network_backend: bird\ncalico_vxlan_mode: Never\ncalico_ipip_mode: CrossSubnet', { calico: { encapsulation: 'ipip', crossSubnet: true } }],
    ['calico_network_backend: bird\ncalico_vxlan_mode: Never', { calico: { encapsulation: 'none' } }],
    ['calico_vxlan_mode: CrossSubnet', { calico: { crossSubnet: true } }],
    ['calico_pool_blocksize: 24', { calico: { blockSize: 24 } }],
    ['calico_pool_blocksize: 26', {}],
    ['kube_network_plugin: flannel\ncalico_network_backend: nonsense\ncalico_pool_blocksize: 2', { plugin: 'flannel' }], // another plugin's settings are irrelevant
  ])('%s → network %j', (vars, network) => {
    const r = importVars(vars);
    expect(refused(r)).toEqual([]);
    expect(spec(r).network ?? {}).toEqual(network);
    compileSpec(importToYaml(r), 'cluster.yaml');
  });

  it("a plugin's settings are not even mentioned when another plugin runs", () => {
    const r = importVars('kube_network_plugin: cilium\ncalico_pool_blocksize: 20\nflannel_backend_type: host-gw');
    expect(r.report.map((e) => e.variable)).not.toContain('calico_pool_blocksize');
    expect(r.report.map((e) => e.variable)).not.toContain('flannel_backend_type');
  });

  it('runtime, mirrors, proxy, algorithm, feature gates, localhost proxy, dns-autoscaler', () => {
    const r = importVars(
      [
        'container_manager: crio',
        'crio_registries: [{prefix: docker.io, location: registry-1.docker.io, mirrors: [{location: mirror.gcr.io, insecure: false}]}]',
        'containerd_registries_mirrors: [{prefix: quay.io, mirrors: [{host: "https://ignored"}]}]',
        'http_proxy: http://proxy.internal:3128',
        'https_proxy: http://proxy.internal:3128',
        'additional_no_proxy_list: [github.com]',
        'kube_asymmetric_encryption_algorithm: RSA-3072',
        'kube_feature_gates: ["NodeSwap=True", "Foo=false"]',
        'loadbalancer_apiserver_type: haproxy',
      ].join('\n'),
    );
    expect(refused(r)).toEqual([]);
    expect(spec(r).containerRuntime).toEqual({ name: 'cri-o', registryMirrors: [{ host: 'docker.io', endpoints: ['https://mirror.gcr.io'] }] });
    expect(spec(r).proxy).toEqual({ http: 'http://proxy.internal:3128', https: 'http://proxy.internal:3128', noProxy: ['github.com'] });
    expect(spec(r).pki).toEqual({ algorithm: 'RSA-3072' });
    expect(spec(r).kubernetes.featureGates).toEqual({ NodeSwap: true, Foo: false });
    expect(spec(r).controlPlane).toEqual({ localhostProxy: 'haproxy' });
    const model = compileSpec(importToYaml(r), 'cluster.yaml');
    expect(model.controlPlane.localhostProxy).toBe('haproxy');
  });

  it('an insecure registry listed as its own mirror stays (http, skip_verify); the https registry itself is dropped', () => {
    const r = importVars(
      'containerd_registries_mirrors: [{prefix: docker.io, mirrors: [{host: "https://registry-1.docker.io", capabilities: [pull, resolve], skip_verify: false}]}, {prefix: "172.19.16.11:5000", mirrors: [{host: "http://172.19.16.11:5000", capabilities: [pull, resolve, push], skip_verify: true}]}]',
    );
    expect(spec(r).containerRuntime.registryMirrors).toEqual([{ host: '172.19.16.11:5000', endpoints: ['http://172.19.16.11:5000'], skipVerify: true }]);
  });

  it('customization: extra args, kubelet flags, OIDC, admission plugins, reservations, max pods, kube-proxy settings', () => {
    const r = importVars(
      [
        'kube_kubeadm_apiserver_extra_args: { request-timeout: 120s, profiling: false }',
        'kube_kubeadm_controller_extra_args: { terminated-pod-gc-threshold: 50 }',
        'kube_kubeadm_scheduler_extra_args: { profiling: false }',
        'kubelet_custom_flags: ["--image-gc-high-threshold=80"]',
        'kube_oidc_auth: true',
        'kube_oidc_url: https://dex.example.com',
        'kube_oidc_client_id: kubernetes',
        'kube_oidc_groups_claim: groups',
        'kube_apiserver_enable_admission_plugins: [NodeRestriction, PodSecurity]',
        'kube_reserved: true',
        'kube_cpu_reserved: 200m',
        'system_reserved: true',
        'kubelet_max_pods: 64',
        'kube_proxy_scheduler: lc',
        'kube_proxy_conntrack_min: 131072', // Kubespray's default: nothing written
      ].join('\n'),
    );
    expect(refused(r)).toEqual([]);
    expect(spec(r).controlPlane).toEqual({
      apiServer: {
        extraArgs: {
          'request-timeout': '120s',
          profiling: 'false',
          'oidc-issuer-url': 'https://dex.example.com',
          'oidc-client-id': 'kubernetes',
          'oidc-groups-claim': 'groups',
          'enable-admission-plugins': 'NodeRestriction,PodSecurity',
        },
      },
      controllerManager: { extraArgs: { 'terminated-pod-gc-threshold': '50' } },
      scheduler: { extraArgs: { profiling: 'false' } },
    });
    expect(spec(r).kubelet).toEqual({
      extraArgs: { 'image-gc-high-threshold': '80' },
      config: {
        maxPods: 64,
        kubeReserved: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '500Mi', pid: '1000' },
        systemReserved: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '500Mi', pid: '1000' },
      },
    });
    expect(spec(r).kubeProxy).toEqual({ config: { ipvs: { scheduler: 'lc' } } });
    const model = compileSpec(importToYaml(r), 'cluster.yaml');
    expect(model.name).toBe('x');
  });

  it.each([
    ['kube_kubeadm_apiserver_extra_args: { etcd-servers: "https://x:2379" }', 'kube_kubeadm_apiserver_extra_args'],
    ['kubelet_custom_flags: ["--node-ip=1.2.3.4"]', 'kubelet_custom_flags'],
    ['kubernetes_audit: true', 'kubernetes_audit'],
    ['kube_oidc_auth: true', 'kube_oidc_auth'],
    ['kube_apiserver_admission_control_config_file: true', 'kube_apiserver_admission_control_config_file'],
  ])('customization refused: %s', (vars, variable) => {
    expect(refused(importVars(vars))).toContain(variable);
  });

  it('dual-stack and IPv6-only: subnets in kubeadm form, nodes with ip and ip6; a host without ip6 is an input error', () => {
    const inv = '[kube_control_plane]\ncp1 ip=10.0.0.1 ip6=fd00:10::1\n[etcd:children]\nkube_control_plane\n[kube_node]\nw1 ip=10.0.0.11 ip6=fd00:10::11\n';
    const dual = importVars('ipv6_stack: true', inv);
    expect(refused(dual)).toEqual([]);
    expect(spec(dual).kubernetes).toMatchObject({ serviceSubnet: '10.233.0.0/18,fd85:ee78:d8a6:8607::1000/116', podSubnet: '10.233.64.0/18,fd85:ee78:d8a6:8607::1:0000/112' });
    expect(spec(dual).nodes.map((n: { address: string }) => n.address)).toEqual(['10.0.0.1,fd00:10::1', '10.0.0.11,fd00:10::11']);
    compileSpec(importToYaml(dual), 'cluster.yaml');
    const only6 = importVars('ipv4_stack: false\nipv6_stack: true\nkube_pods_subnet_ipv6: fd00:1::/104', inv);
    expect(refused(only6)).toEqual([]);
    expect(spec(only6).kubernetes).toMatchObject({ serviceSubnet: 'fd85:ee78:d8a6:8607::1000/116', podSubnet: 'fd00:1::/104' });
    expect(spec(only6).nodes.map((n: { address: string }) => n.address)).toEqual(['fd00:10::1', 'fd00:10::11']);
    compileSpec(importToYaml(only6), 'cluster.yaml');
    expect(() => importVars('ipv6_stack: true')).toThrow(/host "cp1" .* has no ip6/);
    // enable_dual_stack_networks is Kubespray's older switch for the same thing.
    expect(spec(importVars('enable_dual_stack_networks: true', inv)).nodes[0].address).toBe('10.0.0.1,fd00:10::1');
  });

  it("dns_min_replicas follows Kubespray's min(2, hosts): 1 on a single-node cluster", () => {
    expect(spec(importVars('', '[kube_control_plane]\ncp1 ip=10.0.0.1\n')).addons.dnsAutoscaler).toEqual({ min: 1, preventSinglePointFailure: false });
    expect(spec(importVars('')).addons.dnsAutoscaler).toEqual({});
  });

  it('a template copied verbatim from Kubespray\'s defaults is no choice; --os sets every node', () => {
    const r = importKubespray(new Map([['inventory.ini', THREE_CP], ['group_vars/all/all.yml', 'dns_domain: "{{ cluster_name }}"\ncluster_name: corp.local\n']]), 'inv', { name: 'x', os: 'debian-12' });
    expect(spec(r).kubernetes.clusterDomain).toBe('corp.local');
    expect(spec(r).nodes.every((n: { os: string }) => n.os === 'debian-12')).toBe(true);
  });
});

describe('import kubespray: cgroup v1 hosts (openEuler)', () => {
  const withOs = (vars: string, os?: 'openeuler-24.03' | 'rocky-10') =>
    importKubespray(new Map([['inventory.ini', THREE_CP], ['group_vars/k8s_cluster/k8s-cluster.yml', `${vars}\n`]]), 'inv', { name: 'x', ...(os ? { os } : {}) });
  it('kubelet_fail_cgroup_v1: false becomes kubelet.config.failCgroupV1; SystemVerification is accepted only with --os on a cgroup v1 OS', () => {
    const vars = 'kubelet_fail_cgroup_v1: false\nkubeadm_ignore_preflight_errors:\n  - SystemVerification';
    const ok = withOs(vars, 'openeuler-24.03');
    expect(refused(ok)).toEqual([]);
    expect(spec(ok).kubelet.config).toEqual({ failCgroupV1: false });
    expect(entry(ok, 'kubeadm_ignore_preflight_errors')!.status).not.toBe('refused');
    for (const os of [undefined, 'rocky-10'] as const) {
      const r = withOs(vars, os);
      expect(refused(r), String(os)).toEqual(['kubeadm_ignore_preflight_errors']);
      expect(entry(r, 'kubeadm_ignore_preflight_errors')!.detail, String(os)).toMatch(/SystemVerification on a cgroup v1 OS/);
    }
    expect(refused(withOs('kubeadm_ignore_preflight_errors: [Swap]', 'openeuler-24.03'))).toEqual(['kubeadm_ignore_preflight_errors']);
    expect(spec(withOs('kubelet_fail_cgroup_v1: true', 'openeuler-24.03')).kubelet).toBeUndefined();
  });
});

describe('Ansible inventory parsing', () => {
  it('INI: inline comments, quoted values, children and vars sections', () => {
    const inv = parseIniInventory(
      ['[kube_control_plane]', 'a ansible_host=1.1.1.1 ip="10.0.0.1"  # a comment with key=value', "b ip='10.0.0.2' note=\"two words\"", '; another comment', '[etcd:children]', 'kube_control_plane', '[all:vars]', 'flag=true', 'n=3'].join('\n'),
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
    const inv = parseYamlInventory('all:\n  hosts:\n    a: { ip: 10.0.0.1 }\n  children:\n    k8s_cluster:\n      children:\n        kube_node:\n          hosts:\n            a:\n', 'hosts.yaml');
    expect(groupHosts(inv, 'k8s_cluster')).toEqual(['a']);
  });

  it('refuses an inventory without control plane or a host without an address (input errors)', () => {
    expect(() => importKubespray(new Map([['inventory.ini', '[kube_node]\nw1 ip=10.0.0.1\n']]), 'inv', { name: 'x' })).toThrow(/no host in kube_control_plane/);
    expect(() => importKubespray(new Map([['inventory.ini', '[kube_control_plane]\ncp1\n']]), 'inv', { name: 'x' })).toThrow(/host "cp1" .* has no ip, access_ip or ansible_host/);
    expect(() => importKubespray(new Map(), 'inv', { name: 'x' })).toThrow(/no inventory in inv/);
  });

  it('derives a DNS-1123 cluster name from the directory', () => {
    expect(clusterNameFromDir('inventory/My_Cluster/')).toBe('my-cluster');
    expect(clusterNameFromDir('/')).toBe('imported');
  });
});
